"""Steady-rate command sender for bench/feed_latency.py, in its own process so that sending costs the
measuring process (the Kafka consumer) nothing: an open loop, command n due at start + n / rate.

    python bench/steady_load.py PORT RATE SECONDS TAG SCRIPT.json
SCRIPT: {"paths": [...], "headers": {...}}.  Each command posts a school contribution whose text is the marker
``bench-TAG-n``.  Prints one JSON line: {"accepted": {marker: when its 201 arrived (perf_counter, which is the
system's monotonic clock and so comparable across processes)}, "answers": [[status, seconds], ...]}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from loopback_http import read_answer

CONNECTIONS = 32   # enough that a slow answer never holds up the next command's sending


async def connection(port: int, script: dict, queue: asyncio.Queue, accepted: dict, answers: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "".join(f"{k}: {v}\r\n" for k, v in script["headers"].items())
    try:
        while (job := await queue.get()) is not None:
            n, due, marker = job
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            body = json.dumps({"category": "school", "text": marker}).encode()
            path = script["paths"][n % len(script["paths"])]
            sent = time.perf_counter()
            writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}Content-Length: {len(body)}\r\n"
                         "Content-Type: application/json\r\n\r\n".encode() + body)
            status = await read_answer(reader)
            now = time.perf_counter()
            answers.append((status, now - sent))
            if status == 201:
                accepted[marker] = now
    finally:
        writer.close()


async def main(port: int, rate: float, seconds: float, tag: str, script: dict) -> dict:
    accepted: dict[str, float] = {}
    answers: list = []
    queue: asyncio.Queue = asyncio.Queue()
    start = time.perf_counter() + 0.1
    for n in range(int(rate * seconds)):   # in due order: a free connection takes the next one due
        queue.put_nowait((n, start + n / rate, f"bench-{tag}-{n}"))
    for _ in range(CONNECTIONS):
        queue.put_nowait(None)
    await asyncio.gather(*(connection(port, script, queue, accepted, answers) for _ in range(CONNECTIONS)))
    return {"accepted": accepted, "answers": answers}


if __name__ == "__main__":
    port, rate, seconds, tag, script_file = sys.argv[1:6]
    with open(script_file) as f:
        print(json.dumps(asyncio.run(main(int(port), float(rate), float(seconds), tag, json.load(f)))))

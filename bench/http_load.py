"""Load generator for bench/http.py: keep-alive HTTP/1.1 connections on loopback, run in its own process.

    python bench/http_load.py PORT SECONDS CONNECTIONS SCRIPT.json
SCRIPT: {"method", "paths": [...], "headers": {...}, "body": str|null}; prints one JSON line of results.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from loopback_http import read_answer


async def client(port: int, script: dict, until: float, latencies: list[float], statuses: dict, offset: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = (script.get("body") or "").encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in script["headers"].items())
    paths, i = script["paths"], offset
    while time.perf_counter() < until:
        path = paths[i % len(paths)]
        i += 1
        request = (f"{script['method']} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
                   f"Content-Length: {len(body)}\r\nContent-Type: application/json\r\n\r\n").encode() + body
        started = time.perf_counter()
        writer.write(request)
        status = await read_answer(reader)
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
    writer.close()


async def main(port: int, seconds: float, connections: int, script: dict) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()
    await asyncio.gather(*(client(port, script, start + seconds, latencies, statuses, n * 7)
                           for n in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed, "p50_ms": pick(0.50),
            "p99_ms": pick(0.99), "statuses": statuses}


if __name__ == "__main__":
    port, seconds, connections, script_file = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(script_file) as f:
        print(json.dumps(asyncio.run(main(port, seconds, connections, json.load(f)))))

"""The load generators' one piece of HTTP/1.1: reading an answer off a keep-alive connection (standard library only)."""

from __future__ import annotations

import asyncio


async def read_answer(reader: asyncio.StreamReader) -> int:
    """Read one whole answer (status line, headers, a Content-Length body); its status."""
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return int(status_line.split()[1])

"""Serving an ASGI app over real HTTP on loopback for the tests: uvicorn in a thread, on a free port."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_in_thread(app, port: int, name: str, timeout: float = 20) -> tuple[uvicorn.Server, threading.Thread]:  # noqa: ANN001
    """Start ``app`` on 127.0.0.1:port and wait until it accepts connections."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{name} did not start on port {port}")
        time.sleep(0.05)
    return server, thread

"""Load from wrk (C, one thread) instead of the asyncio client, when wrk is installed: ``apt-get install wrk``.

The asyncio client spent about a third of a core at 2,000 requests/s on this 2-core machine, CPU the servers
measured beside it then lacked; wrk spends a few per cent.  Same script format and same answer as
``http_load.py``: {"requests", "seconds", "rps", "p50_ms", "p99_ms", "statuses"}.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

# wrk gives each thread its own Lua state: every connection cycles through the paths from its own offset, counts
# the statuses it got, and ``done`` (in the main state) adds them up and prints one JSON line.
LUA = r"""
local script = %(script)s
statuses = {}   -- a global: done() reads it from each thread with thread:get
local counter, threads = 0, {}
function setup(thread) thread:set("offset", #threads * 7); table.insert(threads, thread) end
function init(args) counter = offset or 0 end
function request()
  counter = counter + 1
  return wrk.format(script.method, script.paths[(counter %% #script.paths) + 1], script.headers, script.body)
end
function response(status, headers, body)
  local key = tostring(status); statuses[key] = (statuses[key] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%%s": %%d', status, n)) end
  io.write(string.format('{"requests": %%d, "seconds": %%.6f, "p50_ms": %%.3f, "p99_ms": %%.3f, "errors": %%d,'
    .. ' "statuses": {%%s}}\n', summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, table.concat(parts, ", ")))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def run(port: int, seconds: float, connections: int, script: dict, tmp: Path) -> dict:
    """Run wrk against 127.0.0.1:port for ``seconds`` with ``connections`` keep-alive connections."""
    lua = tmp / "wrk-script.lua"
    lua.write_text(LUA % {"script": _lua_table(script)})
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
                          "-s", str(lua), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result.pop("errors"):
        raise SystemExit(f"wrk lost connections (connect/read/write/timeout errors): {out.stdout}")
    result["rps"] = result["requests"] / result["seconds"]
    return result


def _lua_table(script: dict) -> str:
    headers = {"Host": "127.0.0.1", "Content-Type": "application/json", **script.get("headers", {})}
    return "{method = %s, paths = {%s}, headers = {%s}, body = %s}" % (
        _lua_string(script["method"]), ", ".join(_lua_string(p) for p in script["paths"]),
        ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()),
        _lua_string(script["body"]) if script.get("body") else "nil")


def _lua_string(text: str) -> str:
    """A Lua string literal of ``text`` (its UTF-8 bytes, every one escaped as a decimal)."""
    return '"' + "".join(f"\\{b}" for b in text.encode()) + '"'

#!/usr/bin/env python3
"""`cachecore serve` under load (issue 14), with its baseline in the same run.

A private redis-server (unix socket, no persistence) holds deps of 10 entries each,
written in the proxy's format. wrk (Debian's package: nobody here wrote it) drives
POST /v1/invalidate with a new dep on every request, so every request deletes 10 entries:

  1. peak: closed-loop runs at rising connection counts; the peak is the best rate of a
     run with zero errors (no socket errors, no non-2xx answers);
  2. ~1,000 requests/s: 20 connections, each pausing 19 ms between requests (wrk's
     `delay()`), with wrk's latency distribution (p50, p99) and the rate it reached;
  3. the server's RSS (VmHWM, the peak, and VmRSS at the end) from /proc;
  4. the baseline: the same invalidations by spawning `cachecore invalidate` once per
     dep, one at a time and 4 at a time.

  python3 bench/serve.py                  # about two minutes on 2 cores
  python3 bench/serve.py --duration 10 --max-rate 10000

Needs a release build (`cargo build --release`), redis-server and redis-cli, and wrk
(apt-get install wrk). Every request loop is bounded (wrk -d) and goes to 127.0.0.1.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHECORE = os.path.join(ROOT, "target", "release", "cachecore")

# Writes deps bench:{first}..bench:{first+count-1}, 10 L1 entries each, in one script
# call per chunk (the proxy's fields: body, deps with the policy dep last, created_at,
# a TTL, and the key in the dep's set).
FILL_LUA = """
local first, count = tonumber(ARGV[1]), tonumber(ARGV[2])
for d = first, first + count - 1 do
  local dep = 'bench:' .. d
  local deps = '[{"id":"' .. dep .. '","hash":null},{"id":"cc:policy-version:bench","hash":"1"}]'
  for e = 0, 9 do
    local k = 'cc:l1:bench:' .. string.format('%056x%08x', d, e)
    redis.call('HSET', k, 'body', 'cached answer', 'deps', deps, 'created_at', '1')
    redis.call('EXPIRE', k, 3600)
    redis.call('SADD', 'cc:dep:keys:' .. dep, k)
  end
end
return count
"""

# One new dep per request: thread i takes ids BASE + i, BASE + i + THREADS, ...
WRK_LUA = """
local threads = {}
local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  n = tonumber(os.getenv("BASE")) + offset
  step = tonumber(os.getenv("THREADS"))
  pause = tonumber(os.getenv("PAUSE_MS"))
  token = os.getenv("TOKEN")
end
function request()
  local body = '{"dep_id": "bench:' .. n .. '", "new_hash": "v2"}'
  n = n + step
  return wrk.format("POST", "/v1/invalidate",
    {["Authorization"] = "Bearer " .. token}, body)
end
function delay()
  return pause
end
"""


def sh(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


class Redis:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="cc-bench-serve-")
        self.sock = os.path.join(self.dir, "redis.sock")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.sock, "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):
            if os.path.exists(self.sock) and self.cli("PING").strip() == "PONG":
                break
            time.sleep(0.01)
        self.url = f"redis+unix://{self.sock}"

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-s", self.sock, *args],
                              capture_output=True, text=True).stdout

    def fill(self, first, count):
        for start in range(first, first + count, 2000):
            n = min(2000, first + count - start)
            self.cli("EVAL", FILL_LUA, "0", str(start), str(n))

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def cachecore(url, *args):
    return sh([CACHECORE, "--redis-url", url, *args])


class Serve:
    def __init__(self, url):
        self.proc = subprocess.Popen(
            [CACHECORE, "--redis-url", url, "serve", "--listen", "127.0.0.1:0",
             "--rate-limit", "1000000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = self.proc.stderr.readline()
        self.addr = json.loads(line)["addr"]
        # Keep reading the request log so the pipe never fills; count the lines.
        self.logged = 0
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for _ in self.proc.stderr:
            self.logged += 1

    def memory(self):
        status = open(f"/proc/{self.proc.pid}/status").read()
        get = lambda k: int(re.search(rf"{k}:\s+(\d+) kB", status).group(1)) // 1024
        return get("VmHWM"), get("VmRSS")

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=30)


def wrk(addr, token, base, threads, conns, seconds, pause_ms, script):
    env = dict(os.environ, BASE=str(base), THREADS=str(conns), PAUSE_MS=str(pause_ms),
               TOKEN=token)
    # One id sequence per connection: wrk runs setup() once per thread, so connections
    # of a thread share its sequence; use as many threads as connections' sequences.
    out = sh(["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s",
              "--latency", "-s", script, f"http://{addr}"], env=env).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = non2xx + (sum(int(x) for x in socket.groups()) if socket else 0)
    pct = {}
    for p, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        pct[p] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return {"rate": rate, "requests": total, "errors": errors, "p50_ms": pct.get("50"),
            "p99_ms": pct.get("99")}


def baseline(url, first, count, parallel):
    ids = [f"bench:{first + i}" for i in range(count)]
    started = time.monotonic()
    procs = []
    for dep in ids:
        procs.append(subprocess.Popen([CACHECORE, "--redis-url", url, "--quiet", "invalidate",
                                       dep, "--new-hash", "v2"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        while sum(p.poll() is None for p in procs) >= parallel:
            time.sleep(0.0005)
    failed = sum(p.wait() != 0 for p in procs)
    return count / (time.monotonic() - started), failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--connections", default="4,8,16,32", help="peak runs' connections")
    ap.add_argument("--baseline-deps", type=int, default=300)
    ap.add_argument("--max-rate", type=int, default=16000,
                    help="fresh deps are written for runs up to this rate")
    args = ap.parse_args()
    for tool in (CACHECORE, "wrk", "redis-server", "redis-cli"):
        if not shutil.which(tool) and not os.path.exists(tool):
            sys.exit(f"missing {tool}: see the docstring")
    redis = Redis()
    script = os.path.join(redis.dir, "invalidate.lua")
    open(script, "w").write(WRK_LUA)
    conns = [int(c) for c in args.connections.split(",")]
    # Enough fresh deps for every run up to --max-rate.
    per_run = args.max_rate * args.duration
    runs = len(conns) + 2  # and a warm-up
    t = time.monotonic()
    redis.fill(0, per_run * runs + args.baseline_deps * 2)
    print(f"filled {per_run * runs + args.baseline_deps * 2} deps x 10 entries in "
          f"{time.monotonic() - t:.0f} s", file=sys.stderr)
    token = cachecore(redis.url, "token", "create", "bench", "--scope", "bench:*").stdout.strip()
    serve = Serve(redis.url)
    # Warm-up (connections, script cache), not reported.
    wrk(serve.addr, token, 0, 2, 2, 1, 0, script)
    base, peak = per_run, None
    print(f"{'connections':>11} {'req/s':>9} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7}")
    for c in conns:
        r = wrk(serve.addr, token, base, c, c, args.duration, 0, script)
        base += per_run
        print(f"{c:>11} {r['rate']:>9.0f} {r['errors']:>6} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f}")
        if r["requests"] > per_run:
            print("  (ran out of fresh deps: raise the fill)", file=sys.stderr)
        elif r["errors"] == 0 and (peak is None or r["rate"] > peak["rate"]):
            peak = dict(r, connections=c)
    fixed = wrk(serve.addr, token, base, 20, 20, args.duration, 19, script)
    base += per_run
    hwm, rss = serve.memory()
    code = serve.stop()
    seq_rate, seq_failed = baseline(redis.url, base, args.baseline_deps, 1)
    par_rate, par_failed = baseline(redis.url, base + args.baseline_deps, args.baseline_deps, 4)
    left = redis.cli("EVAL", "return #redis.call('KEYS', 'cc:inval:*')", "0").strip()
    redis.stop()
    print()
    print(f"peak sustained, zero errors: {peak['rate']:.0f} req/s "
          f"({peak['connections']} connections, p50 {peak['p50_ms']:.2f} ms, p99 {peak['p99_ms']:.2f} ms)"
          if peak else "peak: no run without errors")
    print(f"at ~1,000 req/s: {fixed['rate']:.0f} req/s reached, errors {fixed['errors']}, "
          f"p50 {fixed['p50_ms']:.2f} ms, p99 {fixed['p99_ms']:.2f} ms")
    print(f"server RSS: peak {hwm} MB, at the end {rss} MB; exit after SIGTERM {code}")
    print(f"baseline, one `cachecore invalidate` process per dep: {seq_rate:.0f} deps/s "
          f"one at a time ({seq_failed} failed), {par_rate:.0f} deps/s 4 at a time "
          f"({par_failed} failed)")
    print(f"unfinished runs left in Redis: {left}")


if __name__ == "__main__":
    main()

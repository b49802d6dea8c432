#!/usr/bin/env python3
"""Instructions per gateway cache hit (issue 25), in the gateway and in redis-server, for
1 and for 10 declared deps: both run under callgrind, which counts instructions, not
seconds, so the figures repeat however busy the machine is (they leave out the kernel's
share and wrk's). One keep-alive client sends N identical hits per row, after a miss
that writes the entry; the counters are zeroed before and dumped after each row.

  python3 bench/gateway_cost.py            # 1 dep, then 10 deps, 1,000 hits each
  python3 bench/gateway_cost.py --hits 500 --deps 1,10,100
  python3 bench/gateway_cost.py --binary /path/to/old/cachecore   # another build

Needs a release build (`cargo build --release`), valgrind, redis-server and python3.
Rows run in the order given: a row with fewer deps than the one before it reads an entry
written with more (judged by the lookup script, not the peek).
"""
import argparse
import base64
import glob
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gateway as g  # noqa: E402  (the benchmark's helpers: ports, stub, body)

VALGRIND = ["valgrind", "--tool=callgrind", "--dump-instr=no", "--compress-strings=no"]


def total(path):
    for line in open(path):
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    sys.exit(f"{path} has no totals")


def counted(procs, out_dir, work):
    """Runs `work` with every process's counters zeroed before; instructions each spent."""
    for _, pid in procs:
        subprocess.run(["callgrind_control", "-z", str(pid)], capture_output=True, check=True)
    # callgrind acts on a request when the process next runs: let both take it.
    time.sleep(1.5)
    work()
    spent = {}
    for name, pid in procs:
        before = set(glob.glob(f"{out_dir}/callgrind.out.{pid}.*"))
        subprocess.run(["callgrind_control", "-d", str(pid)], capture_output=True, check=True)
        deadline = time.time() + 30
        while not (new := set(glob.glob(f"{out_dir}/callgrind.out.{pid}.*")) - before):
            if time.time() > deadline:
                sys.exit(f"callgrind did not dump {name}")
            time.sleep(0.2)
        time.sleep(0.5)
        spent[name] = total(max(new, key=os.path.getmtime))
    return spent


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--hits", type=int, default=1000)
    p.add_argument("--deps", default="1,10", help="comma-separated declared-dep counts, one row each")
    p.add_argument("--binary", default=g.CACHECORE, help="the cachecore to measure (default: the release build)")
    args = p.parse_args()
    out_dir = tempfile.mkdtemp()
    procs = []
    try:
        rport = g.free_port()
        redis = subprocess.Popen(VALGRIND + [f"--callgrind-out-file={out_dir}/callgrind.out.%p", "redis-server",
                                             "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                             "--appendonly", "no", "--dir", out_dir],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(redis)
        redis_url = f"redis://127.0.0.1:{rport}"
        deadline = time.time() + 60
        while subprocess.run(["redis-cli", "-p", str(rport), "ping"], capture_output=True,
                             text=True).stdout.strip() != "PONG":
            if time.time() > deadline:
                sys.exit("redis-server under valgrind did not answer within 60 s")
            time.sleep(0.3)
        stub = subprocess.Popen([sys.executable, g.STUB], stdout=subprocess.PIPE, text=True)
        procs.append(stub)
        upstream = f"http://127.0.0.1:{stub.stdout.readline().strip()}/v1"
        token = json.loads(subprocess.run([args.binary, "--redis-url", redis_url, "--json", "token", "create",
                                           "bench", "--namespace", "bench"], capture_output=True, text=True,
                                          check=True).stdout)["token"]
        gport = g.free_port()
        gw = subprocess.Popen(VALGRIND + [f"--callgrind-out-file={out_dir}/callgrind.out.%p", args.binary,
                                          "--redis-url", redis_url, "gateway", "--listen", f"127.0.0.1:{gport}",
                                          "--upstream", upstream],
                              env=dict(os.environ, CACHECORE_UPSTREAM_KEY="sk-bench"), stderr=subprocess.DEVNULL)
        procs.append(gw)
        g.wait_http(f"http://127.0.0.1:{gport}/healthz", timeout=180, proc=gw)
        conn = http.client.HTTPConnection("127.0.0.1", gport)
        rows = []
        for ndeps in (int(n) for n in args.deps.split(",")):
            deps = [{"dep_id": f"doc:bench-{i}", "expected_hash": "v1"} for i in range(ndeps)]
            headers = {"X-Cachecore-Token": token, "Content-Type": "application/json",
                       "X-Cachecore-Deps": base64.urlsafe_b64encode(json.dumps(deps, separators=(",", ":")).encode()).decode().rstrip("=")}
            tiers = {}

            def send(n):
                for _ in range(n):
                    conn.request("POST", "/v1/chat/completions", body=g.BODY, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    tier = resp.getheader("X-Cache")
                    tiers[tier] = tiers.get(tier, 0) + 1
            send(1)  # the miss that writes the entry, and the token's first request
            time.sleep(1)
            send(20)
            tiers.clear()
            spent = counted([("gateway", gw.pid), ("redis-server", redis.pid)], out_dir, lambda: send(args.hits))
            if tiers != {"HIT_L1": args.hits}:
                sys.exit(f"{ndeps} deps: expected {args.hits} HIT_L1, got {tiers}")
            row = {"deps": ndeps, "hits": args.hits,
                   **{f"{k}_instructions_per_hit": round(v / args.hits) for k, v in spent.items()}}
            print(json.dumps(row), flush=True)
            rows.append(row)
        print("| declared deps | gateway, instructions per hit | redis-server, instructions per hit | sum |")
        print("|---|---|---|---|")
        for r in rows:
            a, b = r["gateway_instructions_per_hit"], r["redis-server_instructions_per_hit"]
            print(f"| {r['deps']} | {a / 1000:.1f}k | {b / 1000:.1f}k | {(a + b) / 1000:.1f}k |")
    finally:
        for pr in reversed(procs):
            pr.terminate()
            try:
                pr.wait(30)
            except subprocess.TimeoutExpired:
                pr.kill()


if __name__ == "__main__":
    main()

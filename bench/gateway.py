#!/usr/bin/env python3
"""`cachecore gateway` against LiteLLM's proxy (issue 25), in the same run, on the same
machine, the same private redis-server and the same stub upstream
(tests/python/stub_upstream.py). wrk (Debian's package) drives cache hits:

  1. hits/s at saturation: 16 connections, closed loop, one cached request;
  2. hit latency at a fixed rate: oha (crates.io: `cargo install oha --locked`) sending
     --rate requests/s spread evenly over 16 connections, open loop, its latencies
     corrected for coordinated omission (-q, --latency-correction); oha's p50 and p99.
     Also, as the earlier rows were made, wrk with 16 connections each pausing (wrk's
     delay()) so that the total is about --rate: those 16 start together and stay in step,
     so every 16 ms a burst of 16 arrives at once, and the burst's queue is in its p99
     (kept in the JSON rows as wrk_burst_*; used in the table when oha is missing);
  3. RSS of the server process (VmHWM, the peak) from /proc;
  4. the gateway again with 10 declared deps per entry (every dep checked on every hit);
  5. the overhead a miss adds to the upstream's own time: unique requests that the stub
     answers after a fixed delay (its "SLOW <ms>" mode), each sent once straight to the
     stub and once through the gateway, one after the other on one keep-alive connection
     to each (sequential: more client threads in one Python process measure the GIL's
     queue, not the servers); the overhead is the gateway's p50 minus the stub's p50 (and
     the median of the per-pair differences); and the same pairs without a credential
     (BYPASS, no Redis at all), the host's floor for proxying alone.

The gateway's hits carry a `cachecore token` (one Redis round trip of plain reads: the
token's record, the entry and the declared deps' current hashes; a miss is one round trip
too, whose reads also take the coalescing lock); LiteLLM's
carry no key and answer hits from its own process memory (it checks nothing in Redis per
hit).

  python3 bench/gateway.py --litellm /path/to/venv/bin/litellm   # ~2 minutes
  python3 bench/gateway.py                                        # the gateway alone
  CACHECORE_BEFORE=/path/to/old/cachecore python3 bench/gateway.py  # and an older build's rows

Needs a release build (`cargo build --release`), redis-server, wrk, oha, python3; LiteLLM from
PyPI (`pip install 'litellm[proxy]'`) in a venv of its own for the peer's rows. Every load
loop is bounded (wrk -d) and goes to 127.0.0.1.
"""
import argparse
import base64
import http.client
import statistics
import threading
import uuid
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHECORE = os.path.join(ROOT, "target", "release", "cachecore")
# Another build's binary, measured in the same run (as bench/run.py's CACHECORE_BEFORE).
BEFORE = os.environ.get("CACHECORE_BEFORE")
STUB = os.path.join(ROOT, "tests", "python", "stub_upstream.py")
# LiteLLM refuses to start without a master key; its requests carry it.
MASTER = "sk-bench-" + "0" * 32
BODY = json.dumps({"model": "gpt-bench", "messages": [{"role": "user", "content": "Summarise contract #123"}]})


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(url, timeout=60, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"the server behind {url} exited with {proc.returncode}")
        r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url], capture_output=True, text=True)
        if r.stdout not in ("", "000"):
            return
        time.sleep(0.2)
    sys.exit(f"{url} did not answer within {timeout}s")


def wrk_script(headers, delay_ms):
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(BODY)}",
             'wrk.headers["Content-Type"] = "application/json"']
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if delay_ms:
        lines.append(f"function delay() return {delay_ms} end")
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    f.write("\n".join(lines) + "\n")
    f.close()
    return f.name


def wrk(url, headers, seconds, delay_ms=0):
    script = wrk_script(headers, delay_ms)
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", script, url],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(script)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    return {"rate": rate, "p50_ms": pct(50), "p99_ms": pct(99),
            "non2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else ""}


def oha_binary():
    for candidate in (shutil.which("oha"), os.path.expanduser("~/.cargo/bin/oha")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def oha(url, headers, seconds, rate):
    """`rate` requests/s over 16 connections, open loop: (requests/s, p50 ms, p99 ms, non-2xx)."""
    cmd = [oha_binary(), "--no-tui", "-z", f"{seconds}s", "-c", "16", "-q", str(rate), "--latency-correction",
           "-m", "POST", "-H", "Content-Type: application/json", "-d", BODY, "--output-format", "json"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = json.loads(subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout)
    codes = out.get("statusCodeDistribution", {})
    p = out["latencyPercentiles"]
    return {"rate": out["summary"]["requestsPerSec"], "p50_ms": round(p["p50"] * 1000, 3),
            "p99_ms": round(p["p99"] * 1000, 3),
            "non2xx": sum(n for c, n in codes.items() if not c.startswith("2"))}


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def stub_calls(upstream):
    out = subprocess.run(["curl", "-s", upstream.replace("/v1", "/count")], capture_output=True, text=True).stdout
    return json.loads(out)["calls"]


def measure(name, url, headers, pid, args, upstream):
    before = stub_calls(upstream)
    sat = wrk(url, headers, args.duration)
    burst = wrk(url, headers, args.duration, delay_ms=int(16 * 1000 / args.rate))
    fixed = oha(url, headers, args.duration, args.rate) if oha_binary() else burst
    row = {"server": name, "hits_per_s_16c": round(sat["rate"]), "sat_non2xx": sat["non2xx"],
           "fixed_tool": "oha" if oha_binary() else "wrk-burst",
           "fixed_rate": round(fixed["rate"]), "p50_ms": fixed["p50_ms"], "p99_ms": fixed["p99_ms"],
           "fixed_non2xx": fixed["non2xx"], "wrk_burst_rate": round(burst["rate"]),
           "wrk_burst_p50_ms": burst["p50_ms"], "wrk_burst_p99_ms": burst["p99_ms"],
           "rss_peak_mb": round(rss_mb(pid), 1),
           # Hits never reach the upstream: any call here means the peer did not serve from its cache.
           "upstream_calls_during_runs": stub_calls(upstream) - before}
    print(json.dumps(row), flush=True)
    return row


def timed_post(conn, path, body, headers):
    started = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    resp = conn.getresponse()
    resp.read()
    took = (time.perf_counter() - started) * 1000
    return took, resp.status, resp.getheader("X-Cache")


def miss_overhead(stub_url, gw_url, gw_headers, seconds, delay_ms, conns=1, expect_tier="MISS"):
    """Pairs of unique requests, one to the stub, one through the gateway (its tier must be
    MISS), on `conns` threads for `seconds`. Returns p50/p99 of both and the overhead."""
    pairs, bad = [], []
    deadline = time.time() + seconds

    def worker():
        s, g = (http.client.HTTPConnection(u.split("/")[2]) for u in (stub_url, gw_url))
        for c in (s, g):
            # http.client sends the head and the body in two writes: Nagle would hold the
            # body for the server's delayed ACK (40 ms) and measure that instead.
            c.connect()
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        spath, gpath = ("/" + u.split("/", 3)[3] for u in (stub_url, gw_url))
        base = {"Content-Type": "application/json"}
        while time.time() < deadline:
            body = json.dumps({"model": "gpt-bench", "messages": [
                {"role": "user", "content": f"SLOW {delay_ms} {uuid.uuid4().hex}"}]})
            st, sstatus, _ = timed_post(s, spath, body, base)
            gt, gstatus, tier = timed_post(g, gpath, body, {**base, **gw_headers})
            if sstatus != 200 or gstatus != 200 or tier != expect_tier:
                bad.append((sstatus, gstatus, tier))
            pairs.append((st, gt))
    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if bad:
        sys.exit(f"miss run: {len(bad)} requests were not a 200 MISS, e.g. {bad[0]}")
    stub = sorted(p[0] for p in pairs)
    gw = sorted(p[1] for p in pairs)
    q = lambda xs, f: xs[min(len(xs) - 1, int(f * len(xs)))]
    row = {"pairs": len(pairs), "upstream_delay_ms": delay_ms,
           "stub_p50_ms": round(q(stub, 0.5), 3), "gateway_p50_ms": round(q(gw, 0.5), 3),
           "stub_p99_ms": round(q(stub, 0.99), 3), "gateway_p99_ms": round(q(gw, 0.99), 3),
           "overhead_p50_ms": round(q(gw, 0.5) - q(stub, 0.5), 3),
           "overhead_median_of_pairs_ms": round(statistics.median(g - s for s, g in pairs), 3)}
    print(json.dumps(row), flush=True)
    return row


def gateway_rows(label, gurl, pid, token, args, upstream):
    """The hit rows with 1 and 10 declared deps, and the miss overhead with 1."""
    rows = []
    for ndeps in (1, 10):
        # Encoded as the product's client encodes it: compact JSON, base64url unpadded.
        deps = [{"dep_id": f"doc:bench-{i}", "expected_hash": "v1"} for i in range(ndeps)]
        headers = {"X-Cachecore-Token": token,
                   "X-Cachecore-Deps": base64.urlsafe_b64encode(
                       json.dumps(deps, separators=(",", ":")).encode()).decode().rstrip("=")}
        subprocess.run(["curl", "-s", "-o", "/dev/null", "-X", "POST", gurl, "-d", BODY]
                       + sum([["-H", f"{k}: {v}"] for k, v in headers.items()], []), check=True)
        rows.append(measure(f"{label} ({ndeps} dep{'s' if ndeps > 1 else ''})", gurl, headers, pid, args, upstream))
        if ndeps == 1:
            rows[-1]["miss"] = miss_overhead(upstream + "/chat/completions", gurl, headers, args.duration,
                                             args.miss_delay)
            # The same pairs without a credential (BYPASS: no Redis at all): what proxying
            # alone costs on this host, the floor under the miss overhead.
            rows[-1]["proxy"] = miss_overhead(upstream + "/chat/completions", gurl, {}, args.duration,
                                              args.miss_delay, expect_tier="BYPASS")
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--rate", type=int, default=1000, help="the fixed rate of the latency runs")
    p.add_argument("--litellm", help="the litellm executable of a venv with litellm[proxy]")
    p.add_argument("--miss-delay", type=int, default=20, help="the stub's delay (ms) in the miss runs")
    args = p.parse_args()
    procs = []
    tmp = tempfile.mkdtemp()
    try:
        rport = free_port()
        procs.append(subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL))
        redis_url = f"redis://127.0.0.1:{rport}"
        stub = subprocess.Popen([sys.executable, STUB], stdout=subprocess.PIPE, text=True)
        procs.append(stub)
        upstream = f"http://127.0.0.1:{stub.stdout.readline().strip()}/v1"
        time.sleep(0.5)
        tokens = {label: json.loads(subprocess.run(
            [CACHECORE, "--redis-url", redis_url, "--json", "token", "create", f"bench{i}", "--namespace", f"bench{i}"],
            capture_output=True, text=True, check=True).stdout)["token"]
            for i, label in enumerate(["cachecore gateway", "cachecore before"])}
        rows = []
        # CACHECORE_BEFORE (another build's binary): its rows too, in the same run, each
        # gateway alone on the machine while it is measured.
        builds = [("cachecore gateway", CACHECORE)] + ([("cachecore before", BEFORE)] if BEFORE else [])
        for label, binary in builds:
            gport = free_port()
            env = dict(os.environ, CACHECORE_UPSTREAM_KEY="sk-bench")
            gw = subprocess.Popen([binary, "--redis-url", redis_url, "gateway", "--listen", f"127.0.0.1:{gport}",
                                   "--upstream", upstream, "--bypass-rate-limit", "1000000"],
                                  env=env, stderr=subprocess.DEVNULL)
            procs.append(gw)
            gurl = f"http://127.0.0.1:{gport}/v1/chat/completions"
            wait_http(f"http://127.0.0.1:{gport}/healthz")
            # One namespace per build: neither reads the other's entries.
            rows += gateway_rows(label, gurl, gw.pid, tokens[label], args, upstream)
            gw.terminate()
            gw.wait(10)
        if args.litellm:
            lport = free_port()
            cfg = os.path.join(tmp, "litellm.yaml")
            with open(cfg, "w") as f:
                f.write(f"""model_list:
  - model_name: gpt-bench
    litellm_params: {{model: openai/gpt-bench, api_base: "{upstream}", api_key: sk-bench}}
general_settings:
  master_key: {MASTER}
litellm_settings:
  cache: true
  cache_params: {{type: redis, host: 127.0.0.1, port: {rport}}}
""")
            ll = subprocess.Popen([args.litellm, "--config", cfg, "--port", str(lport), "--num_workers", "1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(ll)
            lurl = f"http://127.0.0.1:{lport}/v1/chat/completions"
            wait_http(f"http://127.0.0.1:{lport}/health/liveliness", timeout=180, proc=ll)
            auth = {"Authorization": f"Bearer {MASTER}"}
            subprocess.run(["curl", "-s", "-o", "/dev/null", "-X", "POST", lurl, "-H", "Content-Type: application/json",
                            "-H", f"Authorization: Bearer {MASTER}", "-d", BODY], check=True)
            rows.append(measure("LiteLLM proxy (Redis cache, 1 worker)", lurl, auth, ll.pid, args, upstream))
            rows[-1]["miss"] = miss_overhead(upstream + "/chat/completions", lurl, auth, args.duration,
                                             args.miss_delay, expect_tier=None)
        tool = "oha -q, open loop" if oha_binary() else "wrk bursts of 16"
        print("| server | hits/s at 16 conns | hit p50 / p99 at %d req/s, %s (reached) | same, wrk bursts "
              "of 16 | miss overhead p50 (upstream %d ms) | RSS peak | upstream calls during hit runs |"
              % (args.rate, tool, args.miss_delay))
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            m = r.get("miss")
            miss = f"{m['overhead_p50_ms']:.2f} ms ({m['pairs']} pairs)" if m else "—"
            if r.get("proxy"):
                miss += f"; proxying alone (BYPASS) {r['proxy']['overhead_p50_ms']:.2f} ms"
            print(f"| {r['server']} | {r['hits_per_s_16c']:,} | {r['p50_ms']:.2f} / {r['p99_ms']:.2f} ms "
                  f"({r['fixed_rate']:,}) | {r['wrk_burst_p50_ms']:.2f} / {r['wrk_burst_p99_ms']:.2f} ms "
                  f"({r['wrk_burst_rate']:,}) | {miss} | {r['rss_peak_mb']} MB | {r['upstream_calls_during_runs']} |")
    finally:
        for pr in reversed(procs):
            pr.terminate()
            try:
                pr.wait(10)
            except subprocess.TimeoutExpired:
                pr.kill()


if __name__ == "__main__":
    main()

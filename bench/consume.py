#!/usr/bin/env python3
"""`cachecore consume` against `invalidate-many` (issue 15), in one run.

Throughput: DEPS deps of 10 entries each (bench/gen_data.py `many`) and one native event
per dep in the stream cc:events (`dep_id doc:N new_hash v2`), saved as one RDB snapshot;
before every measured run the server restarts from it. Measured, interleaved, --repeat
times: `invalidate-many` of the same deps from a file, `consume --until-idle` with one
consumer, and with two consumers of the group at once. Wall time and peak RSS come from
GNU time (for two consumers: the larger of the two), Redis CPU from INFO, the worst probe
from bench/probe.py (a GET every ~1 ms), as in bench/run.py.

Memory: EVENTS events (ten rounds of one event per dep, hashes v1..v10) consumed by one
consumer, its RSS sampled every 0.5 s from /proc and its peak from GNU time.

  python3 bench/consume.py                      # 100,000 deps, 1,000,000 events, 3 repeats
  python3 bench/consume.py --deps 20000 --events 200000 --repeat 1   # quick

Needs what bench/run.py needs: a release build, redis-server, redis-cli, GNU time.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import CACHECORE, HERE, Server, expect_no_entries, measure  # noqa: E402


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def load(server, deps, rounds, snapshot):
    """Entries (gen_data.py many DEPS 10), then `rounds` events per dep, saved as `snapshot`."""
    path = os.path.join(server.dir, snapshot)
    if os.path.exists(path):
        os.remove(path)
    server.start(snapshot)
    server.cli("FLUSHALL")
    gen = subprocess.Popen([sys.executable, os.path.join(HERE, "gen_data.py"), "many", str(deps), "10"],
                           stdout=subprocess.PIPE)
    subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], stdin=gen.stdout,
                   stdout=subprocess.DEVNULL, check=True)
    gen.wait()
    events = os.path.join(server.dir, "events.resp")
    with open(events, "wb") as f:
        for r in range(1, rounds + 1):
            hash_ = "v2" if rounds == 1 else "v%d" % r
            for d in range(deps):
                f.write(resp("XADD", "cc:events", "*", "dep_id", "doc:%d" % d, "new_hash", hash_))
    with open(events, "rb") as f:
        subprocess.run(["redis-cli", "-p", str(server.port), "--pipe"], stdin=f,
                       stdout=subprocess.DEVNULL, check=True)
    os.remove(events)
    server.sizes[snapshot] = server.dbsize()
    if "OK" not in server.cli("SAVE"):
        sys.exit("SAVE failed")
    server.stop()


def consumed(final_hash, deps):
    def check(server):
        expect_no_entries(server)
        pending = int(server.cli("XPENDING", "cc:events", "cachecore").split()[0])
        if pending:
            sys.exit(f"{pending} entries left pending")
        for d in (0, deps // 2, deps - 1):
            got = server.cli("GET", "cc:dep:hash:doc:%d" % d).strip()
            if got != final_hash:
                sys.exit(f"doc:{d} holds {got!r}, not {final_hash!r}")
    return check


def throughput(server, deps, repeat):
    snap = "consume.rdb"
    load(server, deps, 1, snap)
    url = server.url()
    dep_file = os.path.join(server.dir, "deps.txt")
    with open(dep_file, "w") as f:
        f.writelines("doc:%d\n" % d for d in range(deps))
    consume = f"{CACHECORE} --redis-url {url} consume --stream cc:events --from 0 --until-idle --quiet"
    tools = {
        "cachecore invalidate-many": ([CACHECORE, "--redis-url", url, "invalidate-many", "--file", dep_file,
                                       "--new-hash", "v2", "--quiet", "--yes"], False, expect_no_entries),
        "cachecore consume, 1 consumer": (consume.split(), False, consumed("v2", deps)),
        "cachecore consume, 2 consumers": (f"{consume} --consumer a & {consume} --consumer b & wait",
                                           True, consumed("v2", deps)),
    }
    runs = {}
    for _ in range(repeat):
        for name, (cmd, shell, check) in tools.items():
            runs.setdefault(name, []).append(measure(server, snap, cmd, check, shell))
    base = statistics.median(r[0] for r in runs["cachecore invalidate-many"])
    print(f"\nthroughput: {deps:,} deps x 10 entries, one native event per dep (median of {repeat})")
    print(f"{'tool':<32} {'wall':>8} {'deps/s':>9} {'x invalidate-many':>18} {'peak RSS':>9} "
          f"{'worst probe':>12} {'Redis CPU':>10}   runs")
    for name, rs in runs.items():
        wall = statistics.median(r[0] for r in rs)
        print(f"{name:<32} {wall:>6.2f} s {deps / wall:>9,.0f} {base / wall:>18.2f} "
              f"{statistics.median(r[1] for r in rs):>6.1f} MB {statistics.median(r[2] for r in rs):>9.1f} ms "
              f"{statistics.median(r[4] for r in rs):>8.2f} s   {', '.join(f'{r[0]:.2f}' for r in rs)}")
    sys.stdout.flush()
    os.remove(os.path.join(server.dir, snap))


def memory(server, deps, events):
    rounds = max(1, events // deps)
    snap = "consume-memory.rdb"
    load(server, deps, rounds, snap)
    server.start(snap)
    total = deps * rounds
    timefile = os.path.join(server.dir, "time.txt")
    proc = subprocess.Popen(["/usr/bin/time", "-o", timefile, "-f", "%e %M", CACHECORE, "--redis-url", server.url(),
                             "consume", "--stream", "cc:events", "--from", "0", "--until-idle", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    samples = []  # (events read so far, RSS in KB)

    def sample():
        child = None
        while proc.poll() is None:
            if child is None:
                kids = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
                child = kids[0] if kids else None
            if child:
                try:
                    rss = next(int(line.split()[1]) for line in open(f"/proc/{child}/status")
                               if line.startswith("VmRSS:"))
                    info = server.cli("XINFO", "GROUPS", "cc:events").split("\n")
                    read = int(info[info.index("entries-read") + 1]) if "entries-read" in info else 0
                    if rss > 1024:  # past exec: the consumer's own memory
                        samples.append((read, rss))
                except (OSError, StopIteration, ValueError, subprocess.CalledProcessError):
                    pass
            time.sleep(0.5)

    t = threading.Thread(target=sample)
    t.start()
    _, err = proc.communicate()
    t.join()
    if proc.returncode != 0:
        sys.exit(f"consume failed: {err[-2000:]}")
    consumed("v%d" % rounds if rounds > 1 else "v2", deps)(server)
    wall, peak_kb = open(timefile).read().split()
    server.stop()
    os.remove(os.path.join(server.dir, snap))
    print(f"\nmemory: {total:,} events ({rounds} per dep, {deps:,} deps x 10 entries), one consumer")
    print(f"wall {float(wall):.1f} s, {total / float(wall):,.0f} events/s, peak RSS {int(peak_kb) / 1024:.1f} MB")
    print("RSS while consuming (events read: MB):", ", ".join(
        f"{read:,}: {rss / 1024:.1f}" for read, rss in samples[:: max(1, len(samples) // 10)]))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deps", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=1_000_000, help="events of the memory run")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["throughput", "memory"])
    args = ap.parse_args()
    if not os.path.exists(CACHECORE):
        sys.exit("build first: cargo build --release")
    for tool in ("redis-server", "redis-cli", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed")
    version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    print(f"machine: {os.cpu_count()} cores; {version}")
    server = Server()
    try:
        if args.only in (None, "throughput"):
            throughput(server, args.deps, args.repeat)
        if args.only in (None, "memory"):
            memory(server, args.deps, args.events)
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The performance benchmark (issue 4): cachecore against its baselines in one run.

For each data set it starts a private redis-server, builds the data once, saves it as an
RDB snapshot, and before every measured run restarts the server from that snapshot, so
every tool starts from the same data. During each run a probe client sends a GET every
~1 ms on its own connection (a separate process at nice -10) and records the worst
latency it saw, and Redis's latency monitor records the longest single stall of its
event loop (threshold 1 ms; 0 means none reached 1 ms). Wall time and the
client's peak RSS come from /usr/bin/time. Every tool runs --repeat times; the table
gives medians and the ratio of each median to the Lua bound's.

  python3 bench/run.py                     # everything (about 20 minutes on 2 cores)
  python3 bench/run.py --only one-big --repeat 5

Needs: a release build (`cargo build --release`), redis-server and redis-cli,
GNU time (/usr/bin/time), and redis-py for the redis-py baseline (pip install redis).
"""
import argparse
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHECORE = os.path.join(ROOT, "target", "release", "cachecore")
# Another build to compare in the same run (e.g. the last release), shown as its own row.
CACHECORE_BEFORE = os.environ.get("CACHECORE_BEFORE")
BOUND_ONLY = False  # --bound-only


def wanted(name):
    return not BOUND_ONLY or name.startswith(("Lua", "cachecore"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A private redis-server that restarts from a named RDB snapshot."""

    def __init__(self, port=None, extra=()):
        self.dir = tempfile.mkdtemp(prefix="cc-bench-")
        self.port = port or free_port()
        self.extra = list(extra)
        self.proc = None
        self.sizes = {}

    def start(self, dbfilename="empty.rdb"):
        self.stop()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--dbfilename", dbfilename,
             "--logfile", os.path.join(self.dir, "log"), *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if self.cli("PING").strip() == "PONG":
                    return
            except subprocess.CalledProcessError:
                pass
            time.sleep(0.1)
        sys.exit("redis-server did not start; see " + self.dir)

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None

    def cli(self, *args, stdin=None):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], input=stdin,
                              capture_output=True, check=True, text=stdin is None or isinstance(stdin, str)).stdout

    def load(self, generator_args, snapshot):
        """Builds a data set with bench/gen_data.py and saves it as `snapshot`."""
        # dbfilename cannot be changed at run time (a protected config): start with it.
        if os.path.exists(os.path.join(self.dir, snapshot)):
            os.remove(os.path.join(self.dir, snapshot))
        self.start(snapshot)
        self.cli("FLUSHALL")
        gen = subprocess.Popen([sys.executable, os.path.join(HERE, "gen_data.py"), *generator_args],
                               stdout=subprocess.PIPE)
        subprocess.run(["redis-cli", "-p", str(self.port), "--pipe"], stdin=gen.stdout,
                       stdout=subprocess.DEVNULL, check=True)
        gen.wait()
        self.sizes[snapshot] = self.dbsize()
        if "OK" not in self.cli("SAVE"):
            sys.exit("SAVE failed")
        self.stop()

    def dbsize(self):
        return int(self.cli("DBSIZE"))

    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def nodes(self):
        return [self]


def crc16(data):
    """CRC16-XMODEM, as Redis Cluster hashes keys."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def key_slot(key):
    start = key.find(b"{")
    if start != -1:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            key = key[start + 1:end]
    return crc16(key) % 16384


def resp_commands(stream):
    """Yields (raw bytes, args) for each RESP array in a byte stream from gen_data.py."""
    while True:
        line = stream.readline()
        if not line:
            return
        raw, args = [line], []
        for _ in range(int(line[1:])):
            size_line = stream.readline()
            data = stream.read(int(size_line[1:]) + 2)
            raw += [size_line, data]
            args.append(data[:-2])
        yield b"".join(raw), args


class Cluster:
    """Three redis-server cluster nodes (ports below 55535: the bus is port + 10000),
    restarted together from per-node RDB snapshots; nodes.conf keeps the slot map."""

    def __init__(self):
        ports = []
        while len(ports) < 3:
            p = free_port()
            if p < 55535 and p not in ports:
                ports.append(p)
        self.servers = [Server(p, ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"])
                        for p in ports]
        self.port = ports[0]  # the probe's node
        self.sizes = {}
        self.dir = self.servers[0].dir
        self.created = False

    def nodes(self):
        return self.servers

    def url(self):
        return ",".join(s.url() for s in self.servers)

    def start(self, dbfilename="empty.rdb"):
        for s in self.servers:
            s.start(dbfilename)
        deadline = time.time() + 60
        while self.created and time.time() < deadline:
            if all("cluster_state:ok" in s.cli("CLUSTER", "INFO") for s in self.servers):
                return
            time.sleep(0.1)
        if self.created:
            sys.exit("the bench cluster did not reach cluster_state:ok")

    def stop(self):
        for s in self.servers:
            s.stop()

    def cli(self, *args):
        return self.servers[0].cli(*args)

    def dbsize(self):
        return sum(s.dbsize() for s in self.servers)

    def owners(self):
        owner = [None] * 16384
        out = self.cli("CLUSTER", "NODES")
        for line in out.splitlines():
            parts = line.split()
            port = int(parts[1].split(":")[1].split("@")[0])
            node = next(s for s in self.servers if s.port == port)
            for r in parts[8:]:
                if r.startswith("["):
                    continue
                lo, _, hi = r.partition("-")
                for slot in range(int(lo), int(hi or lo) + 1):
                    owner[slot] = node
        return owner

    def load(self, generator_args, snapshot):
        if not self.created:
            self.start()
            subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{s.port}" for s in self.servers],
                            "--cluster-replicas", "0", "--cluster-yes"], check=True, stdout=subprocess.DEVNULL)
            self.created = True
            self.start()
            self.stop()
        self.start(snapshot)
        owner = self.owners()
        pipes = {s.port: subprocess.Popen(["redis-cli", "-p", str(s.port), "--pipe"], stdin=subprocess.PIPE,
                                          stdout=subprocess.DEVNULL) for s in self.servers}
        gen = subprocess.Popen([sys.executable, os.path.join(HERE, "gen_data.py"), *generator_args],
                               stdout=subprocess.PIPE)
        for raw, args in resp_commands(gen.stdout):
            pipes[owner[key_slot(args[1])].port].stdin.write(raw)
        gen.wait()
        for p in pipes.values():
            p.stdin.close()
            p.wait()
        self.sizes[snapshot] = self.dbsize()
        for s in self.servers:
            if "OK" not in s.cli("SAVE"):
                sys.exit("SAVE failed")
        self.stop()


class Probe:
    """bench/probe.py in its own process at a raised priority: a GET every ~1 ms."""

    def __init__(self, port):
        self.proc = subprocess.Popen(["nice", "-n", "-10", sys.executable, os.path.join(HERE, "probe.py"), str(port)],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def finish(self):
        self.proc.terminate()
        out, _ = self.proc.communicate()
        return float(out.strip())


def worst_event_ms(server):
    """The longest single stall Redis itself recorded (LATENCY LATEST, threshold 1 ms), the
    worst over every node of a cluster."""
    worst = 0
    for node in server.nodes():
        out = node.cli("LATENCY", "LATEST").split()
        # Each event prints as: name, timestamp, latest ms, max ms.
        worst = max([worst] + [int(out[i + 3]) for i in range(0, len(out), 4)])
    return worst


def measure(server, snapshot, command, check=None, shell=False):
    """Restores the snapshot, runs `command` under /usr/bin/time with the probe running."""
    server.start(snapshot)
    if server.dbsize() != server.sizes[snapshot]:
        sys.exit(f"restoring {snapshot} gave {server.dbsize()} keys, expected {server.sizes[snapshot]}")
    for node in server.nodes():
        node.cli("CONFIG", "SET", "latency-monitor-threshold", "1")
    probe = Probe(server.port)
    time.sleep(0.05)
    timefile = os.path.join(server.dir, "time.txt")
    argv = ["/usr/bin/time", "-o", timefile, "-f", "%e %M"]
    argv += ["bash", "-c", command] if shell else command
    cpu0 = redis_cpu_s(server)
    t0 = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    cpu = redis_cpu_s(server) - cpu0
    worst_ms = probe.finish()
    stall_ms = worst_event_ms(server)
    if result.returncode != 0:
        sys.exit(f"{command} failed ({result.returncode}): {result.stderr[-2000:]}")
    rss_kb = int(open(timefile).read().split()[-1])
    if check:
        check(server)
    return wall, rss_kb / 1024, worst_ms, stall_ms, cpu


def redis_cpu_s(server):
    """CPU seconds the server has used (user + system, summed over a cluster's nodes)."""
    total = 0.0
    for node in server.nodes():
        info = dict(line.split(":", 1) for line in node.cli("INFO", "cpu").splitlines() if ":" in line)
        total += float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    return total


def summarise(rows, name, runs, baseline):
    walls = [r[0] for r in runs]
    med = statistics.median(walls)
    rss = statistics.median(r[1] for r in runs)
    probe = statistics.median(r[2] for r in runs)
    stall = statistics.median(r[3] for r in runs)
    cpu = statistics.median(r[4] for r in runs)
    ratio = med / baseline if baseline else float("nan")
    rows.append((name, med, ratio, rss, probe, stall, cpu, walls))
    return med


def print_table(title, rows):
    print(f"\n{title}")
    print(f"{'tool':<34} {'wall (median)':>14} {'x Lua':>7} {'peak RSS':>10} {'worst probe':>12} "
          f"{'Redis stall':>12} {'Redis CPU':>10}   runs")
    for name, med, ratio, rss, probe, stall, cpu, walls in rows:
        runs = ", ".join(f"{w:.2f}" for w in walls)
        print(f"{name:<34} {med:>12.2f} s {ratio:>7.2f} {rss:>7.1f} MB {probe:>9.1f} ms {stall:>9.0f} ms "
              f"{cpu:>8.2f} s   {runs}")
    sys.stdout.flush()


def expect_no_entries(server):
    left = []
    for node in server.nodes():
        left += node.cli("--scan", "--pattern", "cc:l1:*").split() + node.cli("--scan", "--pattern", "vec:*").split()
    if left:
        sys.exit(f"{len(left)} entries left behind, e.g. {left[:3]}")


def bench_one_big(server, n, repeat, tools, title):
    snap = f"one-big-{n}.rdb"
    server.load(["one-big", str(n)], snap)
    url = f"redis://127.0.0.1:{server.port}"
    runs = {}
    cmds = {
        "Lua bound (SET+SMEMBERS+UNLINK)": (["redis-cli", "-p", str(server.port), "--eval",
                                             os.path.join(HERE, "lua_bound.lua"), "cc:dep:hash:table:products",
                                             "cc:dep:keys:table:products", ",", "v2"], False),
        # The bound plus the entry check cachecore makes before each delete (issue 22).
        "Lua bound + entry check (HSTRLEN)": (["redis-cli", "-p", str(server.port), "--eval",
                                               os.path.join(HERE, "lua_bound_hstrlen.lua"),
                                               "cc:dep:hash:table:products", "cc:dep:keys:table:products",
                                               ",", "v2"], False),
        "cachecore invalidate": ([CACHECORE, "--redis-url", url, "invalidate", "table:products",
                                  "--new-hash", "v2", "--quiet"], False),
        "cachecore before (CACHECORE_BEFORE)": ([CACHECORE_BEFORE or "", "--redis-url", url, "invalidate",
                                                 "table:products", "--new-hash", "v2", "--quiet"], False),
        "redis-py SSCAN+UNLINK x1000": ([sys.executable, os.path.join(HERE, "baselines.py"), str(server.port),
                                         "one-big"], False),
        "redis-cli SMEMBERS | xargs UNLINK": (
            f"redis-cli -p {server.port} SET cc:dep:hash:table:products v2 >/dev/null && "
            f"redis-cli -p {server.port} --raw SMEMBERS cc:dep:keys:table:products | "
            f"xargs -n 1000 redis-cli -p {server.port} UNLINK >/dev/null && "
            f"redis-cli -p {server.port} UNLINK cc:dep:keys:table:products >/dev/null", True),
    }
    for _ in range(repeat):
        for name in filter(wanted, tools + (["cachecore before (CACHECORE_BEFORE)"] if CACHECORE_BEFORE else [])):
            cmd, shell = cmds[name]
            runs.setdefault(name, []).append(measure(server, snap, cmd, expect_no_entries, shell))
    lua_name = "Lua bound (SET+SMEMBERS+UNLINK)"
    lua = statistics.median(r[0] for r in runs[lua_name]) if lua_name in runs else None
    rows = []
    for name in runs:
        summarise(rows, name, runs[name], lua)
    print_table(title, rows)
    os.remove(os.path.join(server.dir, snap))
    return rows


def piped_script(server, script, calls, keys):
    """A shell command that loads bench/`script` and pipes one EVALSHA per item of `calls`
    (each a list of arguments, the first `keys` of them keys) from a file prepared now."""
    path = os.path.join(HERE, script)
    sha = hashlib.sha1(open(path, "rb").read()).hexdigest().encode()  # Redis names scripts so
    resp_file = os.path.join(server.dir, script + ".resp")
    with open(resp_file, "wb") as f:
        for call in calls:
            args = [b"EVALSHA", sha, str(keys).encode(), *call]
            f.write(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    # -x passes the file's exact bytes, so the loaded script has that same SHA.
    return (f"redis-cli -p {server.port} -x SCRIPT LOAD < {path} >/dev/null && "
            f"redis-cli -p {server.port} --pipe < {resp_file} >/dev/null")


def bench_many(server, deps, per, repeat):
    snap = "many.rdb"
    server.load(["many", str(deps), str(per)], snap)
    url = f"redis://127.0.0.1:{server.port}"
    dep_file = os.path.join(server.dir, "deps.txt")
    with open(dep_file, "w") as f:
        f.writelines(f"doc:{d}\n" for d in range(deps))
    # The Lua bound: the same script once per dep.
    lua_cmd = piped_script(server, "lua_bound.lua", (
        [b"cc:dep:hash:doc:%d" % d, b"cc:dep:keys:doc:%d" % d, b"v2"] for d in range(deps)), keys=2)
    # The same bound plus the contract's entry-key check per member (which cachecore must
    # do and the bound skips): the measured cost of that check.
    checked_cmd = piped_script(server, "lua_bound_checked.lua", (
        [b"cc:dep:hash:doc:%d" % d, b"cc:dep:keys:doc:%d" % d, b"v2"] for d in range(deps)), keys=2)
    # And with the check that each such key holds an entry (HSTRLEN deps) before its UNLINK,
    # which cachecore makes too since issue 22.
    both_cmd = piped_script(server, "lua_bound_checked_hstrlen.lua", (
        [b"cc:dep:hash:doc:%d" % d, b"cc:dep:keys:doc:%d" % d, b"v2"] for d in range(deps)), keys=2)
    cmds = {
        "Lua bound (EVALSHA per dep, piped)": (lua_cmd, True),
        "Lua bound + entry-key check": (checked_cmd, True),
        "Lua bound + key and HSTRLEN checks": (both_cmd, True),
        "cachecore invalidate-many": ([CACHECORE, "--redis-url", url, "invalidate-many", "--file", dep_file,
                                       "--new-hash", "v2", "--quiet", "--yes"], False),
        "cachecore before (CACHECORE_BEFORE)": ([CACHECORE_BEFORE or "", "--redis-url", url, "invalidate-many",
                                                 "--file", dep_file, "--new-hash", "v2", "--quiet", "--yes"],
                                                False),
        "redis-py, dep after dep": ([sys.executable, os.path.join(HERE, "baselines.py"), str(server.port),
                                     "many", dep_file], False),
    }
    runs = {}
    for _ in range(repeat):
        for name, (cmd, shell) in cmds.items():
            if wanted(name) and (CACHECORE_BEFORE or "before" not in name):
                runs.setdefault(name, []).append(measure(server, snap, cmd, expect_no_entries, shell))
    rows = []
    lua = statistics.median(r[0] for r in runs["Lua bound (EVALSHA per dep, piped)"])
    for name in runs:
        summarise(rows, name, runs[name], lua)
    rows.append(("redis-cli recipe", *[float("nan")] * 6, []))
    print_table(f"many: {deps:,} deps x {per} entries (redis-cli recipe not run: it would spawn "
                f"{3 * deps:,} processes)", rows)
    return rows


def bench_tiny(server, deps, repeat):
    """invalidate-many of `deps` deps that have no entries (issue 13): the cost per dep is
    round trips and bookkeeping, and the input's size must not show in memory."""
    return bench_per_dep(server, deps, repeat, 0)


def bench_tiny_entries(server, deps, repeat):
    """invalidate-many of `deps` deps with one entry each (issue 27): per dep, the work is
    one hash write and one entry's deletion, so what costs is per dep, not per key."""
    return bench_per_dep(server, deps, repeat, 1)


SAME_JOB = "Lua bound given cachecore's job"


def bench_per_dep(server, deps, repeat, entries):
    """invalidate-many of `deps` deps with `entries` entries each (0 or 1) against the piped
    Lua bound: bare, given the write time, and given cachecore's whole job; and
    CACHECORE_BEFORE when set."""
    name = "tiny-entries" if entries else "tiny"
    snap = f"{name}-{deps}.rdb"
    server.load(["many", str(deps) if entries else "0", str(entries)], snap)
    url = f"redis://127.0.0.1:{server.port}"
    dep_file = os.path.join(server.dir, f"{name}.txt")
    with open(dep_file, "w") as f:
        f.writelines(f"doc:{d}\n" for d in range(deps))
    lua_cmd = piped_script(server, "lua_bound.lua", (
        [b"cc:dep:hash:doc:%d" % d, b"cc:dep:keys:doc:%d" % d, b"v2"] for d in range(deps)), keys=2)
    # The same bound given the same job as cachecore's hash write: the hash's write time,
    # which cachecore records for safe retirement.
    stamped_cmd = piped_script(server, "lua_bound_stamped.lua", (
        [b"cc:dep:hash:doc:%d" % d, b"cc:dep:keys:doc:%d" % d, b"cc:hashtime:{0}:doc:%d" % d, b"v2"]
        for d in range(deps)), keys=3)
    # And given the whole job of cachecore's fast path, each rule as a hand-written script
    # keeps it (bench/lua_bound_same_job.lua): what "the bound given the same job" costs.
    same_cmd = piped_script(server, "lua_bound_same_job.lua", (
        [b"cc:dep:hash:doc:%d" % d, b"cc:dep:keys:doc:%d" % d, b"cc:hashtime:{0}:doc:%d" % d,
         b"cc:inval:{0}:pending:doc:%d" % d, b"v2"] for d in range(deps)), keys=4)
    many = ["invalidate-many", "--file", dep_file, "--new-hash", "v2", "--quiet", "--yes"]
    cmds = {
        "Lua bound (EVALSHA per dep, piped)": (lua_cmd, True),
        "Lua bound + write time": (stamped_cmd, True),
        SAME_JOB: (same_cmd, True),
        "cachecore invalidate-many": ([CACHECORE, "--redis-url", url] + many, False),
    }
    if CACHECORE_BEFORE:
        cmds["cachecore before (CACHECORE_BEFORE)"] = ([CACHECORE_BEFORE, "--redis-url", url] + many, False)
    check = expect_no_entries if entries else None
    runs = {}
    for _ in range(repeat):
        for label, (cmd, shell) in cmds.items():
            runs.setdefault(label, []).append(measure(server, snap, cmd, check, shell))
    rows = []
    lua = statistics.median(r[0] for r in runs["Lua bound (EVALSHA per dep, piped)"])
    walls = {label: summarise(rows, label, runs[label], lua) for label in runs}
    what = "with one entry each" if entries else "without entries"
    print_table(f"{name}: invalidate-many of {deps:,} deps {what}", rows)
    print(f"cachecore x the bound given its job: "
          f"{walls['cachecore invalidate-many'] / walls[SAME_JOB]:.2f}")
    os.remove(os.path.join(server.dir, snap))
    return rows


def bench_prune(server, sets, per, repeat):
    snap = "prune.rdb"
    server.load(["prune", str(sets), str(per)], snap)
    url = f"redis://127.0.0.1:{server.port}"
    lua_cmd = piped_script(server, "lua_prune.lua", ([b"cc:dep:keys:doc:%d" % s] for s in range(sets)), keys=1)

    def half_left(server):
        left = int(server.cli("SCARD", "cc:dep:keys:doc:0"))
        if left != per // 2:
            sys.exit(f"prune left {left} members in doc:0, expected {per // 2}")

    cmds = {
        "Lua bound (SSCAN+EXISTS+SREM)": (lua_cmd, True),
        "cachecore deps prune": ([CACHECORE, "--redis-url", url, "deps", "prune", "--quiet", "--yes"], False),
        "redis-py SSCAN+EXISTS+SREM": ([sys.executable, os.path.join(HERE, "baselines.py"), str(server.port),
                                        "prune"], False),
    }
    runs = {}
    for _ in range(repeat):
        for name, (cmd, shell) in cmds.items():
            if wanted(name):
                runs.setdefault(name, []).append(measure(server, snap, cmd, half_left, shell))
    rows = []
    lua = statistics.median(r[0] for r in runs["Lua bound (SSCAN+EXISTS+SREM)"])
    for name in runs:
        summarise(rows, name, runs[name], lua)
    print_table(f"prune: {sets * per:,} members in {sets:,} dep sets, half dangling", rows)
    return rows


def bench_rate(server, n, repeat):
    snap = f"rate-{n}.rdb"
    server.load(["one-big", str(n)], snap)
    url = f"redis://127.0.0.1:{server.port}"
    rows = []
    print(f"\nthrottle: cachecore invalidate of {n:,} entries at several --rate settings")
    print(f"{'--rate (keys/s)':<18} {'wall (median)':>14} {'keys/s':>10} {'worst probe':>12} {'Redis stall':>12}")
    for rate in [None, 200_000, 100_000, 50_000]:
        cmd = [CACHECORE, "--redis-url", url, "invalidate", "table:products", "--new-hash", "v2", "--quiet"]
        if rate:
            cmd += ["--rate", str(rate)]
        runs = [measure(server, snap, cmd, expect_no_entries) for _ in range(repeat)]
        med = statistics.median(r[0] for r in runs)
        probe = statistics.median(r[2] for r in runs)
        stall = statistics.median(r[3] for r in runs)
        label = f"{rate:,}" if rate else "unlimited"
        print(f"{label:<18} {med:>12.2f} s {n / med:>10,.0f} {probe:>9.1f} ms {stall:>9.0f} ms")
        rows.append((label, med, probe))
    os.remove(os.path.join(server.dir, snap))
    return rows


def bench_cluster(single, n, repeat):
    """one-big on a 3-primary cluster against the same data on one node, interleaved."""
    cluster = Cluster()
    snap = f"cluster-{n}.rdb"
    try:
        single.load(["one-big", str(n)], snap)
        cluster.load(["one-big", str(n)], snap)
        cmd = lambda target: [CACHECORE, "--redis-url", target.url(), "invalidate", "table:products",
                              "--new-hash", "v2", "--quiet"]
        runs = {"single node": [], "3-primary cluster": []}
        for _ in range(repeat):
            runs["single node"].append(measure(single, snap, cmd(single), expect_no_entries))
            runs["3-primary cluster"].append(measure(cluster, snap, cmd(cluster), expect_no_entries))
        print(f"\ncluster: cachecore invalidate of one-big ({n:,} entries), one node against 3 primaries")
        print(f"{'target':<20} {'wall (median)':>14} {'keys/s':>10} {'peak RSS':>10} {'worst probe':>12} "
              f"{'Redis stall':>12} {'Redis CPU':>10}   runs")
        for name, rs in runs.items():
            med = statistics.median(r[0] for r in rs)
            print(f"{name:<20} {med:>12.2f} s {n / med:>10,.0f} {statistics.median(r[1] for r in rs):>7.1f} MB "
                  f"{statistics.median(r[2] for r in rs):>9.1f} ms {statistics.median(r[3] for r in rs):>9.0f} ms "
                  f"{statistics.median(r[4] for r in rs):>8.2f} s   {', '.join(f'{r[0]:.2f}' for r in rs)}")
        sys.stdout.flush()
    finally:
        cluster.stop()
        for s in cluster.servers:
            shutil.rmtree(s.dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["one-big", "scaling", "many", "tiny", "tiny-entries", "prune", "rate",
                                                "cluster"], action="append")
    ap.add_argument("--entries", type=int, default=1_000_000, help="one-big size (and the cluster's)")
    ap.add_argument("--tiny-deps", type=int, action="append",
                    help="tiny and tiny-entries: the number of deps (repeatable; default 10k, 100k and 1M "
                         "for tiny, 1M for tiny-entries)")
    ap.add_argument("--bound-only", action="store_true",
                    help="for quick iterations: run cachecore and the Lua bound only (no redis-py, no redis-cli)")
    args = ap.parse_args()
    global BOUND_ONLY
    BOUND_ONLY = args.bound_only
    if not os.path.exists(CACHECORE):
        sys.exit("build first: cargo build --release")
    for tool in ("redis-server", "redis-cli", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed")
    only = set(args.only or ["one-big", "scaling", "many", "tiny", "tiny-entries", "prune", "rate", "cluster"])
    print(f"machine: {os.cpu_count()} cores; {subprocess.run(['redis-server', '--version'], capture_output=True, text=True).stdout.split()[2]}; "
          f"repeat {args.repeat}, medians")
    server = Server()
    try:
        all_tools = ["Lua bound (SET+SMEMBERS+UNLINK)", "Lua bound + entry check (HSTRLEN)", "cachecore invalidate",
                     "redis-py SSCAN+UNLINK x1000", "redis-cli SMEMBERS | xargs UNLINK"]
        if "one-big" in only:
            bench_one_big(server, args.entries, args.repeat, all_tools,
                          f"one-big: {args.entries:,} entries tagged table:products (20% L2)")
        if "scaling" in only:
            for n in (10_000, 100_000):
                bench_one_big(server, n, args.repeat, ["Lua bound (SET+SMEMBERS+UNLINK)", "cachecore invalidate"],
                              f"scaling: one-big with {n:,} entries")
        if "many" in only:
            bench_many(server, 100_000, 10, args.repeat)
        if "tiny" in only:
            for deps in args.tiny_deps or (10_000, 100_000, 1_000_000):
                bench_tiny(server, deps, args.repeat)
        if "tiny-entries" in only:
            for deps in args.tiny_deps or (1_000_000,):
                bench_tiny_entries(server, deps, args.repeat)
        if "prune" in only:
            bench_prune(server, 10_000, 100, args.repeat)
        if "rate" in only:
            bench_rate(server, 200_000, args.repeat)
        if "cluster" in only:
            bench_cluster(server, args.entries, args.repeat)
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


if __name__ == "__main__":
    main()

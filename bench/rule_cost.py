#!/usr/bin/env python3
"""What each rule of the fast path costs Redis (issue 27), in one run. Restores DEPS deps
of one entry each (bench/gen_data.py many DEPS 1) before every run and invalidates them:

- with the wave script as cachecore ships it (src/store/scripts/sweep_wave.lua, waves of
  100 deps as the tool sends them, 8 calls in flight);
- with that script less one rule, each in turn, and less all of them: the check for
  unfinished runs (one EXISTS of each dep's registry), the hash's write time (one more
  key in the MSET), the entry check (HSTRLEN of each member before its delete), the
  check that an unset hash is not a key of another type;
- with the piped Lua bounds of bench/run.py: bare (lua_bound.lua), given the write time
  (lua_bound_stamped.lua), and given cachecore's whole job (lua_bound_same_job.lua).

Prints Redis's CPU time per dep (the server's user + system time from INFO cpu),
medians of --repeat interleaved runs, and each against the bare bound. It measures the
server, not the wall time: this Python driver feeds the waves slower than Redis runs them
(cachecore does not, see bench/redis_busy.py), and the server is what the rules cost.

  python3 bench/rule_cost.py --deps 1000000 --repeat 3    # about 15 minutes

Needs redis-server, redis-cli and redis-py. Run it under `flock /tmp/bench.lock`.
"""
import argparse
import os
import statistics
import subprocess
import sys

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (the benchmark's private server and piped bounds)
import script_cost  # noqa: E402  (the wave script as the loader sends it)

WAVE = 100
IN_FLIGHT = 8


# Each rule as the text that keeps it in sweep_wave.lua and what replaces it. A rule whose
# text is not found stops the run: the script changed, and this table must follow it.
RULES = {
    "unfinished runs": ("""if chunked('EXISTS', K, 3 * n + 1, 4 * n, true) > 0 then
  for d = 1, n do
    if call('EXISTS', K[3 * n + d]) == 1 then state[d] = false end
  end
end""", ""),
    "write time": ("    writes[w + 3] = K[n + d]; writes[w + 4] = now\n    w = w + 4", "    w = w + 2"),
    "entry check": ("local s = entry_state(m)", "local s = 1"),
    "hash type": ("if #unset > 0 and chunked('EXISTS', unset, 1, #unset, true) > 0 then", "if false then"),
}


def variants():
    shipped = script_cost.SCRIPTS["wave"]
    out = {"wave as shipped": ("waves", shipped)}
    bare = shipped
    for rule, (keep, drop) in RULES.items():
        if shipped.count(keep) != 1:
            sys.exit(f"rule_cost.py: the text of rule '{rule}' is not once in sweep_wave.lua")
        out[f"wave less {rule}"] = ("waves", shipped.replace(keep, drop))
        bare = bare.replace(keep, drop)
    out["wave less all four"] = ("waves", bare)
    return out


def run_waves(server, source, deps):
    r = redis.Redis(port=server.port)
    sha = r.script_load(source)
    pipe = r.pipeline(transaction=False)
    sizes = []
    for start in range(0, deps, WAVE):
        wave = range(start, min(start + WAVE, deps))
        keys = ([f"cc:dep:hash:doc:{d}" for d in wave] + [f"cc:hashtime:{{0}}:doc:{d}" for d in wave]
                + [f"cc:dep:keys:doc:{d}" for d in wave] + [f"cc:inval:{{0}}:pending:doc:{d}" for d in wave])
        args = [1024, 256] + [a for _ in wave for a in ("", "v2")]
        pipe.evalsha(sha, len(keys), *keys, *args)
        sizes.append(len(wave))
        if len(sizes) == IN_FLIGHT:
            check_replies(pipe.execute(), sizes)
    check_replies(pipe.execute(), sizes)
    r.close()


def check_replies(replies, sizes):
    # Two values per dep, the second -1 for a dep declined to the stepwise path (which this
    # driver does not run). The budget (1,024 deletions) is never reached by 100 deps.
    for reply, size in zip(replies, sizes):
        if len(reply) != 2 * size or -1 in reply[1::2]:
            sys.exit(f"rule_cost.py: a wave was not done whole: {reply[:6]}")
    sizes.clear()


def bounds(server, deps):
    def keys(d, *extra):
        return [b"cc:dep:hash:doc:%d" % d, b"cc:dep:keys:doc:%d" % d, *extra]
    return {
        "Lua bound (bare)": ("pipe", run.piped_script(
            server, "lua_bound.lua", (keys(d) + [b"v2"] for d in range(deps)), 2)),
        "Lua bound + write time": ("pipe", run.piped_script(server, "lua_bound_stamped.lua", (
            keys(d, b"cc:hashtime:{0}:doc:%d" % d) + [b"v2"] for d in range(deps)), 3)),
        run.SAME_JOB: ("pipe", run.piped_script(server, "lua_bound_same_job.lua", (
            keys(d, b"cc:hashtime:{0}:doc:%d" % d, b"cc:inval:{0}:pending:doc:%d" % d) + [b"v2"]
            for d in range(deps)), 4)),
    }


def measure(server, snap, deps, how, what):
    server.start(snap)
    before = run.redis_cpu_s(server)
    if how == "pipe":
        subprocess.run(what, shell=True, check=True)
    else:
        run_waves(server, what, deps)
    cpu = run.redis_cpu_s(server) - before
    run.expect_no_entries(server)
    return cpu / deps * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deps", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    server = run.Server()
    snap = f"rule-cost-{a.deps}.rdb"
    try:
        server.load(["many", str(a.deps), "1"], snap)
        todo = {**bounds(server, a.deps), **variants()}
        runs = {name: [] for name in todo}
        for _ in range(a.repeat):
            for name, (how, what) in todo.items():
                runs[name].append(measure(server, snap, a.deps, how, what))
                print(f"  {name}: {runs[name][-1]:.2f} us", file=sys.stderr, flush=True)
    finally:
        server.stop()
    bare = statistics.median(runs["Lua bound (bare)"])
    print(f"\nRedis CPU per dep, {a.deps:,} deps of one entry, medians of {a.repeat}")
    print(f"{'':34} {'us/dep':>8} {'x bare bound':>13}   runs")
    for name, cpus in runs.items():
        med = statistics.median(cpus)
        print(f"{name:34} {med:8.2f} {med / bare:13.2f}   " + ", ".join(f"{c:.2f}" for c in cpus))


if __name__ == "__main__":
    main()

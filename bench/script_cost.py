#!/usr/bin/env python3
"""Redis's own work for the fast path, in instructions (issue 13): runs redis-server under
callgrind, which counts instructions, not seconds, so the figures repeat whatever else the
machine does. Loads DEPS deps of PER entries (bench/gen_data.py), then counts only while
the deps are invalidated: by cachecore's wave script (src/store/scripts/sweep_wave.lua,
waves of 250 deps as the tool sends them) or by one of the Lua bounds (one EVALSHA per dep,
pipelined). Prints instructions per dep.

  python3 bench/script_cost.py DEPS PER            # all of them, one after the other
  python3 bench/script_cost.py 2000 10 --only wave
  python3 bench/script_cost.py 5000 1 --rules     # and the wave script less each rule (issue 27)

Needs valgrind, redis-server, redis-cli and redis-py. About a minute per script at 2,000
deps of 10 entries; 20,000 empty deps take about as long.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHECKED = open(os.path.join(HERE, "lua_bound_checked.lua")).read()
# The layout's entry-key rule as the loader prepends it (the checked bound carries a copy).
ENTRY_TIER = re.search(r"(?:local entry_find = string.find\n)?local function entry_tier.*?\nend\n", CHECKED, re.S).group(0)
SCRIPTS = {
    # As the loader sends it: the entry-key rule, the checked delete, then the script.
    "wave": ENTRY_TIER + open(os.path.join(ROOT, "src/store/scripts/unlink_entry.lua")).read()
    + open(os.path.join(ROOT, "src/store/scripts/sweep_wave.lua")).read(),
    "bound": open(os.path.join(HERE, "lua_bound.lua")).read(),
    "bound+check": CHECKED,
    "bound+time": open(os.path.join(HERE, "lua_bound_stamped.lua")).read(),
    "bound+job": open(os.path.join(HERE, "lua_bound_same_job.lua")).read(),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def control(pid, *args):
    subprocess.run(["callgrind_control", *args, str(pid)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)


def cost(name, deps, per):
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        vg = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             "redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", d],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = redis.Redis(port=port)
        while True:
            try:
                r.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.2)
        subprocess.run(f"python3 {HERE}/gen_data.py many {deps} {per} | redis-cli -p {port} --pipe",
                       shell=True, stdout=subprocess.DEVNULL, check=True)
        sha = r.script_load(SCRIPTS[name])
        control(vg.pid, "-i", "on")
        time.sleep(1)  # callgrind_control is noticed within about a second
        if name.startswith("wave"):
            done = 0
            while done < deps:
                wave = range(done, min(done + 250, deps))
                keys = [k for x in wave for k in (f"cc:dep:hash:doc:{x}", f"cc:hashtime:{{1}}:doc:{x}",
                                                   f"cc:dep:keys:doc:{x}", f"cc:inval:{{1}}:pending:doc:{x}")]
                if "@" not in name:  # wave@REV: a revision before issue 27, one dep's keys together
                    # Since issue 27 the keys come as four runs: hashes, times, sets, registries.
                    keys = [keys[4 * j + i] for i in range(4) for j in range(len(wave))]
                args = [1024, 256] + [a for _ in wave for a in ("", "v2")]
                # Two values per dep reached; five from revisions before the packed reply (wave@REV).
                per_dep = 5 if "@" in name else 2
                done += len(r.evalsha(sha, len(keys), *keys, *args)) // per_dep
        else:
            p = r.pipeline(transaction=False)
            for x in range(deps):
                keys = [f"cc:dep:hash:doc:{x}", f"cc:dep:keys:doc:{x}"]
                if name in ("bound+time", "bound+job"):
                    keys.append(f"cc:hashtime:{{1}}:doc:{x}")
                if name == "bound+job":
                    keys.append(f"cc:inval:{{1}}:pending:doc:{x}")
                p.evalsha(sha, len(keys), *keys, "v2")
                if x % 1000 == 999:
                    p.execute()
            p.execute()
        if r.dbsize() > 2 * deps:
            sys.exit(f"{name}: entries left behind")
        time.sleep(1)
        control(vg.pid, "-i", "off")
        control(vg.pid, "-d")
        r.shutdown(nosave=True)
        vg.wait()
        total = 0
        for f in os.listdir(d):
            if f.startswith("cg.out"):
                for line in open(os.path.join(d, f)):
                    if line.startswith(("summary:", "totals:")):
                        total = max(total, int(line.split()[1]))
        return total / deps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("deps", type=int)
    ap.add_argument("per", type=int)
    ap.add_argument("--only", action="append", help="one of " + ", ".join(SCRIPTS) + " or wave@REV")
    ap.add_argument("--wave-from", metavar="REV",
                    help="also measure the wave script as it is at git revision REV (row wave@REV)")
    ap.add_argument("--rules", action="store_true",
                    help="also the wave script less each rule, as bench/rule_cost.py builds it "
                         "(rows wave-unfinished-runs, wave-write-time, wave-entry-check, wave-hash-type, "
                         "wave-all-four)")
    a = ap.parse_args()
    if a.wave_from:
        def at(path):
            return subprocess.run(["git", "-C", ROOT, "show", f"{a.wave_from}:{path}"], capture_output=True,
                                  text=True, check=True).stdout
        checked = at("bench/lua_bound_checked.lua")
        SCRIPTS[f"wave@{a.wave_from}"] = (re.search(r"(?:local entry_find = string.find\n)?local function entry_tier.*?\nend\n", checked, re.S).group(0)
                                          + at("src/store/scripts/unlink_entry.lua")
                                          + at("src/store/scripts/sweep_wave.lua"))
    if a.rules:
        import rule_cost
        for label, (_, source) in rule_cost.variants().items():
            if label != "wave as shipped":
                SCRIPTS[label.replace("wave less ", "wave-").replace(" ", "-")] = source
    names = a.only or list(SCRIPTS)
    for name in names:
        if name not in SCRIPTS:
            sys.exit(f"unknown script {name}")
    for name in names:
        print(f"{name:12} {cost(name, a.deps, a.per):10,.0f} instructions per dep "
              f"({a.deps:,} deps of {a.per} entries)", flush=True)


if __name__ == "__main__":
    main()

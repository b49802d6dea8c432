#!/usr/bin/env python3
"""Where an invalidation's time goes on a cluster (issue 27): one-big of N entries on one
node and on a 3-primary cluster (bench/run.py's servers, all on this machine), each run
restored from the same snapshot; per run the client's wall, user and system time and peak
RSS (GNU time), and per node its CPU during the run and its costliest commands (INFO
commandstats, reset before the run). VARIANT arguments add cluster runs with those extra
flags. --fixed measures instead the fixed cost: a dep without entries and one of 1,000.

  python3 bench/cluster_cost.py 200000 3                        # single node and cluster
  python3 bench/cluster_cost.py 200000 3 "--batch-size 3000" "--pipeline 8"
  python3 bench/cluster_cost.py --fixed

Needs what bench/run.py needs, and a release build.
"""
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("run", os.path.join(HERE, "run.py"))
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


def stats(node):
    out = {}
    for line in node.cli("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_"):
            name, rest = line[8:].split(":", 1)
            f = dict(kv.split("=") for kv in rest.split(","))
            out[name] = (int(f["calls"]), int(f["usec"]))
    info = dict(line.split(":", 1) for line in node.cli("INFO", "cpu").splitlines() if ":" in line)
    return out, float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def invalidate(target, dep, extra=()):
    return [run.CACHECORE, "--redis-url", target.url(), "invalidate", dep, "--new-hash", "v2", "--quiet", *extra]


def per_node(single, cluster, n, repeat, variants):
    snap = f"cluster-cost-{n}.rdb"
    single.load(["one-big", str(n)], snap)
    cluster.load(["one-big", str(n)], snap)
    targets = [("single", single, []), ("cluster", cluster, [])]
    targets += [(f"cluster {v}", cluster, v.split()) for v in variants]
    for i in range(repeat):
        for name, target, extra in targets:
            target.start(snap)
            for node in target.nodes():
                node.cli("CONFIG", "RESETSTAT")
            before = [stats(node)[1] for node in target.nodes()]
            r = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", *invalidate(target, "table:products", extra)],
                               capture_output=True, text=True)
            print(f"{name} run {i}: wall user sys RSS(KB) = {r.stderr.strip().splitlines()[-1]}")
            for k, node in enumerate(target.nodes()):
                st, cpu = stats(node)
                top = sorted(st.items(), key=lambda kv: -kv[1][1])[:6]
                print(f"   node {k}: cpu {cpu - before[k]:.2f} s; "
                      + "; ".join(f"{c} {v[0]} calls {v[1] / 1e3:.0f} ms" for c, v in top))
            sys.stdout.flush()


def fixed(single, cluster):
    single.load(["one-big", "1000"], "small.rdb")
    cluster.load(["one-big", "1000"], "small.rdb")
    for dep in ("doc:none", "table:products"):
        res = {"single": [], "cluster": []}
        for _ in range(5):
            for name, target in (("single", single), ("cluster", cluster)):
                target.start("small.rdb")
                t0 = time.perf_counter()
                subprocess.run(invalidate(target, dep), check=True, stdout=subprocess.DEVNULL)
                res[name].append(time.perf_counter() - t0)
        print(dep, "  ".join(f"{k} median {statistics.median(v) * 1000:.0f} ms "
                             f"({', '.join(f'{x * 1000:.0f}' for x in v)})" for k, v in res.items()))


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        sys.exit(__doc__)
    single, cluster = run.Server(), run.Cluster()
    try:
        if args[0] == "--fixed":
            fixed(single, cluster)
        else:
            per_node(single, cluster, int(args[0]), int(args[1]), args[2:])
    finally:
        single.stop()
        cluster.stop()
        shutil.rmtree(single.dir, ignore_errors=True)
        for s in cluster.servers:
            shutil.rmtree(s.dir, ignore_errors=True)


if __name__ == "__main__":
    main()

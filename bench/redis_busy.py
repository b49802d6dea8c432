#!/usr/bin/env python3
"""Is Redis ever idle during a run? (issue 27) Restores DEPS deps of one entry each
(bench/gen_data.py many DEPS 1, built once and kept as an RDB snapshot in a private
directory), runs COMMAND against it, and samples redis-server's CPU time from /proc every
50 ms: prints the wall time, the server's CPU seconds, and how busy it was in each tenth
of the run. A client that keeps Redis waiting (reading its input, building the next call,
parsing a reply) shows as a share below 100 %.

  python3 bench/redis_busy.py 200000 target/release/cachecore --redis-url URL \\
      invalidate-many --file FILE --new-hash v2 --quiet --yes

URL and FILE in COMMAND are replaced by the server's address and the deps file (doc:0 ..).
Linux only (reads /proc/PID/stat). Run it under `flock /tmp/bench.lock` like run.py.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port, d):
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", d, "--dbfilename", "snap.rdb"],
                            stdout=subprocess.DEVNULL)
    for _ in range(1200):
        ping = subprocess.run(["redis-cli", "-p", str(port), "PING"], capture_output=True, text=True)
        if ping.stdout.strip() == "PONG":
            return proc
        time.sleep(0.1)
    sys.exit("redis-server did not start")


def build(deps, port, d):
    """The snapshot and the deps file, once per size."""
    proc = start(port, d)
    gen = subprocess.Popen([sys.executable, os.path.join(HERE, "gen_data.py"), "many", str(deps), "1"],
                           stdout=subprocess.PIPE)
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=gen.stdout, stdout=subprocess.DEVNULL,
                   check=True)
    gen.wait()
    subprocess.run(["redis-cli", "-p", str(port), "SAVE"], stdout=subprocess.DEVNULL, check=True)
    proc.terminate()
    proc.wait()
    with open(os.path.join(d, "deps.txt"), "w") as f:
        f.writelines(f"doc:{i}\n" for i in range(deps))


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    deps, command = int(sys.argv[1]), sys.argv[2:]
    d = os.path.join(tempfile.gettempdir(), f"cc-busy-{deps}")
    os.makedirs(d, exist_ok=True)
    port = free_port()
    if not os.path.exists(os.path.join(d, "snap.rdb")):
        build(deps, port, d)
    server = start(port, d)
    command = [a.replace("URL", f"redis://127.0.0.1:{port}").replace("FILE", os.path.join(d, "deps.txt"))
               for a in command]
    c0, t0 = cpu_seconds(server.pid), time.perf_counter()
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    samples, last = [], (c0, t0)
    while run.poll() is None:
        time.sleep(0.05)
        now = (cpu_seconds(server.pid), time.perf_counter())
        samples.append((now[1] - t0, (now[0] - last[0]) / (now[1] - last[1])))
        last = now
    wall, cpu = time.perf_counter() - t0, cpu_seconds(server.pid) - c0
    server.terminate()
    server.wait()
    print(f"wall {wall:.2f} s, redis-server CPU {cpu:.2f} s ({100 * cpu / wall:.0f} % busy), exit {run.returncode}")
    for i in range(10):
        part = samples[i * len(samples) // 10:(i + 1) * len(samples) // 10]
        if part:
            print(f"  {part[0][0]:6.2f} - {part[-1][0]:6.2f} s: {100 * sum(s[1] for s in part) / len(part):4.0f} % busy")
    print("  first 20 samples (% busy):", " ".join(f"{100 * s[1]:.0f}" for s in samples[:20]))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Latency probe: a GET every ~1 ms on its own connection until SIGTERM, then prints the
worst round trip in milliseconds. bench/run.py starts it at a raised priority (nice -10)
so that what it measures is Redis, not the probe waiting for a CPU."""
import signal
import socket
import sys
import time

stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
sock = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
cmd = b"*2\r\n$3\r\nGET\r\n$5\r\nprobe\r\n"
worst = 0.0
print("ready", flush=True)
while not stop:
    t0 = time.perf_counter()
    sock.sendall(cmd)
    buf = b""
    while not buf.endswith(b"\r\n"):
        buf += sock.recv(64)
    worst = max(worst, time.perf_counter() - t0)
    time.sleep(0.001)
print(f"{worst * 1000:.2f}", flush=True)

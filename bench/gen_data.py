#!/usr/bin/env python3
"""Writes Cachecore entries exactly as the proxy does, as a RESP stream for `redis-cli --pipe`.

  gen_data.py one-big N          N entries tagged table:products (+ doc:{i} each)
  gen_data.py many DEPS PER      DEPS deps doc:{d}, PER entries each
  gen_data.py prune SETS PER     SETS dep sets of PER members, half of them dangling

300-byte bodies, every fifth entry L2 (vec:) with a 1536-byte embedding, TTL one day.
"""
import hashlib
import json
import sys

BODY = b"x" * 300
EMBEDDING = b"\0" * 1536
POLICY = {"id": "cc:policy-version:default", "hash": "1"}
CREATED = b"1763942400000"


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def entry_key(i):
    if i % 5 == 4:
        return "vec:default:%d" % i
    request = json.dumps({"messages": [{"content": "q%d" % i, "role": "user"}], "model": "m"},
                         separators=(",", ":"), sort_keys=True)
    return "cc:l1:default:" + hashlib.sha256(request.encode()).hexdigest()


def entry(i, deps, write):
    key = entry_key(i)
    fields = ["body", BODY, "deps", json.dumps(deps + [POLICY], separators=(",", ":")), "created_at", CREATED]
    if key.startswith("vec:"):
        fields += ["embedding", EMBEDDING]
    write(resp("HSET", key, *fields))
    write(resp("EXPIRE", key, "86400"))
    return key


def main():
    out = sys.stdout.buffer
    kind = sys.argv[1]
    if kind == "one-big":
        for i in range(int(sys.argv[2])):
            key = entry(i, [{"id": "table:products", "hash": "v1"}, {"id": "doc:%d" % i, "hash": "v1"}], out.write)
            out.write(resp("SADD", "cc:dep:keys:table:products", key))
            out.write(resp("SADD", "cc:dep:keys:doc:%d" % i, key))
    elif kind == "many":
        deps, per = int(sys.argv[2]), int(sys.argv[3])
        for d in range(deps):
            for j in range(per):
                key = entry(d * per + j, [{"id": "doc:%d" % d, "hash": "v1"}], out.write)
                out.write(resp("SADD", "cc:dep:keys:doc:%d" % d, key))
    elif kind == "prune":
        sets, per = int(sys.argv[2]), int(sys.argv[3])
        for s in range(sets):
            for j in range(per):
                i = s * per + j
                dep = {"id": "doc:%d" % s, "hash": "v1"}
                key = entry(i, [dep], out.write) if j % 2 == 0 else entry_key(i)
                out.write(resp("SADD", "cc:dep:keys:doc:%d" % s, key))
    else:
        sys.exit("unknown data set " + kind)


if __name__ == "__main__":
    main()

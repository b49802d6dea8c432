#!/usr/bin/env python3
"""What users write today: redis-py scripts with SSCAN and pipelined batches of 1,000.

  baselines.py PORT one-big   invalidate table:products
  baselines.py PORT many FILE invalidate every dep listed in FILE, one after another
  baselines.py PORT prune     remove dep-set members whose entry no longer exists
"""
import sys

import redis

BATCH = 1000


def invalidate(r, dep, new_hash):
    r.set("cc:dep:hash:" + dep, new_hash)
    key = "cc:dep:keys:" + dep
    cursor = 0
    while True:
        cursor, members = r.sscan(key, cursor, count=BATCH)
        if members:
            pipe = r.pipeline(transaction=False)
            for i in range(0, len(members), BATCH):
                pipe.unlink(*members[i:i + BATCH])
            pipe.execute()
        if cursor == 0:
            break
    r.unlink(key)


def prune(r):
    for set_key in r.scan_iter(match="cc:dep:keys:*", count=BATCH, _type="set"):
        cursor = 0
        while True:
            cursor, members = r.sscan(set_key, cursor, count=BATCH)
            if members:
                pipe = r.pipeline(transaction=False)
                for m in members:
                    pipe.exists(m)
                gone = [m for m, e in zip(members, pipe.execute()) if not e]
                if gone:
                    r.srem(set_key, *gone)
            if cursor == 0:
                break


def main():
    r = redis.Redis(port=int(sys.argv[1]))
    kind = sys.argv[2]
    if kind == "one-big":
        invalidate(r, "table:products", "v2")
    elif kind == "many":
        with open(sys.argv[3]) as f:
            for line in f:
                invalidate(r, line.strip(), "v2")
    elif kind == "prune":
        prune(r)
    else:
        sys.exit("unknown baseline " + kind)


if __name__ == "__main__":
    main()

"""The product's Python client (cachecore-python, pinned in requirements.txt) against a
real `cachecore serve`, for tests/suite/sdk.rs. Prints one JSON document on stdout.

    sdk_client.py mint SECRET_FILE TENANT EXP_OFFSET_SECS [PREFIX]
        an HS256 JWT made here with the standard library alone (not by serve's code)
    sdk_client.py invalidate URL [--credential C --via transport|bearer] [--many]
                  [--new-hash H] DEP...
        the library's invalidate (one dep) or invalidate_many (several, or --many);
        without --credential, exactly as 0.1.0 does it: no credential header
    sdk_client.py post URL PATH BODY [--header "Name: value"]...
        one POST, the answer parsed by a strict parser that refuses a key twice
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import sys
import time

import httpx
from cachecore import CacheCoreClient


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(secret_file: str, tenant: str, exp_offset: int, prefix: str | None) -> str:
    with open(secret_file, "rb") as f:
        secret = f.read().rstrip(b"\r\n")
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"tenant_id": tenant, "exp": int(time.time()) + exp_offset, "roles": ["app"]}
    payload = b64url(json.dumps(claims).encode())
    message = f"{header}.{payload}".encode()
    signature = b64url(hmac.new(secret, message, hashlib.sha256).digest())
    jwt = f"{header}.{payload}.{signature}"
    return f"{prefix}.{jwt}" if prefix else jwt


async def invalidate(args: argparse.Namespace) -> list[dict]:
    client = CacheCoreClient(args.url, args.credential or "unused", timeout=60.0)
    if args.credential:
        # 0.1.0's invalidate sends no credential and has no public way to add one: its
        # management client is replaced by one on the library's own transport (which sets
        # X-CacheCore-Token to tenant_jwt) or with a bearer header.
        if args.via == "transport":
            http = httpx.AsyncClient(
                base_url=args.url, timeout=60.0, transport=client.transport
            )
        else:
            http = httpx.AsyncClient(
                base_url=args.url,
                timeout=60.0,
                headers={"Authorization": f"Bearer {args.credential}"},
            )
        await client._http.aclose()
        client._http = http
    try:
        if len(args.deps) == 1 and not args.many:
            results = [await client.invalidate(args.deps[0], new_hash=args.new_hash)]
        else:
            results = await client.invalidate_many(args.deps, new_hash=args.new_hash)
    finally:
        await client.aclose()
    return [{"dep_id": r.dep_id, "ok": r.ok, "error": r.error} for r in results]


def strict_pairs(pairs: list) -> dict:
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"duplicate keys {twice} in one object")
    return dict(pairs)


def post(args: argparse.Namespace) -> dict:
    headers = dict(h.split(": ", 1) for h in args.header)
    resp = httpx.post(args.url + args.path, content=args.body, headers=headers, timeout=60.0)
    try:
        doc = json.loads(resp.text, object_pairs_hook=strict_pairs)
        error = None
    except ValueError as e:
        doc, error = None, str(e)
    return {"status": resp.status_code, "doc": doc, "parse_error": error}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("mint")
    m.add_argument("secret_file")
    m.add_argument("tenant")
    m.add_argument("exp_offset", type=int)
    m.add_argument("prefix", nargs="?")
    i = sub.add_parser("invalidate")
    i.add_argument("url")
    i.add_argument("--credential")
    i.add_argument("--via", choices=["transport", "bearer"], default="transport")
    i.add_argument("--many", action="store_true")
    i.add_argument("--new-hash")
    i.add_argument("deps", nargs="+")
    p = sub.add_parser("post")
    p.add_argument("url")
    p.add_argument("path")
    p.add_argument("body")
    p.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    if args.command == "mint":
        print(mint(args.secret_file, args.tenant, args.exp_offset, args.prefix))
    elif args.command == "invalidate":
        print(json.dumps(asyncio.run(invalidate(args))))
    else:
        print(json.dumps(post(args)))


if __name__ == "__main__":
    sys.exit(main())

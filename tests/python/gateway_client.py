"""The official OpenAI SDK with the product's client (cachecore-python), used exactly as
the product's docs show, against `cachecore gateway`, for tests/suite/gateway.rs. Prints
one JSON document on stdout.

    gateway_client.py chat GATEWAY TOKEN MESSAGE [--dep ID:HASH]... [--stream] [--bypass]
        one chat completion: {"x_cache", "refused", "content"}
    gateway_client.py many GATEWAY[,GATEWAY2] TOKEN MESSAGE N [--dep ID:HASH]...
        N identical completions at once, spread over the gateways: [{"x_cache", "content"}]
    gateway_client.py invalidate GATEWAY DEP NEW_HASH
        cc.invalidate on the gateway's own API: {"ok", "error"}
    gateway_client.py mint SECRET_FILE TENANT EXP_OFFSET_SECS CLAIMS_JSON
        an HS256 JWT with extra claims (the product's fresh_ttl_secs, ...), made here with
        the standard library alone: {"jwt"}
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import time

import httpx
from cachecore import CacheCoreClient, Dep
from openai import AsyncOpenAI


def deps(specs):
    out = []
    for s in specs or []:
        dep_id, _, h = s.rpartition(":")
        out.append(Dep(dep_id, hash=h))
    return out


async def one(gateway, token, message, dep_specs, stream=False, bypass=False):
    cc = CacheCoreClient(gateway_url=gateway, tenant_jwt=token)
    http = httpx.AsyncClient(transport=cc.transport)
    oai = AsyncOpenAI(api_key="ignored", base_url=f"{gateway}/v1", http_client=http, max_retries=0)
    try:
        with cc.request_context(deps=deps(dep_specs), bypass=bypass):
            raw = await oai.chat.completions.with_raw_response.create(
                model="gpt-5.4-mini",
                messages=[{"role": "user", "content": message}],
                stream=stream,
            )
        parsed = raw.parse()
        if stream:
            content = ""
            async for chunk in parsed:
                if chunk.choices and chunk.choices[0].delta.content:
                    content += chunk.choices[0].delta.content
        else:
            content = parsed.choices[0].message.content
        return {"x_cache": raw.headers.get("x-cache"), "refused": raw.headers.get("x-cache-refused"),
                "content": content}
    finally:
        await http.aclose()
        await cc.aclose()


async def many(gateways, token, message, n, dep_specs):
    urls = gateways.split(",")
    return await asyncio.gather(*[one(urls[i % len(urls)], token, message, dep_specs) for i in range(n)])


async def invalidate(gateway, dep, new_hash):
    async with CacheCoreClient(gateway_url=gateway, tenant_jwt="unused") as cc:
        r = await cc.invalidate(dep, new_hash=new_hash)
        return {"ok": r.ok, "error": r.error}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(secret_file, tenant, exp_offset, claims):
    with open(secret_file, "rb") as f:
        secret = f.read().rstrip(b"\r\n")
    body = {"tenant_id": tenant, "exp": int(time.time()) + exp_offset, **json.loads(claims)}
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(body).encode())
    sig = b64url(hmac.new(secret, f"{head}.{payload}".encode(), hashlib.sha256).digest())
    return {"jwt": f"{head}.{payload}.{sig}"}


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("chat")
    c.add_argument("gateway"); c.add_argument("token"); c.add_argument("message")
    c.add_argument("--dep", action="append"); c.add_argument("--stream", action="store_true")
    c.add_argument("--bypass", action="store_true")
    m = sub.add_parser("many")
    m.add_argument("gateways"); m.add_argument("token"); m.add_argument("message"); m.add_argument("n", type=int)
    m.add_argument("--dep", action="append")
    i = sub.add_parser("invalidate")
    i.add_argument("gateway"); i.add_argument("dep"); i.add_argument("new_hash")
    j = sub.add_parser("mint")
    j.add_argument("secret"); j.add_argument("tenant"); j.add_argument("exp", type=int); j.add_argument("claims")
    a = p.parse_args()
    if a.cmd == "mint":
        out = mint(a.secret, a.tenant, a.exp, a.claims)
    elif a.cmd == "chat":
        out = asyncio.run(one(a.gateway, a.token, a.message, a.dep, a.stream, a.bypass))
    elif a.cmd == "many":
        out = asyncio.run(many(a.gateways, a.token, a.message, a.n, a.dep))
    else:
        out = asyncio.run(invalidate(a.gateway, a.dep, a.new_hash))
    print(json.dumps(out))


main()

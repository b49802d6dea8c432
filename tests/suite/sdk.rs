//! The product's own Python client (issue 24), `cachecore-python` 0.1.0 from PyPI in the
//! private environment scripts/test makes (target/pyenv), against a real `serve` over a
//! private redis-server: every call must say ok=True only when the entries are gone.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::docs;
use crate::support::fixture::{self, Tier};
use crate::support::serve::{Serve, token};
use crate::support::{RedisServer, exists, get, run, scan_keys, snapshot};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The environment's python, refusing one made from other requirements than the file's.
pub(crate) fn python() -> PathBuf {
    let env = root().join("target/pyenv");
    let want = hex::encode(Sha256::digest(
        std::fs::read(root().join("tests/python/requirements.txt")).unwrap(),
    ));
    let stamp = std::fs::read_to_string(env.join(".requirements.sha256")).unwrap_or_default();
    assert!(
        env.join("bin/python").exists() && stamp.trim() == want,
        "the SDK tests need the product's Python client in target/pyenv, as pinned in tests/python/requirements.txt: run scripts/test, which installs it"
    );
    env.join("bin/python")
}

/// Runs tests/python/sdk_client.py with `args`; its JSON answer (or its line for `mint`).
pub(crate) fn sdk(args: &[&str]) -> String {
    let out = Command::new(python())
        .arg(root().join("tests/python/sdk_client.py"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sdk_client.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The library's results for `deps` (invalidate for one, invalidate_many for several).
fn library(serve: &Serve, extra: &[&str], deps: &[&str]) -> Vec<Value> {
    let url = serve.url("");
    let mut args = vec!["invalidate", url.as_str()];
    args.extend(extra);
    args.extend(deps);
    let v: Value = serde_json::from_str(&sdk(&args)).unwrap();
    v.as_array().unwrap().clone()
}

/// `count` entries from `first` on, the i-th tagged with `doc:{i}`; their keys.
fn docs(server: &RedisServer, first: u64, count: u64) -> Vec<String> {
    let mut conn = server.conn();
    fixture::write_many(&mut conn, first, count, &[], Some("doc:"), Some(600));
    (first..first + count)
        .map(|i| {
            let tier = if i % 5 == 4 { Tier::L2 } else { Tier::L1 };
            fixture::key(tier, "default", i)
        })
        .collect()
}

#[test]
fn sdk_the_unchanged_library_invalidates_when_the_operator_allows_anonymous_callers() {
    let server = RedisServer::start();
    let keys = docs(&server, 0, 301);
    let mut conn = server.conn();
    // Off by default: the library's calls fail as the issue found them, changing nothing.
    let closed = Serve::start(&server, &[]);
    let before = snapshot(&mut conn);
    let r = library(&closed, &[], &["doc:0"]);
    assert_eq!(r[0]["ok"], false, "{r:?}");
    let error = r[0]["error"].as_str().unwrap();
    assert!(
        error.contains("auth error 401") && error.contains("missing_token"),
        "{error}"
    );
    assert_eq!(snapshot(&mut conn), before);
    drop(closed);

    let serve = Serve::start(&server, &["--anonymous-scope", "doc:*"]);
    let listening = serve
        .log_lines()
        .into_iter()
        .find(|l| l.contains(r#""event":"listening""#))
        .unwrap();
    assert!(
        listening.contains(r#""anonymous":{"rate_limit_per_address":1000,"scopes":["doc:*"]}"#),
        "{listening}"
    );
    let r = library(&serve, &[], &["doc:0"]);
    assert_eq!(
        (r[0]["ok"].as_bool(), &r[0]["error"]),
        (Some(true), &Value::Null)
    );
    assert!(!exists(&mut conn, &keys[0]));
    // The library's generated hash is recorded.
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:0").unwrap().len(), 32);
    // invalidate_many: 300 concurrent POSTs from one address, none 429.
    let many: Vec<String> = (1..=300).map(|i| format!("doc:{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let r = library(&serve, &[], &many);
    let took = started.elapsed();
    let failed: Vec<&Value> = r.iter().filter(|x| x["ok"] != true).collect();
    assert!(failed.is_empty(), "{} failed: {failed:?}", failed.len());
    assert_eq!(r.len(), 300);
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
    assert!(scan_keys(&mut conn, "vec:*").is_empty());
    eprintln!("invalidate_many of 300 deps, anonymous: {took:?}");
    // Outside the anonymous scopes: an auth error, nothing changed.
    let before = snapshot(&mut conn);
    let r = library(&serve, &[], &["table:products"]);
    assert_eq!(r[0]["ok"], false);
    assert!(r[0]["error"].as_str().unwrap().contains("auth error 403"));
    assert_eq!(snapshot(&mut conn), before);
    let text = serve.metrics();
    for line in [
        r#"cachecore_anonymous_requests_total{outcome="ok"} 301"#,
        r#"cachecore_anonymous_requests_total{outcome="forbidden"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
    }
    let audit = run(&server, &["--json", "audit", "--limit", "5"]);
    assert!(
        audit.stdout.contains(r#""user":"anonymous""#),
        "{}",
        audit.stdout
    );
    assert!(
        serve
            .log_lines()
            .iter()
            .any(|l| l.contains(r#""token":"anonymous""#) && l.contains(r#""auth":"anonymous""#))
    );
}

#[test]
fn sdk_every_credential_form_invalidates_and_an_expired_jwt_deletes_nothing() {
    let server = RedisServer::start();
    let keys = docs(&server, 0, 10);
    let tok = token(&server, "app", &["doc:*"]);
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("jwt-secret");
    std::fs::write(&secret, "a-secret-of-the-product-gateway-0123456789\n").unwrap();
    let secret = secret.to_str().unwrap();
    let serve = Serve::start(
        &server,
        &["--jwt-secret-file", secret, "--jwt-scope", "doc:*"],
    );
    let jwt = sdk(&["mint", secret, "acme", "600"]);
    let prefixed = sdk(&["mint", secret, "acme", "600", "cc_live_k3y"]);
    assert!(jwt.starts_with("eyJ") && prefixed.starts_with("cc_live_k3y.eyJ"));
    let mut conn = server.conn();
    // (credential, how the library sends it, deps): each dep's entry must be gone.
    for (credential, via, deps) in [
        (&tok, "transport", &["doc:0"][..]),
        (&tok, "bearer", &["doc:1", "doc:2"][..]),
        (&jwt, "transport", &["doc:3"][..]),
        (&jwt, "bearer", &["doc:4", "doc:5"][..]),
        (&prefixed, "transport", &["doc:6"][..]),
        (&prefixed, "bearer", &["doc:7"][..]),
    ] {
        let r = library(&serve, &["--credential", credential, "--via", via], deps);
        assert!(r.iter().all(|x| x["ok"] == true), "{via} {deps:?}: {r:?}");
        for dep in deps {
            let i: usize = dep[4..].parse().unwrap();
            assert!(
                !exists(&mut conn, &keys[i]),
                "{dep} via {via} left its entry"
            );
        }
    }
    // Expired, or signed with another secret: 401 to the library, nothing deleted.
    let expired = sdk(&["mint", secret, "acme", "-3600"]);
    let other = dir.path().join("other");
    std::fs::write(&other, "another-secret-of-thirty-two-bytes-or-more").unwrap();
    let forged = sdk(&["mint", other.to_str().unwrap(), "acme", "600"]);
    let before = snapshot(&mut conn);
    for bad in [&expired, &forged] {
        let r = library(&serve, &["--credential", bad], &["doc:8", "doc:9"]);
        for x in &r {
            assert_eq!(x["ok"], false, "{r:?}");
            assert!(
                x["error"].as_str().unwrap().contains("auth error 401"),
                "{r:?}"
            );
        }
    }
    assert_eq!(snapshot(&mut conn), before, "a refused JWT changed Redis");
    assert!(exists(&mut conn, &keys[8]) && exists(&mut conn, &keys[9]));
    let audit = run(&server, &["--json", "audit", "--limit", "20"]).stdout;
    assert!(audit.contains(r#""user":"jwt:acme""#), "{audit}");
    assert!(audit.contains(r#""user":"token:app""#), "{audit}");
    let logs = serve.log_lines().join("\n");
    assert!(logs.contains(r#""auth_failure":"jwt_expired""#), "{logs}");
    assert!(logs.contains(r#""auth_failure":"jwt_invalid""#), "{logs}");
    for secret_text in [&jwt, &expired, &tok[8..].to_string()] {
        let signature = secret_text.rsplit('.').next().unwrap();
        assert!(!logs.contains(signature), "a credential in the logs");
    }
    assert!(!logs.contains("a-secret-of-the-product-gateway"));
}

#[test]
fn sdk_answers_carry_ok_and_each_key_once() {
    let server = RedisServer::start();
    docs(&server, 0, 10);
    let serve = Serve::start(&server, &["--anonymous-scope", "doc:*"]);
    let url = serve.url("");
    let post = |path: &str, body: &str| -> Value {
        serde_json::from_str(&sdk(&["post", &url, path, body])).unwrap()
    };
    let v = post(
        "/v1/invalidate_many",
        r#"{"dep_ids": ["doc:0", "doc:1", "doc:2"]}"#,
    );
    assert_eq!(v["parse_error"], Value::Null, "{v}");
    assert_eq!(v["status"], 200, "{v}");
    for (i, r) in v["doc"]["results"].as_array().unwrap().iter().enumerate() {
        assert_eq!(r["ok"], true);
        assert_eq!(r["dep_id"], format!("doc:{i}"));
        assert_eq!(r["keys_deleted"], 1, "{r}");
        assert!(r["new_hash"].as_str().unwrap().starts_with("auto-"), "{r}");
    }
    let hashes: std::collections::BTreeSet<&str> = v["doc"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["new_hash"].as_str().unwrap())
        .collect();
    assert_eq!(hashes.len(), 3, "one generated hash per dep");
    let v = post("/v1/invalidate", r#"{"dep_id": "doc:3"}"#);
    assert_eq!(v["parse_error"], Value::Null, "{v}");
    let doc = &v["doc"];
    assert_eq!(
        (doc["ok"].as_bool(), doc["keys_deleted"].as_u64()),
        (Some(true), Some(1))
    );
    assert_eq!(
        doc["l1_deleted"].as_u64().unwrap() + doc["l2_deleted"].as_u64().unwrap(),
        1
    );
    let mut conn = server.conn();
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:3").as_deref(),
        doc["new_hash"].as_str()
    );
    // A failed dep carries its dep_id too, once.
    let v = post(
        "/v1/invalidate_many",
        r#"{"dep_ids": ["doc:4", "table:x"], "new_hash": "v2"}"#,
    );
    assert_eq!(
        (v["status"].as_u64(), &v["parse_error"]),
        (Some(403), &Value::Null)
    );
}

/// The guide's curl lines (docs/http-api.md), run as written with its variables set.
#[test]
fn sdk_the_documented_curl_lines_work_as_written() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(
        &mut conn,
        0,
        10,
        &[fixture::with("table:products", "v1")],
        None,
        Some(600),
    );
    let tok = token(&server, "cms", &["table:*", "policy:default"]);
    let serve = Serve::start(&server, &[]);
    let sh = |recipe: String| -> Value {
        let out = Command::new("sh")
            .arg("-c")
            .arg(&recipe)
            .env("CACHECORE_URL", serve.url(""))
            .env("TOKEN", &tok)
            .output()
            .unwrap();
        assert!(out.status.success(), "{recipe}: {out:?}");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{recipe}: {e}: {out:?}"))
    };
    let v = sh(docs::recipe("http-bearer"));
    assert_eq!(
        (v["ok"].as_bool(), v["keys_deleted"].as_u64()),
        (Some(true), Some(10)),
        "{v}"
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:table:products").as_deref(),
        Some("2024-03-15")
    );
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
    let v = sh(docs::recipe("http-x-token"));
    assert_eq!(v["ok"], true, "{v}");
    assert_ne!(v["new_hash"], "2024-03-15", "a generated hash: {v}");
    assert_eq!(
        get(&mut conn, "cc:dep:hash:table:products").as_deref(),
        v["new_hash"].as_str()
    );
    let v = sh(docs::recipe("http-policy"));
    assert_eq!(
        (
            v["ok"].as_bool(),
            v["dep_id"].as_str(),
            v["new_version"].as_str()
        ),
        (Some(true), Some("cc:policy-version:default"), Some("v2")),
        "{v}"
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:cc:policy-version:default").as_deref(),
        Some("v2")
    );
}

//! `cachecore serve` (issue 14): the real binary on a free port over a private
//! redis-server, driven by a real HTTP client (curl), with Redis read back directly.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::fixture::{self, with};
use crate::support::serve::{Serve, curl, products, token};
use crate::support::server::TlsFiles;
use crate::support::{
    Deletions, RedisServer, blocked_commands, cmd, exists, get, run, scan_keys, snapshot,
    wait_until,
};

#[test]
fn serve_the_documented_curl_command_works_as_written() {
    let server = RedisServer::start();
    products(&server);
    let token = token(&server, "cms", &["table:*"]);
    let serve = Serve::start(&server, &[]);
    // The seed's command, with this server's URL and a real token.
    let cmd = format!(
        r#"curl -X POST http://{}/v1/invalidate \
  -H "Authorization: Bearer {token}" \
  -d '{{"dep_id": "table:products", "new_hash": "2024-03-15"}}'"#,
        serve.addr
    );
    let out = Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["command"], "invalidate");
    assert_eq!(v["dep_id"], "table:products");
    assert_eq!(v["old_hash"], Value::Null);
    assert_eq!(v["new_hash"], "2024-03-15");
    assert_eq!(v["members"], 10);
    assert_eq!(v["l1_deleted"], 8);
    assert_eq!(v["l2_deleted"], 2);
    assert_eq!(v["interrupted"], false);
    let mut conn = server.conn();
    assert_eq!(
        get(&mut conn, "cc:dep:hash:table:products").as_deref(),
        Some("2024-03-15")
    );
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
    assert!(scan_keys(&mut conn, "vec:*").is_empty());
    // The audit trail names the token, and the logs never hold it.
    let audit = run(&server, &["--json", "audit"]);
    assert!(audit.stdout.contains("token:cms"), "{}", audit.stdout);
    let logs = serve.log_lines().join("\n");
    assert!(logs.contains(r#""token":"cms""#), "{logs}");
    assert!(!logs.contains(&token[8..]), "a token in the logs: {logs}");
}

#[test]
fn serve_terminates_tls_with_the_listen_certificate() {
    let server = RedisServer::start();
    products(&server);
    let token = token(&server, "cms", &["table:*"]);
    let tls = TlsFiles::new();
    let serve = Serve::start(
        &server,
        &[
            "--listen-cert",
            &tls.path("server.crt"),
            "--listen-key",
            &tls.path("server.key"),
        ],
    );
    let port = serve.addr.rsplit(':').next().unwrap();
    let cmd = format!(
        r#"curl --cacert {} -X POST https://localhost:{port}/v1/invalidate \
  -H "Authorization: Bearer {token}" \
  -d '{{"dep_id": "table:products", "new_hash": "2024-03-15"}}'"#,
        tls.path("ca.crt")
    );
    let out = Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["new_hash"], "2024-03-15");
    assert_eq!(v["members"], 10);
    // Plain HTTP on the TLS port gets no answer.
    let (status, _) = curl(&[format!("http://127.0.0.1:{port}/healthz")]);
    assert_ne!(status, 200);
}

#[test]
fn serve_auth_and_scope_matrix() {
    let server = RedisServer::start();
    products(&server);
    let docs = token(&server, "docs", &["doc:*", "policy:shop"]);
    let tables = token(&server, "tables", &["table:*"]);
    let serve = Serve::start(&server, &[]);
    let mut conn = server.conn();
    let before = snapshot(&mut conn);
    let body = r#"{"dep_id": "table:products", "new_hash": "v2"}"#;
    let unknown = format!("cc_live_{}", "0".repeat(64));
    for (token, status, error) in [
        (None, 401, "missing_token"),
        (Some("not-a-token"), 401, "unknown_token"),
        (Some(unknown.as_str()), 401, "unknown_token"),
        (Some(docs.as_str()), 403, "forbidden"),
    ] {
        let (s, v) = serve.post("/v1/invalidate", token, body);
        assert_eq!((s, v["error"].as_str()), (status, Some(error)), "{v}");
        assert_eq!(snapshot(&mut conn), before, "a {status} changed Redis");
    }
    // A dep token may not roll a policy; a policy token only its namespace.
    for (token, ns, status) in [(&tables, "shop", 403), (&docs, "default", 403)] {
        let (s, v) = serve.post(&format!("/v1/namespaces/{ns}/policy/roll"), Some(token), "");
        assert_eq!(s, status, "{v}");
        assert_eq!(v["field"], "namespace");
    }
    // Reading is scoped too.
    let (s, _) = serve.get("/v1/deps/table:products", Some(&docs));
    assert_eq!(s, 403);
    assert_eq!(snapshot(&mut conn), before);
    // In scope: done.
    let (s, v) = serve.post("/v1/invalidate", Some(&tables), body);
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["l1_deleted"].as_u64().unwrap() + v["l2_deleted"].as_u64().unwrap(),
        10
    );
    let (s, v) = serve.post(
        "/v1/namespaces/shop/policy/roll",
        Some(&docs),
        r#"{"to": "7"}"#,
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["old_version"].as_str(), v["new_version"].as_str()),
        (Some("1"), Some("7"))
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:cc:policy-version:shop").as_deref(),
        Some("7")
    );
    // The same rules as `policy roll`: never back to a used version.
    let before = snapshot(&mut conn);
    let (s, v) = serve.post(
        "/v1/namespaces/shop/policy/roll",
        Some(&docs),
        r#"{"to": "1"}"#,
    );
    assert_eq!((s, v["field"].as_str()), (409, Some("to")), "{v}");
    assert_eq!(snapshot(&mut conn), before);
}

#[test]
fn serve_every_bad_request_has_its_status_and_changes_nothing() {
    let server = RedisServer::start();
    products(&server);
    let tok = token(&server, "ci", &["*"]);
    let burst = token(&server, "burst", &["*"]);
    let serve = Serve::start(&server, &["--rate-limit", "3"]);
    let mut conn = server.conn();
    crate::support::set(&mut conn, "cc:dep:hash:doc:1", "h1");
    let before = snapshot(&mut conn);
    let big = format!(
        r#"{{"dep_id": "doc:1", "new_hash": "v2", "reason": "{}"}}"#,
        "x".repeat(1 << 20)
    );
    let cases: Vec<(&str, u16, &str, Option<&str>)> = vec![
        ("{not json", 400, "invalid_body", None),
        (r#"{"new_hash": "v2"}"#, 400, "invalid_body", Some("dep_id")),
        (
            r#"{"dep_id": "doc:1", "new_hash": 2}"#,
            400,
            "invalid_body",
            Some("new_hash"),
        ),
        (
            r#"{"dep_id": "doc:1", "new_hash": "v2", "soft": "yes"}"#,
            400,
            "invalid_body",
            Some("soft"),
        ),
        (
            r#"{"dep_id": "doc:1", "new_has": "v2"}"#,
            400,
            "invalid_body",
            Some("new_has"),
        ),
        (
            r#"{"dep_id": "doc 1", "new_hash": "v2"}"#,
            400,
            "invalid_field",
            Some("dep_id"),
        ),
        // A policy dep is a roll (issue 24), which a dep glob does not allow.
        (
            r#"{"dep_id": "cc:policy-version:default", "new_hash": "v2"}"#,
            403,
            "forbidden",
            Some("dep_id"),
        ),
        (
            r#"{"dep_id": "doc:1", "new_hash": ""}"#,
            400,
            "invalid_field",
            Some("new_hash"),
        ),
        (
            r#"{"dep_id": "doc:1", "new_hash": "v2", "if_hash": "h0"}"#,
            409,
            "refused",
            Some("if_hash"),
        ),
        (&big, 413, "body_too_large", None),
    ];
    for (body, status, error, field) in &cases {
        // One request a second keeps this token under its limit of 3.
        let (s, v) = serve.post("/v1/invalidate", Some(&tok), body);
        assert_eq!(s, *status, "{}: {v}", &body[..body.len().min(80)]);
        assert_eq!(v["error"].as_str(), Some(*error), "{v}");
        assert_eq!(v["field"].as_str(), *field, "{v}");
        assert_eq!(v["version"], 1);
        assert_eq!(
            snapshot(&mut conn),
            before,
            "{status} {error} changed Redis"
        );
        std::thread::sleep(Duration::from_millis(340));
    }
    let many = serve.post(
        "/v1/invalidate_many",
        Some(&tok),
        r#"{"dep_ids": ["doc:1", "bad id"], "new_hash": "v2"}"#,
    );
    assert_eq!(
        (many.0, many.1["field"].as_str()),
        (400, Some("dep_ids[1]")),
        "{}",
        many.1
    );
    // Over the rate limit: 3 at once pass the limiter (and fail on their body), the 4th
    // is 429 with a Retry-After.
    for _ in 0..3 {
        assert_eq!(serve.post("/v1/invalidate", Some(&burst), "{").0, 400);
    }
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&burst),
        r#"{"dep_id": "doc:1", "new_hash": "v2"}"#,
    );
    assert_eq!((s, v["error"].as_str()), (429, Some("rate_limited")), "{v}");
    assert_eq!(snapshot(&mut conn), before);
    let (s, v) = serve.get("/v1/nothing", Some(&tok));
    assert_eq!((s, v["error"].as_str()), (404, Some("not_found")));
    let logs = serve.log_lines();
    assert!(logs.iter().any(|l| l.contains(r#""status":413"#)));
    for secret in [&tok, &burst] {
        assert!(
            !logs.iter().any(|l| l.contains(&secret[8..])),
            "token in logs"
        );
    }
}

#[test]
fn serve_answers_503_when_redis_is_unreachable_and_recovers() {
    let server = RedisServer::start();
    products(&server);
    let tok = token(&server, "ci", &["*"]);
    let serve = Serve::start(&server, &["--timeout", "1s"]);
    assert_eq!(serve.get("/readyz", None).0, 200);
    let mut conn = server.conn();
    let before = snapshot(&mut conn);
    // Redis goes away: its socket is moved aside and every connection dropped.
    let socket = server
        .url
        .strip_prefix("redis+unix://")
        .unwrap()
        .to_string();
    let aside = format!("{socket}.aside");
    std::fs::rename(&socket, &aside).unwrap();
    let _: Result<i64, _> = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .query(&mut conn);
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&tok),
        r#"{"dep_id": "table:products", "new_hash": "v2"}"#,
    );
    assert_eq!(
        (s, v["error"].as_str()),
        (503, Some("redis_unavailable")),
        "{v}"
    );
    assert_eq!(serve.get("/readyz", None).0, 503);
    assert_eq!(serve.get("/healthz", None).0, 200, "the process is alive");
    std::fs::rename(&aside, &socket).unwrap();
    let mut conn = server.conn();
    assert_eq!(snapshot(&mut conn), before, "a 503 changed Redis");
    // Back: the next requests dial again.
    assert_eq!(serve.get("/readyz", None).0, 200);
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&tok),
        r#"{"dep_id": "table:products", "new_hash": "v2"}"#,
    );
    assert_eq!(s, 200, "{v}");
}

#[test]
fn serve_killed_mid_drain_is_finished_by_the_next_start() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(
        &mut conn,
        0,
        200_000,
        &[with("doc:big", "v1")],
        None,
        Some(3600),
    );
    let tok = token(&server, "ci", &["doc:*"]);
    // Slowed so the drain outlives the budget and the kill lands in its middle.
    let mut first = Serve::start(&server, &["--drain-budget", "200ms", "--rate", "40000"]);
    let mut gone = Deletions::from_now(&server);
    let (s, v) = first.post(
        "/v1/invalidate",
        Some(&tok),
        r#"{"dep_id": "doc:big", "new_hash": "v2"}"#,
    );
    assert_eq!(s, 202, "{v}");
    assert_eq!(v["state"], "draining");
    // The hash is recorded before the answer.
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:big").as_deref(), Some("v2"));
    let job = v["job_url"].as_str().unwrap().to_string();
    let (s, j) = first.get(&job, Some(&tok));
    assert_eq!((s, j["state"].as_str()), (200, Some("draining")), "{j}");
    // Killed part way through the drain: some entries deleted, most not.
    wait_until(Duration::from_secs(30), "2,000 entries deleted", || {
        gone.at_least(2_000)
    });
    first.child.kill().unwrap();
    first.wait(Duration::from_secs(5));
    let left = scan_keys(&mut conn, "cc:l1:*").len() + scan_keys(&mut conn, "vec:*").len();
    assert!(left > 0 && left < 200_000, "killed mid-drain: {left} left");
    assert!(!scan_keys(&mut conn, "cc:inval:*").is_empty());
    // Any replica's next start finishes it; the job reads done from Redis alone.
    let second = Serve::start(&server, &[]);
    let mut job_state = Value::Null;
    wait_until(Duration::from_secs(60), "the job done", || {
        job_state = second.get(&job, Some(&tok)).1;
        job_state["state"] == "done"
    });
    assert_eq!(job_state["hash_current"], true, "{job_state}");
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
    assert!(scan_keys(&mut conn, "vec:*").is_empty());
    assert!(scan_keys(&mut conn, "cc:inval:*").is_empty());
    assert!(!exists(&mut conn, "cc:dep:keys:doc:big"));
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:big").as_deref(), Some("v2"));
    assert!(
        second
            .log_lines()
            .iter()
            .any(|l| l.contains(r#""event":"resumed""#))
    );
}

#[test]
fn serve_sigterm_lets_the_request_in_flight_finish_and_exits_0() {
    let server = RedisServer::start();
    products(&server);
    let tok = token(&server, "ci", &["*"]);
    let mut serve = Serve::start(&server, &[]);
    // Redis holds every write, so the request waits in the server when the signal comes.
    let mut conn = server.conn();
    let () = redis::cmd("CLIENT")
        .arg(&["PAUSE", "30000", "WRITE"])
        .query(&mut conn)
        .unwrap();
    let url = serve.url("/v1/invalidate");
    let client = std::thread::spawn(move || {
        curl(&[
            "-X".into(),
            "POST".into(),
            url,
            "-H".into(),
            format!("Authorization: Bearer {tok}"),
            "-d".into(),
            r#"{"dep_id": "table:products", "new_hash": "v2"}"#.into(),
        ])
    });
    wait_until(Duration::from_secs(20), "the request held by Redis", || {
        !blocked_commands(&mut conn).is_empty()
    });
    crate::support::send_signal(serve.child.id(), "TERM");
    wait_until(Duration::from_secs(10), "serve's shutting_down log", || {
        serve
            .log_lines()
            .iter()
            .any(|l| l.contains(r#""event":"shutting_down""#))
    });
    // Not accepting any more, still waiting for the request.
    wait_until(
        Duration::from_secs(10),
        "serve to refuse a new request",
        || serve.get("/healthz", None).0 != 200,
    );
    assert!(
        serve.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );
    let () = redis::cmd("CLIENT")
        .arg("UNPAUSE")
        .query(&mut conn)
        .unwrap();
    let (s, v) = client.join().unwrap();
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["l1_deleted"].as_u64().unwrap() + v["l2_deleted"].as_u64().unwrap(),
        10
    );
    assert_eq!(serve.wait(Duration::from_secs(10)), 0);
    let logs = serve.final_log();
    assert!(
        logs.iter()
            .any(|l| l.contains(r#""event":"shutting_down""#))
    );
    assert!(logs.iter().any(|l| l.contains(r#""event":"stopped""#)));
}

#[test]
fn serve_tokens_are_listed_without_secrets_and_revoked_at_once() {
    let server = RedisServer::start();
    products(&server);
    let tok = token(&server, "cms", &["table:*", "policy:shop"]);
    // The secret appears nowhere in Redis, only its SHA-256.
    let mut conn = server.conn();
    for key in scan_keys(&mut conn, "*") {
        let dump: Vec<u8> = redis::cmd("DUMP").arg(&key).query(&mut conn).unwrap();
        assert!(!String::from_utf8_lossy(&key).contains(&tok[8..]));
        assert!(!String::from_utf8_lossy(&dump).contains(&tok[8..]));
    }
    let again = run(&server, &["token", "create", "cms", "--scope", "*"]);
    assert_eq!(again.code, 1, "a taken name is refused: {}", again.stderr);
    let bad = run(&server, &["token", "create", "x", "--scope", "doc: 1"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let serve = Serve::start(&server, &[]);
    let body = r#"{"dep_id": "table:products", "new_hash": "v2"}"#;
    assert_eq!(serve.post("/v1/invalidate", Some(&tok), body).0, 200);
    // The last use is stamped after the answer.
    let record = cachecore::service::serve::tokens::name_key("cms");
    wait_until(
        Duration::from_secs(10),
        "the token's last use stamped",
        || {
            let used: Option<u64> = redis::cmd("HGET")
                .arg(&record)
                .arg("last_used_ms")
                .query(&mut conn)
                .unwrap();
            used.is_some_and(|ms| ms > 0)
        },
    );
    for args in [&["token", "list"][..], &["--json", "token", "list"][..]] {
        let r = cmd(&server).args(args).succeeds();
        assert!(
            !r.stdout.contains(&tok[8..]),
            "a secret listed: {}",
            r.stdout
        );
        assert!(r.stdout.contains("cms"));
    }
    let listed = run(&server, &["--json", "token", "list"]).json();
    let row = &listed["tokens"][0];
    assert_eq!(row["name"], "cms");
    assert_eq!(row["scopes"], serde_json::json!(["table:*", "policy:shop"]));
    assert!(row["created_ms"].as_u64().unwrap() > 0);
    assert!(row["last_used_ms"].as_u64().is_some(), "{row}");
    cmd(&server).args(&["token", "revoke", "cms"]).succeeds();
    let revoked = Instant::now();
    let (s, v) = serve.post("/v1/invalidate", Some(&tok), body);
    assert_eq!((s, v["error"].as_str()), (401, Some("unknown_token")));
    assert!(revoked.elapsed() < Duration::from_secs(1));
    assert!(
        scan_keys(&mut conn, "cc:token:*").is_empty(),
        "revoke leaves nothing"
    );
    assert_eq!(run(&server, &["token", "revoke", "cms"]).code, 1);
    assert!(!serve.log_lines().join("\n").contains(&tok[8..]));
}

#[test]
fn serve_endpoints_answer_their_documents() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    products(&server);
    fixture::write_many(&mut conn, 100, 5, &[with("doc:a", "v1")], None, Some(600));
    let tok = token(&server, "ci", &["*"]);
    let serve = Serve::start(&server, &[]);
    let (s, v) = serve.get("/v1/deps/table:products", Some(&tok));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["command"], "deps inspect");
    assert_eq!(v["deps"][0]["members"], 10);
    assert_eq!(v["deps"][0]["fresh"], 10);
    let (s, v) = serve.post(
        "/v1/invalidate_many",
        Some(&tok),
        r#"{"dep_ids": ["table:products", "doc:a", "doc:none"], "new_hash": "v9", "reason": "nightly"}"#,
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["deps"].as_u64(), v["succeeded"].as_u64()),
        (Some(3), Some(3))
    );
    let results = v["results"].as_array().unwrap();
    assert_eq!(results[0]["dep_id"], "table:products");
    assert_eq!(results[0]["ok"], true);
    assert_eq!(results[1]["members"], 5);
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:none").as_deref(),
        Some("v9")
    );
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
    // A job of a finished invalidation reads done; a job id is opaque but checked.
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&tok),
        r#"{"dep_id": "doc:a", "new_hash": "v10", "soft": true}"#,
    );
    assert_eq!((s, v["soft"].as_bool()), (200, Some(true)), "{v}");
    let id = format!("{}.{}", hex_of("doc:a"), hex_of("v10"));
    let (s, j) = serve.get(&format!("/v1/jobs/{id}"), Some(&tok));
    assert_eq!(
        (s, j["state"].as_str(), j["hash_current"].as_bool()),
        (200, Some("done"), Some(true)),
        "{j}"
    );
    assert_eq!(serve.get("/v1/jobs/nope", Some(&tok)).0, 404);
    let (s, _) = curl(&[serve.url("/metrics")]);
    assert_eq!(s, 200);
    let text = Command::new("curl")
        .args(["-s", &serve.url("/metrics")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for needle in [
        r#"cachecore_http_requests_total{route="/v1/invalidate_many",method="POST",status="200"} 1"#,
        r#"cachecore_invalidations_total{outcome="ok"} 4"#,
        r#"cachecore_keys_deleted_total{tier="l1"} 12"#,
        "cachecore_drains_in_progress 0",
        r#"cachecore_redis_round_trip_seconds_count{op="token_lookup"}"#,
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    let help = run(&server, &["serve", "--help"]);
    for needle in [
        "POST /v1/invalidate",
        "GET  /v1/jobs/{id}",
        "--listen-cert",
        "429",
    ] {
        assert!(help.stdout.contains(needle), "{needle} not in serve --help");
    }
}

fn hex_of(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

//! `cachecore gateway` (issue 25) driven by the official OpenAI SDK with the product's
//! client (tests/python/gateway_client.py, from target/pyenv), against a stub upstream
//! that counts its calls (tests/python/stub_upstream.py) and a private redis-server.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::serve::{Serve, curl};
use crate::support::{RedisServer, run};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The stub upstream, killed on drop.
pub(super) struct Stub {
    child: Child,
    port: u16,
}

impl Stub {
    pub(super) fn start() -> Stub {
        let mut child = Command::new("python3")
            .arg(root().join("tests/python/stub_upstream.py"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the stub upstream");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the stub prints its port");
        Stub { child, port }
    }

    pub(super) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    pub(super) fn calls(&self) -> u64 {
        let (_, v) = curl(&[format!("http://127.0.0.1:{}/count", self.port)]);
        v["calls"].as_u64().unwrap()
    }

    fn seen(&self) -> Value {
        curl(&[format!("http://127.0.0.1:{}/seen", self.port)]).1
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs gateway_client.py; its JSON answer.
pub(super) fn client(args: &[&str]) -> Value {
    let out = Command::new(super::sdk::python())
        .arg(root().join("tests/python/gateway_client.py"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gateway_client.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub(super) fn chat(gw: &Serve, token: &str, message: &str, extra: &[&str]) -> Value {
    let url = gw.url("");
    let mut args = vec!["chat", url.as_str(), token, message];
    args.extend(extra);
    client(&args)
}

pub(super) fn token(server: &RedisServer, name: &str, ns: &str) -> String {
    run(
        server,
        &["--json", "token", "create", name, "--namespace", ns],
    )
    .json()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A server, a stub upstream, two gateway replicas on them and a token of `default`.
pub(super) fn two_replicas() -> (RedisServer, Stub, Serve, Serve, String) {
    let server = RedisServer::start();
    let stub = Stub::start();
    let one = Serve::gateway(&server, &stub.url(), &[]);
    let two = Serve::gateway(&server, &stub.url(), &[]);
    let t = token(&server, "app", "default");
    (server, stub, one, two, t)
}

pub(super) fn l1_keys(server: &RedisServer, ns: &str) -> Vec<String> {
    crate::support::scan_keys(&mut server.conn(), &format!("cc:l1:{ns}:*"))
        .into_iter()
        .map(|k| String::from_utf8(k).unwrap())
        .collect()
}

/// The TTL (s) of the one entry of namespace `ns`.
fn entry_ttl(server: &RedisServer, ns: &str) -> i64 {
    let key = l1_keys(server, ns).pop().expect("an entry");
    redis::cmd("TTL")
        .arg(&key)
        .query(&mut server.conn())
        .unwrap()
}

#[test]
fn the_seed_story_misses_hits_and_misses_again_after_each_kind_of_invalidation() {
    let server = RedisServer::start();
    let stub = Stub::start();
    let gw = Serve::gateway(&server, &stub.url(), &["--anonymous-scope", "doc:*"]);
    let t = token(&server, "app", "default");
    let ask = |dep: &str| chat(&gw, &t, "Summarise contract #123", &["--dep", dep]);

    let first = ask("doc:contract-123:v1");
    assert_eq!(first["x_cache"], "MISS");
    assert_eq!(stub.calls(), 1);
    let second = ask("doc:contract-123:v1");
    assert_eq!(second["x_cache"], "HIT_L1");
    assert_eq!(
        second["content"], first["content"],
        "the cached answer is the answer"
    );
    assert_eq!(stub.calls(), 1);
    // The client's credential never reached the upstream; the operator's key did.
    for h in stub.seen()["headers"].as_array().unwrap() {
        assert_eq!(h, &json!({"authorization": "Bearer sk-upstream-secret"}));
    }

    run(
        &server,
        &["invalidate", "doc:contract-123", "--new-hash", "v2"],
    );
    assert_eq!(ask("doc:contract-123:v1")["x_cache"], "MISS");
    assert_eq!(stub.calls(), 2);
    // The application moves to v2: cached again, then served.
    assert_eq!(ask("doc:contract-123:v2")["x_cache"], "MISS");
    assert_eq!(ask("doc:contract-123:v2")["x_cache"], "HIT_L1");
    assert_eq!(stub.calls(), 3);

    // The same through the product's cc.invalidate, on the gateway's own listener.
    let r = client(&["invalidate", &gw.url(""), "doc:contract-123", "v3"]);
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(ask("doc:contract-123:v2")["x_cache"], "MISS");
    assert_eq!(stub.calls(), 4);

    // A policy roll refuses every entry of the namespace.
    assert_eq!(ask("doc:contract-123:v3")["x_cache"], "MISS");
    assert_eq!(ask("doc:contract-123:v3")["x_cache"], "HIT_L1");
    let rolled = run(&server, &["policy", "roll", "--namespace", "default"]);
    assert_eq!(rolled.code, 0, "{}", rolled.stderr);
    let after = ask("doc:contract-123:v3");
    assert_eq!(after["x_cache"], "MISS", "{after}");
    assert_eq!(stub.calls(), 6);
    // That miss recorded the new policy version: served again.
    assert_eq!(ask("doc:contract-123:v3")["x_cache"], "HIT_L1");

    // Counted by tier and refusal reason, and one log line per request without a secret.
    let metrics = String::from_utf8(
        Command::new("curl")
            .args(["-s", &gw.url("/metrics")])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for line in [
        "cachecore_gateway_hits_total{tier=\"HIT_L1\"} 4",
        "cachecore_gateway_misses_total 6",
        "cachecore_gateway_refusals_total{reason=\"dep_changed\"} 1",
        "cachecore_gateway_entries_written_total 4",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in {metrics}");
    }
    let chats: Vec<String> = gw
        .log_lines()
        .into_iter()
        .filter(|l| l.contains(r#""event":"chat""#))
        .collect();
    assert_eq!(chats.len(), 10, "{chats:?}");
    for l in &chats {
        assert!(
            !l.contains(&t) && !l.contains("Summarise") && !l.contains("sk-upstream"),
            "{l}"
        );
        assert!(
            l.contains(r#""namespace":"default""#) && l.contains(r#""deps":1"#),
            "{l}"
        );
    }
}

#[test]
fn the_gateway_caches_under_the_key_cachecore_key_names_and_namespaces_never_share() {
    let server = RedisServer::start();
    let stub = Stub::start();
    let gw = Serve::gateway(&server, &stub.url(), &[]);
    let (a, b) = (
        token(&server, "a", "tenant-a"),
        token(&server, "b", "tenant-b"),
    );
    // Key order and whitespace differ; the canonical JSON does not.
    let bodies = [
        r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#,
        r#"{ "messages" : [ {"content":"hi", "role":"user"} ], "model" : "m" }"#,
    ];
    let post = |t: &str, body: &str| {
        let out = Command::new("curl")
            .args([
                "-s",
                "-D",
                "-",
                "-o",
                "/dev/null",
                "-X",
                "POST",
                &gw.url("/v1/chat/completions"),
            ])
            .args([
                "-H",
                &format!("X-Cachecore-Token: {t}"),
                "--data-binary",
                body,
            ])
            .output()
            .unwrap();
        let head = String::from_utf8_lossy(&out.stdout).to_lowercase();
        head.lines()
            .find_map(|l| l.strip_prefix("x-cache: ").map(|v| v.trim().to_uppercase()))
            .unwrap_or_default()
    };
    assert_eq!(post(&a, bodies[0]), "MISS");
    assert_eq!(post(&a, bodies[1]), "HIT_L1");
    assert_eq!(
        post(&b, bodies[0]),
        "MISS",
        "another namespace never sees a's entry"
    );
    assert_eq!(stub.calls(), 2);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bodies[1]).unwrap();
    let named = run(
        &server,
        &[
            "key",
            "--namespace",
            "tenant-a",
            file.path().to_str().unwrap(),
        ],
    );
    assert_eq!(
        l1_keys(&server, "tenant-a"),
        vec![named.stdout.trim().to_string()]
    );
    assert_eq!(l1_keys(&server, "tenant-b").len(), 1);
}

#[test]
fn fifty_identical_misses_over_two_replicas_make_one_upstream_call() {
    let (_server, stub, one, two, t) = two_replicas();
    let urls = format!("{},{}", one.url(""), two.url(""));
    let answers = client(&["many", &urls, &t, "SLOW 300", "50", "--dep", "doc:1:v1"]);
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 50);
    assert_eq!(stub.calls(), 1, "one upstream call for 50 identical misses");
    assert!(
        answers
            .iter()
            .all(|a| a["content"] == answers[0]["content"])
    );
    let misses = answers.iter().filter(|a| a["x_cache"] == "MISS").count();
    assert_eq!(misses, 1, "{answers:?}");
}

#[test]
fn an_invalidation_landing_mid_request_keeps_that_answer_out_of_the_cache() {
    let server = RedisServer::start();
    let stub = Stub::start();
    let gw = Serve::gateway(&server, &stub.url(), &[]);
    let t = token(&server, "app", "default");
    let (gw_url, t2) = (gw.url(""), t.clone());
    let slow = std::thread::spawn(move || {
        client(&["chat", &gw_url, &t2, "SLOW 1500", "--dep", "doc:9:v1"])
    });
    // Wait until the request is at the upstream, then invalidate.
    let deadline = Instant::now() + Duration::from_secs(20);
    while stub.calls() == 0 {
        assert!(
            Instant::now() < deadline,
            "the request never reached the upstream"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let done = run(&server, &["invalidate", "doc:9", "--new-hash", "v2"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(slow.join().unwrap()["x_cache"], "MISS");
    // The write was refused: nothing stored, nothing tracked.
    assert!(
        l1_keys(&server, "default").is_empty(),
        "the answer was cached"
    );
    let again = chat(&gw, &t, "SLOW 1500", &["--dep", "doc:9:v1"]);
    assert_eq!(again["x_cache"], "MISS");
}

#[test]
fn streams_are_replayed_and_errors_and_cut_streams_never_cached() {
    let server = RedisServer::start();
    let stub = Stub::start();
    let gw = Serve::gateway(&server, &stub.url(), &[]);
    let t = token(&server, "app", "default");
    let first = chat(&gw, &t, "tell me a story", &["--stream"]);
    assert_eq!(first["x_cache"], "MISS");
    // The entry is written once the stream ended: poll for it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while l1_keys(&server, "default").is_empty() {
        assert!(Instant::now() < deadline, "the stream was not cached");
        std::thread::sleep(Duration::from_millis(20));
    }
    let replay = chat(&gw, &t, "tell me a story", &["--stream"]);
    assert_eq!(replay["x_cache"], "HIT_L1");
    assert_eq!(replay["content"], first["content"]);
    assert_eq!(stub.calls(), 1);

    let url = gw.url("");
    let failed = Command::new(super::sdk::python())
        .arg(root().join("tests/python/gateway_client.py"))
        .args(["chat", &url, &t, "ERROR500"])
        .output()
        .unwrap();
    assert!(!failed.status.success(), "the SDK sees the upstream's 500");
    assert!(String::from_utf8_lossy(&failed.stderr).contains("stub failure"));
    let _ = Command::new(super::sdk::python())
        .arg(root().join("tests/python/gateway_client.py"))
        .args(["chat", &url, &t, "CUT", "--stream"])
        .output()
        .unwrap();
    // A stream that ends cleanly but early (no finish_reason, no [DONE]).
    let early = chat(&gw, &t, "TRUNC", &["--stream"]);
    assert_eq!(early["x_cache"], "MISS");
    let calls = stub.calls();
    for cut in ["CUT", "TRUNC"] {
        let _ = Command::new(super::sdk::python())
            .arg(root().join("tests/python/gateway_client.py"))
            .args(["chat", &url, &t, cut, "--stream"])
            .output()
            .unwrap();
    }
    assert_eq!(
        stub.calls(),
        calls + 2,
        "cut and early-ended streams are asked again"
    );
    assert_eq!(
        l1_keys(&server, "default").len(),
        1,
        "only the complete stream is cached"
    );
}

#[test]
fn a_stale_entry_is_served_while_one_refresh_runs() {
    let server = RedisServer::start();
    let stub = Stub::start();
    let gw = Serve::gateway(
        &server,
        &stub.url(),
        &["--fresh-ttl", "3s", "--stale-window", "60s"],
    );
    let t = token(&server, "app", "default");
    // The refresh takes 1.5 s upstream: stale hits meanwhile must not start more.
    let ask = "SLOW 1500";
    assert_eq!(chat(&gw, &t, ask, &[])["x_cache"], "MISS");
    let key = l1_keys(&server, "default").pop().unwrap();
    let ttl: i64 = redis::cmd("TTL")
        .arg(&key)
        .query(&mut server.conn())
        .unwrap();
    assert!((58..=63).contains(&ttl), "the TTL is fresh + stale: {ttl}");
    std::thread::sleep(Duration::from_millis(3100));
    let url = gw.url("");
    let stale = client(&["many", &url, &t, ask, "3"]);
    for s in stale.as_array().unwrap() {
        assert_eq!(s["x_cache"], "HIT_L1_STALE", "{stale}");
    }
    // The background refresh makes one upstream call and a fresh entry.
    let deadline = Instant::now() + Duration::from_secs(10);
    while stub.calls() < 2 {
        assert!(Instant::now() < deadline, "no refresh ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let a = chat(&gw, &t, ask, &[]);
        if a["x_cache"] == "HIT_L1" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the refresh was not written: {a}"
        );
    }
    assert_eq!(stub.calls(), 2, "one refresh, not one per stale hit");
}

#[test]
fn with_redis_killed_answers_keep_coming_uncached() {
    let mut server = RedisServer::start();
    let stub = Stub::start();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("jwt-secret");
    std::fs::write(&secret, "a-secret-of-the-product-gateway-0123456789\n").unwrap();
    let secret = secret.to_str().unwrap();
    let gw = Serve::gateway(
        &server,
        &stub.url(),
        &["--jwt-secret-file", secret, "--jwt-scope", "doc:*"],
    );
    let t = token(&server, "app", "default");
    // A JWT needs no Redis to verify: its requests reach the lookup, which must fail open.
    let jwt = super::sdk::sdk(&["mint", secret, "acme", "600"]);
    assert_eq!(chat(&gw, &t, "hello", &[])["x_cache"], "MISS");
    assert_eq!(
        chat(&gw, &jwt, "hello", &[])["x_cache"],
        "MISS",
        "acme is another namespace"
    );
    assert_eq!(
        l1_keys(&server, "acme").len(),
        1,
        "a JWT caches in its tenant_id"
    );
    server.kill();
    for credential in [&t, &jwt, &t, &jwt] {
        let a = chat(&gw, credential, "hello", &[]);
        assert_eq!(a["x_cache"], "BYPASS", "{a}");
    }
    let (status, _) = gw.get("/readyz", None);
    assert_eq!(status, 503);
    assert!(
        gw.log_lines()
            .iter()
            .any(|l| l.contains("gateway_redis_unavailable"))
    );
}

#[test]
fn the_sdks_bypass_and_a_bad_token_header() {
    let server = RedisServer::start();
    let stub = Stub::start();
    let gw = Serve::gateway(&server, &stub.url(), &[]);
    let t = token(&server, "app", "default");
    let a = chat(&gw, &t, "hello", &["--bypass"]);
    assert_eq!(a["x_cache"], "BYPASS");
    assert!(l1_keys(&server, "default").is_empty());
    let (status, body) = curl(&[
        "-X".into(),
        "POST".into(),
        gw.url("/v1/chat/completions"),
        "-H".into(),
        "X-Cachecore-Token: cc_live_nope".into(),
        "-d".into(),
        "{}".into(),
    ]);
    assert_eq!(status, 401, "{body}");
    // A token that does not verify is a 401 before any other refusal, whatever else is
    // wrong with the request (the chat lookup reads the token in its own step, so the
    // paths that never reach it must check it first).
    for (headers, body) in [
        (
            &["X-Cachecore-Token: cc_live_nope", "X-Cachecore-Deps: %%%"][..],
            "{}",
        ),
        (&["X-Cachecore-Token: cc_live_nope"][..], "not json"),
    ] {
        let (status, answer) = gw.post_with("/v1/chat/completions", headers, body);
        assert_eq!(status, 401, "{headers:?} {body}: {answer}");
    }
    let (status, models) = gw.get("/v1/models", Some("cc_live_nope"));
    assert_eq!(status, 401, "{models}");
    let (status, body) = curl(&[
        "-X".into(),
        "POST".into(),
        gw.url("/v1/chat/completions"),
        "-H".into(),
        format!("X-Cachecore-Token: {t}"),
        "-H".into(),
        "X-Cachecore-Deps: %%%".into(),
        "-d".into(),
        "{}".into(),
    ]);
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("X-Cachecore-Deps")
    );
    assert_eq!(stub.calls(), 1, "nothing forwarded for a 401 or a 400");
    // Other /v1/ routes are forwarded, uncached.
    let (status, models) = gw.get("/v1/models", Some("sk-the-clients-own"));
    assert_eq!(status, 200, "{models}");
    assert_eq!(models["data"][0]["id"], "stub-model");
}

#[test]
fn a_token_carries_its_own_windows() {
    let server = RedisServer::start();
    let stub = Stub::start();
    let gw = Serve::gateway(&server, &stub.url(), &[]);
    // Refused windows store nothing.
    for bad in [
        ["--fresh-ttl", "1.5s"],
        ["--stale-window", "0"],
        ["--fresh-ttl", "400d"],
    ] {
        let mut args = vec!["token", "create", "bad", "--namespace", "win"];
        args.extend(bad);
        let r = run(&server, &args);
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
        assert!(r.stderr.contains(bad[0]), "names the flag: {}", r.stderr);
    }
    let created = run(
        &server,
        &[
            "--json",
            "token",
            "create",
            "short",
            "--namespace",
            "win",
            "--fresh-ttl",
            "2s",
            "--stale-window",
            "30s",
        ],
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    let short = created.json()["token"].as_str().unwrap().to_string();
    let plain = token(&server, "plain", "default");
    let listed = run(&server, &["--json", "token", "list"]).json();
    let rows = listed["tokens"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{listed}");
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap().clone();
    assert_eq!(row("short")["fresh_ttl_secs"], 2);
    assert_eq!(row("short")["stale_window_secs"], 30);
    assert_eq!(row("short")["namespace"], "win");
    assert!(row("plain")["fresh_ttl_secs"].is_null());

    assert_eq!(chat(&gw, &short, "hello", &[])["x_cache"], "MISS");
    // Read as soon as the write (after the answer) is there: a loaded machine takes
    // seconds to start the next client.
    let deadline = Instant::now() + Duration::from_secs(10);
    while l1_keys(&server, "win").is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let ttl = entry_ttl(&server, "win");
    assert!((29..=32).contains(&ttl), "the token's fresh + stale: {ttl}");
    assert_eq!(chat(&gw, &plain, "hello", &[])["x_cache"], "MISS");
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(chat(&gw, &short, "hello", &[])["x_cache"], "HIT_L1_STALE");
    // The gateway's own windows for a token without any.
    assert_eq!(chat(&gw, &plain, "hello", &[])["x_cache"], "HIT_L1");
}

#[test]
fn a_jwt_carries_its_own_windows() {
    let server = RedisServer::start();
    let stub = Stub::start();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("jwt-secret");
    std::fs::write(&secret, "a-secret-of-the-product-gateway-0123456789\n").unwrap();
    let secret = secret.to_str().unwrap();
    let gw = Serve::gateway(
        &server,
        &stub.url(),
        &["--jwt-secret-file", secret, "--jwt-scope", "doc:*"],
    );
    let claims = r#"{"fresh_ttl_secs": 2, "stale_window_secs": 30}"#;
    let jwt = client(&["mint", secret, "acme", "600", claims])["jwt"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(chat(&gw, &jwt, "hello", &[])["x_cache"], "MISS");
    let ttl = entry_ttl(&server, "acme");
    assert!((29..=32).contains(&ttl), "the JWT's fresh + stale: {ttl}");
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(chat(&gw, &jwt, "hello", &[])["x_cache"], "HIT_L1_STALE");
}

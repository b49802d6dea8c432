//! `serve`'s credentials and the product's request forms (issue 24), driven by curl: the
//! credential order, anonymous callers and their limits, the JWT flags, the policy dep on
//! `/v1/invalidate`, and `serve --help` checked against what the server accepts.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::fixture::{self, with};
use crate::support::serve::{Serve, token};
use crate::support::{RedisServer, cachecore_cmd, finish, get, run, snapshot};

/// `serve` with `args` that must refuse to start: its exit code and stderr. One that
/// starts instead is killed after a while and reported, rather than waited for forever.
fn refused_start(server: &RedisServer, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = cachecore_cmd(&server.url);
    cmd.arg("serve").args(args).env_remove("CACHECORE_LISTEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "serve {args:?} started instead of refusing: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = finish(child.wait_with_output().unwrap());
    (r.code, r.stderr)
}

#[test]
fn the_token_header_is_the_credential_when_present_and_never_falls_back() {
    let server = RedisServer::start();
    let good = token(&server, "app", &["doc:*"]);
    let serve = Serve::start(&server, &["--anonymous-scope", "doc:*"]);
    let mut conn = server.conn();
    let unknown = format!("cc_live_{}", "0".repeat(64));
    let body = |h: &str| format!(r#"{{"dep_id": "doc:1", "new_hash": "{h}"}}"#);
    let before = snapshot(&mut conn);
    let refused: Vec<(Vec<String>, &str)> = vec![
        // A bad X-Cachecore-Token with a good bearer: 401, no fall-back.
        (
            vec![
                format!("X-Cachecore-Token: {unknown}"),
                format!("Authorization: Bearer {good}"),
            ],
            "unknown_token",
        ),
        // Empty (curl's `Name;` sends it without a value), or given twice.
        (vec!["X-Cachecore-Token;".into()], "unknown_token"),
        (
            vec![
                format!("X-Cachecore-Token: {good}"),
                format!("X-Cachecore-Token: {good}"),
            ],
            "unknown_token",
        ),
        // A credential that does not verify is never taken for an anonymous call.
        (
            vec!["Authorization: Bearer garbage".into()],
            "unknown_token",
        ),
        (
            vec!["Authorization: Basic Zm9vOmJhcg==".into()],
            "missing_token",
        ),
        (vec![format!("X-Cachecore-Token: {good}x")], "unknown_token"),
    ];
    for (headers, error) in &refused {
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        let (s, v) = serve.post_with("/v1/invalidate", &h, &body("v9"));
        assert_eq!(
            (s, v["error"].as_str()),
            (401, Some(*error)),
            "{headers:?}: {v}"
        );
        assert_eq!(snapshot(&mut conn), before, "{headers:?} changed Redis");
    }
    // Header names are case-insensitive; the token header wins over a bad bearer.
    for (i, headers) in [
        vec![format!("x-cachecore-token: {good}")],
        vec![
            format!("X-CACHECORE-TOKEN: {good}"),
            "Authorization: Bearer ignored".into(),
        ],
    ]
    .iter()
    .enumerate()
    {
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        let hash = format!("t{i}");
        let (s, v) = serve.post_with("/v1/invalidate", &h, &body(&hash));
        assert_eq!(s, 200, "{headers:?}: {v}");
        assert_eq!(get(&mut conn, "cc:dep:hash:doc:1"), Some(hash));
    }
    let logs = serve.log_lines().join("\n");
    assert!(logs.contains(r#""auth":"token""#), "{logs}");
    assert!(
        logs.contains(r#""auth_failure":"several_token_headers""#),
        "{logs}"
    );
    assert!(!logs.contains(&good[8..]), "a token in the logs");
    // No credential at all: the anonymous scopes.
    let (s, v) = serve.post_with("/v1/invalidate", &[], &body("anon"));
    assert_eq!((s, v["ok"].as_bool()), (200, Some(true)), "{v}");
}

#[test]
fn anonymous_callers_need_a_loopback_listener_or_an_acknowledgement() {
    let server = RedisServer::start();
    let (code, err) = refused_start(
        &server,
        &["--listen", "0.0.0.0:0", "--anonymous-scope", "doc:*"],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("--anonymous-on-public-listener") && err.contains("doc:*"),
        "{err}"
    );
    let (code, err) = refused_start(&server, &["--anonymous-on-public-listener"], &[]);
    assert_eq!(code, 2, "{err}");
    // Acknowledged: it starts (and is only ever called on loopback here).
    let mut child = cachecore_cmd(&server.url)
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--anonymous-scope",
            "doc:*",
        ])
        .arg("--anonymous-on-public-listener")
        .env_remove("CACHECORE_LISTEN")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["event"], "listening", "{line}");
    assert_eq!(v["anonymous"]["scopes"], json!(["doc:*"]), "{line}");
}

/// Statuses of `n` anonymous POSTs sent at once by one curl (one client address).
fn parallel_posts(serve: &Serve, n: usize, body: &str) -> Vec<u16> {
    let mut args: Vec<String> = vec![
        "-s".into(),
        "--parallel".into(),
        "--parallel-max".into(),
        n.to_string(),
    ];
    for i in 0..n {
        if i > 0 {
            // Each request its own options (`-d` would otherwise add up).
            args.extend(["--next".into(), "-s".into()]);
        }
        args.extend([
            "-o".into(),
            "/dev/null".into(),
            "-w".into(),
            "%{http_code}\\n".into(),
            "-d".into(),
            body.into(),
            serve.url("/v1/invalidate"),
        ]);
    }
    let out = Command::new("curl").args(&args).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

#[test]
fn anonymous_requests_have_a_bucket_per_address_apart_from_tokens() {
    let server = RedisServer::start();
    let tok = token(&server, "app", &["doc:*"]);
    let serve = Serve::start(
        &server,
        &["--anonymous-scope", "doc:*", "--anonymous-rate-limit", "2"],
    );
    let started = Instant::now();
    let statuses = parallel_posts(&serve, 20, r#"{"dep_id": "doc:1"}"#);
    let refills = (started.elapsed().as_secs_f64() * 2.0).ceil() as usize;
    assert_eq!(statuses.len(), 20, "{statuses:?}");
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(ok + limited, 20, "{statuses:?}");
    assert!(
        (2..=2 + refills).contains(&ok),
        "{refills} refills: {statuses:?}"
    );
    // Right after, the same address with a token is not limited by the anonymous bucket.
    let (s, v) = serve.post("/v1/invalidate", Some(&tok), r#"{"dep_id": "doc:2"}"#);
    assert_eq!(s, 200, "{v}");
    let (s, v) = serve.post("/v1/invalidate", None, r#"{"dep_id": "doc:3"}"#);
    if s == 429 {
        assert_eq!(v["error"], "rate_limited");
        let message = v["message"].as_str().unwrap();
        assert!(message.contains("--anonymous-rate-limit"), "{message}");
    }
    let text = serve.metrics();
    let line = format!(
        r#"cachecore_anonymous_requests_total{{outcome="rate_limited"}} {}"#,
        limited + usize::from(s == 429)
    );
    assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
}

#[test]
fn jwt_settings_are_checked_at_start_and_never_print_the_secret() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short");
    std::fs::write(&short, "tiny-secret-31-bytes-long-xxxxx").unwrap();
    let long = "l".repeat(48);
    let short_path = short.to_str().unwrap();
    for (args, env, needle) in [
        (
            vec!["--jwt-secret-file", short_path, "--jwt-scope", "doc:*"],
            vec![],
            "at least 32",
        ),
        (
            vec![],
            vec![("CACHECORE_JWT_SECRET", long.as_str())],
            "--jwt-scope",
        ),
        (vec!["--jwt-scope", "doc:*"], vec![], "--jwt-secret-file"),
        (
            vec!["--jwt-secret-file", short_path, "--jwt-scope", "doc:*"],
            vec![("CACHECORE_JWT_SECRET", long.as_str())],
            "once",
        ),
        // The secret is never a flag value (the process list shows those).
        (vec!["--jwt-secret", long.as_str()], vec![], "--jwt-secret"),
    ] {
        let mut all = vec!["--listen", "127.0.0.1:0"];
        all.extend(&args);
        let (code, err) = refused_start(&server, &all, &env);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(
            !err.contains("tiny-secret") && !err.contains(&long[..20]),
            "{err}"
        );
    }
    // Without --jwt-scope a JWT is just a credential that does not verify.
    let serve = Serve::start(&server, &[]);
    let jwt = cachecore::service::serve::jwt::sign(
        long.as_bytes(),
        &json!({"tenant_id": "acme", "exp": 4_000_000_000u64}),
    );
    let (s, v) = serve.post("/v1/invalidate", Some(&jwt), r#"{"dep_id": "doc:1"}"#);
    assert_eq!(
        (s, v["error"].as_str()),
        (401, Some("unknown_token")),
        "{v}"
    );
    let logs = serve.log_lines().join("\n");
    assert!(
        logs.contains(r#""auth_failure":"jwt_not_configured""#),
        "{logs}"
    );
}

#[test]
fn a_policy_dep_on_invalidate_rolls_with_the_rules_of_the_roll_route() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 5, &[with("doc:1", "v1")], None, Some(600));
    let one = token(&server, "one", &["policy:shop", "doc:*"]);
    let two = token(&server, "two", &["policy:shop", "policy:blog"]);
    let glob = token(&server, "glob", &["policy:*"]);
    let serve = Serve::start(&server, &[]);
    let key = |ns: &str| format!("cc:dep:hash:cc:policy-version:{ns}");
    // The bare form names the caller's one namespace.
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&one),
        r#"{"dep_id": "cc:policy-version", "new_hash": "v2", "reason": "prompt change"}"#,
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["ok"].as_bool(),
            v["dep_id"].as_str(),
            v["keys_deleted"].as_u64()
        ),
        (Some(true), Some("cc:policy-version:shop"), Some(0))
    );
    assert_eq!(
        (v["old_version"].as_str(), v["new_version"].as_str()),
        (Some("1"), Some("v2"))
    );
    assert_eq!(get(&mut conn, &key("shop")).as_deref(), Some("v2"));
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&glob),
        r#"{"dep_id": "cc:policy-version:blog", "new_hash": "3"}"#,
    );
    assert_eq!((s, v["new_version"].as_str()), (200, Some("3")), "{v}");
    // Without new_hash: the next number, as `policy roll` without --to.
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&two),
        r#"{"dep_id": "cc:policy-version:blog"}"#,
    );
    assert_eq!((s, v["new_version"].as_str()), (200, Some("4")), "{v}");
    let audit = run(&server, &["--json", "audit", "--limit", "5"]).stdout;
    assert!(audit.contains(r#""user":"token:one""#), "{audit}");
    assert!(audit.contains("prompt change"), "{audit}");
}

#[test]
fn a_policy_dep_on_invalidate_is_refused_as_the_roll_route_refuses() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let one = token(&server, "one", &["policy:shop", "doc:*"]);
    let two = token(&server, "two", &["policy:shop", "policy:blog"]);
    let glob = token(&server, "glob", &["policy:*"]);
    let none = token(&server, "none", &["doc:*"]);
    let serve = Serve::start(&server, &[]);
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&one),
        r#"{"dep_id": "cc:policy-version:shop", "new_hash": "v2"}"#,
    );
    assert_eq!(s, 200, "{v}");
    // The token's last use is recorded after the answer, in a task of its own: wait for
    // it, or it may land between the snapshots below.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let used: Option<String> = redis::cmd("HGET")
            .arg("cc:token:{cc-tokens}:name:one")
            .arg("last_used_ms")
            .query(&mut conn)
            .unwrap();
        if used.is_some_and(|u| u != "0") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the token's use was never recorded"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let before = snapshot(&mut conn);
    for (tok, body, status, field) in [
        // Never back to an earlier version.
        (
            &one,
            r#"{"dep_id": "cc:policy-version:shop", "new_hash": "1"}"#,
            409,
            "new_hash",
        ),
        (
            &one,
            r#"{"dep_id": "cc:policy-version:blog", "new_hash": "9"}"#,
            403,
            "dep_id",
        ),
        (
            &two,
            r#"{"dep_id": "cc:policy-version", "new_hash": "9"}"#,
            400,
            "dep_id",
        ),
        (
            &glob,
            r#"{"dep_id": "cc:policy-version", "new_hash": "9"}"#,
            400,
            "dep_id",
        ),
        (
            &none,
            r#"{"dep_id": "cc:policy-version", "new_hash": "9"}"#,
            403,
            "dep_id",
        ),
        (
            &one,
            r#"{"dep_id": "cc:policy-version:sh op", "new_hash": "9"}"#,
            400,
            "dep_id",
        ),
        (
            &one,
            r#"{"dep_id": "cc:policy-version", "new_hash": "9", "if_hash": "v2"}"#,
            400,
            "if_hash",
        ),
        (
            &one,
            r#"{"dep_id": "cc:policy-version", "soft": true}"#,
            400,
            "soft",
        ),
        (
            &one,
            r#"{"dep_ids": ["cc:policy-version:shop"], "new_hash": "9"}"#,
            400,
            "dep_ids[0]",
        ),
    ] {
        let path = if body.contains("dep_ids") {
            "/v1/invalidate_many"
        } else {
            "/v1/invalidate"
        };
        let (s, v) = serve.post(path, Some(tok), body);
        assert_eq!(
            (s, v["field"].as_str()),
            (status, Some(field)),
            "{body}: {v}"
        );
        if status == 400 && field == "dep_id" && !body.contains("sh op") {
            let message = v["message"].as_str().unwrap();
            assert!(message.contains("cc:policy-version:NS"), "{message}");
        }
        assert_eq!(snapshot(&mut conn), before, "{body} changed Redis");
    }
}

/// The fields of `serve --help`'s line for `route`: (name, optional).
fn help_fields(help: &str, route: &str) -> Vec<(String, bool)> {
    let line = help
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("POST {route} ")))
        .unwrap_or_else(|| panic!("no {route} in serve --help"));
    let body = &line[line.find('{').unwrap() + 1..line.find('}').unwrap()];
    body.split(", ")
        .map(|f| {
            let name = f.split('"').nth(1).unwrap().to_string();
            (name, f.trim_end().ends_with('?'))
        })
        .collect()
}

/// Item 8: every field `serve --help` marks optional (`?`) may be omitted, every other one
/// may not, and every field it names is accepted.
#[test]
fn serve_help_and_the_server_agree_on_which_fields_are_optional() {
    let server = RedisServer::start();
    let tok = token(&server, "ci", &["doc:*"]);
    let serve = Serve::start(&server, &["--rate-limit", "1000"]);
    let help = run(&server, &["serve", "--help"]).stdout;
    let mut conn = server.conn();
    let mut n = 0;
    for route in ["/v1/invalidate", "/v1/invalidate_many"] {
        let fields = help_fields(&help, route);
        assert!(fields.len() >= 3, "{route}: {fields:?}");
        assert!(
            fields
                .iter()
                .any(|(f, optional)| f == "new_hash" && *optional),
            "{route}: {fields:?}"
        );
        // Every subset the help allows: all fields, and all but each one in turn.
        let mut bodies = vec![None];
        bodies.extend(fields.iter().map(|f| Some(f.0.clone())));
        for omitted in bodies {
            n += 1;
            let current = get(&mut conn, "cc:dep:hash:doc:help").unwrap_or_default();
            let mut body = serde_json::Map::new();
            for (name, _) in &fields {
                if Some(name) == omitted.as_ref() {
                    continue;
                }
                let value = match name.as_str() {
                    "dep_id" => json!("doc:help"),
                    "dep_ids" => json!(["doc:help"]),
                    "new_hash" => json!(format!("h{n}")),
                    "if_hash" if current.is_empty() => continue,
                    "if_hash" => json!(current),
                    "soft" => json!(false),
                    "reason" => json!("help check"),
                    other => panic!("serve --help names {other}: give this test a value for it"),
                };
                body.insert(name.clone(), value);
            }
            let (s, v) = serve.post(route, Some(&tok), &Value::Object(body).to_string());
            let optional = omitted
                .as_ref()
                .is_none_or(|o| fields.iter().any(|(f, opt)| f == o && *opt));
            if optional {
                assert_eq!(s, 200, "{route} without {omitted:?}: {v}");
            } else {
                assert_eq!(
                    (s, v["field"].as_str()),
                    (400, omitted.as_deref()),
                    "{route} without the required {omitted:?}: {v}"
                );
            }
        }
    }
}

#[test]
fn anonymous_scopes_are_the_whole_grant() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 5, &[with("table:x", "v1")], None, Some(600));
    // A stored token may be named `anonymous`: anonymous calls are not its uses.
    token(&server, "anonymous", &["doc:*"]);
    let real = token(&server, "real", &["doc:*"]);
    let serve = Serve::start(&server, &["--anonymous-scope", "doc:*"]);
    assert_eq!(
        serve
            .post("/v1/invalidate", None, r#"{"dep_id": "doc:1"}"#)
            .0,
        200
    );
    assert_eq!(
        serve
            .post("/v1/invalidate", Some(&real), r#"{"dep_id": "doc:2"}"#)
            .0,
        200
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let used = |name: &str| -> Value {
        let listed = run(&server, &["--json", "token", "list"]).json();
        let row = listed["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name);
        row.unwrap()["last_used_ms"].clone()
    };
    while used("real").is_null() {
        assert!(
            Instant::now() < deadline,
            "the real token's use is never stamped"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        used("anonymous"),
        Value::Null,
        "an anonymous call stamped a token"
    );
    let before = snapshot(&mut conn);
    for (path, body, status) in [
        ("/v1/invalidate", r#"{"dep_id": "table:x"}"#, 403),
        (
            "/v1/invalidate",
            r#"{"dep_id": "cc:policy-version:default", "new_hash": "2"}"#,
            403,
        ),
        ("/v1/namespaces/default/policy/roll", "", 403),
        (
            "/v1/invalidate_many",
            r#"{"dep_ids": ["doc:1", "table:x"]}"#,
            403,
        ),
    ] {
        let (s, v) = serve.post(path, None, body);
        assert_eq!(s, status, "{path} {body}: {v}");
        let message = v["message"].as_str().unwrap();
        assert!(message.contains("anonymous caller"), "{message}");
        assert_eq!(snapshot(&mut conn), before);
    }
    // Counted before the answer goes out.
    let text = serve.metrics();
    let line = r#"cachecore_anonymous_requests_total{outcome="forbidden"} 4"#;
    assert!(
        text.lines()
            .any(|l| l == r#"cachecore_anonymous_requests_total{outcome="ok"} 1"#)
    );
    assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
}

//! `serve` under hostile clients (issue 22): idle half-requests beyond the open-file limit,
//! a body trickled in, failed authentications in bulk, a URL that cannot work, and engine
//! failures that must never be answered as done.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::fixture::{self, with};
use crate::support::serve::{Serve, curl, products, token};
use crate::support::*;

/// Lets this test process hold `n` sockets: its own soft limit may be 1,024.
fn allow_open_files(n: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain struct in, plain struct out.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        assert!(
            lim.rlim_max >= n,
            "the hard limit on open files is below {n}"
        );
        lim.rlim_cur = lim.rlim_cur.max(n);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
    }
}

/// `serve` started with a soft open-file limit of `soft` and a hard limit of `hard`, as
/// systemd starts services (1,024 soft, far more hard).
fn serve_with_file_limit(server: &RedisServer, soft: u64, hard: u64, extra: &[&str]) -> Serve {
    Serve::start_with(server, extra, |cmd: &mut Command| {
        // SAFETY: setrlimit is async-signal-safe, as pre_exec requires.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: soft,
                    rlim_max: hard,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    })
}

/// `n` connections that each send half a request head and then nothing.
fn half_requests(addr: &str, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.write_all(b"POST /v1/invalidate HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            s
        })
        .collect()
}

/// Whether the server closed `s` (EOF or reset), without waiting.
fn closed_by_server(s: &mut TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// curl with a hard time limit of one second: (status, body).
fn within_a_second(args: &[&str]) -> (u16, Value) {
    let started = Instant::now();
    let mut all: Vec<String> = vec!["--max-time".into(), "1".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    let answer = curl(&all);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "curl {args:?} took {:?}",
        started.elapsed()
    );
    answer
}

fn metric(serve: &Serve, name: &str) -> u64 {
    let text = serve.metrics();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
}

fn honest_clients_are_answered(serve: &Serve, server: &RedisServer, tok: &str) {
    let (s, v) = within_a_second(&[&serve.url("/healthz")]);
    assert_eq!(s, 200, "{v}");
    let (s, v) = within_a_second(&[
        "-X",
        "POST",
        &serve.url("/v1/invalidate"),
        "-H",
        &format!("Authorization: Bearer {tok}"),
        "-d",
        r#"{"dep_id": "table:products", "new_hash": "v2"}"#,
    ]);
    assert_eq!((s, v["l1_deleted"].as_u64()), (200, Some(8)), "{v}");
    let mut conn = server.conn();
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
}

#[test]
fn idle_half_requests_beyond_the_soft_file_limit_starve_no_honest_client() {
    allow_open_files(4096);
    let server = RedisServer::start();
    products(&server);
    let tok = token(&server, "cms", &["table:*"]);
    let serve = serve_with_file_limit(&server, 1024, 4096, &["--header-timeout", "3s"]);
    let mut idle = half_requests(&serve.addr, 1100);
    honest_clients_are_answered(&serve, &server, &tok);
    // Each one is closed once it has waited the header timeout for the rest of its head.
    let mut open: Vec<&mut TcpStream> = idle.iter_mut().collect();
    wait_until(
        Duration::from_secs(10),
        "the 1,100 idle connections closed",
        || {
            open.retain_mut(|s| !closed_by_server(s));
            open.is_empty()
        },
    );
    assert!(
        metric(
            &serve,
            "cachecore_http_connections_closed_total{reason=\"header_timeout\"}"
        ) >= 1100
    );
    let listening: Value = serde_json::from_str(&serve.log_lines()[0]).unwrap();
    assert_eq!(
        listening["open_files_limit"], 4096,
        "the soft limit is raised"
    );
    assert!(
        serve
            .log_lines()
            .iter()
            .any(|l| l.contains(r#""event":"connection_limits""#)
                && l.contains("closed_header_timeout")),
        "a log line says the timeout acted"
    );
}

#[test]
fn at_the_connection_limit_idle_connections_make_room_for_honest_ones() {
    allow_open_files(2048);
    let server = RedisServer::start();
    products(&server);
    let tok = token(&server, "cms", &["table:*"]);
    // The soft limit cannot be raised here: the limit itself must keep accept working.
    let serve = serve_with_file_limit(
        &server,
        1024,
        1024,
        &["--max-connections", "50", "--header-timeout", "60s"],
    );
    let _idle = half_requests(&serve.addr, 1100);
    honest_clients_are_answered(&serve, &server, &tok);
    assert!(
        metric(
            &serve,
            "cachecore_http_connections_closed_total{reason=\"evicted_at_limit\"}"
        ) >= 1000
    );
    assert_eq!(metric(&serve, "cachecore_http_accept_errors_total"), 0);
}

#[test]
fn a_body_trickled_in_is_cut_off_with_408_and_changes_nothing() {
    let server = RedisServer::start();
    products(&server);
    let tok = token(&server, "cms", &["table:*"]);
    let serve = Serve::start(&server, &["--body-timeout", "1s"]);
    let mut s = TcpStream::connect(&serve.addr).unwrap();
    let head = format!(
        "POST /v1/invalidate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nContent-Length: 60\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    while started.elapsed() < Duration::from_secs(6) {
        let _ = s.write_all(b" ");
        let mut buf = [0u8; 1024];
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("body_timeout"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let mut conn = server.conn();
    assert_eq!(get(&mut conn, "cc:dep:hash:table:products"), None);
    assert_eq!(scan_keys(&mut conn, "cc:l1:*").len(), 8);
}

#[test]
fn failed_authentications_are_limited_per_address_before_redis() {
    let server = RedisServer::start();
    let serve = Serve::start(&server, &["--auth-failure-limit", "5"]);
    let mut conn = server.conn();
    reset_command_stats(&mut conn);
    // 30 requests from one curl process (one connection, back to back), so the bucket
    // barely refills whatever the machine's load.
    let url = serve.url("/v1/invalidate");
    let mut args: Vec<&str> = vec!["-s", "-o", "/dev/null", "-w", "%{http_code}\\n"];
    args.extend(["-H", "Authorization: Bearer cc_live_not-a-token"]);
    args.extend(["-d", r#"{"dep_id": "doc:a", "new_hash": "v2"}"#]);
    for _ in 0..30 {
        args.push(&url);
    }
    let started = Instant::now();
    let out = Command::new("curl").args(&args).output().unwrap();
    // The burst of 5, then 5 a second: a loaded machine may let it refill a few times.
    let refills = (started.elapsed().as_secs_f64() * 5.0).ceil() as u64;
    let statuses: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let unauthorized = statuses.iter().filter(|s| *s == "401").count() as u64;
    let limited = statuses.iter().filter(|s| *s == "429").count() as u64;
    assert_eq!(unauthorized + limited, 30, "{statuses:?}");
    assert!(
        (5..=6 + refills).contains(&unauthorized),
        "{refills} refills: {statuses:?}"
    );
    // Only the 401s cost a token lookup: the 429s are answered before Redis.
    assert_eq!(
        command_calls(&mut conn, "hmget"),
        unauthorized,
        "{statuses:?}"
    );
    assert_eq!(
        metric(&serve, "cachecore_auth_failures_limited_total"),
        limited
    );
}

#[test]
fn a_redis_url_that_cannot_work_is_exit_2_at_start() {
    for url in [
        "redis://:pw/x@host",
        "redis://127.0.0.1:99999",
        "127.0.0.1:6379",
    ] {
        let r = cmd_url(url)
            .args(&["serve", "--listen", "127.0.0.1:0"])
            .env_remove("CACHECORE_LISTEN")
            .run();
        let err = r.expect_error_after_notes(2);
        assert!(err.contains("invalid Redis URL"), "{url}: {err}");
        assert!(
            !r.stderr.contains("pw/x"),
            "the password is never printed: {}",
            r.stderr
        );
    }
}

/// A dep set of the wrong type fails the engine: the answer is that error, never a 2xx.
#[test]
fn an_engine_failure_is_never_answered_as_done() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    set(&mut conn, "cc:dep:keys:doc:wrong", "not a set");
    let tok = token(&server, "cms", &["doc:*", "policy:*"]);
    let serve = Serve::start(&server, &[]);
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&tok),
        r#"{"dep_id": "doc:wrong", "new_hash": "v2"}"#,
    );
    assert_eq!((s, v["error"].as_str()), (500, Some("redis_error")), "{v}");
    assert!(v["state"].is_null(), "{v}");
    let (s, v) = serve.post(
        "/v1/invalidate_many",
        Some(&tok),
        r#"{"dep_ids": ["doc:fine", "doc:wrong"], "new_hash": "v3"}"#,
    );
    assert_eq!(s, 500, "one dep failed: not a 2xx: {v}");
    assert_eq!(
        (v["succeeded"].as_u64(), v["failed"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(v["results"][1]["ok"], false, "{v}");
    assert_eq!(v["results"][1]["status"], 500, "{v}");
    // The policy route: a history record of the wrong type.
    let ns = cachecore::layout::Namespace::parse("shop").unwrap();
    set(
        &mut conn,
        &cachecore::bookkeeping::policy_history_key(&ns),
        "x",
    );
    let (s, v) = serve.post("/v1/namespaces/shop/policy/roll", Some(&tok), "");
    assert!(s >= 500, "{s} {v}");
    assert_eq!(get(&mut conn, "cc:dep:hash:cc:policy-version:shop"), None);
}

/// A permission revoked while a drain runs: the hash is recorded, the entries are not
/// deleted, and the answer says so with an error status.
#[test]
fn an_acl_denial_mid_drain_is_never_answered_as_done() {
    let server = RedisServer::start_tcp(&[]);
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 400, &[with("doc:big", "v1")], None, Some(600));
    let tok = token(&server, "cms", &["doc:*"]);
    let () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("svc")
        .arg("on")
        .arg(">Acl-Pa55")
        .arg("~*")
        .arg("+@all")
        .arg("-unlink")
        .query(&mut conn)
        .unwrap();
    let url = format!("redis://127.0.0.1:{}", server.port.unwrap());
    let serve = Serve::start_url(
        &url,
        &["--user", "svc"],
        &[("CACHECORE_REDIS_PASSWORD", "Acl-Pa55")],
    );
    let (s, v) = serve.post(
        "/v1/invalidate",
        Some(&tok),
        r#"{"dep_id": "doc:big", "new_hash": "v2"}"#,
    );
    assert!(s >= 400 && s != 409, "{s} {v}");
    assert!(v["state"].is_null(), "{v}");
    let message = v["message"].as_str().unwrap_or_default();
    assert!(
        message.to_lowercase().contains("noperm") || message.contains("permission"),
        "{v}"
    );
    assert!(
        !scan_keys(&mut conn, "cc:l1:*").is_empty(),
        "the entries are still there"
    );
}

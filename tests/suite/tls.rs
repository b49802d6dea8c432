//! rediss:// against a redis-server that speaks only TLS, with certificates made per test.

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

/// Two tagged entries to invalidate over TLS.
fn tagged(server: &RedisServer) -> Vec<String> {
    let mut conn = server.conn();
    (0..2)
        .map(|i| {
            let k = fixture::key(Tier::L1, "default", i);
            fixture::write_entry(&mut conn, &k, "default", &[with("doc:1", "v1")], Some(600));
            k
        })
        .collect()
}

#[test]
fn mutual_tls_with_the_ca_and_a_client_certificate_invalidates() {
    let (server, tls) = RedisServer::start_tls("yes");
    let keys = tagged(&server);
    let r = cmd(&server)
        .args(&[
            "--tls-ca",
            &tls.path("ca.crt"),
            "--tls-cert",
            &tls.path("client.crt"),
            "--tls-key",
            &tls.path("client.key"),
            "invalidate",
            "doc:1",
            "--new-hash",
            "v2",
            "--json",
        ])
        .succeeds();
    assert_eq!(r.json()["l1_deleted"], 2);
    let mut conn = server.conn();
    assert!(keys.iter().all(|k| !exists(&mut conn, k)));
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1").as_deref(), Some("v2"));
}

#[test]
fn a_server_whose_certificate_is_not_trusted_is_refused_with_exit_3() {
    let (server, _tls) = RedisServer::start_tls("no");
    tagged(&server);
    let before = snapshot(&mut server.conn());
    // The system trust store does not know the test CA.
    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--new-hash", "v2"])
        .run();
    let err = r.expect_one_line_error(3);
    assert!(err.contains("certificate"), "{err}");
    assert!(err.contains("--tls-ca"), "{err}");
    assert_eq!(snapshot(&mut server.conn()), before, "nothing changed");
}

#[test]
fn tls_insecure_accepts_a_self_signed_server() {
    let (server, _tls) = RedisServer::start_tls("no");
    tagged(&server);
    let r = cmd(&server)
        .args(&["--tls-insecure", "deps", "inspect", "doc:1", "--json"])
        .succeeds();
    assert_eq!(r.json()["deps"][0]["members"], 2, "{}", r.stdout);
}

#[test]
fn a_server_that_requires_a_client_certificate_refuses_one_without() {
    let (server, tls) = RedisServer::start_tls("yes");
    let r = run(
        &server,
        &["--tls-ca", &tls.path("ca.crt"), "deps", "inspect", "doc:1"],
    );
    r.expect_one_line_error(3);
}

#[test]
fn tls_flags_without_a_rediss_url_are_a_usage_error() {
    let server = RedisServer::start();
    let r = cmd(&server)
        .args(&["--tls-insecure", "deps", "inspect", "doc:1"])
        .run();
    let err = r.expect_one_line_error(2);
    assert!(err.contains("rediss://"), "{err}");
    let r = run(
        &server,
        &[
            "--tls-ca",
            "/nonexistent/ca.pem",
            "deps",
            "inspect",
            "doc:1",
        ],
    );
    r.expect_one_line_error(2);
}

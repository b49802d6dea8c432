use crate::support::fixture::{self, Tier};
use crate::support::*;

#[test]
fn key_prints_the_l1_key_the_proxy_would_use() {
    let dir = tempfile::tempdir().unwrap();
    // The same request as fixture request 7, with other key order and whitespace.
    let path = dir.path().join("req.json");
    std::fs::write(&path, "{\n  \"messages\": [ {\"content\": \"question 7\", \"role\": \"user\"} ],\n  \"model\": \"gpt\"\n}\n").unwrap();
    let r = run_url("redis://127.0.0.1:1", &["key", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "needs no Redis: {r:?}");
    assert_eq!(r.stdout.trim(), fixture::key(Tier::L1, "default", 7));

    let j = run_url(
        "redis://127.0.0.1:1",
        &["key", "-n", "shop", path.to_str().unwrap(), "--json"],
    )
    .json();
    assert_eq!(j["key"], fixture::key(Tier::L1, "shop", 7));
    assert_eq!(j["namespace"], "shop");
    assert_eq!(j["fingerprint"].as_str().unwrap().len(), 64);
}

#[test]
fn bad_requests_are_exit_2_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, "{\n  \"model\": \"m\",\n  \"messages\": [1 2]\n}").unwrap();
    let r = run_url("redis://127.0.0.1:1", &["key", path.to_str().unwrap()]);
    let line = r.expect_one_line_error(2);
    assert!(
        line.contains("line 3 column 18"),
        "points at the 2 in [1 2]: {line}"
    );
    run_url("redis://127.0.0.1:1", &["key", "/nonexistent.json"]).expect_one_line_error(2);
    run_url(
        "redis://127.0.0.1:1",
        &["key", "-n", "a:b", path.to_str().unwrap()],
    )
    .expect_one_line_error(2);
}

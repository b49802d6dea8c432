//! Small things that made output look unfinished (issue 26 item 9), each pinned.

use crate::support::fixture::{self, with};
use crate::support::*;

#[test]
fn top_1_is_the_first_row_of_top_10_among_ties() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for (i, dep) in ["table:c", "table:a", "table:b"].iter().enumerate() {
        fixture::write_many(
            &mut conn,
            100 * i as u64,
            4,
            &[with(dep, "v1")],
            None,
            Some(600),
        );
    }
    let first = |n: &str| {
        run(&server, &["deps", "list", "--top", n, "--json"]).json_lines()[0]["dep_id"].clone()
    };
    assert_eq!(first("1"), "table:a");
    assert_eq!(first("10"), "table:a");
}

#[test]
fn keys_have_a_header_and_no_trailing_spaces_and_absent_is_spelled_once() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 3, &[with("doc:a", "v1")], None, Some(600));
    let r = cmd(&server)
        .args(&["deps", "inspect", "doc:a", "--keys"])
        .succeeds();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines[0].starts_with("verdict") && lines[0].contains("key"),
        "{}",
        r.stdout
    );
    assert!(lines.iter().all(|l| !l.ends_with(' ')), "{:?}", r.stdout);
    let key = String::from_utf8(scan_keys(&mut conn, "cc:l1:*")[0].clone()).unwrap();
    // Recorded while doc:b had no hash: its recorded hash is absent.
    fixture::write_many(
        &mut conn,
        50,
        1,
        &[fixture::current("doc:b")],
        None,
        Some(600),
    );
    let e = cmd(&server)
        .args(&["entry", &key])
        .env_remove("COLUMNS")
        .succeeds()
        .stdout;
    assert!(e.contains("verdict") && !e.contains("null"), "{e}");
    let b = String::from_utf8(
        scan_keys(&mut conn, "cc:l1:*")
            .into_iter()
            .find(|k| String::from_utf8_lossy(k) != key)
            .unwrap(),
    )
    .unwrap();
    let e = cmd(&server)
        .args(&["entry", &b])
        .env_remove("COLUMNS")
        .succeeds()
        .stdout;
    assert!(e.contains("(absent)") && !e.contains("null"), "{e}");
}

#[test]
fn an_id_that_looks_like_a_pattern_gets_a_note_when_it_tagged_nothing() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(
        &mut conn,
        0,
        3,
        &[with("table:products", "v1")],
        None,
        Some(600),
    );
    let r = cmd(&server)
        .args(&["invalidate", "table:*", "--new-hash", "v2"])
        .succeeds();
    assert!(
        r.stderr.contains("dep ids are literals") && r.stderr.contains("deps list --pattern"),
        "{}",
        r.stderr
    );
    assert_eq!(
        scan_keys(&mut conn, "cc:l1:*").len() + scan_keys(&mut conn, "vec:*").len(),
        3
    );
    let r = cmd(&server)
        .args(&["invalidate", "table:products", "--new-hash", "v2"])
        .succeeds();
    assert!(!r.stderr.contains("literals"), "{}", r.stderr);
}

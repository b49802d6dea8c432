//! The audit trail: every change appends a record to `cc:audit`; `cachecore audit` reads
//! it back; a failed append is reported and undoes nothing.

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

/// A server with one L1 entry tagged doc:1 (hash v1): its connection and the entry's key.
fn one_entry_of_doc_1() -> (RedisServer, redis::Connection, String) {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let key = fixture::key(Tier::L1, "default", 1);
    fixture::write_entry(
        &mut conn,
        &key,
        "default",
        &[with("doc:1", "v1")],
        Some(600),
    );
    (server, conn, key)
}

#[test]
fn every_change_is_recorded_with_who_what_and_why() {
    let (server, mut conn, _key) = one_entry_of_doc_1();
    fixture::write_many(
        &mut conn,
        10,
        300,
        &[with("table:big", "v1")],
        None,
        Some(600),
    );
    let steps: [&[&str]; 6] = [
        &[
            "invalidate",
            "doc:1",
            "--new-hash",
            "v2",
            "--reason",
            "ticket 42",
        ],
        &["invalidate", "table:big", "--new-hash", "v2"],
        &[
            "invalidate-many",
            "--dep-ids",
            "doc:7,doc:8",
            "--new-hash",
            "v5",
        ],
        &["policy", "roll", "--yes"],
        &["deps", "prune", "--yes"],
        &["invalidate", "doc:1", "--dry-run"],
    ];
    for args in steps {
        let r = run(&server, args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    }
    let r = cmd(&server).args(&["audit", "--json"]).succeeds();
    let lines = r.json_lines();
    let commands: Vec<&str> = lines
        .iter()
        .map(|l| l["command"].as_str().unwrap())
        .collect();
    // Newest first; the dry run left no record.
    assert_eq!(
        commands,
        [
            "deps prune",
            "policy roll",
            "invalidate-many",
            "invalidate-many",
            "invalidate",
            "invalidate"
        ]
    );
    let first = &lines[5];
    assert_eq!(first["type"], "audit");
    assert_eq!(first["deps"], serde_json::json!(["doc:1"]));
    assert_eq!(first["old_hash"], serde_json::Value::Null);
    assert_eq!(first["new_hash"], "v2");
    assert_eq!(first["reason"], "ticket 42");
    assert_eq!(first["counts"]["l1_deleted"], 1, "{first}");
    assert!(
        !first["user"].as_str().unwrap().is_empty() && !first["host"].as_str().unwrap().is_empty()
    );
    assert_eq!(lines[4]["counts"]["members"], 300);
    assert_eq!(
        lines[1]["deps"],
        serde_json::json!(["cc:policy-version:default"])
    );
    assert_eq!(lines[1]["new_hash"], "2");
    assert_eq!(
        run(&server, &["audit", "--limit", "2", "--json"])
            .json_lines()
            .len(),
        2
    );
    assert_eq!(
        run(&server, &["audit", "--since", "1h", "--json"])
            .json_lines()
            .len(),
        6
    );
    let table = run(&server, &["audit"]);
    assert!(table.stdout.contains("ticket"), "{}", table.stdout);
}

#[test]
fn a_failed_audit_append_is_reported_and_the_work_stands() {
    let (server, mut conn, key) = one_entry_of_doc_1();
    set(&mut conn, "cc:audit", "not a stream");
    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--new-hash", "v2"])
        .succeeds();
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("audit record could not be written"),
        "{}",
        r.stderr
    );
    assert!(!exists(&mut conn, &key));
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1").as_deref(), Some("v2"));
}

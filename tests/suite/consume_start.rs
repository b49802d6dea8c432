//! A consumer's first start on a stream that already holds events (issue 26): the
//! documented order (a producer first, then `consume`) applies the event, and the start
//! note says how many events the new group reads or skips.

use crate::support::consume::xadd;
use crate::support::fixture::{self, with};
use crate::support::*;

#[test]
fn the_documented_order_applies_events_written_before_the_first_start() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(
        &mut conn,
        0,
        5,
        &[with("doc:contract-123", "v1")],
        None,
        Some(600),
    );
    // The guide's order: the producer, then the consumer.
    xadd(
        &mut conn,
        "cc:events",
        &[("dep_id", "doc:contract-123"), ("new_hash", "v2")],
    );
    let r = cmd(&server)
        .args(&["consume", "--stream", "cc:events", "--until-idle"])
        .succeeds();
    assert!(
        r.stderr.contains("the 1 event it holds will be read"),
        "{}",
        r.stderr
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:contract-123").as_deref(),
        Some("v2")
    );
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
    // An explicit $ skips them, and says how many.
    xadd(
        &mut conn,
        "cc:events",
        &[("dep_id", "doc:contract-9"), ("new_hash", "v5")],
    );
    let r = cmd(&server)
        .args(&[
            "consume",
            "--stream",
            "cc:events",
            "--group",
            "late",
            "--from",
            "$",
            "--until-idle",
        ])
        .succeeds();
    assert!(
        r.stderr.contains("the 2 events it holds are skipped"),
        "{}",
        r.stderr
    );
    // A --from for a group that exists is ignored, with a note.
    let r = cmd(&server)
        .args(&[
            "consume",
            "--stream",
            "cc:events",
            "--from",
            "0",
            "--until-idle",
        ])
        .succeeds();
    assert!(r.stderr.contains("--from is ignored"), "{}", r.stderr);
}

//! Edges of the stepwise protocol: an unfinished run at the size where pending sets stop
//! being read whole, and a server that loses the run's writes in a restart.

use cachecore::bookkeeping::{pending_key, registry_key};
use cachecore::layout::DepId;

use std::process::Stdio;
use std::time::Duration;

use crate::support::fixture::{self, with};
use crate::support::*;

/// Leaves what an interrupted run of `dep` leaves before its first delete: the new hash
/// `v2` recorded and the dep set, `members` entries, renamed to a pending key that the
/// dep's registry lists.
fn plant_unfinished_run(conn: &mut redis::Connection, dep: &str, members: u64) {
    fixture::write_many(conn, 0, members, &[with(dep, "v1")], None, Some(600));
    let id = DepId::parse(dep).unwrap();
    let pending = pending_key(&id, "0123456789abcdef0123456789abcdef");
    let () = redis::cmd("RENAME")
        .arg(id.keys_key())
        .arg(&pending)
        .query(conn)
        .unwrap();
    let _: i64 = redis::cmd("SADD")
        .arg(registry_key(&id))
        .arg(&pending)
        .query(conn)
        .unwrap();
    set(conn, &id.hash_key(), "v2");
}

#[test]
fn an_unfinished_run_at_the_small_set_limit_is_finished_once() {
    // 256 is the largest pending set read whole; a set of that size must not also be
    // streamed (stepwise.rs:169 `>` into `>=`), nor one of 257 be left out.
    for size in [255, 256, 257] {
        let server = RedisServer::start();
        let mut conn = server.conn();
        plant_unfinished_run(&mut conn, "doc:edge", size);
        let r = cmd(&server)
            .args(&["invalidate", "doc:edge", "--new-hash", "v2", "--json"])
            .succeeds();
        let j = r.json();
        assert_eq!(j["members"], size, "{size}: {}", r.stdout);
        assert_eq!(j["resumed_runs"], 1, "{size}: {}", r.stdout);
        assert_eq!(
            j["l1_deleted"].as_u64().unwrap() + j["l2_deleted"].as_u64().unwrap(),
            size,
            "{size}: {}",
            r.stdout
        );
        assert_eq!(j["already_gone"], 0, "{size}: {}", r.stdout);
        assert!(scan_keys(&mut conn, "cc:inval:*").is_empty(), "{size}");
        assert!(scan_keys(&mut conn, "cc:l1:*").is_empty(), "{size}");
        assert!(scan_keys(&mut conn, "vec:*").is_empty(), "{size}");
    }
}

#[test]
fn a_restart_that_loses_the_new_hash_is_never_a_success() {
    // No persistence: the restarted server is empty, the recorded hash included. The run
    // may fail on the dropped connection or redial and find nothing left to delete; it
    // must not report the invalidation done (stepwise.rs:198 `verify_hashes_survived`).
    let mut server = RedisServer::start();
    fixture::write_many(
        &mut server.conn(),
        0,
        20_000,
        &[with("big:1", "v1")],
        None,
        Some(600),
    );
    let child = cachecore_cmd(&server.url)
        .args(["invalidate", "big:1", "--new-hash", "v2", "--rate", "4000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    server.restart();
    let r = finish(child.wait_with_output().unwrap());
    assert_ne!(r.code, 0, "a lost hash reported as done: {r:?}");
    assert_eq!(get(&mut server.conn(), "cc:dep:hash:big:1"), None);
}

#[test]
fn max_keys_admits_a_streamed_set_of_exactly_that_size() {
    // Over 256 members the single-step script declines and the stepwise checks decide
    // (stepwise.rs:242 `>` into `>=`); its report names the dep (251, `dep_id`).
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 300, &[with("doc:big", "v1")], None, Some(600));
    set(&mut conn, "cc:dep:hash:doc:big", "v1");
    let registry = registry_key(&DepId::parse("doc:big").unwrap());
    let _: i64 = redis::cmd("SADD")
        .arg(&registry)
        .arg("session:planted")
        .query(&mut conn)
        .unwrap();
    let before = snapshot(&mut conn);
    let r = cmd(&server)
        .args(&["invalidate", "doc:big", "--max-keys", "299"])
        .run();
    let line = r.expect_one_line_error(1);
    assert!(
        line.contains("300 tracked entries exceed --max-keys 299"),
        "{line}"
    );
    assert_eq!(snapshot(&mut conn), before);
    // A dry run writes no hash, so its old_hash is the one read first (252),
    let r = cmd(&server)
        .args(&["invalidate", "doc:big", "--dry-run", "--json"])
        .succeeds();
    assert_eq!(r.json()["old_hash"], "v1", "{}", r.stdout);
    // and, with no detach to count them, the planted registry member comes from the checks (257).
    assert_eq!(r.json()["foreign_runs"], 1, "{}", r.stdout);
    // A soft run says so (255): its entries are stale but still there.
    let r = cmd(&server)
        .args(&[
            "invalidate",
            "doc:big",
            "--soft",
            "--new-hash",
            "v2",
            "--json",
        ])
        .succeeds();
    assert_eq!(r.json()["soft"], true, "{}", r.stdout);
    let r = cmd(&server)
        .args(&["invalidate", "doc:big", "--max-keys", "300", "--json"])
        .succeeds();
    let j = r.json();
    assert_eq!(j["dep_id"], "doc:big", "{}", r.stdout);
    assert_eq!(j["members"], 300, "{}", r.stdout);
}

/// A dry run of a run that would resume (`--if-hash` of the old version after the new
/// one was recorded) reads the unfinished run's pending set and deletes nothing, whether
/// that set is read whole or streamed; the real rerun then finishes it.
#[test]
fn a_dry_run_of_a_resumable_run_deletes_nothing() {
    for size in [100, 1_000] {
        let server = RedisServer::start();
        let mut conn = server.conn();
        plant_unfinished_run(&mut conn, "doc:dry", size);
        let before = snapshot(&mut conn);
        let args = [
            "invalidate",
            "doc:dry",
            "--new-hash",
            "v2",
            "--if-hash",
            "v1",
        ];
        let r = cmd(&server)
            .args(&args)
            .args(&["--dry-run", "--json"])
            .succeeds();
        assert_eq!(r.json()["dry_run"], true, "{size}: {}", r.stdout);
        assert!(
            snapshot(&mut conn) == before,
            "{size}: a dry run changed keys"
        );
        let j = cmd(&server).args(&args).args(&["--json"]).succeeds().json();
        assert_eq!(j["resumed_runs"], 1, "{size}: {j}");
        assert!(scan_keys(&mut conn, "cc:inval:*").is_empty(), "{size}");
        assert!(scan_keys(&mut conn, "cc:l1:*").is_empty(), "{size}");
    }
}

//! Edges of the stepwise protocol: an unfinished run at the size where pending sets stop
//! being read whole, and a server that loses the run's writes in a restart.

use cachecore::bookkeeping::{pending_key, registry_key};
use cachecore::layout::DepId;

use std::time::Duration;

use crate::support::fixture::{self, with};
use crate::support::*;

/// Leaves what an interrupted run of `dep` leaves before its first delete: the new hash
/// `v2` recorded and the dep set, `members` entries, renamed to a pending key that the
/// dep's registry lists.
fn plant_unfinished_run(conn: &mut redis::Connection, dep: &str, members: u64) {
    plant_unfinished_run_at(conn, dep, 0, members);
}

/// The same with entry numbers from `first` on, so that several deps can have one.
fn plant_unfinished_run_at(conn: &mut redis::Connection, dep: &str, first: u64, members: u64) {
    fixture::write_many(conn, first, members, &[with(dep, "v1")], None, Some(600));
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
    let mut gone = Deletions::from_now(&server);
    let mut child = cmd(&server)
        .args(&["invalidate", "big:1", "--new-hash", "v2", "--rate", "4000"])
        .spawn();
    // Deleting: the new hash is recorded by then.
    child.wait_until(Duration::from_secs(30), "4,000 entries deleted", || {
        gone.at_least(4_000)
    });
    server.restart();
    let r = child.finish();
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

/// A durable server, and the run against it slow enough (10,000 keys/s in batches of 200,
/// one in flight) for the test to kill the server part way.
fn durable_and_slow(args: &[&str]) -> (RedisServer, Vec<String>) {
    let server = RedisServer::durable();
    let slow = [
        "--rate",
        "10000",
        "--batch-size",
        "200",
        "--pipeline",
        "1",
        "--timeout",
        "2s",
    ];
    let args = args.iter().chain(&slow).map(|a| a.to_string()).collect();
    (server, args)
}

/// Kills the server once `args` has got as far as `what` (`got_there`, read from Redis),
/// then returns the run's outcome.
fn killed_part_way(
    server: &mut RedisServer,
    args: &[String],
    what: &str,
    got_there: impl FnMut() -> bool,
) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = cmd(server).args(&args).spawn();
    child.wait_until(Duration::from_secs(30), what, got_there);
    server.kill();
    child.finish()
}

/// The N and M of a failure's "the new hash is recorded and N of M members were done".
fn members_done(err: &str) -> (u64, u64) {
    err.split(" members were done")
        .next()
        .and_then(|s| s.rsplit("recorded and ").next())
        .and_then(|s| s.split_once(" of "))
        .map(|(d, m)| (d.parse().unwrap(), m.parse().unwrap()))
        .unwrap_or_else(|| panic!("how far it got: {err}"))
}

/// A server killed while a wave drains its first large set: that dep's error says how many
/// of its members were done (what a restart shows deleted, less the batch whose reply was
/// lost: an SSCAN page is about 200 members, not exactly), the next large set is not attempted (no second timeout), and a set
/// already finished whole in the wave (256 members: the largest read whole) is reported
/// done, not failed.
#[test]
fn a_lost_connection_mid_wave_reports_each_dep_as_it_stands() {
    let (mut server, args) = durable_and_slow(&[
        "invalidate-many",
        "--dep-ids",
        "doc:big,doc:next,doc:small",
        "--new-hash",
        "v2",
        "--json",
    ]);
    let mut conn = server.conn();
    plant_unfinished_run(&mut conn, "doc:small", 256);
    fixture::write_many(
        &mut conn,
        100_000,
        30_000,
        &[with("doc:big", "v1")],
        None,
        None,
    );
    fixture::write_many(
        &mut conn,
        200_000,
        1_000,
        &[with("doc:next", "v1")],
        None,
        None,
    );
    let mut gone = Deletions::from_now(&server);
    let small = registry_key(&DepId::parse("doc:small").unwrap());
    let r = killed_part_way(
        &mut server,
        &args,
        "doc:small finished and 2,500 entries deleted",
        || !exists(&mut conn, &small) && gone.at_least(2_500),
    );
    assert_eq!(r.code, 3, "{r:?}");
    let lines = r.json_lines();
    let line = |d: &str| {
        lines
            .iter()
            .find(|l| l["dep_id"] == d)
            .unwrap_or_else(|| panic!("{d} reported: {}", r.stdout))
            .clone()
    };
    assert_eq!(line("doc:small")["ok"], true, "{}", r.stdout);
    let next = line("doc:next");
    assert_eq!(next["ok"], false, "{next}");
    assert!(next.to_string().contains("not attempted"), "{next}");
    let big = line("doc:big").to_string();
    let (done, members) = members_done(&big);
    assert_eq!(members, 30_000, "{big}");

    server.restart();
    let mut conn = server.conn();
    let left = (100_000..130_000u64)
        .filter(|&i| {
            let tier = if i % 5 == 4 {
                fixture::Tier::L2
            } else {
                fixture::Tier::L1
            };
            exists(&mut conn, &fixture::key(tier, "default", i))
        })
        .count() as u64;
    let deleted = 30_000 - left;
    assert!(
        done > 1_000 && done <= deleted && deleted - done <= 500,
        "reported {done} done, the server shows {deleted} deleted: {big}"
    );
}

/// The same count when the set's members are entries already gone and keys that are not
/// entries: they are done too (`already_gone`, `skipped_not_entries`), and the keys that
/// are not entries stay.
#[test]
fn a_lost_connection_counts_gone_and_foreign_members_as_done() {
    let (mut server, args) = durable_and_slow(&["invalidate", "doc:big", "--new-hash", "v2"]);
    let mut conn = server.conn();
    set(&mut conn, "cc:dep:hash:doc:big", "v1");
    fixture::members_without_entries(&mut conn, "cc:dep:keys:doc:big", 15_000);
    for chunk in (0..15_000u64).collect::<Vec<_>>().chunks(1_000) {
        let mut pipe = redis::pipe();
        for i in chunk {
            pipe.cmd("SET")
                .arg(format!("user:{i}"))
                .arg("keep")
                .ignore();
            pipe.cmd("SADD")
                .arg("cc:dep:keys:doc:big")
                .arg(format!("user:{i}"))
                .ignore();
        }
        let () = pipe.query(&mut conn).unwrap();
    }
    reset_command_stats(&mut conn);
    // Nothing to delete: how far the drain got shows in its SSCAN pages (about 200 each).
    let r = killed_part_way(&mut server, &args, "15 SSCAN pages", || {
        command_calls(&mut conn, "sscan") >= 15
    });
    let err = r.expect_error_after_notes(3);
    let (done, members) = members_done(err);
    assert_eq!(members, 30_000, "{err}");
    // At least 15 pages went by (about 2,900 members, half of each kind, less the batch
    // whose reply was lost): counting only one kind as done would give about half.
    assert!((2_000..30_000).contains(&done), "{done}: {err}");
    server.restart();
    let mut conn = server.conn();
    assert_eq!(get(&mut conn, "user:0").as_deref(), Some("keep"));
    assert_eq!(scan_keys(&mut conn, "user:*").len(), 15_000);
}

/// `--rate` holds for pending sets read whole too: 20 unfinished runs of 200 entries
/// (4,000 deletions) at 2,000 keys/s take at least the 1.9 s the rate allows (all but the
/// last set's share), and every entry is gone.
#[test]
fn rate_paces_pending_sets_read_whole() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let deps: Vec<String> = (0..20).map(|d| format!("doc:p{d}")).collect();
    for (d, dep) in deps.iter().enumerate() {
        plant_unfinished_run_at(&mut conn, dep, d as u64 * 1_000, 200);
    }
    let list = deps.join(",");
    let started = std::time::Instant::now();
    let r = cmd(&server)
        .args(&["invalidate-many", "--dep-ids", &list, "--new-hash", "v2"])
        .args(&["--rate", "2000", "--json"])
        .succeeds();
    let took = started.elapsed();
    let summary = r.json_lines().last().unwrap().clone();
    assert_eq!(summary["succeeded"], 20, "{summary}");
    assert!(
        took >= Duration::from_millis(1_900) && took < Duration::from_secs(30),
        "4,000 deletions at 2,000/s took {took:?}"
    );
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
    assert!(scan_keys(&mut conn, "vec:*").is_empty());
}

/// A dropped connection while a dep drains the second of two large pending sets (an
/// unfinished run's and its own): the drain that restarts its scan after the redial counts
/// its own set's members once, whatever the first drain counted, so the report adds up to
/// the members exactly.
#[test]
fn rescans_of_a_second_pending_set_count_each_member_once() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    plant_unfinished_run(&mut conn, "doc:two", 5_000);
    fixture::write_many(
        &mut conn,
        50_000,
        5_000,
        &[with("doc:two", "v1")],
        None,
        None,
    );
    // 1,000 members of each set whose entries are gone and 500 keys that are not entries
    // (kept, counted as skipped): a rescan must count each once.
    let unfinished = pending_key(
        &DepId::parse("doc:two").unwrap(),
        "0123456789abcdef0123456789abcdef",
    );
    for (n, dep_set) in [unfinished.as_str(), "cc:dep:keys:doc:two"]
        .iter()
        .enumerate()
    {
        let gone: Vec<String> = (0..1_000)
            .map(|i| fixture::key(fixture::Tier::L1, "default", 900_000 + n as u64 * 1_000 + i))
            .collect();
        let foreign: Vec<String> = (0..500).map(|i| format!("user:{n}:{i}")).collect();
        for key in &foreign {
            set(&mut conn, key, "keep");
        }
        let _: u64 = redis::cmd("SADD")
            .arg(dep_set)
            .arg(&gone)
            .arg(&foreign)
            .query(&mut conn)
            .unwrap();
    }
    let mut child = cmd(&server)
        .args(&[
            "invalidate",
            "doc:two",
            "--new-hash",
            "v2",
            "--rate",
            "4000",
            "--json",
        ])
        .spawn();
    let mut killer = server.conn();
    // The drop comes once the first of the two pending sets is finished (deleted), while
    // the second drains: the tool redials and rescans that one.
    for sets in [2, 1] {
        // Two once the run has detached its own set, then one.
        child.wait_until(
            Duration::from_secs(20),
            &format!("{sets} pending sets"),
            || scan_keys(&mut killer, "cc:inval:*:run:*").len() == sets,
        );
    }
    // Part way through the second: some of its entries deleted.
    let mut gone = Deletions::from_now(&server);
    child.wait_until(Duration::from_secs(20), "the second set draining", || {
        gone.at_least(500)
    });
    let _: u64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .query(&mut killer)
        .unwrap();
    let r = child.finish();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("dropped"),
        "the run was interrupted: {}",
        r.stderr
    );
    let j = r.json();
    assert_eq!(j["members"], 13_000, "{j}");
    let sum: u64 = [
        "l1_deleted",
        "l2_deleted",
        "already_gone",
        "skipped_not_entries",
    ]
    .iter()
    .map(|f| j[f].as_u64().unwrap_or(0))
    .sum();
    assert_eq!(sum, 13_000, "each member counted once: {j}");
    assert_eq!(j["skipped_not_entries"], 1_000, "{j}");
    let mut conn = killer;
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());
    assert!(scan_keys(&mut conn, "cc:inval:*").is_empty());
    assert_eq!(
        scan_keys(&mut conn, "user:*").len(),
        1_000,
        "keys that are not entries stay"
    );
}

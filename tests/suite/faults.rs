//! Faults: the server dies or stops answering in the middle of the work. The tool exits 3
//! within its timeout, says which dep and how far it got, and a rerun finishes the job.

use std::time::{Duration, Instant};

use crate::support::fixture::{self, with};
use crate::support::*;

/// Tags `entries` entries with table:products and starts invalidating them in the
/// background, slowed by `--rate` in `extra` so that the test can act while it runs;
/// returns once it has deleted `part` of them.
fn slow_invalidation(server: &RedisServer, entries: u64, part: u64, extra: &[&str]) -> Background {
    fixture::write_many(
        &mut server.conn(),
        0,
        entries,
        &[with("table:products", "v1")],
        None,
        Some(600),
    );
    let mut gone = Deletions::from_now(server);
    let mut child = cmd(server)
        .args(&["invalidate", "table:products", "--new-hash", "v2"])
        .args(extra)
        .spawn();
    let what = format!("{part} entries deleted");
    child.wait_until(Duration::from_secs(30), &what, || gone.at_least(part));
    child
}

fn no_entries_left(server: &RedisServer) {
    let mut conn = server.conn();
    let left = scan_keys(&mut conn, "cc:l1:*").len() + scan_keys(&mut conn, "vec:*").len();
    assert_eq!(left, 0, "entries left behind");
}

#[test]
fn a_server_killed_during_an_invalidation_is_exit_3_and_the_rerun_finishes() {
    let mut server = RedisServer::durable();
    let child = slow_invalidation(
        &server,
        30_000,
        2_000,
        &["--rate", "10000", "--timeout", "2s"],
    );
    server.kill();
    let killed = Instant::now();
    let r = child.finish();
    assert!(
        killed.elapsed() < Duration::from_secs(10),
        "exits within its timeout"
    );
    let err = r.expect_error_after_notes(3);
    assert!(err.contains("invalidating table:products failed"), "{err}");
    assert!(err.contains("members were done"), "how far it got: {err}");

    server.restart();
    assert_eq!(
        get(&mut server.conn(), "cc:dep:hash:table:products").as_deref(),
        Some("v2")
    );
    let r = cmd(&server)
        .args(&["invalidate", "table:products", "--new-hash", "v2", "--json"])
        .succeeds();
    assert_eq!(
        r.json()["resumed_runs"],
        1,
        "the interrupted run is finished: {}",
        r.stdout
    );
    no_entries_left(&server);
    assert!(
        scan_keys(&mut server.conn(), "cc:inval:*").is_empty(),
        "no bookkeeping left"
    );
}

/// 400 deps of 20 entries each, as a `--dep-ids` list.
fn bulk_deps(server: &RedisServer) -> String {
    let ids: Vec<String> = (0..400).map(|i| format!("doc:{i}")).collect();
    let mut conn = server.conn();
    for (i, id) in ids.iter().enumerate() {
        fixture::write_many(
            &mut conn,
            i as u64 * 20,
            20,
            &[with(id, "v1")],
            None,
            Some(600),
        );
    }
    ids.join(",")
}

/// A slow `invalidate-many` over `list`: waves of 10, one at a time, `rate` keys/s.
fn bulk<'a>(list: &'a str, rate: &'a str) -> Vec<&'a str> {
    vec![
        "invalidate-many",
        "--dep-ids",
        list,
        "--new-hash",
        "v2",
        "--wave",
        "10",
        "--concurrency",
        "1",
        "--rate",
        rate,
        "--json",
    ]
}

#[test]
fn sigterm_during_a_bulk_run_stops_cleanly_with_130_and_the_rerun_finishes() {
    let server = RedisServer::start();
    let list = bulk_deps(&server);
    let mut gone = Deletions::from_now(&server);
    let mut child = cmd(&server).args(&bulk(&list, "4000")).spawn();
    child.wait_until(
        Duration::from_secs(30),
        "two waves' entries deleted",
        || gone.at_least(400),
    );
    child.signal("TERM");
    let r = child.finish();
    assert_eq!(r.code, 130, "{r:?}");
    let lines = r.json_lines();
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["interrupted"], true);
    let done = summary["succeeded"].as_u64().unwrap();
    assert!(done > 0 && done < 400, "stopped part way: {done}");
    assert!(summary["not_started"].as_u64().unwrap() > 0);
    cmd(&server).args(&bulk(&list, "1000000")).succeeds();
    no_entries_left(&server);
}

#[test]
fn a_server_killed_during_a_bulk_run_reports_each_dep_and_the_rerun_finishes() {
    let mut server = RedisServer::durable();
    let list = bulk_deps(&server);
    let mut args = bulk(&list, "4000");
    args.extend(["--timeout", "2s"]);
    let mut gone = Deletions::from_now(&server);
    let mut child = cmd(&server).args(&args).spawn();
    child.wait_until(
        Duration::from_secs(30),
        "three waves' entries deleted",
        || gone.at_least(600),
    );
    server.kill();
    let r = child.finish();
    assert_eq!(r.code, 3, "{r:?}");
    let lines = r.json_lines();
    let done: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["type"] == "dep" && l["ok"] == true)
        .collect();
    assert!(
        !done.is_empty() && done.len() < 400,
        "some deps completed before the kill: {}",
        done.len()
    );
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["succeeded"].as_u64().unwrap(), done.len() as u64);
    assert!(summary["failed"].as_u64().unwrap() + summary["not_started"].as_u64().unwrap() > 0);

    server.restart();
    cmd(&server).args(&args[..args.len() - 2]).succeeds();
    no_entries_left(&server);
}

#[test]
fn a_server_that_stops_answering_trips_the_timeout() {
    let server = RedisServer::start();
    let child = slow_invalidation(
        &server,
        20_000,
        1_000,
        &["--rate", "10000", "--timeout", "1s"],
    );
    server.signal("STOP");
    let stopped = Instant::now();
    let r = child.finish();
    let waited = stopped.elapsed();
    server.signal("CONT");
    assert!(waited < Duration::from_secs(6), "gave up after {waited:?}");
    let err = r.expect_one_line_error(3);
    assert!(err.contains("timed out"), "{err}");
    assert!(err.contains("table:products"), "{err}");
}

#[test]
fn a_dropped_connection_is_redialled_and_only_repeatable_steps_are_sent_again() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let child = slow_invalidation(&server, 30_000, 2_000, &["--rate", "15000", "--json"]);
    // Drops every client connection but this one: the reset a proxy or failover causes.
    let killed: u64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .query(&mut conn)
        .unwrap();
    assert!(killed >= 1, "the tool's connection was dropped");
    let r = child.finish();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("dropped") && r.stderr.contains("sending the step again"),
        "{}",
        r.stderr
    );
    let j = r.json();
    assert_eq!(j["members"], 30_000);
    no_entries_left(&server);
    assert!(
        scan_keys(&mut conn, "cc:inval:*").is_empty(),
        "no bookkeeping left"
    );
}

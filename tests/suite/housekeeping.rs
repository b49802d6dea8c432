use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

#[test]
fn deps_list_streams_every_dep_set_and_the_pattern_is_over_ids() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for (dep, n) in [("doc:1", 3u64), ("doc:2", 1), ("table:t", 5), ("doc:*", 2)] {
        fixture::write_many(&mut conn, 1000 * n, n, &[with(dep, "v1")], None, None);
    }
    set(&mut conn, "cc:dep:hash:table:t", "t9");
    set(&mut conn, "cc:dep:keys:doc:str", "wrong type is not listed");

    let r = cmd(&server).args(&["deps", "list", "--json"]).succeeds();
    let mut rows: Vec<(String, u64)> = r
        .json_lines()
        .iter()
        .map(|l| {
            (
                l["dep_id"].as_str().unwrap().to_string(),
                l["members"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            ("doc:*".into(), 2),
            ("doc:1".into(), 3),
            ("doc:2".into(), 1),
            ("table:t".into(), 5)
        ]
    );
    let doc_lines = run(&server, &["deps", "list", "--pattern", "doc:*", "--json"]).json_lines();
    assert_eq!(doc_lines.len(), 3);
    let top = run(&server, &["deps", "list", "--top", "2", "--json"]).json_lines();
    assert_eq!(top.len(), 2);
    assert_eq!(
        (top[0]["dep_id"].as_str(), top[0]["current_hash"].as_str()),
        (Some("table:t"), Some("t9"))
    );
    assert_eq!(top[1]["dep_id"], "doc:1");
    let by_id = run(&server, &["deps", "list", "--sort", "id", "--json"]).json_lines();
    let ids: Vec<&str> = by_id
        .iter()
        .map(|l| l["dep_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["doc:*", "doc:1", "doc:2", "table:t"]);
}

#[test]
fn prune_removes_dangling_members_and_emptied_sets_only() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 100, &[with("doc:mixed", "v1")], None, None);
    fixture::write_many(&mut conn, 1000, 10, &[with("doc:gone", "v1")], None, None);
    // Half of doc:mixed's entries and all of doc:gone's expire.
    for i in (0..100).step_by(2).chain(1000..1010) {
        for tier in [Tier::L1, Tier::L2] {
            let () = redis::cmd("DEL")
                .arg(fixture::key(tier, "default", i))
                .query(&mut conn)
                .unwrap();
        }
    }
    let before = snapshot(&mut conn);
    let dry = cmd(&server)
        .args(&["deps", "prune", "--dry-run", "--json"])
        .succeeds();
    let j = dry.json();
    assert_eq!(
        (j["members_removed"].as_u64(), j["sets_deleted"].as_u64()),
        (Some(60), Some(1))
    );
    assert_eq!(snapshot(&mut conn), before, "dry run");

    let r = cmd(&server)
        .args(&["deps", "prune", "--yes", "--json", "--batch-size", "7"])
        .succeeds();
    let j = r.json();
    assert_eq!(j["sets_scanned"], 2);
    assert_eq!(j["members_scanned"], 110);
    assert_eq!(j["members_removed"], 60);
    assert_eq!(j["sets_deleted"], 1);
    assert!(j["bytes_reclaimed"].as_u64().unwrap() > 0);
    assert!(!exists(&mut conn, "cc:dep:keys:doc:gone"));
    let left = smembers(&mut conn, "cc:dep:keys:doc:mixed");
    assert_eq!(left.len(), 50);
    assert!(
        left.iter().all(|k| exists(&mut conn, k)),
        "only live members remain"
    );
}

#[test]
fn prune_counts_each_set_once_by_what_it_held() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    // Two half-dangling sets and one all-live set: neither kind is emptied, so a dry run
    // must not take "some dangling" or a live set for emptied, and a real one must not
    // take "still has members" for emptied.
    fixture::write_many(&mut conn, 0, 20, &[with("doc:half-a", "v1")], None, None);
    fixture::write_many(&mut conn, 100, 20, &[with("doc:half-b", "v1")], None, None);
    fixture::write_many(&mut conn, 200, 5, &[with("doc:live", "v1")], None, None);
    fixture::write_many(&mut conn, 300, 5, &[with("doc:gone", "v1")], None, None);
    let gone = (0..20)
        .step_by(2)
        .chain((100..120).step_by(2))
        .chain(300..305);
    for i in gone {
        for tier in [Tier::L1, Tier::L2] {
            let () = redis::cmd("DEL")
                .arg(fixture::key(tier, "default", i))
                .query(&mut conn)
                .unwrap();
        }
    }
    // Members another tool wrote: counted as such, kept, never read.
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:live")
        .arg(&["not-an-entry", "cc:l1:default:short", "vec:"])
        .query(&mut conn)
        .unwrap();

    for dry in [true, false] {
        let mut args = vec!["deps", "prune", "--yes", "--json", "--batch-size", "3"];
        if dry {
            args.push("--dry-run");
        }
        let j = cmd(&server).args(&args).succeeds().json();
        let counts = [
            "sets_scanned",
            "members_scanned",
            "members_removed",
            "sets_deleted",
            "members_not_entries",
        ]
        .map(|field| j[field].as_u64());
        assert_eq!(
            counts,
            [Some(4), Some(53), Some(25), Some(1), Some(3)],
            "dry run: {dry}"
        );
        assert_eq!(j["dry_run"], dry, "the report says which it was");
    }
    assert!(!exists(&mut conn, "cc:dep:keys:doc:gone"));
    assert_eq!(smembers(&mut conn, "cc:dep:keys:doc:live").len(), 8);
    for half in ["doc:half-a", "doc:half-b"] {
        assert_eq!(
            smembers(&mut conn, &format!("cc:dep:keys:{half}")).len(),
            10
        );
    }
}

#[test]
fn prune_racing_a_writer_never_drops_a_live_member() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    // 40,000 members whose entries do not exist yet; a writer creates them (as the proxy
    // would: entry and SADD together) while prune runs.
    let keys = fixture::members_without_entries(&mut conn, "cc:dep:keys:doc:race", 40_000);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let client = server.client();
        let stop = stop.clone();
        let keys = keys.clone();
        std::thread::spawn(move || {
            let mut conn = client.get_connection().unwrap();
            let mut written = 0;
            // Back to front, so the writer and the scan meet in the middle.
            for k in keys.iter().rev() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                fixture::write_entry(&mut conn, k, "default", &[with("doc:race", "v1")], None);
                written += 1;
            }
            written
        })
    };
    while dbsize(&mut conn) < 500 {
        std::thread::yield_now();
    }
    let r = run(
        &server,
        &["deps", "prune", "--yes", "--json", "--batch-size", "100"],
    );
    stop.store(true, Ordering::SeqCst);
    let written = writer.join().unwrap();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        written > 500 && written < 40_000,
        "the writer overlapped the prune: {written}"
    );
    let members: std::collections::HashSet<String> = smembers(&mut conn, "cc:dep:keys:doc:race")
        .into_iter()
        .collect();
    for k in &keys {
        if exists(&mut conn, k) {
            assert!(members.contains(k), "{k} exists and must still be tracked");
        }
    }
    assert!(r.json()["members_removed"].as_u64().unwrap() > 0);
}

/// Moves the write time of `dep`'s hash record back by `age`, as if it was written that long
/// ago (the record's age is judged only by this stamp).
pub(super) fn age_record(conn: &mut redis::Connection, dep: &str, age: std::time::Duration) {
    let keys = scan_keys(conn, &format!("cc:hashtime:*:{dep}"));
    assert_eq!(keys.len(), 1, "one write time for {dep}");
    let key = String::from_utf8(keys[0].clone()).unwrap();
    let written: u64 = get(conn, &key).unwrap().parse().unwrap();
    set(conn, &key, &(written - age.as_millis() as u64).to_string());
}

pub(super) const TWO_HOURS: std::time::Duration = std::time::Duration::from_secs(7200);

#[test]
fn retire_removes_only_old_unreferenced_non_policy_hash_records() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    // doc:old: invalidated, no entries left -> retirable once old enough.
    cmd(&server)
        .args(&["invalidate", "doc:old", "--new-hash", "v2"])
        .succeeds();
    // doc:used: invalidated, but an entry still depends on it.
    cmd(&server)
        .args(&["invalidate", "doc:used", "--new-hash", "v2"])
        .succeeds();
    fixture::write_entry(
        &mut conn,
        &fixture::key(Tier::L1, "default", 1),
        "default",
        &[with("doc:used", "v2")],
        Some(600),
    );
    // doc:foreign: a hash record with no write time (not written by cachecore).
    set(&mut conn, "cc:dep:hash:doc:foreign", "x");
    // A record under a name that is no dep id: its age is never looked up.
    set(&mut conn, "cc:dep:hash:doc:bad id", "x");
    // A policy version: never retired.
    cmd(&server).args(&["policy", "roll", "--yes"]).succeeds();
    // doc:unfinished: old and without entries, but an interrupted run of it is unfinished
    // (its pending set may still hold entries that record the old hash).
    assert_eq!(
        run(
            &server,
            &["invalidate", "doc:unfinished", "--new-hash", "v2"]
        )
        .code,
        0
    );
    let dep = cachecore::layout::DepId::parse("doc:unfinished").unwrap();
    let pending = cachecore::bookkeeping::pending_key(&dep, "0123456789abcdef0123456789abcdef");
    let () = redis::cmd("SADD")
        .arg(&pending)
        .arg(fixture::key(Tier::L1, "default", 9))
        .query::<i64>(&mut conn)
        .map(|_| ())
        .unwrap();
    let () = redis::cmd("SADD")
        .arg(cachecore::bookkeeping::registry_key(&dep))
        .arg(&pending)
        .query::<i64>(&mut conn)
        .map(|_| ())
        .unwrap();
    // doc:garbled: its write time is not a number.
    cmd(&server)
        .args(&["invalidate", "doc:garbled", "--new-hash", "v2"])
        .succeeds();
    let garbled =
        String::from_utf8(scan_keys(&mut conn, "cc:hashtime:*:doc:garbled")[0].clone()).unwrap();
    set(&mut conn, &garbled, "yesterday");
    for dep in [
        "doc:old",
        "doc:used",
        "doc:unfinished",
        "cc:policy-version:default",
    ] {
        age_record(&mut conn, dep, TWO_HOURS);
    }
    // doc:new: invalidated just now -> too recent.
    cmd(&server)
        .args(&["invalidate", "doc:new", "--new-hash", "v2"])
        .succeeds();

    let before = snapshot(&mut conn);
    let dry = run(
        &server,
        &[
            "deps",
            "prune",
            "--retire-after",
            "1h",
            "--dry-run",
            "--json",
        ],
    )
    .json();
    assert_eq!(dry["retire"]["retired"], 1);
    assert_eq!(snapshot(&mut conn), before);

    let r = cmd(&server)
        .args(&["deps", "prune", "--yes", "--retire-after", "1h", "--json"])
        .succeeds();
    let x = &r.json()["retire"];
    assert_eq!(x["records_scanned"], 8);
    assert_eq!(x["retired"], 1);
    assert_eq!(x["kept_has_entries"], 1);
    assert_eq!(x["kept_unfinished_runs"], 1);
    assert_eq!(x["kept_unknown_age"], 3);
    assert_eq!(x["kept_recent"], 1);
    assert_eq!(x["kept_reserved"], 1);
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:old"), None);
    assert!(
        scan_keys(&mut conn, "cc:hashtime:*:doc:old").is_empty(),
        "its write time goes too"
    );
    for kept in [
        "doc:used",
        "doc:foreign",
        "doc:bad id",
        "doc:new",
        "doc:unfinished",
        "doc:garbled",
        "cc:policy-version:default",
    ] {
        assert!(
            get(&mut conn, &format!("cc:dep:hash:{kept}")).is_some(),
            "{kept} kept"
        );
    }
    // Without --retire-after nothing is retired.
    assert!(r.json()["retire"].is_object());
    assert!(
        run(&server, &["deps", "prune", "--yes", "--json"])
            .json()
            .get("retire")
            .is_none()
    );
}

#[test]
fn retire_after_is_a_usage_error_without_a_unit() {
    let server = RedisServer::start();
    for bare in ["8", " 8 ", "86400", "1.5"] {
        let r = run(&server, &["deps", "prune", "--retire-after", bare, "--yes"]);
        assert_eq!(r.code, 2, "{bare}: {r:?}");
        assert!(
            r.stderr.contains("a unit is required"),
            "{bare}: {}",
            r.stderr
        );
    }
    let r = run(&server, &["deps", "prune", "--retire-after", "8", "--yes"]);
    assert!(r.stderr.contains("8s, 8m, 8h or 8d"), "{}", r.stderr);
}

/// An old retirable record, a dangling dep-set member and a live entry with a 1 h TTL:
/// everything a prune with retirement would change.
fn retirable_state(conn: &mut redis::Connection, server: &RedisServer) -> String {
    cmd(server)
        .args(&["invalidate", "doc:old", "--new-hash", "v2"])
        .succeeds();
    age_record(conn, "doc:old", 2 * TWO_HOURS);
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:gone")
        .arg(fixture::key(Tier::L1, "default", 99))
        .query(conn)
        .unwrap();
    let live = fixture::key(Tier::L2, "default", 1);
    fixture::write_entry(conn, &live, "default", &[with("doc:x", "v1")], Some(3600));
    live
}

#[test]
fn retire_after_shorter_than_a_live_entry_ttl_is_refused_before_anything_changes() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let live = retirable_state(&mut conn, &server);
    let before = snapshot(&mut conn);
    for dry in [false, true] {
        let mut args = vec!["deps", "prune", "--retire-after", "1s", "--yes"];
        if dry {
            args.push("--dry-run");
        }
        let line = run(&server, &args).expect_one_line_error(1).to_string();
        assert!(
            line.contains("--retire-after 1s is shorter than the longest remaining entry TTL 1h")
                && line.contains(&live)
                && line.contains("use at least 1h")
                && line.contains("nothing was changed"),
            "{line}"
        );
    }
    assert_eq!(
        snapshot(&mut conn),
        before,
        "nothing pruned, nothing retired"
    );

    // A window the entries cannot outlive works as before.
    let r = cmd(&server)
        .args(&["deps", "prune", "--retire-after", "2h", "--yes", "--json"])
        .succeeds();
    let j = r.json();
    assert_eq!(
        (
            j["members_removed"].as_u64(),
            j["retire"]["retired"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:old"), None);
}

#[test]
fn an_entry_without_a_ttl_refuses_any_retire_window() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    retirable_state(&mut conn, &server);
    let forever = fixture::key(Tier::L1, "shop", 7);
    fixture::write_entry(&mut conn, &forever, "shop", &[with("doc:x", "v1")], None);
    let before = snapshot(&mut conn);
    for dry in [false, true] {
        let mut args = vec!["deps", "prune", "--retire-after", "365d", "--yes"];
        if dry {
            args.push("--dry-run");
        }
        let line = run(&server, &args).expect_one_line_error(1).to_string();
        assert!(
            line.contains(&format!("entry {forever} has no TTL")),
            "{line}"
        );
    }
    assert_eq!(
        snapshot(&mut conn),
        before,
        "nothing pruned, nothing retired"
    );
    // Without --retire-after the prune itself is not held back.
    let r = cmd(&server)
        .args(&["deps", "prune", "--yes", "--json"])
        .succeeds();
    assert_eq!(r.json()["members_removed"], 1);
}

#[test]
fn a_defaulted_destructive_target_needs_yes_off_a_terminal() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 5, &[with("doc:1", "v1")], None, Some(600));
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:1")
        .arg(fixture::key(fixture::Tier::L1, "default", 99))
        .query(&mut conn)
        .unwrap();
    let before = snapshot(&mut conn);
    for args in [
        &["deps", "prune"][..],
        &["policy", "roll"][..],
        &["policy", "purge"][..],
    ] {
        let r = run(&server, args);
        let err = r.expect_one_line_error(2);
        assert!(err.contains("--yes"), "{args:?}: {err}");
        assert_eq!(snapshot(&mut conn), before, "{args:?} changed nothing");
    }
    // Named targets and --yes run as before; dry runs need neither.
    cmd(&server)
        .args(&["deps", "prune", "--dry-run"])
        .succeeds();
    cmd(&server)
        .args(&["deps", "prune", "--pattern", "doc:*"])
        .succeeds();
    cmd(&server)
        .args(&["policy", "roll", "-n", "default"])
        .succeeds();
}

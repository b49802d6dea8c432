//! The fast path of `invalidate-many` (issue 13): a whole wave of small deps in one script
//! call (`sweep_wave.lua`), its checks made over the wave at once, and a call that stops
//! at its member budget, the rest of the wave going in the next call.

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

/// Script calls that ran (a NOSCRIPT answer, before the script is loaded, is not one).
fn evalsha_calls(conn: &mut redis::Connection) -> u64 {
    command_calls(conn, "evalsha")
}

/// `invalidate-many --file FILE --new-hash v2 --json`, whatever its exit code.
fn many_from_file(server: &RedisServer, file: &std::path::Path) -> Run {
    cmd(server)
        .args(&[
            "invalidate-many",
            "--file",
            file.to_str().unwrap(),
            "--new-hash",
            "v2",
            "--json",
        ])
        .run()
}

#[test]
fn a_wave_past_the_member_budget_is_done_whole_in_several_calls() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    // 30 deps of 200 entries: each small enough for the fast path, 6,000 members in all.
    for d in 0..30u64 {
        fixture::write_many(
            &mut conn,
            d * 200,
            200,
            &[with(&format!("doc:{d}"), "v1")],
            None,
            Some(600),
        );
        set(&mut conn, &format!("cc:dep:hash:doc:{d}"), "v1");
    }
    // Members that are not entries: counted, never deleted.
    set(&mut conn, "user:7", "keep");
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:3")
        .arg("user:7")
        .query(&mut conn)
        .unwrap();
    let ids: Vec<String> = (0..30).map(|d| format!("doc:{d}")).collect();
    reset_command_stats(&mut conn);
    let r = cmd(&server)
        .args(&[
            "invalidate-many",
            "--dep-ids",
            &ids.join(","),
            "--new-hash",
            "v2",
            "--json",
        ])
        .succeeds();
    // Six sets of 200 reach the budget of 1,024 members: five calls for the wave of 30,
    // where one call would have held Redis for all 6,000 deletions at once.
    assert_eq!(evalsha_calls(&mut conn), 5);
    let lines = r.json_lines();
    for d in 0..30 {
        let line = lines
            .iter()
            .find(|l| l["dep_id"] == format!("doc:{d}"))
            .unwrap();
        assert_eq!(line["ok"], true, "{line}");
        assert_eq!(line["old_hash"], "v1", "{line}");
        let deleted = line["l1_deleted"].as_u64().unwrap() + line["l2_deleted"].as_u64().unwrap();
        assert_eq!(deleted, 200, "{line}");
        let skipped = u64::from(d == 3);
        assert_eq!(line["skipped_not_entries"], skipped, "{line}");
        assert_eq!(line["members"], 200 + skipped, "{line}");
        // Five script calls that delete 6,000 entries take more than a millisecond.
        assert!(line["elapsed_ms"].as_u64().unwrap() > 0, "{line}");
        assert_eq!(
            get(&mut conn, &format!("cc:dep:hash:doc:{d}")).as_deref(),
            Some("v2")
        );
    }
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());
    assert!(scan_keys(&mut conn, "cc:dep:keys:*").is_empty());
    assert_eq!(get(&mut conn, "user:7").as_deref(), Some("keep"));
    // Every hash has its write time, for safe retirement.
    assert_eq!(scan_keys(&mut conn, "cc:hashtime:*").len(), 30);
}

#[test]
fn each_dep_of_one_wave_gets_its_own_checks() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for (d, dep) in ["doc:a", "doc:b", "doc:c", "doc:d"].iter().enumerate() {
        fixture::write_many(
            &mut conn,
            d as u64 * 10,
            3,
            &[with(dep, "v1")],
            None,
            Some(600),
        );
    }
    // doc:list's hash record is a list: MGET reads it as nil, like an absent hash, and
    // only that dep must be refused; doc:a, doc:c and doc:new have no such key.
    let () = redis::cmd("RPUSH")
        .arg("cc:dep:hash:doc:list")
        .arg("x")
        .query(&mut conn)
        .unwrap();
    let () = redis::cmd("DEL")
        .arg("cc:dep:hash:doc:a")
        .arg("cc:dep:hash:doc:c")
        .query(&mut conn)
        .unwrap();
    set(&mut conn, "cc:dep:hash:doc:b", "v1");
    set(&mut conn, "cc:dep:hash:doc:d", "v1");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deps.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"dep_id":"doc:a"}"#,
            r#"{"dep_id":"doc:list"}"#,
            r#"{"dep_id":"doc:b","if_hash":"v1"}"#,
            r#"{"dep_id":"doc:c","if_hash":"v1"}"#,
            r#"{"dep_id":"doc:d","if_hash":"v0"}"#,
            r#"{"dep_id":"doc:new"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let r = many_from_file(&server, &file);
    assert_eq!(r.code, 1, "{r:?}");
    let lines = r.json_lines();
    let line = |d: &str| lines.iter().find(|l| l["dep_id"] == d).unwrap().clone();
    assert_eq!(line("doc:a")["ok"], true);
    assert_eq!(line("doc:a")["old_hash"], serde_json::Value::Null);
    assert_eq!(line("doc:b")["ok"], true, "if_hash v1 holds");
    assert_eq!(line("doc:new")["ok"], true);
    for refused in ["doc:list", "doc:c", "doc:d"] {
        assert_eq!(line(refused)["ok"], false, "{refused}");
    }
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:a").as_deref(), Some("v2"));
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:b").as_deref(), Some("v2"));
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:new").as_deref(), Some("v2"));
    // Refused: nothing of theirs changed.
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:c"), None);
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:d").as_deref(), Some("v1"));
    assert_eq!(smembers(&mut conn, "cc:dep:keys:doc:c").len(), 3);
    assert_eq!(smembers(&mut conn, "cc:dep:keys:doc:d").len(), 3);
    let kind: String = redis::cmd("TYPE")
        .arg("cc:dep:hash:doc:list")
        .query(&mut conn)
        .unwrap();
    assert_eq!(kind, "list");
    assert!(smembers(&mut conn, "cc:dep:keys:doc:a").is_empty());
    assert!(smembers(&mut conn, "cc:dep:keys:doc:b").is_empty());
}

#[test]
fn a_wide_wave_of_empty_deps_is_split_into_calls_of_at_most_250() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let ids: Vec<String> = (0..600).map(|d| format!("doc:{d}")).collect();
    reset_command_stats(&mut conn);
    cmd(&server)
        .args(&[
            "invalidate-many",
            "--dep-ids",
            &ids.join(","),
            "--new-hash",
            "v2",
            "--wave",
            "600",
        ])
        .succeeds();
    // One call for all 600 would hold Redis for their sum, however small each.
    assert_eq!(evalsha_calls(&mut conn), 3);
    for id in &ids {
        assert_eq!(
            get(&mut conn, &format!("cc:dep:hash:{id}")).as_deref(),
            Some("v2")
        );
    }
}

#[test]
fn a_fast_path_report_splits_the_members_it_swept() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    // One L1 and one L2 entry, an L1 member whose entry is gone, a member that is not an
    // entry: a set of four, each counted once in its own field.
    for tier in [Tier::L1, Tier::L2] {
        let k = fixture::key(tier, "default", 1);
        fixture::write_entry(&mut conn, &k, "default", &[with("doc:1", "v1")], Some(3600));
    }
    set(&mut conn, "cc:dep:hash:doc:1", "v1");
    set(&mut conn, "user:1", "keep");
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:1")
        .arg(fixture::key(Tier::L1, "default", 2))
        .arg("user:1")
        .query(&mut conn)
        .unwrap();
    reset_command_stats(&mut conn);
    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--new-hash", "v2", "--json"])
        .succeeds();
    assert_eq!(evalsha_calls(&mut conn), 1, "the fast path, in one call");
    let j = r.json();
    assert_eq!(j["old_hash"], "v1", "{j}");
    assert_eq!(j["members"], 4, "{j}");
    assert_eq!(j["l1_deleted"], 1, "{j}");
    assert_eq!(j["l2_deleted"], 1, "{j}");
    assert_eq!(j["already_gone"], 1, "{j}");
    assert_eq!(j["skipped_not_entries"], 1, "{j}");
    // No planted registry members: the field is left out, not written as 0.
    assert!(j.get("foreign_runs").is_none(), "{j}");
    assert_eq!(get(&mut conn, "user:1").as_deref(), Some("keep"));
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());
}

/// A condition that holds (`--if-hash` equal, `--if-unset` with no hash) is done by the
/// fast path in its one call; only a dep the script declines takes the stepwise path.
#[test]
fn held_conditions_are_done_in_one_fast_path_call() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for (d, dep) in ["doc:eq", "doc:unset"].iter().enumerate() {
        let k = fixture::key(Tier::L1, "default", d as u64);
        fixture::write_entry(&mut conn, &k, "default", &[with(dep, "v1")], Some(3600));
    }
    set(&mut conn, "cc:dep:hash:doc:eq", "v1");
    let () = redis::cmd("DEL")
        .arg("cc:dep:hash:doc:unset")
        .query(&mut conn)
        .unwrap();
    for args in [
        [
            "invalidate",
            "doc:eq",
            "--new-hash",
            "v2",
            "--if-hash",
            "v1",
        ],
        [
            "invalidate",
            "doc:unset",
            "--new-hash",
            "v2",
            "--if-unset",
            "--json",
        ],
    ] {
        reset_command_stats(&mut conn);
        cmd(&server).args(&args).succeeds();
        assert_eq!(
            evalsha_calls(&mut conn),
            1,
            "{args:?}: the fast path, in one call"
        );
    }
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:eq").as_deref(), Some("v2"));
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:unset").as_deref(),
        Some("v2")
    );
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
}

/// Members are checked first and deleted together at the end of the call (issue 27): an
/// entry in the sets of two deps of one wave is deleted once and counted once, as dep
/// after dep, and a dep set that is not a set declines only its own dep.
#[test]
fn an_entry_shared_by_two_deps_of_one_wave_is_counted_once() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let shared = fixture::key(Tier::L1, "default", 1);
    fixture::write_entry(
        &mut conn,
        &shared,
        "default",
        &[with("doc:x", "v1"), with("doc:y", "v1")],
        Some(3600),
    );
    let own = fixture::key(Tier::L2, "default", 2);
    fixture::write_entry(
        &mut conn,
        &own,
        "default",
        &[with("doc:y", "v1")],
        Some(3600),
    );
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:y")
        .arg(&own)
        .query(&mut conn)
        .unwrap();
    set(&mut conn, "cc:dep:keys:doc:str", "not a set");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deps.txt");
    std::fs::write(&file, "doc:x\ndoc:str\ndoc:y\n").unwrap();
    let r = many_from_file(&server, &file);
    let lines = r.json_lines();
    let line = |d: &str| lines.iter().find(|l| l["dep_id"] == d).unwrap().clone();
    assert_eq!(line("doc:x")["l1_deleted"], 1, "{r:?}");
    assert_eq!(line("doc:y")["members"], 2, "{r:?}");
    assert_eq!(line("doc:y")["l1_deleted"], 0, "{r:?}");
    assert_eq!(line("doc:y")["l2_deleted"], 1, "{r:?}");
    assert_eq!(line("doc:y")["already_gone"], 1, "{r:?}");
    assert_eq!(line("doc:str")["ok"], false, "{r:?}");
    assert_eq!(
        get(&mut conn, "cc:dep:keys:doc:str").as_deref(),
        Some("not a set")
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:str"),
        None,
        "declined: untouched"
    );
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:y").as_deref(), Some("v2"));
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());
}

use crate::support::fixture::{self, Tier, current, with};
use crate::support::*;

/// doc:1 tracks: 2 fresh L1, 1 fresh L2, 1 stale L1 (recorded v0), 1 corrupt L2,
/// 1 dangling member, 1 entry stale by its namespace's policy version.
fn inspect_data(conn: &mut redis::Connection) {
    set(conn, "cc:dep:hash:doc:1", "v1");
    for i in 0..2 {
        fixture::write_entry(
            conn,
            &fixture::key(Tier::L1, "default", i),
            "default",
            &[current("doc:1")],
            Some(600),
        );
    }
    fixture::write_entry(
        conn,
        &fixture::key(Tier::L2, "default", 2),
        "default",
        &[with("doc:1", "v1")],
        None,
    );
    fixture::write_entry(
        conn,
        &fixture::key(Tier::L1, "default", 3),
        "default",
        &[with("doc:1", "v0")],
        None,
    );
    let corrupt = fixture::key(Tier::L2, "default", 4);
    let () = redis::pipe()
        .cmd("HSET")
        .arg(&corrupt)
        .arg("body")
        .arg("b")
        .arg("deps")
        .arg("{not json")
        .ignore()
        .cmd("SADD")
        .arg("cc:dep:keys:doc:1")
        .arg(&corrupt)
        .ignore()
        .cmd("SADD")
        .arg("cc:dep:keys:doc:1")
        .arg("vec:default:expired")
        .ignore()
        .query(conn)
        .unwrap();
    fixture::write_entry(
        conn,
        &fixture::key(Tier::L1, "shop", 5),
        "shop",
        &[current("doc:1")],
        None,
    );
    set(conn, "cc:dep:hash:cc:policy-version:shop", "2");
}

#[test]
fn counts_tiers_liveness_and_verdicts_by_the_freshness_rule() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    inspect_data(&mut conn);
    let before = snapshot(&mut conn);
    let r = cmd(&server)
        .args(&["deps", "inspect", "doc:1", "--json"])
        .succeeds();
    let j = r.json();
    assert_eq!(j["version"], 1);
    assert_eq!(j["interrupted"], false);
    assert!(j.get("ok").is_none(), "no gate without --expect-hash");
    let d = &j["deps"][0];
    assert_eq!(d["dep_id"], "doc:1");
    assert_eq!(d["current_hash"], "v1");
    assert_eq!(d["members"], 7);
    assert_eq!(d["l1"], 4);
    assert_eq!(d["l2"], 3);
    assert_eq!(d["live"], 6);
    assert_eq!(d["dangling"], 1);
    assert_eq!(d["fresh"], 3);
    assert_eq!(d["stale"], 2);
    assert_eq!(d["corrupt"], 1);
    assert_eq!(d["not_entries"], 0);
    assert_eq!(d["unfinished_runs"], 0);
    assert_eq!(snapshot(&mut conn), before, "inspect only reads");

    let table = cmd(&server).args(&["deps", "inspect", "doc:1"]).succeeds();
    assert!(
        table.stdout.contains("doc:1") && table.stdout.contains("v1"),
        "{}",
        table.stdout
    );
}

#[test]
fn keys_lists_every_member_with_ttl_and_verdict_as_json_lines() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    inspect_data(&mut conn);
    let r = cmd(&server)
        .args(&["deps", "inspect", "doc:1", "--keys", "--json"])
        .succeeds();
    let lines = r.json_lines();
    assert_eq!(lines.len(), 8, "7 keys and one summary");
    let keys: Vec<_> = lines.iter().filter(|l| l["type"] == "key").collect();
    assert_eq!(keys.len(), 7);
    let by_key = |k: &str| {
        keys.iter()
            .find(|l| l["key"] == k)
            .unwrap_or_else(|| panic!("{k} listed"))
    };
    let fresh = by_key(&fixture::key(Tier::L1, "default", 0));
    assert_eq!(fresh["verdict"], "fresh");
    assert_eq!(fresh["tier"], "L1");
    let ttl = fresh["ttl_ms"].as_i64().unwrap();
    assert!(ttl > 500_000 && ttl <= 600_000, "{ttl}");
    let stale = by_key(&fixture::key(Tier::L1, "default", 3));
    assert_eq!(stale["verdict"], "stale");
    assert_eq!(stale["stale_dep"], "doc:1");
    assert_eq!(stale["recorded"], "v0");
    assert_eq!(stale["current"], "v1");
    assert_eq!(stale["ttl_ms"], serde_json::Value::Null, "no TTL");
    let policy = by_key(&fixture::key(Tier::L1, "shop", 5));
    assert_eq!(policy["stale_dep"], "cc:policy-version:shop");
    assert_eq!(policy["recorded"], "1");
    assert_eq!(policy["current"], "2");
    let corrupt = by_key(&fixture::key(Tier::L2, "default", 4));
    assert_eq!(corrupt["verdict"], "corrupt");
    assert!(
        corrupt["reason"]
            .as_str()
            .unwrap()
            .contains("not valid JSON")
    );
    assert_eq!(by_key("vec:default:expired")["verdict"], "dangling");
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "dep");
    assert_eq!(summary["fresh"], 3);

    let text = cmd(&server)
        .args(&["deps", "inspect", "doc:1", "--keys"])
        .succeeds();
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("stale") && l.contains("recorded v0 current v1")),
        "{}",
        text.stdout
    );
}

#[test]
fn expect_hash_is_a_ci_gate() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    set(&mut conn, "cc:dep:hash:doc:ok", "v3");
    fixture::write_entry(
        &mut conn,
        &fixture::key(Tier::L1, "default", 1),
        "default",
        &[current("doc:ok")],
        None,
    );

    let pass = cmd(&server)
        .args(&["deps", "inspect", "doc:ok", "--expect-hash", "v3", "--json"])
        .succeeds();
    assert_eq!(pass.json()["ok"], true);
    assert_eq!(pass.json()["deps"][0]["ok"], true);

    let wrong = run(
        &server,
        &["deps", "inspect", "doc:ok", "--expect-hash", "v4", "--json"],
    );
    assert_eq!(wrong.code, 1);
    assert_eq!(wrong.json()["ok"], false);
    assert!(
        wrong.stderr.contains("current hash is v3, expected v4"),
        "{}",
        wrong.stderr
    );

    // Right hash but a stale live entry: the gate fails.
    fixture::write_entry(
        &mut conn,
        &fixture::key(Tier::L2, "default", 2),
        "default",
        &[with("doc:ok", "v2")],
        None,
    );
    let stale = run(
        &server,
        &["deps", "inspect", "doc:ok", "--expect-hash", "v3"],
    );
    assert_eq!(stale.code, 1);
    assert!(
        stale.stderr.contains("1 live entries are stale"),
        "{}",
        stale.stderr
    );

    // A member that is not an entry key is never read and fails nothing...
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:ro")
        .arg("user:1")
        .query(&mut conn)
        .unwrap();
    set(&mut conn, "user:1", "x");
    set(&mut conn, "cc:dep:hash:doc:ro", "v1");
    let foreign = cmd(&server)
        .args(&["deps", "inspect", "doc:ro", "--expect-hash", "v1", "--json"])
        .succeeds();
    assert_eq!(foreign.json()["deps"][0]["not_entries"], 1);
    // ...but an unreadable entry fails it.
    let unreadable = format!("cc:l1:default:{}", "a".repeat(64));
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:ro")
        .arg(&unreadable)
        .query(&mut conn)
        .unwrap();
    set(&mut conn, &unreadable, "not a hash");
    let corrupt = run(
        &server,
        &["deps", "inspect", "doc:ro", "--expect-hash", "v1"],
    );
    assert_eq!(corrupt.code, 1, "{corrupt:?}");
    assert!(corrupt.stderr.contains("unreadable"), "{}", corrupt.stderr);

    // Several deps: all must pass.
    let both = run(
        &server,
        &[
            "deps",
            "inspect",
            "doc:ro",
            "doc:ok",
            "--expect-hash",
            "v1",
            "--json",
        ],
    );
    assert_eq!(both.code, 1);
    assert_eq!(both.json()["deps"].as_array().unwrap().len(), 2);
}

#[test]
fn large_sets_are_streamed() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(
        &mut conn,
        0,
        30_000,
        &[with("table:big", "v1")],
        Some("doc:"),
        None,
    );
    let () = redis::cmd("SET")
        .arg("cc:dep:hash:doc:7")
        .arg("v9")
        .query(&mut conn)
        .unwrap();
    let r = cmd(&server)
        .args(&[
            "deps",
            "inspect",
            "table:big",
            "--json",
            "--batch-size",
            "500",
        ])
        .succeeds();
    let d = &r.json()["deps"][0];
    assert_eq!(d["members"], 30_000);
    assert_eq!(d["l1"], 24_000);
    assert_eq!(d["l2"], 6_000);
    assert_eq!(d["fresh"], 29_999);
    assert_eq!(d["stale"], 1, "doc:7 recorded null and now has a hash");
}

#[test]
fn a_wrong_type_dep_set_is_a_clear_error() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let () = redis::cmd("LPUSH")
        .arg("cc:dep:keys:doc:l")
        .arg("x")
        .query(&mut conn)
        .unwrap();
    let r = cmd(&server).args(&["deps", "inspect", "doc:l"]).run();
    let line = r.expect_one_line_error(3);
    assert!(line.contains("cc:dep:keys:doc:l holds a list"), "{line}");
}

#[test]
fn an_unfinished_invalidation_run_fails_the_gate() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    set(&mut conn, "cc:dep:hash:doc:cut", "v2");
    // An invalidation of doc:cut cut off after its detach: the pending set it registered
    // still holds an entry that records the old hash.
    let dep = cachecore::layout::DepId::parse("doc:cut").unwrap();
    let pending = cachecore::bookkeeping::pending_key(&dep, "0123456789abcdef0123456789abcdef");
    for (set, member) in [
        (pending.clone(), fixture::key(Tier::L1, "default", 9)),
        (cachecore::bookkeeping::registry_key(&dep), pending),
    ] {
        let () = redis::cmd("SADD")
            .arg(set)
            .arg(member)
            .query::<i64>(&mut conn)
            .map(|_| ())
            .unwrap();
    }
    let r = run(
        &server,
        &[
            "deps",
            "inspect",
            "doc:cut",
            "--expect-hash",
            "v2",
            "--json",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let d = &r.json()["deps"][0];
    assert_eq!(
        (d["unfinished_runs"].as_u64(), d["ok"].as_bool()),
        (Some(1), Some(false))
    );
    assert!(
        r.stderr
            .contains("1 interrupted invalidation run(s) are unfinished"),
        "{}",
        r.stderr
    );
}

/// `--keys` lists every member of a set that takes many scan pages, and stops scanning
/// once its reader has gone (`| head -1`): the loop's stop condition, both ways.
#[test]
fn keys_of_a_many_page_set_are_all_listed_and_a_gone_reader_stops_the_scan() {
    use std::io::BufRead;
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(
        &mut conn,
        0,
        1_000,
        &[with("table:pages", "v1")],
        None,
        None,
    );
    let r = cmd(&server)
        .args(&[
            "deps",
            "inspect",
            "table:pages",
            "--keys",
            "--json",
            "--batch-size",
            "50",
        ])
        .succeeds();
    let keys = r.json_lines().iter().filter(|l| l["type"] == "key").count();
    assert_eq!(keys, 1_000, "every member of 20+ pages listed");

    fixture::members_without_entries(&mut conn, "cc:dep:keys:table:gone", 30_000);
    reset_command_stats(&mut conn);
    let mut child = cmd(&server)
        .args(&[
            "deps",
            "inspect",
            "table:gone",
            "--keys",
            "--json",
            "--batch-size",
            "100",
        ])
        .into_command()
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"key\""), "{first}");
    // The reader is dropped here, as `head -1` exits after its line.
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a closed pipe ends quietly");
    let sscans = command_calls(&mut conn, "sscan");
    assert!(
        (1..60).contains(&sscans),
        "{sscans} SSCAN pages of 300: the scan went on after its reader had gone"
    );
}

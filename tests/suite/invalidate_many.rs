use std::time::Duration;

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

/// `n` deps doc:0..n, `per` entries each (entry i of dep d is entry number d*per+i).
fn deps_with_entries(conn: &mut redis::Connection, n: u64, per: u64) {
    for d in 0..n {
        fixture::write_many(
            conn,
            d * per,
            per,
            &[with(&format!("doc:{d}"), "v1")],
            None,
            Some(3600),
        );
    }
}

fn write_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn a_file_of_json_lines_invalidates_each_dep_with_its_hash() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    deps_with_entries(&mut conn, 4, 5);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        &dir,
        "deps.jsonl",
        "{\"dep_id\":\"doc:0\",\"new_hash\":\"a\"}\n\n{\"dep_id\":\"doc:1\"}\n{\"dep_id\":\"doc:2\",\"new_hash\":\"c\"}\n{\"dep_id\":\"doc:0\",\"new_hash\":\"a\"}\n",
    );
    let r = cmd(&server)
        .args(&[
            "invalidate-many",
            "--file",
            &file,
            "--new-hash",
            "dflt",
            "--json",
        ])
        .succeeds();
    let lines = r.json_lines();
    assert_eq!(
        lines.len(),
        4,
        "three deps (the duplicate once) and a summary"
    );
    for l in &lines[..3] {
        assert_eq!(l["type"], "dep");
        assert_eq!(l["ok"], true);
        assert_eq!(
            l["l1_deleted"].as_u64().unwrap() + l["l2_deleted"].as_u64().unwrap(),
            5
        );
    }
    let summary = &lines[3];
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["deps"], 3);
    assert_eq!(summary["succeeded"], 3);
    assert_eq!(summary["failed"], 0);
    assert_eq!(
        summary["l1_deleted"].as_u64().unwrap() + summary["l2_deleted"].as_u64().unwrap(),
        15
    );
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:0").as_deref(), Some("a"));
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1").as_deref(), Some("dflt"));
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:2").as_deref(), Some("c"));
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:3"), None);
    assert_eq!(
        smembers(&mut conn, "cc:dep:keys:doc:3").len(),
        5,
        "doc:3 untouched"
    );
}

#[test]
fn plain_lines_from_stdin_and_dep_ids_lists() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    deps_with_entries(&mut conn, 3, 2);
    let r = cmd(&server)
        .args(&[
            "invalidate-many",
            "--file",
            "-",
            "--new-hash",
            "v2",
            "--json",
        ])
        .stdin(b"# from a deploy\ndoc:0\r\ndoc:1\n")
        .succeeds();
    assert_eq!(r.json_lines().last().unwrap()["succeeded"], 2);
    let r = cmd(&server)
        .args(&[
            "invalidate-many",
            "--dep-ids",
            "doc:2,doc:2",
            "--new-hash",
            "v2",
        ])
        .succeeds();
    assert!(r.stdout.contains("doc:2"), "{}", r.stdout);
    for d in 0..3 {
        assert_eq!(
            get(&mut conn, &format!("cc:dep:hash:doc:{d}")).as_deref(),
            Some("v2")
        );
        assert!(!exists(&mut conn, &format!("cc:dep:keys:doc:{d}")));
    }
}

#[test]
fn a_bad_line_700_of_1000_changes_nothing_and_is_named() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    deps_with_entries(&mut conn, 20, 2);
    let text: String = (1..=1000)
        .map(|i| {
            if i == 700 {
                "doc: bad\n".to_string()
            } else {
                format!("doc:{}\n", i % 20)
            }
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(&dir, "deps.txt", &text);
    let before = snapshot(&mut conn);
    let r = run(&server, &["invalidate-many", "--file", &file]);
    assert_eq!(r.code, 2, "{r:?}");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stderr);
    assert!(
        lines[0].contains("line 700") && lines[0].contains("whitespace"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("1 bad line(s)") && lines[1].contains("nothing was invalidated"));
    assert_eq!(snapshot(&mut conn), before);
}

#[test]
fn every_bad_line_is_named_by_number() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    deps_with_entries(&mut conn, 2, 1);
    let dir = tempfile::tempdir().unwrap();
    let mut bytes =
        b"{\"dep_id\":\"doc:0\",\"new_hash\":\"v2\"}\n{\"dep_id\":\"doc:1\"\n{\"dep\":\"doc:1\"}\n"
            .to_vec();
    bytes.extend_from_slice(b"{\"dep_id\":\"doc:\xff\"}\n{\"dep_id\":\"doc:0\",\"new_hash\":\"v3\"}\n{\"dep_id\":\"cc:policy-version:x\"}\n");
    let path = dir.path().join("bad.jsonl");
    std::fs::write(&path, bytes).unwrap();
    let before = snapshot(&mut conn);
    let r = run(
        &server,
        &["invalidate-many", "--file", path.to_str().unwrap()],
    );
    assert_eq!(r.code, 2, "{r:?}");
    for n in [2, 3, 4, 5, 6] {
        assert!(
            r.stderr.contains(&format!("line {n}:")),
            "line {n} named: {}",
            r.stderr
        );
    }
    assert!(!r.stderr.contains("line 1:"));
    assert!(r.stderr.contains("already given on line 1"));
    assert_eq!(snapshot(&mut conn), before);
}

#[test]
fn a_failing_dep_gives_exit_1_with_every_other_dep_done() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    deps_with_entries(&mut conn, 5, 3);
    set(&mut conn, "cc:dep:keys:doc:broken", "a string, not a set");
    set(&mut conn, "cc:dep:hash:doc:4", "v1");
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        &dir,
        "deps.jsonl",
        "{\"dep_id\":\"doc:0\"}\n{\"dep_id\":\"doc:broken\"}\n{\"dep_id\":\"doc:1\"}\n{\"dep_id\":\"doc:4\",\"if_hash\":\"v0\"}\n{\"dep_id\":\"doc:2\"}\n{\"dep_id\":\"doc:3\"}\n",
    );
    let r = run(
        &server,
        &[
            "invalidate-many",
            "--file",
            &file,
            "--json",
            "--concurrency",
            "2",
        ],
    );
    assert_eq!(r.code, 1, "{r:?}");
    let lines = r.json_lines();
    let by_dep = |d: &str| {
        lines
            .iter()
            .find(|l| l["dep_id"] == d)
            .unwrap_or_else(|| panic!("{d} reported"))
    };
    assert_eq!(by_dep("doc:broken")["ok"], false);
    assert!(
        by_dep("doc:broken")["error"]
            .as_str()
            .unwrap()
            .contains("cc:dep:keys:doc:broken holds a string")
    );
    assert_eq!(by_dep("doc:4")["ok"], false);
    assert!(
        by_dep("doc:4")["error"]
            .as_str()
            .unwrap()
            .contains("--if-hash")
    );
    for d in ["doc:0", "doc:1", "doc:2", "doc:3"] {
        assert_eq!(by_dep(d)["ok"], true, "{d}");
        assert!(!exists(&mut conn, &format!("cc:dep:keys:{d}")), "{d} done");
    }
    let summary = lines.last().unwrap();
    assert_eq!(
        (summary["succeeded"].as_u64(), summary["failed"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(
        get(&mut conn, "cc:dep:keys:doc:broken").as_deref(),
        Some("a string, not a set")
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:broken"),
        None,
        "the failed dep changed nothing"
    );
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:4").as_deref(), Some("v1"));
    assert_eq!(smembers(&mut conn, "cc:dep:keys:doc:4").len(), 3);
}

#[test]
fn dry_run_and_max_keys_change_nothing() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    deps_with_entries(&mut conn, 3, 4);
    let before = snapshot(&mut conn);
    let r = cmd(&server)
        .args(&[
            "invalidate-many",
            "--dep-ids",
            "doc:0,doc:1,doc:2",
            "--dry-run",
            "--json",
        ])
        .succeeds();
    let summary = r.json_lines().pop().unwrap();
    assert_eq!(summary["dry_run"], true);
    assert_eq!(
        summary["l1_deleted"].as_u64().unwrap() + summary["l2_deleted"].as_u64().unwrap(),
        12
    );
    assert_eq!(snapshot(&mut conn), before);

    let r = cmd(&server)
        .args(&[
            "invalidate-many",
            "--dep-ids",
            "doc:0,doc:1,doc:2",
            "--max-keys",
            "11",
        ])
        .run();
    let line = r.expect_one_line_error(1);
    assert!(
        line.contains("12 members") && line.contains("--max-keys 11"),
        "{line}"
    );
    assert_eq!(snapshot(&mut conn), before);
}

#[test]
fn an_unreadable_file_is_exit_2() {
    let server = RedisServer::start();
    let r = cmd(&server)
        .args(&["invalidate-many", "--file", "/nonexistent/deps.txt"])
        .run();
    let line = r.expect_one_line_error(2);
    assert!(line.contains("/nonexistent/deps.txt"), "{line}");
}

/// Peak resident memory of a running child, sampled from /proc until it exits.
fn run_measuring_peak_rss(cmd: CmdBuilder) -> (Run, u64) {
    let child = cmd.spawn();
    let status_path = format!("/proc/{}/status", child.id());
    let sampler = std::thread::spawn(move || {
        let mut peak = 0u64;
        while let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        peak
    });
    let run = child.finish();
    (run, sampler.join().unwrap())
}

#[test]
fn one_hundred_thousand_deps_run_with_bounded_memory() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    // 100,000 deps doc:0..doc:99999, one entry each, plus table:t on every entry.
    fixture::write_many(
        &mut conn,
        0,
        100_000,
        &[with("table:t", "v1")],
        Some("doc:"),
        Some(3600),
    );
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..100_000).map(|i| format!("doc:{i}\n")).collect();
    let file = write_file(&dir, "deps.txt", &text);
    let (r, peak_kb) = run_measuring_peak_rss(cmd(&server).args(&[
        "invalidate-many",
        "--file",
        &file,
        "--new-hash",
        "v2",
        "--json",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary = r.json_lines().pop().unwrap();
    assert_eq!(summary["succeeded"], 100_000);
    assert_eq!(
        summary["l1_deleted"].as_u64().unwrap() + summary["l2_deleted"].as_u64().unwrap(),
        100_000
    );
    assert_eq!(
        scan_keys(&mut conn, "cc:l1:*").len() + scan_keys(&mut conn, "vec:*").len(),
        0
    );
    assert_eq!(scan_keys(&mut conn, "cc:dep:hash:doc:*").len(), 100_000);
    // Results are streamed, not kept: the input list is the only thing that grows with
    // the number of deps (about 8 MB here, with a debug build's allocator overhead).
    assert!(peak_kb > 0 && peak_kb < 48 * 1024, "peak RSS {peak_kb} KB");
    eprintln!("invalidate-many 100k deps: peak RSS {peak_kb} KB");
}

#[test]
fn tier_counts_are_per_entry_kind() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let l2 = fixture::key(Tier::L2, "default", 1);
    fixture::write_entry(&mut conn, &l2, "default", &[with("doc:x", "v1")], None);
    let r = run(
        &server,
        &["invalidate-many", "--dep-ids", "doc:x", "--json"],
    );
    let lines = r.json_lines();
    assert_eq!(
        (
            lines[0]["l1_deleted"].as_u64(),
            lines[0]["l2_deleted"].as_u64()
        ),
        (Some(0), Some(1))
    );
}

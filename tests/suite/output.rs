//! One output path: closed pipes, logs that stay readable, `--quiet`, JSON errors, audit
//! records in JSON, help that teaches.

use std::process::Command;

use crate::support::fixture::{self, with};
use crate::support::*;

/// Runs `cachecore --redis-url URL <args> | <consumer>` in bash and returns
/// (cachecore's exit code, its stderr, the consumer's output).
fn piped(server: &RedisServer, args: &str, consumer: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let err = dir.path().join("stderr");
    let script = format!(
        "{} --redis-url '{}' {args} 2>'{}' | {consumer}; exit ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_cachecore"),
        server.url,
        err.display()
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .env_remove("CACHECORE_REDIS_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        std::fs::read_to_string(err).unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_printing_quietly_and_work_goes_on() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let mut ids = String::new();
    for d in 0..2000 {
        fixture::write_entry(
            &mut conn,
            &fixture::key(fixture::Tier::L1, "default", d),
            "default",
            &[with(&format!("doc:{d}"), "v1")],
            Some(600),
        );
        ids.push_str(&format!("doc:{d}\n"));
    }
    for (args, consumer) in [
        ("deps list", "head -1"),
        ("deps list --json", "head -1"),
        ("deps inspect doc:1 doc:2 --keys", "head -1"),
        ("audit", "head -1"),
    ] {
        let (code, stderr, out) = piped(&server, args, consumer);
        assert_eq!(code, 0, "{args}: {stderr}");
        assert!(
            !stderr.contains("panicked") && stderr.is_empty(),
            "{args}: {stderr}"
        );
        assert_eq!(out.lines().count(), 1, "{args}");
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), ids).unwrap();
    let (code, stderr, out) = piped(
        &server,
        &format!(
            "invalidate-many --file {} --json --wave 10",
            file.path().display()
        ),
        "head -c 300",
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(out.len(), 300);
    assert_eq!(
        scan_keys(&mut conn, "cc:dep:hash:doc:*").len(),
        2000,
        "every dep was invalidated although nobody read the results"
    );
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty());
}

#[test]
fn tables_off_a_terminal_never_wrap_and_follow_columns() {
    let server = RedisServer::start();
    let long = format!("table:{}", "customers_".repeat(12));
    fixture::write_many(
        &mut server.conn(),
        0,
        3,
        &[with(&long, "v1")],
        None,
        Some(600),
    );
    let r = cmd(&server).args(&["deps", "inspect", &long]).succeeds();
    assert!(
        r.stdout.lines().any(|l| l.contains(&long)),
        "the dep id stays on one line:\n{}",
        r.stdout
    );
    assert!(r.stdout.lines().any(|l| l.chars().count() > 120));
    let narrow = cmd(&server)
        .env("COLUMNS", "60")
        .args(&["deps", "inspect", &long])
        .run();
    assert!(
        narrow.stdout.lines().all(|l| l.chars().count() <= 60),
        "COLUMNS=60:\n{}",
        narrow.stdout
    );
    // One number style: thousands separators in tables.
    fixture::write_many(
        &mut server.conn(),
        100,
        1200,
        &[with("doc:big", "v1")],
        None,
        Some(600),
    );
    let r = run(&server, &["deps", "inspect", "doc:big"]);
    assert!(r.stdout.contains("1,200"), "{}", r.stdout);
    assert_eq!(
        run(&server, &["deps", "inspect", "doc:big", "--json"]).json()["deps"][0]["members"],
        1200
    );
}

#[test]
fn quiet_means_quiet_and_json_errors_are_json() {
    let server = RedisServer::start();
    fixture::write_many(
        &mut server.conn(),
        0,
        3,
        &[with("doc:1", "v1")],
        None,
        Some(600),
    );
    for args in [
        &["--quiet", "doctor"][..],
        &["-q", "deps", "list"][..],
        &["-q", "deps", "inspect", "doc:1"][..],
        &["-q", "invalidate", "doc:1", "--new-hash", "v2"][..],
        &["-q", "policy", "list"][..],
    ] {
        let r = run(&server, args);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {r:?}");
        assert!(
            r.stdout.is_empty() && r.stderr.is_empty(),
            "{args:?}: {r:?}"
        );
    }
    let r = run(&server, &["-q", "--json", "deps", "inspect", "doc:1"]);
    assert_eq!(
        r.json()["deps"][0]["dep_id"],
        "doc:1",
        "the JSON asked for is printed"
    );

    for (args, code, kind) in [
        (&["--json", "invalidate", "bad id"][..], 2, "usage"),
        (
            &[
                "--json",
                "invalidate",
                "doc:1",
                "--if-hash",
                "nope",
                "--new-hash",
                "v3",
            ][..],
            1,
            "refused",
        ),
    ] {
        let r = run(&server, args);
        assert_eq!(r.code, code, "{r:?}");
        let err: serde_json::Value =
            serde_json::from_str(r.stderr.trim()).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
        assert_eq!(err["version"], 1);
        assert_eq!(err["error"]["kind"], kind);
        assert_eq!(err["error"]["exit_code"], code);
        assert!(err["error"]["message"].as_str().unwrap().len() > 10);
    }
    let r = run_url(
        "redis://127.0.0.1:1",
        &["--json", "deps", "list", "--timeout", "1s"],
    );
    let err: serde_json::Value = serde_json::from_str(r.stderr.trim()).unwrap();
    assert_eq!((r.code, err["error"]["kind"].as_str()), (3, Some("redis")));
    // Bad lines of an input file travel inside the one error object.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "doc:1\nbad id\n").unwrap();
    let r = run(
        &server,
        &[
            "--json",
            "invalidate-many",
            "--file",
            file.path().to_str().unwrap(),
        ],
    );
    let err: serde_json::Value = serde_json::from_str(r.stderr.trim()).unwrap();
    assert!(
        err["error"]["details"][0]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{err}"
    );
}

#[test]
fn audit_records_follow_the_json_rules() {
    let server = RedisServer::start();
    fixture::write_many(
        &mut server.conn(),
        0,
        3,
        &[with("doc:1", "v1")],
        None,
        Some(600),
    );
    cmd(&server)
        .env_remove("USER")
        .env_remove("LOGNAME")
        .args(&["invalidate", "doc:1", "--new-hash", "v2"])
        .succeeds();
    let lines = run(&server, &["audit", "--json"]).json_lines();
    let a = &lines[0];
    assert_eq!(a["deps"], serde_json::json!(["doc:1"]));
    assert_eq!(
        a["old_hash"],
        serde_json::Value::Null,
        "absent is null: {a}"
    );
    assert_eq!(a["new_hash"], "v2");
    assert_eq!(a["reason"], serde_json::Value::Null);
    assert_eq!(a["counts"]["members"], 3, "counts is an object: {a}");
    let user = a["user"].as_str().unwrap();
    assert!(
        !user.is_empty() && user != "unknown",
        "who from the OS: {user}"
    );
}

#[test]
fn help_teaches_and_man_pages_install() {
    let help = |args: &[&str]| cmd_no_url().args(args).succeeds().stdout;
    let h = help(&["invalidate", "--help"]);
    assert!(
        h.contains("Connection:") && h.contains("--redis-url"),
        "{h}"
    );
    assert!(h.contains("Examples:\n  cachecore invalidate"), "{h}");
    let h = help(&["deps", "inspect", "--help"]);
    assert!(
        h.contains("Examples:") && h.contains("--expect-hash"),
        "{h}"
    );
    for offline in ["key", "completions", "man"] {
        let h = help(&[offline, "--help"]);
        assert!(
            !h.contains("--redis-url") && !h.contains("--tls-ca"),
            "{offline}: {h}"
        );
    }
    // Given a man root, as `man` expects one: the pages go to its man1/, and man finds
    // them with that root on its path. Given a man1 directory, they go there.
    let dir = tempfile::tempdir().unwrap();
    for (given, section) in [
        ("share/man", "share/man/man1"),
        ("other/man1", "other/man1"),
    ] {
        cmd_no_url()
            .args(&[
                "man",
                "--install-dir",
                dir.path().join(given).to_str().unwrap(),
            ])
            .succeeds();
        let section = dir.path().join(section);
        let page = std::fs::read_to_string(section.join("cachecore-invalidate.1")).unwrap();
        assert!(page.contains("EXAMPLES") && page.contains("EXIT STATUS"));
        let found = Command::new("man")
            .args(["-w", "cachecore-invalidate"])
            .env("MANPATH", section.parent().unwrap())
            .output()
            .expect("man runs (scripts/test installs man-db)");
        assert_eq!(
            String::from_utf8_lossy(&found.stdout).trim(),
            section.join("cachecore-invalidate.1").to_str().unwrap(),
            "{found:?}"
        );
    }
    // A failure that is not Redis's never exits 3.
    let r = cmd_no_url()
        .args(&["man", "--install-dir", "/proc/nope/man1"])
        .run();
    assert_eq!(r.code, 4, "{r:?}");
}

/// On an 80-column terminal (COLUMNS, as a terminal sets it) no key, dep id or timestamp
/// is split across lines: too wide a table becomes name/value blocks, and a key too long
/// for the screen loses its middle; off a terminal the full key is printed.
#[test]
fn narrow_terminals_never_split_an_identifier() {
    let server = RedisServer::start();
    cmd(&server).args(&["demo", "--entries", "20"]).succeeds();
    let mut conn = server.conn();
    let key = String::from_utf8(scan_keys(&mut conn, "cc:l1:demo:*")[0].clone()).unwrap();
    let narrow = |args: &[&str]| {
        cmd(&server)
            .args(args)
            .env("COLUMNS", "80")
            .succeeds()
            .stdout
    };
    let shown = narrow(&["entry", &key]);
    let line = shown
        .lines()
        .find(|l| l.contains("cc:l1:demo:"))
        .expect("the key row");
    assert!(line.contains('…') && line.chars().count() <= 80, "{shown}");
    let (head, tail) = line.split_once('…').unwrap();
    let head = head.rsplit(' ').next().unwrap();
    let tail = tail.split(' ').next().unwrap();
    assert!(
        key.starts_with(head) && key.ends_with(tail) && head.len() > 20,
        "{shown}"
    );
    for l in shown.lines() {
        assert!(l.chars().count() <= 80, "{shown}");
    }
    assert_eq!(
        run(
            &server,
            &["invalidate", "doc:contract-3", "--new-hash", "v2"]
        )
        .code,
        0
    );
    let audit = narrow(&["audit"]);
    let stamp = audit
        .lines()
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("20") && w.ends_with('Z'))
        })
        .unwrap_or_else(|| panic!("a whole timestamp on one line: {audit}"));
    assert_eq!(stamp.len(), "2026-12-06T03:33:34Z".len(), "{audit}");
    assert!(audit.contains("doc:contract-3"), "{audit}");
    // Off a terminal (no COLUMNS) the value is printed whole.
    let whole = cmd(&server)
        .args(&["entry", &key])
        .env_remove("COLUMNS")
        .succeeds()
        .stdout;
    assert!(whole.contains(&key), "{whole}");
}

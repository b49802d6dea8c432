//! Honest results: no false "done", no gate that passes wrongly, nothing outside the cache
//! touched whatever is planted, hostile input refused whole. Each test names the case of
//! the issue it guards.

use std::time::{Duration, Instant};

use cachecore::bookkeeping::{pending_key, registry_key};
use cachecore::layout::DepId;

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

fn entries_left(conn: &mut redis::Connection) -> usize {
    scan_keys(conn, "cc:l1:*").len() + scan_keys(conn, "vec:*").len()
}

fn sadd(conn: &mut redis::Connection, set: &str, member: &str) {
    let _: i64 = redis::cmd("SADD").arg(set).arg(member).query(conn).unwrap();
}

fn registry(dep: &str) -> String {
    registry_key(&DepId::parse(dep).unwrap())
}

/// Case 1: a server restarted from its AOF in the middle of a drain. The old SSCAN cursor
/// means nothing to the new process: a run that exits 0 must have left no entry.
#[test]
fn a_restart_mid_run_never_ends_in_a_false_success() {
    let mut server = RedisServer::durable();
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
        .args(&[
            "invalidate",
            "big:1",
            "--new-hash",
            "v2",
            "--rate",
            "4000",
            "--json",
        ])
        .spawn();
    child.wait_until(Duration::from_secs(30), "4,000 entries deleted", || {
        gone.at_least(4_000)
    });
    server.restart();
    let r = child.finish();
    let mut conn = server.conn();
    let left = entries_left(&mut conn);
    match r.code {
        0 => {
            assert_eq!(left, 0, "exit 0 left entries behind: {r:?}");
            assert_eq!(
                r.json()["l1_deleted"].as_u64().unwrap()
                    + r.json()["l2_deleted"].as_u64().unwrap()
                    + r.json()["already_gone"].as_u64().unwrap(),
                20_000,
                "{}",
                r.stdout
            );
        }
        3 => assert!(
            !scan_keys(&mut conn, "cc:inval:*").is_empty() || left == 0,
            "an exit 3 keeps the pending set for the rerun"
        ),
        _ => panic!("unexpected exit: {r:?}"),
    }
    // Whatever happened, the gate agrees with the keyspace, and a rerun finishes.
    let gate = run(
        &server,
        &["deps", "inspect", "big:1", "--expect-hash", "v2"],
    );
    assert_eq!(
        gate.code == 0,
        left == 0,
        "gate vs {left} entries left: {gate:?}"
    );
    cmd(&server)
        .args(&["invalidate", "big:1", "--new-hash", "v2"])
        .succeeds();
    assert_eq!(entries_left(&mut conn), 0);
}

/// Case 2: a conditional run stopped half-way (SIGINT, SIGKILL) is finished by its rerun.
#[test]
fn an_interrupted_conditional_run_is_finished_by_the_same_command() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let cases: [(&str, &[&str]); 3] = [
        ("INT", &["--if-hash", "v1"]),
        ("KILL", &["--if-hash", "v1"]),
        ("INT", &["--if-unset"]),
    ];
    for (signal, condition) in cases {
        let _: () = redis::cmd("FLUSHALL").query(&mut conn).unwrap();
        if condition[0] == "--if-hash" {
            set(&mut conn, "cc:dep:hash:big:1", "v1");
        }
        fixture::write_many(
            &mut conn,
            0,
            30_000,
            &[fixture::current("big:1")],
            None,
            Some(600),
        );
        let mut args = vec!["invalidate", "big:1", "--new-hash", "v2", "--rate", "10000"];
        args.extend(condition);
        let mut gone = Deletions::from_now(&server);
        let mut child = cmd(&server).args(&args).spawn();
        child.wait_until(Duration::from_secs(30), "3,000 entries deleted", || {
            gone.at_least(3_000)
        });
        child.signal(signal);
        let r = child.finish();
        if signal == "INT" {
            assert_eq!(r.code, 130, "{r:?}");
            assert!(
                r.stderr.contains("--new-hash v2"),
                "names the finishing command: {}",
                r.stderr
            );
        }
        assert!(
            entries_left(&mut conn) > 0,
            "stopped half-way ({signal} {condition:?})"
        );
        let mut again = args.clone();
        again.push("--json");
        let r = run(&server, &again);
        assert_eq!(
            r.code, 0,
            "the rerun finishes ({signal} {condition:?}): {r:?}"
        );
        assert!(
            r.json()["resumed_runs"].as_u64().unwrap() >= 1,
            "{}",
            r.stdout
        );
        assert_eq!(entries_left(&mut conn), 0, "{signal} {condition:?}");
        assert!(scan_keys(&mut conn, "cc:inval:*").is_empty());
        assert_eq!(get(&mut conn, "cc:dep:hash:big:1").as_deref(), Some("v2"));
    }
    // The same for invalidate-many's JSON Lines if_hash.
    let _: () = redis::cmd("FLUSHALL").query(&mut conn).unwrap();
    set(&mut conn, "cc:dep:hash:big:1", "v1");
    fixture::write_many(
        &mut conn,
        0,
        30_000,
        &[fixture::current("big:1")],
        None,
        Some(600),
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        file.path(),
        "{\"dep_id\":\"big:1\",\"new_hash\":\"v2\",\"if_hash\":\"v1\"}\n",
    )
    .unwrap();
    let path = file.path().to_str().unwrap();
    let args = [
        "invalidate-many",
        "--file",
        path,
        "--rate",
        "10000",
        "--json",
    ];
    let mut gone = Deletions::from_now(&server);
    let mut child = cmd(&server).args(&args).spawn();
    child.wait_until(Duration::from_secs(30), "3,000 entries deleted", || {
        gone.at_least(3_000)
    });
    child.signal("INT");
    assert_eq!(child.finish().code, 130);
    cmd(&server).args(&args).succeeds();
    assert_eq!(entries_left(&mut conn), 0);
}

/// Case 3 (and the gate's whole truth table): set empty or not x hash absent, equal or
/// different x an unfinished run or not. The gate passes only when the hash is the
/// expected one, no run is unfinished, and no live entry is stale.
#[test]
fn the_gate_truth_table() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for members in [false, true] {
        for hash in [None, Some("v2"), Some("v3")] {
            for unfinished in [false, true] {
                let _: () = redis::cmd("FLUSHALL").query(&mut conn).unwrap();
                if members {
                    // Entries that recorded v2: fresh at v2 or absent, stale at v3.
                    fixture::write_many(&mut conn, 0, 3, &[with("doc:g", "v2")], None, Some(600));
                }
                if let Some(h) = hash {
                    set(&mut conn, "cc:dep:hash:doc:g", h);
                }
                if unfinished {
                    let dep = DepId::parse("doc:g").unwrap();
                    let pending = pending_key(&dep, "0123456789abcdef0123456789abcdef");
                    fixture::write_entry(
                        &mut conn,
                        &fixture::key(Tier::L1, "default", 90),
                        "default",
                        &[with("doc:g", "v1")],
                        Some(600),
                    );
                    sadd(&mut conn, &pending, &fixture::key(Tier::L1, "default", 90));
                    sadd(&mut conn, &registry("doc:g"), &pending);
                }
                let r = run(
                    &server,
                    &["deps", "inspect", "doc:g", "--expect-hash", "v2", "--json"],
                );
                let want = hash == Some("v2") && !unfinished;
                let case =
                    format!("members {members}, hash {hash:?}, unfinished {unfinished}: {r:?}");
                assert_eq!(r.code, if want { 0 } else { 1 }, "{case}");
                let dep = &r.json()["deps"][0];
                assert_eq!(dep["ok"], want, "{case}");
                assert_eq!(r.json()["ok"], want, "{case}");
                let failures = dep["failures"].as_array().unwrap();
                assert_eq!(failures.is_empty(), want, "{case}");
                if unfinished {
                    assert!(
                        failures
                            .iter()
                            .any(|f| f.as_str().unwrap().contains("unfinished")),
                        "{case}"
                    );
                }
            }
        }
    }
}

/// Case 4: a stopped server ends the whole bulk run within about one timeout.
#[test]
fn a_stopped_server_stops_invalidate_many_within_one_timeout() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let mut ids = String::new();
    for d in 0..40 {
        fixture::write_many(
            &mut conn,
            d * 10_000,
            2_000,
            &[with(&format!("doc:{d}"), "v1")],
            None,
            Some(600),
        );
        ids.push_str(&format!("doc:{d}\n"));
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), ids).unwrap();
    let mut gone = Deletions::from_now(&server);
    let mut child = cmd(&server)
        .args(&[
            "invalidate-many",
            "--file",
            file.path().to_str().unwrap(),
            "--timeout",
            "1s",
            "--rate",
            "20000",
            "--json",
        ])
        .spawn();
    child.wait_until(Duration::from_secs(30), "10,000 entries deleted", || {
        gone.at_least(10_000)
    });
    server.signal("STOP");
    let stopped = Instant::now();
    let r = child.finish();
    let took = stopped.elapsed();
    server.signal("CONT");
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        took < Duration::from_secs(4),
        "stopped {took:?} after the server did"
    );
    let lines = r.json_lines();
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    let reported = lines.len() as u64 - 1 + summary["not_started"].as_u64().unwrap();
    assert_eq!(reported, 40, "every dep is reported: {}", r.stdout);
}

/// Case 7: registry members the tool did not write are never followed.
#[test]
fn planted_registry_members_are_skipped_and_nothing_foreign_is_deleted() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    set(&mut conn, "session:abc", "precious");
    set(&mut conn, "session:str", "precious");
    fixture::write_many(&mut conn, 0, 5, &[with("doc:x", "v1")], None, Some(600));
    fixture::write_many(
        &mut conn,
        100,
        5,
        &[with("doc:victim", "v1")],
        None,
        Some(600),
    );
    let string_pending = pending_key(
        &DepId::parse("doc:x").unwrap(),
        "fedcba9876543210fedcba9876543210",
    );
    set(&mut conn, &string_pending, "a string where a set should be");
    for planted in [
        "session:abc",
        "session:str",
        "cc:dep:keys:doc:victim",
        string_pending.as_str(),
    ] {
        sadd(&mut conn, &registry("doc:x"), planted);
    }
    let victim_before = smembers(&mut conn, "cc:dep:keys:doc:victim");
    for round in 0..2 {
        let r = run(
            &server,
            &[
                "invalidate",
                "doc:x",
                "--new-hash",
                &format!("v{round}x"),
                "--json",
            ],
        );
        assert_eq!(r.code, 0, "never blocked by what was planted: {r:?}");
        assert_eq!(r.json()["foreign_runs"], 4, "reported: {}", r.stdout);
    }
    assert_eq!(get(&mut conn, "session:abc").as_deref(), Some("precious"));
    assert_eq!(get(&mut conn, "session:str").as_deref(), Some("precious"));
    assert!(exists(&mut conn, &string_pending));
    assert_eq!(smembers(&mut conn, "cc:dep:keys:doc:victim"), victim_before);
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:victim"), None);
    for i in 100..105 {
        let k = fixture::key(if i % 5 == 4 { Tier::L2 } else { Tier::L1 }, "default", i);
        assert!(exists(&mut conn, &k), "victim's entry {k} kept");
    }
    assert_eq!(entries_left(&mut conn), 5, "only doc:x's entries went");
}

/// Case 9: a byte-order mark does not become part of the first dep id; invisible
/// characters inside an id are refused.
#[test]
fn a_bom_is_stripped_and_invisible_characters_are_refused() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("deps.txt");
    std::fs::write(&plain, b"\xEF\xBB\xBFdoc:1\ndoc:2\n").unwrap();
    cmd(&server)
        .args(&[
            "invalidate-many",
            "--file",
            plain.to_str().unwrap(),
            "--new-hash",
            "v2",
        ])
        .succeeds();
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1").as_deref(), Some("v2"));
    assert!(scan_keys(&mut conn, "cc:dep:hash:\u{feff}*").is_empty());
    let jsonl = dir.path().join("deps.jsonl");
    std::fs::write(
        &jsonl,
        b"\xEF\xBB\xBF{\"dep_id\":\"doc:3\",\"new_hash\":\"v3\"}\n",
    )
    .unwrap();
    cmd(&server)
        .args(&["invalidate-many", "--file", jsonl.to_str().unwrap()])
        .succeeds();
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:3").as_deref(), Some("v3"));

    let before = snapshot(&mut conn);
    for id in ["doc:\u{200b}1", "doc:1\u{202e}", "\u{feff}doc:1"] {
        let r = cmd(&server)
            .args(&["invalidate", id, "--new-hash", "v9"])
            .run();
        let err = r.expect_one_line_error(2);
        assert!(
            err.contains("invisible") || err.contains("bidirectional"),
            "{err}"
        );
        let hidden = dir.path().join("hidden.txt");
        std::fs::write(&hidden, format!("doc:ok\n{id}\n")).unwrap();
        let r = run(
            &server,
            &["invalidate-many", "--file", hidden.to_str().unwrap()],
        );
        assert_eq!(r.code, 2, "{r:?}");
        assert!(r.stderr.contains("line 2"), "{}", r.stderr);
    }
    assert_eq!(snapshot(&mut conn), before, "nothing changed");
}

/// Cases 10 and 11: unbounded and mixed input is refused whole, quickly, naming the line.
#[test]
fn endless_long_or_mixed_input_is_refused_with_nothing_changed() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 5, &[with("doc:1", "v1")], None, Some(600));
    let before = snapshot(&mut conn);

    let started = Instant::now();
    let r = cmd(&server)
        .args(&["invalidate-many", "--file", "/dev/zero"])
        .run();
    let err = r.expect_one_line_error(2);
    assert!(
        err.contains("line 1") && err.contains("8192 bytes"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let r = cmd(&server)
        .args(&["invalidate-many", "--file", "-", "--max-lines", "1000"])
        .stdin_with(|mut stdin| {
            use std::io::Write;
            // Like `yes doc:1`: it only stops when the reader goes away.
            while stdin.write_all(&b"doc:1\n".repeat(1000)).is_ok() {}
        })
        .run();
    let err = r.expect_one_line_error(2);
    assert!(
        err.contains("line 1001") && err.contains("--max-lines 1000"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let mixed = dir.path().join("mixed.txt");
    std::fs::write(
        &mixed,
        "doc:1\n{\"dep_id\":\"doc:2\",\"new_hash\":\"v2\"}\n",
    )
    .unwrap();
    let r = run(
        &server,
        &["invalidate-many", "--file", mixed.to_str().unwrap()],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("line 2") && r.stderr.contains("--format jsonl"),
        "{}",
        r.stderr
    );
    assert_eq!(snapshot(&mut conn), before, "nothing changed");
}

/// Case 12: no password in any printed form of a bad or unreachable URL; a password on
/// the command line gets a warning.
#[test]
fn passwords_in_urls_are_never_printed() {
    for url in [
        "redis://:S3cretPW/x@127.0.0.1:1",
        "alice:S3cretPW@127.0.0.1:1",
        "redis+unix:///nonexistent/r.sock?password=S3cretPW",
        "redis+unix:///nonexistent/r.sock?pass=S3cretPW&db=0",
        "redis://bob:S3cretPW@127.0.0.1:1/0",
    ] {
        let r = run_url(url, &["deps", "list", "--timeout", "1s"]);
        assert!(r.code == 2 || r.code == 3, "{url}: {r:?}");
        assert!(
            !r.stderr.contains("S3cretPW") && !r.stdout.contains("S3cretPW"),
            "{url}: {}",
            r.stderr
        );
        assert_eq!(
            r.stderr.matches("visible to every user").count(),
            1,
            "{url}: {}",
            r.stderr
        );
    }
    let server = RedisServer::start();
    let r = run(&server, &["deps", "list"]);
    assert!(
        !r.stderr.contains("visible to every user"),
        "no password, no warning"
    );
}

/// Case 13: refusals say what was found and what to do, never "rerun the same command".
#[test]
fn refusals_give_advice_that_is_true() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 10, &[with("doc:1", "v1")], None, Some(600));
    set(&mut conn, "cc:dep:hash:doc:1", "v5");
    for args in [
        &["invalidate", "doc:1", "--if-hash", "v1", "--new-hash", "v2"][..],
        &["invalidate", "doc:1", "--max-keys", "3"][..],
        &["invalidate", "doc:1", "--if-unset", "--new-hash", "v2"][..],
    ] {
        let r = run(&server, args);
        let err = r.expect_one_line_error(1);
        assert!(!err.contains("rerun the same command"), "{err}");
        assert!(err.contains("nothing was changed"), "{err}");
    }
    // Already at the new hash: the advice names the unconditional command.
    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--if-hash", "v1", "--new-hash", "v5"])
        .run();
    let err = r.expect_one_line_error(1);
    assert!(
        err.contains("cachecore invalidate doc:1 --new-hash v5"),
        "{err}"
    );
}

/// Case 14: the CI recipes of docs/bulk-and-ci.md, run literally, with a plain and a JSON
/// Lines deps file and with an empty diff.
#[test]
fn the_documented_ci_recipes_run_as_written() {
    let plain = crate::support::docs::recipe("ci");
    let jsonl = crate::support::docs::recipe("ci-jsonl");
    let server = RedisServer::start();
    let mut conn = server.conn();
    for (name, body, diff, shallow) in [
        ("ci", &plain, true, false),
        ("ci-jsonl", &jsonl, true, false),
        ("ci", &plain, false, false),
        ("ci-jsonl", &jsonl, false, false),
        ("ci", &plain, true, true),
        ("ci-jsonl", &jsonl, true, true),
    ] {
        let _: () = redis::cmd("FLUSHALL").query(&mut conn).unwrap();
        let repo = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args([
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@e",
                    "-c",
                    "commit.gpgsign=false",
                ])
                .args(args)
                .current_dir(repo.path())
                .output()
                .unwrap();
            assert!(ok.status.success(), "git {args:?}: {ok:?}");
        };
        std::fs::create_dir(repo.path().join("docs")).unwrap();
        for f in ["a", "b", "c"] {
            std::fs::write(repo.path().join("docs").join(f), "1").unwrap();
        }
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["commit", "-qm", "one"]);
        if diff {
            std::fs::write(repo.path().join("docs/a"), "2").unwrap();
            std::fs::write(repo.path().join("docs/b"), "2").unwrap();
        } else {
            std::fs::write(repo.path().join("README"), "2").unwrap();
        }
        git(&["add", "."]);
        git(&["commit", "-qm", "two"]);
        for doc in ["a", "b", "c"] {
            fixture::write_many(
                &mut conn,
                1000 * doc.len() as u64 + doc.as_bytes()[0] as u64 * 10,
                5,
                &[with(&format!("doc:{doc}"), "v1")],
                None,
                Some(600),
            );
        }
        // A CI system's default clone of --depth 1: the recipe must fail, not pass green.
        let shallow_dir = tempfile::tempdir().unwrap();
        let workdir = if shallow {
            let url = format!("file://{}", repo.path().display());
            let cloned = std::process::Command::new("git")
                .args(["clone", "-q", "--depth", "1", &url, "."])
                .current_dir(shallow_dir.path())
                .output()
                .unwrap();
            assert!(cloned.status.success(), "{cloned:?}");
            shallow_dir.path()
        } else {
            repo.path()
        };
        // As written: the recipe sets its own shell options.
        let out = std::process::Command::new("bash")
            .args(["-c", body])
            .current_dir(workdir)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    std::path::Path::new(env!("CARGO_BIN_EXE_cachecore"))
                        .parent()
                        .unwrap()
                        .display(),
                    std::env::var("PATH").unwrap()
                ),
            )
            .env("CACHECORE_REDIS_URL", &server.url)
            .env("GIT_SHA", "sha-2")
            .output()
            .unwrap();
        let r = finish(out);
        if shallow {
            assert_ne!(r.code, 0, "{name} in a shallow clone: {r:?}");
            assert!(r.stdout.contains("no parent commit"), "{name}: {r:?}");
            assert!(
                scan_keys(&mut conn, "cc:dep:hash:doc:*").is_empty(),
                "{name}"
            );
            continue;
        }
        assert_eq!(r.code, 0, "{name}: {r:?}");
        let (changed, kept) = if diff { (2, 1) } else { (0, 3) };
        let hashed = scan_keys(&mut conn, "cc:dep:hash:doc:*").len();
        assert_eq!(hashed, changed, "{name}");
        assert_eq!(entries_left(&mut conn), 5 * kept, "{name}");
        if !diff {
            assert!(
                r.stderr.contains("nothing was checked"),
                "{name}: {}",
                r.stderr
            );
        }
    }
}

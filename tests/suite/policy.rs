use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::fixture::{self, Tier, Writer, with};
use crate::support::*;

const DEMO_RECORD: &str = "cc:dep:hash:cc:policy-version:demo";

fn two_namespaces(conn: &mut redis::Connection) -> (Vec<String>, Vec<String>) {
    let mut shop = Vec::new();
    let mut blog = Vec::new();
    for i in 0..10 {
        let tier = if i % 3 == 0 { Tier::L2 } else { Tier::L1 };
        let k = fixture::key(tier, "shop", i);
        fixture::write_entry(conn, &k, "shop", &[with("doc:1", "v1")], Some(3600));
        shop.push(k);
        let k = fixture::key(tier, "blog", i);
        fixture::write_entry(conn, &k, "blog", &[with("doc:1", "v1")], Some(3600));
        blog.push(k);
    }
    (shop, blog)
}

#[test]
fn a_roll_makes_every_earlier_entry_of_the_namespace_stale_and_no_other() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let (shop, blog) = two_namespaces(&mut conn);
    assert!(shop.iter().chain(&blog).all(|k| is_fresh(&mut conn, k)));

    let r = cmd(&server)
        .args(&["policy", "roll", "--namespace", "shop", "--json"])
        .succeeds();
    let j = r.json();
    assert_eq!(j["command"], "policy roll");
    assert_eq!(j["old_version"], "1");
    assert_eq!(j["new_version"], "2");
    assert_eq!(
        get(&mut conn, "cc:dep:hash:cc:policy-version:shop").as_deref(),
        Some("2")
    );
    for k in &shop {
        assert!(
            exists(&mut conn, k),
            "a roll without --purge deletes nothing"
        );
        assert!(!is_fresh(&mut conn, k), "{k} is stale after the roll");
    }
    assert!(
        blog.iter().all(|k| is_fresh(&mut conn, k)),
        "other namespaces stay fresh"
    );

    let show = run(&server, &["policy", "show", "-n", "shop", "--json"]).json();
    assert_eq!(
        (show["policy_version"].as_str(), show["explicit"].as_bool()),
        (Some("2"), Some(true))
    );
    let show = run(&server, &["policy", "show", "-n", "blog", "--json"]).json();
    assert_eq!(
        (show["policy_version"].as_str(), show["explicit"].as_bool()),
        (Some("1"), Some(false))
    );

    let list = run(&server, &["policy", "list", "--json"]).json();
    let ns = list["namespaces"].as_array().unwrap();
    assert_eq!(ns.len(), 2);
    let shop_row = ns.iter().find(|n| n["namespace"] == "shop").unwrap();
    assert_eq!(
        (shop_row["l1"].as_u64(), shop_row["l2"].as_u64()),
        (Some(6), Some(4))
    );
    assert_eq!(shop_row["policy_version"], "2");

    // Rolling again increments; --to moves to a chosen version but never back.
    assert_eq!(
        run(&server, &["policy", "roll", "-n", "shop", "--json"]).json()["new_version"],
        "3"
    );
    assert_eq!(
        run(
            &server,
            &["policy", "roll", "-n", "shop", "--to", "10", "--json"]
        )
        .json()["new_version"],
        "10"
    );
    // Refusals of a version are negative answers (exit 1), not usage errors.
    let line = run(&server, &["policy", "roll", "-n", "shop", "--to", "4"])
        .expect_one_line_error(1)
        .to_string();
    assert!(line.contains("lower than the current version 10"), "{line}");
    run(&server, &["policy", "roll", "-n", "shop", "--to", "10"]).expect_one_line_error(1);
    assert_eq!(
        get(&mut conn, "cc:dep:hash:cc:policy-version:shop").as_deref(),
        Some("10")
    );
}

#[test]
fn purge_deletes_entries_written_before_the_roll_and_keeps_later_ones() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let (shop, blog) = two_namespaces(&mut conn);
    cmd(&server)
        .args(&["policy", "roll", "-n", "shop", "--json"])
        .succeeds();
    // Written after the roll: records version 2.
    let later = fixture::key(Tier::L1, "shop", 99);
    fixture::write_entry(&mut conn, &later, "shop", &[with("doc:1", "v1")], None);
    // A corrupt entry is left alone.
    let corrupt = fixture::key(Tier::L2, "shop", 98);
    let () = redis::cmd("HSET")
        .arg(&corrupt)
        .arg("deps")
        .arg("nope")
        .query(&mut conn)
        .unwrap();

    let before = snapshot(&mut conn);
    let dry = run(
        &server,
        &["policy", "purge", "-n", "shop", "--dry-run", "--json"],
    )
    .json();
    assert_eq!(
        dry["purge"]["l1_deleted"].as_u64().unwrap() + dry["purge"]["l2_deleted"].as_u64().unwrap(),
        10
    );
    assert_eq!(snapshot(&mut conn), before, "dry run");

    let r = cmd(&server)
        .args(&[
            "policy",
            "purge",
            "-n",
            "shop",
            "--json",
            "--batch-size",
            "3",
        ])
        .succeeds();
    let p = &r.json()["purge"];
    assert_eq!(p["scanned"], 12);
    assert_eq!(p["l1_deleted"], 6);
    assert_eq!(p["l2_deleted"], 4);
    assert_eq!(p["kept_fresh"], 1);
    assert_eq!(p["skipped_corrupt"], 1);
    assert!(shop.iter().all(|k| !exists(&mut conn, k)));
    assert!(exists(&mut conn, &later) && is_fresh(&mut conn, &later));
    assert!(exists(&mut conn, &corrupt));
    assert!(blog.iter().all(|k| exists(&mut conn, k)));

    // roll --purge in one go.
    let r = cmd(&server)
        .args(&["policy", "roll", "-n", "blog", "--purge", "--json"])
        .succeeds();
    assert_eq!(r.json()["purge"]["l1_deleted"].as_u64().unwrap(), 6);
    assert!(blog.iter().all(|k| !exists(&mut conn, k)));
}

#[test]
fn invalid_namespaces_and_versions_are_exit_2() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    run(&server, &["policy", "roll", "-n", "bad:ns"]).expect_one_line_error(2);
    run(&server, &["policy", "show", "-n", ""]).expect_one_line_error(2);
    set(&mut conn, "cc:dep:hash:cc:policy-version:x", "v7");
    let line = run(&server, &["policy", "roll", "-n", "x"])
        .expect_one_line_error(2)
        .to_string();
    assert!(
        line.contains("not a number") && line.contains("--to"),
        "{line}"
    );
    cmd(&server)
        .args(&["policy", "roll", "-n", "x", "--to", "v8"])
        .succeeds();
    assert_eq!(
        get(&mut conn, "cc:dep:hash:cc:policy-version:x").as_deref(),
        Some("v8")
    );
}

/// The versions recorded as used by `ns` (the bookkeeping set, found by its name).
fn history(conn: &mut redis::Connection, ns: &str) -> Vec<String> {
    let keys = scan_keys(conn, &format!("cc:policyhist:*:{ns}"));
    assert!(keys.len() <= 1, "one history per namespace: {keys:?}");
    keys.first()
        .map(|k| smembers(conn, &String::from_utf8_lossy(k)))
        .unwrap_or_default()
}

#[test]
fn a_roll_never_returns_to_a_version_the_namespace_had() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let written_at_1: Vec<String> = (0..3).map(|i| fixture::key(Tier::L1, "demo", i)).collect();
    for k in &written_at_1 {
        fixture::write_entry(&mut conn, k, "demo", &[with("doc:1", "v1")], Some(3600));
    }
    cmd(&server)
        .args(&["policy", "roll", "-n", "demo", "--to", "2026-12"])
        .succeeds();
    assert_eq!(history(&mut conn, "demo"), ["1", "2026-12"]);
    assert!(written_at_1.iter().all(|k| !is_fresh(&mut conn, k)));

    // Back to "1", where the entries were written: refused, nothing changed, dry run too.
    let before = snapshot(&mut conn);
    for extra in [&[][..], &["--dry-run"][..]] {
        let mut args = vec!["policy", "roll", "-n", "demo", "--to", "1"];
        args.extend_from_slice(extra);
        let line = run(&server, &args).expect_one_line_error(1).to_string();
        assert!(
            line.contains(r#"to "1": it was current before (used versions: 1, 2026-12)"#)
                && line.contains("nothing was changed"),
            "{line}"
        );
    }
    assert_eq!(snapshot(&mut conn), before);
    assert!(
        written_at_1.iter().all(|k| !is_fresh(&mut conn, k)),
        "still stale"
    );

    // 2 -> abc -> 2 likewise; a version never used is fine.
    for (to, code) in [("2", 0), ("abc", 0)] {
        let r = run(&server, &["policy", "roll", "-n", "blog", "--to", to]);
        assert_eq!(r.code, code, "{r:?}");
    }
    let before = snapshot(&mut conn);
    for to in ["2", "1", "abc"] {
        let line = run(&server, &["policy", "roll", "-n", "blog", "--to", to])
            .expect_one_line_error(1)
            .to_string();
        assert!(line.contains(&format!("to {to:?}")), "{line}");
    }
    assert_eq!(snapshot(&mut conn), before);
    assert_eq!(history(&mut conn, "blog"), ["1", "2", "abc"]);
    cmd(&server)
        .args(&["policy", "roll", "-n", "blog", "--to", "3"])
        .succeeds();
    assert_eq!(history(&mut conn, "blog"), ["1", "2", "3", "abc"]);

    // A namespace rolled before the history was kept: "1" is used from the start, and its
    // current version joins the history at its first roll.
    set(&mut conn, "cc:dep:hash:cc:policy-version:old", "v5");
    let before = snapshot(&mut conn);
    run(&server, &["policy", "roll", "-n", "old", "--to", "1"]).expect_one_line_error(1);
    assert_eq!(snapshot(&mut conn), before);
    cmd(&server)
        .args(&["policy", "roll", "-n", "old", "--to", "v6"])
        .succeeds();
    assert_eq!(history(&mut conn, "old"), ["1", "v5", "v6"]);
    run(&server, &["policy", "roll", "-n", "old", "--to", "v5"]).expect_one_line_error(1);
    assert_eq!(
        get(&mut conn, "cc:dep:hash:cc:policy-version:old").as_deref(),
        Some("v6")
    );
}

/// Runs `cachecore policy roll ARGS` on a pseudo-terminal (util-linux `script`), so that it
/// stops at its confirmation prompt; runs `meanwhile` while it waits there, then answers
/// "y". Returns the exit code and everything the terminal showed.
fn roll_on_a_terminal(server: &RedisServer, args: &str, meanwhile: impl FnOnce()) -> (i32, String) {
    let bin = env!("CARGO_BIN_EXE_cachecore");
    let line = format!("{bin} --redis-url {} policy roll {args}", server.url);
    let mut child = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .env_remove("CACHECORE_REDIS_URL")
        .env_remove("REDIS_URL")
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux `script` runs (it gives the binary a pseudo-terminal)");
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            if tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut shown = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !shown.contains("[y/N]") {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(chunk) => shown.push_str(&String::from_utf8_lossy(&chunk)),
            Err(_) => {
                let _ = child.kill();
                panic!("no confirmation prompt within 30 s: {shown:?}");
            }
        }
    }
    meanwhile();
    // Kept open until the roll exits: `script` may end the session on end of input.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"y\n").unwrap();
    stdin.flush().unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    reader.join().unwrap();
    shown.extend(rx.iter().map(|c| String::from_utf8_lossy(&c).into_owned()));
    (status.code().unwrap_or(-1), shown)
}

#[test]
fn a_roll_whose_version_changes_while_it_waits_is_refused() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    cmd(&server)
        .args(&["policy", "roll", "-n", "demo", "--to", "5"])
        .succeeds();
    // Another writer rolls 5 -> 7 while this roll (read at 5, going to 6) waits.
    let (code, shown) = roll_on_a_terminal(&server, "-n demo", || {
        set(&mut server.conn(), DEMO_RECORD, "7");
    });
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains(r#"changed from "5" to "7" while this roll waited; nothing was changed; rerun to roll from "7""#),
        "{shown}"
    );
    assert_eq!(
        get(&mut conn, DEMO_RECORD).as_deref(),
        Some("7"),
        "as the other writer left it"
    );
    assert_eq!(history(&mut conn, "demo"), ["1", "5"]);

    // Absent stays absent: a namespace never rolled, rolled by someone else meanwhile.
    let (code, shown) = roll_on_a_terminal(&server, "-n fresh --to v2", || {
        set(
            &mut server.conn(),
            "cc:dep:hash:cc:policy-version:fresh",
            "v9",
        );
    });
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains(r#"changed from "1" (never rolled) to "v9""#),
        "{shown}"
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:cc:policy-version:fresh").as_deref(),
        Some("v9")
    );

    // The history is checked again in the same step as the write, not only before the
    // prompt: a version recorded as used meanwhile is refused there.
    let hist = String::from_utf8(scan_keys(&mut conn, "cc:policyhist:*:demo").remove(0)).unwrap();
    let others = |conn: &mut redis::Connection| {
        let mut s = snapshot(conn);
        s.remove(hist.as_bytes());
        s
    };
    let before = others(&mut conn);
    let (code, shown) = roll_on_a_terminal(&server, "-n demo --to x1", || {
        let () = redis::cmd("SADD")
            .arg(&hist)
            .arg("x1")
            .query(&mut server.conn())
            .unwrap();
    });
    assert_eq!(code, 1, "{shown}");
    assert!(
        shown.contains(r#"to "x1": it was current before"#),
        "{shown}"
    );
    assert_eq!(get(&mut conn, DEMO_RECORD).as_deref(), Some("7"));
    assert_eq!(others(&mut conn), before, "nothing changed");
    assert_eq!(history(&mut conn, "demo"), ["1", "5", "x1"]);

    // Unchanged while it waits: the roll goes through.
    let (code, shown) = roll_on_a_terminal(&server, "-n demo", || {});
    assert_eq!(code, 0, "{shown}");
    assert_eq!(get(&mut conn, DEMO_RECORD).as_deref(), Some("8"));
}

#[test]
fn the_policy_version_is_1_while_the_record_is_absent_end_to_end() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    // Written while the record is absent: records "1".
    let at_1 = fixture::key(Tier::L1, "demo", 1);
    fixture::write_entry(&mut conn, &at_1, "demo", &[with("doc:1", "v1")], Some(3600));
    // Recording version "2" (written against a record that has since gone).
    let at_2 = fixture::key(Tier::L2, "demo", 2);
    let mut pipe = redis::pipe();
    let recorded = [
        ("doc:1".to_string(), Some("v1".to_string())),
        ("cc:policy-version:demo".to_string(), Some("2".to_string())),
    ];
    fixture::queue_entry(&mut pipe, &at_2, &recorded, Some(3600));
    conn.write(pipe);
    assert_eq!(get(&mut conn, DEMO_RECORD), None);

    let entry = |key: &str| {
        let r = cmd(&server).args(&["entry", key, "--json"]).succeeds();
        r.json()
    };
    let a = entry(&at_1);
    assert_eq!(a["verdict"], "fresh", "{a}");
    assert_eq!(a["deps"][1]["recorded"], "1");
    let b = entry(&at_2);
    assert_eq!(
        (
            &b["verdict"],
            &b["stale_dep"],
            &b["recorded"],
            &b["current"]
        ),
        (
            &"stale".into(),
            &"cc:policy-version:demo".into(),
            &"2".into(),
            &"1".into()
        ),
        "an absent record is version 1: {b}"
    );

    cmd(&server)
        .args(&["policy", "roll", "-n", "demo"])
        .succeeds();
    let a = entry(&at_1);
    assert_eq!(
        (&a["verdict"], &a["recorded"], &a["current"]),
        (&"stale".into(), &"1".into(), &"2".into()),
        "{a}"
    );
    assert_eq!(entry(&at_2)["verdict"], "fresh");
}

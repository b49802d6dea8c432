use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::support::fixture::{self, Tier, current, with};
use crate::support::*;

/// L1 and L2 entries of doc:1, of doc:2, of both, and keys that are not entries.
fn mixed_data(conn: &mut redis::Connection) -> Vec<(String, &'static str)> {
    let mut keys = Vec::new();
    for i in 0..3 {
        for tier in [Tier::L1, Tier::L2] {
            let k = fixture::key(tier, "default", i);
            fixture::write_entry(conn, &k, "default", &[with("doc:1", "v1")], Some(3600));
            keys.push((k, "doc:1"));
        }
    }
    for i in 10..12 {
        let k = fixture::key(Tier::L1, "default", i);
        fixture::write_entry(conn, &k, "default", &[with("doc:2", "v1")], Some(3600));
        keys.push((k, "doc:2"));
    }
    let shared = fixture::key(Tier::L2, "other", 20);
    fixture::write_entry(
        conn,
        &shared,
        "other",
        &[current("doc:2"), with("doc:1", "v1")],
        None,
    );
    keys.push((shared, "both"));
    set(conn, "user:1", "not a cache key");
    keys
}

#[test]
fn deletes_exactly_the_tagged_l1_and_l2_entries_and_nothing_else() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let keys = mixed_data(&mut conn);
    let before = snapshot(&mut conn);

    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--new-hash", "v2", "--json"])
        .succeeds();
    let j = r.json();
    assert_eq!(j["version"], 1);
    assert_eq!(j["command"], "invalidate");
    assert_eq!(j["dep_id"], "doc:1");
    assert_eq!(j["old_hash"], serde_json::Value::Null);
    assert_eq!(j["new_hash"], "v2");
    assert_eq!(j["members"], 7);
    assert_eq!(j["l1_deleted"], 3);
    assert_eq!(j["l2_deleted"], 4);
    assert_eq!(j["already_gone"], 0);
    assert_eq!(j["skipped_not_entries"], 0);
    assert_eq!(j["interrupted"], false);
    assert!(j["elapsed_ms"].is_u64());

    for (k, tag) in &keys {
        let tagged = *tag == "doc:1" || *tag == "both";
        assert_eq!(exists(&mut conn, k), !tagged, "{k} ({tag})");
    }
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1").as_deref(), Some("v2"));
    assert!(
        !exists(&mut conn, "cc:dep:keys:doc:1"),
        "the drained dep set is gone"
    );
    assert!(
        scan_keys(&mut conn, "cc:inval:*").is_empty(),
        "no bookkeeping left"
    );
    // Every other key is byte-identical.
    let after = snapshot(&mut conn);
    for (k, v) in &after {
        if k.as_slice() != b"cc:dep:hash:doc:1"
            && !k.starts_with(b"cc:hashtime:")
            && k.as_slice() != b"cc:audit"
        {
            assert_eq!(before.get(k), Some(v), "{}", String::from_utf8_lossy(k));
        }
    }
    assert_eq!(get(&mut conn, "user:1").as_deref(), Some("not a cache key"));
}

#[test]
fn glob_characters_in_a_dep_id_are_literal() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let star = fixture::key(Tier::L1, "default", 1);
    let one = fixture::key(Tier::L1, "default", 2);
    let q = fixture::key(Tier::L2, "default", 3);
    fixture::write_entry(&mut conn, &star, "default", &[with("doc:*", "v1")], None);
    fixture::write_entry(&mut conn, &one, "default", &[with("doc:1", "v1")], None);
    fixture::write_entry(
        &mut conn,
        &q,
        "default",
        &[with("doc:?", "v1"), with("doc:[1]", "v1")],
        None,
    );
    let before = snapshot(&mut conn);

    let r = cmd(&server)
        .args(&["invalidate", "doc:*", "--new-hash", "v2", "--json"])
        .succeeds();
    assert_eq!(r.json()["l1_deleted"], 1);
    assert!(!exists(&mut conn, &star));
    assert!(exists(&mut conn, &one) && exists(&mut conn, &q));
    for untouched in [
        "cc:dep:keys:doc:1",
        "cc:dep:keys:doc:?",
        "cc:dep:keys:doc:[1]",
    ] {
        assert_eq!(
            before.get(untouched.as_bytes()),
            snapshot(&mut conn).get(untouched.as_bytes())
        );
    }
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1"), None);
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:*").as_deref(), Some("v2"));
}

#[test]
fn dry_run_reports_exactly_and_leaves_every_key_byte_identical() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    mixed_data(&mut conn);
    // A member whose entry expired, and one that is not an entry key.
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:1")
        .arg("vec:default:expired")
        .arg("user:1")
        .query(&mut conn)
        .unwrap();
    let before = snapshot(&mut conn);

    let r = cmd(&server)
        .args(&[
            "invalidate",
            "doc:1",
            "--new-hash",
            "v2",
            "--dry-run",
            "--json",
        ])
        .succeeds();
    let j = r.json();
    assert_eq!(j["dry_run"], true);
    assert_eq!(j["members"], 9);
    assert_eq!(j["l1_deleted"], 3);
    assert_eq!(j["l2_deleted"], 4);
    assert_eq!(j["already_gone"], 1);
    assert_eq!(j["skipped_not_entries"], 1);
    let sample: Vec<&str> = j["sample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(sample.len(), 7);
    let members = smembers(&mut conn, "cc:dep:keys:doc:1");
    assert!(
        sample
            .iter()
            .all(|k| members.iter().any(|m| m == k) && !k.contains("expired"))
    );

    assert_eq!(snapshot(&mut conn), before, "a dry run writes nothing");

    // The human report says it is a dry run.
    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--dry-run"])
        .succeeds();
    assert!(
        r.stdout.contains("dry run") && r.stdout.contains("would delete"),
        "{}",
        r.stdout
    );
    assert_eq!(snapshot(&mut conn), before);
}

#[test]
fn soft_records_the_hash_only_and_entries_are_stale_at_once() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let keys = mixed_data(&mut conn);
    let r = cmd(&server)
        .args(&[
            "invalidate",
            "doc:1",
            "--new-hash",
            "v2",
            "--soft",
            "--json",
        ])
        .succeeds();
    assert_eq!(r.json()["l1_deleted"], 0);
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1").as_deref(), Some("v2"));
    for (k, tag) in &keys {
        if *tag == "doc:1" || *tag == "both" {
            assert!(exists(&mut conn, k), "soft keeps {k}");
            assert!(!is_fresh(&mut conn, k), "{k} must be stale");
        } else if *tag == "doc:2" {
            assert!(is_fresh(&mut conn, k));
        }
    }
    assert_eq!(
        smembers(&mut conn, "cc:dep:keys:doc:1").len(),
        7,
        "dep set kept for a later purge"
    );
}

#[test]
fn without_new_hash_a_unique_hash_is_generated() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    mixed_data(&mut conn);
    let a = run(&server, &["invalidate", "doc:1", "--json"]).json()["new_hash"].clone();
    let b = run(&server, &["invalidate", "doc:1", "--json"]).json()["new_hash"].clone();
    assert_ne!(a, b);
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1").as_deref(), b.as_str());
}

#[test]
fn if_hash_is_compare_and_set() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    mixed_data(&mut conn);
    set(&mut conn, "cc:dep:hash:doc:1", "v1");
    let before = snapshot(&mut conn);

    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--if-hash", "v0", "--new-hash", "v2"])
        .run();
    let line = r.expect_one_line_error(1);
    assert!(
        line.contains("\"v1\"") && line.contains("--if-hash \"v0\""),
        "{line}"
    );
    assert_eq!(snapshot(&mut conn), before, "a refusal changes nothing");

    let r = run(
        &server,
        &["invalidate", "doc:1", "--if-unset", "--new-hash", "v2"],
    );
    r.expect_one_line_error(1);
    assert_eq!(snapshot(&mut conn), before);

    let r = cmd(&server)
        .args(&[
            "invalidate",
            "doc:1",
            "--if-hash",
            "v1",
            "--new-hash",
            "v2",
            "--json",
        ])
        .succeeds();
    assert_eq!(r.json()["old_hash"], "v1");
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:1").as_deref(), Some("v2"));
    assert!(!exists(&mut conn, "cc:dep:keys:doc:1"));

    // --if-unset succeeds on a dep that was never invalidated.
    cmd(&server)
        .args(&["invalidate", "doc:2", "--if-unset", "--new-hash", "v9"])
        .succeeds();
}

#[test]
fn racing_if_hash_invalidations_never_roll_back() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for round in 0..5 {
        let hash = format!("r{round}");
        fixture::write_many(&mut conn, 0, 20_000, &[current("table:t")], None, None);
        let a = format!("{hash}-a");
        let b = format!("{hash}-b");
        let spawn = |new: &str| {
            cmd(&server)
                .args(&["invalidate", "table:t", "--json", "--new-hash", new])
                .args(&if round == 0 {
                    vec!["--if-unset"]
                } else {
                    vec!["--if-hash", hash_before(round)]
                })
                .spawn()
        };
        let (pa, pb) = (spawn(&a), spawn(&b));
        let (ra, rb) = (pa.finish(), pb.finish());
        let mut codes = [ra.code, rb.code];
        codes.sort();
        assert_eq!(codes, [0, 1], "exactly one wins: {ra:?} {rb:?}");
        let winner = if ra.code == 0 { &a } else { &b };
        let now = get(&mut conn, "cc:dep:hash:table:t").unwrap();
        assert_eq!(&now, winner, "the loser wrote nothing");
        // Normalise for the next round.
        set(&mut conn, "cc:dep:hash:table:t", &format!("r{}", round + 1));
        let _ = run(
            &server,
            &[
                "invalidate",
                "table:t",
                "--if-hash",
                &format!("r{}", round + 1),
                "--new-hash",
                &format!("r{}", round + 1),
            ],
        );
    }

    fn hash_before(round: usize) -> &'static str {
        ["", "r1", "r2", "r3", "r4"][round]
    }
}

#[test]
fn max_keys_refuses_before_changing_anything() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    mixed_data(&mut conn);
    let before = snapshot(&mut conn);
    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--max-keys", "6"])
        .run();
    let line = r.expect_one_line_error(1);
    assert!(
        line.contains("7 tracked entries exceed --max-keys 6"),
        "{line}"
    );
    assert_eq!(snapshot(&mut conn), before);
    cmd(&server)
        .args(&["invalidate", "doc:1", "--max-keys", "7"])
        .succeeds();
}

#[test]
fn invalid_and_reserved_ids_and_hashes_exit_2_naming_the_input() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    mixed_data(&mut conn);
    let before = snapshot(&mut conn);
    let long = "x".repeat(513);
    let cases: &[(&[&str], &str)] = &[
        (&["invalidate", "cc:policy-version:default"], "reserved"),
        (&["invalidate", "doc 1"], "whitespace"),
        (&["invalidate", ""], "empty"),
        (&["invalidate", "doc:\u{1b}[2J"], "control"),
        (&["invalidate", &long], "512 bytes"),
        (
            &["invalidate", "doc:1", "--new-hash", "v\n2"],
            "invalid hash",
        ),
        (&["invalidate", "doc:1", "--if-hash", ""], "invalid hash"),
    ];
    for (args, want) in cases {
        let r = run(&server, args);
        let line = r.expect_one_line_error(2);
        assert!(line.contains(want), "{args:?}: {line}");
        assert!(
            !line.contains('\u{1b}'),
            "escape sequences are never printed raw: {line:?}"
        );
    }
    assert_eq!(snapshot(&mut conn), before);
}

#[test]
fn a_dep_set_of_the_wrong_type_is_refused_with_nothing_changed() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    set(&mut conn, "cc:dep:keys:doc:bad", "oops");
    let before = snapshot(&mut conn);
    let r = cmd(&server)
        .args(&["invalidate", "doc:bad", "--new-hash", "v2"])
        .run();
    let line = r.expect_one_line_error(3);
    assert!(
        line.contains("cc:dep:keys:doc:bad holds a string, expected a set"),
        "{line}"
    );
    assert_eq!(
        snapshot(&mut conn),
        before,
        "the hash was not recorded either"
    );
}

#[test]
fn members_that_are_not_entry_keys_are_never_deleted() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let k = fixture::key(Tier::L1, "default", 1);
    fixture::write_entry(&mut conn, &k, "default", &[with("doc:1", "v1")], None);
    set(&mut conn, "cc:dep:hash:doc:other", "precious");
    set(&mut conn, "session:42", "precious");
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:1")
        .arg("cc:dep:hash:doc:other")
        .arg("session:42")
        .query(&mut conn)
        .unwrap();
    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--json"])
        .succeeds();
    assert_eq!(r.json()["skipped_not_entries"], 2);
    assert!(!exists(&mut conn, &k));
    assert!(exists(&mut conn, "cc:dep:hash:doc:other") && exists(&mut conn, "session:42"));
}

#[test]
fn a_writer_tagging_with_the_old_hash_during_the_run_never_leaves_a_fresh_or_untracked_entry() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    set(&mut conn, "cc:dep:hash:doc:hot", "v1");
    let (l1, l2) = fixture::write_many(
        &mut conn,
        0,
        60_000,
        &[current("doc:hot")],
        None,
        Some(3600),
    );
    assert_eq!(l1 + l2, 60_000);

    // Writers as the proxy: requests that started before the invalidation record "v1";
    // requests that start during it read whatever the current hash is. Each counts the
    // entries it has finished writing; writer w's n-th entry is vec:default:{base_w + n}.
    let stop = Arc::new(AtomicBool::new(false));
    let bases = [1_000_000u64, 2_000_000];
    let counters: Vec<Arc<AtomicU64>> = bases.iter().map(|_| Arc::new(AtomicU64::new(0))).collect();
    let writers: Vec<_> = bases
        .iter()
        .zip(&counters)
        .map(|(&base, counter)| {
            let client = server.client();
            let (stop, counter) = (stop.clone(), counter.clone());
            std::thread::spawn(move || {
                let mut conn = client.get_connection().unwrap();
                let old_hash = base == 1_000_000;
                while !stop.load(Ordering::SeqCst) {
                    let dep = if old_hash {
                        with("doc:hot", "v1")
                    } else {
                        current("doc:hot")
                    };
                    let k =
                        fixture::key(Tier::L2, "default", base + counter.load(Ordering::SeqCst));
                    fixture::write_entry(&mut conn, &k, "default", &[dep], Some(3600));
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let count = |c: &Vec<Arc<AtomicU64>>| {
        c.iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect::<Vec<_>>()
    };
    wait_until(
        Duration::from_secs(20),
        "20 entries from each writer",
        || count(&counters).iter().all(|&n| n >= 20),
    );
    let before_run = count(&counters);
    let r = run(
        &server,
        &[
            "invalidate",
            "doc:hot",
            "--new-hash",
            "v2",
            "--batch-size",
            "200",
            "--json",
        ],
    );
    let after_run = count(&counters);
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        after_run.iter().zip(&before_run).all(|(a, b)| a > b),
        "both writers wrote during the invalidation: {before_run:?} -> {after_run:?}"
    );

    let members = smembers(&mut conn, "cc:dep:keys:doc:hot");
    let mut survivors = 0;
    for k in scan_keys(&mut conn, "*")
        .into_iter()
        .map(|k| String::from_utf8(k).unwrap())
    {
        if !(k.starts_with("cc:l1:") || k.starts_with("vec:")) {
            continue;
        }
        survivors += 1;
        // No entry written before the run began survives it.
        let idx: u64 = k
            .strip_prefix("vec:default:")
            .and_then(|i| i.parse().ok())
            .unwrap_or_else(|| panic!("{k} existed before the run and must be gone"));
        let w = bases
            .iter()
            .rposition(|&b| idx >= b)
            .unwrap_or_else(|| panic!("{k} is a pre-loaded entry"));
        assert!(
            idx - bases[w] >= before_run[w],
            "{k} was written before the run began"
        );
        // Entries recording the old hash are stale; every surviving entry stays tracked.
        let raw: String = redis::cmd("HGET")
            .arg(&k)
            .arg("deps")
            .query(&mut conn)
            .unwrap();
        let deps = cachecore::layout::parse_deps(raw.as_bytes()).unwrap();
        if deps
            .iter()
            .any(|d| d.id == "doc:hot" && d.hash.as_deref() == Some("v1"))
        {
            assert!(!is_fresh(&mut conn, &k), "{k} records v1 and must be stale");
        }
        assert!(
            members.binary_search(&k).is_ok(),
            "{k} exists and must stay tracked"
        );
    }
    assert!(
        survivors > 0,
        "some entries were written after the run detached the set"
    );
}

#[test]
fn a_200k_member_set_is_invalidated_completely() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let (l1, l2) = fixture::write_many(
        &mut conn,
        0,
        200_000,
        &[with("table:products", "v1")],
        None,
        Some(3600),
    );
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:table:products")
        .arg("vec:default:long-gone")
        .query(&mut conn)
        .unwrap();
    assert_eq!(dbsize(&mut conn), 200_001);
    let started = Instant::now();
    let r = run(
        &server,
        &["invalidate", "table:products", "--new-hash", "v2", "--json"],
    );
    let elapsed = started.elapsed();
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(j["members"], 200_001);
    assert_eq!(j["l1_deleted"], l1);
    assert_eq!(j["l2_deleted"], l2);
    assert_eq!(j["already_gone"], 1);
    let left: Vec<String> = scan_keys(&mut conn, "*")
        .into_iter()
        .map(|k| String::from_utf8(k).unwrap())
        .collect();
    let time_key = cachecore::bookkeeping::hash_time_key(
        &cachecore::layout::DepId::parse("table:products").unwrap(),
    );
    assert_eq!(
        left,
        vec![
            "cc:audit".to_string(),
            "cc:dep:hash:table:products".to_string(),
            time_key
        ]
    );
    eprintln!("200k invalidation (debug build): {elapsed:?}");
}

#[test]
fn an_interrupted_run_exits_130_and_the_rerun_finishes_the_job() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 100_000, &[with("doc:big", "v1")], None, None);
    let mut gone = Deletions::from_now(&server);
    let mut child = cmd(&server)
        .args(&[
            "invalidate",
            "doc:big",
            "--new-hash",
            "v2",
            "--batch-size",
            "20",
            "--json",
        ])
        .spawn();
    // Wait until deletion has visibly started, then interrupt.
    child.wait_until(Duration::from_secs(30), "1,000 entries deleted", || {
        gone.at_least(1_000)
    });
    child.signal("INT");
    let r = child.finish();
    assert_eq!(r.code, 130, "{r:?}");
    let j = r.json();
    assert_eq!(j["interrupted"], true);
    let deleted = j["l1_deleted"].as_u64().unwrap() + j["l2_deleted"].as_u64().unwrap();
    assert!(
        deleted > 0 && deleted < 100_000,
        "stopped part way: {deleted}"
    );
    assert!(
        r.stderr
            .contains("finish with `cachecore invalidate doc:big --new-hash v2`"),
        "{}",
        r.stderr
    );
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:big").as_deref(), Some("v2"));
    assert_eq!(
        scan_keys(&mut conn, "cc:inval:*").len(),
        2,
        "pending set and its registry remain"
    );

    // Inspect reports the unfinished run.
    let j = run(&server, &["deps", "inspect", "doc:big", "--json"]).json();
    assert_eq!(j["deps"][0]["unfinished_runs"], 1);

    let r = cmd(&server)
        .args(&["invalidate", "doc:big", "--new-hash", "v2", "--json"])
        .succeeds();
    let j = r.json();
    assert_eq!(j["resumed_runs"], 1);
    let total = deleted + j["l1_deleted"].as_u64().unwrap() + j["l2_deleted"].as_u64().unwrap();
    assert_eq!(
        total, 100_000,
        "every entry deleted exactly once across both runs"
    );
    let left: Vec<Vec<u8>> = scan_keys(&mut conn, "*");
    let time_key =
        cachecore::bookkeeping::hash_time_key(&cachecore::layout::DepId::parse("doc:big").unwrap());
    let left: Vec<String> = left
        .into_iter()
        .map(|k| String::from_utf8_lossy(&k).into_owned())
        .collect();
    assert_eq!(
        left,
        vec![
            "cc:audit".to_string(),
            "cc:dep:hash:doc:big".to_string(),
            time_key
        ]
    );
}

/// A dry run's sample stops at ten keys, however many would go.
#[test]
fn a_dry_run_samples_ten_keys() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    fixture::write_many(&mut conn, 0, 30, &[with("doc:many", "v1")], None, None);
    let j = cmd(&server)
        .args(&[
            "invalidate",
            "doc:many",
            "--new-hash",
            "v2",
            "--dry-run",
            "--json",
        ])
        .succeeds()
        .json();
    assert_eq!(
        j["l1_deleted"].as_u64().unwrap() + j["l2_deleted"].as_u64().unwrap(),
        30
    );
    assert_eq!(j["sample"].as_array().unwrap().len(), 10, "{j}");
}

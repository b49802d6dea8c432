//! Every subcommand on a 3-primary Redis Cluster started by the test, and an invalidation
//! that runs while a slot holding its entries migrates to another node.

use std::time::Duration;

use cachecore::slot::key_slot;

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

fn run_cluster(cluster: &RedisCluster, args: &[&str]) -> Run {
    cmd_url(&cluster.url).args(args).run()
}

fn get_c(conn: &mut redis::cluster::ClusterConnection, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query(conn).unwrap()
}

fn scard_c(conn: &mut redis::cluster::ClusterConnection, key: &str) -> u64 {
    redis::cmd("SCARD").arg(key).query(conn).unwrap()
}

/// `invalidate table:products` in the background, slowed by `--rate` in `extra` so that
/// the test can act on the cluster while it runs; returns once it has deleted `part`
/// entries.
fn slow_invalidation(cluster: &RedisCluster, part: u64, extra: &[&str]) -> Background {
    let mut gone = Deletions::on_cluster(cluster);
    let mut child = cmd_url(&cluster.url)
        .args(&[
            "invalidate",
            "table:products",
            "--new-hash",
            "v2",
            "--batch-size",
            "100",
        ])
        .args(extra)
        .spawn();
    let what = format!("{part} entries deleted");
    child.wait_until(Duration::from_secs(30), &what, || gone.at_least(part));
    child
}

#[test]
fn every_subcommand_works_on_a_three_primary_cluster() {
    let cluster = RedisCluster::start();
    let mut conn = cluster.conn();
    let small: Vec<String> = (0..6)
        .map(|i| {
            let tier = if i % 2 == 0 { Tier::L1 } else { Tier::L2 };
            let k = fixture::key(tier, "default", i);
            fixture::write_entry(&mut conn, &k, "default", &[with("doc:1", "v1")], Some(600));
            k
        })
        .collect();
    // Larger than the single-step limit: the stepwise drain, across every node.
    let (l1, l2) = fixture::write_many(
        &mut conn,
        1000,
        700,
        &[with("table:big", "v1")],
        Some("doc:"),
        Some(600),
    );
    let dangling = fixture::key(Tier::L1, "default", 99_999);
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:1")
        .arg(&dangling)
        .query(&mut conn)
        .unwrap();
    assert!(
        cluster
            .nodes
            .iter()
            .all(|n| !scan_keys(&mut n.conn(), "cc:l1:*").is_empty()),
        "entries live on every node"
    );

    let r = run_cluster(
        &cluster,
        &["deps", "inspect", "doc:1", "table:big", "--json"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(j["deps"][0]["members"], 7);
    assert_eq!(j["deps"][0]["dangling"], 1);
    assert_eq!(j["deps"][1]["members"], 700);

    let r = run_cluster(&cluster, &["deps", "list", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let ids: Vec<String> = r
        .json_lines()
        .iter()
        .map(|l| l["dep_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids.len(),
        702,
        "doc:1, table:big and doc:1000..doc:1699, from every node"
    );
    assert!(ids.contains(&"table:big".to_string()));

    let r = run_cluster(&cluster, &["entry", &small[0], "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["verdict"], "fresh");

    // A retire window is checked first against the entries of every node.
    let line = run_cluster(
        &cluster,
        &["deps", "prune", "--retire-after", "1m", "--yes"],
    )
    .expect_one_line_error(1)
    .to_string();
    assert!(
        line.contains("is shorter than the longest remaining entry TTL"),
        "{line}"
    );
    assert_eq!(scard_c(&mut conn, "cc:dep:keys:doc:1"), 7, "nothing pruned");
    let r = run_cluster(&cluster, &["deps", "prune", "--yes", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["members_removed"], 1);
    assert_eq!(scard_c(&mut conn, "cc:dep:keys:doc:1"), 6);

    let r = run_cluster(
        &cluster,
        &["tag", &small[0], "--dep", "doc:extra", "--yes", "--json"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(scard_c(&mut conn, "cc:dep:keys:doc:extra"), 1);
    let r = run_cluster(&cluster, &["untag", &small[0], "--dep", "doc:extra"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(scard_c(&mut conn, "cc:dep:keys:doc:extra"), 0);

    let r = run_cluster(
        &cluster,
        &["invalidate", "doc:1", "--new-hash", "v2", "--json"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(
        j["l1_deleted"].as_u64().unwrap() + j["l2_deleted"].as_u64().unwrap(),
        6
    );
    assert_eq!(get_c(&mut conn, "cc:dep:hash:doc:1").as_deref(), Some("v2"));

    let r = run_cluster(
        &cluster,
        &[
            "invalidate",
            "table:big",
            "--new-hash",
            "v2",
            "--batch-size",
            "50",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(j["l1_deleted"], l1);
    assert_eq!(j["l2_deleted"], l2);
    assert!(cluster.keys("cc:l1:*").is_empty() && cluster.keys("vec:*").is_empty());
    assert!(cluster.keys("cc:dep:keys:table:big").is_empty());
    assert!(
        cluster.keys("cc:inval:*").is_empty(),
        "no bookkeeping left behind"
    );

    // invalidate-many and the policy commands on fresh data.
    fixture::write_many(
        &mut conn,
        5000,
        30,
        &[with("table:other", "v1")],
        Some("doc:"),
        Some(600),
    );
    let r = run_cluster(
        &cluster,
        &[
            "invalidate-many",
            "--dep-ids",
            "doc:5000,doc:5001,doc:5002",
            "--new-hash",
            "v9",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json_lines().len(), 4, "three deps and a summary");
    assert_eq!(
        cluster.keys("cc:l1:*").len() + cluster.keys("vec:*").len(),
        27
    );
    let r = run_cluster(&cluster, &["policy", "roll", "--purge", "--yes", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.json()["new_version"], "2");
    assert!(cluster.keys("cc:l1:*").is_empty() && cluster.keys("vec:*").is_empty());
    // The roll's script above wrote record, write time and history (one slot); the
    // history then refuses going back.
    run_cluster(&cluster, &["policy", "roll", "--to", "1", "--yes"]).expect_one_line_error(1);
    let r = run_cluster(&cluster, &["policy", "list", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = run_cluster(&cluster, &["policy", "show", "--json"]);
    assert_eq!(r.json()["version"], 1);

    // demo writes across the nodes; doctor reads them.
    let r = run_cluster(&cluster, &["demo", "--entries", "200", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(cluster.keys("cc:l1:demo:*").len(), 160);
    let r = run_cluster(&cluster, &["doctor", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let topology = r.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "topology")
        .unwrap()["detail"]
        .clone();
    assert_eq!(topology, "Redis Cluster");
}

/// Moves `slot` from its owner to `to`, key by key, as `redis-cli --cluster reshard` does.
pub(super) fn migrate_slot(cluster: &RedisCluster, slot: u16, to: usize) {
    let from = cluster.owner(slot);
    let to = &cluster.nodes[to];
    let (from_id, to_id) = (node_id(from), node_id(to));
    let setslot = |n: &RedisServer, args: &[&str]| {
        let () = redis::cmd("CLUSTER")
            .arg("SETSLOT")
            .arg(slot)
            .arg(args)
            .query(&mut n.conn())
            .unwrap();
    };
    setslot(to, &["IMPORTING", &from_id]);
    setslot(from, &["MIGRATING", &to_id]);
    loop {
        let keys: Vec<String> = redis::cmd("CLUSTER")
            .arg("GETKEYSINSLOT")
            .arg(slot)
            .arg(10)
            .query(&mut from.conn())
            .unwrap();
        if keys.is_empty() {
            break;
        }
        let () = redis::cmd("MIGRATE")
            .arg("127.0.0.1")
            .arg(to.port.unwrap())
            .arg("")
            .arg(0)
            .arg(5000)
            .arg("KEYS")
            .arg(&keys)
            .query(&mut from.conn())
            .unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    for n in &cluster.nodes {
        setslot(n, &["NODE", &to_id]);
    }
}

#[test]
fn an_invalidation_survives_slot_migrations_of_its_entries() {
    let cluster = RedisCluster::start();
    let mut conn = cluster.conn();
    fixture::write_many(
        &mut conn,
        0,
        20_000,
        &[with("table:products", "v1")],
        None,
        Some(600),
    );
    // Three slots holding entries, none of them the dep set's own slot.
    let set_slot = key_slot(b"cc:dep:keys:table:products");
    let mut slots: Vec<u16> = (0..200u64)
        .map(|i| key_slot(fixture::key(Tier::L1, "default", i).as_bytes()))
        .filter(|&s| s != set_slot)
        .collect();
    slots.dedup();
    slots.truncate(3);

    let child = slow_invalidation(&cluster, 1_000, &["--rate", "5000", "--json"]);
    for (i, &slot) in slots.iter().enumerate() {
        let owner = cluster
            .nodes
            .iter()
            .position(|n| n.port == cluster.owner(slot).port)
            .unwrap();
        migrate_slot(&cluster, slot, (owner + 1 + i % 2) % 3);
    }
    let r = child.finish();
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(j["members"], 20_000);
    assert_eq!(
        j["l1_deleted"].as_u64().unwrap() + j["l2_deleted"].as_u64().unwrap(),
        20_000,
        "{j}"
    );
    assert!(cluster.keys("cc:l1:*").is_empty() && cluster.keys("vec:*").is_empty());
    assert_eq!(
        get_c(&mut conn, "cc:dep:hash:table:products").as_deref(),
        Some("v2")
    );
}

#[test]
fn a_node_that_dies_mid_run_fails_the_dep_with_a_clear_error() {
    let mut cluster = RedisCluster::start();
    let mut conn = cluster.conn();
    fixture::write_many(
        &mut conn,
        0,
        6000,
        &[with("table:products", "v1")],
        None,
        Some(600),
    );
    drop(conn);
    // A node that holds entries but not the dep set.
    let set_port = cluster.owner(key_slot(b"cc:dep:keys:table:products")).port;
    let victim = cluster
        .nodes
        .iter()
        .position(|n| n.port != set_port)
        .unwrap();
    let child = slow_invalidation(&cluster, 600, &["--rate", "3000", "--timeout", "2s"]);
    cluster.nodes[victim].kill();
    let r = child.finish();
    let err = r.expect_error_after_notes(3);
    assert!(err.contains("invalidating table:products failed"), "{err}");
    assert!(
        err.contains("finish it with `cachecore invalidate table:products --new-hash v2`"),
        "{err}"
    );
    assert!(
        err.contains("members were done"),
        "says how far it got: {err}"
    );
    assert!(r.stdout.is_empty(), "no success report: {}", r.stdout);
}

/// The prune race of `housekeeping.rs` on 3 primaries, where a dep set and its members
/// live on different nodes and no script can check and remove atomically: members that
/// a writer brings to life while prune runs must stay tracked (the re-check after SREM).
#[test]
fn cluster_prune_racing_a_writer_never_drops_a_live_member() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let cluster = RedisCluster::start();
    let mut conn = cluster.conn();
    let keys = fixture::members_without_entries(&mut conn, "cc:dep:keys:doc:race", 60_000);
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    // Three writers, so that entries come to life often enough while prune runs.
    let writers: Vec<_> = (0..3)
        .map(|t| {
            let (stop, written, keys) = (stop.clone(), written.clone(), keys.clone());
            let mut conn = cluster.conn();
            std::thread::spawn(move || {
                for k in keys.iter().rev().skip(t).step_by(3) {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    fixture::write_entry(&mut conn, k, "default", &[with("doc:race", "v1")], None);
                    written.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    while written.load(Ordering::SeqCst) < 300 {
        std::thread::yield_now();
    }
    // Passes while the writers run: each is a new chance to lose a member.
    let (mut removed, mut overlapped) = (0, 0);
    while overlapped < 6 && written.load(Ordering::SeqCst) < keys.len() as u64 {
        let r = run_cluster(
            &cluster,
            &["deps", "prune", "--yes", "--json", "--batch-size", "20"],
        );
        assert_eq!(r.code, 0, "{r:?}");
        removed += r.json()["members_removed"].as_u64().unwrap();
        overlapped += 1;
    }
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.join().unwrap();
    }
    let written = written.load(Ordering::SeqCst);
    assert!(
        overlapped >= 1,
        "prune passes overlapped the writers: {overlapped}"
    );
    let members: std::collections::HashSet<String> = redis::cmd("SMEMBERS")
        .arg("cc:dep:keys:doc:race")
        .query::<Vec<String>>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    let live: Vec<String> = cluster.keys("vec:*");
    assert_eq!(live.len() as u64, written);
    let untracked: Vec<&String> = live.iter().filter(|k| !members.contains(*k)).collect();
    assert!(
        untracked.is_empty(),
        "{} live entries untracked, e.g. {:?}",
        untracked.len(),
        untracked.first()
    );
    assert!(removed > 0);
}

//! Issue 22, item 3: keys that only look like entries, planted in a dep set, are never
//! deleted. An entry is a HASH with a `deps` field (shared/redis-layout.md); a vector
//! store's own `vec:` hash without `deps`, or a STRING or a LIST with an L1 entry's name,
//! is kept and counted as skipped by every path that deletes entries: the single-step fast
//! path, the gate's own sweep in `consume`, the stepwise drain's batches and its last
//! batch, and on a cluster the per-node delete and its per-key fallback.

use std::time::Duration;

use cachecore::slot::key_slot;

use crate::support::fixture::{self, Tier, Writer, with};
use crate::support::*;

/// An L1 entry's name (64 lowercase hex digits) for `n`.
fn l1_name(n: u64) -> String {
    format!("cc:l1:default:{n:064x}")
}

/// Writes a key that only looks like an entry: `kind` 0 a HASH without `deps` (as a vector
/// store keeps its own vectors), 1 a STRING and 2 a LIST, both under an L1 entry's name.
fn plant_one(conn: &mut impl Writer, key: &str, kind: usize) {
    let mut pipe = redis::pipe();
    match kind {
        0 => pipe
            .cmd("HSET")
            .arg(key)
            .arg("embedding")
            .arg(vec![7u8; 16])
            .arg("body")
            .arg("a vector store's own"),
        1 => pipe.cmd("SET").arg(key).arg("not an entry"),
        _ => pipe.cmd("RPUSH").arg(key).arg("not").arg("an entry"),
    };
    conn.write(pipe);
}

/// The three kinds of look-alikes of the issue: `vec:other:{n}` without `deps`, and a
/// STRING and a LIST under L1 names.
fn look_alikes(n: u64) -> [String; 3] {
    [
        format!("vec:other:{n}"),
        l1_name(0xa000 + n),
        l1_name(0xb000 + n),
    ]
}

/// Writes `keys` (kinds in order, as `look_alikes` names them) and adds them to the dep
/// set of each of `deps`.
fn plant(conn: &mut impl Writer, keys: &[String], deps: &[&str]) {
    for (i, key) in keys.iter().enumerate() {
        plant_one(conn, key, i % 3);
        for dep in deps {
            let mut pipe = redis::pipe();
            pipe.cmd("SADD").arg(format!("cc:dep:keys:{dep}")).arg(key);
            conn.write(pipe);
        }
    }
}

/// DUMP of each key: equal before and after means untouched.
fn dumps(conn: &mut impl redis::ConnectionLike, keys: &[String]) -> Vec<Option<Vec<u8>>> {
    keys.iter()
        .map(|k| redis::cmd("DUMP").arg(k).query(conn).expect("DUMP"))
        .collect()
}

fn deleted(line: &serde_json::Value) -> u64 {
    line["l1_deleted"].as_u64().unwrap() + line["l2_deleted"].as_u64().unwrap()
}

/// Entries of `dep`, numbered from `first`; returns how many.
fn entries(conn: &mut impl Writer, dep: &str, first: u64, n: u64) -> u64 {
    fixture::write_many(conn, first, n, &[with(dep, "v1")], None, Some(600));
    n
}

#[test]
fn invalidate_keeps_look_alikes_on_the_fast_path_and_stepwise() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let small = entries(&mut conn, "doc:small", 0, 5);
    // Past the fast path's 256 members: read whole by the default batch, so every member
    // is in the drain's last batch; and in batches of 50, the drain's pipelined batches.
    let whole = entries(&mut conn, "table:whole", 1000, 600);
    let paged = entries(&mut conn, "table:paged", 2000, 600);
    let planted: Vec<String> = (1..=4).flat_map(look_alikes).collect();
    plant(
        &mut conn,
        &planted,
        &["doc:small", "table:whole", "table:paged"],
    );
    let before = dumps(&mut conn, &planted);

    for (dep, n, batch) in [
        ("doc:small", small, "1000"),
        ("table:whole", whole, "1000"),
        ("table:paged", paged, "50"),
    ] {
        let r = cmd(&server)
            .args(&[
                "invalidate",
                dep,
                "--new-hash",
                "v2",
                "--batch-size",
                batch,
                "--json",
            ])
            .succeeds();
        let j = r.json();
        assert_eq!(j["members"], n + 12, "{j}");
        assert_eq!(deleted(&j), n, "{j}");
        assert_eq!(j["skipped_not_entries"], 12, "{j}");
        assert_eq!(j["already_gone"], 0, "{j}");
        assert_eq!(
            dumps(&mut conn, &planted),
            before,
            "{dep}: a look-alike was touched"
        );
    }
    assert!(scan_keys(&mut conn, "vec:default:*").is_empty());
    assert_eq!(
        scan_keys(&mut conn, "cc:l1:*").len(),
        8,
        "only the planted L1 names are left"
    );
    // The dep sets go with the invalidation: the look-alikes stay, no longer referenced.
    assert!(scan_keys(&mut conn, "cc:dep:keys:*").is_empty());
    assert!(scan_keys(&mut conn, "cc:inval:*").is_empty());
}

#[test]
fn a_dry_run_counts_look_alikes_as_skipped_not_as_deletions() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let big = entries(&mut conn, "table:big", 0, 300);
    let planted = look_alikes(1).to_vec();
    plant(&mut conn, &planted, &["table:big"]);
    let before = snapshot(&mut conn);

    let r = cmd(&server)
        .args(&[
            "invalidate",
            "table:big",
            "--new-hash",
            "v2",
            "--dry-run",
            "--json",
        ])
        .succeeds();
    let j = r.json();
    assert_eq!(deleted(&j), big, "what a run would delete: {j}");
    assert_eq!(j["skipped_not_entries"], 3, "{j}");
    assert_eq!(j["already_gone"], 0, "{j}");
    let sample = j["sample"].to_string();
    assert!(
        planted.iter().all(|k| !sample.contains(k.as_str())),
        "{sample}"
    );
    assert_eq!(snapshot(&mut conn), before, "a dry run changes nothing");
}

#[test]
fn invalidate_many_keeps_look_alikes_on_the_fast_path_and_stepwise() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    entries(&mut conn, "doc:a", 0, 5);
    entries(&mut conn, "doc:b", 100, 4);
    entries(&mut conn, "table:big", 1000, 400);
    let planted = look_alikes(1).to_vec();
    plant(&mut conn, &planted, &["doc:a", "doc:b", "table:big"]);
    let before = dumps(&mut conn, &planted);

    let r = cmd(&server)
        .args(&[
            "invalidate-many",
            "--dep-ids",
            "doc:a,doc:b,table:big",
            "--new-hash",
            "v2",
            "--batch-size",
            "50",
            "--json",
        ])
        .succeeds();
    let lines = r.json_lines();
    for (dep, n) in [("doc:a", 5), ("doc:b", 4), ("table:big", 400)] {
        let line = lines.iter().find(|l| l["dep_id"] == dep).unwrap();
        assert_eq!(line["ok"], true, "{line}");
        assert_eq!(deleted(line), n, "{line}");
        assert_eq!(line["skipped_not_entries"], 3, "{line}");
        assert_eq!(line["already_gone"], 0, "{line}");
    }
    assert_eq!(
        dumps(&mut conn, &planted),
        before,
        "a look-alike was touched"
    );
    assert!(scan_keys(&mut conn, "vec:default:*").is_empty());
    assert!(scan_keys(&mut conn, "cc:dep:keys:*").is_empty());
}

#[test]
fn the_consume_gates_own_sweep_keeps_look_alikes() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let small = entries(&mut conn, "doc:small", 0, 5);
    let planted = look_alikes(1).to_vec();
    plant(&mut conn, &planted, &["doc:small"]);
    let before = dumps(&mut conn, &planted);
    let _: String = redis::cmd("XADD")
        .arg("cc:events")
        .arg("*")
        .arg("dep_id")
        .arg("doc:small")
        .arg("new_hash")
        .arg("s1")
        .query(&mut conn)
        .unwrap();

    let r = cmd(&server)
        .args(&[
            "consume",
            "--stream",
            "cc:events",
            "--from",
            "0",
            "--until-idle",
            "--json",
        ])
        .succeeds();
    let event = r
        .json_lines()
        .into_iter()
        .find(|l| l["type"] == "event")
        .expect("an event line");
    let dep = &event["deps"][0];
    assert_eq!(dep["dep_id"], "doc:small", "{event}");
    assert_eq!(dep["members"], small + 3, "{event}");
    assert_eq!(deleted(dep), small, "{event}");
    assert_eq!(dep["skipped_not_entries"], 3, "{event}");
    assert_eq!(
        dumps(&mut conn, &planted),
        before,
        "a look-alike was touched"
    );
    assert!(scan_keys(&mut conn, "vec:default:*").is_empty());
    assert_eq!(
        get(&mut conn, "cc:dep:hash:doc:small").as_deref(),
        Some("s1")
    );
}

/// Look-alikes of the three kinds until each of the cluster's nodes holds at least one.
fn look_alikes_on_every_node(cluster: &RedisCluster) -> Vec<String> {
    let mut keys = Vec::new();
    let mut n = 0;
    while (0..3).any(|node| {
        !keys
            .iter()
            .any(|k: &String| cluster.owner_index(key_slot(k.as_bytes())) == node)
    }) {
        n += 1;
        keys.extend(look_alikes(n));
    }
    keys
}

#[test]
fn a_cluster_invalidation_keeps_look_alikes_on_every_node() {
    let cluster = RedisCluster::start();
    let mut conn = cluster.conn();
    let small = entries(&mut conn, "doc:small", 0, 5);
    let big = entries(&mut conn, "table:big", 1000, 700);
    let planted = look_alikes_on_every_node(&cluster);
    plant(&mut conn, &planted, &["doc:small", "table:big"]);
    let before = dumps(&mut conn, &planted);

    // Small sets go in one round trip per node, the large one in batches of 50.
    let r = run_url(
        &cluster.url,
        &[
            "invalidate-many",
            "--dep-ids",
            "doc:small,table:big",
            "--new-hash",
            "v2",
            "--batch-size",
            "50",
            "--json",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let lines = r.json_lines();
    for (dep, n) in [("doc:small", small), ("table:big", big)] {
        let line = lines.iter().find(|l| l["dep_id"] == dep).unwrap();
        assert_eq!(deleted(line), n, "{line}");
        assert_eq!(line["skipped_not_entries"], planted.len(), "{line}");
        assert_eq!(line["already_gone"], 0, "{line}");
    }
    assert_eq!(
        dumps(&mut conn, &planted),
        before,
        "a look-alike was touched"
    );
    assert!(cluster.keys("vec:default:*").is_empty());
    assert!(cluster.keys("cc:dep:keys:*").is_empty());
}

/// An L1 name in `slot`.
fn l1_name_in(slot: u16, from: u64) -> String {
    (from..)
        .map(l1_name)
        .find(|k| key_slot(k.as_bytes()) == slot)
        .unwrap()
}

#[test]
fn the_clusters_per_key_fallback_keeps_look_alikes() {
    use cachecore::store::{ConnectOptions, Store};
    let cluster = RedisCluster::start();
    let mut conn = cluster.conn();
    // A vector store's hash, and in its slot an L2 entry, a STRING and a LIST under L1
    // names: the slot moves to another node after the client read the slot map.
    let vector = "vec:other:1".to_string();
    let slot = key_slot(vector.as_bytes());
    let entry = (0..)
        .map(|i| fixture::key(Tier::L2, "default", i))
        .find(|k| key_slot(k.as_bytes()) == slot)
        .unwrap();
    let (string, list) = (l1_name_in(slot, 0), l1_name_in(slot, 1 << 40));
    let old = cluster.owner_index(slot);
    // The batch's first key, an entry that stays on the old node, routes its call there.
    let stays = (0..)
        .map(|i| fixture::key(Tier::L1, "default", i))
        .find(|k| {
            let s = key_slot(k.as_bytes());
            s != slot && cluster.owner_index(s) == old
        })
        .unwrap();
    for key in [&entry, &stays] {
        fixture::write_entry(&mut conn, key, "default", &[with("doc:x", "v1")], None);
    }
    plant_one(&mut conn, &vector, 0);
    plant_one(&mut conn, &string, 1);
    plant_one(&mut conn, &list, 2);
    let planted = vec![vector.clone(), string.clone(), list.clone()];
    let before = dumps(&mut conn, &planted);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let done = rt.block_on(async {
        let mut store = Store::connect(&ConnectOptions {
            urls: cluster.url.split(',').map(str::to_string).collect(),
            timeout: Duration::from_secs(5),
            ..ConnectOptions::default()
        })
        .await
        .unwrap();
        let new = (old + 1) % 3;
        super::cluster::migrate_slot(&cluster, slot, new);
        let mut target = cluster.nodes[new].conn();
        reset_command_stats(&mut target);
        let l1: Vec<Vec<u8>> = [&stays, &string, &list]
            .map(|k| k.as_bytes().to_vec())
            .to_vec();
        let l2: Vec<Vec<u8>> = [&vector, &entry].map(|k| k.as_bytes().to_vec()).to_vec();
        let done = store.unlink_entries(&l1, &l2).await.unwrap();
        assert!(
            command_calls(&mut target, "evalsha") >= 1,
            "the moved keys went through the per-key path, to their new node"
        );
        done
    });
    assert_eq!((done.l1, done.l2, done.not_entries), (1, 1, 3), "{done:?}");
    assert_eq!(
        dumps(&mut conn, &planted),
        before,
        "a look-alike was touched"
    );
    for key in [&entry, &stays] {
        let gone: bool = !redis::cmd("EXISTS")
            .arg(key)
            .query::<bool>(&mut conn)
            .unwrap();
        assert!(gone, "{key}");
    }
}

//! Issue 13: `redis-cli --cluster reshard` moves slots, among them the slot of the dep set
//! (and so of its pending set), while an invalidation of 200,000 entries runs. Every
//! entry is deleted, the counts are exact, and no key outside the cache is touched.

use std::process::Command;
use std::time::Duration;

use cachecore::slot::key_slot;

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

const ENTRIES: u64 = 200_000;

#[test]
fn an_invalidation_survives_a_reshard_by_redis_cli() {
    let cluster = RedisCluster::start();
    let mut conn = cluster.conn();
    let recorded = fixture::resolve(&mut conn, "default", &[with("table:products", "v1")]);
    let mut writer = cluster.routed_writer();
    let mut i = 0;
    while i < ENTRIES {
        let mut pipe = redis::pipe();
        for j in i..(i + 5000).min(ENTRIES) {
            let tier = if j % 5 == 4 { Tier::L2 } else { Tier::L1 };
            fixture::queue_entry(
                &mut pipe,
                &fixture::key(tier, "default", j),
                &recorded,
                Some(600),
            );
        }
        writer.write(pipe);
        i += 5000;
    }
    // Keys that are not the cache's, some of them planted in the dep set.
    let mut pipe = redis::pipe();
    for i in 0..3000 {
        pipe.cmd("SET").arg(format!("user:{i}")).arg("keep");
    }
    for i in 0..100 {
        pipe.cmd("SADD")
            .arg("cc:dep:keys:table:products")
            .arg(format!("user:{i}"));
    }
    writer.write(pipe);

    // The reshard moves the lowest slots of the dep set's node, through the set's own
    // slot and fifty more, to the next node: the pending set moves mid-scan.
    let set_slot = key_slot(b"cc:dep:keys:table:products");
    let from = cluster.owner_index(set_slot);
    let to = (from + 1) % 3;
    let first = (0..=set_slot)
        .rev()
        .take_while(|&s| cluster.owner_index(s) == from)
        .last()
        .unwrap();
    let slots = set_slot - first + 51;

    let mut gone = Deletions::on_cluster(&cluster);
    let mut child = cmd_url(&cluster.url)
        .args(&["invalidate", "table:products", "--new-hash", "v2", "--json"])
        // About eight seconds, so the reshard runs inside it.
        .args(&["--rate", "25000"])
        .spawn();
    // The reshard starts mid-scan: the run is deleting (and has not ended).
    child.wait_until(Duration::from_secs(30), "5,000 entries deleted", || {
        gone.at_least(5_000)
    });
    let reshard = Command::new("redis-cli")
        .args(["--cluster", "reshard"])
        .arg(format!("127.0.0.1:{}", cluster.nodes[from].port.unwrap()))
        .args(["--cluster-from", &cluster.node_id(from)])
        .args(["--cluster-to", &cluster.node_id(to)])
        .args(["--cluster-slots", &slots.to_string()])
        .args(["--cluster-yes", "--cluster-pipeline", "100"])
        .output()
        .unwrap();
    assert!(
        reshard.status.success(),
        "{}",
        String::from_utf8_lossy(&reshard.stdout)
    );
    let ran_through = !child.exited();
    let r = child.finish();
    assert!(
        ran_through,
        "the reshard outlasted the run: the test proves nothing"
    );
    assert_eq!(cluster.owner_index(set_slot), to, "the set's slot moved");

    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(j["members"], ENTRIES + 100, "{j}");
    assert_eq!(j["skipped_not_entries"], 100, "{j}");
    assert_eq!(
        j["l1_deleted"].as_u64().unwrap() + j["l2_deleted"].as_u64().unwrap(),
        ENTRIES,
        "{j}"
    );
    assert!(cluster.keys("cc:l1:*").is_empty(), "L1 entries left");
    assert!(cluster.keys("vec:*").is_empty(), "L2 entries left");
    assert_eq!(
        cluster.keys("user:*").len(),
        3000,
        "a foreign key was deleted"
    );
    let hash: Option<String> = redis::cmd("GET")
        .arg("cc:dep:hash:table:products")
        .query(&mut conn)
        .unwrap();
    assert_eq!(hash.as_deref(), Some("v2"));
    // Nothing of the run is left behind: no pending set, no registry entry.
    assert!(
        cluster.keys("cc:inval:*").is_empty(),
        "{:?}",
        cluster.keys("cc:inval:*")
    );
}

//! `cachecore consume --format debezium`: change events of Postgres and MySQL in both of
//! the Redis sink's message formats, with and without the envelope, tombstones, and the
//! events that are poison.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::consume::*;
use crate::support::*;

/// The fixtures of tests/fixtures/debezium as (name, key JSON, value JSON).
fn debezium_fixtures(prefix: &str) -> Vec<(String, String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/debezium");
    let mut out = Vec::new();
    for op in ["insert", "update", "delete"] {
        for kind in ["envelope", "bare"] {
            let name = format!("{prefix}-{op}-{kind}");
            let text = std::fs::read_to_string(format!("{dir}/{name}.json")).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            out.push((name, v["key"].to_string(), v["value"].to_string()));
        }
    }
    out
}

#[test]
fn debezium_change_events_in_both_formats_with_and_without_the_envelope() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    tagged(&mut conn, "row:products:1001", 0, 3);
    tagged(&mut conn, "row:products:2002", 10, 3);
    tagged(&mut conn, "table:products", 20, 3);
    for (db, stream, hash, expect_hashes) in [
        (
            "postgres",
            "shop.public.products",
            "{source.lsn}",
            ["24023984", "24024312", "24024608"],
        ),
        (
            "mysql",
            "shop.inventory.products",
            "{source.file}:{source.pos}",
            [
                "mysql-bin.000003:154",
                "mysql-bin.000003:482",
                "mysql-bin.000003:811",
            ],
        ),
    ] {
        let row = if db == "postgres" { "1001" } else { "2002" };
        // Each event in both message formats, each with and without the envelope.
        let mut expected: BTreeMap<String, String> = BTreeMap::new();
        for (name, key, value) in debezium_fixtures(db) {
            let op = name.split('-').nth(1).unwrap();
            let hash = match op {
                "insert" => expect_hashes[0],
                "update" => expect_hashes[1],
                _ => expect_hashes[2],
            };
            let compact = xadd(&mut conn, stream, &[(&key, &value)]);
            let extended = xadd(
                &mut conn,
                stream,
                &[
                    ("key", &key),
                    ("value", &value),
                    ("__debezium.context.connectorName", db),
                ],
            );
            expected.insert(compact, hash.to_string());
            expected.insert(extended, hash.to_string());
        }
        // The tombstone after the delete, as the sink writes it (null value: "default").
        let tomb: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/debezium/postgres-tombstone.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let tomb_key = tomb["key"].to_string();
        let t1 = xadd(&mut conn, stream, &[(&tomb_key, "default")]);
        let t2 = xadd(
            &mut conn,
            stream,
            &[("key", &tomb_key), ("value", "default")],
        );
        let r = consume(
            &server,
            &[
                "--format",
                "debezium",
                "--stream",
                stream,
                "--from",
                "0",
                "--dep",
                "table:{source.table}",
                "--dep",
                "row:{source.table}:{row.id}",
                "--hash",
                hash,
                "--until-idle",
                "--json",
            ],
        );
        assert_eq!(r.code, 0, "{r:?}");
        let events = events_by_id(&r);
        assert_eq!(events.len(), expected.len() + 2, "{r:?}");
        for (id, hash) in &expected {
            let e = &events[id];
            assert!(
                e["status"] == "applied" || e["status"] == "superseded",
                "{db} {id}: {e}"
            );
            let deps: Vec<(&str, &str)> = e["deps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["dep_id"].as_str().unwrap(),
                        d["new_hash"].as_str().unwrap(),
                    )
                })
                .collect();
            let row_dep = format!("row:products:{row}");
            assert_eq!(
                deps,
                [
                    ("table:products", hash.as_str()),
                    (row_dep.as_str(), hash.as_str())
                ],
                "{db} {id}"
            );
        }
        for t in [&t1, &t2] {
            assert_eq!(events[t]["status"], "skipped");
            assert_eq!(events[t]["error"], "tombstone");
        }
        // The newest event is the delete: its position is the hash recorded.
        assert_eq!(
            get(&mut conn, &format!("cc:dep:hash:row:products:{row}")).as_deref(),
            Some(expect_hashes[2])
        );
        assert!(smembers(&mut conn, &format!("cc:dep:keys:row:products:{row}")).is_empty());
        assert_eq!(pending(&mut conn, stream), 0);
        assert!(xrange(&mut conn, &format!("{stream}:dead")).is_empty());
    }
    assert!(smembers(&mut conn, "cc:dep:keys:table:products").is_empty());
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());

    // A template that does not resolve, and malformed JSON: poison.
    xadd(
        &mut conn,
        "shop.public.products",
        &[("{\"id\":1}", "{\"op\":\"c\"")],
    );
    let (_, _, value) = &debezium_fixtures("postgres")[1];
    xadd(&mut conn, "shop.public.products", &[("{\"id\":1}", value)]);
    let r = consume(
        &server,
        &[
            "--format",
            "debezium",
            "--stream",
            "shop.public.products",
            "--dep",
            "row:{source.table}:{row.sku}",
            "--until-idle",
            "--json",
        ],
    );
    assert_eq!(summary(&r)["dead_lettered"], 2, "{r:?}");
    let dead = xrange(&mut conn, "shop.public.products:dead");
    let reasons: Vec<&str> = dead
        .iter()
        .map(|(_, f)| field(f, "cc.reason").unwrap())
        .collect();
    assert!(reasons[0].contains("not valid JSON"), "{reasons:?}");
    assert!(
        reasons[1].contains("{row.sku}") && reasons[1].contains("does not resolve"),
        "{reasons:?}"
    );
}

use crate::support::fixture::{self, Tier, current, with};
use crate::support::*;

#[test]
fn shows_deps_with_recorded_and_current_hash_and_the_verdict() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    set(&mut conn, "cc:dep:hash:table:products", "t1");
    let k = fixture::key(Tier::L2, "default", 9);
    fixture::write_entry(
        &mut conn,
        &k,
        "default",
        &[with("doc:1", "v1"), current("table:products")],
        Some(120),
    );

    let r = cmd(&server).args(&["entry", &k, "--json"]).succeeds();
    let j = r.json();
    assert_eq!(j["version"], 1);
    assert_eq!(j["key"], k.as_str());
    assert_eq!(j["tier"], "L2");
    assert_eq!(j["namespace"], "default");
    assert_eq!(j["verdict"], "fresh");
    assert_eq!(j["body_bytes"], 300);
    assert_eq!(j["embedding_bytes"], 16);
    let ttl = j["ttl_ms"].as_i64().unwrap();
    assert!(ttl > 100_000 && ttl <= 120_000, "{ttl}");
    let created = j["created_at_ms"].as_u64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(created <= now && now - created < 60_000);
    let deps = j["deps"].as_array().unwrap();
    assert_eq!(deps.len(), 3);
    assert_eq!(deps[0]["id"], "doc:1");
    assert_eq!(deps[0]["recorded"], "v1");
    assert_eq!(deps[0]["current"], serde_json::Value::Null);
    assert_eq!(deps[1]["recorded"], "t1");
    assert_eq!(deps[1]["current"], "t1");
    assert_eq!(deps[2]["id"], "cc:policy-version:default");

    set(&mut conn, "cc:dep:hash:table:products", "t2");
    let j = run(&server, &["entry", &k, "--json"]).json();
    assert_eq!(j["verdict"], "stale");
    assert_eq!(j["stale_dep"], "table:products");
    assert_eq!(j["recorded"], "t1");
    assert_eq!(j["current"], "t2");

    let text = cmd(&server).args(&["entry", &k]).succeeds();
    assert!(
        text.stdout.contains("stale") && text.stdout.contains("CHANGED"),
        "{}",
        text.stdout
    );
}

#[test]
fn missing_wrong_type_and_non_entry_keys_are_refused() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let missing = fixture::key(Tier::L1, "default", 1);
    let line = run(&server, &["entry", &missing])
        .expect_one_line_error(2)
        .to_string();
    assert!(line.contains("no key") && line.contains(&missing), "{line}");

    set(&mut conn, "vec:default:str", "x");
    let line = run(&server, &["entry", "vec:default:str"])
        .expect_one_line_error(2)
        .to_string();
    assert!(line.contains("holds a string"), "{line}");

    let line = run(&server, &["entry", "user:1"])
        .expect_one_line_error(2)
        .to_string();
    assert!(line.contains("not an entry key"), "{line}");
}

#[test]
fn a_corrupt_entry_is_reported_never_fresh_and_exits_1() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let k = fixture::key(Tier::L1, "default", 3);
    // Valid JSON but without the policy dep, as a buggy proxy might write it.
    let () = redis::cmd("HSET")
        .arg(&k)
        .arg("deps")
        .arg(r#"[{"id":"doc:1","hash":"v1"}]"#)
        .query(&mut conn)
        .unwrap();
    let r = run(&server, &["entry", &k, "--json"]);
    assert_eq!(r.code, 1, "{r:?}");
    let j = r.json();
    assert_eq!(j["verdict"], "corrupt");
    assert!(j["reason"].as_str().unwrap().contains("policy dep"), "{j}");
}

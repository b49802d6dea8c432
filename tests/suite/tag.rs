use crate::support::fixture::{self, Tier, with};
use crate::support::*;

fn deps_of(conn: &mut redis::Connection, key: &str) -> Vec<(String, Option<String>)> {
    let raw: String = redis::cmd("HGET").arg(key).arg("deps").query(conn).unwrap();
    cachecore::layout::parse_deps(raw.as_bytes())
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.hash))
        .collect()
}

#[test]
fn tag_adds_deps_before_the_policy_dep_and_to_the_dep_sets() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let a = fixture::key(Tier::L1, "default", 1);
    let b = fixture::key(Tier::L2, "default", 2);
    for k in [&a, &b] {
        fixture::write_entry(&mut conn, k, "default", &[with("doc:1", "v1")], Some(600));
    }
    set(&mut conn, "cc:dep:hash:table:t", "t7");
    let r = cmd(&server)
        .args(&[
            "tag",
            &a,
            &b,
            "--dep",
            "table:t",
            "--dep",
            "doc:new=h1",
            "--json",
        ])
        .succeeds();
    let lines = r.json_lines();
    assert_eq!(lines[0]["status"], "changed");
    assert_eq!(lines[0]["deps"], serde_json::json!(["table:t", "doc:new"]));
    assert_eq!(lines.last().unwrap()["changed"], 2);
    for k in [&a, &b] {
        assert_eq!(
            deps_of(&mut conn, k),
            vec![
                ("doc:1".to_string(), Some("v1".to_string())),
                ("table:t".to_string(), Some("t7".to_string())),
                ("doc:new".to_string(), Some("h1".to_string())),
                (
                    "cc:policy-version:default".to_string(),
                    Some("1".to_string())
                ),
            ]
        );
        assert!(is_fresh(&mut conn, k));
        let ttl: i64 = redis::cmd("TTL").arg(k.as_str()).query(&mut conn).unwrap();
        assert!(ttl > 500, "the TTL is kept");
    }
    assert_eq!(smembers(&mut conn, "cc:dep:keys:table:t"), {
        let mut v = vec![a.clone(), b.clone()];
        v.sort();
        v
    });

    // Tagging again changes nothing.
    let again = run(&server, &["tag", &a, "--dep", "table:t", "--json"]);
    assert_eq!(again.json_lines()[0]["status"], "unchanged");

    // The new tag is live: invalidating it deletes both entries.
    cmd(&server).args(&["invalidate", "table:t"]).succeeds();
    assert!(!exists(&mut conn, &a) && !exists(&mut conn, &b));
}

#[test]
fn tag_refuses_missing_and_non_entry_keys_and_changes_nothing() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let good = fixture::key(Tier::L1, "default", 1);
    fixture::write_entry(&mut conn, &good, "default", &[with("doc:1", "v1")], None);
    set(&mut conn, "vec:default:str", "not a hash");
    let missing = fixture::key(Tier::L1, "default", 2);
    let before = snapshot(&mut conn);
    let r = run(
        &server,
        &[
            "tag",
            &good,
            &missing,
            "vec:default:str",
            "user:1",
            "--dep",
            "table:t",
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(&format!("{missing} does not exist")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("vec:default:str holds a string"));
    assert!(r.stderr.contains("user:1 is not an entry key"));
    assert!(
        r.stderr
            .contains("3 of 4 keys refused; nothing was changed")
    );
    assert_eq!(snapshot(&mut conn), before);

    for bad in ["cc:policy-version:default", "a b", "doc:1="] {
        run(&server, &["tag", &good, "--dep", bad]).expect_one_line_error(2);
    }
    assert_eq!(snapshot(&mut conn), before);
}

#[test]
fn tag_match_tags_every_matching_entry_and_skips_other_keys() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for i in 0..5 {
        fixture::write_entry(
            &mut conn,
            &fixture::key(Tier::L1, "shop", i),
            "shop",
            &[with("doc:1", "v1")],
            None,
        );
    }
    fixture::write_entry(
        &mut conn,
        &fixture::key(Tier::L1, "blog", 0),
        "blog",
        &[with("doc:1", "v1")],
        None,
    );
    let () = redis::cmd("HSET")
        .arg("cc:l1:shop:not-an-entry")
        .arg("x")
        .arg("y")
        .query(&mut conn)
        .unwrap();
    let r = cmd(&server)
        .args(&[
            "tag",
            "--match",
            "cc:l1:shop:*",
            "--dep",
            "tenant:shop",
            "--json",
        ])
        .succeeds();
    assert_eq!(r.json_lines().last().unwrap()["changed"], 5);
    assert_eq!(smembers(&mut conn, "cc:dep:keys:tenant:shop").len(), 5);
    // recorded hash defaults to the current one: absent -> null
    let k = fixture::key(Tier::L1, "shop", 0);
    assert!(deps_of(&mut conn, &k).contains(&("tenant:shop".to_string(), None)));
}

#[test]
fn untag_removes_deps_from_entries_and_sets() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let k = fixture::key(Tier::L2, "default", 1);
    fixture::write_entry(
        &mut conn,
        &k,
        "default",
        &[with("doc:1", "v1"), with("doc:2", "v1")],
        None,
    );
    let dry = run(
        &server,
        &["untag", &k, "--dep", "doc:1", "--dry-run", "--json"],
    );
    assert_eq!(dry.json_lines()[0]["status"], "would_change");
    assert_eq!(deps_of(&mut conn, &k).len(), 3);

    let r = cmd(&server)
        .args(&["untag", &k, "--dep", "doc:1", "--json"])
        .succeeds();
    assert_eq!(r.json_lines()[0]["deps"], serde_json::json!(["doc:1"]));
    assert_eq!(
        deps_of(&mut conn, &k),
        vec![
            ("doc:2".to_string(), Some("v1".to_string())),
            (
                "cc:policy-version:default".to_string(),
                Some("1".to_string())
            )
        ]
    );
    assert!(!exists(&mut conn, "cc:dep:keys:doc:1"));
    assert_eq!(smembers(&mut conn, "cc:dep:keys:doc:2"), vec![k.clone()]);
    // Invalidating the removed dep no longer touches the entry.
    cmd(&server).args(&["invalidate", "doc:1"]).succeeds();
    assert!(exists(&mut conn, &k));
    run(
        &server,
        &["untag", &k, "--dep", "cc:policy-version:default"],
    )
    .expect_one_line_error(2);
}

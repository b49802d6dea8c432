use crate::support::fixture::{self, Tier, with};
use crate::support::*;

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

    let r = run(
        &server,
        &["policy", "roll", "--namespace", "shop", "--json"],
    );
    assert_eq!(r.code, 0, "{r:?}");
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
    let line = run(&server, &["policy", "roll", "-n", "shop", "--to", "4"])
        .expect_one_line_error(2)
        .to_string();
    assert!(line.contains("lower than the current version 10"), "{line}");
    run(&server, &["policy", "roll", "-n", "shop", "--to", "10"]).expect_one_line_error(2);
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
    let r = run(&server, &["policy", "roll", "-n", "shop", "--json"]);
    assert_eq!(r.code, 0);
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

    let r = run(
        &server,
        &[
            "policy",
            "purge",
            "-n",
            "shop",
            "--json",
            "--batch-size",
            "3",
        ],
    );
    assert_eq!(r.code, 0, "{r:?}");
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
    let r = run(
        &server,
        &["policy", "roll", "-n", "blog", "--purge", "--json"],
    );
    assert_eq!(r.code, 0, "{r:?}");
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
    assert_eq!(
        run(&server, &["policy", "roll", "-n", "x", "--to", "v8"]).code,
        0
    );
    assert_eq!(
        get(&mut conn, "cc:dep:hash:cc:policy-version:x").as_deref(),
        Some("v8")
    );
}

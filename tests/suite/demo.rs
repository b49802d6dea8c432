//! `cachecore demo` writes a data set every command can be tried on, as the proxy would.

use crate::support::*;

#[test]
fn demo_fills_a_namespace_that_every_command_can_use_and_refuses_a_second_time() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let r = cmd(&server)
        .args(&["demo", "--entries", "500", "--json"])
        .succeeds();
    let j = r.json();
    assert_eq!(j["version"], 1);
    assert_eq!(j["l1_written"], 400);
    assert_eq!(j["l2_written"], 100);
    assert_eq!(j["namespace"], "demo");
    assert_eq!(scan_keys(&mut conn, "cc:l1:demo:*").len(), 400);
    assert_eq!(scan_keys(&mut conn, "vec:demo:*").len(), 100);
    // Entries are written as the proxy writes them: fresh, tracked, with a TTL.
    for key in scan_keys(&mut conn, "cc:l1:demo:*").iter().take(20) {
        let key = String::from_utf8(key.clone()).unwrap();
        assert!(is_fresh(&mut conn, &key), "{key}");
        let ttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
        assert!(ttl > 0, "{key}");
    }
    // Shared deps: every entry has a table dep, ten tables in all.
    let products = smembers(&mut conn, "cc:dep:keys:table:products");
    assert_eq!(products.len(), 50);
    let list = run(&server, &["deps", "list", "--json"]).json_lines();
    assert!(list.len() >= 250, "a few hundred deps, got {}", list.len());
    let dry = run(&server, &["deps", "prune", "--dry-run", "--json"]).json();
    assert_eq!(dry["members_removed"], 5, "the expired-member leftovers");
    let inv = run(
        &server,
        &["invalidate", "table:products", "--dry-run", "--json"],
    )
    .json();
    assert_eq!(
        inv["l1_deleted"].as_u64().unwrap() + inv["l2_deleted"].as_u64().unwrap(),
        50
    );

    let before = snapshot(&mut conn);
    let again = cmd(&server).args(&["demo", "--entries", "10"]).run();
    let err = again.expect_one_line_error(1);
    assert!(err.contains("--force") && err.contains("demo"), "{err}");
    assert_eq!(snapshot(&mut conn), before, "a refused demo writes nothing");
    cmd(&server)
        .args(&["demo", "--entries", "10", "--force"])
        .succeeds();
    cmd(&server)
        .args(&["demo", "--entries", "10", "-n", "other"])
        .succeeds();
    run(&server, &["demo", "-n", "bad:ns"]).expect_one_line_error(2);
}

/// Demo data is for scratch servers: a server that holds anyone else's keys is not written
/// to unless that is confirmed (`--yes` off a terminal).
#[test]
fn demo_does_not_write_into_a_server_in_use_unless_confirmed() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    set(&mut conn, "session:42", "someone's data");
    let before = snapshot(&mut conn);
    let r = run(&server, &["demo", "--entries", "10"]);
    let err = r.expect_one_line_error(2);
    assert!(
        err.contains("not Cachecore's") && err.contains("--yes") && err.contains("sandbox"),
        "{err}"
    );
    assert_eq!(snapshot(&mut conn), before, "nothing was written");
    cmd(&server)
        .args(&["demo", "--entries", "10", "--yes"])
        .succeeds();
    assert!(dbsize(&mut conn) > 10);
    // A server with only Cachecore's keys is a scratch server: no question.
    let scratch = RedisServer::start();
    cmd(&scratch).args(&["demo", "--entries", "10"]).succeeds();
    cmd(&scratch)
        .args(&["demo", "--entries", "10", "-n", "two"])
        .succeeds();
}

//! `cachecore doctor`: read-only checks, exit 1 on an unsafe eviction policy.

use crate::support::*;

#[test]
fn doctor_passes_a_safe_server_and_fails_an_allkeys_eviction_policy() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    cmd(&server).args(&["demo", "--entries", "300"]).succeeds();
    let before = snapshot(&mut conn);
    let r = cmd(&server).args(&["doctor", "--json"]).succeeds();
    let j = r.json();
    assert_eq!(j["version"], 1);
    assert_eq!(j["command"], "doctor");
    assert_eq!(j["ok"], true);
    let checks = j["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for want in [
        "connectivity",
        "server version",
        "topology",
        "eviction policy",
        "persistence",
        "dangling members",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    assert!(checks.iter().all(|c| c["status"] != "error"), "{checks:?}");
    assert_eq!(j["largest_dep_sets"].as_array().unwrap().len(), 5);
    assert_eq!(snapshot(&mut conn), before, "doctor only reads");

    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg("allkeys-lru")
        .query(&mut conn)
        .unwrap();
    let r = run(&server, &["doctor", "--json"]);
    assert_eq!(r.code, 1, "{r:?}");
    let j = r.json();
    assert_eq!(j["ok"], false);
    let eviction = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "eviction policy")
        .unwrap();
    assert_eq!(eviction["status"], "error");
    assert!(eviction["detail"].as_str().unwrap().contains("allkeys-lru"));
    let table = run(&server, &["doctor"]);
    assert_eq!(table.code, 1);
    assert!(table.stdout.contains("ERROR"), "{}", table.stdout);
}

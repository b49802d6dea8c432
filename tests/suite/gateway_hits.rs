//! A gateway hit (issue 25): plain reads in one round trip, no script, and still judged by
//! every dep its entry records, whatever the request declares; a token's namespace is
//! remembered, and its record still read on every request.

use std::time::{Duration, Instant};

use super::gateway::{Stub, chat, client, l1_keys, token, two_replicas};
use crate::support::serve::Serve;
use crate::support::{RedisServer, run};

/// How many script calls the server has run (`INFO commandstats`).
fn script_calls(server: &RedisServer) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut server.conn())
        .unwrap();
    info.lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

/// The gateway's count of lookups of `kind` (`peek` or `script`).
fn lookups(gw: &Serve, kind: &str) -> u64 {
    let out = std::process::Command::new("curl")
        .args(["-s", &gw.url("/metrics")])
        .output()
        .unwrap();
    let want = format!("cachecore_gateway_lookups_total{{kind=\"{kind}\"}} ");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(want.as_str())?.parse().ok())
        .unwrap_or_else(|| panic!("no {want} in /metrics"))
}

/// Waits until the miss's background write (and the lock release after it) is done.
fn until_written(server: &RedisServer, ns: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while l1_keys(server, ns).is_empty() {
        assert!(Instant::now() < deadline, "the miss was never written");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
}

#[test]
fn a_hit_runs_no_script_and_is_judged_by_every_dep_its_entry_records() {
    let server = RedisServer::start();
    let stub = Stub::start();
    let gw = Serve::gateway(&server, &stub.url(), &[]);
    let t = token(&server, "app", "default");
    let both = ["--dep", "doc:a:v1", "--dep", "doc:b:v1"];
    assert_eq!(chat(&gw, &t, "q", &both)["x_cache"], "MISS");
    until_written(&server, "default");
    assert_eq!(chat(&gw, &t, "q", &both)["x_cache"], "HIT_L1");
    let scripts = script_calls(&server);
    for _ in 0..3 {
        assert_eq!(chat(&gw, &t, "q", &both)["x_cache"], "HIT_L1");
    }
    assert_eq!(script_calls(&server), scripts, "a hit runs no script");
    // A request not seen cached is a peek too, which also takes the coalescing lock: a
    // miss in one round trip, with no script before its upstream call.
    let (peeks, lookup_scripts) = (lookups(&gw, "peek"), lookups(&gw, "script"));
    assert_eq!(chat(&gw, &t, "new", &both)["x_cache"], "MISS");
    assert_eq!(lookups(&gw, "peek"), peeks + 1);
    assert_eq!(lookups(&gw, "script"), lookup_scripts);
    until_written(&server, "default");

    // A request that declares fewer deps than the entry records is still served, and is
    // judged by the others too: doc:b moves while its entries are not yet deleted (an
    // invalidation between its two steps, or a hash set by hand).
    let only_a = ["--dep", "doc:a:v1"];
    assert_eq!(chat(&gw, &t, "q", &only_a)["x_cache"], "HIT_L1");
    let _: () = redis::cmd("SET")
        .arg("cc:dep:hash:doc:b")
        .arg("v2")
        .query(&mut server.conn())
        .unwrap();
    let a = chat(&gw, &t, "q", &only_a);
    assert_eq!(a["x_cache"], "MISS", "{a}");
    assert_eq!(a["refused"], "dep_changed doc:b", "{a}");
    assert_eq!(stub.calls(), 3);

    // The namespace is remembered, the token's record is still read on every hit.
    let revoked = run(&server, &["token", "revoke", "app"]);
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    let (status, answer) = gw.post_with(
        "/v1/chat/completions",
        &[&format!("X-Cachecore-Token: {t}")],
        r#"{"model":"m","messages":[{"role":"user","content":"q"}]}"#,
    );
    assert_eq!(status, 401, "{answer}");
    assert_eq!(stub.calls(), 3);

    // A record whose namespace changed (by hand) is followed: never the remembered
    // namespace's entry.
    let t2 = token(&server, "app2", "default");
    assert_eq!(chat(&gw, &t2, "q2", &only_a)["x_cache"], "MISS");
    until_written(&server, "default");
    assert_eq!(chat(&gw, &t2, "q2", &only_a)["x_cache"], "HIT_L1");
    let records = crate::support::scan_keys(&mut server.conn(), "cc:token*sha256:*");
    let record = records
        .iter()
        .find(|k| {
            let name: Option<String> = redis::cmd("HGET")
                .arg(k.as_slice())
                .arg("name")
                .query(&mut server.conn())
                .unwrap();
            name.as_deref() == Some("app2")
        })
        .expect("app2's record");
    let _: () = redis::cmd("HSET")
        .arg(record.as_slice())
        .arg("namespace")
        .arg("shop")
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(chat(&gw, &t2, "q2", &only_a)["x_cache"], "MISS");
    until_written(&server, "shop");
    assert_eq!(chat(&gw, &t2, "q2", &only_a)["x_cache"], "HIT_L1");
}

/// Waits until namespace `ns` holds `n` entries (misses are written after their answer).
fn until_entries(server: &RedisServer, ns: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while l1_keys(server, ns).len() < n {
        assert!(Instant::now() < deadline, "the misses were never written");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The coalescing locks in the database, after the background releases had time to run.
fn locks_left(server: &RedisServer) -> Vec<Vec<u8>> {
    std::thread::sleep(Duration::from_millis(300));
    crate::support::scan_keys(&mut server.conn(), "cc:gateway:lock:*")
}

#[test]
fn a_likely_miss_takes_the_lock_in_its_peek_and_gives_it_back_when_it_is_not_the_leader() {
    let (server, stub, one, two, t) = two_replicas();
    let dep = ["--dep", "doc:1:v1"];
    // Each replica verifies the token once and remembers its namespace: from then on its
    // requests are peeks, and a request it has not seen cached takes the lock in its peek.
    assert_eq!(chat(&one, &t, "warm one", &dep)["x_cache"], "MISS");
    assert_eq!(chat(&two, &t, "warm two", &dep)["x_cache"], "MISS");
    let peeks = |gws: [&Serve; 2]| gws.iter().map(|g| lookups(g, "peek")).sum::<u64>();
    let before = peeks([&one, &two]);
    let urls = format!("{},{}", one.url(""), two.url(""));
    let answers = client(&["many", &urls, &t, "SLOW 300", "50", "--dep", "doc:1:v1"]);
    let answers = answers.as_array().unwrap();
    assert_eq!(
        stub.calls(),
        3,
        "one upstream call for 50 identical misses: {answers:?}"
    );
    assert_eq!(
        peeks([&one, &two]),
        before + 50,
        "every first lookup was a peek"
    );
    assert!(
        answers
            .iter()
            .all(|a| a["content"] == answers[0]["content"])
    );
    assert!(locks_left(&server).is_empty(), "the leader's lock was kept");

    // An entry one replica wrote, asked of the other, which has not seen it: the peek
    // takes the lock, finds the entry fresh, serves it and gives the lock back.
    assert_eq!(chat(&one, &t, "shared", &dep)["x_cache"], "MISS");
    until_entries(&server, "default", 4);
    assert!(locks_left(&server).is_empty());
    let hit = chat(&two, &t, "shared", &dep);
    assert_eq!(hit["x_cache"], "HIT_L1", "{hit}");
    assert_eq!(stub.calls(), 4);
    assert!(
        locks_left(&server).is_empty(),
        "a hit kept the lock its peek took"
    );

    // A revoked token's peek may take the lock before its record is read: a 401, and
    // the lock given back.
    let revoked = run(&server, &["token", "revoke", "app"]);
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    let (status, answer) = two.post_with(
        "/v1/chat/completions",
        &[&format!("X-Cachecore-Token: {t}")],
        r#"{"model":"m","messages":[{"role":"user","content":"never seen"}]}"#,
    );
    assert_eq!(status, 401, "{answer}");
    assert_eq!(stub.calls(), 4);
    assert!(
        locks_left(&server).is_empty(),
        "a 401 kept the lock its peek took"
    );
}

#[test]
fn a_peek_whose_lock_is_refused_still_serves_its_hit() {
    let (server, stub, one, two, t) = two_replicas();
    let dep = ["--dep", "doc:1:v1"];
    assert_eq!(chat(&two, &t, "warm two", &dep)["x_cache"], "MISS");
    assert_eq!(chat(&one, &t, "q", &dep)["x_cache"], "MISS");
    until_entries(&server, "default", 2);
    assert!(locks_left(&server).is_empty());
    // Redis refuses writes (out of memory, noeviction): the SET NX of the peek of a
    // request `two` has not seen cached fails, and its hit is still served.
    let config = |k: &str, v: &str| {
        let _: () = redis::cmd("CONFIG")
            .arg("SET")
            .arg(k)
            .arg(v)
            .query(&mut server.conn())
            .unwrap();
    };
    config("maxmemory-policy", "noeviction");
    config("maxmemory", "1");
    let hit = chat(&two, &t, "q", &dep);
    config("maxmemory", "0");
    assert_eq!(hit["x_cache"], "HIT_L1", "{hit}");
    assert_eq!(stub.calls(), 2);
}

//! Least-privilege ACL users: the rule sets docs/connecting.md documents are exactly enough, and a
//! missing permission is a clear exit 3.

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

/// docs/connecting.md's "ACL rule sets" section, verbatim: the operator role runs every subcommand.
const OPERATOR: &str = "~cc:* ~vec:* resetchannels -@all +ping +cluster|slots +cluster|myid +time +type +exists +scan +get +set +mget +mset +pttl +hget +hset +hstrlen +scard +smembers +sscan +sadd +srem +unlink +del +rename +memory|usage +eval +evalsha +script|load +xadd +xrevrange";
/// The read-only role: inspect, list, entry, policy show/list, invalidate --dry-run.
const READ_ONLY: &str = "~cc:* ~vec:* resetchannels -@all +ping +cluster|slots +type +exists +scan +get +pttl +hget +hstrlen +scard +smembers +sscan +xrevrange";

fn add_user(conn: &mut redis::Connection, name: &str, rules: &str) {
    let mut cmd = redis::cmd("ACL");
    cmd.arg("SETUSER")
        .arg(name)
        .arg("reset")
        .arg("on")
        .arg(">Acl-Pa55");
    for rule in rules.split_whitespace() {
        cmd.arg(rule);
    }
    let () = cmd.query(conn).unwrap();
}

/// The binary as ACL user `user`, on the server's TCP port.
fn as_user(server: &RedisServer, user: &str) -> CmdBuilder {
    let url = format!("redis://127.0.0.1:{}", server.port.unwrap());
    cmd_url(&url)
        .env("CACHECORE_REDIS_PASSWORD", "Acl-Pa55")
        .args(&["--user", user])
}

fn run_as(server: &RedisServer, user: &str, args: &[&str]) -> Run {
    as_user(server, user).args(args).run()
}

fn data(conn: &mut redis::Connection) {
    for i in 0..3 {
        for tier in [Tier::L1, Tier::L2] {
            let k = fixture::key(tier, "default", i);
            fixture::write_entry(conn, &k, "default", &[with("doc:1", "v1")], Some(600));
        }
    }
    // A dep large enough for the stepwise path, and a dangling member for prune.
    fixture::write_many(conn, 100, 300, &[with("table:big", "v1")], None, Some(600));
    // Keys outside the cache planted in dep sets: no role may need to read them.
    for set in ["cc:dep:keys:doc:1", "cc:dep:keys:table:big"] {
        let () = redis::cmd("SADD")
            .arg(set)
            .arg("user:secret")
            .query(conn)
            .map(|_: i64| ())
            .unwrap();
    }
    let () = redis::cmd("SET")
        .arg("user:secret")
        .arg("s")
        .query(conn)
        .unwrap();
    let () = redis::cmd("SADD")
        .arg("cc:dep:keys:doc:1")
        .arg(fixture::key(Tier::L1, "default", 77))
        .query(conn)
        .unwrap();
}

#[test]
fn the_documented_rule_sets_are_enough_and_a_missing_permission_is_exit_3() {
    let guide = crate::support::docs::read("docs/connecting.md");
    // Whole lines: the consumer's rules begin with the operator's, so a substring would
    // still be found in them after the operator's own line lost a permission.
    assert!(
        guide.contains(&format!("ACL SETUSER cachecore on >PASSWORD {OPERATOR}\n")),
        "docs/connecting.md documents the operator rules"
    );
    assert!(
        guide.contains(&format!(
            "ACL SETUSER cachecore-ro on >PASSWORD {READ_ONLY}\n"
        )),
        "docs/connecting.md documents the read-only rules"
    );

    let server = RedisServer::start_tcp(&[]);
    let mut conn = server.conn();
    data(&mut conn);
    add_user(&mut conn, "reader", READ_ONLY);
    add_user(&mut conn, "operator", OPERATOR);
    add_user(&mut conn, "no-unlink", &OPERATOR.replace(" +unlink", ""));

    let key = fixture::key(Tier::L1, "default", 0);
    for args in [
        vec!["deps", "inspect", "doc:1", "table:big"],
        vec!["deps", "list"],
        vec!["entry", &key],
        vec!["policy", "show"],
        vec!["policy", "list"],
        vec!["invalidate", "doc:1", "--dry-run"],
        vec!["audit"],
    ] {
        let r = run_as(&server, "reader", &args);
        assert_eq!(r.code, 0, "reader: {args:?}: {r:?}");
    }
    // doctor reports what it may not read as warnings: never exit 3 under either role.
    for user in ["reader", "operator"] {
        let r = run_as(&server, user, &["doctor"]);
        assert!(r.code == 0 || r.code == 1, "{user}: doctor: {r:?}");
        assert!(!r.stderr.contains("NOPERM"), "{user}: {r:?}");
    }
    let before = snapshot(&mut conn);
    let r = run_as(
        &server,
        "reader",
        &["invalidate", "doc:1", "--new-hash", "v2"],
    );
    let err = r.expect_one_line_error(3);
    assert!(
        err.to_lowercase().contains("noperm") && err.contains("ACL"),
        "{err}"
    );
    assert_eq!(
        snapshot(&mut conn),
        before,
        "a refused first write changes nothing"
    );

    let r = run_as(
        &server,
        "no-unlink",
        &["invalidate", "table:big", "--new-hash", "v2"],
    );
    let err = r.expect_one_line_error(3);
    assert!(
        err.to_lowercase().contains("unlink"),
        "names the permission: {err}"
    );

    for args in [
        vec!["deps", "inspect", "doc:1", "table:big"],
        vec!["deps", "list"],
        vec!["entry", &key],
        vec!["tag", &key, "--dep", "doc:9", "--yes"],
        vec!["untag", &key, "--dep", "doc:9"],
        vec!["invalidate", "doc:1", "--new-hash", "v2"],
        vec!["invalidate", "table:big", "--new-hash", "v3"],
        vec!["deps", "prune", "--yes"],
        vec!["policy", "roll", "--purge", "--yes"],
        vec!["audit"],
    ] {
        let r = run_as(&server, "operator", &args);
        assert_eq!(r.code, 0, "operator: {args:?}: {r:?}");
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, b"doc:2\ndoc:3\n").unwrap();
    let path = file.path().display().to_string();
    let r = run_as(
        &server,
        "operator",
        &["invalidate-many", "--file", &path, "--yes"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(scan_keys(&mut conn, "cc:l1:*").is_empty() && scan_keys(&mut conn, "vec:*").is_empty());
    assert_eq!(
        get(&mut conn, "user:secret").as_deref(),
        Some("s"),
        "never deleted"
    );
}

#[test]
fn passwords_come_from_the_environment_or_a_file_never_the_command_line() {
    let server = RedisServer::start_tcp(&[]);
    let mut conn = server.conn();
    add_user(&mut conn, "reader", READ_ONLY);
    let url = format!("redis://127.0.0.1:{}", server.port.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let pw_file = dir.path().join("pw");
    std::fs::write(&pw_file, "Acl-Pa55\n").unwrap();
    let pw_path = pw_file.display().to_string();

    cmd_url(&url)
        .args(&[
            "--user",
            "reader",
            "--password-file",
            &pw_path,
            "policy",
            "list",
        ])
        .succeeds();
    cmd_url(&url)
        .env("CACHECORE_REDIS_USER", "reader")
        .env("CACHECORE_REDIS_PASSWORD", "Acl-Pa55")
        .args(&["policy", "list"])
        .succeeds();

    let wrong = cmd_url(&url)
        .env("CACHECORE_REDIS_PASSWORD", "Wr0ng-Secret")
        .args(&["--user", "reader", "policy", "list"])
        .fails_with(3);
    assert!(!wrong.stderr.contains("Wr0ng-Secret"), "{}", wrong.stderr);

    let missing = cmd_url(&url)
        .args(&[
            "--user",
            "reader",
            "--password-file",
            "/nonexistent/pw",
            "policy",
            "list",
        ])
        .fails_with(2);
    missing.stderr_has("/nonexistent/pw");

    let twice = cmd_url(&format!(
        "redis://reader:Acl-Pa55@127.0.0.1:{}",
        server.port.unwrap()
    ))
    .env("CACHECORE_REDIS_PASSWORD", "Acl-Pa55")
    .args(&["policy", "list"])
    .run();
    assert!(twice.expect_error_after_notes(2).contains("two passwords"));
    assert!(
        twice.stderr.contains("visible to every user"),
        "a password on the command line is warned about: {}",
        twice.stderr
    );
    assert!(!twice.stderr.contains("Acl-Pa55"));

    let no_flag = cmd_url(&url)
        .args(&["--password", "x", "policy", "list"])
        .run();
    assert_eq!(no_flag.code, 2, "there is no --password flag");
}

/// A permission revoked while a wave drains (the operator's `-unlink`): the error is
/// Redis's refusal, not a lost connection, so the next dep of the wave is still attempted
/// and reports that refusal itself, rather than "not attempted, as the connection was
/// lost" (a message that would send the operator after the network).
#[test]
fn a_permission_revoked_mid_wave_is_not_taken_for_a_lost_connection() {
    let server = RedisServer::start_tcp(&[]);
    let mut conn = server.conn();
    add_user(&mut conn, "op", OPERATOR);
    fixture::write_many(&mut conn, 0, 20_000, &[with("doc:first", "v1")], None, None);
    fixture::write_many(
        &mut conn,
        100_000,
        2_000,
        &[with("doc:second", "v1")],
        None,
        None,
    );
    let mut gone = Deletions::from_now(&server);
    let mut child = as_user(&server, "op")
        .args(&["invalidate-many", "--dep-ids", "doc:first,doc:second"])
        .args(&[
            "--new-hash",
            "v2",
            "--rate",
            "10000",
            "--batch-size",
            "200",
            "--json",
        ])
        .spawn();
    child.wait_until(
        std::time::Duration::from_secs(30),
        "doc:first draining",
        || gone.at_least(1_000),
    );
    let () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("op")
        .arg("-unlink")
        .query(&mut conn)
        .unwrap();
    let r = child.finish();
    assert_ne!(r.code, 0, "{r:?}");
    let lines = r.json_lines();
    let error = |d: &str| {
        let l = lines
            .iter()
            .find(|l| l["dep_id"] == d)
            .unwrap_or_else(|| panic!("{d}: {r:?}"));
        assert_eq!(l["ok"], false, "{l}");
        l["error"].as_str().unwrap_or_default().to_string()
    };
    let first = error("doc:first");
    assert!(
        first.contains("NOPERM") || first.contains("permission"),
        "{first}"
    );
    let second = error("doc:second");
    assert!(!second.contains("not attempted"), "{second}");
    assert!(
        second.contains("NOPERM") || second.contains("permission"),
        "{second}"
    );
}

/// Issue 22: every delete of an entry first checks it with HSTRLEN, inside a script, where
/// Redis 7.0 does not say which command the ACL refused: a user without `hstrlen` is told
/// that it lacks exactly that, on the fast path (doc:1) and stepwise (table:big) alike.
#[test]
fn a_user_without_hstrlen_is_told_which_permission_the_entry_check_needs() {
    let server = RedisServer::start_tcp(&[]);
    let mut conn = server.conn();
    data(&mut conn);
    add_user(&mut conn, "no-hstrlen", &OPERATOR.replace(" +hstrlen", ""));
    for dep in ["doc:1", "table:big"] {
        let r = run_as(
            &server,
            "no-hstrlen",
            &["invalidate", dep, "--new-hash", "v2"],
        );
        let err = r.expect_one_line_error(3);
        assert!(
            err.to_lowercase().contains("noperm") && err.contains("'hstrlen'"),
            "{dep}: {err}"
        );
    }
    assert!(
        exists(&mut conn, &fixture::key(Tier::L1, "default", 0)),
        "nothing is deleted unchecked"
    );
}

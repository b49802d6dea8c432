//! `deps prune` with a writer placed exactly between its reads and its first script, which
//! no timing-based race can do reliably: CLIENT PAUSE WRITE holds back every script (and
//! every write) but lets reads through, so the command reads and then waits at its first
//! EVALSHA. Lifting the pause and writing in one packet makes Redis run those writes
//! before it replays the waiting script.

use std::time::Duration;

use super::housekeeping::{TWO_HOURS, age_record};
use crate::support::*;

/// Runs cachecore with `args` and, once it waits at its first script, runs `meanwhile`.
fn with_writes_before_first_script(
    server: &RedisServer,
    args: &[&str],
    meanwhile: &[&[&str]],
) -> Run {
    let mut conn = server.conn();
    let () = redis::cmd("CLIENT")
        .arg(&["PAUSE", "30000", "WRITE"])
        .query(&mut conn)
        .unwrap();
    let mut child = cmd(server).args(args).spawn();
    child.wait_until(Duration::from_secs(20), "its first script held", || {
        blocked_commands(&mut conn).iter().any(|c| c == "evalsha")
    });
    let mut pipe = redis::pipe();
    pipe.cmd("CLIENT").arg("UNPAUSE").ignore();
    for command in meanwhile {
        pipe.cmd(command[0]).arg(&command[1..]).ignore();
    }
    let () = pipe.query(&mut conn).unwrap();
    child.finish()
}

#[test]
fn a_dep_set_gone_before_its_first_page_is_not_counted_as_emptied() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    for dry in [true, false] {
        crate::support::fixture::members_without_entries(&mut conn, "cc:dep:keys:doc:gone", 3);
        let mut args = vec!["deps", "prune", "--yes", "--json"];
        if dry {
            args.push("--dry-run");
        }
        // Another prune (or the last entry's writer) deleted it after our SCAN found it.
        let r =
            with_writes_before_first_script(&server, &args, &[&["DEL", "cc:dep:keys:doc:gone"]]);
        assert_eq!(r.code, 0, "{r:?}");
        let j = r.json();
        let counts = [
            "sets_scanned",
            "members_scanned",
            "members_removed",
            "sets_deleted",
        ]
        .map(|field| j[field].as_u64());
        assert_eq!(
            counts,
            [Some(1), Some(0), Some(0), Some(0)],
            "dry run: {dry}"
        );
    }
}

#[test]
fn a_hash_record_rewritten_after_its_age_was_read_is_kept() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    cmd(&server)
        .args(&["invalidate", "doc:old", "--new-hash", "v2"])
        .succeeds();
    age_record(&mut conn, "doc:old", TWO_HOURS);
    // No dep set to prune, so the first script the command runs is the retirement's.
    assert!(scan_keys(&mut conn, "cc:dep:keys:*").is_empty());
    let time_key =
        String::from_utf8(scan_keys(&mut conn, "cc:hashtime:*:doc:old")[0].clone()).unwrap();
    let written: u64 = get(&mut conn, &time_key).unwrap().parse().unwrap();
    // Still older than the window, but a different stamp: only the script's
    // compare-and-delete can notice the rewrite.
    let rewritten = (written + 1).to_string();
    let r = with_writes_before_first_script(
        &server,
        &["deps", "prune", "--yes", "--retire-after", "1h", "--json"],
        &[&["SET", &time_key, &rewritten]],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let x = &r.json()["retire"];
    assert_eq!(
        (x["retired"].as_u64(), x["kept_recent"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(get(&mut conn, "cc:dep:hash:doc:old").as_deref(), Some("v2"));
    assert_eq!(get(&mut conn, &time_key), Some(rewritten));
}

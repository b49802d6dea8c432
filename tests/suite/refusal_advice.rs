//! What a refused `invalidate --if-hash` advises: the advice depends on whether the
//! current hash is already the new one, and the command it quotes must paste into a
//! shell as is.

use crate::support::fixture::{self, Tier, with};
use crate::support::*;

fn tagged_entry(conn: &mut redis::Connection, hash: &str) {
    let k = fixture::key(Tier::L1, "default", 1);
    fixture::write_entry(conn, &k, "default", &[with("doc:1", "v1")], Some(3600));
    set(conn, "cc:dep:hash:doc:1", hash);
}

#[test]
fn a_hash_another_writer_changed_is_not_called_the_new_one() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    tagged_entry(&mut conn, "v1");
    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--if-hash", "v0", "--new-hash", "v2"])
        .run();
    let line = r.expect_one_line_error(1);
    assert!(line.contains("another writer changed it"), "{line}");
    assert!(!line.contains("already the new one"), "{line}");
}

#[test]
fn the_finishing_command_in_a_refusal_quotes_a_hash_with_a_space() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    // An interrupted run recorded "v 2"; the rerun with its old condition is refused
    // and names the unconditional command that finishes it.
    tagged_entry(&mut conn, "v 2");
    let r = cmd(&server)
        .args(&[
            "invalidate",
            "doc:1",
            "--if-hash",
            "v1",
            "--new-hash",
            "v 2",
        ])
        .run();
    let line = r.expect_one_line_error(1);
    assert!(line.contains("already the new one"), "{line}");
    assert!(
        line.contains("`cachecore invalidate doc:1 --new-hash 'v 2'`"),
        "{line}"
    );
    // Pasted into a shell, it finishes the run.
    let r = cmd(&server)
        .args(&["invalidate", "doc:1", "--new-hash", "v 2", "--json"])
        .succeeds();
    assert_eq!(r.json()["l1_deleted"], 1);
}

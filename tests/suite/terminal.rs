//! Tested as a person would: on a pseudo-terminal (util-linux `script`) during a long
//! invalidation the progress bar redraws; piped, stdout carries nothing but the result.

use std::process::Command;

use crate::support::fixture::{self, with};
use crate::support::*;

fn big_dep(server: &RedisServer) {
    fixture::write_many(
        &mut server.conn(),
        0,
        60_000,
        &[with("table:products", "v1")],
        None,
        Some(600),
    );
}

#[test]
fn the_progress_bar_redraws_on_a_terminal_and_only_results_reach_a_pipe() {
    let server = RedisServer::start();
    big_dep(&server);
    let bin = env!("CARGO_BIN_EXE_cachecore");
    // About two seconds of work: many redraws at indicatif's refresh rate.
    let line = format!(
        "{bin} --redis-url {} invalidate table:products --new-hash v2 --rate 30000 --batch-size 500",
        server.url
    );
    let out = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .output()
        .expect("util-linux `script` runs (it gives the binary a pseudo-terminal)");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{tty}");
    let redraws = tty.matches("invalidating table:products").count();
    assert!(redraws >= 5, "the bar redrew only {redraws} times: {tty:?}");
    assert!(
        tty.contains("\r") || tty.contains("\u{1b}["),
        "cursor control on a terminal"
    );
    assert!(
        tty.contains("hash recorded, tagged entries deleted"),
        "the result table"
    );

    // Piped: the same command prints the result and nothing else, and stderr is silent.
    fixture::write_many(
        &mut server.conn(),
        0,
        60_000,
        &[with("table:products", "v2")],
        None,
        Some(600),
    );
    let r = cmd(&server)
        .args(&[
            "invalidate",
            "table:products",
            "--new-hash",
            "v3",
            "--rate",
            "30000",
            "--json",
        ])
        .succeeds();
    assert_eq!(
        r.json()["l1_deleted"],
        48_000,
        "stdout is one JSON document"
    );
    assert_eq!(
        r.stderr, "",
        "no progress bar when stderr is not a terminal"
    );
}

/// The SGR sequence that starts bold text: the table header when color is on.
const BOLD: &str = "\u{1b}[1m";

#[test]
fn color_follows_the_flag_and_no_color() {
    let server = RedisServer::start();
    let plain = cmd(&server).args(&["policy", "list"]).succeeds();
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "piped: no escape codes by default"
    );
    let forced = run(&server, &["--color", "always", "policy", "list"]);
    assert!(
        forced.stdout.contains(BOLD),
        "--color always colors even a pipe"
    );
    let never = cmd(&server)
        .env("NO_COLOR", "1")
        .args(&["--color", "never", "policy", "list"])
        .run();
    assert!(!never.stdout.contains('\u{1b}'));
    // On a terminal NO_COLOR turns auto off; the table's border characters stay.
    let bin = env!("CARGO_BIN_EXE_cachecore");
    let tty = |no_color: &str| {
        let out = Command::new("script")
            .args([
                "-qfec",
                &format!("{bin} --redis-url {} policy list", server.url),
                "/dev/null",
            ])
            .env("TERM", "xterm-256color")
            .env("NO_COLOR", no_color)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // (The spinner's cursor control is there either way; color is the bold header.)
    assert!(tty("").contains(BOLD), "auto on a terminal colors");
    assert!(!tty("1").contains(BOLD), "NO_COLOR on a terminal");
}

/// `invalidate-many` shows keys as they go, not only finished deps: three deps whose
/// entries take seconds to delete move the keys line long before any dep is done.
#[test]
fn invalidate_many_progress_counts_keys_as_they_go() {
    let server = RedisServer::start();
    for (i, dep) in ["doc:a", "doc:b", "doc:c"].iter().enumerate() {
        fixture::write_many(
            &mut server.conn(),
            i as u64 * 20_000,
            20_000,
            &[with(dep, "v1")],
            None,
            Some(600),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deps.txt");
    std::fs::write(&file, "doc:a\ndoc:b\ndoc:c\n").unwrap();
    let line = format!(
        "{} --redis-url {} invalidate-many --file {} --new-hash v2 --rate 30000 --yes",
        env!("CARGO_BIN_EXE_cachecore"),
        server.url,
        file.display()
    );
    let out = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .env("TERM", "xterm-256color")
        .output()
        .expect("util-linux `script` runs");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{tty}");
    // While 0 of 3 deps are done, the keys line already counts thousands.
    let moving = tty
        .split(['\r', '\n'])
        .filter(|l| l.contains("deleting") && l.contains("keys"))
        .filter_map(|l| {
            let digits: String = l
                .split("deleting")
                .nth(1)?
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(|c| c.is_ascii_digit() || *c == ',')
                .filter(char::is_ascii_digit)
                .collect();
            digits.parse::<u64>().ok()
        })
        .filter(|&n| n >= 1000)
        .count();
    assert!(
        moving >= 3,
        "the keys line moved only {moving} times: {tty:?}"
    );
}

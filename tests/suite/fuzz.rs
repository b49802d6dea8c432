//! Hostile input, generated: the invalidate-many parser, dep-id validation and the entry
//! `deps` parser never panic, accept exactly what the layout allows, and name every bad
//! line. A bounded pass (a few thousand cases) runs with the suite; failures proptest
//! finds are kept in `tests/fuzz-corpus/proptest-regressions.txt` and replayed first,
//! next to the hand-written seed corpus in `tests/fuzz-corpus/`.

use std::path::Path;

use cachecore::input::depfile::{Format, parse};
use cachecore::layout::{DepId, DepRecord, parse_deps, write_deps};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// The layout's dep-id rule, written independently of `DepId::parse`.
fn allowed(id: &str) -> bool {
    !id.is_empty() && id.len() <= 512 && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/fuzz-corpus/proptest-regressions.txt",
        ))),
        ..ProptestConfig::default()
    }
}

/// Checks one parse of `input`: accepted items are valid user dep ids on real lines;
/// rejections name real lines with a reason.
fn check_depfile(input: &[u8]) -> Result<(), TestCaseError> {
    let lines = input.split(|b| *b == b'\n').count();
    for format in [Format::Auto, Format::Plain, Format::Jsonl] {
        match parse(input, format) {
            Ok(items) => {
                for item in items {
                    prop_assert!(
                        DepId::parse_user(item.dep.as_str()).is_ok(),
                        "{:?}",
                        item.dep
                    );
                    prop_assert!((1..=lines).contains(&item.line));
                }
            }
            Err(bad) => {
                prop_assert!(!bad.is_empty());
                for b in bad {
                    prop_assert!((1..=lines).contains(&b.line), "line {} of {lines}", b.line);
                    prop_assert!(!b.reason.is_empty());
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn dep_ids_are_accepted_exactly_by_the_layout_rule(id in any::<String>()) {
        prop_assert_eq!(DepId::parse(&id).is_ok(), allowed(&id));
    }

    #[test]
    fn dep_ids_near_the_edges(id in "[ -~\t\n\u{1b}\u{85}\u{a0}\u{2028}é日]{0,600}") {
        prop_assert_eq!(DepId::parse(&id).is_ok(), allowed(&id));
    }

    #[test]
    fn the_depfile_parser_survives_any_bytes(input in proptest::collection::vec(any::<u8>(), 0..2000)) {
        check_depfile(&input)?;
    }

    #[test]
    fn the_depfile_parser_survives_json_like_lines(
        lines in proptest::collection::vec("\\{(\"(dep_id|new_hash|if_hash|x)\":(\"[^\"\n]{0,12}\"|null|1|\\[\\]),?){0,4}\\}?", 0..30)
    ) {
        check_depfile(lines.join("\n").as_bytes())?;
    }

    #[test]
    fn plain_files_of_valid_ids_are_read_in_full(ids in proptest::collection::vec("(doc|table|user):[a-z0-9-]{1,12}", 1..40)) {
        let items = parse(ids.join("\n").as_bytes(), Format::Auto).expect("valid ids");
        let mut want = ids.clone();
        want.dedup();
        let got: Vec<&str> = items.iter().map(|i| i.dep.as_str()).collect();
        let mut unique = want.clone();
        unique.sort();
        unique.dedup();
        prop_assert_eq!(got.len(), unique.len(), "duplicates are read once");
        prop_assert!(got.iter().all(|g| want.iter().any(|w| w == g)));
    }

    #[test]
    fn the_deps_field_round_trips(records in proptest::collection::vec(("[a-z]{1,8}:[a-zA-Z0-9._-]{1,12}", proptest::option::of("[^\\p{C}]{1,10}")), 0..10)) {
        let records: Vec<DepRecord> = records.into_iter().map(|(id, hash)| DepRecord { id, hash }).collect();
        let text = write_deps(&records);
        prop_assert_eq!(parse_deps(text.as_bytes()).expect("our own output parses"), records);
    }

    #[test]
    fn the_deps_parser_survives_any_bytes(raw in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_deps(&raw);
    }
}

#[test]
fn the_seed_corpus_parses_without_panics_and_names_bad_lines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        if name.starts_with("deps-") {
            let parsed = parse_deps(&bytes);
            assert_eq!(
                parsed.is_ok(),
                name == "deps-valid.json",
                "{name}: {parsed:?}"
            );
            seen += 1;
        } else if name.ends_with(".txt") && !name.starts_with("proptest") {
            check_depfile(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            seen += 1;
        }
    }
    assert!(seen >= 10, "the corpus is there: {seen} files");
    // Known verdicts: escapes, a reserved id, a glob and a 600-byte id are each refused by line.
    let bad = parse(
        &std::fs::read(dir.join("escapes-reserved-long.txt")).unwrap(),
        Format::Plain,
    )
    .unwrap_err();
    assert_eq!(
        bad.iter().map(|b| b.line).collect::<Vec<_>>(),
        vec![1, 2, 4],
        "{bad:?}"
    );
    assert!(
        parse(
            &std::fs::read(dir.join("blank-comments.txt")).unwrap(),
            Format::Auto
        )
        .is_ok()
    );
}

/// What a buggy proxy might write, one entry each, all tracked by `doc:bug`.
const BROKEN_DEPS: [(&str, Option<&str>); 7] = [
    ("not json", Some("not json")),
    ("not an array", Some(r#"{"id":"doc:bug","hash":"v1"}"#)),
    (
        "hash of the wrong type",
        Some(r#"[{"id":"doc:bug","hash":1},{"id":"cc:policy-version:default","hash":"1"}]"#),
    ),
    (
        "id missing",
        Some(r#"[{"hash":"v1"},{"id":"cc:policy-version:default","hash":"1"}]"#),
    ),
    ("no policy dep", Some(r#"[{"id":"doc:bug","hash":"v1"}]"#)),
    (
        "a key given twice",
        Some(
            r#"[{"id":"doc:other","hash":"v1","id":"doc:bug"},{"id":"cc:policy-version:default","hash":"1"}]"#,
        ),
    ),
    ("deps field missing", None),
];

#[test]
fn entries_a_buggy_proxy_wrote_are_corrupt_by_name_and_fail_the_gate() {
    let server = crate::support::RedisServer::start();
    let mut conn = server.conn();
    crate::support::set(&mut conn, "cc:dep:hash:doc:bug", "v1");
    let mut keys = Vec::new();
    for (i, (what, deps)) in BROKEN_DEPS.iter().enumerate() {
        let key =
            crate::support::fixture::key(crate::support::fixture::Tier::L2, "default", i as u64);
        let mut cmd = redis::cmd("HSET");
        cmd.arg(&key).arg("body").arg("x");
        if let Some(deps) = deps {
            cmd.arg("deps").arg(*deps);
        }
        let () = cmd.query(&mut conn).unwrap();
        let () = redis::cmd("SADD")
            .arg("cc:dep:keys:doc:bug")
            .arg(&key)
            .query(&mut conn)
            .unwrap();
        keys.push((key, *what));
    }
    for (key, what) in &keys {
        let r = crate::support::run(&server, &["entry", key, "--json"]);
        assert_eq!(r.code, 1, "{what}: {r:?}");
        assert_eq!(r.json()["verdict"], "corrupt", "{what}");
    }
    let r = crate::support::run(
        &server,
        &[
            "deps",
            "inspect",
            "doc:bug",
            "--expect-hash",
            "v1",
            "--keys",
            "--json",
        ],
    );
    assert_eq!(r.code, 1, "the gate fails on corrupt entries: {r:?}");
    let lines = r.json_lines();
    for (key, what) in &keys {
        let line = lines
            .iter()
            .find(|l| l["key"] == key.as_str())
            .unwrap_or_else(|| panic!("{what}: {key} named"));
        assert_eq!(line["verdict"], "corrupt", "{what}");
    }
    let dep = lines.iter().find(|l| l["type"] == "dep").unwrap();
    assert_eq!(dep["corrupt"], 7);
    assert_eq!(dep["fresh"], 0);
    assert!(
        r.stderr.contains("doc:bug") && r.stderr.contains("unreadable"),
        "{}",
        r.stderr
    );
}

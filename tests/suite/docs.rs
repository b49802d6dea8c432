//! The committed completions and man pages are exactly what the binary generates.
//! `CACHECORE_REGENERATE_DOCS=1 cargo test docs` rewrites them.

use std::path::{Path, PathBuf};

use cachecore::docs::{SHELLS, completion, completion_file, man_pages};

use crate::support::*;

#[test]
fn completions_and_man_pages_match_the_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let regenerate = std::env::var_os("CACHECORE_REGENERATE_DOCS").is_some();
    let mut expected: Vec<(PathBuf, Vec<u8>)> = SHELLS
        .iter()
        .map(|&s| {
            (
                root.join("completions").join(completion_file(s)),
                completion(s),
            )
        })
        .collect();
    expected.extend(
        man_pages()
            .into_iter()
            .map(|(name, page)| (root.join("man").join(name), page)),
    );
    let mut drifted = Vec::new();
    for (path, want) in &expected {
        if std::fs::read(path).ok().as_ref() != Some(want) {
            if regenerate {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, want).unwrap();
            } else {
                drifted.push(path.display().to_string());
            }
        }
    }
    // A page or script for something the binary no longer has is drift too.
    for dir in ["completions", "man"] {
        for file in std::fs::read_dir(root.join(dir)).into_iter().flatten() {
            let path = file.unwrap().path();
            if !expected.iter().any(|(p, _)| *p == path) {
                if regenerate {
                    std::fs::remove_file(&path).unwrap();
                } else {
                    drifted.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        drifted.is_empty(),
        "{drifted:?} differ from what the binary generates; run `CACHECORE_REGENERATE_DOCS=1 cargo test docs` and commit the result"
    );
    assert!(expected.len() >= 5 + 15, "a page per subcommand");
}

#[test]
fn the_completions_subcommand_prints_the_committed_script() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (shell, file) in [
        ("bash", "cachecore.bash"),
        ("zsh", "_cachecore"),
        ("fish", "cachecore.fish"),
    ] {
        let r = run_url("redis://127.0.0.1:1", &["completions", shell]);
        assert_eq!(r.code, 0, "{r:?}");
        assert_eq!(
            r.stdout,
            std::fs::read_to_string(root.join("completions").join(file)).unwrap()
        );
    }
    assert_eq!(
        run_url("redis://127.0.0.1:1", &["completions", "tcsh"]).code,
        2
    );
}

#[test]
fn man_pages_have_exit_status_and_environment_sections() {
    for (name, page) in man_pages() {
        let text = String::from_utf8(page).unwrap();
        assert!(
            text.contains(".SH \"EXIT STATUS\"") || text.contains(".SH EXIT STATUS"),
            "{name}"
        );
        assert!(text.contains(".SH ENVIRONMENT"), "{name}");
        assert!(text.contains("CACHECORE_REDIS_PASSWORD"), "{name}");
    }
}

/// Every shell block the docs mark as a recipe is run by a test: some test under `tests/`
/// calls `docs::recipe` with its name (the runners find the blocks by name, so a recipe
/// that is edited is run as edited).
#[test]
fn every_marked_recipe_is_run_by_a_test() {
    let recipes = crate::support::docs::recipes();
    assert!(recipes.len() >= 2, "the CI recipes are marked: {recipes:?}");
    let mut run = std::collections::BTreeSet::new();
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    for dir in ["suite", "support"] {
        for file in std::fs::read_dir(tests.join(dir)).unwrap() {
            let path = file.unwrap().path();
            if path.ends_with("support/docs.rs") || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            let call = "recipe(\"";
            for (at, _) in source.match_indices(call) {
                let name = &source[at + call.len()..];
                run.insert(name[..name.find('"').unwrap()].to_string());
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in &recipes {
        assert!(
            seen.insert(&r.name),
            "{}:{}: a second recipe named {}",
            r.file.display(),
            r.line,
            r.name
        );
        assert!(
            run.contains(&r.name),
            "{}:{}: the recipe {} is run by no test (no `docs::recipe(\"{}\")` under tests/)",
            r.file.display(),
            r.line,
            r.name,
            r.name
        );
    }
}

/// Every relative link of the documentation points to a file that exists, and a
/// `#fragment` to a heading of it.
#[test]
fn relative_links_in_the_docs_resolve() {
    use crate::support::docs::{anchors, doc_files, link_targets, read, root};
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in doc_files() {
        for target in link_targets(&read(&file)) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, fragment) = match target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (target.as_str(), None),
            };
            let resolved = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            let full = root().join(&resolved);
            if !full.exists() {
                broken.push(format!("{}: {target} (no such file)", file.display()));
                continue;
            }
            if let Some(fragment) = fragment {
                let text = std::fs::read_to_string(&full).unwrap_or_default();
                if !anchors(&text).iter().any(|a| a == fragment) {
                    broken.push(format!("{}: {target} (no such heading)", file.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    assert!(
        checked >= 20,
        "the docs link to each other: {checked} links"
    );
}

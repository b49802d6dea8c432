//! The architecture as `src/lib.rs` states it: dependencies point one way, down the
//! layers (surfaces -> engine -> store -> plumbing -> pure rules), `service` never uses
//! `commands`, and no files depend on each other in a cycle. Read from the source, so a
//! new import that breaks the rule fails here, with the edge named.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module's layer: a module may use its own layer and the ones below
/// (higher numbers), never one above.
fn layer(top: &str) -> u8 {
    match top {
        "crate" | "main" | "commands" | "service" | "cli" | "docs" => 1,
        "engine" => 2,
        "store" => 3,
        "input" | "audit" | "output" | "error" | "interrupt" | "pace" | "process" => 4,
        "layout" | "bookkeeping" | "slot" | "printable" | "redact" => 5,
        other => panic!(
            "src/{other}: a new top-level module needs a layer in this test and in src/lib.rs's list"
        ),
    }
}

/// Module path of every source file (`engine::drain`, `store` for store/mod.rs), with its
/// text less comments and unit tests.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().with_extension("");
                let mut module = rel.to_string_lossy().replace('/', "::");
                if let Some(parent) = module.strip_suffix("::mod") {
                    module = parent.to_string();
                }
                if module == "lib" {
                    module = "crate".into();
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let text = text.split("#[cfg(test)]\nmod tests").next().unwrap();
                let code: Vec<&str> = text
                    .lines()
                    .map(|l| l.split("//").next().unwrap_or(""))
                    .collect();
                out.insert(module, code.join("\n"));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The module `path` (`crate::a::b::Item`, `super::x`) names from inside `from`: the
/// longest prefix that is a module.
fn resolve(modules: &BTreeSet<String>, from: &str, path: &[&str]) -> Option<String> {
    let (mut base, rest): (Vec<&str>, &[&str]) = match path.first() {
        Some(&"crate") => (Vec::new(), &path[1..]),
        Some(&"super") => {
            let mut base: Vec<&str> = from.split("::").collect();
            base.pop();
            let mut rest = &path[1..];
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
            (base, rest)
        }
        _ => return None,
    };
    if from == "crate" {
        base.clear();
    }
    (1..=rest.len()).rev().find_map(|n| {
        let candidate = base
            .iter()
            .chain(&rest[..n])
            .copied()
            .collect::<Vec<_>>()
            .join("::");
        modules.contains(&candidate).then_some(candidate)
    })
}

/// Every `crate::…`/`super::…` path in `code`, with `use x::{a, b}` groups expanded one
/// level.
fn paths(code: &str) -> Vec<Vec<String>> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let starts = ["crate::", "super::"].iter().any(|p| code_at(&bytes, i, p))
            && (i == 0 || !ident(bytes[i - 1]));
        if !starts {
            i += 1;
            continue;
        }
        let mut segments = Vec::new();
        let mut seg = String::new();
        let mut j = i;
        while j < bytes.len() {
            let c = bytes[j];
            if ident(c) {
                seg.push(c);
                j += 1;
            } else if code_at(&bytes, j, "::") {
                segments.push(std::mem::take(&mut seg));
                j += 2;
                if j < bytes.len() && bytes[j] == '{' {
                    let end = (j..bytes.len()).find(|&k| bytes[k] == '}').unwrap_or(j);
                    let group: String = bytes[j + 1..end].iter().collect();
                    for item in group.split(',') {
                        let first = item.trim().split("::").next().unwrap_or("").trim();
                        if !first.is_empty() && first != "self" {
                            let mut p = segments.clone();
                            p.push(first.split_whitespace().next().unwrap().to_string());
                            out.push(p);
                        }
                    }
                    segments.clear();
                    j = end;
                    break;
                }
            } else {
                break;
            }
        }
        if !seg.is_empty() {
            segments.push(seg);
        }
        if segments.len() > 1 {
            out.push(segments);
        }
        i = j.max(i + 1);
    }
    out
}

fn code_at(chars: &[char], i: usize, pat: &str) -> bool {
    pat.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

/// module -> the modules it uses (parents and children of itself left out: a module
/// declares its children and they use their parent's items).
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let sources = sources();
    let modules: BTreeSet<String> = sources.keys().cloned().collect();
    sources
        .iter()
        .map(|(from, code)| {
            let used = paths(code)
                .iter()
                .filter_map(|p| {
                    let p: Vec<&str> = p.iter().map(String::as_str).collect();
                    resolve(&modules, from, &p)
                })
                .filter(|to| {
                    to != from
                        && !to.starts_with(&format!("{from}::"))
                        && !from.starts_with(&format!("{to}::"))
                        && to != "crate"
                })
                .collect();
            (from.clone(), used)
        })
        .collect()
}

fn top(module: &str) -> &str {
    module.split("::").next().unwrap()
}

#[test]
fn dependencies_point_down_the_layers() {
    let mut wrong = Vec::new();
    for (from, used) in edges() {
        for to in used {
            let up = layer(top(&to)) < layer(top(&from));
            let back = top(&from) == "service" && top(&to) == "commands";
            if up || back {
                wrong.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "dependencies that point up or back (src/lib.rs says which way they go): {wrong:#?}"
    );
}

#[test]
fn no_files_depend_on_each_other_in_a_cycle() {
    let edges = edges();
    // Tarjan's strongly connected components: any component of two or more is a cycle.
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        cycles: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.cycles.push(component);
            }
        }
    }
    let mut state = State {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        cycles: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    assert!(state.cycles.is_empty(), "import cycles: {:?}", state.cycles);
}

#[test]
fn the_checker_sees_the_edges_it_must() {
    // The checker itself: an edge written each way it can be is found.
    let e = edges();
    assert!(
        e["commands::doctor"].contains("engine::health"),
        "{:?}",
        e["commands::doctor"]
    );
    assert!(
        e["engine::health"].contains("store"),
        "{:?}",
        e["engine::health"]
    );
    assert!(e["store::streams"].contains("store::stream_replies"));
    assert!(!e["store::stream_replies"].contains("store::streams"));
}

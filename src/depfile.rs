//! The input of `invalidate-many`: one dep id per line, or JSON Lines
//! `{"dep_id": "...", "new_hash": "...", "if_hash": "..."}`. Pure.
//!
//! The whole input is validated before anything is invalidated, and every bad line is
//! reported, so an operator fixes a file in one pass and a bad file changes nothing.

use std::collections::HashMap;

use serde_json::Value;

use crate::layout::{DepId, validate_hash};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON Lines when the first significant line starts with `{`, else plain.
    Auto,
    /// One dep id per line; `#` comments and blank lines are ignored.
    Plain,
    /// One JSON object per line with `dep_id`, and optionally `new_hash` and `if_hash`.
    Jsonl,
}

/// One dep to invalidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub dep: DepId,
    /// This line's hash; `None` falls back to `--new-hash`, then a generated one.
    pub new_hash: Option<String>,
    /// Compare-and-set: invalidate only if the current hash is this.
    pub if_hash: Option<String>,
    /// 1-based line number of the first line that named this dep.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub reason: String,
}

/// Parses and validates the whole input. Duplicate lines collapse into one item; the same
/// dep given two different hashes (or conditions) is an error on the later line.
pub fn parse(input: &[u8], format: Format) -> Result<Vec<Item>, Vec<BadLine>> {
    let lines: Vec<(usize, &[u8])> = input
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l)))
        .collect();
    let significant = |l: &[u8]| {
        let t = l.trim_ascii();
        !t.is_empty() && !t.starts_with(b"#")
    };
    let format = match format {
        Format::Auto => match lines.iter().find(|(_, l)| significant(l)) {
            Some((_, l)) if l.trim_ascii().starts_with(b"{") => Format::Jsonl,
            _ => Format::Plain,
        },
        f => f,
    };

    let mut items: Vec<Item> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut bad = Vec::new();
    for (line, raw) in lines {
        if !significant(raw) {
            continue;
        }
        let parsed = std::str::from_utf8(raw)
            .map_err(|_| "is not valid UTF-8".to_string())
            .and_then(|text| match format {
                Format::Jsonl => parse_json_line(text.trim()),
                _ => parse_plain_line(text.trim()),
            });
        let (dep, new_hash, if_hash) = match parsed {
            Ok(v) => v,
            Err(reason) => {
                bad.push(BadLine { line, reason });
                continue;
            }
        };
        match seen.get(dep.as_str()) {
            None => {
                seen.insert(dep.as_str().to_string(), items.len());
                items.push(Item {
                    dep,
                    new_hash,
                    if_hash,
                    line,
                });
            }
            Some(&i) => {
                let first = &items[i];
                if first.new_hash != new_hash || first.if_hash != if_hash {
                    bad.push(BadLine {
                        line,
                        reason: format!(
                            "dep {:?} was already given on line {} with a different {}",
                            dep.as_str(),
                            first.line,
                            if first.new_hash != new_hash {
                                "new_hash"
                            } else {
                                "if_hash"
                            }
                        ),
                    });
                }
            }
        }
    }
    if bad.is_empty() { Ok(items) } else { Err(bad) }
}

type Parsed = (DepId, Option<String>, Option<String>);

fn parse_plain_line(text: &str) -> Result<Parsed, String> {
    let dep = DepId::parse_user(text).map_err(|e| e.to_string())?;
    Ok((dep, None, None))
}

fn parse_json_line(text: &str) -> Result<Parsed, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("is not valid JSON: {e}"))?;
    let Value::Object(mut obj) = value else {
        return Err("is not a JSON object".into());
    };
    let dep_id = match obj.remove("dep_id") {
        Some(Value::String(s)) => s,
        Some(_) => return Err("has a dep_id that is not a string".into()),
        None => return Err("has no dep_id field".into()),
    };
    let dep = DepId::parse_user(&dep_id).map_err(|e| e.to_string())?;
    let mut hash_field = |name: &str| -> Result<Option<String>, String> {
        match obj.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(h)) => {
                validate_hash(&h).map_err(|e| format!("has an {e} in {name}"))?;
                Ok(Some(h))
            }
            Some(_) => Err(format!("has a {name} that is not a string")),
        }
    };
    let new_hash = hash_field("new_hash")?;
    let if_hash = hash_field("if_hash")?;
    // A misspelt field would silently fall back to a default: refuse it.
    if let Some(unknown) = obj.keys().next() {
        return Err(format!(
            "has an unknown field {unknown:?} (expected dep_id, new_hash, if_hash)"
        ));
    }
    Ok((dep, new_hash, if_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(items: &[Item]) -> Vec<&str> {
        items.iter().map(|i| i.dep.as_str()).collect()
    }

    #[test]
    fn plain_lines_with_comments_blanks_crlf_and_duplicates() {
        let input = b"# deploy 42\ndoc:1\r\n\n  table:products  \ndoc:1\n#doc:2\n";
        let items = parse(input, Format::Auto).unwrap();
        assert_eq!(ids(&items), ["doc:1", "table:products"]);
        assert_eq!(items[1].line, 4);
        assert!(items.iter().all(|i| i.new_hash.is_none()));
    }

    #[test]
    fn json_lines_with_hashes_and_conditions() {
        let input = br#"{"dep_id":"doc:1","new_hash":"v2"}
{"dep_id":"doc:2","new_hash":"v3","if_hash":"v2"}
{"dep_id":"doc:3"}
{"dep_id":"doc:1","new_hash":"v2"}
"#;
        let items = parse(input, Format::Auto).unwrap();
        assert_eq!(ids(&items), ["doc:1", "doc:2", "doc:3"]);
        assert_eq!(items[1].new_hash.as_deref(), Some("v3"));
        assert_eq!(items[1].if_hash.as_deref(), Some("v2"));
        assert_eq!(items[2].new_hash, None);
    }

    #[test]
    fn every_bad_line_is_named() {
        let mut input = Vec::new();
        input.extend_from_slice(b"doc:ok\n");
        input.extend_from_slice(b"doc bad\n"); // 2: whitespace
        input.extend_from_slice(b"cc:policy-version:default\n"); // 3: reserved
        input.extend_from_slice(b"doc:\xff\n"); // 4: invalid UTF-8
        input.extend_from_slice(b"doc:ok2\n");
        let err = parse(&input, Format::Plain).unwrap_err();
        let lines: Vec<usize> = err.iter().map(|b| b.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(err[0].reason.contains("whitespace"));
        assert!(err[1].reason.contains("reserved"));
        assert!(err[2].reason.contains("UTF-8"));
    }

    #[test]
    fn json_line_errors() {
        let cases: &[(&str, &str)] = &[
            (r#"{"dep_id":"doc:1""#, "not valid JSON"),
            (r#"["doc:1"]"#, "not a JSON object"),
            (r#"{"new_hash":"v1"}"#, "no dep_id"),
            (r#"{"dep_id":1}"#, "not a string"),
            (
                r#"{"dep_id":"doc:1","new_hash":7}"#,
                "new_hash that is not a string",
            ),
            (r#"{"dep_id":"doc:1","new_hash":""}"#, "invalid hash"),
            (
                r#"{"dep_id":"doc:1","newhash":"v2"}"#,
                "unknown field \"newhash\"",
            ),
            (r#"{"dep_id":"cc:x"}"#, "reserved"),
        ];
        for (line, want) in cases {
            let input = format!("{{\"dep_id\":\"doc:first\"}}\n{line}\n");
            let err = parse(input.as_bytes(), Format::Auto).unwrap_err();
            assert_eq!(err.len(), 1, "{line}");
            assert_eq!(err[0].line, 2);
            assert!(err[0].reason.contains(want), "{line}: {}", err[0].reason);
        }
    }

    #[test]
    fn one_dep_with_two_hashes_is_refused() {
        let input = br#"{"dep_id":"doc:1","new_hash":"v2"}
{"dep_id":"doc:1","new_hash":"v3"}
{"dep_id":"doc:1"}
"#;
        let err = parse(input, Format::Auto).unwrap_err();
        assert_eq!(err.iter().map(|b| b.line).collect::<Vec<_>>(), [2, 3]);
        assert!(err[0].reason.contains("already given on line 1"));
    }

    #[test]
    fn format_detection_and_forcing() {
        // A plain file whose first id has braces is detected as JSON Lines: forcing helps.
        assert!(parse(b"{tenant}:doc\n", Format::Auto).is_err());
        assert_eq!(
            ids(&parse(b"{tenant}:doc\n", Format::Plain).unwrap()),
            ["{tenant}:doc"]
        );
        // Forced plain takes each line literally: this is a (strange but valid) dep id.
        assert_eq!(
            ids(&parse(br#"{"dep_id":"a"}"#, Format::Plain).unwrap()),
            [r#"{"dep_id":"a"}"#]
        );
        assert!(parse(b"doc:1", Format::Jsonl).is_err());
        assert_eq!(parse(b"", Format::Auto).unwrap(), vec![]);
    }
}

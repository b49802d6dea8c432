//! The input of `invalidate-many`: one dep id per line, or JSON Lines
//! `{"dep_id": "...", "new_hash": "...", "if_hash": "..."}`. Pure.
//!
//! The whole input is validated before anything is invalidated, and every bad line is
//! reported, so an operator fixes a file in one pass and a bad file changes nothing.

use std::collections::HashMap;
use std::io::{BufRead, Read};

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

/// The longest line accepted. The contract caps a dep id at 512 bytes and a hash at 256;
/// a JSON line holding an id and two hashes, every byte escaped as `\uXXXX`, stays under
/// 6.2 KiB. Anything longer is not a dep line, and reading it whole (`/dev/zero` has no
/// newline) would take unbounded memory.
pub const MAX_LINE_BYTES: usize = 8 * 1024;

/// The default for `--max-lines`: far above any real change set, yet a bound for
/// `yes doc:1 | cachecore invalidate-many --file -`.
pub const DEFAULT_MAX_LINES: u64 = 10_000_000;

/// At most this many bad lines are kept for the report; the count covers all of them.
const MAX_BAD_LINES_KEPT: usize = 100;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why the input as a whole was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The first bad lines, in order (at most 100).
    pub bad: Vec<BadLine>,
    /// How many lines were bad in all.
    pub bad_count: u64,
    /// Set when reading stopped early (a line too long, too many lines, a read error):
    /// lines after it were not checked.
    pub stopped: Option<BadLine>,
}

/// Parses and validates the whole input. Duplicate lines collapse into one item; the same
/// dep given two different hashes (or conditions) is an error on the later line.
pub fn parse(input: &[u8], format: Format) -> Result<Vec<Item>, Vec<BadLine>> {
    parse_reader(input, format, DEFAULT_MAX_LINES)
        .map_err(|r| r.bad.into_iter().chain(r.stopped).collect())
}

/// One significant line of an input, as [`Lines`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A valid line (duplicates are not judged here).
    Item(Item),
    /// A line that breaks a rule; reading goes on, so every bad line is reported.
    Bad(BadLine),
    /// Reading stopped here (a line too long, past `max_lines`, a read error): the rest
    /// of the input is never read.
    Stop(BadLine),
}

/// Reads an input line by line, bounded: a line over [`MAX_LINE_BYTES`] or more than
/// `max_lines` lines stops the reading at once. A leading UTF-8 byte-order mark is not
/// part of the first line. Blank lines and `#` comments are skipped; `Auto` is resolved
/// by the first significant line (see [`Lines::format`]). Memory is one line.
pub struct Lines<R> {
    input: R,
    format: Format,
    max_lines: u64,
    buf: Vec<u8>,
    line: usize,
    done: bool,
}

impl<R: BufRead> Lines<R> {
    pub fn new(input: R, format: Format, max_lines: u64) -> Lines<R> {
        Lines {
            input,
            format,
            max_lines,
            buf: Vec::new(),
            line: 0,
            done: false,
        }
    }

    /// The format in force: `Auto` until the first significant line decides it.
    pub fn format(&self) -> Format {
        self.format
    }

    /// How many lines were read so far.
    pub fn lines_read(&self) -> usize {
        self.line
    }

    fn stop(&mut self, reason: String) -> Option<Line> {
        self.done = true;
        Some(Line::Stop(BadLine {
            line: self.line,
            reason,
        }))
    }
}

impl<R: BufRead> Iterator for Lines<R> {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        while !self.done {
            self.buf.clear();
            let read = (&mut self.input)
                .take(MAX_LINE_BYTES as u64 + 2)
                .read_until(b'\n', &mut self.buf);
            self.line += 1;
            match read {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => {}
                Err(e) => return self.stop(format!("cannot be read: {e}")),
            }
            if self.line as u64 > self.max_lines {
                let max = self.max_lines;
                return self.stop(format!(
                    "is past --max-lines {max}; split the input or raise the limit"
                ));
            }
            let mut raw: &[u8] = &self.buf;
            if self.line == 1 {
                raw = raw.strip_prefix(BOM).unwrap_or(raw);
            }
            let ended = raw.ends_with(b"\n");
            raw = raw.strip_suffix(b"\n").unwrap_or(raw);
            raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.len() > MAX_LINE_BYTES || (!ended && self.buf.len() > MAX_LINE_BYTES) {
                return self.stop(format!(
                    "is longer than {MAX_LINE_BYTES} bytes (a dep id is at most 512); is this the right file?"
                ));
            }
            if !significant(raw) {
                continue;
            }
            if self.format == Format::Auto {
                self.format = if raw.trim_ascii().starts_with(b"{") {
                    Format::Jsonl
                } else {
                    Format::Plain
                };
            }
            let parsed = std::str::from_utf8(raw)
                .map_err(|_| "is not valid UTF-8".to_string())
                .and_then(|text| match self.format {
                    Format::Jsonl => parse_json_line(text.trim()),
                    _ => parse_plain_line(text.trim()),
                });
            let line = self.line;
            return Some(match parsed {
                Ok((dep, new_hash, if_hash)) => Line::Item(Item {
                    dep,
                    new_hash,
                    if_hash,
                    line,
                }),
                Err(reason) => Line::Bad(BadLine { line, reason }),
            });
        }
        None
    }
}

impl Rejected {
    fn new() -> Rejected {
        Rejected {
            bad: Vec::new(),
            bad_count: 0,
            stopped: None,
        }
    }

    /// Counts a bad line, keeping the first ones for the report.
    pub fn reject(&mut self, bad: BadLine) {
        self.bad_count += 1;
        if self.bad.len() < MAX_BAD_LINES_KEPT {
            self.bad.push(bad);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.bad_count == 0 && self.stopped.is_none()
    }
}

impl Default for Rejected {
    fn default() -> Rejected {
        Rejected::new()
    }
}

/// Why a later line naming an earlier line's dep is refused, if it is: the same dep with
/// another `new_hash` or `if_hash` (the same line twice is a harmless duplicate).
pub fn conflict(first_line: usize, same_new_hash: bool, same_if_hash: bool) -> Option<String> {
    if same_new_hash && same_if_hash {
        return None;
    }
    Some(format!(
        "names a dep already given on line {first_line} with a different {}",
        if same_new_hash { "if_hash" } else { "new_hash" }
    ))
}

/// [`parse`] over a reader, bounded (see [`Lines`]), holding the items in memory: for
/// small inputs and tests. `invalidate-many` streams instead (`commands::input`).
pub fn parse_reader(
    input: impl BufRead,
    format: Format,
    max_lines: u64,
) -> Result<Vec<Item>, Rejected> {
    let mut items: Vec<Item> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rejected = Rejected::new();
    for line in Lines::new(input, format, max_lines) {
        let item = match line {
            Line::Item(item) => item,
            Line::Bad(bad) => {
                rejected.reject(bad);
                continue;
            }
            Line::Stop(bad) => {
                rejected.stopped = Some(bad);
                break;
            }
        };
        match seen.get(item.dep.as_str()) {
            None => {
                seen.insert(item.dep.as_str().to_string(), items.len());
                items.push(item);
            }
            Some(&i) => {
                let first = &items[i];
                if let Some(reason) = conflict(
                    first.line,
                    first.new_hash == item.new_hash,
                    first.if_hash == item.if_hash,
                ) {
                    rejected.reject(BadLine {
                        line: item.line,
                        reason,
                    });
                }
            }
        }
    }
    if rejected.is_empty() {
        Ok(items)
    } else {
        Err(rejected)
    }
}

fn significant(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    !t.is_empty() && !t.starts_with(b"#")
}

type Parsed = (DepId, Option<String>, Option<String>);

fn parse_plain_line(text: &str) -> Result<Parsed, String> {
    // A JSON Lines line in a plain file would otherwise become a (strange) dep id.
    if text.starts_with('{') && matches!(serde_json::from_str(text), Ok(Value::Object(_))) {
        return Err(
            "is a JSON object, but the input is read as one dep id per line: pass --format jsonl (or remove the line)"
                .into(),
        );
    }
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
    fn a_last_line_without_a_newline_counts() {
        let items = parse(b"doc:1\ndoc:2", Format::Plain).unwrap();
        assert_eq!(ids(&items), ["doc:1", "doc:2"]);
        let items = parse(br#"{"dep_id":"doc:1","new_hash":"v2"}"#, Format::Auto).unwrap();
        assert_eq!(items[0].new_hash.as_deref(), Some("v2"));
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
        // A JSON object in a plain file is a mistake, not a dep id.
        let err = parse(b"doc:1\n{\"dep_id\":\"a\"}\n", Format::Plain).unwrap_err();
        assert_eq!(err[0].line, 2);
        assert!(
            err[0].reason.contains("--format jsonl"),
            "{}",
            err[0].reason
        );
        let err = parse(b"doc:1\n{\"dep_id\":\"a\"}\n", Format::Auto).unwrap_err();
        assert_eq!(err[0].line, 2);
        assert!(parse(b"doc:1", Format::Jsonl).is_err());
        assert_eq!(parse(b"", Format::Auto).unwrap(), vec![]);
    }

    #[test]
    fn a_leading_bom_is_not_part_of_the_first_id() {
        let items = parse(b"\xEF\xBB\xBFdoc:1\ndoc:2\n", Format::Auto).unwrap();
        assert_eq!(ids(&items), ["doc:1", "doc:2"]);
        let items = parse(
            b"\xEF\xBB\xBF{\"dep_id\":\"doc:1\",\"new_hash\":\"v2\"}\n",
            Format::Auto,
        )
        .unwrap();
        assert_eq!(ids(&items), ["doc:1"]);
        assert_eq!(items[0].new_hash.as_deref(), Some("v2"));
        // Anywhere else it is an invisible character inside an id: refused.
        let err = parse(b"doc:1\n\xEF\xBB\xBFdoc:2\n", Format::Auto).unwrap_err();
        assert_eq!(err[0].line, 2);
        assert!(err[0].reason.contains("U+FEFF"), "{}", err[0].reason);
    }

    #[test]
    fn input_is_bounded_by_line_length_and_count() {
        let endless = std::io::repeat(0).take(1 << 30);
        let err = parse_reader(std::io::BufReader::new(endless), Format::Auto, 10).unwrap_err();
        let stopped = err.stopped.unwrap();
        assert_eq!(stopped.line, 1);
        assert!(
            stopped.reason.contains("longer than 8192 bytes"),
            "{}",
            stopped.reason
        );
        // A line of exactly the limit is read (and judged by the id rules), whether it ends
        // in LF, CRLF or the end of the input.
        for end in [&b"\n"[..], b"\r\n", b""] {
            let mut input = vec![b'a'; MAX_LINE_BYTES];
            input.extend_from_slice(end);
            let err = parse_reader(&input[..], Format::Plain, 10).unwrap_err();
            assert!(err.stopped.is_none(), "{end:?}: {:?}", err.stopped);
            assert!(
                err.bad[0].reason.contains("it is longer than 512 bytes"),
                "{end:?}: {}",
                err.bad[0].reason
            );
        }
        // One byte more stops the reading, even when the line ends right after it.
        let mut input = vec![b'a'; MAX_LINE_BYTES + 1];
        input.extend_from_slice(b"\ndoc:1\n");
        let err = parse_reader(&input[..], Format::Plain, 10).unwrap_err();
        let stopped = err.stopped.unwrap();
        assert_eq!(stopped.line, 1);
        assert!(
            stopped.reason.contains("longer than 8192 bytes"),
            "{}",
            stopped.reason
        );
        // The byte-order mark is not counted, but does not hide an overlong first line.
        let mut input = BOM.to_vec();
        input.extend_from_slice(&vec![b'a'; MAX_LINE_BYTES + 100]);
        input.extend_from_slice(b"\ndoc:1\n");
        let err = parse_reader(&input[..], Format::Plain, 10).unwrap_err();
        assert_eq!(err.stopped.unwrap().line, 1);
        assert!(err.bad.is_empty(), "{:?}", err.bad);
        // An overlong line is not read past the limit (plus room for CRLF).
        let endless = vec![b'a'; 4 * MAX_LINE_BYTES];
        let mut rest = &endless[..];
        assert!(parse_reader(&mut rest, Format::Plain, 10).is_err());
        let consumed = endless.len() - rest.len();
        assert!(consumed <= MAX_LINE_BYTES + 2, "{consumed} bytes read");
        let lines = b"doc:1\n".repeat(11);
        let err = parse_reader(&lines[..], Format::Auto, 10).unwrap_err();
        assert_eq!(err.stopped.unwrap().line, 11);
        assert!(parse_reader(&lines[..60], Format::Auto, 10).is_ok());
    }

    #[test]
    fn bad_lines_are_counted_beyond_the_ones_kept() {
        let input = b"bad id\n".repeat(250);
        let err = parse_reader(&input[..], Format::Plain, 1000).unwrap_err();
        assert_eq!(err.bad_count, 250);
        assert_eq!(err.bad.len(), 100);
        assert!(err.stopped.is_none());
    }
}

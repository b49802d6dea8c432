//! `cachecore key [--namespace NS] REQUEST.json`: from "this prompt" to its L1 key.
//! Needs no Redis.

use std::io::Read;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::KeyArgs;
use crate::error::{Exit, invalid};
use crate::layout::{Namespace, fingerprint};
use crate::output::{JSON_VERSION, print_json, printable_str};

#[derive(Serialize)]
struct Document {
    version: u32,
    command: &'static str,
    namespace: String,
    fingerprint: String,
    key: String,
}

pub async fn run(ctx: &Context, args: KeyArgs) -> Result<Exit> {
    let ns = Namespace::parse(args.ns.name())?;
    let (source, bytes) = if args.request == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| invalid(format!("cannot read stdin: {e}")))?;
        ("stdin".to_string(), buf)
    } else {
        let path = printable_str(&args.request);
        let buf = std::fs::read(&args.request)
            .map_err(|e| invalid(format!("cannot read {path}: {e}")))?;
        (path, buf)
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        invalid(format!(
            "{source}: not valid UTF-8 at byte {}",
            e.valid_up_to()
        ))
    })?;
    let fp = fingerprint(text).map_err(|e| {
        let (line, column) = line_column(text, e.offset);
        invalid(format!(
            "{source}: line {line} column {column}: {}",
            e.reason
        ))
    })?;
    let key = ns.l1_key(&fp);
    if ctx.out.json {
        print_json(&Document {
            version: JSON_VERSION,
            command: "key",
            namespace: ns.to_string(),
            fingerprint: fp,
            key,
        })?;
    } else {
        crate::output::write_stdout(format!("{key}\n").as_bytes())?;
    }
    Ok(Exit::Success)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn offsets_become_lines_and_columns() {
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(
            line_column("é\nx", 1),
            (1, 1),
            "byte offsets inside a character round down"
        );
        assert_eq!(
            line_column("é\nx", 2),
            (1, 2),
            "columns count characters, not bytes"
        );
    }
}

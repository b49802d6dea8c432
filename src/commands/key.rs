//! `cachecore key [--namespace NS] REQUEST.json`: from "this prompt" to its L1 key.
//! Needs no Redis.

use std::io::Read;

use anyhow::Result;
use serde::Serialize;

use super::Context;
use crate::cli::KeyArgs;
use crate::error::{Exit, invalid};
use crate::layout::{Namespace, fingerprint};
use crate::output::printable_str;

#[derive(Serialize)]
struct Document {
    namespace: String,
    fingerprint: String,
    key: String,
}

impl crate::output::Report for Document {
    fn command(&self) -> &'static str {
        "key"
    }

    /// The bare key, so that `$(cachecore key ...)` works in a shell.
    fn render(&self) -> Result<()> {
        crate::output::write_stdout(format!("{}\n", self.key).as_bytes())
    }
}

/// The largest request read: far above any prompt a model takes, and a bound for
/// `cachecore key /dev/zero`.
const MAX_REQUEST_BYTES: u64 = 64 << 20;

fn read_bounded(mut input: impl Read, source: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    input
        .by_ref()
        .take(MAX_REQUEST_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| invalid(format!("cannot read {source}: {e}")))?;
    if buf.len() as u64 > MAX_REQUEST_BYTES {
        return Err(invalid(format!(
            "{source} is larger than {} MiB; is this the request JSON?",
            MAX_REQUEST_BYTES >> 20
        )));
    }
    Ok(buf)
}

pub async fn run(ctx: &Context, args: KeyArgs) -> Result<Exit> {
    let ns = Namespace::parse(args.ns.name())?;
    let (source, bytes) = if args.request == "-" {
        let buf = read_bounded(std::io::stdin().lock(), "stdin")?;
        ("stdin".to_string(), buf)
    } else {
        let path = printable_str(&args.request);
        let file = std::fs::File::open(&args.request)
            .map_err(|e| invalid(format!("cannot read {path}: {e}")))?;
        let buf = read_bounded(file, &path)?;
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
    ctx.out.emit(&Document {
        namespace: ns.to_string(),
        fingerprint: fp,
        key,
    })?;
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

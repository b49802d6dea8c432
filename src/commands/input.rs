//! Reading the dep files of `invalidate-many` and `deps inspect --file`: bounded, and
//! validated whole before anything runs.

use std::io::BufReader;

use anyhow::Result;

use crate::cli::DepFileArgs;
use crate::depfile::{self, Format, Item};
use crate::error::invalid;
use crate::output::printable_str;

/// The items of `--file` (stdin for `-`) followed by `extra` ids given on the command
/// line, validated as one input. Every bad line is reported on stderr before the one
/// error that says nothing was done (`undone`: "nothing was invalidated").
pub fn read_items(input: &DepFileArgs, extra: &[String], undone: &str) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    if let Some(path) = &input.file {
        let source = if path == "-" {
            "stdin".to_string()
        } else {
            printable_str(path)
        };
        let parsed = if path == "-" {
            depfile::parse_reader(std::io::stdin().lock(), input.format, input.max_lines)
        } else {
            let file = std::fs::File::open(path)
                .map_err(|e| invalid(format!("cannot read {source}: {e}")))?;
            depfile::parse_reader(BufReader::new(file), input.format, input.max_lines)
        };
        items = parsed.map_err(|r| rejected(&source, input.format, r, undone))?;
    }
    if !extra.is_empty() {
        let ids = extra.join("\n").into_bytes();
        let given = depfile::parse_reader(&ids[..], Format::Plain, u64::MAX)
            .map_err(|r| rejected("the command line", Format::Plain, r, undone))?;
        for item in given {
            if !items.iter().any(|i: &Item| i.dep == item.dep) {
                items.push(item);
            }
        }
    }
    Ok(items)
}

fn rejected(source: &str, format: Format, r: depfile::Rejected, undone: &str) -> anyhow::Error {
    if r.bad_count > 0 {
        for b in r.bad.iter().chain(&r.stopped) {
            crate::error::print_detail(&format!("{source} line {}: {}", b.line, b.reason));
        }
    }
    let more = r.bad_count.saturating_sub(r.bad.len() as u64);
    let more = if more > 0 {
        format!(" ({more} more not shown)")
    } else {
        String::new()
    };
    let hint = if format == Format::Auto && r.stopped.is_none() {
        " (the format was detected from the first line; force it with --format)"
    } else {
        ""
    };
    let what = match (&r.stopped, r.bad_count) {
        (Some(stop), 0) => format!("{source} line {}: {}", stop.line, stop.reason),
        (Some(stop), n) => format!(
            "{n} bad line(s) in {source}{more}, and reading stopped at line {}",
            stop.line
        ),
        (None, n) => format!("{n} bad line(s) in {source}{more}"),
    };
    invalid(format!("{what}; {undone}{hint}"))
}

//! Everything written for people or machines: tables and JSON to stdout, progress bars to
//! stderr, and the escaping that keeps untrusted key names from driving the terminal.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

/// The version of every JSON document cachecore prints; bumped only on a breaking change.
pub const JSON_VERSION: u32 = 1;

/// How results are written, resolved once from the global flags.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
}

impl Output {
    /// A progress bar on stderr, or a hidden one when stderr is not a terminal or with
    /// `--quiet`, so callers never branch on whether progress is shown.
    /// `total = None` gives a spinner with a running count (for SCANs of unknown length).
    pub fn progress(&self, total: Option<u64>, what: &str, unit: &str) -> ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        let bar_style = if color() {
            "bar:30.cyan/blue"
        } else {
            "bar:30"
        };
        let template = match total {
            Some(_) => format!(
                "{{msg}} [{{{bar_style}}}] {{human_pos}}/{{human_len}} {unit}  {{per_sec}}  eta {{eta}}"
            ),
            None => format!("{{spinner}} {{msg}} {{human_pos}} {unit}  {{per_sec}}  {{elapsed}}"),
        };
        bar.set_style(
            ProgressStyle::with_template(&template)
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    /// A note for people on stderr (never with `--quiet`, never on stdout).
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
}

/// One JSON document on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// A command's one JSON document: `{"version": 1, "command": ..., <value's fields>}`.
pub fn print_document<T: Serialize>(command: &str, value: &T) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct Document<'a, T> {
        version: u32,
        command: &'a str,
        #[serde(flatten)]
        body: &'a T,
    }
    print_json(&Document {
        version: JSON_VERSION,
        command,
        body: value,
    })
}

/// One record of a JSON Lines stream: `{"version": 1, "type": ..., <value's fields>}`.
pub fn print_json_line<T: Serialize>(kind: &str, value: &T) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct Line<'a, T> {
        version: u32,
        #[serde(rename = "type")]
        kind: &'a str,
        #[serde(flatten)]
        body: &'a T,
    }
    print_json(&Line {
        version: JSON_VERSION,
        kind,
        body: value,
    })
}

/// A table that wraps to the terminal's width (80 columns when it is not a terminal);
/// an empty `header` gives a header-less key/value table.
/// When to color output: `--color`, with `NO_COLOR` (any non-empty value) turning `auto`
/// off, as no-color.org asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

static COLOR: AtomicBool = AtomicBool::new(false);

/// Decides once, at startup, whether tables and progress bars use color.
pub fn init_color(choice: ColorChoice) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
    };
    COLOR.store(on, Ordering::Relaxed);
}

fn color() -> bool {
    COLOR.load(Ordering::Relaxed)
}

pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if color() {
        // comfy-table styles only on a terminal unless told otherwise: --color always.
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    if !header.is_empty() {
        let bold = color();
        t.set_header(header.iter().map(|h| {
            let cell = Cell::new(h);
            if bold {
                cell.add_attribute(Attribute::Bold).fg(Color::Cyan)
            } else {
                cell
            }
        }));
    }
    // Off a terminal, or on one that reports no size (a bare pty), lay out for 80 columns.
    if !std::io::stdout().is_terminal() || t.width().is_none_or(|w| w < 40) {
        t.set_width(80);
    }
    t
}

pub fn print_table(t: &Table) {
    println!("{t}");
}

pub use crate::printable::{printable, printable_str};

/// A TTL in milliseconds as people read it.
pub fn ttl_text(pttl_ms: i64) -> String {
    match pttl_ms {
        -2 => "gone".into(),
        -1 => "none".into(),
        ms => humantime::format_duration(Duration::from_secs((ms.max(0) as u64).div_ceil(1000)))
            .to_string(),
    }
}

pub fn elapsed_text(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

pub fn opt_text(v: Option<&str>) -> String {
    v.map(printable_str).unwrap_or_else(|| "(absent)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_everything_a_terminal_would_act_on() {
        assert_eq!(printable(b"cc:l1:ns:ab"), "cc:l1:ns:ab");
        assert_eq!(printable("ünï 日本".as_bytes()), "ünï 日本");
        assert_eq!(printable(b"a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(printable(b"x\ny\tz\\"), "x\\ny\\tz\\\\");
        assert_eq!(printable(b"bad\xff\xfe"), "bad\\xff\\xfe");
        assert_eq!(printable("\u{9b}csi".as_bytes()), "\\u{9b}csi");
    }

    #[test]
    fn ttl_text_distinguishes_gone_and_persistent() {
        assert_eq!(ttl_text(-2), "gone");
        assert_eq!(ttl_text(-1), "none");
        assert_eq!(ttl_text(1500), "2s");
        assert_eq!(ttl_text(3_600_000), "1h");
    }
}

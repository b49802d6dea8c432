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

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static QUIET: AtomicBool = AtomicBool::new(false);
static JSON: AtomicBool = AtomicBool::new(false);

/// Whether `--json` was given: errors are then one JSON object on stderr.
pub fn is_json() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// Writes to stdout, the one path every result takes. A closed stdout (`| head`) is not
/// an error: printing ends quietly, as in ripgrep and fd, and the work goes on (or, in a
/// listing, stops: see [`stdout_closed`]), so a pipe reader that stops early never
/// leaves work less finished than Ctrl-C would.
pub fn write_stdout(text: &[u8]) -> anyhow::Result<()> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        other => Ok(other?),
    }
}

/// Whether the reader of stdout went away. Read-only listings stop then: nobody reads
/// what is left. Commands that change Redis finish their work regardless.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// One line of text on stdout (people's output: never with `--quiet`).
pub fn print_line(text: &str) -> anyhow::Result<()> {
    if QUIET.load(Ordering::Relaxed) {
        return Ok(());
    }
    write_stdout(format!("{text}\n").as_bytes())
}

/// `println!` for people's output: through [`print_line`], so it obeys `--quiet` and
/// ends quietly on a closed stdout instead of panicking.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::print_line(&format!($($arg)*))?
    };
}

/// A table for people: through [`print_line`]. On a terminal, a table too wide for the
/// screen would have its cells wrapped mid-token (a key, a dep id, a timestamp split over
/// two lines, so that neither line can be copied): it is printed as one name/value block
/// per row instead, and a single token still too long for the screen loses its middle to
/// `…`. Off a terminal tables are never wrapped, so every value is printed whole.
pub fn print_table(t: &Table) -> anyhow::Result<()> {
    match fit(t) {
        None => print_line(&t.to_string()),
        Some(blocks) => {
            let text: Vec<String> = blocks.iter().map(Table::to_string).collect();
            print_line(&text.join("\n"))
        }
    }
}

/// The table as name/value blocks that fit its width, or `None` when it fits as it is.
fn fit(t: &Table) -> Option<Vec<Table>> {
    if matches!(t.content_arrangement(), ContentArrangement::Disabled) {
        return None;
    }
    let width = usize::from(t.width()?);
    // UTF8_FULL_CONDENSED: a border and a space on each side of every cell.
    let natural: usize = t
        .column_max_content_widths()
        .iter()
        .map(|&w| usize::from(w) + 3)
        .sum::<usize>()
        + 1;
    if natural <= width {
        return None;
    }
    let cells =
        |r: &comfy_table::Row| -> Vec<String> { r.cell_iter().map(Cell::content).collect() };
    let names: Vec<String> = t
        .header()
        .map(|h| cells(h).iter().map(|n| n.replace('\n', " ")).collect())
        .unwrap_or_default();
    let records: Vec<Vec<(String, String)>> = if names.is_empty() {
        // Already name/value rows: one block.
        vec![
            t.row_iter()
                .map(|r| {
                    let c = cells(r);
                    let rest = c.get(1..).unwrap_or_default().join(" ");
                    (c.first().cloned().unwrap_or_default(), rest)
                })
                .collect(),
        ]
    } else {
        t.row_iter()
            .map(|r| names.iter().cloned().zip(cells(r)).collect())
            .collect()
    };
    let label = records
        .iter()
        .flatten()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let room = width.saturating_sub(label + 7).max(12);
    let blocks = records
        .into_iter()
        .map(|record| {
            let mut block = table(&[]);
            for (name, value) in record {
                block.add_row(vec![name, elide_tokens(&value, room)]);
            }
            block
        })
        .collect();
    Some(blocks)
}

/// `text` with every space-separated token longer than `room` characters shortened to
/// `room` by taking out its middle: wrapping at spaces then never splits a token.
fn elide_tokens(text: &str, room: usize) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let tokens: Vec<String> = line.split(' ').map(|tok| elide(tok, room)).collect();
            tokens.join(" ")
        })
        .collect();
    lines.join("\n")
}

fn elide(token: &str, room: usize) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() <= room {
        return token.to_string();
    }
    let keep = room.saturating_sub(1);
    let head: String = chars[..keep.div_ceil(2)].iter().collect();
    let tail: String = chars[chars.len() - keep / 2..].iter().collect();
    format!("{head}…{tail}")
}

/// Whether `--quiet` was given: for the few writers (the store's retry notes) that have
/// no `Output` at hand.
pub fn is_quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

impl Output {
    /// Records the flags that writers without an `Output` obey.
    pub fn init(self) -> Output {
        QUIET.store(self.quiet, Ordering::Relaxed);
        JSON.store(self.json, Ordering::Relaxed);
        self
    }

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
        note(text);
    }
}

/// The one channel for what is not a result: `cachecore: note: ...` and `cachecore:
/// warning: ...` lines on stderr, with secrets scrubbed. A note is what the tool does on
/// its own (a step sent again, a default chosen) and is never shown with `--quiet`; a
/// warning is something that went wrong without failing the command (the work is done,
/// its audit record is not) and is shown even then. Errors have their own printer
/// (`crate::error::print_error`).
pub fn note(text: &str) {
    if !is_quiet() {
        eprintln!("cachecore: note: {}", crate::redact::scrub(text));
    }
}

/// See [`note`].
pub fn warn(text: &str) {
    eprintln!("cachecore: warning: {}", crate::redact::scrub(text));
}

/// Asks `question` on stderr and reads the answer from stdin (the caller checked that
/// stdin is a terminal).
pub fn ask(question: &str) -> anyhow::Result<String> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(answer)
}

/// One JSON document on stdout (also with `--quiet`: it is what was asked for).
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_vec(value)?;
    text.push(b'\n');
    write_stdout(&text)
}

/// What a command answers: one document that renders itself for people (tables, through
/// [`print_line`]) or, with `--json`, as `{"version": 1, "command": ..., <fields>}`
/// through serde. Every command's result goes out through [`Output::emit`].
pub trait Report: Serialize {
    /// The `command` field of the JSON document.
    fn command(&self) -> &'static str;

    /// The people's form: tables and notes on stdout.
    fn render(&self) -> anyhow::Result<()>;
}

/// One record of a streamed result (a dep of `invalidate-many`, a key of `tag`, a
/// summary): a JSON line `{"version": 1, "type": ..., <fields>}`, or its own text.
pub trait Line: Serialize {
    /// The `type` field of the JSON line.
    fn kind(&self) -> &'static str;

    /// The people's form.
    fn render(&self) -> anyhow::Result<()>;
}

impl Output {
    /// The one way a streamed record is printed.
    pub fn line<L: Line>(&self, line: &L) -> anyhow::Result<()> {
        if self.json {
            print_json_line(line.kind(), line)
        } else {
            line.render()
        }
    }

    /// A finished listing: JSON Lines of `kind`, one per row, or `render` for people
    /// (one table of all the rows).
    pub fn listing<T: Serialize>(
        &self,
        kind: &'static str,
        rows: &[T],
        render: impl FnOnce(&[T]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        if self.json {
            rows.iter().try_for_each(|r| print_json_line(kind, r))
        } else {
            render(rows)
        }
    }

    /// Text only people read (a listing's header or its count line): nothing with
    /// `--json`, where every line on stdout is a JSON value.
    pub fn for_people(&self, text: &str) -> anyhow::Result<()> {
        if self.json { Ok(()) } else { print_line(text) }
    }

    /// The one way a command's result is printed: JSON or the report's own tables.
    pub fn emit<R: Report>(&self, report: &R) -> anyhow::Result<()> {
        if self.json {
            print_document(report.command(), report)
        } else {
            report.render()
        }
    }
}

/// A command's one JSON document: `{"version": 1, "command": ..., <value's fields>}`.
#[derive(Serialize)]
pub struct Document<'a, T> {
    version: u32,
    command: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

/// `value` as the document of `command` (to print, or to answer over HTTP).
pub fn document<'a, T: Serialize>(command: &'a str, value: &'a T) -> Document<'a, T> {
    Document {
        version: JSON_VERSION,
        command,
        body: value,
    }
}

/// Prints [`document`] on stdout.
pub fn print_document<T: Serialize>(command: &str, value: &T) -> anyhow::Result<()> {
    print_json(&document(command, value))
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

/// A table for people; an empty `header` gives a header-less key/value table. On a
/// terminal it wraps to the terminal's width (80 columns on one that reports no size);
/// off a terminal it takes the width its content needs, so a log line never splits a
/// key mid-word, unless `COLUMNS` asks for a width.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
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
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&c| c >= 20);
    if let Some(width) = columns {
        t.set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    } else if std::io::stdout().is_terminal() {
        t.set_content_arrangement(ContentArrangement::Dynamic);
        // A terminal that reports no size (a bare pty) would squeeze columns to nothing.
        if t.width().is_none_or(|w| w < 40) {
            t.set_width(80);
        }
    } else {
        t.set_content_arrangement(ContentArrangement::Disabled);
    }
    t
}

/// A count as tables show it: with thousands separators (JSON keeps plain integers).
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    fn a_long_token_loses_its_middle_and_keeps_both_ends() {
        let key = format!("cc:l1:demo:{}", "0123456789abcdef".repeat(4));
        let short = elide(&key, 41);
        assert_eq!(short.chars().count(), 41);
        assert!(short.starts_with("cc:l1:demo:012345678") && short.ends_with("89abcdef"));
        assert!(short.contains('…'));
        assert_eq!(elide("doc:a", 5), "doc:a");
        assert_eq!(elide_tokens("a b\nccc dddd", 3), "a b\nccc d…d");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(41_410), "41,410");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn ttl_text_distinguishes_gone_and_persistent() {
        assert_eq!(ttl_text(-2), "gone");
        assert_eq!(ttl_text(-1), "none");
        assert_eq!(ttl_text(1500), "2s");
        assert_eq!(ttl_text(3_600_000), "1h");
    }
}

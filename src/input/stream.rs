//! Reading the dep files of `invalidate-many` and `deps inspect --file`: validated whole
//! before anything runs, yet never held in memory, so a file of ten million deps costs
//! what a file of ten does.
//!
//! Two passes over the input. The first validates every line ([`depfile::Lines`]) and
//! finds duplicates without keeping the deps: each line leaves a 40-byte record (a
//! SHA-256 prefix of its dep id, of its `new_hash` and of its `if_hash`, and the line
//! number), sorted in bounded runs spilled to a private temporary file and merged. A
//! later line naming the same dep with other hashes is a bad line; the same line again
//! is marked to be skipped (one bit per line). The second pass reads the input again
//! and hands out its items one at a time. Standard input cannot be read twice: the
//! first pass copies it to a private temporary file.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::LazyLock;

use anyhow::{Context as _, Result};
use sha2::{Digest, Sha256};

use super::depfile::{self, BadLine, Format, Item, Line, Rejected};
use crate::error::invalid;
use crate::output::printable_str;

/// Records sorted in memory at once before a run is spilled: 64 Ki × 40 bytes = 2.5 MiB.
const RUN_RECORDS: usize = 64 * 1024;

/// Where the deps come from: `file` (`-` for stdin), in `format`, at most `max_lines`.
#[derive(Debug, Clone)]
pub struct DepFile {
    pub file: Option<String>,
    pub format: Format,
    pub max_lines: u64,
}

/// A validated input, ready to be read again item by item.
pub struct DepStream {
    source: Source,
    format: Format,
    max_lines: u64,
    /// Lines whose dep an earlier line already named (same hashes): skipped.
    duplicates: Bitset,
    /// Distinct deps.
    pub count: u64,
    /// Ids given on the command line, after the file's.
    extra: Vec<Item>,
}

enum Source {
    None,
    Path(String),
    /// Standard input, copied by the first pass.
    Spooled(File),
}

impl DepStream {
    /// Validates `--file` (stdin for `-`) and `extra` ids given on the command line. Every
    /// bad line is reported on stderr before the one error that says nothing was done
    /// (`undone`: "nothing was invalidated").
    pub fn open(input: &DepFile, extra: &[String], undone: &str) -> Result<DepStream> {
        let mut stream = DepStream {
            source: Source::None,
            format: input.format,
            max_lines: input.max_lines,
            duplicates: Bitset::default(),
            count: 0,
            extra: Vec::new(),
        };
        if let Some(path) = &input.file {
            let (label, checked) = if path == "-" {
                let spool = tempfile::tempfile().context("cannot create a temporary file")?;
                let mut tee = Tee {
                    input: std::io::stdin().lock(),
                    copy: BufWriter::new(spool),
                };
                let checked = first_pass(BufReader::new(&mut tee), input.format, input.max_lines);
                let mut spool = tee.copy.into_inner().context("cannot spool stdin")?;
                spool.seek(SeekFrom::Start(0))?;
                stream.source = Source::Spooled(spool);
                ("stdin".to_string(), checked)
            } else {
                let label = printable_str(path);
                let file =
                    File::open(path).map_err(|e| invalid(format!("cannot read {label}: {e}")))?;
                stream.source = Source::Path(path.clone());
                (
                    label,
                    first_pass(BufReader::new(file), input.format, input.max_lines),
                )
            };
            let checked = checked?;
            if !checked.rejected.is_empty() {
                return Err(rejected(&label, input.format, checked.rejected, undone));
            }
            stream.format = checked.format;
            stream.duplicates = checked.duplicates;
            stream.count = checked.distinct;
        }
        if !extra.is_empty() {
            let ids = extra.join("\n").into_bytes();
            let given = depfile::parse_reader(&ids[..], Format::Plain, u64::MAX)
                .map_err(|r| rejected("the command line", Format::Plain, r, undone))?;
            stream.count += given.len() as u64;
            stream.extra = given;
        }
        Ok(stream)
    }

    /// The items, in input order, each dep once (the file's, then the command line's).
    /// The input was validated, so a line that no longer parses (the file changed in
    /// between) ends the items with an error.
    pub fn items(&mut self) -> Result<Items<'_>> {
        let reader: Box<dyn BufRead + '_> = match &mut self.source {
            Source::None => Box::new(std::io::empty()),
            Source::Path(path) => Box::new(BufReader::new(
                File::open(&*path).with_context(|| format!("cannot read {path} again"))?,
            )),
            Source::Spooled(file) => {
                file.seek(SeekFrom::Start(0))?;
                Box::new(BufReader::new(&*file))
            }
        };
        Ok(Items {
            lines: depfile::Lines::new(reader, self.format, self.max_lines),
            duplicates: &self.duplicates,
            extra: self.extra.iter(),
            error: None,
        })
    }
}

/// The second pass. An I/O error or a line that changed since the first pass ends it; the
/// error is kept in [`Items::error`] for the command to report.
pub struct Items<'a> {
    lines: depfile::Lines<Box<dyn BufRead + 'a>>,
    duplicates: &'a Bitset,
    extra: std::slice::Iter<'a, Item>,
    pub error: Option<String>,
}

impl Iterator for Items<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if self.error.is_some() {
            return None;
        }
        for line in self.lines.by_ref() {
            match line {
                Line::Item(item) if self.duplicates.contains(item.line) => continue,
                Line::Item(item) => return Some(item),
                Line::Bad(b) | Line::Stop(b) => {
                    self.error = Some(format!(
                        "line {} changed after it was checked ({}); nothing after it was done",
                        b.line, b.reason
                    ));
                    return None;
                }
            }
        }
        self.extra.next().cloned()
    }
}

/// What the first pass found.
struct Checked {
    format: Format,
    rejected: Rejected,
    duplicates: Bitset,
    distinct: u64,
}

/// One line's fingerprint: equal `dep` means the same dep id (a 128-bit SHA-256 prefix:
/// a file cannot be crafted to make two ids collide).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Record {
    dep: u128,
    line: u64,
    new_hash: u64,
    if_hash: u64,
}

const RECORD_BYTES: usize = 40;

/// SHA-256 of `tag`, then, for a present `text`, a 1 byte and the text.
fn fingerprint(tag: &[u8], text: Option<&str>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(tag);
    if let Some(t) = text {
        h.update([1]);
        h.update(t.as_bytes());
    }
    h.finalize().into()
}

fn first8(d: [u8; 32]) -> u64 {
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
}

/// The fingerprints of an absent `new_hash` and `if_hash`: the same for every line that
/// gives none (all of a plain file's), so computed once, where two SHA-256 per line were
/// two thirds of the first pass (0.35 of 0.52 s for a million lines).
static ABSENT: LazyLock<(u64, u64)> = LazyLock::new(|| {
    (
        first8(fingerprint(b"new", None)),
        first8(fingerprint(b"if", None)),
    )
});

impl Record {
    fn of(item: &Item) -> Record {
        let dep = fingerprint(b"dep", Some(item.dep.as_str()));
        let hash = |tag: &[u8], text: Option<&str>, absent: u64| {
            text.map_or(absent, |t| first8(fingerprint(tag, Some(t))))
        };
        Record {
            dep: u128::from_le_bytes(dep[..16].try_into().expect("16 bytes")),
            line: item.line as u64,
            new_hash: hash(b"new", item.new_hash.as_deref(), ABSENT.0),
            if_hash: hash(b"if", item.if_hash.as_deref(), ABSENT.1),
        }
    }

    fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(&self.dep.to_le_bytes())?;
        out.write_all(&self.line.to_le_bytes())?;
        out.write_all(&self.new_hash.to_le_bytes())?;
        out.write_all(&self.if_hash.to_le_bytes())
    }

    fn read(input: &mut impl Read) -> std::io::Result<Option<Record>> {
        let mut b = [0u8; RECORD_BYTES];
        match input.read_exact(&mut b) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        Ok(Some(Record {
            dep: u128::from_le_bytes(b[..16].try_into().expect("16 bytes")),
            line: u64_at(16),
            new_hash: u64_at(24),
            if_hash: u64_at(32),
        }))
    }
}

/// Validates every line and sorts the fingerprints in spilled runs, then merges them:
/// memory is one run, whatever the input's size.
fn first_pass(input: impl BufRead, format: Format, max_lines: u64) -> Result<Checked> {
    let mut lines = depfile::Lines::new(input, format, max_lines);
    let mut rejected = Rejected::default();
    let mut spill: Option<BufWriter<File>> = None;
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let mut run: Vec<Record> = Vec::with_capacity(RUN_RECORDS.min(1024));
    let mut spilled = 0u64;
    for line in lines.by_ref() {
        match line {
            Line::Item(item) => run.push(Record::of(&item)),
            Line::Bad(bad) => rejected.reject(bad),
            Line::Stop(bad) => {
                rejected.stopped = Some(bad);
                break;
            }
        }
        if run.len() == RUN_RECORDS {
            let out = match &mut spill {
                Some(out) => out,
                None => spill.insert(BufWriter::new(
                    tempfile::tempfile().context("cannot create a temporary file")?,
                )),
            };
            runs.push(write_run(&mut run, out, &mut spilled)?);
        }
    }
    let format = lines.format();
    let lines_read = lines.lines_read();
    run.sort_unstable();
    let mut duplicates = Bitset::with_lines(lines_read);
    let mut distinct = 0u64;
    let mut conflicts: Vec<BadLine> = Vec::new();
    let mut conflict_count = 0u64;
    let spill_file = match spill {
        Some(out) => Some(out.into_inner().context("cannot write a temporary file")?),
        None => None,
    };
    {
        let mut sources: Vec<Box<dyn Iterator<Item = std::io::Result<Record>> + '_>> = Vec::new();
        if let Some(file) = &spill_file {
            for &(start, len) in &runs {
                sources.push(Box::new(RunReader::new(file, start, len)?));
            }
        }
        sources.push(Box::new(run.iter().copied().map(Ok)));
        let mut first: Option<Record> = None;
        for record in merge(sources) {
            let record = record.context("cannot read a temporary file")?;
            match first {
                Some(f) if f.dep == record.dep => {
                    match depfile::conflict(
                        f.line as usize,
                        f.new_hash == record.new_hash,
                        f.if_hash == record.if_hash,
                    ) {
                        None => duplicates.insert(record.line as usize),
                        Some(reason) => {
                            conflict_count += 1;
                            if conflicts.len() < 100 {
                                conflicts.push(BadLine {
                                    line: record.line as usize,
                                    reason,
                                });
                            }
                        }
                    }
                }
                _ => {
                    first = Some(record);
                    distinct += 1;
                }
            }
        }
    }
    // Conflicts come out in dep order: report every bad line in line order.
    if conflict_count > 0 {
        conflicts.sort_by_key(|b| b.line);
        let mut all = std::mem::take(&mut rejected.bad);
        all.extend(conflicts);
        all.sort_by_key(|b| b.line);
        all.truncate(100);
        rejected.bad = all;
        rejected.bad_count += conflict_count;
    }
    Ok(Checked {
        format,
        rejected,
        duplicates,
        distinct,
    })
}

fn write_run(
    run: &mut Vec<Record>,
    out: &mut BufWriter<File>,
    spilled: &mut u64,
) -> Result<(u64, u64)> {
    run.sort_unstable();
    let start = *spilled;
    for r in run.iter() {
        r.write(out).context("cannot write a temporary file")?;
    }
    *spilled += run.len() as u64;
    let len = run.len() as u64;
    run.clear();
    Ok((start, len))
}

/// One sorted run of the spill file, read through its own buffer at its own offset
/// (positioned reads: the runs share one file, and so would share a cursor).
struct RunReader<'a> {
    file: &'a File,
    /// Next byte of the run to read, and where the run ends.
    offset: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
}

/// Records read from a run at once: 16 KiB per run.
const RUN_READ_RECORDS: u64 = 400;

impl<'a> RunReader<'a> {
    fn new(file: &'a File, start: u64, len: u64) -> Result<RunReader<'a>> {
        let offset = start * RECORD_BYTES as u64;
        Ok(RunReader {
            file,
            offset,
            end: offset + len * RECORD_BYTES as u64,
            buf: Vec::new(),
            at: 0,
        })
    }
}

impl Iterator for RunReader<'_> {
    type Item = std::io::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        use std::os::unix::fs::FileExt;
        if self.at == self.buf.len() {
            if self.offset == self.end {
                return None;
            }
            let n = (self.end - self.offset).min(RUN_READ_RECORDS * RECORD_BYTES as u64);
            self.buf.resize(n as usize, 0);
            if let Err(e) = self.file.read_exact_at(&mut self.buf, self.offset) {
                self.offset = self.end;
                return Some(Err(e));
            }
            self.offset += n;
            self.at = 0;
        }
        let record = Record::read(&mut &self.buf[self.at..self.at + RECORD_BYTES]);
        self.at += RECORD_BYTES;
        record.transpose()
    }
}

/// A k-way merge of sorted sources through a heap (k is input lines / 64 Ki).
fn merge<'a>(
    mut sources: Vec<Box<dyn Iterator<Item = std::io::Result<Record>> + 'a>>,
) -> impl Iterator<Item = std::io::Result<Record>> + 'a {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut heap = BinaryHeap::with_capacity(sources.len());
    let mut failed: Option<std::io::Error> = None;
    for (i, s) in sources.iter_mut().enumerate() {
        match s.next() {
            Some(Ok(r)) => heap.push(Reverse((r, i))),
            Some(Err(e)) => failed = Some(e),
            None => {}
        }
    }
    std::iter::from_fn(move || {
        if let Some(e) = failed.take() {
            return Some(Err(e));
        }
        let Reverse((record, i)) = heap.pop()?;
        match sources[i].next() {
            Some(Ok(r)) => heap.push(Reverse((r, i))),
            Some(Err(e)) => failed = Some(e),
            None => {}
        }
        Some(Ok(record))
    })
}

/// A set of line numbers, one bit each.
#[derive(Default)]
struct Bitset(Vec<u64>);

impl Bitset {
    fn with_lines(lines: usize) -> Bitset {
        Bitset(vec![0; lines / 64 + 1])
    }

    fn insert(&mut self, n: usize) {
        if let Some(word) = self.0.get_mut(n / 64) {
            *word |= 1 << (n % 64);
        }
    }

    fn contains(&self, n: usize) -> bool {
        self.0.get(n / 64).is_some_and(|w| w & (1 << (n % 64)) != 0)
    }
}

/// Reads `input` and keeps a copy of every byte read, for the second pass over stdin.
struct Tee<R, W> {
    input: R,
    copy: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.input.read(buf)?;
        self.copy.write_all(&buf[..n])?;
        Ok(n)
    }
}

fn rejected(source: &str, format: Format, r: Rejected, undone: &str) -> anyhow::Error {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(input: &str) -> Checked {
        first_pass(input.as_bytes(), Format::Auto, 1_000_000).unwrap()
    }

    #[test]
    fn duplicates_are_marked_and_conflicts_refused() {
        let c = pass("doc:1\ndoc:2\ndoc:1\n# c\ndoc:3\ndoc:2\n");
        assert!(c.rejected.is_empty());
        assert_eq!(c.distinct, 3);
        assert!(c.duplicates.contains(3) && c.duplicates.contains(6));
        assert!(!c.duplicates.contains(1) && !c.duplicates.contains(2));
        let c = pass(
            "{\"dep_id\":\"doc:1\",\"new_hash\":\"v2\"}\n{\"dep_id\":\"doc:1\",\"new_hash\":\"v3\"}\n{\"dep_id\":\"doc:1\",\"new_hash\":\"v2\",\"if_hash\":\"v1\"}\n",
        );
        let lines: Vec<usize> = c.rejected.bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [2, 3]);
        assert!(
            c.rejected.bad[0]
                .reason
                .contains("line 1 with a different new_hash")
        );
        assert!(c.rejected.bad[1].reason.contains("different if_hash"));
    }

    #[test]
    fn an_absent_hash_is_not_a_given_one() {
        // Absent hashes share one precomputed fingerprint: equal to each other, never to
        // a given hash's.
        let c = pass(
            "{\"dep_id\":\"doc:1\"}\n{\"dep_id\":\"doc:1\"}\n{\"dep_id\":\"doc:1\",\"new_hash\":\"v2\"}\n{\"dep_id\":\"doc:1\",\"if_hash\":\"v1\"}\n",
        );
        assert!(c.duplicates.contains(2));
        let bad: Vec<(usize, bool)> = c
            .rejected
            .bad
            .iter()
            .map(|b| (b.line, b.reason.contains("different if_hash")))
            .collect();
        assert_eq!(bad, [(3, false), (4, true)]);
    }

    #[test]
    fn spilled_runs_merge_like_one_run() {
        // More lines than one run holds: duplicates across runs are still found.
        let mut input = String::new();
        for i in 0..(RUN_RECORDS * 2 + 10) {
            input.push_str(&format!("doc:{}\n", i % (RUN_RECORDS + 7)));
        }
        let c = pass(&input);
        assert!(c.rejected.is_empty());
        assert_eq!(c.distinct, (RUN_RECORDS + 7) as u64);
        assert!(c.duplicates.contains(RUN_RECORDS + 8));
        assert!(!c.duplicates.contains(RUN_RECORDS + 7));
    }

    #[test]
    fn the_second_pass_gives_each_dep_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deps.txt");
        std::fs::write(&path, "\u{feff}doc:b\ndoc:a\ndoc:b\ndoc:c\n").unwrap();
        let args = DepFile {
            file: Some(path.display().to_string()),
            format: Format::Auto,
            max_lines: 100,
        };
        let mut s = DepStream::open(&args, &["doc:z".into()], "nothing").unwrap();
        assert_eq!(s.count, 4);
        let ids: Vec<String> = s.items().unwrap().map(|i| i.dep.to_string()).collect();
        assert_eq!(ids, ["doc:b", "doc:a", "doc:c", "doc:z"]);
        // A second read gives the same.
        assert_eq!(s.items().unwrap().count(), 4);
    }
}

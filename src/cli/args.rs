//! The arguments of each subcommand. Doc comments are the help text (and so the man
//! pages and completions).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::{parse_clock_skew, parse_duration, parse_retire_after};

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    /// A stream to consume (repeat the flag for several).
    #[arg(long = "stream", value_name = "NAME", required = true)]
    pub streams: Vec<String>,

    /// The consumer group; created (with the stream, if missing) at --from.
    #[arg(long, value_name = "GROUP", default_value = crate::service::consume::status::DEFAULT_GROUP)]
    pub group: String,

    /// This consumer's name in the group [default: host name and process id].
    #[arg(long, value_name = "NAME")]
    pub consumer: Option<String>,

    /// Where a group created now starts: 0 (every event the stream holds), $ (only new
    /// ones: the ones it holds are skipped) or an entry id. The start note says how many
    /// events that reads or skips. Ignored for a group that exists [default: 0].
    #[arg(long, value_name = "ID")]
    pub from: Option<String>,

    /// Entries per read (XREADGROUP COUNT); one batch is invalidated as one wave.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub batch: u64,

    /// Batches in flight at once (each one pipeline per step; the default keeps Redis
    /// busy).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub concurrency: u64,

    /// How long one read waits for new entries (at most half of --timeout).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub block: Duration,

    /// Exit 0 once no new and no pending entry is left in the group (for scripts and
    /// tests); without it the consumer runs until stopped.
    #[arg(long)]
    pub until_idle: bool,

    /// Claim entries pending this long on any consumer (one that died, or this one's
    /// failures), with XAUTOCLAIM.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub claim_idle: Duration,

    /// An event that fails this many deliveries (for a reason other than a Redis outage)
    /// goes to the dead-letter stream.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_attempts: u64,

    /// The dead-letter stream; {stream} is the source stream's name.
    #[arg(long, value_name = "NAME", default_value = "{stream}:dead")]
    pub dead_letter: String,

    /// The events' format.
    #[arg(long, value_enum, default_value_t = crate::service::consume::event::Format::Native)]
    pub format: crate::service::consume::event::Format,

    /// Debezium: a dep to invalidate per change event, as a template (repeatable):
    /// {row.COL} is the row after the change (before it for a delete), {key} or
    /// {key.COL} the event key, any other name a path into the payload
    /// ({source.table}, {ts_ms}); {{ and }} are literal braces.
    #[arg(long = "dep", value_name = "TEMPLATE")]
    pub deps: Vec<String>,

    /// The new hash as a template (e.g. '{after.version}') [default: a unique generated
    /// hash per event]. Give it only for a version your application declares when it
    /// caches: a hash from the change stream (such as '{source.lsn}') is never one.
    #[arg(long, value_name = "TEMPLATE")]
    pub hash: Option<String>,

    /// Debezium: the text Debezium Server writes for a null key or value (its
    /// debezium.sink.redis.null.key and null.value); such a value is a tombstone.
    #[arg(long, value_name = "TEXT", default_value = "default")]
    pub null_marker: String,

    /// Record each event's hash only: entries become stale at once and expire by TTL.
    #[arg(long)]
    pub soft: bool,

    /// How far an event's entry id may be ahead of the Redis server's clock (at most 1h).
    /// An event further ahead is dead-lettered and never becomes its deps' order mark,
    /// which would make every later event of the dep look older.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_clock_skew)]
    pub max_clock_skew: Duration,

    /// Give up (exit 3) when Redis stays unreachable this long [default: never; 30s with
    /// --until-idle]. Until then an outage is retried with backoff, nothing dead-lettered.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_outage: Option<Duration>,

    /// Show each stream's group: lag, pending entries, consumers and their idle time, and
    /// the dead-letter stream's length. Reads only.
    #[arg(long)]
    pub status: bool,

    #[command(flatten)]
    pub pace: DeletePace,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// How many demo entries to write before running COMMAND (every fifth one L2).
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub entries: u64,

    /// The cachecore command to run in the sandbox, after `--`, without `cachecore`.
    /// Default: a shell.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only records newer than this (e.g. 1h, 7d).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub since: Option<Duration>,

    /// At most this many records.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: u64,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// How many dep sets to sample for sizes.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub sample_sets: u64,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many entries to write (every fifth one L2).
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub entries: u64,

    /// The namespace to write them in.
    #[arg(long, short, value_name = "NS", default_value = "demo")]
    pub namespace: String,

    /// Write even if the namespace already holds entries.
    #[arg(long)]
    pub force: bool,

    /// Write even if the server holds keys that are not Cachecore's (demo data belongs on
    /// a scratch server: on a terminal the question is asked instead).
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Install every page under the man root DIR (into DIR/man1, created if missing),
    /// e.g. ~/.local/share/man; a DIR that ends in man1 is used as it is. Without it the
    /// main page is printed on stdout.
    #[arg(long, value_name = "DIR")]
    pub install_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct InvalidateArgs {
    /// The dep to invalidate, e.g. doc:contract-123. A literal, never a pattern.
    #[arg(value_name = "DEP_ID")]
    pub dep_id: String,

    /// The dep's new hash (data version). Default: a unique generated one.
    #[arg(long, value_name = "HASH")]
    pub new_hash: Option<String>,

    /// Only if the current hash is HASH (compare-and-set); otherwise exit 1, changing nothing.
    #[arg(long, value_name = "HASH", conflicts_with = "if_unset")]
    pub if_hash: Option<String>,

    /// Only if the dep has no current hash yet (compare-and-set); otherwise exit 1.
    #[arg(long)]
    pub if_unset: bool,

    /// Record the new hash only; entries become stale now and expire by their TTL.
    #[arg(long)]
    pub soft: bool,

    /// Report what would be deleted (counts per tier and a sample of keys); write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Refuse, changing nothing, when the dep set holds more than N members.
    #[arg(long, value_name = "N")]
    pub max_keys: Option<u64>,

    #[command(flatten)]
    pub pace: DeletePace,
}

/// How fast deletions go: the same knobs for every command that streams deletions.
#[derive(Debug, Args)]
pub struct DeletePace {
    /// Members per SSCAN/UNLINK round trip; bounds how long Redis is held per command.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch_size: u64,

    /// At most N keys deleted per second (a throttle for a busy production Redis).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub rate: Option<u64>,

    /// UNLINK batches in flight at once (advanced; the default keeps Redis busy).
    #[arg(long, value_name = "N", default_value_t = crate::engine::invalidation::DEFAULT_PIPELINE_DEPTH as u64, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub pipeline: u64,
}

#[derive(Debug, Args)]
pub struct InvalidateManyArgs {
    #[command(flatten)]
    pub input: DepFileArgs,

    /// Comma-separated dep ids instead of a file.
    #[arg(
        long,
        value_name = "IDS",
        value_delimiter = ',',
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub dep_ids: Option<Vec<String>>,

    /// New hash for deps whose line gives none. Default: a unique generated one per dep.
    #[arg(long, value_name = "HASH")]
    pub new_hash: Option<String>,

    /// Deps per wave: each step of a wave is one pipeline for all its deps.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub wave: u64,

    /// Waves in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub concurrency: u64,

    /// Report what would be deleted; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Refuse, changing nothing, when the dep sets hold more than N members in all.
    #[arg(long, value_name = "N")]
    pub max_keys: Option<u64>,

    #[command(flatten)]
    pub pace: DeletePace,

    /// Do not ask for confirmation (it is only asked when stdin is a terminal).
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// A namespace's current policy version.
    Show(NamespaceArg),
    /// Every namespace found, with its policy version and entry counts (scans the keyspace).
    List,
    /// Record the next policy version: every entry of the namespace is stale at once.
    Roll(PolicyRollArgs),
    /// Delete the namespace's entries that are not at the current policy version (finishes
    /// an interrupted `roll --purge`, or purges after a roll without it).
    Purge(PolicyPurgeArgs),
}

#[derive(Debug, Args)]
pub struct PolicyPurgeArgs {
    #[command(flatten)]
    pub ns: NamespaceArg,

    /// Report what would be deleted; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Keys per SCAN/UNLINK round trip.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch_size: u64,

    /// Do not ask for confirmation (it is only asked when stdin is a terminal).
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct NamespaceArg {
    /// The namespace (1-64 of A-Z a-z 0-9 _ . -) [default: default].
    #[arg(long, short, value_name = "NS")]
    pub namespace: Option<String>,
}

impl NamespaceArg {
    /// The namespace given, or `default`.
    pub fn name(&self) -> &str {
        self.namespace
            .as_deref()
            .unwrap_or(crate::layout::DEFAULT_NAMESPACE)
    }
}

#[derive(Debug, Args)]
pub struct PolicyRollArgs {
    #[command(flatten)]
    pub ns: NamespaceArg,

    /// The new version. Default: the current one plus 1 (numeric versions only). A version
    /// the namespace had before (including "1") is refused.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,

    /// Then delete the namespace's entries written before the roll (cursor SCAN).
    #[arg(long)]
    pub purge: bool,

    /// Report the new version (and, with --purge, what would be deleted); write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Keys per SCAN/UNLINK round trip of the purge.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch_size: u64,

    /// Do not ask for confirmation (it is only asked when stdin is a terminal).
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// Entry keys to tag.
    #[arg(
        value_name = "KEY",
        required_unless_present = "pattern",
        conflicts_with = "pattern"
    )]
    pub keys: Vec<String>,

    /// Tag every entry whose key matches this SCAN glob instead (e.g. 'cc:l1:shop:*').
    #[arg(long = "match", value_name = "PATTERN")]
    pub pattern: Option<String>,

    /// A dep to add, as ID or ID=HASH (default hash: the dep's current one). Repeatable.
    /// The first `=` separates id and hash.
    #[arg(long = "dep", value_name = "ID[=HASH]", required = true)]
    pub deps: Vec<String>,

    /// Report what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation of --match (it is only asked when stdin is a terminal).
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct UntagArgs {
    /// Entry keys to untag.
    #[arg(value_name = "KEY", required = true)]
    pub keys: Vec<String>,

    /// A dep to remove. Repeatable.
    #[arg(long = "dep", value_name = "ID", required = true)]
    pub deps: Vec<String>,

    /// Report what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(flatten)]
    pub ns: NamespaceArg,

    /// The request as JSON (model, messages, parameters); `-` reads stdin.
    #[arg(value_name = "REQUEST.json")]
    pub request: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListSort {
    /// Largest dep sets first.
    Members,
    /// By dep id.
    Id,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only dep ids matching this glob (the `cc:dep:keys:` prefix is added, never matched).
    #[arg(long, value_name = "GLOB", default_value = "*")]
    pub pattern: String,

    /// Only the first N by --sort (memory: N rows). Without it rows stream in scan order.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,

    /// Order of --top (and of the full list, which then is held in memory).
    #[arg(long, value_enum)]
    pub sort: Option<ListSort>,
}

impl PruneArgs {
    /// The glob given, or `*`.
    pub fn pattern(&self) -> &str {
        self.pattern.as_deref().unwrap_or("*")
    }
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Only dep ids matching this glob [default: *, every dep: off a terminal that needs
    /// --yes].
    #[arg(long, value_name = "GLOB")]
    pub pattern: Option<String>,

    /// Report what would be removed; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Also retire hash records of deps with no tracked entries and no unfinished
    /// invalidation, last written longer ago than DURATION (with a unit: 8h, 8d). DURATION
    /// must exceed the longest entry TTL plus the longest request time (see
    /// docs/invalidation.md: retiring hash records). Refused, with nothing changed, when a live entry has no TTL
    /// or a remaining TTL longer than DURATION.
    #[arg(long, value_name = "DURATION", value_parser = parse_retire_after)]
    pub retire_after: Option<Duration>,

    /// Members per SSCAN round trip.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch_size: u64,

    /// Do not ask for confirmation (it is only asked when stdin is a terminal).
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum DepsCommand {
    /// Every dep set, with its member count and current hash.
    List(ListArgs),

    /// Remove members whose entry no longer exists, delete emptied sets, and optionally
    /// retire old hash records.
    Prune(PruneArgs),

    /// Current hash, members, L1/L2 split, live vs dangling, fresh vs stale of each dep.
    ///
    /// With --expect-hash it is a CI gate: exit 1 unless every dep's current hash is HASH
    /// and every live tracked entry is fresh and readable.
    Inspect(InspectArgs),
}

/// A file of deps, in the formats `invalidate-many` reads.
#[derive(Debug, Args)]
pub struct DepFileArgs {
    /// Read deps from FILE (`-` for stdin): one dep id per line (`#` comments), or JSON
    /// Lines {"dep_id": "...", "new_hash": "...", "if_hash": "..."}. A leading
    /// byte-order mark is ignored.
    #[arg(long, value_name = "FILE")]
    pub file: Option<String>,

    /// Input format; auto detects JSON Lines by a leading `{`.
    #[arg(long, value_enum, default_value_t = crate::input::depfile::Format::Auto)]
    pub format: crate::input::depfile::Format,

    /// Refuse an input of more than N lines (exit 2, nothing changed). Lines are at most
    /// 8 KiB each.
    #[arg(long, value_name = "N", default_value_t = crate::input::depfile::DEFAULT_MAX_LINES, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_lines: u64,
}

impl DepFileArgs {
    /// The flags as the reader takes them.
    pub fn dep_file(&self) -> crate::input::DepFile {
        crate::input::DepFile {
            file: self.file.clone(),
            format: self.format,
            max_lines: self.max_lines,
        }
    }
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The deps to inspect (or --file; with JSON Lines, a line's new_hash is the hash
    /// that dep is expected at, over --expect-hash; an empty file checks nothing and
    /// succeeds).
    #[arg(value_name = "DEP_ID", required_unless_present = "file")]
    pub dep_ids: Vec<String>,

    #[command(flatten)]
    pub input: DepFileArgs,

    /// List every member with its TTL and verdict (streamed; JSON Lines with --json).
    #[arg(long)]
    pub keys: bool,

    /// Exit 1 unless the current hash is HASH and no live entry is stale or unreadable.
    #[arg(long, value_name = "HASH")]
    pub expect_hash: Option<String>,

    /// Members per SSCAN round trip.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch_size: u64,
}

#[derive(Debug, Args)]
pub struct EntryArgs {
    /// The entry's full Redis key: cc:l1:{ns}:{fingerprint} or vec:{ns}:{id}.
    #[arg(value_name = "KEY")]
    pub key: String,
}

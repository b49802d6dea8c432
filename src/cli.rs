//! The command line, and nothing else: clap definitions whose doc comments are the help
//! text (and so the man pages and completions). Values are validated by the commands, so
//! every invalid input is reported the same way, as one line with exit code 2.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::error::EXIT_STATUS_HELP;

pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Administer the Cachecore LLM response cache in Redis: inspect and invalidate the
/// entries that depend on a piece of data.
#[derive(Debug, Parser)]
#[command(name = "cachecore", version, after_help = EXIT_STATUS_HELP, after_long_help = long_after_help())]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The environment variables cachecore reads, for `--help` and the man pages.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "CACHECORE_REDIS_URL",
        "Redis URL (or comma-separated cluster seeds), used when --redis-url is not given",
    ),
    (
        "REDIS_URL",
        "Redis URL, used when neither of the above is set (default redis://127.0.0.1:6379)",
    ),
    (
        "CACHECORE_REDIS_USER",
        "ACL user, used when --user is not given",
    ),
    (
        "NO_COLOR",
        "when set to anything but empty, --color auto prints no color",
    ),
    (
        "CACHECORE_REDIS_PASSWORD",
        "password, used when --password-file is not given",
    ),
];

/// Subcommands that never connect to Redis: the connection flags are hidden from their
/// help, man pages and completions (still accepted, as global flags are everywhere).
const OFFLINE: &[&str] = &["key", "completions", "man", "sandbox"];

/// Real examples per subcommand, shown at the end of its `--help` and as the EXAMPLES
/// section of its man page. The path is the subcommand's words.
pub const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "invalidate",
        &[
            (
                "cachecore invalidate doc:contract-123 --new-hash v2",
                "record v2, then delete every entry tagged with the dep",
            ),
            (
                "cachecore invalidate table:products --new-hash v3 --if-hash v2",
                "compare-and-set: exit 1, nothing changed, unless the hash is v2",
            ),
            (
                "cachecore invalidate table:products --dry-run",
                "counts per tier and a sample of keys; writes nothing",
            ),
        ],
    ),
    (
        "invalidate-many",
        &[
            (
                "cachecore invalidate-many --file deps.txt --new-hash \"$GIT_SHA\" --json > results.jsonl",
                "one dep id per line; one JSON line per dep, then a summary",
            ),
            (
                "generate-changed-deps | cachecore invalidate-many --file - --yes",
                "from stdin (validated whole before anything changes)",
            ),
            (
                "cachecore invalidate-many --dep-ids doc:1,doc:2 --dry-run",
                "what would go",
            ),
        ],
    ),
    (
        "deps inspect",
        &[
            (
                "cachecore deps inspect doc:contract-123",
                "hash, members, L1/L2, fresh, stale, dangling",
            ),
            (
                "cachecore deps inspect --file deps.txt --expect-hash \"$GIT_SHA\"",
                "the CI gate: exit 1 unless every dep is at the hash, finished and clean",
            ),
            (
                "cachecore deps inspect doc:contract-123 --keys --json | head",
                "every member with its TTL and verdict, streamed",
            ),
        ],
    ),
    (
        "deps list",
        &[
            ("cachecore deps list --top 20", "the 20 largest dep sets"),
            (
                "cachecore deps list --pattern 'doc:*' --json",
                "JSON Lines, one dep set a line",
            ),
        ],
    ),
    (
        "deps prune",
        &[
            (
                "cachecore deps prune --dry-run",
                "members whose entry expired, sets that would empty",
            ),
            (
                "cachecore deps prune --yes --quiet",
                "nightly cron: remove them (every dep set: --yes off a terminal)",
            ),
            (
                "cachecore deps prune --retire-after 8d --yes",
                "also retire old unreferenced hash records",
            ),
        ],
    ),
    (
        "entry",
        &[(
            "cachecore entry \"$(cachecore key -n shop request.json)\"",
            "one entry's deps, recorded against current hash",
        )],
    ),
    (
        "policy show",
        &[(
            "cachecore policy show -n shop",
            "the namespace's policy version",
        )],
    ),
    (
        "policy list",
        &[(
            "cachecore policy list",
            "every namespace with its version and entry counts",
        )],
    ),
    (
        "policy roll",
        &[
            (
                "cachecore policy roll -n shop",
                "next version: every entry of shop is stale at once",
            ),
            (
                "cachecore policy roll -n shop --to 2026-12 --purge --yes",
                "a named version, and delete the stale entries",
            ),
        ],
    ),
    (
        "policy purge",
        &[(
            "cachecore policy purge -n shop --yes",
            "delete entries not at the current version",
        )],
    ),
    (
        "tag",
        &[(
            "cachecore tag cc:l1:shop:9f86d0... --dep doc:contract-123",
            "add a dep to an entry and its dep set",
        )],
    ),
    (
        "untag",
        &[(
            "cachecore untag cc:l1:shop:9f86d0... --dep doc:contract-123",
            "remove it again",
        )],
    ),
    (
        "key",
        &[(
            "cachecore key -n shop request.json",
            "the L1 key of a request (canonical JSON fingerprint)",
        )],
    ),
    (
        "completions",
        &[
            (
                "mkdir -p ~/.local/share/bash-completion/completions && cachecore completions bash > ~/.local/share/bash-completion/completions/cachecore",
                "bash",
            ),
            (
                "cachecore completions zsh > \"${fpath[1]}/_cachecore\"",
                "zsh",
            ),
        ],
    ),
    (
        "man",
        &[(
            "cachecore man --install-dir ~/.local/share/man/man1 && man cachecore-invalidate",
            "install every man page (the directory is created)",
        )],
    ),
    (
        "audit",
        &[
            (
                "cachecore audit --since 1d",
                "who changed what in the last day",
            ),
            ("cachecore audit --json | jq .deps", "JSON Lines"),
        ],
    ),
    (
        "consume",
        &[
            (
                "cachecore consume --stream cc:events",
                "run as a consumer of group cachecore (producer: redis-cli XADD cc:events '*' dep_id doc:contract-123 new_hash v2)",
            ),
            (
                "cachecore consume --stream cc:events --from 0 --until-idle --json",
                "a one-shot run over the whole stream: exit 0 once nothing new or pending is left",
            ),
            (
                "cachecore consume --format debezium --stream shop.public.products --dep 'table:{source.table}' --dep 'row:{source.table}:{row.id}' --hash '{source.lsn}'",
                "invalidate from Debezium change events (Debezium Server's Redis sink)",
            ),
            (
                "cachecore consume --status --stream cc:events",
                "each group's lag, pending entries, consumers and dead letters",
            ),
        ],
    ),
    (
        "doctor",
        &[(
            "cachecore doctor --quiet || page-oncall",
            "cron: exit 1 when something is wrong",
        )],
    ),
    (
        "demo",
        &[(
            "cachecore demo --entries 5000 --namespace demo",
            "a synthetic data set to try every command on",
        )],
    ),
];

/// The examples of a subcommand as help text.
pub fn examples_text(path: &str) -> Option<String> {
    let (_, examples) = EXAMPLES.iter().find(|(p, _)| *p == path)?;
    let lines: Vec<String> = examples
        .iter()
        .map(|(cmd, what)| format!("  {cmd}\n      {what}"))
        .collect();
    Some(format!("Examples:\n{}", lines.join("\n")))
}

/// The command line as parsed and documented: the derived definition plus what derive
/// cannot say (examples, connection flags hidden where they mean nothing).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut root = Cli::command();
    let connection: Vec<clap::Arg> = root
        .get_arguments()
        .filter(|a| a.get_help_heading() == Some("Connection"))
        .cloned()
        .collect();
    let names: Vec<String> = root
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        root = root.mut_subcommand(&name, |mut sub| {
            let inner: Vec<String> = sub
                .get_subcommands()
                .map(|s| s.get_name().to_string())
                .collect();
            for leaf in inner {
                if let Some(text) = examples_text(&format!("{name} {leaf}")) {
                    sub = sub.mut_subcommand(&leaf, |l| l.after_help(text));
                }
            }
            if let Some(text) = examples_text(&name) {
                sub = sub.after_help(text);
            }
            if OFFLINE.contains(&name.as_str()) {
                // A local hidden copy stops clap from propagating the global one here.
                for arg in &connection {
                    sub = sub.arg(arg.clone().global(false).hide(true));
                }
            }
            sub
        });
    }
    root.build();
    root
}

fn long_after_help() -> String {
    let env: Vec<String> = ENVIRONMENT
        .iter()
        .map(|(var, meaning)| format!("  {var:<26}{meaning}"))
        .collect();
    format!("{EXIT_STATUS_HELP}\n\nEnvironment:\n{}", env.join("\n"))
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Redis to administer: redis://[user:password@]host[:port][/db], rediss://... for
    /// TLS, or redis+unix:///path/to.sock. For a cluster, give one node or several seed
    /// nodes (repeat the flag or separate with commas). Falls back to REDIS_URL, then
    /// redis://127.0.0.1:6379. Credentials are never printed.
    #[arg(
        help_heading = "Connection",
        long,
        global = true,
        env = "CACHECORE_REDIS_URL",
        hide_env_values = true,
        value_name = "URL",
        value_delimiter = ','
    )]
    pub redis_url: Vec<String>,

    /// Treat the server as a Redis Cluster (detected automatically otherwise).
    #[arg(help_heading = "Connection", long, global = true)]
    pub cluster: bool,

    /// ACL user (overrides a user in the URL). The password comes from
    /// CACHECORE_REDIS_PASSWORD or --password-file, never from the command line.
    #[arg(
        help_heading = "Connection",
        long,
        global = true,
        env = "CACHECORE_REDIS_USER",
        value_name = "USER"
    )]
    pub user: Option<String>,

    /// File whose first line is the Redis password (instead of CACHECORE_REDIS_PASSWORD).
    #[arg(help_heading = "Connection", long, global = true, value_name = "PATH")]
    pub password_file: Option<PathBuf>,

    /// PEM file of the certificate authorities to trust for rediss:// (default: the
    /// system's trust store).
    #[arg(help_heading = "Connection", long, global = true, value_name = "PATH")]
    pub tls_ca: Option<PathBuf>,

    /// PEM client certificate for mutual TLS (with --tls-key).
    #[arg(
        help_heading = "Connection",
        long,
        global = true,
        value_name = "PATH",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of the client certificate (with --tls-cert).
    #[arg(
        help_heading = "Connection",
        long,
        global = true,
        value_name = "PATH",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Do not verify the server's certificate: for self-signed test setups only.
    #[arg(
        help_heading = "Connection",
        long,
        global = true,
        conflicts_with = "tls_ca"
    )]
    pub tls_insecure: bool,

    /// Timeout for connecting and for each Redis round trip (e.g. 500ms, 5s, 1m).
    #[arg(help_heading = "Connection", long, global = true, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Print one JSON document (JSON Lines for streamed listings) instead of tables.
    #[arg(help_heading = "Output", long, global = true)]
    pub json: bool,

    /// Color tables and progress bars: auto (on a terminal, unless NO_COLOR is set),
    /// always, or never.
    #[arg(help_heading = "Output", long, global = true, value_enum, default_value_t = crate::output::ColorChoice::Auto, value_name = "WHEN")]
    pub color: crate::output::ColorChoice,

    /// Why: recorded with every change in the audit trail (`cachecore audit`).
    #[arg(help_heading = "Output", long, global = true, value_name = "TEXT")]
    pub reason: Option<String>,

    /// No progress bars or notes on stderr; results and errors are still printed.
    #[arg(help_heading = "Output", long, short, global = true)]
    pub quiet: bool,
}

/// `--retire-after`: a unit is required, since a bare number read as seconds once retired
/// records days too early.
fn parse_retire_after(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "a unit is required: {t}s, {t}m, {t}h or {t}d (the window must exceed the longest entry TTL)"
        ));
    }
    if t.parse::<f64>().is_ok() {
        return Err("a unit is required, with a whole number: e.g. 90m, 36h or 8d".into());
    }
    let d = humantime::parse_duration(t).map_err(|e| format!("{e} (try 8h or 8d)"))?;
    if d.is_zero() {
        return Err("the window must be greater than zero".into());
    }
    Ok(d)
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Duration::from_secs_f64(secs),
        _ => humantime::parse_duration(text).map_err(|e| format!("{e} (try 500ms, 5s or 1m)"))?,
    };
    if d.is_zero() {
        return Err("the timeout must be greater than zero".into());
    }
    Ok(d)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Invalidate one dep: record its new hash, then delete every entry tagged with it.
    ///
    /// The new hash is recorded first, so from that instant no entry built from the old
    /// version is fresh; then the dep set is streamed in bounded batches and every tagged
    /// L1 and L2 entry is unlinked. Interrupted runs are finished by the next run for the
    /// same dep.
    Invalidate(InvalidateArgs),

    /// Invalidate many deps from a file, stdin or a list, with bounded concurrency.
    ///
    /// The whole input is validated before Redis is touched: any bad line is reported by
    /// number and nothing is invalidated. One dep's failure never stops the others.
    InvalidateMany(InvalidateManyArgs),

    /// Inspect and maintain dep sets.
    #[command(subcommand)]
    Deps(DepsCommand),

    /// Show one entry: its deps with recorded and current hash, and whether it is fresh.
    Entry(EntryArgs),

    /// Show, list and roll namespaces' policy versions.
    #[command(subcommand)]
    Policy(PolicyCommand),

    /// Add deps to existing entries (their deps field and the dep sets).
    Tag(TagArgs),

    /// Remove deps from entries (their deps field and the dep sets).
    Untag(UntagArgs),

    /// Print the L1 key of a request (canonical JSON fingerprint), for `cachecore entry`.
    Key(KeyArgs),

    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),

    /// Install the man pages (one per subcommand), or print the main one.
    ///
    /// `cargo install` installs no man pages: this writes them from the binary itself, so
    /// they always match it.
    Man(ManArgs),

    /// Show the audit trail (stream cc:audit): who changed what, newest first.
    Audit(AuditArgs),

    /// Invalidate from events in Redis Streams, as one consumer of a consumer group.
    ///
    /// Native events name a dep (`redis-cli XADD cc:events '*' dep_id doc:contract-123
    /// new_hash v2`); Debezium change events give deps and hash through --dep and --hash
    /// templates. An entry is acked only once its invalidation is complete; entries left
    /// pending by a dead consumer are claimed after --claim-idle. Per dep, the hash
    /// recorded last is always the newest event's (by stream entry id). Events that can
    /// never be applied go to the dead-letter stream. Ctrl-C or SIGTERM: the events in hand
    /// are finished and acked, nothing else; SIGTERM exits 0, Ctrl-C 130.
    Consume(ConsumeArgs),

    /// Check that this Redis is safe for Cachecore and how healthy its dep sets are.
    ///
    /// Connectivity and latency, server version, cluster or not, the eviction policy (an
    /// allkeys-* policy can evict hash records and make stale entries fresh: an error),
    /// persistence, the largest dep sets and the share of dangling members in a sample.
    /// Exit 1 when something is wrong.
    Doctor(DoctorArgs),

    /// Fill a Redis with a realistic synthetic data set to try every command on.
    ///
    /// L1 and L2 entries tagged with a few hundred deps (documents, tables, users; many
    /// entries share a dep), written as the proxy writes them, plus a few dangling members
    /// left by "expired" entries. Refuses a namespace that already holds entries.
    Demo(DemoArgs),

    /// Try cachecore on a private, throwaway Redis filled with the demo data set.
    ///
    /// Starts redis-server (found on PATH) in a new temporary directory, on a unix socket
    /// with no persistence, writes the demo data set, then runs COMMAND against it
    /// (`cachecore sandbox -- invalidate doc:contract-123 --new-hash v2`) or, without one,
    /// a shell ($SHELL) whose CACHECORE_REDIS_URL points at it. On exit, also after Ctrl-C
    /// or a failing command, the server is stopped and the directory removed. The exit
    /// status is COMMAND's. Never connects to another Redis: connection flags and
    /// variables are not passed on, and COMMAND may not give any.
    Sandbox(SandboxArgs),
}

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

    /// Where a group created now starts: $ (only new entries), 0 (the whole stream) or
    /// an entry id. Ignored for a group that exists [default: $].
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

    /// Debezium: the new hash as a template (e.g. '{source.lsn}') [default: a unique
    /// generated hash per event].
    #[arg(long, value_name = "TEMPLATE")]
    pub hash: Option<String>,

    /// Debezium: the text Debezium Server writes for a null key or value (its
    /// debezium.sink.redis.null.key and null.value); such a value is a tombstone.
    #[arg(long, value_name = "TEXT", default_value = "default")]
    pub null_marker: String,

    /// Record each event's hash only: entries become stale at once and expire by TTL.
    #[arg(long)]
    pub soft: bool,

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
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page into DIR (created if missing), e.g. ~/.local/share/man/man1.
    /// Without it the main page is printed on stdout.
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
    #[arg(long, value_name = "N", default_value_t = crate::invalidation::DEFAULT_PIPELINE_DEPTH as u64, value_parser = clap::value_parser!(u64).range(1..=64))]
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
    /// must exceed the longest entry TTL plus the longest request time (see README:
    /// retiring hash records). Refused, with nothing changed, when a live entry has no TTL
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
    #[arg(long, value_enum, default_value_t = crate::depfile::Format::Auto)]
    pub format: crate::depfile::Format,

    /// Refuse an input of more than N lines (exit 2, nothing changed). Lines are at most
    /// 8 KiB each.
    #[arg(long, value_name = "N", default_value_t = crate::depfile::DEFAULT_MAX_LINES, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_lines: u64,
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn retire_windows_need_a_unit() {
        assert_eq!(
            parse_retire_after("8d").unwrap(),
            Duration::from_secs(8 * 86_400)
        );
        assert_eq!(
            parse_retire_after(" 2h ").unwrap(),
            Duration::from_secs(7200)
        );
        assert_eq!(
            parse_retire_after("250ms").unwrap(),
            Duration::from_millis(250)
        );
        for bare in ["8", " 8 ", "1.5", "86400"] {
            let e = parse_retire_after(bare).unwrap_err();
            assert!(e.starts_with("a unit is required"), "{bare}: {e}");
        }
        assert!(parse_retire_after("0s").is_err());
        assert!(parse_retire_after("").is_err());
        assert!(parse_retire_after("soon").is_err());
    }
}

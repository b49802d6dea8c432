//! The command line, and nothing else: clap definitions whose doc comments are the help
//! text (and so the man pages and completions). Values are validated by the commands, so
//! every invalid input is reported the same way, as one line with exit code 2.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::error::EXIT_STATUS_HELP;

mod args;
mod gateway;
mod help;
mod serve;
pub use args::*;
pub use gateway::GatewayArgs;
pub use help::{EXAMPLES, TOP_EXAMPLES, command, examples_text};
pub use serve::{ServeArgs, TokenCommand, TokenCreateArgs, TokenNameArg};

pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Administer the Cachecore LLM response cache in Redis: inspect and invalidate the
/// entries that depend on a piece of data.
#[derive(Debug, Parser)]
#[command(name = "cachecore", version, after_help = short_after_help(), after_long_help = long_after_help())]
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
    (
        "CACHECORE_LISTEN",
        "serve: address to listen on, used when --listen is not given",
    ),
];

fn short_after_help() -> String {
    format!(
        "{}\n\n{EXIT_STATUS_HELP}",
        help::format_examples(help::TOP_EXAMPLES)
    )
}

/// Wrapped here, under 80 columns with a hanging indent: clap would wrap a longer line at
/// the terminal's width without indenting its continuation.
pub(crate) fn long_after_help() -> String {
    const INDENT: usize = 28;
    let mut out = String::new();
    for (var, meaning) in ENVIRONMENT {
        let mut line = format!("  {var:<26}");
        for word in meaning.split(' ') {
            if line.len() + word.len() > 79 && line.trim_end().len() > INDENT {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(INDENT);
            }
            line.push_str(word);
            line.push(' ');
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    format!(
        "{}\n\n{EXIT_STATUS_HELP}\n\nEnvironment:\n{}",
        help::format_examples(help::TOP_EXAMPLES),
        out.trim_end()
    )
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

/// `--max-clock-skew`: zero allowed (ids never ahead), at most an hour (beyond that a
/// forged id would again hold a dep's events back for longer than an outage).
fn parse_clock_skew(text: &str) -> Result<Duration, String> {
    let d = match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs >= 0.0 => Duration::from_secs_f64(secs),
        _ => humantime::parse_duration(text).map_err(|e| format!("{e} (try 60s or 5m)"))?,
    };
    if d > MAX_CLOCK_SKEW {
        return Err("at most 1h: an id further ahead would hold back every later event of its deps for that long".into());
    }
    Ok(d)
}

/// The largest `--max-clock-skew`.
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(3600);

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
    /// recorded last is always the newest event's (by stream entry id), or an
    /// invalidation's by another path that came later (by the Redis server's clock).
    /// Events that can never be applied, or whose id is ahead of the server's clock by
    /// more than --max-clock-skew, go to the dead-letter stream. Ctrl-C or SIGTERM: the events in hand
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

    /// Serve the HTTP invalidation API (for webhooks) on this Redis.
    ///
    /// The same engine and guarantees as `invalidate`: the new hash is recorded before any
    /// answer, drains that outlive the request finish in the background, and an
    /// interrupted drain is finished by the next start of any replica (or a CLI run).
    /// Stateless: tokens, jobs and unfinished runs live in Redis, so any number of
    /// replicas may run behind a load balancer.
    #[command(after_long_help = serve::SERVE_API_HELP)]
    Serve(ServeArgs),

    /// An OpenAI-compatible caching proxy on this Redis, with the HTTP API beside it.
    ///
    /// Caches POST /v1/chat/completions under the contract's keys, with the deps the
    /// request declares; an entry is served only while every dep is fresh (checked in
    /// Redis on every hit). Identical concurrent misses make one upstream call across
    /// replicas. Redis away: requests go upstream uncached.
    #[command(after_long_help = gateway::GATEWAY_HELP)]
    Gateway(GatewayArgs),

    /// Create, list and revoke the HTTP API's tokens (stored hashed in Redis).
    #[command(subcommand)]
    Token(TokenCommand),
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

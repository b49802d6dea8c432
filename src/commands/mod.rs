//! One module per subcommand, each with a `run` that returns the exit status.

mod audit;
mod consume;
mod demo;
mod deps;
mod doctor;
mod entry;
mod gateway;
mod invalidate;
mod invalidate_many;
mod key;
mod policy;
mod sandbox;
mod serve;
mod tag;
mod token;

// What the HTTP API (issue 14) shares with the commands: the `deps inspect` document and
// the version rules of `policy roll`.

use std::io::IsTerminal;

use anyhow::Result;

use crate::audit::AuditRecord;
use crate::cli::{Cli, Command, DEFAULT_REDIS_URL, DepsCommand, PolicyCommand};
use crate::error::{Exit, refused};
use crate::interrupt::Interrupt;
use crate::output::Output;
use crate::store::{ClusterMode, ConnectOptions, PasswordSource, Store, TlsFiles};

/// What every command gets: how to reach Redis, how to print, and the interrupt flag.
pub struct Context {
    pub connect: ConnectOptions,
    pub out: Output,
    pub interrupt: Interrupt,
    /// `--reason`, for the audit trail.
    pub reason: Option<String>,
}

impl Context {
    pub fn new(cli: &Cli, interrupt: Interrupt) -> Context {
        crate::output::init_color(cli.global.color);
        // clap reads CACHECORE_REDIS_URL; REDIS_URL is the conventional fallback.
        let mut urls: Vec<String> = cli
            .global
            .redis_url
            .iter()
            .filter(|u| !u.is_empty())
            .cloned()
            .collect();
        if urls.is_empty() {
            urls = std::env::var("REDIS_URL")
                .ok()
                .filter(|u| !u.is_empty())
                .map(|u| u.split(',').map(str::to_string).collect())
                .unwrap_or_else(|| vec![DEFAULT_REDIS_URL.to_string()]);
        }
        let out = Output {
            json: cli.global.json,
            quiet: cli.global.quiet,
        };
        let out = out.init();
        if password_in_argv(std::env::args_os()) {
            crate::output::warn(
                "the password in --redis-url is visible to every user of this machine (ps, shell history); pass it in CACHECORE_REDIS_PASSWORD or --password-file instead",
            );
        }
        Context {
            connect: ConnectOptions {
                urls,
                cluster: if cli.global.cluster {
                    ClusterMode::Force
                } else {
                    ClusterMode::Detect
                },
                timeout: cli.global.timeout,
                user: cli.global.user.clone(),
                // The file wins over the environment: it is the more deliberate choice.
                password: cli
                    .global
                    .password_file
                    .clone()
                    .map(PasswordSource::File)
                    .or_else(|| {
                        std::env::var("CACHECORE_REDIS_PASSWORD")
                            .ok()
                            .filter(|p| !p.is_empty())
                            .map(PasswordSource::Env)
                    }),
                tls: TlsFiles {
                    ca: cli.global.tls_ca.clone(),
                    cert: cli.global.tls_cert.clone(),
                    key: cli.global.tls_key.clone(),
                    insecure: cli.global.tls_insecure,
                },
            },
            out,
            interrupt,
            reason: cli.global.reason.clone(),
        }
    }

    /// A new audit record for `command`, stamped now, with `--reason`.
    pub fn audit_record(&self, command: &str) -> AuditRecord {
        AuditRecord::now(command, self.reason.as_deref())
    }

    /// Appends `records` to the audit trail (one round trip). A failure is reported on stderr and does not
    /// change the outcome: the work it records is done either way.
    pub async fn audit(&self, store: &mut Store, records: &[AuditRecord]) {
        append_audit(store, records).await;
    }

    /// Appends `records` in a task of its own (see [`Context::audit`]), so a bulk command
    /// does not hold back its next wave for the round trip; the caller awaits `appends`
    /// before it ends.
    pub fn audit_in_background(
        &self,
        appends: &mut tokio::task::JoinSet<()>,
        store: &Store,
        records: Vec<AuditRecord>,
    ) {
        let mut store = store.clone();
        appends.spawn(async move { append_audit(&mut store, &records).await });
    }

    pub async fn store(&self) -> Result<Store> {
        Store::connect(&self.connect).await
    }

    /// A destructive run whose target was defaulted rather than named (`policy roll`
    /// without `--namespace`, `deps prune` of every dep) must be deliberate: off a
    /// terminal, where nobody can be asked, it needs `--yes`.
    pub fn require_named(&self, yes: bool, named: bool, what: &str) -> Result<()> {
        if named || yes || std::io::stdin().is_terminal() {
            return Ok(());
        }
        Err(crate::error::invalid(format!(
            "{what} must be named when nobody can be asked (stdin is not a terminal): name it, or pass --yes to confirm; nothing was changed"
        )))
    }

    /// Asks before a bulk change. Never asks when stdin is not a terminal (cron, CI) or
    /// with `--yes`; a declined prompt is exit 1 with nothing changed.
    pub fn confirm(&self, yes: bool, question: &str) -> Result<()> {
        if yes || !std::io::stdin().is_terminal() {
            return Ok(());
        }
        match crate::output::ask(question)?.trim() {
            "y" | "Y" | "yes" | "Yes" | "YES" => Ok(()),
            _ => Err(refused(
                "not confirmed; nothing was changed (pass --yes to skip the question)",
            )),
        }
    }
}

/// Whether a `--redis-url` on the command line (not from the environment) carries a
/// password.
fn password_in_argv(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    args.iter().enumerate().any(|(i, arg)| {
        let value = match arg.strip_prefix("--redis-url=") {
            Some(v) => Some(v),
            None if arg == "--redis-url" => args.get(i + 1).map(String::as_str),
            None => None,
        };
        value.is_some_and(crate::redact::url_has_password)
    })
}

pub async fn run(cli: Cli, interrupt: Interrupt) -> Result<Exit> {
    let ctx = Context::new(&cli, interrupt);
    crate::store::on_event(|e| crate::output::note(&e.to_string()));
    match cli.command {
        Command::Invalidate(args) => invalidate::run(&ctx, args).await,
        Command::InvalidateMany(args) => invalidate_many::run(&ctx, args).await,
        Command::Deps(DepsCommand::Inspect(args)) => deps::inspect::run(&ctx, args).await,
        Command::Deps(DepsCommand::List(args)) => deps::list::run(&ctx, args).await,
        Command::Deps(DepsCommand::Prune(args)) => deps::prune::run(&ctx, args).await,
        Command::Entry(args) => entry::run(&ctx, args).await,
        Command::Policy(PolicyCommand::Show(args)) => policy::show(&ctx, args).await,
        Command::Policy(PolicyCommand::List) => policy::list(&ctx).await,
        Command::Policy(PolicyCommand::Roll(args)) => policy::roll(&ctx, args).await,
        Command::Policy(PolicyCommand::Purge(args)) => policy::purge_only(&ctx, args).await,
        Command::Tag(args) => tag::tag(&ctx, args).await,
        Command::Untag(args) => tag::untag(&ctx, args).await,
        Command::Key(args) => key::run(&ctx, args).await,
        Command::Audit(args) => audit::run(&ctx, args).await,
        Command::Demo(args) => demo::run(&ctx, args).await,
        Command::Consume(args) => consume::run(&ctx, args).await,
        Command::Doctor(args) => doctor::run(&ctx, args).await,
        Command::Man(args) => crate::docs::install_man(args.install_dir.as_deref(), &ctx.out),
        Command::Sandbox(args) => sandbox::run(&ctx, args).await,
        Command::Serve(args) => serve::run(&ctx, args).await,
        Command::Gateway(args) => gateway::run_gateway(&ctx, args).await,
        Command::Token(cmd) => token::run(&ctx, cmd).await,
        Command::Completions(args) => {
            crate::output::write_stdout(&crate::docs::completion(args.shell))?;
            Ok(Exit::Success)
        }
    }
}

/// The one way an audit append ends: a failure is a warning, the work being done.
async fn append_audit(store: &mut Store, records: &[AuditRecord]) {
    if let Err(e) = store.audit_append(records).await {
        crate::output::warn(&format!(
            "the work is done, but its audit record could not be written: {}",
            crate::error::one_line(&e)
        ));
    }
}

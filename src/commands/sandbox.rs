//! `cachecore sandbox [--entries N] [-- COMMAND...]`
//!
//! A first run that needs no Redis of one's own: a private redis-server in a new 0700
//! directory, on a unix socket, with no persistence and no TCP port, filled with the demo
//! data set; then COMMAND (this binary run again) or a shell, pointed at it through
//! CACHECORE_REDIS_URL alone. However the command ends, the server is killed and reaped
//! and the directory removed before the sandbox exits with the command's status.
//! If the sandbox itself is killed outright, on Linux the kernel ends the server and the
//! command with it (a parent-death signal); only the directory is left then.
//!
//! Signals are the command's to act on (a cachecore command stops after its current batch
//! and reports), so the first one is passed on and the sandbox waits; a second one kills
//! the command. Either way the cleanup runs: this command does not use the exit-at-once
//! of [`crate::interrupt`].

use std::ffi::OsString;
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use anyhow::{Context as _, Result};
use clap::ArgMatches;
use clap::parser::ValueSource;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::Context;
use crate::cli::SandboxArgs;
use crate::error::{Exit, invalid, one_line};
use crate::layout::Namespace;
use crate::store::{ConnectOptions, LocalServer, Store};

/// Every variable through which the command could reach another server. The command gets
/// none of them except CACHECORE_REDIS_URL, set to the sandbox.
const CONNECTION_ENV: [&str; 4] = [
    "CACHECORE_REDIS_URL",
    "REDIS_URL",
    "CACHECORE_REDIS_USER",
    "CACHECORE_REDIS_PASSWORD",
];

/// The global flags that choose a server or credentials (clap id, spelling): refused in
/// COMMAND, which must reach the sandbox and nothing else.
const CONNECTION_FLAGS: [(&str, &str); 8] = [
    ("redis_url", "--redis-url"),
    ("cluster", "--cluster"),
    ("user", "--user"),
    ("password_file", "--password-file"),
    ("tls_ca", "--tls-ca"),
    ("tls_cert", "--tls-cert"),
    ("tls_key", "--tls-key"),
    ("tls_insecure", "--tls-insecure"),
];

pub async fn run(ctx: &Context, args: SandboxArgs) -> Result<Exit> {
    // Listening before anything exists to clean up: from here no signal ends the process
    // without the cleanup.
    let mut signals = Signals::listen()?;
    if !args.command.is_empty()
        && let Some(exit) = check_command(&args.command)?
    {
        return Ok(exit);
    }
    let server_bin = find_on_path("redis-server").ok_or_else(|| {
        invalid(format!(
            "redis-server was not found on PATH; the sandbox starts its own and needs only the program (no running server): install it ({}) and run this again",
            install_hint()
        ))
    })?;
    // A signal while starting drops the unfinished start, and with it the server and the
    // directory (LocalServer's Drop).
    let sandbox = tokio::select! {
        sandbox = start(ctx, &server_bin, args.entries) => sandbox?,
        _ = signals.recv() => return Ok(Exit::Interrupted),
    };
    ctx.out.note(&format!(
        "sandbox: redis-server pid {} in {} ({} demo entries), stopped and removed on exit",
        sandbox.pid(),
        sandbox.dir().display(),
        args.entries
    ));
    let outcome = run_inside(ctx, &sandbox, &args.command, &mut signals).await;
    let stopped = sandbox.stop();
    let exit = outcome?;
    if let Err(err) = stopped {
        crate::output::warn(&format!(
            "the sandbox's server is stopped, but its directory could not be removed: {}",
            one_line(&err)
        ));
    }
    Ok(exit)
}

/// Parses COMMAND as the child will, before any server starts, to refuse what must not
/// run in a sandbox. `Some` when clap has already answered (help, a usage error): printed
/// here exactly as the child would print it.
fn check_command(command: &[String]) -> Result<Option<Exit>> {
    let argv = std::iter::once("cachecore").chain(command.iter().map(String::as_str));
    let matches = match crate::cli::command().try_get_matches_from(argv) {
        Ok(m) => m,
        Err(e) => {
            let code = e.exit_code();
            e.print()?;
            return Ok(Some(if code == 0 {
                Exit::Success
            } else {
                Exit::Usage
            }));
        }
    };
    if matches.subcommand_name() == Some("sandbox") {
        return Err(invalid(
            "a sandbox cannot run another sandbox: give the command to run in it, e.g. cachecore sandbox -- deps list --top 5",
        ));
    }
    let given: Vec<&str> = CONNECTION_FLAGS
        .iter()
        .filter(|(id, _)| on_command_line(&matches, id))
        .map(|(_, flag)| *flag)
        .collect();
    if !given.is_empty() {
        return Err(invalid(format!(
            "the sandbox runs the command against its own server only: remove {} from it",
            given.join(", ")
        )));
    }
    Ok(None)
}

/// Whether a global flag was typed, at whichever subcommand level (a value from the
/// environment does not count: the child's environment is the sandbox's to set).
fn on_command_line(matches: &ArgMatches, id: &str) -> bool {
    matches.value_source(id) == Some(ValueSource::CommandLine)
        || matches
            .subcommand()
            .is_some_and(|(_, sub)| on_command_line(sub, id))
}

/// The first executable `name` in an absolute PATH entry. Relative entries (and the empty
/// one, which means ".") are skipped: they would run whatever the current directory holds.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The install command for this platform, or all three when it is not recognised.
fn install_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        return "brew install redis";
    }
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let family: String = os_release
        .lines()
        .filter(|l| l.starts_with("ID=") || l.starts_with("ID_LIKE="))
        .collect::<Vec<_>>()
        .join(" ");
    if family.contains("debian") || family.contains("ubuntu") {
        "apt-get install redis-server"
    } else if ["fedora", "rhel", "centos"]
        .iter()
        .any(|f| family.contains(f))
    {
        "dnf install redis"
    } else {
        "apt-get install redis-server, brew install redis or dnf install redis"
    }
}

/// The sandbox: a private server, filled with the demo data set.
async fn start(ctx: &Context, server_bin: &Path, entries: u64) -> Result<LocalServer> {
    let server = LocalServer::start(server_bin, ctx.connect.timeout).await?;
    let connect = ConnectOptions {
        urls: vec![server.url().to_string()],
        timeout: ctx.connect.timeout,
        ..ConnectOptions::default()
    };
    let mut store = Store::connect(&connect).await?;
    let bar = ctx
        .out
        .progress(Some(entries), "filling the sandbox", "entries");
    let ns = Namespace::parse("demo").expect("a valid namespace");
    super::demo::fill(&mut store, &ns, entries, &bar).await?;
    bar.finish_and_clear();
    Ok(server)
}

/// Runs COMMAND, or a shell when it is empty, against the sandbox, and returns its exit
/// status (130 when interrupted and it died of the signal).
async fn run_inside(
    ctx: &Context,
    sandbox: &LocalServer,
    command: &[String],
    signals: &mut Signals,
) -> Result<Exit> {
    let shell = command.is_empty();
    let mut cmd = if shell {
        let program = std::env::var_os("SHELL")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| OsString::from("/bin/sh"));
        ctx.out.note(&format!(
            "sandbox: a shell with CACHECORE_REDIS_URL={}; try {} deps list --top 5. Type exit or press Ctrl-D to leave: the sandbox server is stopped and its data removed",
            sandbox.url(),
            self_name()
        ));
        tokio::process::Command::new(program)
    } else {
        let exe = std::env::current_exe().context("cannot find the cachecore binary to run")?;
        let mut c = tokio::process::Command::new(exe);
        c.args(command);
        c
    };
    for var in CONNECTION_ENV {
        cmd.env_remove(var);
    }
    cmd.env("CACHECORE_REDIS_URL", sandbox.url());
    // In the terminal's foreground the command stays in our process group, so it can read
    // the terminal (prompts, an interactive shell) and gets Ctrl-C from it directly.
    // Otherwise it gets a group of its own, so that a signal passed on reaches everything
    // it started (a shell's `sleep`) once, and a kill leaves nothing behind.
    let own_group = !in_terminal_foreground();
    if own_group {
        cmd.process_group(0);
    }
    // Killed with the sandbox too: its server is gone then, and a command left running
    // would retry it forever. A shell is hung up (it ends its session and its jobs, as
    // when its terminal closes); anything else is killed (nothing is left to finish).
    crate::process::die_with_this_process(
        cmd.as_std_mut(),
        if shell { libc::SIGHUP } else { libc::SIGKILL },
    )?;
    let mut child = cmd.kill_on_drop(true).spawn().map_err(|e| {
        invalid(format!(
            "cannot run {}: {e}",
            cmd.as_std().get_program().to_string_lossy()
        ))
    })?;
    let group = own_group.then(|| child.id()).flatten();
    let mut interrupted = false;
    let mut passed_on = false;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status.context("waiting for the command")?,
            sig = signals.recv() => {
                interrupted = true;
                // `id` is Some until the child is reaped, and only `wait` reaps it: the pid
                // (and group) cannot have been reused.
                let Some(pid) = child.id() else { continue };
                let target = if own_group { -(pid as libc::pid_t) } else { pid as libc::pid_t };
                if passed_on {
                    crate::output::note("sandbox: interrupted again, stopping the command now");
                    send(target, libc::SIGKILL);
                    continue;
                }
                passed_on = true;
                // A Ctrl-C typed at the terminal reached the whole foreground group,
                // command included: a second one would make a cachecore command exit
                // without finishing its batch.
                if sig == libc::SIGINT && !own_group && in_terminal_foreground() {
                    continue;
                }
                send(target, passed_signal(sig, shell));
            }
        }
    };
    if let Some(pgid) = group {
        // What the command left running in its group (a shell's background job, or its
        // jobs when it was killed) would only find the server gone: they get the hangup a
        // closed terminal gives. The group outlives its leader while it has members, so
        // its id cannot have been reused.
        send(-(pgid as libc::pid_t), libc::SIGHUP);
    }
    Ok(exit_status(status, interrupted))
}

/// The signal that asks the command to stop the way `sig` asked the sandbox. A cachecore
/// command stops gracefully on SIGINT and SIGTERM (SIGHUP would kill it mid-batch); a
/// shell ends its session and its jobs on SIGHUP (an interactive one ignores SIGTERM).
fn passed_signal(sig: libc::c_int, shell: bool) -> libc::c_int {
    match (sig, shell) {
        (libc::SIGINT, _) => libc::SIGINT,
        (_, true) => libc::SIGHUP,
        (_, false) => libc::SIGTERM,
    }
}

/// The command's exit code as it is; a death by signal as a shell reports it (128 + the
/// signal), or 130 when the sandbox was interrupted, as for every interrupted command.
fn exit_status(status: ExitStatus, interrupted: bool) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Passed(code as u8),
        (None, Some(_)) if interrupted => Exit::Interrupted,
        (None, Some(sig)) => Exit::Passed(128u8.saturating_add(sig as u8)),
        (None, None) => Exit::Interrupted,
    }
}

fn send(target: libc::pid_t, sig: libc::c_int) {
    // SAFETY: kill(2) has no memory effects; a target that has just exited is ESRCH.
    unsafe {
        libc::kill(target, sig);
    }
}

/// Whether our process group is the foreground group of a controlling terminal, i.e.
/// whether a Ctrl-C typed there reaches us and the processes of our group.
fn in_terminal_foreground() -> bool {
    let Ok(tty) = std::fs::File::open("/dev/tty") else {
        return false;
    };
    // SAFETY: both calls only read process state; the fd is open for the call.
    unsafe { libc::tcgetpgrp(tty.as_raw_fd()) == libc::getpgrp() }
}

/// How to call this binary inside the sandbox shell: `cachecore` when that name on PATH is
/// this binary, its path otherwise (a build run from target/, say).
fn self_name() -> String {
    let exe = std::env::current_exe().ok();
    let on_path = find_on_path("cachecore");
    let same = |p: &Option<PathBuf>| p.as_ref().and_then(|p| p.canonicalize().ok());
    if exe.is_some() && same(&exe) == same(&on_path) {
        "cachecore".into()
    } else {
        exe.map(|e| e.display().to_string())
            .unwrap_or_else(|| "cachecore".into())
    }
}

/// SIGINT, SIGTERM and SIGHUP, caught for as long as the sandbox runs.
struct Signals {
    int: Signal,
    term: Signal,
    hup: Signal,
}

impl Signals {
    fn listen() -> Result<Signals> {
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    async fn recv(&mut self) -> libc::c_int {
        tokio::select! {
            _ = self.int.recv() => libc::SIGINT,
            _ = self.term.recv() => libc::SIGTERM,
            _ = self.hup.recv() => libc::SIGHUP,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit_code(status: i32, interrupted: bool) -> i32 {
        exit_status(ExitStatus::from_raw(status), interrupted).code()
    }

    #[test]
    fn exit_statuses_pass_through_and_signals_read_as_a_shell_reads_them() {
        assert_eq!(exit_code(0, false), 0);
        assert_eq!(exit_code(7 << 8, false), 7);
        assert_eq!(exit_code(130 << 8, true), 130);
        assert_eq!(exit_code(1 << 8, true), 1, "the command's own answer wins");
        assert_eq!(exit_code(libc::SIGKILL, false), 137);
        assert_eq!(exit_code(libc::SIGINT, true), 130);
        assert_eq!(exit_code(libc::SIGHUP, true), 130);
    }

    #[test]
    fn commands_that_would_leave_the_sandbox_are_refused_before_anything_starts() {
        let check = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            check_command(&args)
        };
        assert!(matches!(check(&["deps", "list"]), Ok(None)));
        assert!(matches!(
            check(&["--json", "invalidate", "doc:1"]),
            Ok(None)
        ));
        for bad in [
            &["sandbox", "--", "deps", "list"][..],
            &["--redis-url", "redis://prod:6379", "deps", "list"],
            &["deps", "list", "--redis-url=redis://prod:6379"],
            &["invalidate", "doc:1", "--tls-insecure"],
            &["entry", "k", "--user", "admin"],
        ] {
            let err = check(bad).expect_err("refused");
            assert_eq!(crate::error::exit_for(&err), Exit::Usage, "{bad:?}");
        }
        let err = check(&["deps", "list", "--cluster"]).unwrap_err();
        assert!(err.to_string().contains("--cluster"), "{err}");
    }

    #[test]
    fn only_absolute_path_entries_are_searched() {
        assert!(find_on_path("sh").is_some_and(|p| p.is_absolute()));
        assert!(find_on_path("no-such-program-cachecore").is_none());
    }
}

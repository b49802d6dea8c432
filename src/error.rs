//! Exit codes, the typed failures callers branch on, and the one place errors are printed.

use std::sync::{Mutex, OnceLock};

/// The process exit codes; scripts rely on them, so they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The command did what was asked.
    Success,
    /// A negative answer: a check failed, a compare-and-set was refused, a cap exceeded.
    Negative,
    /// Usage or invalid input; nothing was changed.
    Usage,
    /// Redis unreachable, authentication failed, or Redis answered with an error.
    Redis,
    /// Anything else: a local I/O error, an unexpected condition. Never used for Redis.
    Failed,
    /// Interrupted by Ctrl-C or SIGTERM.
    Interrupted,
    /// The status of the command `cachecore sandbox` ran, passed through as it is: the
    /// sandbox's caller must see the command's answer, not the sandbox's.
    Passed(u8),
}

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Success => 0,
            Exit::Negative => 1,
            Exit::Usage => 2,
            Exit::Redis => 3,
            Exit::Failed => 4,
            Exit::Interrupted => 130,
            Exit::Passed(code) => code.into(),
        }
    }

    /// The `kind` of a JSON error.
    pub fn kind(self) -> &'static str {
        match self {
            Exit::Success => "none",
            Exit::Negative => "refused",
            Exit::Usage => "usage",
            Exit::Redis => "redis",
            Exit::Failed => "failed",
            Exit::Interrupted => "interrupted",
            Exit::Passed(_) => "command",
        }
    }
}

/// Text for `--help` and the man page.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0    success
  1    a negative answer: a check failed, --if-hash refused, --max-keys exceeded
  2    usage error or invalid input; nothing was changed
  3    Redis unreachable, authentication failed, or a Redis error
  4    another failure (a local I/O error, an unexpected condition)
  130  interrupted (Ctrl-C or SIGTERM); the message names the command that finishes it";

/// A failure whose kind decides the exit code. Everything else that goes wrong is
/// reported through `anyhow` with context, and a `redis::RedisError` anywhere in the chain
/// maps to [`Exit::Redis`].
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Redis(String),
    #[error("{0}")]
    Failed(String),
}

impl Failure {
    fn exit(&self) -> Exit {
        match self {
            Failure::Invalid(_) => Exit::Usage,
            Failure::Refused(_) => Exit::Negative,
            Failure::Redis(_) => Exit::Redis,
            Failure::Failed(_) => Exit::Failed,
        }
    }
}

/// Shorthand for commands: `return Err(invalid(format!(...)))`.
pub fn invalid(msg: impl Into<String>) -> anyhow::Error {
    Failure::Invalid(msg.into()).into()
}

pub fn refused(msg: impl Into<String>) -> anyhow::Error {
    Failure::Refused(msg.into()).into()
}

/// A failure that is neither bad input, a refusal nor Redis's (exit 4).
pub fn failed(msg: impl Into<String>) -> anyhow::Error {
    Failure::Failed(msg.into()).into()
}

pub fn redis_failure(msg: impl Into<String>) -> anyhow::Error {
    Failure::Redis(msg.into()).into()
}

/// The exit code an error maps to.
pub fn exit_for(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.exit();
        }
        if cause.downcast_ref::<redis::RedisError>().is_some() {
            return Exit::Redis;
        }
        if cause.downcast_ref::<crate::layout::LayoutError>().is_some() {
            return Exit::Usage;
        }
    }
    // Not a Redis failure: never the code that tells scripts "Redis is unreachable".
    Exit::Failed
}

/// Whether the error is a refusal or invalid input: nothing was changed, and a rerun of
/// the same command would end the same way.
pub fn is_refusal_or_invalid(err: &anyhow::Error) -> bool {
    matches!(exit_for(err), Exit::Negative | Exit::Usage)
}

/// An error as one line with its context chain and no secrets: how errors are shown,
/// whether on stderr or inside a JSON result.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut text = format!("{err:#}").replace(['\n', '\r'], " ");
    if text.to_ascii_lowercase().contains("noperm") {
        text.push_str(
            "; the ACL user lacks this permission: grant it (docs/connecting.md lists the rule set each subcommand needs)",
        );
    }
    crate::redact::scrub(&text)
}

fn details() -> &'static Mutex<Vec<String>> {
    static DETAILS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    DETAILS.get_or_init(Default::default)
}

/// The one place a command's final error reaches the user: one line, or with `--json`
/// one object `{"version":1,"error":{"kind","message","exit_code","details"}}` carrying
/// the detail lines printed before it.
pub fn print_error(err: &anyhow::Error) {
    let exit = exit_for(err);
    if crate::output::is_json() {
        let details = std::mem::take(&mut *details().lock().expect("details poisoned"));
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            version: u32,
            error: Body<'a>,
        }
        #[derive(serde::Serialize)]
        struct Body<'a> {
            kind: &'a str,
            message: String,
            exit_code: i32,
            details: Vec<String>,
        }
        let doc = serde_json::to_string(&Doc {
            version: crate::output::JSON_VERSION,
            error: Body {
                kind: exit.kind(),
                message: one_line(err),
                exit_code: exit.code(),
                details,
            },
        })
        .expect("strings serialize");
        eprintln!("{doc}");
    } else {
        eprintln!("cachecore: error: {}", one_line(err));
    }
}

/// Why a check answered no (exit 1 without an error): one line each on stderr, also with
/// `--json` (the JSON document on stdout carries the same reasons).
pub fn print_check_failed(text: &str) {
    eprintln!("cachecore: check failed: {}", crate::redact::scrub(text));
}

/// One detail line before a final error (for example each bad line of an input file).
pub fn print_detail(text: &str) {
    if crate::output::is_json() {
        details()
            .lock()
            .expect("details poisoned")
            .push(crate::redact::scrub(text));
    } else {
        eprintln!("cachecore: error: {}", crate::redact::scrub(text));
    }
}

/// Whether the error means the connection itself is unusable (every later command would
/// fail the same way), as opposed to one key or one dep being wrong.
pub fn is_connection_error(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|c| c.downcast_ref::<redis::RedisError>())
        .any(|e| {
            e.is_io_error()
                || e.is_timeout()
                || e.is_connection_dropped()
                || e.is_connection_refusal()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_kind_through_context_layers() {
        let e = invalid("bad id").context("reading input");
        assert_eq!(exit_for(&e), Exit::Usage);
        assert_eq!(exit_for(&refused("cas")), Exit::Negative);
        let r: anyhow::Error = redis::RedisError::from((redis::ErrorKind::Io, "boom")).into();
        assert_eq!(exit_for(&r.context("on key x")), Exit::Redis);
        assert_eq!(Exit::Interrupted.code(), 130);
    }
}

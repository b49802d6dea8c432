//! The Lua scripts, one `.lua` file each under `scripts/` (each says what it does and why
//! it must be one atomic step), and the one way they are run: an EVALSHA in the caller's
//! pipeline, sent by [`Store::send`] like any other command.
//!
//! A server that does not hold a script (the first use, a restart, SCRIPT FLUSH, a
//! failover) answers NOSCRIPT: the command did not run, so `send` loads the scripts named
//! by those replies and sends exactly those commands again, whatever the step's repeat
//! policy. On a cluster SCRIPT LOAD reaches every node (redis-rs routes it to all of them),
//! so any node a script's keys live on has it.

use std::sync::OnceLock;

use redis::{Cmd, Pipeline, RedisError};

#[cfg(doc)]
use super::Store;

/// One script: its text, read at compile time, and its SHA1, computed once.
pub(super) struct Script {
    source: &'static str,
    /// Whether the script calls `entry_tier`, the layout's entry-key rule, which is then
    /// prepended (generated from the layout's constants, so the two cannot drift).
    entry_tier: bool,
    /// Whether the script deletes entries, with `unlink_entry` or after `entry_state` (see
    /// `scripts/unlink_entry.lua`), which is then prepended: every delete of an entry checks
    /// it in the same step.
    unlink_entry: bool,
    compiled: OnceLock<Compiled>,
}

struct Compiled {
    body: String,
    sha: String,
}

/// The checked delete of an entry, prepended to the scripts that delete entries.
const UNLINK_ENTRY: &str = include_str!("scripts/unlink_entry.lua");

impl Script {
    const fn new(source: &'static str) -> Script {
        Script::with(source, false, false)
    }

    const fn with(source: &'static str, entry_tier: bool, unlink_entry: bool) -> Script {
        Script {
            source,
            entry_tier,
            unlink_entry,
            compiled: OnceLock::new(),
        }
    }

    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            let mut body = String::new();
            if self.entry_tier {
                body.push_str(&crate::layout::entry_tier_lua());
            }
            if self.unlink_entry {
                body.push_str(UNLINK_ENTRY);
            }
            body.push_str(self.source);
            let sha = redis::Script::new(&body).get_hash().to_string();
            Compiled { body, sha }
        })
    }

    /// The text sent by SCRIPT LOAD.
    pub(super) fn body(&self) -> &str {
        &self.compiled().body
    }

    pub(super) fn sha(&self) -> &str {
        &self.compiled().sha
    }

    /// Appends a call of this script with `keys` keys to `pipe`; the caller adds the keys,
    /// then the arguments.
    pub(super) fn call<'p>(&self, pipe: &'p mut Pipeline, keys: usize) -> &'p mut Pipeline {
        pipe.cmd("EVALSHA").arg(self.sha()).arg(keys)
    }

    /// A call of this script with `keys` keys as a single command.
    pub(super) fn cmd(&self, keys: usize) -> Cmd {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(self.sha()).arg(keys);
        cmd
    }

    /// The SCRIPT LOAD that makes the server hold this script.
    pub(super) fn load(&self) -> Cmd {
        let mut cmd = redis::cmd("SCRIPT");
        cmd.arg("LOAD").arg(self.body());
        cmd
    }
}

pub(super) static SET_HASH: Script = Script::new(include_str!("scripts/set_hash.lua"));
pub(super) static DETACH: Script = Script::new(include_str!("scripts/detach.lua"));
pub(super) static SWEEP_WAVE: Script =
    Script::with(include_str!("scripts/sweep_wave.lua"), true, true);
pub(super) static PRUNE_PAGE: Script =
    Script::with(include_str!("scripts/prune_page.lua"), true, false);
pub(super) static REPLACE_DEPS: Script = Script::new(include_str!("scripts/replace_deps.lua"));
pub(super) static RETIRE_HASH: Script = Script::new(include_str!("scripts/retire_hash.lua"));
pub(super) static ROLL_POLICY: Script = Script::new(include_str!("scripts/roll_policy.lua"));
pub(super) static UNLINK_ENTRIES: Script =
    Script::with(include_str!("scripts/unlink_entries.lua"), false, true);
pub(super) static GATE: Script = Script::with(include_str!("scripts/gate.lua"), true, true);
pub(super) static SSCAN_HERE: Script = Script::new(include_str!("scripts/sscan_here.lua"));
pub(super) static GATEWAY_LOOKUP: Script = Script::new(include_str!("scripts/gateway_lookup.lua"));
pub(super) static GATEWAY_WRITE: Script = Script::new(include_str!("scripts/gateway_write.lua"));
pub(super) static GATEWAY_UNLOCK: Script = Script::new(include_str!("scripts/gateway_unlock.lua"));

static ALL: [&Script; 13] = [
    &SET_HASH,
    &DETACH,
    &SWEEP_WAVE,
    &PRUNE_PAGE,
    &REPLACE_DEPS,
    &RETIRE_HASH,
    &ROLL_POLICY,
    &UNLINK_ENTRIES,
    &GATE,
    &SSCAN_HERE,
    &GATEWAY_LOOKUP,
    &GATEWAY_WRITE,
    &GATEWAY_UNLOCK,
];

/// The script `cmd` calls, if it is an EVALSHA of one of ours.
pub(super) fn called_by(cmd: &Cmd) -> Option<&'static Script> {
    let mut args = cmd.args_iter().filter_map(|a| match a {
        redis::Arg::Simple(bytes) => Some(bytes),
        _ => None,
    });
    if !args.next()?.eq_ignore_ascii_case(b"EVALSHA") {
        return None;
    }
    let sha = args.next()?;
    ALL.into_iter().find(|s| s.sha().as_bytes() == sha)
}

/// Whether a reply says the server does not hold the script (the command did not run).
pub(super) fn is_noscript(e: &RedisError) -> bool {
    e.code() == Some("NOSCRIPT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_is_known_by_its_call() {
        let mut shas: Vec<&str> = ALL.iter().map(|s| s.sha()).collect();
        shas.sort();
        shas.dedup();
        assert_eq!(shas.len(), ALL.len(), "no two scripts alike");
        for script in ALL {
            let found = called_by(&script.cmd(0)).expect("an EVALSHA of ours");
            assert!(std::ptr::eq(found, script), "{}", script.source);
            assert_eq!(script.sha().len(), 40);
        }
        assert!(called_by(&redis::cmd("GET")).is_none());
    }

    #[test]
    fn the_entry_key_rule_is_prepended_where_it_is_used() {
        for script in ALL {
            let uses = script.source.contains("entry_tier(");
            assert_eq!(uses, script.entry_tier, "{}", script.source);
            assert_eq!(
                script.body().starts_with(&crate::layout::entry_tier_lua()),
                uses,
                "{}",
                script.source
            );
        }
    }

    #[test]
    fn every_script_that_unlinks_an_entry_checks_it_first() {
        for script in ALL {
            let uses =
                script.source.contains("unlink_entry(") || script.source.contains("entry_state(");
            assert_eq!(uses, script.unlink_entry, "{}", script.source);
            assert_eq!(
                script.body().contains(UNLINK_ENTRY),
                uses,
                "{}",
                script.source
            );
        }
        // The check reads the contract's field.
        let field = format!("'HSTRLEN', k, '{}'", crate::layout::FIELD_DEPS);
        assert!(UNLINK_ENTRY.contains(&field), "{UNLINK_ENTRY}");
    }
}

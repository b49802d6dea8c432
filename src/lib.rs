//! `cachecore`: administration of the Cachecore LLM response cache in Redis.
//!
//! The model: the caching proxy stores each response as an *entry* (an L1 exact-match
//! hash `cc:l1:{ns}:{fingerprint}` or an L2 semantic hash `vec:{ns}:{id}`). Each entry
//! declares the *deps* it was built from (`doc:contract-123`, `table:products`) with the
//! dep's *hash* (data version) at the time, plus an automatic policy dep for its
//! namespace. The proxy adds the entry's key to each dep's *dep set*
//! `cc:dep:keys:{dep}`. An entry is *fresh* while every dep's current hash
//! (`cc:dep:hash:{dep}`) is absent or equal to the recorded one. Invalidating a dep
//! records a new hash (making its entries stale at once) and deletes the tagged entries.
//!
//! [`layout`] is that contract, pure and unit-tested; [`store`] is the only code that
//! talks to Redis; [`engine`] holds what the commands do with it (invalidation, bulk
//! waves, purge, prune, verdicts, health checks); `commands` holds one thin module per
//! subcommand; [`service`] holds the long-running ones (`serve`, `consume`) and what
//! they share (`service::http`).
//!
//! Dependencies point one way, down this list, and never back up or around in a cycle
//! (`tests/suite/architecture.rs` checks it):
//!
//! 1. `commands`, `service`, `cli`, `docs`: the surfaces;
//! 2. [`engine`]: what is done (plans in, reports out; never prints);
//! 3. [`store`]: the only Redis speaker (reports events, never prints);
//! 4. [`input`], [`audit`], [`output`], [`error`], [`interrupt`], [`pace`], [`process`]:
//!    shared plumbing;
//! 5. [`layout`], [`bookkeeping`], [`slot`], [`printable`], [`redact`]: pure rules.

pub mod audit;
pub mod bookkeeping;
pub mod cli;
mod commands;
pub mod docs;
pub mod engine;
pub mod error;
pub mod input;
pub mod interrupt;
pub mod layout;
pub mod output;
pub mod pace;
pub mod printable;
pub mod process;
pub mod redact;
pub mod service;
pub mod slot;
pub mod store;

use error::Exit;

/// Runs a parsed command line to completion and returns the exit status. Errors are
/// printed here, once.
pub async fn run(cli: cli::Cli) -> Exit {
    // The sandbox handles its own signals: it must pass them on to the command it runs
    // and always remove its server, so the exit-at-once on a second signal is not for it.
    // `serve` handles its signals itself: the first one shuts it down gracefully (exit 0).
    let interrupt = match cli.command {
        cli::Command::Sandbox(_) | cli::Command::Serve(_) | cli::Command::Gateway(_) => {
            interrupt::Interrupt::default()
        }
        _ => interrupt::Interrupt::install(),
    };
    match commands::run(cli, interrupt).await {
        Ok(exit) => exit,
        Err(err) => {
            error::print_error(&err);
            error::exit_for(&err)
        }
    }
}

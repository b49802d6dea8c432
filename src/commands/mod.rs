//! One module per subcommand, each with a `run` that returns the exit status.

mod deps;
mod entry;
mod invalidate;

use anyhow::Result;

use crate::cli::{Cli, Command, DEFAULT_REDIS_URL, DepsCommand};
use crate::error::Exit;
use crate::interrupt::Interrupt;
use crate::output::Output;
use crate::store::{ConnectOptions, Store};

/// What every command gets: how to reach Redis, how to print, and the interrupt flag.
pub struct Context {
    pub connect: ConnectOptions,
    pub out: Output,
    pub interrupt: Interrupt,
}

impl Context {
    pub fn new(cli: &Cli, interrupt: Interrupt) -> Context {
        // clap reads CACHECORE_REDIS_URL; REDIS_URL is the conventional fallback.
        let url = cli
            .global
            .redis_url
            .clone()
            .or_else(|| std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| DEFAULT_REDIS_URL.to_string());
        Context {
            connect: ConnectOptions {
                url,
                timeout: cli.global.timeout,
            },
            out: Output {
                json: cli.global.json,
                quiet: cli.global.quiet,
            },
            interrupt,
        }
    }

    pub async fn store(&self) -> Result<Store> {
        Store::connect(&self.connect).await
    }
}

pub async fn run(cli: Cli, interrupt: Interrupt) -> Result<Exit> {
    let ctx = Context::new(&cli, interrupt);
    match cli.command {
        Command::Invalidate(args) => invalidate::run(&ctx, args).await,
        Command::Deps(DepsCommand::Inspect(args)) => deps::inspect(&ctx, args).await,
        Command::Entry(args) => entry::run(&ctx, args).await,
    }
}

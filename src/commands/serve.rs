//! `cachecore serve`: flags -> settings -> the HTTP service.

use anyhow::Result;

use super::Context;
use crate::cli::ServeArgs;
use crate::error::Exit;
use crate::pace::Pacer;
use crate::service::http::Limits;
use crate::service::serve::{DrainSettings, Settings, run as serve};

pub async fn run(ctx: &Context, args: ServeArgs) -> Result<Exit> {
    let settings = Settings {
        listen: args.listen,
        tls: args.listen_cert.zip(args.listen_key),
        drains: DrainSettings {
            budget: args.drain_budget,
            batch_size: args.pace.batch_size as usize,
            pipeline_depth: args.pace.pipeline as usize,
            pacer: args
                .pace
                .rate
                .map_or_else(Pacer::unlimited, Pacer::per_second),
        },
        rate_limit: args.rate_limit,
        auth_failure_limit: args.auth_failure_limit,
        limits: Limits {
            header_timeout: args.header_timeout,
            body_timeout: args.body_timeout,
            max_connections: args.max_connections as usize,
        },
    };
    serve(settings, ctx.connect.clone()).await
}

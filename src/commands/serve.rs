//! `cachecore serve`: flags -> settings -> the HTTP service.

use anyhow::Result;

use super::Context;
use crate::cli::ServeArgs;
use crate::error::{Exit, invalid};
use crate::pace::Pacer;
use crate::service::http::Limits;
use crate::service::serve::jwt::{JwtAuth, SECRET_ENV};
use crate::service::serve::tokens::Scope;
use crate::service::serve::{AuthSettings, DrainSettings, Settings, run as serve};

pub async fn run(ctx: &Context, args: ServeArgs) -> Result<Exit> {
    serve(settings(args)?, ctx.connect.clone()).await
}

/// serve's settings from its flags (the gateway's too, which takes every one of them).
pub fn settings(args: ServeArgs) -> Result<Settings> {
    let anonymous_scopes = args
        .anonymous_scopes
        .iter()
        .map(|s| Scope::parse(s).map_err(|e| invalid(format!("--anonymous-scope: {e}"))))
        .collect::<Result<Vec<Scope>>>()?;
    // Read here, not by clap: clap would show the value in --help.
    let jwt = JwtAuth::configure(
        args.jwt_secret_file.as_deref(),
        std::env::var_os(SECRET_ENV),
        &args.jwt_scopes,
    )?;
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
        auth: AuthSettings {
            anonymous_scopes,
            anonymous_rate_limit: args.anonymous_rate_limit,
            jwt,
        },
        anonymous_on_public_listener: args.anonymous_on_public_listener,
    };
    Ok(settings)
}

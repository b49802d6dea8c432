//! `cachecore gateway`: flags -> settings -> the caching proxy (issue 25).

use anyhow::Result;

use super::Context;
use crate::cli::GatewayArgs;
use crate::error::{Exit, invalid};
use crate::service::gateway::{Settings, run};

/// Where the upstream key comes from when no file is given.
pub const KEY_ENV: &str = "CACHECORE_UPSTREAM_KEY";

pub async fn run_gateway(ctx: &Context, args: GatewayArgs) -> Result<Exit> {
    let upstream_key = upstream_key(
        args.upstream_key_file.as_deref(),
        std::env::var(KEY_ENV).ok(),
    )?;
    crate::redact::register_secret(&upstream_key);
    let settings = Settings {
        upstream: args.upstream,
        upstream_key,
        upstream_timeout: args.upstream_timeout,
        fresh: args.fresh_ttl,
        stale: args.stale_window,
        coalesce_wait: args.coalesce_wait,
        bypass_rate_limit: args.bypass_rate_limit,
        redis_timeout: args.redis_timeout,
    };
    let api = super::serve::settings(args.serve)?;
    run(api, settings, ctx.connect.clone()).await
}

/// The key from the file, else the environment; never from argv, where any user of the
/// machine can read it in the process list.
fn upstream_key(file: Option<&std::path::Path>, env: Option<String>) -> Result<String> {
    let key = match (file, env) {
        (Some(path), _) => std::fs::read_to_string(path).map_err(|e| {
            invalid(format!(
                "--upstream-key-file {}: cannot read it: {e}",
                path.display()
            ))
        })?,
        (None, Some(k)) => k,
        (None, None) => {
            return Err(invalid(format!(
                "the upstream key is missing: give --upstream-key-file FILE or set {KEY_ENV}"
            )));
        }
    };
    let key = key
        .strip_suffix('\n')
        .unwrap_or(&key)
        .trim_end_matches('\r')
        .to_string();
    if key.is_empty() {
        return Err(invalid(
            "the upstream key is empty (--upstream-key-file or CACHECORE_UPSTREAM_KEY)",
        ));
    }
    Ok(key)
}

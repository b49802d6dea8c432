//! The flags of `cachecore gateway` (issue 25): serve's, plus the upstream and the cache
//! windows.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::parse_duration;
use super::serve::ServeArgs;

pub const GATEWAY_HELP: &str = "\
Routes, beside every route of `cachecore serve` (same credentials, same flags):
  POST /v1/chat/completions   cached (non-streamed and streamed); other /v1/ routes are
                              forwarded uncached. The client's Authorization and
                              X-Cachecore-* headers never reach the upstream; the upstream
                              key (--upstream-key-file or CACHECORE_UPSTREAM_KEY) is sent.
Request headers:
  X-Cachecore-Token: <token>  the credential (wins over Authorization); a token's namespace
                              comes from `token create --namespace`, a JWT's from tenant_id.
                              An Authorization that is not a cachecore credential (the
                              OpenAI SDK's api_key) counts as none: BYPASS.
  X-Cachecore-Deps            base64url of [{\"dep_id\", \"expected_hash\"?}] (400 if malformed)
  X-Cachecore-Coalesce: off   do not wait for an identical request in flight
Response headers: X-Cache (HIT_L1 | HIT_L1_STALE | MISS | BYPASS), X-Cache-Age (s),
  X-Cache-Similarity (1.00 on hits), X-Cache-Refused (why a found entry was not served).";

#[derive(Debug, Args)]
pub struct GatewayArgs {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// The OpenAI-compatible base URL requests go to, e.g. https://api.openai.com/v1.
    #[arg(long, value_name = "URL", env = "CACHECORE_UPSTREAM")]
    pub upstream: String,

    /// The upstream's API key, read from this file (a final newline is dropped). Else the
    /// environment variable CACHECORE_UPSTREAM_KEY; never a flag value.
    #[arg(long, value_name = "FILE")]
    pub upstream_key_file: Option<PathBuf>,

    /// How long the upstream may take to send its response head, and then its whole
    /// non-streamed body.
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = parse_duration)]
    pub upstream_timeout: Duration,

    /// How long an entry is served as HIT_L1.
    #[arg(long, value_name = "DURATION", default_value = "3000s", value_parser = parse_duration)]
    pub fresh_ttl: Duration,

    /// After --fresh-ttl, how long an entry is still served (HIT_L1_STALE) while one
    /// background refresh runs. The entry's TTL is the sum.
    #[arg(long, value_name = "DURATION", default_value = "600s", value_parser = parse_duration)]
    pub stale_window: Duration,

    /// How long identical concurrent misses wait for the first one's entry before going
    /// upstream themselves.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub coalesce_wait: Duration,

    /// Requests without a cachecore credential (BYPASS) per second per client address.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub bypass_rate_limit: u32,

    /// The longest any Redis step of a request may take; past it the request goes on
    /// uncached (the cache fails open).
    #[arg(long, value_name = "DURATION", default_value = "250ms", value_parser = parse_duration)]
    pub redis_timeout: Duration,
}

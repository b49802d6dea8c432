//! The flags of `cachecore serve` and `cachecore token` (issue 14), beside the other clap
//! definitions. Doc comments are the help text, man pages and completions.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::{DeletePace, parse_duration};

/// The API as `cachecore serve --help` shows it (the README has it with examples).
pub const SERVE_API_HELP: &str = "\
Endpoints (JSON in and out; every document carries \"version\": 1; ? marks an optional field):
  POST /v1/invalidate                     {\"dep_id\", \"new_hash\"?, \"if_hash\"?, \"soft\"?, \"reason\"?}
                                          200 the `invalidate --json` result with \"ok\" and
                                          \"keys_deleted\" when the drain ends within
                                          --drain-budget; else 202 with a job URL (the new hash,
                                          generated when omitted, is recorded before either)
                                          dep_id cc:policy-version:NS rolls NS's policy to
                                          new_hash (bare cc:policy-version: the caller's one
                                          policy:NS namespace)
  POST /v1/invalidate_many                {\"dep_ids\": [...], \"new_hash\"?, \"reason\"?}: one result
                                          per dep (ok, dep_id, error); 200 only if every dep is done
  POST /v1/namespaces/{ns}/policy/roll    {\"to\"?}: the rules of `policy roll`
  GET  /v1/deps/{dep_id}                  the `deps inspect --json` document
  GET  /v1/jobs/{id}                      a 202's drain: draining or done (read from Redis)
  GET  /healthz, /health                  200 while the process runs
  GET  /readyz                            200 when Redis answers PING, else 503
  GET  /metrics                           Prometheus text format

Authentication, on every /v1/ route: X-Cachecore-Token: <token> when present (it is then
the credential, valid or not), otherwise Authorization: Bearer <token>. A token is one of
`cachecore token create`, or an HS256 JWT (eyJ..., or cc_live_....eyJ...) when
--jwt-scope is given. No credential: 401, or the --anonymous-scope scopes when given.
A caller may only touch deps its scopes match (dep-id globs with * and ?) and roll the
policies of its policy:NS scopes.

Errors (a JSON body {\"version\", \"error\", \"field\"?, \"message\"}; nothing is changed):
  400  malformed body, unknown field, or invalid dep id or hash (\"field\" names it)
  401  missing, unknown or expired credential  403  dep or namespace outside the scopes
  404  no such route or job               409  if_hash refused, or a refused policy roll
  408  body slower than --body-timeout    413  body over 1 MiB
  429  over --rate-limit or --anonymous-rate-limit, or this address over
       --auth-failure-limit (Retry-After given)
  503  Redis unreachable, or over --max-connections (health checks only)

Logs: one JSON line per request on stderr (route, status, dep, duration_ms, caller name;
never a token, a JWT or the JWT secret). SIGTERM or Ctrl-C: stop accepting, finish
in-flight requests, exit 0; drains still running are left to the next start of any
replica, which finishes them.";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (host:port; port 0 picks a free one, logged at start).
    #[arg(
        long,
        env = "CACHECORE_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,

    /// Serve HTTPS with this PEM certificate chain (with --listen-key). Distinct from
    /// --tls-cert, which is the client certificate for Redis.
    #[arg(long, value_name = "PATH", requires = "listen_key")]
    pub listen_cert: Option<PathBuf>,

    /// The PEM private key of --listen-cert.
    #[arg(long, value_name = "PATH", requires = "listen_cert")]
    pub listen_key: Option<PathBuf>,

    /// How long POST /v1/invalidate waits for the drain before answering 202 with a job
    /// URL (the drain then goes on in the background).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub drain_budget: Duration,

    /// Requests per second each token may make on this replica (a token bucket holding
    /// one second's worth); more are answered 429.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,

    /// Failed authentications (401) per second each client address may make (a bucket
    /// holding one second's worth); more are answered 429 before any Redis round trip.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub auth_failure_limit: u32,

    /// How long a connection may wait for a complete request head: from accept (TLS
    /// handshake included), and between requests on a kept-alive connection. Then it is
    /// closed.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,

    /// How long a request body may take to arrive once its head is in; then 408 and the
    /// connection is closed.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Client connections open at once. At the limit the longest-idle connection is closed
    /// for a new one; with none idle, 32 more are let in for health checks only. Lowered at
    /// start to fit the open-file limit (which serve raises to its hard limit).
    #[arg(long, value_name = "N", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// What requests without any credential may do, repeatable (the token scope language:
    /// a dep-id glob, or policy:NS). Off by default. For the product's client library, whose
    /// invalidate sends no credential. Refused on a listener other hosts can reach unless
    /// --anonymous-on-public-listener is given too.
    #[arg(long = "anonymous-scope", value_name = "PATTERN")]
    pub anonymous_scopes: Vec<String>,

    /// Acknowledges that --anonymous-scope applies on a non-loopback --listen: anyone who
    /// can connect may invalidate what those scopes match.
    #[arg(long, requires = "anonymous_scopes")]
    pub anonymous_on_public_listener: bool,

    /// Anonymous requests per second per client address (a bucket holding one second's
    /// worth); more are answered 429. High enough for the client library's invalidate_many,
    /// which sends one request per dep, all at once.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub anonymous_rate_limit: u32,

    /// Accept the product's HS256 JWTs (eyJ... or cc_live_....eyJ..., with an exp claim and
    /// a tenant_id of A-Z a-z 0-9 _ . -) and grant them these scopes, repeatable. Needs the
    /// secret: --jwt-secret-file, or the environment variable CACHECORE_JWT_SECRET (never a
    /// flag value, which any user can read in the process list).
    #[arg(long = "jwt-scope", value_name = "PATTERN")]
    pub jwt_scopes: Vec<String>,

    /// The HS256 secret of the product's JWTs, read from this file (a final newline is
    /// dropped; at least 32 bytes).
    #[arg(long, value_name = "FILE")]
    pub jwt_secret_file: Option<PathBuf>,

    #[command(flatten)]
    pub pace: DeletePace,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once (only its SHA-256 is stored).
    Create(TokenCreateArgs),
    /// Every token: name, scopes, created, last used (never the secret).
    List,
    /// Revoke a token: every replica refuses it from the next request on.
    Revoke(TokenNameArg),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub name: TokenNameArg,

    /// What the token may do, repeatable: a dep-id glob (`doc:*`, `table:products`,
    /// `user:?42`; `*` and `?` only) allows invalidating and reading matching deps;
    /// `policy:NS` (or a glob like `policy:*`) allows rolling that namespace's policy.
    /// Optional with --namespace: a token for the gateway only.
    #[arg(
        long = "scope",
        value_name = "PATTERN",
        required_unless_present = "namespace"
    )]
    pub scopes: Vec<String>,

    /// The namespace `cachecore gateway` caches this token's requests in (1-64 of
    /// A-Z a-z 0-9 _ . -); `default` when not given.
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// This token's own fresh window in `cachecore gateway` (whole seconds, e.g. 300s or
    /// 1h), instead of the gateway's --fresh-ttl: the per-credential override a JWT's
    /// `fresh_ttl_secs` claim gives.
    #[arg(long, value_name = "DURATION", value_parser = parse_window)]
    pub fresh_ttl: Option<u64>,

    /// This token's own stale window in `cachecore gateway` (whole seconds), instead of the
    /// gateway's --stale-window (a JWT's `stale_window_secs`).
    #[arg(long, value_name = "DURATION", value_parser = parse_window)]
    pub stale_window: Option<u64>,
}

/// The longest window a token may carry: an entry's TTL is fresh + stale, and a year is
/// far past any answer anyone should be served.
const MAX_WINDOW_SECS: u64 = 366 * 24 * 3600;

/// A token's window: a duration of whole seconds, 1 s to a year.
fn parse_window(text: &str) -> Result<u64, String> {
    let d = parse_duration(text).map_err(|e| e.replace("the timeout", "a window"))?;
    if d.subsec_nanos() != 0 {
        return Err("a window is whole seconds (e.g. 90s, 5m, 1h)".into());
    }
    if d.as_secs() > MAX_WINDOW_SECS {
        return Err("at most 366 days".into());
    }
    Ok(d.as_secs())
}

#[derive(Debug, Args)]
pub struct TokenNameArg {
    /// The token's name (1-64 of A-Z a-z 0-9 _ . -), shown in logs and the audit trail.
    #[arg(value_name = "NAME")]
    pub name: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_help_lines_fit_a_terminal() {
        for line in super::SERVE_API_HELP.lines() {
            assert!(line.chars().count() <= 100, "{line}");
        }
    }
}

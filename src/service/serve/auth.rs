//! Who is calling (issues 14, 22, 24). One credential per request, chosen in this order:
//!
//! 1. `X-Cachecore-Token`, when present, is THE credential: a value that does not verify
//!    is 401, never a fall-back to the next form;
//! 2. otherwise `Authorization: Bearer`;
//! 3. otherwise the caller is anonymous when `--anonymous-scope` is configured, else 401.
//!
//! A credential is a token of `cachecore token create` (looked up in Redis) or an HS256
//! JWT in the product's forms (verified with the operator's secret, see [`super::jwt`]).
//! Every 401 is charged to the client address's failure budget, and an address over it is
//! answered 429 before any Redis round trip.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode, header};

use super::api::{ApiError, ClientAddr, LogFields};
use super::jwt::jwt_part;
use super::state::App;
use super::tokens::{self, Kind, Principal};
use crate::store::Store;

/// The product's alternative to `Authorization: Bearer` (header names are case-insensitive).
pub const TOKEN_HEADER: &str = "x-cachecore-token";

/// The caller, then its rate limit. An address that keeps failing is answered 429 before
/// any Redis round trip: a 401 would otherwise cost one lookup each, and cost nothing to
/// send.
pub async fn authenticate(
    app: &App,
    client: ClientAddr,
    headers: &HeaderMap,
    log: &mut LogFields,
) -> Result<(Principal, Store), ApiError> {
    let address = client.0.ip().to_string();
    if let Err(wait) = app.auth_failures.check(&address, Instant::now()) {
        app.metrics.auth_failures_limited();
        return Err(retry_after(
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_auth_failures",
                format!(
                    "too many failed authentications from this address (over --auth-failure-limit); retry after {} ms with a valid token; nothing was changed",
                    wait.as_millis()
                ),
            ),
            wait,
        ));
    }
    let found = identify(app, headers, log).await;
    if let Err(e) = &found
        && e.status == StatusCode::UNAUTHORIZED
    {
        let _ = app.auth_failures.admit(&address, Instant::now());
    }
    let (principal, store) = found?;
    log.token = Some(principal.name.clone());
    log.auth = Some(principal.kind);
    let admitted = match principal.kind {
        // Anonymous callers share no name: their bucket is their address's.
        Kind::Anonymous => app.anonymous_limiter.admit(&address, Instant::now()),
        Kind::Token | Kind::Jwt => app.limiter.admit(&principal.name, Instant::now()),
    };
    if let Err(wait) = admitted {
        let over = match principal.kind {
            Kind::Anonymous => {
                "anonymous requests from this address are over --anonymous-rate-limit".into()
            }
            _ => format!(
                "{} is over its rate limit on this server",
                principal.describe()
            ),
        };
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "{over}; retry after {} ms; nothing was changed",
                wait.as_millis()
            ),
        );
        return Err(retry_after(err, wait));
    }
    let store = match store {
        Some(store) => store,
        None => app.redis.store().await?,
    };
    Ok((principal, store))
}

pub fn retry_after(mut err: ApiError, wait: Duration) -> ApiError {
    err.retry_after_secs = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
    err
}

fn missing(why: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "missing_token",
        format!(
            "{why}: send Authorization: Bearer <token> or X-Cachecore-Token: <token> (make one with `cachecore token create`)"
        ),
    )
}

/// Every credential that does not verify gets this one answer, whatever the reason (the
/// server's log has the reason): nothing tells a guesser how close it came.
pub(crate) fn unknown(log: &mut LogFields, why: &'static str) -> ApiError {
    log.auth_failure = Some(why);
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unknown_token",
        "the token is unknown, revoked or expired, or does not verify",
    )
}

/// The credential the request presents, by the precedence above; `None` for none.
pub(crate) fn presented<'h>(
    headers: &'h HeaderMap,
    log: &mut LogFields,
) -> Result<Option<&'h str>, ApiError> {
    let mut given = headers.get_all(TOKEN_HEADER).iter();
    if let Some(value) = given.next() {
        if given.next().is_some() {
            return Err(unknown(log, "several_token_headers"));
        }
        let value = value
            .to_str()
            .map_err(|_| unknown(log, "token_header_not_text"))?;
        return Ok(Some(value.trim()));
    }
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| missing("the Authorization header is not text"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(Some(token.trim())),
        _ => Err(missing("Authorization is not `Bearer <token>`")),
    }
}

/// The caller the request stands for, and a Redis connection when one was needed for it.
async fn identify(
    app: &App,
    headers: &HeaderMap,
    log: &mut LogFields,
) -> Result<(Principal, Option<Store>), ApiError> {
    let Some(credential) = presented(headers, log)? else {
        if app.auth.anonymous_scopes.is_empty() {
            return Err(missing("no credential"));
        }
        let principal = Principal {
            name: "anonymous".into(),
            scopes: app.auth.anonymous_scopes.clone(),
            kind: Kind::Anonymous,
            namespace: None,
        };
        return Ok((principal, None));
    };
    if let Some(jwt) = jwt_part(credential) {
        let Some(auth) = &app.auth.jwt else {
            return Err(unknown(log, "jwt_not_configured"));
        };
        let tenant = auth.verify(jwt).map_err(|r| unknown(log, r.word()))?;
        let principal = Principal {
            name: format!("jwt:{tenant}"),
            scopes: auth.scopes.clone(),
            kind: Kind::Jwt,
            namespace: Some(tenant),
        };
        return Ok((principal, None));
    }
    // Not our shape: no round trip for it.
    if !credential.starts_with(tokens::TOKEN_PREFIX) || credential.len() > 256 {
        return Err(unknown(log, "token_unknown"));
    }
    let mut store = app.redis.store().await?;
    let started = Instant::now();
    let found = tokens::verify(&mut store, credential).await;
    app.metrics
        .redis_round_trip("token_lookup", started.elapsed());
    match found {
        Ok(Some(p)) => Ok((p, Some(store))),
        Ok(None) => Err(unknown(log, "token_unknown")),
        Err(e) => {
            app.redis.failed(&e).await;
            Err(ApiError::from_failure(&e, "authorization"))
        }
    }
}

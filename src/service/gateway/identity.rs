//! Who a chat request is from, and so which namespace it is cached in (issue 25, item 2).
//! The credential forms are `serve`'s (X-Cachecore-Token wins, then Authorization Bearer),
//! with one difference the OpenAI SDK forces: it always sends its `api_key` as
//! `Authorization: Bearer …` (the product's docs set it to "ignored"), so an Authorization
//! value that is not shaped as a cachecore credential counts as none: BYPASS. A value that
//! is shaped as ours and does not verify is 401, in either header.

use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};

use super::Gateway;
use crate::layout::Namespace;
use crate::service::serve::App;
use crate::service::serve::api::{ApiError, ClientAddr, LogFields};
use crate::service::serve::auth::{TOKEN_HEADER, presented, retry_after, unknown};
use crate::service::serve::jwt::{Grant, jwt_part};
use crate::service::serve::tokens::{self, Kind};

/// The outcome: a namespace to cache in, or no caching at all.
#[derive(Debug, Clone)]
pub enum Caller {
    Cached {
        ns: Namespace,
        /// For the log: a token's name or `jwt:TENANT`.
        name: String,
        kind: Kind,
        /// A JWT's own windows and expiry (the product's per-tenant overrides).
        grant: Option<Grant>,
    },
    /// No credential: forwarded, never read from or written to the cache.
    Bypass,
    /// Redis could not be asked about a token: forwarded uncached (the cache fails open).
    RedisDown,
}

/// Whether `value` has the shape of a cachecore credential this gateway would check.
fn ours(app: &App, value: &str) -> bool {
    value.starts_with(tokens::TOKEN_PREFIX) || (app.auth.jwt.is_some() && jwt_part(value).is_some())
}

pub async fn identify(
    gw: &Gateway,
    client: ClientAddr,
    headers: &HeaderMap,
    log: &mut LogFields,
) -> Result<Caller, ApiError> {
    let app = &gw.app;
    let address = client.0.ip().to_string();
    if let Err(wait) = app.auth_failures.check(&address, Instant::now()) {
        return Err(retry_after(
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_auth_failures",
                format!(
                    "too many failed authentications from this address (over --auth-failure-limit); retry after {} ms with a valid token",
                    wait.as_millis()
                ),
            ),
            wait,
        ));
    }
    let from_token_header = headers.contains_key(TOKEN_HEADER);
    let credential = match presented(headers, log) {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(Caller::Bypass),
        // An Authorization that is not `Bearer x` is not ours: someone else's scheme.
        Err(_) if !from_token_header => return Ok(Caller::Bypass),
        Err(e) => return Err(charge(app, &address, e)),
    };
    if !from_token_header && !ours(app, credential) {
        return Ok(Caller::Bypass);
    }
    let found = verify(gw, credential, log).await;
    match found {
        Err(e) if e.status == StatusCode::UNAUTHORIZED => Err(charge(app, &address, e)),
        other => other,
    }
}

fn charge(app: &App, address: &str, e: ApiError) -> ApiError {
    let _ = app.auth_failures.admit(address, Instant::now());
    e
}

async fn verify(gw: &Gateway, credential: &str, log: &mut LogFields) -> Result<Caller, ApiError> {
    let app = &gw.app;
    if let Some(jwt) = jwt_part(credential) {
        let Some(auth) = &app.auth.jwt else {
            return Err(unknown(log, "jwt_not_configured"));
        };
        let grant = auth.verify_grant(jwt).map_err(|r| unknown(log, r.word()))?;
        let tenant = grant.tenant.clone();
        // The namespace rule is stricter than the tenant-name rule only in length.
        let ns = Namespace::parse(&tenant).map_err(|_| unknown(log, "tenant_not_a_namespace"))?;
        return Ok(Caller::Cached {
            ns,
            name: format!("jwt:{tenant}"),
            kind: Kind::Jwt,
            grant: Some(grant),
        });
    }
    if !credential.starts_with(tokens::TOKEN_PREFIX) || credential.len() > 256 {
        return Err(unknown(log, "token_unknown"));
    }
    // Bounded and skipped while Redis is known to be away, like every Redis step here.
    let Some(mut store) = gw.store().await else {
        return Ok(Caller::RedisDown);
    };
    let bounded = tokio::time::timeout(
        gw.settings.redis_timeout,
        tokens::verify(&mut store, credential),
    )
    .await
    .unwrap_or_else(|_| {
        Err(anyhow::anyhow!(
            "the token lookup took longer than --redis-timeout"
        ))
    });
    match bounded {
        Ok(Some(p)) => {
            let ns = p
                .namespace
                .as_deref()
                .unwrap_or(crate::layout::DEFAULT_NAMESPACE);
            let ns = Namespace::parse(ns).map_err(|_| unknown(log, "token_namespace_invalid"))?;
            Ok(Caller::Cached {
                ns,
                name: p.name,
                kind: Kind::Token,
                grant: None,
            })
        }
        Ok(None) => Err(unknown(log, "token_unknown")),
        Err(e) => {
            gw.redis_failed(&crate::error::one_line(&e)).await;
            Ok(Caller::RedisDown)
        }
    }
}

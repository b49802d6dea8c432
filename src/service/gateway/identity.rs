//! Who a chat request is from, and so which namespace it is cached in (issue 25, item 2).
//! The credential forms are `serve`'s (X-Cachecore-Token wins, then Authorization Bearer),
//! with one difference the OpenAI SDK forces: it always sends its `api_key` as
//! `Authorization: Bearer …` (the product's docs set it to "ignored"), so an Authorization
//! value that is not shaped as a cachecore credential counts as none: BYPASS. A value that
//! is shaped as ours and does not verify is 401, in either header.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};

use super::Gateway;
use crate::layout::Namespace;
use crate::service::serve::App;
use crate::service::serve::api::{ApiError, ClientAddr, LogFields};
use crate::service::serve::auth::{TOKEN_HEADER, presented, retry_after, unknown};
use crate::service::serve::jwt::{Grant, jwt_part};
use crate::service::serve::tokens::{self, Kind};
use crate::store::TokenRecord;

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
    /// A stored token, not looked up yet: the chat lookup reads it in its own step (one
    /// round trip for both); other routes [`resolve`] it first.
    Token {
        /// The token's lookup key (its SHA-256's record).
        lookup_key: String,
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
    let found = verify(gw, credential, log);
    match found {
        Err(e) if e.status == StatusCode::UNAUTHORIZED => Err(charge(app, &address, e)),
        other => other,
    }
}

/// Counts a failed authentication against the client's address.
pub fn charge(app: &App, address: &str, e: ApiError) -> ApiError {
    let _ = app.auth_failures.admit(address, Instant::now());
    e
}

/// Looks a [`Caller::Token`] up on its own (one round trip): for requests the chat lookup
/// does not answer (other routes, a refused header, a body that is not JSON).
pub async fn resolve(
    gw: &Gateway,
    client: ClientAddr,
    caller: Caller,
    log: &mut LogFields,
) -> Result<Caller, ApiError> {
    let Caller::Token { lookup_key } = caller else {
        return Ok(caller);
    };
    let Some(mut store) = gw.store().await else {
        return Ok(Caller::RedisDown);
    };
    let found = tokio::time::timeout(gw.settings.redis_timeout, store.token_record(&lookup_key))
        .await
        .unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "the token lookup took longer than --redis-timeout"
            ))
        });
    match found {
        Ok(record) => from_record(gw, client, record, log),
        Err(e) => {
            gw.redis_failed(&crate::error::one_line(&e)).await;
            Ok(Caller::RedisDown)
        }
    }
}

/// The caller a token's stored record names (`None`: no such token, a 401 charged to the
/// client's address): its namespace, and its own windows when it was made with them.
pub fn from_record(
    gw: &Gateway,
    client: ClientAddr,
    record: Option<TokenRecord>,
    log: &mut LogFields,
) -> Result<Caller, ApiError> {
    let fail =
        |log: &mut LogFields, why| charge(&gw.app, &client.0.ip().to_string(), unknown(log, why));
    let Some(r) = record else {
        return Err(fail(log, "token_unknown"));
    };
    let ns = r
        .namespace
        .as_deref()
        .unwrap_or(crate::layout::DEFAULT_NAMESPACE);
    let Ok(ns) = Namespace::parse(ns) else {
        return Err(fail(log, "token_namespace_invalid"));
    };
    let grant = (r.fresh_ttl_secs.is_some() || r.stale_window_secs.is_some()).then(|| Grant {
        tenant: ns.to_string(),
        fresh_ttl_secs: r.fresh_ttl_secs,
        stale_window_secs: r.stale_window_secs,
        exp: None,
    });
    Ok(Caller::Cached {
        ns,
        name: r.name,
        kind: Kind::Token,
        grant,
    })
}

fn verify(gw: &Gateway, credential: &str, log: &mut LogFields) -> Result<Caller, ApiError> {
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
    Ok(Caller::Token {
        lookup_key: tokens::lookup_key(credential),
    })
}

/// The namespace of each stored token this process has verified, so that its next request
/// can be looked up by plain reads (a hit's peek names the entry's key before the token's
/// record comes back). Only a hint: the peek reads the record again in the same round
/// trip, and a record that names another namespace is followed. A token's namespace is
/// written once, by `token create`. Only tokens that verified are remembered, so unknown
/// tokens cannot fill it; when it is full it starts again empty.
#[derive(Default)]
pub struct Namespaces(Mutex<HashMap<String, Namespace>>);

/// Most tokens remembered (some 100 bytes each).
const REMEMBERED: usize = 10_000;

impl Namespaces {
    pub fn of(&self, lookup_key: &str) -> Option<Namespace> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(lookup_key).cloned()
    }

    pub fn remember(&self, lookup_key: &str, ns: &Namespace) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= REMEMBERED {
            map.clear();
        }
        map.insert(lookup_key.to_string(), ns.clone());
    }
}

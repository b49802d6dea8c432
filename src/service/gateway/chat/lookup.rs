//! The chat request's lookups. The first one also answers who the caller is (a stored
//! token's namespace is read in the same step) and, on a miss, takes the coalescing lock:
//! a hit costs one Redis round trip, and a miss one before its upstream call. Later
//! lookups of the same request (a refused entry's second look, a follower's polls) know
//! the namespace.

use std::sync::Arc;

use super::super::Gateway;
use super::super::identity::{Caller, from_record, resolve};
use super::{Cacheable, Trace};
use crate::layout::Namespace;
use crate::service::serve::api::{ApiError, ClientAddr, LogFields};
use crate::service::serve::jwt::Grant;
use crate::store::{Found, Lookup, LookupFor, TokenFound};

/// Who the first lookup found the caller to be, and what it read.
pub struct First {
    pub ns: Namespace,
    pub grant: Option<Grant>,
    /// `found.locked`: the lookup took the coalescing lock it was asked for.
    pub found: Found,
}

/// The first lookup of a request whose caller is `Caller::Cached` (namespace known) or
/// `Caller::Token` (read here), taking the coalescing lock `lock` (key prefix, value,
/// expiry ms) on a miss. `Ok(None)`: Redis is away, go on uncached; `Err`: the token does
/// not verify (401, charged to the client's address).
#[allow(clippy::too_many_arguments)]
pub async fn first(
    gw: &Arc<Gateway>,
    client: ClientAddr,
    caller: Caller,
    fingerprint: &str,
    declared: &[&str],
    lock: Option<(&str, &str, u64)>,
    log: &mut LogFields,
    trace: &mut Trace,
) -> Result<Option<First>, ApiError> {
    let mut store = match gw.store().await {
        Some(s) if s.is_standalone() => s,
        Some(s) => {
            drop(s);
            // A token is still checked (401 when it does not verify), on its own.
            let caller = resolve(gw, client, caller, log).await?;
            note(trace, &caller);
            return Ok(cluster_unsupported(gw));
        }
        None => return Ok(None),
    };
    let who = match &caller {
        Caller::Token { lookup_key } => LookupFor::Token(lookup_key),
        Caller::Cached { ns, .. } => LookupFor::Namespace(ns.as_str()),
        Caller::Bypass | Caller::RedisDown => return Ok(None),
    };
    let q = Lookup {
        who,
        fingerprint,
        declared,
        always: false,
        lock,
    };
    let Some(mut found) = gw.bounded(store.gateway_lookup(&q)).await else {
        return Ok(None);
    };
    let caller = match (std::mem::take(&mut found.token), caller) {
        (TokenFound::Found(record), _) => from_record(gw, client, Some(record), log)?,
        (TokenFound::Unknown, _) => from_record(gw, client, None, log)?,
        (TokenFound::NotAsked, caller) => caller,
    };
    note(trace, &caller);
    let Caller::Cached { ns, grant, .. } = caller else {
        return Ok(None);
    };
    // (A token whose stored namespace is unusable is refused above; a lock its lookup took
    // sits under a key no valid request uses, until it expires.)
    Ok(Some(First { ns, grant, found }))
}

/// Records who the caller is in the request's trace (its log line).
pub fn note(trace: &mut Trace, caller: &Caller) {
    if let Caller::Cached { ns, name, kind, .. } = caller {
        trace.caller = Some(name.clone());
        trace.auth = Some(kind.word());
        trace.ns = Some(ns.to_string());
    }
}

/// Reads the entry and the deps' current hashes again; `None` when Redis is away (fail
/// open). The request's own deps are read only when there is no entry, or when `always`.
pub async fn again(gw: &Gateway, req: &Cacheable, always: bool) -> Option<Found> {
    let mut store = gw.store().await?;
    if !store.is_standalone() {
        return cluster_unsupported(gw).map(|f| f.found);
    }
    let declared: Vec<&str> = req.declared.iter().map(|d| d.id.as_str()).collect();
    let q = Lookup {
        who: LookupFor::Namespace(req.ns.as_str()),
        fingerprint: &req.fingerprint,
        declared: &declared,
        always,
        lock: None,
    };
    gw.bounded(store.gateway_lookup(&q)).await
}

/// The one-step lookup reads keys named inside the entry (and the token), which a cluster
/// refuses in a script: on a cluster the gateway forwards uncached (documented).
fn cluster_unsupported(gw: &Gateway) -> Option<First> {
    gw.metrics.not_written("cluster_unsupported");
    None
}

//! The chat request's lookups. The first one also answers who the caller is. When the
//! namespace is known (a JWT's tenant, or a token seen before), it is a peek: plain commands
//! in one round trip, with no script (a hit costs Redis a quarter of what the lookup script
//! does): the token's record, the entry and the request's deps, and, for a request this
//! process has not seen cached ([`Likely`]), the coalescing lock before the entry. Otherwise,
//! and whenever a peek finds an entry it cannot judge or refuses, the lookup script reads a
//! stored token's namespace, the entry and its own deps in one step and, on a miss, takes
//! the lock in the same step. Later lookups of the same request (a refused entry's second
//! look, a follower's polls) use the script with the namespace known.

use std::hash::Hasher as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::super::Gateway;
use super::super::identity::{Caller, from_record, resolve};
use super::lock::Lock;
use super::{Cacheable, Trace};
use crate::layout::Namespace;
use crate::service::serve::api::{ApiError, ClientAddr, LogFields};
use crate::service::serve::jwt::Grant;
use crate::store::{Found, Lookup, LookupFor, Peek, Store, TokenFound};

/// Who the first lookup found the caller to be, and what it read.
pub struct First {
    pub ns: Namespace,
    pub grant: Option<Grant>,
    /// `found.locked`: the lookup took the coalescing lock it was asked for.
    pub found: Found,
    /// `found` is a peek's: served if the verdict is a hit; a miss when it found no entry
    /// and `lock_asked` (or no lock was wanted); else the lookup script is run ([`again`]).
    pub peeked: bool,
    /// The peek asked for the coalescing lock.
    pub lock_asked: bool,
    /// The coalescing lock this lookup took (`found.locked`), released when dropped.
    pub held: Option<Lock>,
}

/// The first lookup of a request whose caller is `Caller::Cached` (namespace known) or
/// `Caller::Token` (read here): a peek when the namespace is known (`First::peeked`; it
/// takes the coalescing lock `lock` (key prefix, value, expiry ms) for a request not seen
/// cached), else the lookup script, taking the lock on a miss. `Ok(None)`: Redis is away, go on uncached; `Err`: the token does
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
    let caller = match peek(
        gw,
        client,
        caller,
        &mut store,
        (fingerprint, declared),
        lock,
        log,
        trace,
    )
    .await?
    {
        Peeked::Done(first) => return Ok(first),
        Peeked::NotAnswered(caller) => caller,
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
    gw.metrics.lookup("script");
    let Some(mut found) = gw.bounded(store.gateway_lookup(&q)).await else {
        return Ok(None);
    };
    let caller = identified(gw, client, &mut found, caller, None, log)?;
    note(trace, &caller);
    let Caller::Cached { ns, grant, .. } = caller else {
        return Ok(None);
    };
    // (A token whose stored namespace is unusable is refused above; a lock its lookup took
    // sits under a key no valid request uses, until it expires.)
    let held = taken(gw, &found, lock, &ns, fingerprint);
    Ok(Some(First {
        ns,
        grant,
        found,
        peeked: false,
        lock_asked: lock.is_some(),
        held,
    }))
}

/// The coalescing lock `lock` as a guard, when the lookup that found `found` took it.
pub fn taken(
    gw: &Arc<Gateway>,
    found: &Found,
    lock: Option<(&str, &str, u64)>,
    ns: &Namespace,
    fingerprint: &str,
) -> Option<Lock> {
    let (prefix, value, _) = lock.filter(|_| found.locked)?;
    Some(Lock::held(
        gw,
        format!("{prefix}{}", ns.l1_key(fingerprint)),
        value.to_string(),
    ))
}

/// What a peek came to. (Returned once per request: boxing `First` would cost an
/// allocation per hit to save a move.)
#[allow(clippy::large_enum_variant)]
enum Peeked {
    /// It read the caller's entry (`None`: Redis is away, or the caller is not cached).
    Done(Option<First>),
    /// Not the caller's entry: the namespace was not known, or a token's record names
    /// another than the one remembered (rewritten by hand). The lookup script reads it.
    NotAnswered(Caller),
}

/// The peek (see [`Store::gateway_peek`]) of a caller whose namespace is known: a JWT's,
/// or a token's that was remembered when it last verified. A request this process has not
/// seen cached is likely a miss: its peek also takes the coalescing lock `lock`, so that a
/// miss, too, is one round trip with no script. A lock taken for a caller the peek does not
/// answer (a 401, a record naming another namespace) is released.
#[allow(clippy::too_many_arguments)]
async fn peek(
    gw: &Arc<Gateway>,
    client: ClientAddr,
    caller: Caller,
    store: &mut Store,
    (fingerprint, declared): (&str, &[&str]),
    lock: Option<(&str, &str, u64)>,
    log: &mut LogFields,
    trace: &mut Trace,
) -> Result<Peeked, ApiError> {
    let (ns, token) = match &caller {
        Caller::Cached { ns, .. } => (ns.clone(), None),
        Caller::Token { lookup_key } => match gw.token_namespaces.of(lookup_key) {
            Some(ns) => (ns, Some(lookup_key.as_str())),
            None => return Ok(Peeked::NotAnswered(caller)),
        },
        Caller::Bypass | Caller::RedisDown => return Ok(Peeked::Done(None)),
    };
    let lock = if gw.likely.cached(&ns, fingerprint) {
        None
    } else {
        lock
    };
    gw.metrics.lookup("peek");
    let q = Peek {
        token,
        ns: &ns,
        fingerprint,
        declared,
        lock,
    };
    let Some(mut found) = gw.bounded(store.gateway_peek(&q)).await else {
        return Ok(Peeked::Done(None));
    };
    // Released when dropped: here unless the peek answers its caller.
    let held = taken(gw, &found, lock, &ns, fingerprint);
    let caller = identified(gw, client, &mut found, caller, Some(&ns), log)?;
    note(trace, &caller);
    Ok(match caller {
        Caller::Cached {
            ns: named, grant, ..
        } if named == ns => Peeked::Done(Some(First {
            ns,
            grant,
            found,
            peeked: true,
            lock_asked: lock.is_some(),
            held,
        })),
        Caller::Cached { .. } => Peeked::NotAnswered(caller),
        _ => Peeked::Done(None),
    })
}

/// The caller a lookup found: the token record it read (its namespace remembered for the
/// next peek unless that is `remembered` already, or a 401), else `caller` as it was.
fn identified(
    gw: &Gateway,
    client: ClientAddr,
    found: &mut Found,
    caller: Caller,
    remembered: Option<&Namespace>,
    log: &mut LogFields,
) -> Result<Caller, ApiError> {
    let record = match std::mem::take(&mut found.token) {
        TokenFound::Found(record) => Some(record),
        TokenFound::Unknown => None,
        TokenFound::NotAsked => return Ok(caller),
    };
    let identified = from_record(gw, client, record, log)?;
    if let (Caller::Token { lookup_key }, Caller::Cached { ns, .. }) = (&caller, &identified)
        && remembered != Some(ns)
    {
        gw.token_namespaces.remember(lookup_key, ns);
    }
    Ok(identified)
}

/// Records who the caller is in the request's trace (its log line).
pub fn note(trace: &mut Trace, caller: &Caller) {
    if let Caller::Cached { ns, name, kind, .. } = caller {
        trace.caller = Some(name.clone());
        trace.auth = Some(kind.word());
        trace.ns = Some(ns.to_string());
    }
}

/// Reads the entry and the deps' current hashes again, by the lookup script, taking the
/// coalescing lock `lock` on a miss; `None` when Redis is away (fail open). The request's
/// own deps are read only when there is no entry, or when `always`.
pub async fn again(
    gw: &Gateway,
    req: &Cacheable,
    always: bool,
    lock: Option<(&str, &str, u64)>,
) -> Option<Found> {
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
        lock,
    };
    gw.metrics.lookup("script");
    gw.bounded(store.gateway_lookup(&q)).await
}

/// The one-step lookup reads keys named inside the entry (and the token), which a cluster
/// refuses in a script: on a cluster the gateway forwards uncached (documented).
fn cluster_unsupported(gw: &Gateway) -> Option<First> {
    gw.metrics.not_written("cluster_unsupported");
    None
}

/// Which requests this process has seen cached (answered as a hit, or written), by
/// namespace and fingerprint: their peeks only read, every other one's peek also takes the
/// coalescing lock (given back if it finds a hit). So a hit costs no lock and a miss no
/// extra round trip, in the common cases. Only a choice of lookup: either one judges the
/// entry by the same rule. Lossy and bounded: a slot per 2^16 hashes, overwritten by the
/// next request that lands on it, so a request whose slot was taken takes (and gives back)
/// the lock once more.
pub struct Likely(Box<[AtomicU64]>);

const SLOTS: usize = 1 << 16;

impl Default for Likely {
    fn default() -> Self {
        Likely((0..SLOTS).map(|_| AtomicU64::new(0)).collect())
    }
}

impl Likely {
    fn slot(&self, ns: &Namespace, fingerprint: &str) -> (&AtomicU64, u64) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        h.write(ns.as_str().as_bytes());
        h.write_u8(b':');
        h.write(fingerprint.as_bytes());
        let tag = h.finish() | 1;
        (&self.0[tag as usize % SLOTS], tag)
    }

    pub fn cached(&self, ns: &Namespace, fingerprint: &str) -> bool {
        let (slot, tag) = self.slot(ns, fingerprint);
        slot.load(Ordering::Relaxed) == tag
    }

    pub fn seen_cached(&self, ns: &Namespace, fingerprint: &str) {
        let (slot, tag) = self.slot(ns, fingerprint);
        // Read first: every hit comes here, and a write would move the cache line
        // between cores.
        if slot.load(Ordering::Relaxed) != tag {
            slot.store(tag, Ordering::Relaxed);
        }
    }
}

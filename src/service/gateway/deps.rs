//! `X-Cachecore-Deps`: what a request says its answer depends on (issue 25, item 4). The
//! product's client sends base64url without padding of compact JSON
//! `[{"dep_id": "doc:contract-123", "expected_hash": "v1"}]`; padding is accepted too. A
//! header that cannot be read whole is refused before anything is forwarded: caching an
//! answer under fewer deps than its application declared would serve it after they change.

use std::borrow::Cow;
use std::hash::BuildHasher as _;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use serde::Deserialize;

use crate::layout::{DepId, validate_hash, write_deps_of};

pub const DEPS_HEADER: &str = "x-cachecore-deps";

/// A dep the request declared: `hash` is its `expected_hash`, `None` when not given (then
/// the dep's current hash when the request started is recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub id: DepId,
    pub hash: Option<String>,
}

/// A parsed header: its deps, and what an entry written for them records when every one
/// declares its hash.
#[derive(Debug, PartialEq, Eq)]
pub struct Declaration {
    deps: Vec<Declared>,
    field_prefix: Option<Vec<u8>>,
}

impl Declaration {
    pub fn new(deps: Vec<Declared>) -> Declaration {
        let field_prefix = deps.iter().all(|d| d.hash.is_some()).then(|| {
            let mut field = write_deps_of(deps.iter().map(|d| (d.id.as_str(), d.hash.as_deref())));
            // `[a,b]` -> `[a,b,`: what comes before the policy dep's element.
            field.pop();
            if !deps.is_empty() {
                field.push(b',');
            }
            field
        });
        Declaration { deps, field_prefix }
    }

    /// The `deps` field an entry written for these deps at their declared hashes holds,
    /// up to the policy dep's element (`[` and each element with its `,`): a hit's check
    /// compares it instead of writing the field again (see `verdict::written_as_read`).
    /// `None` when a dep declares no hash: the hash recorded for it is the one read.
    pub fn field_prefix(&self) -> Option<&[u8]> {
        self.field_prefix.as_deref()
    }

    /// The same deps, as if some had no declared hash (tests of the general path).
    #[cfg(test)]
    pub fn without_prefix(deps: Vec<Declared>) -> Declaration {
        Declaration {
            deps,
            field_prefix: None,
        }
    }
}

impl std::ops::Deref for Declaration {
    type Target = [Declared];
    fn deref(&self) -> &[Declared] {
        &self.deps
    }
}

// Borrowed from the decoded header where no escape forces a copy: every hit parses it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire<'a> {
    #[serde(borrow)]
    dep_id: Cow<'a, str>,
    #[serde(default, borrow)]
    expected_hash: Option<Cow<'a, str>>,
}

/// Most deps one request may declare: each is a GET in the lookup and a SADD in the write.
pub const MAX_DEPS: usize = 256;

/// Parses the header's value; the error names what is wrong, for a 400.
pub fn parse(value: &[u8]) -> Result<Vec<Declared>, String> {
    // Bytes, not text: base64url refuses any byte outside its alphabet.
    let mut text = value.trim_ascii();
    while let [rest @ .., b'='] = text {
        text = rest;
    }
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| format!("X-Cachecore-Deps is not base64url: {e}"))?;
    let wire: Vec<Wire> = serde_json::from_slice(&raw).map_err(|e| {
        format!("X-Cachecore-Deps is not a JSON array of {{\"dep_id\", \"expected_hash\"}}: {e}")
    })?;
    if wire.len() > MAX_DEPS {
        return Err(format!(
            "X-Cachecore-Deps declares {} deps, over the limit of {MAX_DEPS}",
            wire.len()
        ));
    }
    let mut out: Vec<Declared> = Vec::with_capacity(wire.len());
    for (i, w) in wire.into_iter().enumerate() {
        let id = DepId::parse_user(&w.dep_id)
            .map_err(|e| format!("X-Cachecore-Deps[{i}].dep_id: {e}"))?;
        if let Some(h) = &w.expected_hash {
            validate_hash(h).map_err(|e| format!("X-Cachecore-Deps[{i}].expected_hash: {e}"))?;
        }
        if let Some(prev) = out.iter().find(|d| d.id == id) {
            if prev.hash.as_deref() != w.expected_hash.as_deref() {
                return Err(format!(
                    "X-Cachecore-Deps declares {} twice with different hashes",
                    id
                ));
            }
            continue;
        }
        out.push(Declared {
            id,
            hash: w.expected_hash.map(Cow::into_owned),
        });
    }
    Ok(out)
}

/// Headers already parsed, by their bytes. A client sends the same `X-Cachecore-Deps`
/// with every request that reads the same data, and parsing it (base64, UTF-8, JSON, the
/// dep-id rule) is half of what a declared dep costs a hit: some 2.5k instructions a dep
/// (`bench/gateway_cost.py`). Lossy and bounded: a header may sit in either of two slots
/// its hash picks (so two busy headers that share one slot do not evict each other for
/// the life of the process), and a new one takes an empty one of the two, else one of
/// them; the bytes are compared, so a collision costs a parse, never another header's
/// deps. The hasher's keys are random, so a client cannot aim its headers at another's
/// slots. Only headers that parse are kept.
pub struct Memo {
    slots: Box<[Mutex<Option<Parsed>>]>,
    keys: std::collections::hash_map::RandomState,
}

/// A header's bytes and what they parse to.
type Parsed = (Box<[u8]>, Arc<Declaration>);

/// 256 slots of headers up to 4 KiB (a 40-dep header is about 3 KiB): at most about
/// 5 MiB with their parsed deps (a 4 KiB header of 190 one-letter ids parses to some
/// 15 KiB), against the RSS bound of issue 25's 30 MB.
const MEMO_SLOTS: usize = 256;
const MEMO_MAX_BYTES: usize = 4096;

impl Default for Memo {
    fn default() -> Self {
        Memo::with_slots(MEMO_SLOTS)
    }
}

impl Memo {
    fn with_slots(n: usize) -> Memo {
        Memo {
            slots: (0..n).map(|_| Mutex::new(None)).collect(),
            keys: Default::default(),
        }
    }

    /// [`parse`], answered from the memo when these bytes were parsed before.
    pub fn parse(&self, value: &[u8]) -> Result<Arc<Declaration>, String> {
        let parsed = |v| parse(v).map(|deps| Arc::new(Declaration::new(deps)));
        if value.len() > MEMO_MAX_BYTES {
            return parsed(value);
        }
        let hash = self.keys.hash_one(value);
        let n = self.slots.len() as u64;
        let two = [
            &self.slots[(hash % n) as usize],
            &self.slots[((hash >> 32) % n) as usize],
        ];
        for slot in two {
            if let Some((bytes, deps)) = &*lock(slot)
                && **bytes == *value
            {
                return Ok(deps.clone());
            }
        }
        let deps = parsed(value)?;
        // An empty one of the two, else the one a bit of the hash names.
        let slot = match two.iter().find(|s| lock(s).is_none()) {
            Some(empty) => empty,
            None => two[(hash >> 63) as usize],
        };
        *lock(slot) = Some((value.into(), deps.clone()));
        Ok(deps)
    }
}

/// A slot, whatever a panic elsewhere left in it: every value it holds is whole.
fn lock(slot: &Mutex<Option<Parsed>>) -> std::sync::MutexGuard<'_, Option<Parsed>> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(json: &str, pad: bool) -> Vec<u8> {
        let e = if pad {
            base64::engine::general_purpose::URL_SAFE
        } else {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
        };
        e.encode(json).into_bytes()
    }

    #[test]
    fn the_clients_encoding_is_read_with_or_without_padding() {
        let json = r#"[{"dep_id":"doc:contract-123","expected_hash":"v1"},{"dep_id":"t:x"}]"#;
        for pad in [false, true] {
            let mut value = b" ".to_vec();
            value.extend(enc(json, pad));
            value.push(b'\t');
            let d = parse(&value).unwrap();
            assert_eq!(d.len(), 2);
            assert_eq!(d[0].id.as_str(), "doc:contract-123");
            assert_eq!(d[0].hash.as_deref(), Some("v1"));
            assert_eq!(d[1].hash, None);
        }
    }

    #[test]
    fn malformed_headers_name_what_is_wrong() {
        let err = |v: &[u8]| parse(v).unwrap_err();
        assert!(err(b"%%%").contains("base64url"));
        assert!(err(b"W3t9XQ\xff").contains("base64url"));
        assert!(err(b"W3t9X=Q").contains("base64url"));
        assert!(err(&enc("{}", false)).contains("JSON array"));
        assert!(err(&enc(r#"[{"dep_id":"a b"}]"#, false)).contains("[0].dep_id"));
        assert!(err(&enc(r#"[{"dep_id":"cc:policy-version:x"}]"#, false)).contains("[0].dep_id"));
        assert!(
            err(&enc(r#"[{"dep_id":"a","expected_hash":""}]"#, false)).contains("expected_hash")
        );
        assert!(err(&enc(r#"[{"dep_id":"a","hash":"v1"}]"#, false)).contains("hash"));
        assert!(
            err(&enc(
                r#"[{"dep_id":"a","expected_hash":"1"},{"dep_id":"a","expected_hash":"2"}]"#,
                false
            ))
            .contains("twice")
        );
    }

    #[test]
    fn the_memo_answers_as_parse_does_whatever_shares_its_slots() {
        let a = enc(r#"[{"dep_id":"doc:a","expected_hash":"v1"}]"#, false);
        let b = enc(
            r#"[{"dep_id":"doc:b"},{"dep_id":"table:x","expected_hash":"v9"}]"#,
            true,
        );
        let bad = enc(r#"[{"dep_id":"a b"}]"#, false);
        let mut long = b" ".repeat(MEMO_MAX_BYTES);
        long.extend(&a);
        // One slot: every header lands on it, each evicting the one before; two: a third
        // header always evicts one of the others.
        for memo in [Memo::with_slots(1), Memo::with_slots(2), Memo::default()] {
            for _ in 0..3 {
                for v in [&a, &b, &long] {
                    assert_eq!(*memo.parse(v).unwrap(), Declaration::new(parse(v).unwrap()));
                }
                // Refused every time, and never kept in place of a good one.
                assert_eq!(memo.parse(&bad).unwrap_err(), parse(&bad).unwrap_err());
                assert_eq!(
                    *memo.parse(&b).unwrap(),
                    Declaration::new(parse(&b).unwrap())
                );
            }
        }
        let memo = Memo::with_slots(1);
        memo.parse(&a).unwrap();
        // The same deps as a's but other bytes: compared by bytes, not by hash.
        let a2 = enc(r#"[{"dep_id":"doc:a","expected_hash":"v2"}]"#, false);
        assert_eq!(memo.parse(&a2).unwrap()[0].hash.as_deref(), Some("v2"));
    }

    #[test]
    fn a_declaration_writes_its_field_up_to_the_policy_dep_once() {
        let d = |id: &str, hash: Option<&str>| Declared {
            id: DepId::parse(id).unwrap(),
            hash: hash.map(String::from),
        };
        let both = Declaration::new(vec![d("doc:1", Some("v1")), d("t:\"x", Some("2"))]);
        assert_eq!(
            both.field_prefix(),
            Some(&br#"[{"id":"doc:1","hash":"v1"},{"id":"t:\"x","hash":"2"},"#[..])
        );
        assert_eq!(Declaration::new(vec![]).field_prefix(), Some(&b"["[..]));
        assert_eq!(
            Declaration::new(vec![d("doc:1", Some("v1")), d("doc:2", None)]).field_prefix(),
            None
        );
    }
}

//! `X-Cachecore-Deps`: what a request says its answer depends on (issue 25, item 4). The
//! product's client sends base64url without padding of compact JSON
//! `[{"dep_id": "doc:contract-123", "expected_hash": "v1"}]`; padding is accepted too. A
//! header that cannot be read whole is refused before anything is forwarded: caching an
//! answer under fewer deps than its application declared would serve it after they change.

use std::borrow::Cow;

use base64::Engine as _;
use serde::Deserialize;

use crate::layout::{DepId, validate_hash};

pub const DEPS_HEADER: &str = "x-cachecore-deps";

/// A dep the request declared: `hash` is its `expected_hash`, `None` when not given (then
/// the dep's current hash when the request started is recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub id: DepId,
    pub hash: Option<String>,
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
}

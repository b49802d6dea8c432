//! The Redis layout contract with the caching proxy (`shared/redis-layout.md`).
//!
//! Everything the proxy and `cachecore` must agree on lives here and nowhere else: key
//! names, the entry `deps` field, dep-id / namespace / hash rules, the freshness rule and
//! the canonical-JSON fingerprint. Pure: no I/O, so every rule is unit-tested directly.

use std::fmt;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const L1_PREFIX: &str = "cc:l1:";
pub const L2_PREFIX: &str = "vec:";
pub const DEP_KEYS_PREFIX: &str = "cc:dep:keys:";
pub const DEP_HASH_PREFIX: &str = "cc:dep:hash:";
pub const POLICY_DEP_PREFIX: &str = "cc:policy-version:";
/// Dep ids under this prefix belong to the system; ordinary invalidation refuses them.
pub const RESERVED_PREFIX: &str = "cc:";
pub const DEFAULT_NAMESPACE: &str = "default";
/// A namespace whose policy hash key is absent is at this version.
pub const DEFAULT_POLICY_VERSION: &str = "1";

pub const FIELD_BODY: &str = "body";
pub const FIELD_DEPS: &str = "deps";
pub const FIELD_CREATED_AT: &str = "created_at";
pub const FIELD_EMBEDDING: &str = "embedding";

pub const MAX_DEP_ID_BYTES: usize = 512;
pub const MAX_HASH_BYTES: usize = 256;
pub const MAX_NAMESPACE_CHARS: usize = 64;

/// Why a dep id, namespace or hash was refused. Callers branch on it only to pick the
/// exit code (all are invalid input), so the message carries the detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("invalid dep id {id:?}: {reason}")]
    DepId { id: String, reason: &'static str },
    #[error(
        "dep id {id:?} is reserved: ids starting with `cc:` belong to the system (use `cachecore policy` for policy versions)"
    )]
    ReservedDepId { id: String },
    #[error("invalid namespace {ns:?}: {reason}")]
    Namespace { ns: String, reason: &'static str },
    #[error("invalid hash {hash:?}: {reason}")]
    Hash { hash: String, reason: &'static str },
}

/// Invisible format characters (Unicode category Cf: zero-width space, byte-order mark,
/// bidirectional overrides, ...) print like nothing, so an id holding one looks like
/// another id: the contract forbids them.
pub fn is_format_char(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    c.general_category() == GeneralCategory::Format
}

fn format_char_reason(c: char) -> &'static str {
    match c {
        '\u{feff}' => "it contains U+FEFF (a byte-order mark, invisible)",
        '\u{200b}' => "it contains U+200B (a zero-width space, invisible)",
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            "it contains a bidirectional control character (invisible; it reorders how the id prints)"
        }
        _ => "it contains an invisible format character (Unicode category Cf)",
    }
}

/// A syntactically valid dep id (it may be reserved; see [`DepId::parse_user`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DepId(String);

impl DepId {
    /// Any valid dep id, including the system's reserved `cc:` ids.
    pub fn parse(id: &str) -> Result<DepId, LayoutError> {
        let bad = |reason| {
            Err(LayoutError::DepId {
                id: id.to_string(),
                reason,
            })
        };
        if id.is_empty() {
            return bad("it is empty");
        }
        if id.len() > MAX_DEP_ID_BYTES {
            return bad("it is longer than 512 bytes");
        }
        if id.chars().any(char::is_whitespace) {
            return bad("it contains whitespace");
        }
        if id.chars().any(char::is_control) {
            return bad("it contains a control character");
        }
        if let Some(c) = id.chars().find(|&c| is_format_char(c)) {
            return Err(LayoutError::DepId {
                id: id.to_string(),
                reason: format_char_reason(c),
            });
        }
        Ok(DepId(id.to_string()))
    }

    /// A dep id an operator may invalidate or tag with: valid and not reserved.
    pub fn parse_user(id: &str) -> Result<DepId, LayoutError> {
        let dep = DepId::parse(id)?;
        if dep.is_reserved() {
            return Err(LayoutError::ReservedDepId { id: id.to_string() });
        }
        Ok(dep)
    }

    /// The automatic policy dep every entry of `ns` ends with.
    pub fn policy(ns: &Namespace) -> DepId {
        DepId(format!("{POLICY_DEP_PREFIX}{}", ns.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_reserved(&self) -> bool {
        self.0.starts_with(RESERVED_PREFIX)
    }

    /// `cc:dep:keys:{id}`: the set of entry keys that declared this dep.
    pub fn keys_key(&self) -> String {
        format!("{DEP_KEYS_PREFIX}{}", self.0)
    }

    /// `cc:dep:hash:{id}`: the dep's current hash.
    pub fn hash_key(&self) -> String {
        format!("{DEP_HASH_PREFIX}{}", self.0)
    }
}

impl fmt::Display for DepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 1 to 64 characters of `A-Z a-z 0-9 _ . -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace(String);

impl Namespace {
    pub fn parse(ns: &str) -> Result<Namespace, LayoutError> {
        let bad = |reason| {
            Err(LayoutError::Namespace {
                ns: ns.to_string(),
                reason,
            })
        };
        if ns.is_empty() {
            return bad("it is empty");
        }
        if ns.len() > MAX_NAMESPACE_CHARS {
            return bad("it is longer than 64 characters");
        }
        if !ns.bytes().all(is_namespace_byte) {
            return bad("only A-Z a-z 0-9 _ . - are allowed");
        }
        Ok(Namespace(ns.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `cc:l1:{ns}:{fingerprint}`
    pub fn l1_key(&self, fingerprint: &str) -> String {
        format!("{L1_PREFIX}{}:{fingerprint}", self.0)
    }

    /// `vec:{ns}:{id}`
    pub fn l2_key(&self, id: &str) -> String {
        format!("{L2_PREFIX}{}:{id}", self.0)
    }
}

impl Default for Namespace {
    fn default() -> Self {
        Namespace(DEFAULT_NAMESPACE.to_string())
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_namespace_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The namespace whose policy version `key` records, if `key` is a policy hash record
/// (`cc:dep:hash:cc:policy-version:{ns}`).
pub fn policy_hash_namespace(key: &[u8]) -> Option<Namespace> {
    let rest = key
        .strip_prefix(DEP_HASH_PREFIX.as_bytes())?
        .strip_prefix(POLICY_DEP_PREFIX.as_bytes())?;
    Namespace::parse(std::str::from_utf8(rest).ok()?).ok()
}

/// A data version: non-empty UTF-8, at most 256 bytes, no control characters.
pub fn validate_hash(hash: &str) -> Result<(), LayoutError> {
    let bad = |reason| {
        Err(LayoutError::Hash {
            hash: hash.to_string(),
            reason,
        })
    };
    if hash.is_empty() {
        return bad("it is empty");
    }
    if hash.len() > MAX_HASH_BYTES {
        return bad("it is longer than 256 bytes");
    }
    if hash.chars().any(char::is_control) {
        return bad("it contains a control character");
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Tier {
    L1,
    L2,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::L1 => "L1",
            Tier::L2 => "L2",
        })
    }
}

/// A Redis key that has the shape of an entry key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryKey {
    pub tier: Tier,
    pub namespace: Namespace,
}

/// Recognises `cc:l1:{ns}:{64 lowercase hex}` and `vec:{ns}:{id}`.
///
/// Dep sets are written by another program; anything in them that is not shaped like an
/// entry key is never deleted, so a corrupted or hostile member cannot make an
/// invalidation remove an unrelated key.
pub fn parse_entry_key(key: &[u8]) -> Option<EntryKey> {
    let (tier, rest) = if let Some(rest) = key.strip_prefix(L1_PREFIX.as_bytes()) {
        (Tier::L1, rest)
    } else if let Some(rest) = key.strip_prefix(L2_PREFIX.as_bytes()) {
        (Tier::L2, rest)
    } else {
        return None;
    };
    let colon = rest.iter().position(|&b| b == b':')?;
    let (ns, id) = (&rest[..colon], &rest[colon + 1..]);
    let namespace = Namespace::parse(std::str::from_utf8(ns).ok()?).ok()?;
    let id_ok = match tier {
        Tier::L1 => id.len() == 64 && id.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        Tier::L2 => !id.is_empty(),
    };
    id_ok.then_some(EntryKey { tier, namespace })
}

/// [`parse_entry_key`]'s rule as a Lua function `entry_tier(key)` returning 1 (L1),
/// 2 (L2) or 0, for scripts that must tell entries from other members server-side. Built
/// from the same constants; a test runs both over one corpus on a real server.
pub fn entry_tier_lua() -> String {
    let ns = "([A-Za-z0-9_%.%-]+)";
    let hex = "[0-9a-f]".repeat(64);
    format!(
        r#"local function entry_tier(m)
  local ns = string.match(m, '^{l1}{ns}:{hex}$')
  if ns and #ns <= {max} then return 1 end
  ns = string.match(m, '^{l2}{ns}:.')
  if ns and #ns <= {max} then return 2 end
  return 0
end
"#,
        l1 = lua_literal_pattern(L1_PREFIX),
        l2 = lua_literal_pattern(L2_PREFIX),
        max = MAX_NAMESPACE_CHARS,
    )
}

/// Escapes Lua pattern magic characters so `s` matches only itself.
fn lua_literal_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "^$()%.[]*+-?".contains(c) {
            out.push('%');
        }
        out.push(c);
    }
    out
}

/// One element of an entry's `deps` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepRecord {
    pub id: String,
    pub hash: Option<String>,
}

impl DepRecord {
    pub fn is_policy(&self) -> bool {
        self.id.starts_with(POLICY_DEP_PREFIX)
    }
}

/// Why an entry's `deps` field cannot be trusted. Such an entry is never fresh.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepsError {
    #[error("the deps field is missing")]
    Missing,
    #[error("the deps field is not valid UTF-8")]
    NotUtf8,
    #[error("the deps field is not valid JSON: {0}")]
    NotJson(String),
    #[error("the deps field is not a JSON array")]
    NotArray,
    #[error("deps[{index}] {reason}")]
    Element { index: usize, reason: String },
    #[error("the deps field does not end with the policy dep {expected:?}")]
    NoPolicyDep { expected: String },
}

/// Parses an entry's `deps` field: a JSON array of `{"id": string, "hash": string|null}`.
/// Unknown extra fields are tolerated so a newer proxy can add some.
pub fn parse_deps(raw: &[u8]) -> Result<Vec<DepRecord>, DepsError> {
    let text = std::str::from_utf8(raw).map_err(|_| DepsError::NotUtf8)?;
    let value: Value = serde_json::from_str(text).map_err(|e| DepsError::NotJson(e.to_string()))?;
    // serde_json keeps the last of a repeated key silently: a writer's `"id"` given twice
    // would be judged by one of them. Such a field cannot be trusted.
    serde_json::from_str::<NoDuplicateKeys>(text).map_err(|e| DepsError::NotJson(e.to_string()))?;
    let Value::Array(items) = value else {
        return Err(DepsError::NotArray);
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let bad = |reason: String| DepsError::Element { index, reason };
            let Value::Object(mut obj) = item else {
                return Err(bad("is not an object".into()));
            };
            let id = match obj.remove("id") {
                Some(Value::String(id)) => id,
                Some(_) => return Err(bad("has an id that is not a string".into())),
                None => return Err(bad("has no id".into())),
            };
            DepId::parse(&id).map_err(|e| bad(format!("has an {e}")))?;
            let hash = match obj.remove("hash") {
                Some(Value::String(h)) => Some(h),
                Some(Value::Null) => None,
                Some(_) => return Err(bad("has a hash that is neither a string nor null".into())),
                None => return Err(bad("has no hash field".into())),
            };
            Ok(DepRecord { id, hash })
        })
        .collect()
}

/// Deserializes any JSON, failing on an object that repeats a key (at any depth).
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<NoDuplicateKeys, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<NoDuplicateKeys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "the key {key:?} appears twice in one object"
                )));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }
}

/// Parses `deps` and checks that it ends with `ns`'s policy dep, as every entry must; an
/// entry without it would survive a policy roll, so it is treated as corrupt.
pub fn parse_entry_deps(raw: Option<&[u8]>, ns: &Namespace) -> Result<Vec<DepRecord>, DepsError> {
    let deps = parse_deps(raw.ok_or(DepsError::Missing)?)?;
    let expected = DepId::policy(ns);
    match deps.last() {
        Some(last) if last.id == expected.as_str() => Ok(deps),
        _ => Err(DepsError::NoPolicyDep {
            expected: expected.as_str().to_string(),
        }),
    }
}

/// Writes a `deps` field exactly as the proxy does.
pub fn write_deps(deps: &[DepRecord]) -> String {
    serde_json::to_string(deps).expect("a list of strings always serialises")
}

/// The outcome of the freshness rule for one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// `dep` is the first dep (in declaration order) whose current hash differs from the
    /// recorded one; `current` is the effective current value (the policy default applied).
    Stale {
        dep: String,
        recorded: Option<String>,
        current: String,
    },
}

impl Freshness {
    pub fn is_fresh(&self) -> bool {
        matches!(self, Freshness::Fresh)
    }
}

/// The freshness rule. `current(id)` is the value of `cc:dep:hash:{id}` (`None` when the
/// key is absent). An absent current hash never makes an entry stale, except for the policy
/// dep, whose absent value means version "1".
pub fn freshness<'a, F>(deps: &[DepRecord], current: F) -> Freshness
where
    F: Fn(&str) -> Option<&'a str>,
{
    for dep in deps {
        let now = match (current(&dep.id), dep.is_policy()) {
            (Some(now), _) => now,
            (None, true) => DEFAULT_POLICY_VERSION,
            (None, false) => continue,
        };
        if dep.hash.as_deref() != Some(now) {
            return Freshness::Stale {
                dep: dep.id.clone(),
                recorded: dep.hash.clone(),
                current: now.to_string(),
            };
        }
    }
    Freshness::Fresh
}

/// Why a request could not be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid request JSON at byte {offset}: {reason}")]
pub struct JsonError {
    pub offset: usize,
    pub reason: &'static str,
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_JSON_DEPTH: usize = 128;

/// The request's canonical JSON: object keys sorted by code point, no insignificant
/// whitespace, strings escaped minimally, numbers exactly as written.
///
/// Parsed from the text by hand because a JSON library's value type normalises numbers
/// (serde_json turns `1E+2` into `1e+2`, or `1.50` into `1.5`), which would change the
/// fingerprint. A repeated object key keeps its last value, as JSON parsers commonly do.
pub fn canonical_json(text: &str) -> Result<String, JsonError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    let node = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    let mut out = String::with_capacity(text.len());
    node.write(&mut out);
    Ok(out)
}

/// Lowercase hex SHA-256 of the request's canonical JSON: the L1 key's `{fingerprint}`.
pub fn fingerprint(request_json: &str) -> Result<String, JsonError> {
    Ok(hex::encode(Sha256::digest(
        canonical_json(request_json)?.as_bytes(),
    )))
}

enum Node<'a> {
    Object(Vec<(String, Node<'a>)>),
    Array(Vec<Node<'a>>),
    String(String),
    /// A number, `true`, `false` or `null`, copied verbatim.
    Raw(&'a str),
}

impl Node<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Node::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
            Node::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Node::String(s) => write_json_string(s, out),
            Node::Raw(raw) => out.push_str(raw),
        }
    }
}

/// Minimal escaping: `"`, `\\` and control characters only (serde_json's rules).
fn write_json_string(s: &str, out: &mut String) {
    out.push_str(&serde_json::to_string(s).expect("a str always serialises"));
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, reason: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            reason,
        }
    }

    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.s.get(self.pos) == Some(&b);
        self.pos += usize::from(hit);
        hit
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, JsonError> {
        if depth > MAX_JSON_DEPTH {
            return Err(self.err("nested deeper than 128 levels"));
        }
        self.ws();
        match self.s.get(self.pos) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Node::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                for lit in ["true", "false", "null"] {
                    if self.s[self.pos..].starts_with(lit.as_bytes()) {
                        self.pos += lit.len();
                        return Ok(Node::Raw(lit));
                    }
                }
                Err(self.err("expected a JSON value"))
            }
            None => Err(self.err("unexpected end of input")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node<'a>, JsonError> {
        self.pos += 1;
        let mut members: Vec<(String, Node<'a>)> = Vec::new();
        self.ws();
        if !self.eat(b'}') {
            loop {
                self.ws();
                if self.s.get(self.pos) != Some(&b'"') {
                    return Err(self.err("expected an object key"));
                }
                let key = self.string()?;
                self.ws();
                if !self.eat(b':') {
                    return Err(self.err("expected ':'"));
                }
                members.push((key, self.value(depth + 1)?));
                self.ws();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.err("expected ',' or '}'"));
                }
            }
        }
        // Stable sort, then keep the last of equal keys. UTF-8 byte order is code-point order.
        members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut unique: Vec<(String, Node<'a>)> = Vec::with_capacity(members.len());
        for m in members {
            match unique.last_mut() {
                Some(last) if last.0 == m.0 => *last = m,
                _ => unique.push(m),
            }
        }
        Ok(Node::Object(unique))
    }

    fn array(&mut self, depth: usize) -> Result<Node<'a>, JsonError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if !self.eat(b']') {
            loop {
                items.push(self.value(depth + 1)?);
                self.ws();
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return Err(self.err("expected ',' or ']'"));
                }
            }
        }
        Ok(Node::Array(items))
    }

    /// Finds the closing quote, then lets serde_json decode the escapes (and validate them).
    fn string(&mut self) -> Result<String, JsonError> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.s.get(self.pos) {
                Some(b'"') => break,
                Some(b'\\') => self.pos += 2,
                Some(_) => self.pos += 1,
                None => return Err(self.err("unterminated string")),
            }
        }
        self.pos += 1;
        serde_json::from_str(&self.text[start..self.pos]).map_err(|_| JsonError {
            offset: start,
            reason: "invalid string (bad escape or control character)",
        })
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Node<'a>, JsonError> {
        let start = self.pos;
        self.eat(b'-');
        if self.eat(b'0') {
            if matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.err("leading zero in a number"));
            }
        } else if self.digits() == 0 {
            return Err(self.err("expected digits"));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.err("expected digits after '.'"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            if self.digits() == 0 {
                return Err(self.err("expected exponent digits"));
            }
        }
        Ok(Node::Raw(&self.text[start..self.pos]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deps_object_with_a_repeated_key_is_not_trusted() {
        let twice = br#"[{"id":"doc:1","hash":"v1","id":"doc:2"}]"#;
        let err = parse_deps(twice).unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
        assert!(parse_deps(br#"[{"id":"doc:1","hash":"v1","x":{"a":1,"b":[1,{"c":2}]}}]"#).is_ok());
        assert!(parse_deps(br#"[{"id":"doc:1","hash":null,"x":{"a":1,"a":2}}]"#).is_err());
    }

    fn rec(id: &str, hash: Option<&str>) -> DepRecord {
        DepRecord {
            id: id.into(),
            hash: hash.map(Into::into),
        }
    }

    #[test]
    fn key_names_follow_the_contract_verbatim() {
        let dep = DepId::parse("doc:contract-123").unwrap();
        assert_eq!(dep.keys_key(), "cc:dep:keys:doc:contract-123");
        assert_eq!(dep.hash_key(), "cc:dep:hash:doc:contract-123");
        let ns = Namespace::parse("tenant.a-1_x").unwrap();
        assert_eq!(ns.l1_key("ab"), "cc:l1:tenant.a-1_x:ab");
        assert_eq!(ns.l2_key("42"), "vec:tenant.a-1_x:42");
        assert_eq!(
            DepId::policy(&ns).as_str(),
            "cc:policy-version:tenant.a-1_x"
        );
        assert_eq!(
            DepId::policy(&Namespace::default()).hash_key(),
            "cc:dep:hash:cc:policy-version:default"
        );
        // Braces are inserted verbatim, never escaped.
        assert_eq!(DepId::parse("a{b}").unwrap().keys_key(), "cc:dep:keys:a{b}");
    }

    #[test]
    fn policy_hash_records_name_their_namespace() {
        let ns = Namespace::parse("shop").unwrap();
        let key = DepId::policy(&ns).hash_key();
        assert_eq!(policy_hash_namespace(key.as_bytes()), Some(ns));
        assert_eq!(policy_hash_namespace(b"cc:dep:hash:doc:1"), None);
        assert_eq!(
            policy_hash_namespace(b"cc:dep:hash:cc:policy-version:a:b"),
            None
        );
        assert_eq!(
            policy_hash_namespace(b"cc:dep:keys:cc:policy-version:shop"),
            None
        );
    }

    #[test]
    fn dep_id_rules() {
        assert!(DepId::parse("").is_err());
        assert!(DepId::parse("a b").is_err());
        assert!(DepId::parse("a\tb").is_err());
        assert!(
            DepId::parse("a\u{a0}b").is_err(),
            "no-break space is whitespace"
        );
        assert!(DepId::parse("a\u{7}b").is_err());
        assert!(
            DepId::parse("a\u{1b}[31mb").is_err(),
            "escape sequences are control chars"
        );
        assert!(DepId::parse("a\u{85}b").is_err());
        // Invisible format characters (Cf) print like another id.
        for id in [
            "\u{feff}doc:1",
            "doc:\u{200b}1",
            "doc:1\u{202e}",
            "doc:\u{2066}1",
            "doc:\u{ad}1",
            "doc:\u{e0041}",
        ] {
            let err = DepId::parse(id).unwrap_err().to_string();
            assert!(err.contains("invisible"), "{id:?}: {err}");
        }
        // Glob characters are ordinary literal characters.
        for id in ["doc:*", "doc:?", "doc:[1]", "ünï:çødé:日本", "emoji:👍🏽"] {
            assert_eq!(DepId::parse(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn dep_id_limit_is_512_bytes_not_characters() {
        assert!(DepId::parse(&"a".repeat(512)).is_ok());
        assert!(DepId::parse(&"a".repeat(513)).is_err());
        // 171 three-byte characters = 513 bytes but only 171 characters.
        assert!(DepId::parse(&"€".repeat(170)).is_ok());
        assert!(DepId::parse(&"€".repeat(171)).is_err());
    }

    #[test]
    fn reserved_ids_are_valid_but_refused_for_users() {
        assert!(
            DepId::parse("cc:policy-version:default")
                .unwrap()
                .is_reserved()
        );
        let err = DepId::parse_user("cc:policy-version:default").unwrap_err();
        assert!(matches!(err, LayoutError::ReservedDepId { .. }));
        assert!(DepId::parse_user("cc:anything").is_err());
        assert!(DepId::parse_user("CC:upper-is-not-reserved").is_ok());
        assert!(DepId::parse_user("xcc:fine").is_ok());
    }

    #[test]
    fn namespace_rules() {
        assert!(Namespace::parse("default").is_ok());
        assert!(Namespace::parse(&"n".repeat(64)).is_ok());
        assert!(Namespace::parse(&"n".repeat(65)).is_err());
        for bad in ["", "a:b", "a b", "é", "a*", "a{b}"] {
            assert!(Namespace::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Namespace::default().as_str(), "default");
    }

    #[test]
    fn hash_rules() {
        assert!(validate_hash("v2").is_ok());
        assert!(validate_hash("with space and ünïcode").is_ok());
        assert!(validate_hash(&"h".repeat(256)).is_ok());
        assert!(validate_hash(&"h".repeat(257)).is_err());
        assert!(validate_hash(&"é".repeat(129)).is_err(), "258 bytes");
        assert!(validate_hash("").is_err());
        assert!(validate_hash("v\n2").is_err());
        assert!(validate_hash("v\u{7f}").is_err());
    }

    #[test]
    fn entry_key_shapes() {
        let fp = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let l1 = parse_entry_key(format!("cc:l1:default:{fp}").as_bytes()).unwrap();
        assert_eq!((l1.tier, l1.namespace.as_str()), (Tier::L1, "default"));
        let l2 = parse_entry_key(b"vec:ns-2:anything:with:colons").unwrap();
        assert_eq!((l2.tier, l2.namespace.as_str()), (Tier::L2, "ns-2"));
        for not_entry in [
            "cc:dep:hash:doc:1".to_string(),
            "cc:l1:default:short".to_string(),
            format!("cc:l1:default:{}", fp.to_uppercase()),
            format!("cc:l1:bad ns:{fp}"),
            "vec:default:".to_string(),
            "vec:nocolon".to_string(),
            "user:1".to_string(),
        ] {
            assert_eq!(parse_entry_key(not_entry.as_bytes()), None, "{not_entry}");
        }
        assert_eq!(parse_entry_key(b"vec:default:\xff\xfe"), Some(l2_default()));
    }

    fn l2_default() -> EntryKey {
        EntryKey {
            tier: Tier::L2,
            namespace: Namespace::default(),
        }
    }

    #[test]
    fn deps_round_trip_in_declaration_order() {
        let deps = vec![
            rec("table:products", Some("v1")),
            rec("doc:7", None),
            rec("cc:policy-version:default", Some("1")),
        ];
        let text = write_deps(&deps);
        assert_eq!(
            text,
            r#"[{"id":"table:products","hash":"v1"},{"id":"doc:7","hash":null},{"id":"cc:policy-version:default","hash":"1"}]"#
        );
        assert_eq!(parse_deps(text.as_bytes()).unwrap(), deps);
    }

    #[test]
    fn deps_parse_distinguishes_null_from_missing_and_names_the_element() {
        assert_eq!(
            parse_deps(br#"[{"id":"a","hash":null}]"#).unwrap(),
            vec![rec("a", None)]
        );
        let cases: &[(&[u8], &str)] = &[
            (br#"[{"id":"a"}]"#, "deps[0] has no hash field"),
            (
                br#"[{"id":"a","hash":1}]"#,
                "deps[0] has a hash that is neither",
            ),
            (
                br#"[{"id":"a","hash":"x"},{"hash":"x"}]"#,
                "deps[1] has no id",
            ),
            (
                br#"[{"id":7,"hash":"x"}]"#,
                "deps[0] has an id that is not a string",
            ),
            (
                br#"[{"id":"a b","hash":"x"}]"#,
                "deps[0] has an invalid dep id",
            ),
            (br#"["a"]"#, "deps[0] is not an object"),
            (br#"{"id":"a"}"#, "not a JSON array"),
            (br#"[{"id":"a","#, "not valid JSON"),
            (b"\xff", "not valid UTF-8"),
        ];
        for (raw, want) in cases {
            let err = parse_deps(raw).unwrap_err().to_string();
            assert!(err.contains(want), "{err} should contain {want}");
        }
        // Extra fields from a newer proxy are tolerated.
        assert!(parse_deps(br#"[{"id":"a","hash":"x","note":1}]"#).is_ok());
    }

    #[test]
    fn entry_deps_must_end_with_its_namespace_policy_dep() {
        let ns = Namespace::parse("shop").unwrap();
        let good = br#"[{"id":"a","hash":"x"},{"id":"cc:policy-version:shop","hash":"1"}]"#;
        assert_eq!(parse_entry_deps(Some(good), &ns).unwrap().len(), 2);
        let other_ns = br#"[{"id":"a","hash":"x"},{"id":"cc:policy-version:default","hash":"1"}]"#;
        assert!(matches!(
            parse_entry_deps(Some(other_ns), &ns),
            Err(DepsError::NoPolicyDep { .. })
        ));
        assert!(parse_entry_deps(Some(b"[]"), &ns).is_err());
        assert_eq!(parse_entry_deps(None, &ns), Err(DepsError::Missing));
    }

    fn lookup<'a>(table: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |id| table.iter().find(|(k, _)| *k == id).map(|(_, v)| *v)
    }

    #[test]
    fn freshness_absent_current_never_stales_ordinary_deps() {
        let deps = [
            rec("a", Some("v1")),
            rec("b", None),
            rec("cc:policy-version:default", Some("1")),
        ];
        assert_eq!(freshness(&deps, lookup(&[])), Freshness::Fresh);
    }

    #[test]
    fn freshness_null_recorded_is_stale_once_any_hash_exists() {
        let deps = [rec("b", None), rec("cc:policy-version:default", Some("1"))];
        assert_eq!(
            freshness(&deps, lookup(&[("b", "v1")])),
            Freshness::Stale {
                dep: "b".into(),
                recorded: None,
                current: "v1".into()
            }
        );
    }

    #[test]
    fn freshness_matching_and_changed_hashes() {
        let deps = [
            rec("a", Some("v1")),
            rec("cc:policy-version:default", Some("1")),
        ];
        assert!(freshness(&deps, lookup(&[("a", "v1")])).is_fresh());
        let stale = freshness(&deps, lookup(&[("a", "v2")]));
        assert_eq!(
            stale,
            Freshness::Stale {
                dep: "a".into(),
                recorded: Some("v1".into()),
                current: "v2".into()
            }
        );
        // Hashes are compared for equality only: "v10" is not "newer" than "v9".
        let deps = [
            rec("a", Some("v10")),
            rec("cc:policy-version:default", Some("1")),
        ];
        assert!(!freshness(&deps, lookup(&[("a", "v9")])).is_fresh());
    }

    #[test]
    fn freshness_policy_dep_defaults_to_one() {
        let at_one = [rec("cc:policy-version:default", Some("1"))];
        assert!(freshness(&at_one, lookup(&[])).is_fresh());
        let at_two = [rec("cc:policy-version:default", Some("2"))];
        assert_eq!(
            freshness(&at_two, lookup(&[])),
            Freshness::Stale {
                dep: "cc:policy-version:default".into(),
                recorded: Some("2".into()),
                current: "1".into()
            }
        );
        assert!(!freshness(&at_one, lookup(&[("cc:policy-version:default", "2")])).is_fresh());
        let null_policy = [rec("cc:policy-version:default", None)];
        assert!(!freshness(&null_policy, lookup(&[])).is_fresh());
    }

    #[test]
    fn freshness_reports_the_first_stale_dep_in_declaration_order() {
        let deps = [
            rec("a", Some("1")),
            rec("b", Some("1")),
            rec("cc:policy-version:default", Some("1")),
        ];
        match freshness(&deps, lookup(&[("a", "2"), ("b", "2")])) {
            Freshness::Stale { dep, .. } => assert_eq!(dep, "a"),
            Freshness::Fresh => panic!("must be stale"),
        }
    }

    #[test]
    fn canonical_json_sorts_keys_by_code_point_at_every_depth() {
        let text = r#"{ "model": "m", "messages": [ {"role":"user", "content":"hi"} ], "B": 1, "a": {"z":1,"é":2,"e":3, "😀":4, "\uffff":5} }"#;
        assert_eq!(
            canonical_json(text).unwrap(),
            "{\"B\":1,\"a\":{\"e\":3,\"z\":1,\"é\":2,\"\u{ffff}\":5,\"😀\":4},\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"model\":\"m\"}"
        );
    }

    #[test]
    fn canonical_json_keeps_numbers_exactly_as_given() {
        let text =
            r#"{"t":1.50,"n":-0,"e":1E+2,"f":2e-3,"big":123456789012345678901234567890,"z":0.0}"#;
        assert_eq!(
            canonical_json(text).unwrap(),
            r#"{"big":123456789012345678901234567890,"e":1E+2,"f":2e-3,"n":-0,"t":1.50,"z":0.0}"#
        );
    }

    #[test]
    fn canonical_json_escapes_strings_minimally() {
        let text = r#"{"s":"quote\" slash\/ back\\ nl\n tab\t bell\u0007 \u00fc 日本 \u007f \ud83d\ude00"}"#;
        assert_eq!(
            canonical_json(text).unwrap(),
            "{\"s\":\"quote\\\" slash/ back\\\\ nl\\n tab\\t bell\\u0007 ü 日本 \u{7f} 😀\"}"
        );
    }

    #[test]
    fn canonical_json_last_duplicate_key_wins() {
        assert_eq!(
            canonical_json(r#"{"a":1,"b":2,"a":3}"#).unwrap(),
            r#"{"a":3,"b":2}"#
        );
    }

    #[test]
    fn canonical_json_rejects_invalid_input_with_an_offset() {
        for (bad, offset) in [
            ("", 0),
            ("{", 1),
            (r#"{"a":1,}"#, 7),
            ("[1 2]", 3),
            ("01", 1),
            ("1.", 2),
            ("1e", 2),
            (r#""a\x""#, 0),
            ("\"a\u{1}\"", 0),
            ("tru", 0),
            ("{} x", 3),
            ("NaN", 0),
        ] {
            let err = canonical_json(bad).unwrap_err();
            assert_eq!(err.offset, offset, "{bad:?}: {err}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(canonical_json(&deep).is_err());
        assert_eq!(
            canonical_json(&("[".repeat(100) + &"]".repeat(100)))
                .unwrap()
                .len(),
            200
        );
    }

    #[test]
    fn fingerprint_is_lowercase_sha256_of_canonical_bytes() {
        // sha256("{}") is a published constant.
        assert_eq!(
            fingerprint("{ }").unwrap(),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        let a = fingerprint(r#"{"model":"m","messages":[]}"#).unwrap();
        let b = fingerprint("{ \"messages\" : [ ],\n \"model\":\"m\" }").unwrap();
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint(r#"{"model":"m","messages":[],"temperature":1.0}"#).unwrap()
        );
        assert_ne!(
            fingerprint(r#"{"t":1.0}"#).unwrap(),
            fingerprint(r#"{"t":1}"#).unwrap(),
            "numbers as given: 1.0 and 1 are different requests"
        );
    }
}

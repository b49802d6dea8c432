//! The Redis layout contract with the caching proxy (`shared/redis-layout.md`).
//!
//! Everything the proxy and `cachecore` must agree on lives here and nowhere else: key
//! names, the entry `deps` field, dep-id / namespace / hash rules, the freshness rule and
//! the canonical-JSON fingerprint. Pure: no I/O, so every rule is unit-tested directly.

use std::fmt;

use serde::Serialize;

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
/// An L1 key's fingerprint: lowercase hex SHA-256.
pub const L1_FINGERPRINT_HEX: usize = 64;

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
    // ASCII has no format characters; the table lookup was a tenth of a bulk run's time.
    !c.is_ascii() && c.general_category() == GeneralCategory::Format
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
        // Printable ASCII passes every check below; the gateway parses ids on every hit.
        if id.bytes().all(|b| b.is_ascii_graphic()) {
            return Ok(DepId(id.to_string()));
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
        Tier::L1 => {
            id.len() == L1_FINGERPRINT_HEX
                && id.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        }
        Tier::L2 => !id.is_empty(),
    };
    id_ok.then_some(EntryKey { tier, namespace })
}

/// [`parse_entry_key`]'s rule as a Lua function `entry_tier(key)` returning 1 (L1),
/// 2 (L2) or 0, for scripts that must tell entries from other members server-side. Built
/// from the same constants; a test runs both over one corpus on a real server.
///
/// It runs once per member a script deletes, so it is written for the matcher's cost: one
/// `string.find` per tier that captures the position of the namespace's closing colon (a
/// number: no substring is made) and a hex run matched by one repeated class, whose
/// length the colon's position then fixes (64 single classes in a row cost Lua about
/// three times as much).
pub fn entry_tier_lua() -> String {
    let ns = "[A-Za-z0-9_%.%-]+";
    format!(
        r#"local entry_find = string.find
local function entry_tier(m)
  local _, _, c = entry_find(m, '^{l1}{ns}():[0-9a-f]*$')
  if c then
    if c == #m - {hex} and c <= {l1_max} then return 1 end
    return 0
  end
  _, _, c = entry_find(m, '^{l2}{ns}():.')
  if c and c <= {l2_max} then return 2 end
  return 0
end
"#,
        l1 = lua_literal_pattern(L1_PREFIX),
        l2 = lua_literal_pattern(L2_PREFIX),
        hex = L1_FINGERPRINT_HEX,
        // The colon's position is the prefix's length plus the namespace's, plus one.
        l1_max = L1_PREFIX.len() + MAX_NAMESPACE_CHARS + 1,
        l2_max = L2_PREFIX.len() + MAX_NAMESPACE_CHARS + 1,
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
    let field = write_deps_of(deps.iter().map(|d| (d.id.as_str(), d.hash.as_deref())));
    String::from_utf8(field).expect("serde_json writes UTF-8")
}

/// The `deps` field of these (id, hash) pairs, byte for byte as [`write_deps`] writes it.
pub fn write_deps_of<'a>(deps: impl Iterator<Item = (&'a str, Option<&'a str>)>) -> Vec<u8> {
    /// One element as written: [`DepRecord`]'s fields, borrowed.
    #[derive(Serialize)]
    struct Element<'a> {
        id: &'a str,
        hash: Option<&'a str>,
    }
    let elements: Vec<Element> = deps.map(|(id, hash)| Element { id, hash }).collect();
    serde_json::to_vec(&elements).expect("a list of strings always serialises")
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
    freshness_in_order(deps, deps.iter().map(|d| current(&d.id)))
}

/// The freshness rule, with the current hashes given in the order of `deps` (a dep without
/// one counts as absent).
pub fn freshness_in_order<'a>(
    deps: &[DepRecord],
    current: impl IntoIterator<Item = Option<&'a str>>,
) -> Freshness {
    let mut current = current.into_iter();
    for dep in deps {
        let now = match (current.next().flatten(), dep.is_policy()) {
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

mod canonical;
mod deps_field;
pub use canonical::{JsonError, RequestKey, canonical_json, fingerprint, request_key};
pub use deps_field::parse_deps;

#[cfg(test)]
mod tests;

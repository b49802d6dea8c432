//! API tokens: `cc_live_` and 64 hex digits (256 bits from the OS generator). Only the
//! SHA-256 of a token is stored, under `cc:token:{cc-tokens}:...`, so every replica
//! shares the tokens and a revocation is seen by the very next request anywhere (tokens
//! are looked up on every request, never cached). A token that leaks from Redis is
//! useless: the hash cannot be presented.
//!
//! A hash lookup needs no constant-time comparison: the secret is never compared, only
//! its digest used as a key name, and a digest reveals nothing about other tokens.

use anyhow::Result;
use sha2::{Digest, Sha256};

use crate::error::invalid;
use crate::layout::{DepId, is_format_char};
use crate::store::{NewToken, Store, StoredToken, TokenKeys};

/// What every token starts with, as in the hosted service's tokens.
pub const TOKEN_PREFIX: &str = "cc_live_";

/// One hash tag for every token key: the create and revoke scripts touch several of them
/// atomically, which on a cluster needs one slot. Tokens are few, so one slot is plenty.
const TAG: &str = "{cc-tokens}";

/// Outside the layout's keys (`cc:l1:`, `cc:dep:`) and the other bookkeeping keys.
fn prefix() -> String {
    format!("cc:token:{TAG}:")
}

pub fn names_key() -> String {
    format!("{}names", prefix())
}

pub fn name_key(name: &str) -> String {
    format!("{}name:{name}", prefix())
}

pub fn hash_key(sha256_hex: &str) -> String {
    format!("{}sha256:{sha256_hex}", prefix())
}

fn keys(name: &str, sha256_hex: &str) -> TokenKeys {
    TokenKeys {
        by_name: name_key(name),
        by_hash: hash_key(sha256_hex),
        names: names_key(),
    }
}

pub fn sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A token name: 1-64 of `A-Z a-z 0-9 _ . -`, so it is safe in logs, key names and
/// audit records.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "invalid token name {:?}: use 1 to 64 of A-Z a-z 0-9 _ . -",
            crate::output::printable_str(name)
        )))
    }
}

/// What a token allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Invalidate and read the deps whose id matches the glob.
    Dep(String),
    /// Roll the policy of namespaces matching the glob.
    Policy(String),
}

impl Scope {
    /// `policy:NS` (NS a namespace or a glob of one) or a dep-id glob. A dep-id glob obeys
    /// the dep-id rules (no whitespace, control or format characters, at most 512 bytes);
    /// `*` matches any run of characters and `?` one character, nothing else is special.
    pub fn parse(text: &str) -> Result<Scope> {
        let bad = |why: &str| {
            invalid(format!(
                "invalid scope {:?}: {why}",
                crate::output::printable_str(text)
            ))
        };
        if let Some(ns) = text.strip_prefix("policy:") {
            let ok = (1..=64).contains(&ns.len())
                && ns
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-*?".contains(c));
            return if ok {
                Ok(Scope::Policy(ns.to_string()))
            } else {
                Err(bad(
                    "policy:NS needs a namespace (1-64 of A-Z a-z 0-9 _ . -, or a glob with * and ?)",
                ))
            };
        }
        if text.is_empty() || text.len() > 512 {
            return Err(bad("a dep-id glob is 1 to 512 bytes"));
        }
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_format_char(c))
        {
            return Err(bad(
                "a dep-id glob has no whitespace, control or invisible format characters",
            ));
        }
        Ok(Scope::Dep(text.to_string()))
    }

    pub fn text(&self) -> String {
        match self {
            Scope::Dep(g) => g.clone(),
            Scope::Policy(ns) => format!("policy:{ns}"),
        }
    }
}

/// How a caller was admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A token of `cachecore token create`, looked up in Redis.
    Token,
    /// An HS256 JWT verified with the operator's secret (`--jwt-scope`).
    Jwt,
    /// No credential, under `--anonymous-scope`.
    Anonymous,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Token => "token",
            Kind::Jwt => "jwt",
            Kind::Anonymous => "anonymous",
        }
    }
}

/// A verified caller: its name (a token's name, `jwt:TENANT` or `anonymous`), how it was
/// admitted, and what it may do.
#[derive(Debug, Clone)]
pub struct Principal {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub kind: Kind,
    /// The gateway namespace the caller's requests are cached in (issue 25): a token's
    /// `--namespace`, a JWT's `tenant_id`; none for an anonymous caller.
    pub namespace: Option<String>,
}

impl Principal {
    pub fn token(name: String, scopes: Vec<Scope>) -> Principal {
        Principal {
            name,
            scopes,
            kind: Kind::Token,
            namespace: None,
        }
    }

    /// The caller as the audit trail names it: `token:NAME`, `jwt:TENANT`, `anonymous`.
    pub fn audit_user(&self) -> String {
        match self.kind {
            Kind::Token => format!("token:{}", self.name),
            Kind::Jwt | Kind::Anonymous => self.name.clone(),
        }
    }

    /// The caller in an error message.
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Token => format!("token {}", self.name),
            Kind::Jwt => format!("a JWT ({})", self.name),
            Kind::Anonymous => "an anonymous caller (--anonymous-scope)".to_string(),
        }
    }

    /// The one namespace whose policy this caller may roll, when its scopes name exactly
    /// one (a single `policy:NS` scope without wildcards); `Err(true)` when they name
    /// several or a glob, `Err(false)` when none.
    pub fn only_namespace(&self) -> Result<&str, bool> {
        let mut policies = self.scopes.iter().filter_map(|s| match s {
            Scope::Policy(ns) => Some(ns.as_str()),
            Scope::Dep(_) => None,
        });
        match (policies.next(), policies.next()) {
            (None, _) => Err(false),
            (Some(ns), None) if !ns.contains(['*', '?']) => Ok(ns),
            _ => Err(true),
        }
    }

    pub fn may_touch_dep(&self, dep: &DepId) -> bool {
        self.scopes
            .iter()
            .any(|s| matches!(s, Scope::Dep(g) if glob_match(g, dep.as_str())))
    }

    pub fn may_roll(&self, namespace: &str) -> bool {
        self.scopes
            .iter()
            .any(|s| matches!(s, Scope::Policy(g) if glob_match(g, namespace)))
    }
}

/// Whether `text` matches `pattern`, where `*` is any run of characters (also none) and
/// `?` exactly one; every other character matches itself. Linear-time backtracking over
/// the last `*` (the classic wildcard algorithm), so no pattern can take exponential time.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn scopes_json(scopes: &[Scope]) -> String {
    let texts: Vec<String> = scopes.iter().map(Scope::text).collect();
    serde_json::to_string(&texts).expect("strings serialize")
}

/// The stored scopes; an unreadable list allows nothing.
pub fn parse_scopes(json: &str) -> Vec<Scope> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| Scope::parse(s).ok())
        .collect()
}

fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot read the OS random generator: {e}"))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Creates a token and returns its secret (the only time it exists outside the caller).
pub async fn create(
    store: &mut Store,
    name: &str,
    scopes: &[Scope],
    namespace: &crate::layout::Namespace,
    windows: Windows,
) -> Result<String> {
    validate_name(name)?;
    let token = new_secret()?;
    let digest = sha256_hex(&token);
    crate::redact::register_secret(&token);
    let scopes = scopes_json(scopes);
    let new = NewToken {
        name,
        sha256: &digest,
        scopes: &scopes,
        created_ms: now_ms(),
        namespace: namespace.as_str(),
        fresh_ttl_secs: windows.fresh_ttl_secs,
        stale_window_secs: windows.stale_window_secs,
    };
    if !store.token_create(&keys(name, &digest), &new).await? {
        return Err(crate::error::refused(format!(
            "a token named {name} exists already; nothing was changed (revoke it first, or pick another name)"
        )));
    }
    Ok(token)
}

/// A token's own gateway windows (whole seconds), each `None` for the gateway's.
#[derive(Debug, Clone, Copy, Default)]
pub struct Windows {
    pub fresh_ttl_secs: Option<u64>,
    pub stale_window_secs: Option<u64>,
}

/// Every token, without secrets.
pub async fn list(store: &mut Store) -> Result<Vec<StoredToken>> {
    store.token_list(&names_key(), name_key).await
}

/// Revokes `name`; false when there is no such token.
pub async fn revoke(store: &mut Store, name: &str) -> Result<bool> {
    validate_name(name)?;
    let Some(digest) = store.token_sha256(&name_key(name)).await? else {
        return Ok(false);
    };
    store
        .token_revoke(&keys(name, &digest), name, &digest)
        .await
}

/// The caller a presented token stands for, if it is a live token.
pub async fn verify(store: &mut Store, token: &str) -> Result<Option<Principal>> {
    // Anything without our prefix cannot be ours: no round trip for it.
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 256 {
        return Ok(None);
    }
    Ok(store.token_record(&lookup_key(token)).await?.map(|r| {
        let mut p = Principal::token(r.name, parse_scopes(&r.scopes));
        p.namespace = Some(
            r.namespace
                .unwrap_or_else(|| crate::layout::DEFAULT_NAMESPACE.into()),
        );
        p
    }))
}

/// The key of the record a request's token is looked up by.
pub fn lookup_key(token: &str) -> String {
    hash_key(&sha256_hex(token))
}

/// Records that `name` was used now.
pub async fn touch(store: &mut Store, name: &str) -> Result<()> {
    store.token_touch(&name_key(name), now_ms()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_star_and_question_mark_only() {
        for (p, t) in [
            ("doc:*", "doc:contract-123"),
            ("doc:*", "doc:"),
            ("*", "anything:at/all"),
            ("table:products", "table:products"),
            ("user:?42", "user:x42"),
            ("a*b*c", "a-b-b-c"),
            ("*:v?", "doc:v2"),
            ("日*", "日本"),
            ("??", "日本"),
        ] {
            assert!(glob_match(p, t), "{p} should match {t}");
        }
        for (p, t) in [
            ("doc:*", "docs:1"),
            ("doc:*", "xdoc:1"),
            ("table:products", "table:products2"),
            ("user:?42", "user:42"),
            ("a*b*c", "a-b-b-"),
            ("[a]", "a"),
            // A backslash escapes nothing: it is a literal too.
            ("doc\\*", "doc*"),
            ("?", ""),
        ] {
            assert!(!glob_match(p, t), "{p} should not match {t}");
        }
        // Brackets and backslashes are literals, unlike Redis globs.
        assert!(glob_match("[a]", "[a]"));
        // No exponential blow-up.
        let long = "a".repeat(10_000);
        assert!(!glob_match("*a*a*a*a*a*a*b", &long));
    }

    #[test]
    fn scopes_parse_and_allow_only_what_they_name() {
        let p = Principal::token(
            "ci".into(),
            vec![
                Scope::parse("doc:*").unwrap(),
                Scope::parse("policy:shop").unwrap(),
            ],
        );
        assert!(p.may_touch_dep(&DepId::parse("doc:1").unwrap()));
        assert!(!p.may_touch_dep(&DepId::parse("table:1").unwrap()));
        assert!(p.may_roll("shop"));
        assert!(!p.may_roll("default"));
        // A policy scope is not a dep glob, and a dep glob never allows a roll.
        assert!(!p.may_touch_dep(&DepId::parse("policy:shop").unwrap()));
        let all = Principal::token("x".into(), vec![Scope::parse("*").unwrap()]);
        assert!(!all.may_roll("shop"));
        assert_eq!(Scope::parse("policy:*").unwrap(), Scope::Policy("*".into()));
        for bad in ["", "doc: 1", "policy:", "policy:a:b", "doc:\u{200b}"] {
            assert!(Scope::parse(bad).is_err(), "{bad:?}");
        }
        let json = scopes_json(&p.scopes);
        assert_eq!(json, r#"["doc:*","policy:shop"]"#);
        assert_eq!(parse_scopes(&json), p.scopes);
        assert!(parse_scopes("not json").is_empty());
    }

    #[test]
    fn the_one_namespace_is_a_single_policy_scope_without_wildcards() {
        let with = |scopes: &[&str]| {
            let p = Principal::token(
                "t".into(),
                scopes.iter().map(|s| Scope::parse(s).unwrap()).collect(),
            );
            p.only_namespace().map(str::to_string)
        };
        assert_eq!(with(&["doc:*", "policy:shop"]), Ok("shop".into()));
        assert_eq!(with(&["policy:shop", "policy:blog"]), Err(true));
        assert_eq!(with(&["policy:*"]), Err(true));
        assert_eq!(with(&["policy:sho?"]), Err(true));
        assert_eq!(with(&["doc:*", "*"]), Err(false));
        assert_eq!(with(&[]), Err(false));
    }

    #[test]
    fn tokens_are_random_and_only_hashes_name_keys() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        let k = hash_key(&sha256_hex(&a));
        assert!(!k.contains(&a[TOKEN_PREFIX.len()..]));
        for key in [k, name_key("ci"), names_key()] {
            assert!(key.starts_with("cc:token:{cc-tokens}:"), "{key}");
            assert!(!key.starts_with("cc:dep:") && !key.starts_with("cc:l1:"));
        }
        assert!(validate_name("ci-deploy_1.x").is_ok());
        for bad in ["", "a b", "a:b", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }
}

//! The hosted product's credentials (issue 24): HS256 JWTs, alone (`eyJ...`, the client
//! library's `tenant_jwt`) or after a `cc_live_...` prefix and a dot. Verified with the
//! operator's secret, never looked up in Redis; a JWT grants the `--jwt-scope` scopes.
//!
//! jsonwebtoken parses the token and checks the header's `alg` and the time claims; its
//! cryptography is pluggable, and the provider installed here knows HS256 only, on the ring
//! that rustls already links. Any other `alg` (`none` included, which does not even parse)
//! is refused twice over: by the validation's algorithm list and by the provider.

use std::ffi::OsString;
use std::path::Path;

use anyhow::Result;
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::signature::{Error as SignatureError, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde::Deserialize;

use super::tokens::{Scope, validate_name};
use crate::error::invalid;

/// The environment variable the product's self-hosted gateway reads its secret from.
pub const SECRET_ENV: &str = "CACHECORE_JWT_SECRET";

/// RFC 7518 3.2: an HS256 key is at least as long as the hash output (256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

/// Clock skew allowed on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// Longer than any real token; refused before any decoding.
const MAX_JWT_BYTES: usize = 8 * 1024;

/// The part of a presented credential that is a JWT, if it has the product's shape:
/// `eyJ...` alone, or `cc_live_<anything>.eyJ...`.
pub fn jwt_part(credential: &str) -> Option<&str> {
    if credential.starts_with("eyJ") {
        return Some(credential);
    }
    let rest = credential.strip_prefix(super::tokens::TOKEN_PREFIX)?;
    let at = rest.find(".eyJ")?;
    Some(&rest[at + 1..])
}

/// Where the secret came from, for the start log (never the secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    File,
    Env,
}

/// JWT verification as configured at start.
#[derive(Clone)]
pub struct JwtAuth {
    key: DecodingKey,
    validation: Validation,
    pub scopes: Vec<Scope>,
    pub source: SecretSource,
}

impl std::fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuth")
            .field("scopes", &self.scopes)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Why a JWT was refused: logged by the server, never told to the client (which gets the
/// 401 of an unknown token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Signature, shape or algorithm.
    Invalid,
    Expired,
    NotYetValid,
    /// Verified, but without a usable `tenant_id` (or with an `aud`).
    Claims,
}

impl Refusal {
    pub fn word(self) -> &'static str {
        match self {
            Refusal::Invalid => "jwt_invalid",
            Refusal::Expired => "jwt_expired",
            Refusal::NotYetValid => "jwt_not_yet_valid",
            Refusal::Claims => "jwt_claims",
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    tenant_id: Option<serde_json::Value>,
    // The product's per-tenant cache windows and the expiry, read by the gateway (issue
    // 25). Kept as raw values: a claim of another type is ignored, not a refusal.
    #[serde(default)]
    fresh_ttl_secs: Option<serde_json::Value>,
    #[serde(default)]
    stale_window_secs: Option<serde_json::Value>,
    #[serde(default)]
    exp: Option<serde_json::Value>,
}

/// A verified JWT: its tenant, and what the gateway reads beside it.
#[derive(Debug, Clone, Default)]
pub struct Grant {
    pub tenant: String,
    /// The `fresh_ttl_secs` and `stale_window_secs` claims, when whole numbers.
    pub fresh_ttl_secs: Option<u64>,
    pub stale_window_secs: Option<u64>,
    /// `exp`, unix seconds: a stale entry's background refresh is skipped after it.
    pub exp: Option<u64>,
}

impl JwtAuth {
    /// JWT verification from the flags: a secret from `file` or from the environment
    /// (`env`, the value of [`SECRET_ENV`]), and the scopes a JWT grants. `None` when no
    /// secret is given. Every inconsistency is a usage error naming the flag; the secret is
    /// never printed.
    pub fn configure(
        file: Option<&Path>,
        env: Option<OsString>,
        scopes: &[String],
    ) -> Result<Option<JwtAuth>> {
        let env = env.filter(|v| !v.is_empty());
        let (secret, source, from) = match (file, env) {
            (Some(_), Some(_)) => {
                return Err(invalid(format!(
                    "both --jwt-secret-file and {SECRET_ENV} are set: give the JWT secret once (unset {SECRET_ENV}, or drop the flag)"
                )));
            }
            (Some(path), None) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    invalid(format!(
                        "cannot read the JWT secret file {}: {e}",
                        path.display()
                    ))
                })?;
                (
                    trim_line_end(bytes),
                    SecretSource::File,
                    path.display().to_string(),
                )
            }
            (None, Some(value)) => (
                trim_line_end(value.into_encoded_bytes()),
                SecretSource::Env,
                SECRET_ENV.to_string(),
            ),
            (None, None) if scopes.is_empty() => return Ok(None),
            (None, None) => {
                return Err(invalid(format!(
                    "--jwt-scope needs the secret JWTs are verified with: --jwt-secret-file FILE or {SECRET_ENV}"
                )));
            }
        };
        if secret.len() < MIN_SECRET_BYTES {
            return Err(invalid(format!(
                "the JWT secret from {from} is {} bytes; HS256 needs at least {MIN_SECRET_BYTES} (RFC 7518): use a longer secret",
                secret.len()
            )));
        }
        if scopes.is_empty() {
            return Err(invalid(format!(
                "a JWT secret is given ({from}) but no --jwt-scope: name what a JWT may invalidate with --jwt-scope PATTERN (repeatable), or remove the secret"
            )));
        }
        let scopes = scopes
            .iter()
            .map(|s| Scope::parse(s).map_err(|e| invalid(format!("--jwt-scope: {e}"))))
            .collect::<Result<Vec<Scope>>>()?;
        if let Ok(text) = std::str::from_utf8(&secret) {
            crate::redact::register_secret(text);
        }
        Ok(Some(JwtAuth::new(&secret, scopes, source)))
    }

    pub fn new(secret: &[u8], scopes: Vec<Scope>, source: SecretSource) -> JwtAuth {
        install_provider();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        // `exp` required (the default); an `aud` is refused, since none is configured.
        JwtAuth {
            key: DecodingKey::from_secret(secret).expect("a non-empty secret"),
            validation,
            scopes,
            source,
        }
    }

    /// The tenant a JWT stands for, once its signature, `alg`, `exp` and `nbf` are checked.
    pub fn verify(&self, jwt: &str) -> Result<String, Refusal> {
        self.verify_grant(jwt).map(|g| g.tenant)
    }

    /// As [`JwtAuth::verify`], with the claims the gateway reads.
    pub fn verify_grant(&self, jwt: &str) -> Result<Grant, Refusal> {
        if jwt.len() > MAX_JWT_BYTES {
            return Err(Refusal::Invalid);
        }
        let data = jsonwebtoken::decode::<Claims>(jwt, &self.key, &self.validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => Refusal::Expired,
                ErrorKind::ImmatureSignature => Refusal::NotYetValid,
                ErrorKind::InvalidAudience
                | ErrorKind::MissingRequiredClaim(_)
                | ErrorKind::InvalidClaimFormat(_) => Refusal::Claims,
                _ => Refusal::Invalid,
            },
        )?;
        let tenant = match data.claims.tenant_id {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return Err(Refusal::Claims),
        };
        // The tenant becomes a name in logs and the audit trail: the token-name alphabet.
        validate_name(&tenant).map_err(|_| Refusal::Claims)?;
        let whole = |v: &Option<serde_json::Value>| v.as_ref().and_then(serde_json::Value::as_u64);
        Ok(Grant {
            fresh_ttl_secs: whole(&data.claims.fresh_ttl_secs),
            stale_window_secs: whole(&data.claims.stale_window_secs),
            exp: whole(&data.claims.exp),
            tenant,
        })
    }
}

/// A secret file written by `echo` ends with a newline that is not part of the secret.
fn trim_line_end(mut bytes: Vec<u8>) -> Vec<u8> {
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    bytes
}

/// HMAC-SHA256 on ring: the only algorithm this provider knows.
struct Hs256(ring::hmac::Key);

impl Hs256 {
    fn new(algorithm: &Algorithm, secret: &[u8]) -> jsonwebtoken::errors::Result<Hs256> {
        if *algorithm != Algorithm::HS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        Ok(Hs256(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret)))
    }
}

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, SignatureError> {
        Ok(ring::hmac::sign(&self.0, msg).as_ref().to_vec())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, msg: &[u8], signature: &Vec<u8>) -> Result<(), SignatureError> {
        // Constant-time comparison inside ring.
        ring::hmac::verify(&self.0, msg, signature).map_err(|_| SignatureError::new())
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: |alg, key| Ok(Box::new(Hs256::new(alg, key.as_bytes())?)),
    verifier_factory: |alg, key| Ok(Box::new(Hs256::new(alg, key.try_get_as_bytes()?)?)),
    // JWKs (RSA and EC key material) are never used.
    key_utils: KeyUtils::new_unimplemented(),
};

/// Installs the HS256-only provider for the process (idempotent).
pub fn install_provider() {
    let _ = PROVIDER.install_default();
    let installed = CryptoProvider::try_get_default().expect("a JWT crypto provider");
    assert!(
        std::ptr::eq(installed, &PROVIDER),
        "another JWT crypto provider was installed"
    );
}

/// An HS256 JWT of `claims` signed with `secret` (tests and the docs' examples).
pub fn sign(secret: &[u8], claims: &serde_json::Value) -> String {
    install_provider();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret).expect("a non-empty secret"),
    )
    .expect("HS256 signs")
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn auth() -> JwtAuth {
        JwtAuth::new(
            SECRET,
            vec![Scope::parse("doc:*").unwrap()],
            SecretSource::File,
        )
    }

    /// Unpadded base64url, for hand-made headers.
    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    #[test]
    fn a_signed_unexpired_jwt_names_its_tenant() {
        let jwt = sign(SECRET, &json!({"tenant_id": "acme", "exp": now() + 600}));
        assert_eq!(auth().verify(&jwt), Ok("acme".to_string()));
        let numeric = sign(SECRET, &json!({"tenant_id": 42, "exp": now() + 600}));
        assert_eq!(auth().verify(&numeric), Ok("42".to_string()));
    }

    #[test]
    fn expiry_signature_and_claims_are_enforced() {
        let a = auth();
        let past = sign(
            SECRET,
            &json!({"tenant_id": "acme", "exp": now() - LEEWAY_SECS - 5}),
        );
        assert_eq!(a.verify(&past), Err(Refusal::Expired));
        // Within the leeway: accepted.
        let just = sign(SECRET, &json!({"tenant_id": "acme", "exp": now() - 5}));
        assert!(a.verify(&just).is_ok());
        let no_exp = sign(SECRET, &json!({"tenant_id": "acme"}));
        assert_eq!(a.verify(&no_exp), Err(Refusal::Claims));
        let later = sign(
            SECRET,
            &json!({"tenant_id": "acme", "exp": now() + 600, "nbf": now() + 300}),
        );
        assert_eq!(a.verify(&later), Err(Refusal::NotYetValid));
        let other = sign(
            b"another secret of thirty-two bytes!",
            &json!({"tenant_id": "acme", "exp": now() + 600}),
        );
        assert_eq!(a.verify(&other), Err(Refusal::Invalid));
        for tenant in [json!(null), json!("a b"), json!("x".repeat(65)), json!([1])] {
            let jwt = sign(SECRET, &json!({"tenant_id": tenant, "exp": now() + 600}));
            assert_eq!(a.verify(&jwt), Err(Refusal::Claims), "{tenant}");
        }
        let aud = sign(
            SECRET,
            &json!({"tenant_id": "acme", "exp": now() + 600, "aud": "elsewhere"}),
        );
        assert_eq!(a.verify(&aud), Err(Refusal::Claims));
        // A signature moved onto other claims does not verify.
        let good = sign(SECRET, &json!({"tenant_id": "acme", "exp": now() + 600}));
        let evil = sign(SECRET, &json!({"tenant_id": "evil", "exp": now() + 600}));
        let g: Vec<&str> = good.split('.').collect();
        let e: Vec<&str> = evil.split('.').collect();
        let forged = format!("{}.{}.{}", g[0], e[1], g[2]);
        assert_eq!(a.verify(&forged), Err(Refusal::Invalid));
        assert_eq!(a.verify(&"e".repeat(9000)), Err(Refusal::Invalid));
    }

    #[test]
    fn only_hs256_is_accepted() {
        let a = auth();
        let claims = b64(json!({"tenant_id": "acme", "exp": now() + 600})
            .to_string()
            .as_bytes());
        // alg none, with and without a signature.
        let none = b64(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            a.verify(&format!("{none}.{claims}.")),
            Err(Refusal::Invalid)
        );
        // HS512 signed with the same secret, and an RS256 header over an HMAC.
        for alg in ["HS512", "HS384", "RS256", "ES256"] {
            let header = b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
            let msg = format!("{header}.{claims}");
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET);
            let sig = b64(ring::hmac::sign(&key, msg.as_bytes()).as_ref());
            assert_eq!(
                a.verify(&format!("{msg}.{sig}")),
                Err(Refusal::Invalid),
                "{alg}"
            );
        }
        // The same hand-made token with alg HS256 verifies: the refusals above are the alg.
        let header = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
        let msg = format!("{header}.{claims}");
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET);
        let sig = b64(ring::hmac::sign(&key, msg.as_bytes()).as_ref());
        assert_eq!(a.verify(&format!("{msg}.{sig}")), Ok("acme".into()));
    }

    #[test]
    fn the_product_forms_are_recognised() {
        assert_eq!(jwt_part("eyJa.b.c"), Some("eyJa.b.c"));
        assert_eq!(jwt_part("cc_live_abc123.eyJa.eyJb.c"), Some("eyJa.eyJb.c"));
        assert_eq!(jwt_part(&format!("cc_live_{}", "0".repeat(64))), None);
        assert_eq!(jwt_part("cc_live_.eyJa.b.c"), Some("eyJa.b.c"));
        assert_eq!(jwt_part("xx_live_a.eyJa.b.c"), None);
        assert_eq!(jwt_part("Bearer eyJ"), None);
    }

    #[test]
    fn the_secret_is_checked_at_start_without_being_shown() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        let scopes = vec!["doc:*".to_string()];
        let err = |f: Option<&Path>, env: Option<&str>, scopes: &[String]| {
            let e = JwtAuth::configure(f, env.map(OsString::from), scopes).unwrap_err();
            assert_eq!(crate::error::exit_for(&e), crate::error::Exit::Usage);
            e.to_string()
        };
        std::fs::write(&file, "short-secret-value\n").unwrap();
        let e = err(Some(&file), None, &scopes);
        assert!(
            e.contains("18 bytes") && !e.contains("short-secret-value"),
            "{e}"
        );
        std::fs::write(&file, "").unwrap();
        assert!(err(Some(&file), None, &scopes).contains("0 bytes"));
        let long = "s".repeat(40);
        std::fs::write(&file, format!("{long}\r\n")).unwrap();
        let e = err(Some(&file), Some(&long), &scopes);
        assert!(e.contains("both") && !e.contains(&long), "{e}");
        let e = err(None, Some(&long), &[]);
        assert!(e.contains("--jwt-scope") && !e.contains(&long), "{e}");
        assert!(err(None, None, &scopes).contains("--jwt-secret-file"));
        assert!(err(Some(&file), None, &["doc: x".to_string()]).contains("--jwt-scope"));
        assert!(err(Some(&dir.path().join("none")), None, &scopes).contains("cannot read"));
        assert!(JwtAuth::configure(None, None, &[]).unwrap().is_none());
        // An empty variable counts as unset.
        assert!(
            JwtAuth::configure(None, Some(OsString::new()), &[])
                .unwrap()
                .is_none()
        );
        // The file's line end is not part of the secret.
        let from_file = JwtAuth::configure(Some(&file), None, &scopes)
            .unwrap()
            .unwrap();
        assert_eq!(from_file.source, SecretSource::File);
        let jwt = sign(
            long.as_bytes(),
            &json!({"tenant_id": "t", "exp": now() + 60}),
        );
        assert_eq!(from_file.verify(&jwt), Ok("t".into()));
        let from_env = JwtAuth::configure(None, Some(OsString::from(&long)), &scopes)
            .unwrap()
            .unwrap();
        assert_eq!(from_env.source, SecretSource::Env);
        assert_eq!(from_env.verify(&jwt), Ok("t".into()));
    }
}

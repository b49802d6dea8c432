//! Credentials out of every printed text, below every printer (errors, notes, logs) and
//! the connection code, so that none of them depends on another for it.
//!
//! Two nets, because either alone misses cases: URL-shaped text is redacted by shape, and
//! every password the process learns is registered ([`register_secret`]) and replaced
//! verbatim wherever it shows up ([`scrub`]). The shape rules err on the side of
//! hiding too much: a URL that cannot be parsed still has its password hidden.

use std::sync::{Mutex, OnceLock};

fn secrets() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(Default::default)
}

/// Remembers a credential so that no printed message can ever contain it, whatever layer
/// (ours or a library's) formatted it.
pub fn register_secret(secret: &str) {
    // Very short secrets would blank out ordinary words; they are redacted by URL shape.
    if secret.len() >= 3 {
        secrets()
            .lock()
            .expect("secret list poisoned")
            .push(secret.to_string());
    }
}

/// Replaces every registered secret and the userinfo of any URL in `text`.
pub fn scrub(text: &str) -> String {
    let mut out = redact_urls(text);
    for secret in secrets().lock().expect("secret list poisoned").iter() {
        out = out.replace(secret.as_str(), "***");
    }
    out
}

/// Query parameters that carry a password in Redis URLs (`redis+unix:///s.sock?pass=x`).
const PASSWORD_PARAMS: [&str; 2] = ["password=", "pass="];

/// Replaces the password of every URL-like token in `text` with `***`, keeping the user
/// name: `scheme://user:pw@host`, `scheme://pw@host` (a lone userinfo is a password to
/// Redis), a password containing `/` or `@`, `user:pw@host` without a scheme, and
/// `?password=` / `?pass=` query parameters.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest.find(|c: char| !is_separator(c)).unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find(is_separator).unwrap_or(rest.len());
        out.push_str(&redact_token(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == '"' || c == '\'' || c == ','
}

/// One whitespace-free token: a URL, a bare `user:pw@host`, or anything else.
fn redact_token(token: &str) -> String {
    let (scheme, body) = match token.find("://") {
        Some(pos) => token.split_at(pos + 3),
        None => ("", token),
    };
    let body = if body.starts_with('/') {
        // A unix socket path has no userinfo; its password can only be in the query.
        body.to_string()
    } else {
        redact_userinfo(body, !scheme.is_empty())
    };
    redact_query(&format!("{scheme}{body}"))
}

/// Everything before the last `@` is userinfo: a password may itself contain `/` or `@`
/// (unencoded), so the first `/` cannot be trusted to end the authority.
fn redact_userinfo(body: &str, has_scheme: bool) -> String {
    let Some(at) = body.rfind('@') else {
        return body.to_string();
    };
    let (userinfo, host) = body.split_at(at);
    match userinfo.find(':') {
        Some(colon) => format!("{}:***{host}", &userinfo[..colon]),
        // `scheme://secret@host`; without a scheme this is likely an e-mail address.
        None if has_scheme => format!("***{host}"),
        None => body.to_string(),
    }
}

fn redact_query(text: &str) -> String {
    let mut out = text.to_string();
    for param in PASSWORD_PARAMS {
        let mut from = 0;
        while let Some(pos) = out[from..].find(param).map(|p| p + from) {
            let value_start = pos + param.len();
            // `pass=` inside `password=` was already handled by the longer name.
            let preceded_ok = pos == 0 || matches!(out.as_bytes()[pos - 1], b'?' | b'&' | b';');
            let value_end = out[value_start..]
                .find('&')
                .map_or(out.len(), |e| e + value_start);
            if preceded_ok && &out[value_start..value_end] != "***" {
                out.replace_range(value_start..value_end, "***");
            }
            from = value_start;
        }
    }
    out
}

/// Whether `url` carries a password in itself (userinfo or a query parameter): such a
/// URL on the command line is visible to every user of the machine in `ps`.
pub fn url_has_password(url: &str) -> bool {
    redact_urls(url) != url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_registered_secrets_and_url_credentials() {
        register_secret("hunter2-secret");
        assert_eq!(scrub("auth hunter2-secret failed"), "auth *** failed");
        assert_eq!(
            scrub("cannot reach redis://bob:pw@host:6379/0"),
            "cannot reach redis://bob:***@host:6379/0"
        );
    }

    #[test]
    fn keeps_user_and_host_but_never_the_password() {
        let cases = [
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            (
                "redis://alice:s3cr%40t@db:6380/2",
                "redis://alice:***@db:6380/2",
            ),
            ("redis://:pw@db", "redis://:***@db"),
            ("rediss://pw@db", "rediss://***@db"),
            (
                "a redis://u:p@h1 and redis://h2 then redis://v:q@h3/0",
                "a redis://u:***@h1 and redis://h2 then redis://v:***@h3/0",
            ),
            (
                "redis+unix:///run/r.sock?user=u&pass=pw&db=1",
                "redis+unix:///run/r.sock?user=u&pass=***&db=1",
            ),
            (
                "redis+unix:///run/r.sock?password=S3cretPW",
                "redis+unix:///run/r.sock?password=***",
            ),
            (
                "redis+unix:///run/r.sock?db=1&password=S3cretPW&pass=x",
                "redis+unix:///run/r.sock?db=1&password=***&pass=***",
            ),
            // An unencoded `/` or `@` inside the password.
            ("redis://:S3cretPW/x@host", "redis://:***@host"),
            ("redis://bob:a@b/c@host:1/0", "redis://bob:***@host:1/0"),
            // No scheme at all.
            ("alice:S3cretPW@host", "alice:***@host"),
            (
                "invalid Redis URL alice:S3cretPW@host: bad",
                "invalid Redis URL alice:***@host: bad",
            ),
            ("\"redis://u:pw@h\"", "\"redis://u:***@h\""),
            (
                "redis://u:p1@h1,redis://u:p2@h2",
                "redis://u:***@h1,redis://u:***@h2",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact_urls(input), want, "{input}");
            assert!(!redact_urls(input).contains("S3cretPW"), "{input}");
        }
    }

    #[test]
    fn quotes_end_a_token_so_text_around_a_quoted_url_is_kept() {
        // JSON (an error document, a config dump): the quotes, not only the comma, end
        // the URL; otherwise the next field's `@` would be taken for the URL's host.
        let json = r#"{"url":"alice:S3cretPW@host","mail":"oncall@example.com"}"#;
        assert_eq!(
            redact_urls(json),
            r#"{"url":"alice:***@host","mail":"oncall@example.com"}"#
        );
    }

    #[test]
    fn a_password_parameter_given_twice_is_hidden_twice() {
        assert_eq!(
            redact_urls("redis+unix:///s.sock?pass=S3cretPW&db=1&pass=S3cretPW"),
            "redis+unix:///s.sock?pass=***&db=1&pass=***"
        );
        assert_eq!(
            redact_urls("redis+unix:///s.sock?password=a&password=S3cretPW"),
            "redis+unix:///s.sock?password=***&password=***"
        );
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for text in [
            "cachecore: error: key cc:dep:keys:doc:1 holds a string",
            "mail oncall@example.com",
            "redis+unix:///tmp/a.sock",
            "passes=3 bypass=1",
        ] {
            assert_eq!(redact_urls(text), text);
        }
    }

    #[test]
    fn detects_a_password_in_a_url() {
        assert!(url_has_password("redis://:pw@h"));
        assert!(url_has_password("redis+unix:///s?pass=pw"));
        assert!(!url_has_password("redis://h:6379/0"));
    }
}

//! The API's answers: JSON documents, errors with a precise status and the field at
//! fault, and reading a bounded JSON body. Every error is decided before anything is
//! written, except 409 (a compare-and-set the engine refused, changing nothing) and 503.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::tokens::{self, Principal};
use crate::error::{Exit, exit_for, is_connection_error, one_line};
use crate::layout::validate_hash;

/// The longest `reason` a request may give: it is recorded in the audit trail, bounded
/// and printable.
const MAX_REASON: usize = 1024;
use crate::output::JSON_VERSION;

/// Bodies above this are refused with 413 before they are read whole.
pub const BODY_LIMIT: usize = 1 << 20;

/// The client's address, as the listener saw it (an unspecified address when the router
/// is driven without one, as in unit tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |c| c.0);
        Ok(ClientAddr(addr))
    }
}

/// What the request log records beside the route: set by handlers on their response.
#[derive(Debug, Clone, Default)]
pub struct LogFields {
    /// The caller's name: a token's, `jwt:TENANT` or `anonymous`.
    pub token: Option<String>,
    /// How the caller was admitted.
    pub auth: Option<super::tokens::Kind>,
    pub dep: Option<String>,
    pub error: Option<&'static str>,
    /// Why a credential was refused: the client is told only 401 `unknown_token`.
    pub auth_failure: Option<&'static str>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// A stable machine word: `invalid_body`, `invalid_field`, `unauthorized`, ...
    pub code: &'static str,
    pub field: Option<String>,
    pub message: String,
    pub retry_after_secs: Option<u64>,
    /// Close the connection after this answer (the rest of the request cannot be read).
    pub close: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            field: None,
            message: crate::redact::scrub(&message.into()),
            retry_after_secs: None,
            close: false,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 400 for `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", message).field(field)
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "redis_unavailable",
            message,
        )
    }

    /// An engine or store failure: bad input (400, for `field`), a refusal (409), Redis
    /// out of reach (503), anything else 500. Messages are scrubbed of credentials.
    pub fn from_failure(err: &anyhow::Error, field: &str) -> ApiError {
        let text = one_line(err);
        if is_connection_error(err) {
            return ApiError::unavailable(text);
        }
        match exit_for(err) {
            Exit::Usage => ApiError::invalid(field, text),
            Exit::Negative => ApiError::new(StatusCode::CONFLICT, "refused", text),
            _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "redis_error", text),
        }
    }
}

#[derive(Serialize)]
struct ErrorDoc<'a> {
    version: u32,
    status: u16,
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let doc = ErrorDoc {
            version: JSON_VERSION,
            status: self.status.as_u16(),
            error: self.code,
            field: self.field.as_deref(),
            message: &self.message,
        };
        let mut resp = json_response(self.status, &doc);
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"cachecore\""),
            );
        }
        if let Some(secs) = self.retry_after_secs {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.close {
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        resp.extensions_mut().insert(LogFields {
            error: Some(self.code),
            ..LogFields::default()
        });
        resp
    }
}

pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let mut body = serde_json::to_vec(value).expect("API documents serialize");
    body.push(b'\n');
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `{"version": 1, "command": ..., <value's fields>}`, the CLI's `--json` document.
pub fn document<T: Serialize>(status: StatusCode, command: &str, value: &T) -> Response {
    #[derive(Serialize)]
    struct Doc<'a, T> {
        version: u32,
        command: &'a str,
        #[serde(flatten)]
        body: &'a T,
    }
    json_response(
        status,
        &Doc {
            version: JSON_VERSION,
            command,
            body: value,
        },
    )
}

/// Reads the body whole, refusing more than [`BODY_LIMIT`] bytes (by the declared length
/// first, so an oversized upload is refused without reading it).
/// Reads the whole body within `timeout` (the `--body-timeout` flag): a body trickled in a
/// byte at a time would otherwise hold its connection for as long as the client likes.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    timeout: Duration,
) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is over the limit of {BODY_LIMIT} bytes; nothing was changed"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return Err(too_large());
    }
    let Ok(read) = tokio::time::timeout(timeout, axum::body::to_bytes(body, BODY_LIMIT)).await
    else {
        let mut err = ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!(
                "the request body did not arrive within {} (--body-timeout); nothing was changed",
                humantime::format_duration(timeout)
            ),
        );
        err.close = true;
        return Err(err);
    };
    match read {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(e) => {
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if over {
                Err(too_large())
            } else {
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    format!("could not read the request body: {e}"),
                ))
            }
        }
    }
}

/// Parses a JSON body into `T`, naming the field at fault. The Content-Type is not
/// checked: the documented `curl -d` sends its form type with a JSON body.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = parsed.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." {
            // Missing and unknown fields are reported at the object itself: the name is
            // in the message, between backticks.
            let msg = inner.to_string();
            msg.split('`').nth(1).map(str::to_string)
        } else {
            Some(path)
        };
        let err = ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("the body is not the expected JSON: {inner}; nothing was changed"),
        );
        match field {
            Some(f) if !inner.is_syntax() && !inner.is_eof() => err.field(f),
            _ => err,
        }
    })?;
    de.end().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("the body has more than one JSON value: {e}; nothing was changed"),
        )
    })?;
    Ok(value)
}

/// The body of `POST /v1/invalidate` (shared with the policy form of it).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InvalidateBody {
    pub dep_id: String,
    /// Generated as the CLI does when omitted (the product's clients may omit it).
    pub new_hash: Option<String>,
    pub if_hash: Option<String>,
    pub soft: Option<bool>,
    pub reason: Option<String>,
}

/// 403 for `p`, naming what it may not do and the scopes it has.
pub(super) fn forbidden(p: &Principal, field: &str, what: String) -> ApiError {
    let scopes: Vec<String> = p.scopes.iter().map(tokens::Scope::text).collect();
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!(
            "{} may not {what} (its scopes: {}); nothing was changed",
            p.describe(),
            scopes.join(", ")
        ),
    )
    .field(field)
}

pub(super) fn check_reason(reason: &Option<String>) -> Result<(), ApiError> {
    match reason {
        Some(r) if r.len() > MAX_REASON || r.chars().any(char::is_control) => {
            Err(ApiError::invalid(
                "reason",
                format!("reason must be at most {MAX_REASON} bytes without control characters"),
            ))
        }
        _ => Ok(()),
    }
}

pub(super) fn hash_field(field: &str, hash: &str) -> Result<(), ApiError> {
    validate_hash(hash).map_err(|e| ApiError::invalid(field, format!("{field}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        dep_id: String,
        soft: Option<bool>,
    }

    #[test]
    fn errors_name_the_field() {
        let field = |text: &str| parse_json::<Body>(text.as_bytes()).unwrap_err().field;
        assert_eq!(field(r#"{}"#).as_deref(), Some("dep_id"));
        assert_eq!(field(r#"{"dep_id": 5}"#).as_deref(), Some("dep_id"));
        assert_eq!(
            field(r#"{"dep_id": "a", "soft": "yes"}"#).as_deref(),
            Some("soft")
        );
        assert_eq!(
            field(r#"{"dep_id": "a", "new_has": "x"}"#).as_deref(),
            Some("new_has")
        );
        assert_eq!(field(r#"{"dep_id": "#), None);
        assert_eq!(field(r#"{"dep_id": "a"} {}"#), None);
        assert!(parse_json::<Body>(br#"{"dep_id": "a"}"#).is_ok());
    }
}

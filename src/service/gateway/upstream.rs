//! The upstream: any OpenAI-compatible base URL. Requests go out with the client's body
//! and headers, minus every credential of the client's (Authorization, X-Cachecore-*) and
//! the hop-by-hop headers, plus the operator's upstream key: a client's cachecore token is
//! never sent to a third party, and the upstream key never reaches a client.

use std::time::Duration;

use anyhow::{Context as _, Result};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Uri, header};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::invalid;

/// Headers that belong to one connection, never forwarded in either direction.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

pub struct Upstream {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Body>,
    /// The base URL without a trailing slash, e.g. `https://api.openai.com/v1`.
    base: String,
    /// `Bearer <key>`, marked sensitive so no debug output shows it.
    auth: HeaderValue,
    pub timeout: Duration,
}

impl Upstream {
    pub fn new(base: &str, key: &str, timeout: Duration) -> Result<Upstream> {
        let uri: Uri = base
            .parse()
            .map_err(|e| invalid(format!("--upstream {base}: not a URL: {e}")))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(invalid(format!(
                "--upstream {base}: give an http:// or https:// base URL, such as https://api.openai.com/v1"
            )));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
            invalid("the upstream key holds characters a header cannot carry (check the file or CACHECORE_UPSTREAM_KEY)")
        })?;
        auth.set_sensitive(true);
        // No small write may wait on Nagle for the upstream's delayed ACK (40 ms). hyper
        // writes a request's head and body together today; the latency should not
        // depend on that.
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .context("reading the system's root certificates for --upstream")?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Ok(Upstream {
            client,
            base: base.trim_end_matches('/').to_string(),
            auth,
            timeout,
        })
    }

    /// Sends `body` to the upstream's `path` (relative to the base, e.g. `/chat/completions`)
    /// with the client's `headers` cleaned; the response head, its body still streaming.
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<hyper::Response<Incoming>> {
        let url = format!("{}{path_and_query}", self.base);
        let mut req = Request::builder()
            .method(method)
            .uri(&url)
            .body(body)
            .context("building the upstream request")?;
        *req.headers_mut() = outgoing(headers);
        req.headers_mut()
            .insert(header::AUTHORIZATION, self.auth.clone());
        let resp = tokio::time::timeout(self.timeout, self.client.request(req))
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "the upstream sent no response head within {} (--upstream-timeout)",
                    humantime::format_duration(self.timeout)
                )
            })?
            .map_err(|e| anyhow::anyhow!("the upstream request failed: {e}"))?;
        Ok(resp)
    }
}

/// The client's headers as the upstream may see them.
pub fn outgoing(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let n = name.as_str();
        if HOP_BY_HOP.contains(&n)
            || n == "authorization"
            || n.starts_with("x-cachecore-")
            || n == "content-length"
            || n == "accept-encoding"
        {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

/// The upstream's response headers as the client may see them.
pub fn incoming(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if HOP_BY_HOP.contains(&name.as_str()) || name == header::CONTENT_LENGTH {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_credentials_never_leave() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "Bearer cc_live_secret".parse().unwrap());
        h.insert("x-cachecore-token", "cc_live_secret".parse().unwrap());
        h.insert("X-CacheCore-Deps", "W10".parse().unwrap());
        h.insert("connection", "keep-alive".parse().unwrap());
        h.insert("content-type", "application/json".parse().unwrap());
        h.insert("x-stainless-lang", "python".parse().unwrap());
        let out = outgoing(&h);
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(out.contains_key("content-type") && out.contains_key("x-stainless-lang"));
    }
}

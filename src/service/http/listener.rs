//! The accept loop of the HTTP services, written here rather than taken from
//! `axum::serve`, which has no header timeout, no connection limit and keeps accepting
//! into `EMFILE`: a few hundred sockets that send half a request head would otherwise
//! hold every file handle, and health checks would time out (issue 22).
//!
//! - A connection not in a request for longer than the header timeout is closed: a head
//!   that never completes, and an idle kept-alive connection alike.
//! - At the connection limit, the connection idle the longest is closed for the newcomer;
//!   with none idle, a small headroom is kept for health checks; past it, refused.
//! - Every request gets the client's address (`ConnectInfo<SocketAddr>`).
//! - TLS handshakes run inside the connection's task, under the same timeout.
//! - Shutdown: stop accepting, let requests in flight finish, close idle connections.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt as _;

use super::registry::{Admission, Registry};
use crate::service::log;

/// The listener's limits (flags of `serve`, documented in its guide).
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a connection may wait for a complete request head.
    pub header_timeout: Duration,
    /// How long a request body may take to arrive (applied by the handlers that read one).
    pub body_timeout: Duration,
    /// Connections open at once, before the headroom.
    pub max_connections: usize,
}

/// Connections let in past the limit when none is idle, for health checks only.
pub const HEALTH_HEADROOM: usize = 32;
/// File handles kept free for everything but client connections (Redis, logs, files).
const RESERVED_FDS: u64 = 64;
/// Paths a connection in the headroom may still ask for.
const HEALTH_PATHS: [&str; 4] = ["/healthz", "/health", "/readyz", "/metrics"];

/// What the listener's limits did, for the metrics and the log.
#[derive(Debug, Default)]
pub struct ConnCounters {
    pub accepted: AtomicU64,
    pub header_timeouts: AtomicU64,
    pub evicted: AtomicU64,
    pub health_only: AtomicU64,
    pub refused: AtomicU64,
    pub accept_errors: AtomicU64,
    pub open: AtomicU64,
}

impl ConnCounters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// (header timeouts, evicted, health only, refused, accept errors).
    fn acted(&self) -> [u64; 5] {
        [
            &self.header_timeouts,
            &self.evicted,
            &self.health_only,
            &self.refused,
            &self.accept_errors,
        ]
        .map(|c| c.load(Ordering::Relaxed))
    }

    /// Prometheus lines, appended to the service's own.
    pub fn render(&self, out: &mut String, prefix: &str) {
        use std::fmt::Write as _;
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP {prefix}_connections_open Client connections open now.\n# TYPE {prefix}_connections_open gauge\n{prefix}_connections_open {}",
            get(&self.open)
        );
        let _ = writeln!(
            out,
            "# HELP {prefix}_connections_accepted_total Client connections accepted.\n# TYPE {prefix}_connections_accepted_total counter\n{prefix}_connections_accepted_total {}",
            get(&self.accepted)
        );
        let _ = writeln!(
            out,
            "# HELP {prefix}_connections_closed_total Connections the limits closed or refused, by reason.\n# TYPE {prefix}_connections_closed_total counter"
        );
        for (reason, c) in [
            ("header_timeout", &self.header_timeouts),
            ("evicted_at_limit", &self.evicted),
            ("refused_over_limit", &self.refused),
        ] {
            let _ = writeln!(
                out,
                "{prefix}_connections_closed_total{{reason=\"{reason}\"}} {}",
                get(c)
            );
        }
        let _ = writeln!(
            out,
            "# HELP {prefix}_connections_health_only_total Connections let in past the limit for health checks only.\n# TYPE {prefix}_connections_health_only_total counter\n{prefix}_connections_health_only_total {}",
            get(&self.health_only)
        );
        let _ = writeln!(
            out,
            "# HELP {prefix}_accept_errors_total Failed accepts (out of file handles and the like).\n# TYPE {prefix}_accept_errors_total counter\n{prefix}_accept_errors_total {}",
            get(&self.accept_errors)
        );
    }
}

/// Raises this process's soft limit on open files to its hard limit (services are often
/// started with a soft limit of 1,024 and a far higher hard one), and returns the soft
/// limit in force.
pub fn raise_open_file_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur < lim.rlim_max {
            let wanted = libc::rlimit {
                rlim_cur: lim.rlim_max.min(1 << 20),
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) == 0 {
                lim = wanted;
            }
        }
    }
    lim.rlim_cur
}

/// Pending connections the kernel queues before `accept` (it clamps this to
/// `net.core.somaxconn`). The default of std and tokio is 128: a burst of more connects
/// than that overflows the queue, and each dropped SYN costs its client a one-second
/// retransmit.
const BACKLOG: u32 = 4096;

/// Binds `addr` (host:port, a name resolved) with the backlog above.
pub async fn bind(addr: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for a in tokio::net::lookup_host(addr).await? {
        let socket = if a.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(a).and_then(|()| socket.listen(BACKLOG)) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the name resolves to no address",
        )
    }))
}

/// The connection limit that fits in `open_files` handles with the headroom and the
/// reserve kept free, so that `accept` never runs out of handles.
pub fn effective_max_connections(wanted: usize, open_files: u64) -> usize {
    let fits = open_files.saturating_sub(RESERVED_FDS + HEALTH_HEADROOM as u64) as usize;
    wanted.min(fits).max(1)
}

/// Serves `router` on `listener` until `shutdown` resolves, then waits up to `drain` for
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    router: Router,
    limits: Limits,
    counters: Arc<ConnCounters>,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) {
    let registry = Arc::new(Registry::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let reaper = tokio::spawn(reap(
        registry.clone(),
        counters.clone(),
        limits.header_timeout,
    ));
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(_) => {
                    // Out of file handles and the like: wait instead of spinning.
                    ConnCounters::add(&counters.accept_errors, 1);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        ConnCounters::add(&counters.accepted, 1);
        let (admission, evicted) =
            registry.admit(limits.max_connections, HEALTH_HEADROOM, Instant::now());
        if evicted {
            ConnCounters::add(&counters.evicted, 1);
        }
        let (ticket, health_only) = match admission {
            Admission::Served(t) => (t, false),
            Admission::HealthOnly(t) => {
                ConnCounters::add(&counters.health_only, 1);
                (t, true)
            }
            Admission::Refused => {
                ConnCounters::add(&counters.refused, 1);
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let conn = Connection {
            registry: registry.clone(),
            counters: counters.clone(),
            router: router.clone(),
            peer,
            id: ticket.id,
            health_only,
        };
        tokio::spawn(conn.serve(
            tcp,
            acceptor.clone(),
            limits.header_timeout,
            ticket.close,
            stop_rx.clone(),
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let deadline = Instant::now() + drain;
    while !registry.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    reaper.abort();
}

fn counters_open(c: &ConnCounters, delta: i64) {
    if delta > 0 {
        c.open.fetch_add(1, Ordering::Relaxed);
    } else {
        c.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Closes connections that waited too long for a request head, and logs one line a
/// second at most when the limits acted (a flood of closes is one line, not a flood).
async fn reap(registry: Arc<Registry>, counters: Arc<ConnCounters>, timeout: Duration) {
    let tick = (timeout / 4).clamp(Duration::from_millis(50), Duration::from_millis(500));
    let mut logged = counters.acted();
    let mut last_log = Instant::now();
    loop {
        tokio::time::sleep(tick).await;
        let n = registry.expire(timeout, Instant::now());
        ConnCounters::add(&counters.header_timeouts, n);
        let now = counters.acted();
        if now != logged && last_log.elapsed() >= Duration::from_secs(1) {
            let d = |i: usize| now[i] - logged[i];
            log(
                "connection_limits",
                serde_json::json!({
                    "closed_header_timeout": d(0),
                    "closed_evicted_at_limit": d(1),
                    "health_only_over_limit": d(2),
                    "refused_over_limit": d(3),
                    "accept_errors": d(4),
                    "open": registry.len(),
                    "header_timeout_ms": timeout.as_millis() as u64,
                }),
            );
            logged = now;
            last_log = Instant::now();
        }
    }
}

/// One accepted connection.
struct Connection {
    registry: Arc<Registry>,
    counters: Arc<ConnCounters>,
    router: Router,
    peer: SocketAddr,
    id: u64,
    health_only: bool,
}

impl Connection {
    /// Serves the connection (after its TLS handshake, under the header timeout), then
    /// takes it off the registry.
    async fn serve(
        self,
        tcp: tokio::net::TcpStream,
        acceptor: Option<tokio_rustls::TlsAcceptor>,
        timeout: Duration,
        close: Arc<tokio::sync::Notify>,
        stop: watch::Receiver<bool>,
    ) {
        counters_open(&self.counters, 1);
        match acceptor {
            None => self.run(tcp, close, stop).await,
            Some(acceptor) => {
                let handshake = tokio::select! {
                    r = tokio::time::timeout(timeout, acceptor.accept(tcp)) => r.ok().and_then(Result::ok),
                    () = close.notified() => None,
                };
                if let Some(tls) = handshake {
                    self.run(tls, close, stop).await;
                }
            }
        }
        self.registry.remove(self.id);
        counters_open(&self.counters, -1);
    }

    async fn run<I>(&self, io: I, close: Arc<tokio::sync::Notify>, mut stop: watch::Receiver<bool>)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (registry, router, peer, id) = (
            self.registry.clone(),
            self.router.clone(),
            self.peer,
            self.id,
        );
        let health_only = self.health_only;
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let guard = RequestGuard::new(registry.clone(), id);
            let router = router.clone();
            async move {
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                let resp = if health_only && !HEALTH_PATHS.contains(&req.uri().path()) {
                    at_limit()
                } else {
                    router.oneshot(req).await.unwrap_or_else(|e| match e {})
                };
                // The connection counts as in a request until the body is sent whole.
                Ok::<_, std::convert::Infallible>(resp.map(move |b| {
                    Body::new(b.map_frame(move |f| {
                        let _ = &guard;
                        f
                    }))
                }))
            }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .keep_alive(true)
            .serve_connection(TokioIo::new(io), service);
        tokio::pin!(conn);
        let mut stopping = false;
        loop {
            tokio::select! {
                _ = conn.as_mut() => return,
                () = close.notified() => {
                    if self.registry.in_flight(self.id) == 0 {
                        return;
                    }
                    // A request arrived since the decision: let it finish, then close.
                    conn.as_mut().graceful_shutdown();
                }
                _ = stop.changed(), if !stopping => {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Marks the connection as in a request for as long as it lives.
struct RequestGuard {
    registry: Arc<Registry>,
    id: u64,
}

impl RequestGuard {
    fn new(registry: Arc<Registry>, id: u64) -> RequestGuard {
        registry.begin(id);
        RequestGuard { registry, id }
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.registry.end(self.id, Instant::now());
    }
}

fn at_limit() -> Response<Body> {
    let body = serde_json::json!({
        "version": crate::output::JSON_VERSION,
        "status": 503,
        "error": "connection_limit",
        "message": "the server is at its connection limit; only health checks are answered on this connection; retry shortly; nothing was changed",
    });
    Response::builder()
        .status(StatusCode::SERVICE_UNAVAILABLE)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::RETRY_AFTER, "1")
        .header(header::CONNECTION, "close")
        .body(Body::from(body.to_string()))
        .expect("a static response builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_leaves_the_reserve_and_the_headroom_free() {
        assert_eq!(effective_max_connections(4096, 1024), 1024 - 64 - 32);
        assert_eq!(effective_max_connections(100, 1024), 100);
        assert_eq!(effective_max_connections(100, 10), 1);
    }
}

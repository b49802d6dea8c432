//! Reaching Redis: URLs, credentials, TLS, and one connection type for a single node and
//! a cluster. In a cluster every command is routed on its own (redis-rs splits multi-key
//! commands by slot and follows MOVED and ASK), so the pipelines built by the store work
//! unchanged: see [`Conn`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::io::tcp::TcpSettings;
use redis::{
    AsyncConnectionConfig, Client, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisFuture,
    Value,
};

use super::Store;
use crate::error::{invalid, redis_failure};
use crate::redact::redact_urls;
use crate::redact::register_secret;

/// Where and how to connect, resolved from the command line and environment.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// One URL, or several seed nodes of one cluster.
    pub urls: Vec<String>,
    pub cluster: ClusterMode,
    /// Applies to the connection attempt and to every single command or pipeline.
    pub timeout: Duration,
    /// ACL user; overrides one in the URL.
    pub user: Option<String>,
    /// Where the password comes from when it is not in the URL.
    pub password: Option<PasswordSource>,
    pub tls: TlsFiles,
}

/// A password given outside the URL, so that it never appears on a command line.
#[derive(Clone)]
pub enum PasswordSource {
    /// The value of CACHECORE_REDIS_PASSWORD.
    Env(String),
    /// The first line of this file.
    File(PathBuf),
}

impl std::fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordSource::Env(_) => f.write_str("Env(***)"),
            PasswordSource::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

impl PasswordSource {
    fn read(&self) -> Result<String> {
        match self {
            PasswordSource::Env(pw) => Ok(pw.clone()),
            PasswordSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    invalid(format!(
                        "cannot read --password-file {}: {e}",
                        path.display()
                    ))
                })?;
                let pw = text.lines().next().unwrap_or("").to_string();
                if pw.is_empty() {
                    return Err(invalid(format!(
                        "--password-file {} is empty; its first line must be the password",
                        path.display()
                    )));
                }
                Ok(pw)
            }
        }
    }
}

/// TLS settings beyond the `rediss://` scheme.
#[derive(Debug, Clone, Default)]
pub struct TlsFiles {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure: bool,
}

impl TlsFiles {
    fn any(&self) -> bool {
        self.ca.is_some() || self.cert.is_some() || self.insecure
    }

    /// The CA and client certificate to use instead of the defaults, if any were given.
    pub(super) fn certificates(&self) -> Result<Option<redis::TlsCertificates>> {
        let client_tls = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
                client_cert: read_pem("--tls-cert", cert)?,
                client_key: read_pem("--tls-key", key)?,
            }),
            _ => None,
        };
        let root_cert = self
            .ca
            .as_deref()
            .map(|p| read_pem("--tls-ca", p))
            .transpose()?;
        Ok(
            (client_tls.is_some() || root_cert.is_some()).then_some(redis::TlsCertificates {
                client_tls,
                root_cert,
            }),
        )
    }
}

impl ConnectOptions {
    pub(super) fn seeds(&self) -> impl Iterator<Item = &str> {
        self.urls.iter().map(String::as_str)
    }
}

fn read_pem(flag: &str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| invalid(format!("cannot read {flag} {}: {e}", path.display())))
}

/// Builds the client for one URL: the URL, then the user and password given outside it,
/// then TLS. Input problems (unreadable files, a password given twice, TLS flags without
/// a rediss:// URL) are usage errors: exit 2, nothing was contacted.
fn build_client(opts: &ConnectOptions, url: &str, endpoint: &str) -> Result<Client> {
    let info = url.into_connection_info().map_err(|e| {
        invalid(format!(
            "invalid Redis URL {endpoint}: {e} (expected redis://[user:password@]host[:port][/db], rediss://..., or redis+unix:///path/to.sock)"
        ))
    })?;
    // Many small pipelined writes are in flight at once: Nagle's algorithm would hold
    // them back for delayed ACKs (redis-rs leaves it on by default).
    let mut info = info.set_tcp_settings(TcpSettings::default().set_nodelay(true));
    let mut settings = info.redis_settings().clone();
    if let Some(user) = &opts.user {
        settings = settings.set_username(user);
    }
    if let Some(source) = &opts.password {
        if settings.password().is_some() {
            return Err(invalid(
                "two passwords given: one in the URL and one from CACHECORE_REDIS_PASSWORD or --password-file; keep one",
            ));
        }
        settings = settings.set_password(source.read()?);
    }
    if let Some(pw) = settings.password() {
        register_secret(pw);
    }
    info = info.set_redis_settings(settings);
    let tls = &opts.tls;
    let ConnectionAddr::TcpTls { host, port, .. } = info.addr().clone() else {
        if tls.any() {
            return Err(invalid(format!(
                "--tls-ca, --tls-cert, --tls-key and --tls-insecure need a rediss:// URL, not {endpoint}"
            )));
        }
        return Client::open(info)
            .map_err(|e| invalid(format!("invalid Redis URL {endpoint}: {e}")));
    };
    // rustls needs one process-wide crypto provider; a second install is a harmless no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if tls.insecure {
        info = info.set_addr(ConnectionAddr::TcpTls {
            host,
            port,
            insecure: true,
            tls_params: None,
        });
    }
    match tls.certificates()? {
        None => {
            Client::open(info).map_err(|e| invalid(format!("invalid Redis URL {endpoint}: {e}")))
        }
        Some(certs) => Client::build_with_tls(info, certs)
            .map_err(|e| invalid(format!("cannot use the TLS files for {endpoint}: {e}"))),
    }
}

/// One connection, to a single node or to a cluster. Cloning shares it.
#[derive(Clone)]
pub enum Conn {
    Single(MultiplexedConnection),
    Cluster {
        conn: ClusterConnection,
        /// Primaries as (host, port), for commands that must visit each one (SCAN).
        primaries: Arc<Vec<(String, u16)>>,
        /// Which primary serves each slot, as last read: deletion groups a batch's keys
        /// by node with it (see `Store::unlink_tiers`). A slot that moved makes that
        /// node's call fail, which falls back to per-key commands and reads this again.
        slots: Arc<std::sync::RwLock<SlotMap>>,
    },
}

/// Slot ranges and the index (in `primaries`) of the node serving each.
#[derive(Debug, Clone, Default)]
pub struct SlotMap(Vec<(u16, u16, usize)>);

impl SlotMap {
    /// The node serving `slot`, if the map knows it.
    pub fn node(&self, slot: u16) -> Option<usize> {
        self.0
            .iter()
            .find(|(start, end, _)| (*start..=*end).contains(&slot))
            .map(|(_, _, node)| *node)
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a redis::Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster { conn, .. } => conn.req_packed_command(cmd),
        }
    }

    /// On a cluster a pipeline's commands may live in different slots, which redis-rs
    /// cannot send as one: each command goes on its own, all at once (they still share
    /// one multiplexed socket per node, so they are pipelined on the wire), and the
    /// replies come back in order, server errors in place as a pipeline gives them.
    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Cluster { conn, .. } => Box::pin(async move {
                debug_assert!(!pipeline.is_transaction(), "no MULTI across slots");
                let sends = pipeline.cmd_iter().map(|cmd| {
                    let mut conn = conn.clone();
                    async move {
                        match split_by_key(cmd) {
                            None => conn.req_packed_command(cmd).await,
                            // Counted per key and summed, as the multi-key command would.
                            Some(parts) => {
                                let counts = parts.iter().map(|part| {
                                    let mut conn = conn.clone();
                                    async move { conn.req_packed_command(part).await }
                                });
                                let mut sum = 0i64;
                                for count in futures_util::future::join_all(counts).await {
                                    sum += redis::from_redis_value::<i64>(count?)?;
                                }
                                Ok(Value::Int(sum))
                            }
                        }
                    }
                });
                let mut replies = Vec::with_capacity(pipeline.len());
                for reply in futures_util::future::join_all(sends).await {
                    replies.push(match reply {
                        Ok(v) => v,
                        Err(e) => match redis::ServerError::try_from(e) {
                            Ok(server) => Value::ServerError(server),
                            Err(e) => return Err(e),
                        },
                    });
                }
                Ok(replies.into_iter().skip(offset).take(count).collect())
            }),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster { .. } => 0,
        }
    }
}

/// Whether to talk to a cluster: detected from the first seed unless forced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClusterMode {
    #[default]
    Detect,
    Force,
}

/// The clients for every seed URL, credentials and TLS applied.
fn clients(opts: &ConnectOptions, endpoint: &str) -> Result<Vec<Client>> {
    opts.seeds()
        .map(|url| build_client(opts, url, endpoint))
        .collect()
}

/// A cluster connection from the seeds' connection infos, with the same timeouts.
async fn cluster(
    opts: &ConnectOptions,
    seeds: &[Client],
    certs: Option<redis::TlsCertificates>,
) -> redis::RedisResult<Conn> {
    let infos: Vec<ConnectionInfo> = seeds
        .iter()
        .map(|c| c.get_connection_info().clone())
        .collect();
    let first = infos[0].clone();
    let mut builder = ClusterClientBuilder::new(infos)
        .connection_timeout(opts.timeout)
        .response_timeout(opts.timeout)
        // A node that is down fails its commands after a short, bounded retry rather
        // than redis-rs's default of many.
        .retries(2)
        .tcp_settings(TcpSettings::default().set_nodelay(true));
    let settings = first.redis_settings();
    if let Some(user) = settings.username() {
        builder = builder.username(user);
    }
    if let Some(pw) = settings.password() {
        builder = builder.password(pw);
    }
    if let ConnectionAddr::TcpTls { insecure, .. } = first.addr() {
        builder = builder.tls(if *insecure {
            redis::TlsMode::Insecure
        } else {
            redis::TlsMode::Secure
        });
        if let Some(certs) = certs {
            builder = builder.certs(certs);
        }
    }
    let client = builder.build()?;
    let mut conn = client.get_async_connection().await?;
    let (primaries, slots) = topology(&mut conn).await?;
    Ok(Conn::Cluster {
        conn,
        primaries: Arc::new(primaries),
        slots: Arc::new(std::sync::RwLock::new(slots)),
    })
}

/// Reads the slot map again (after a node's call failed because a slot moved). Node
/// indexes refer to the primaries found at connect time; a primary that was not there
/// then is left out, so its keys take the per-key path.
pub(super) async fn refresh_slots(conn: &mut Conn) {
    let Conn::Cluster {
        conn,
        primaries,
        slots,
    } = conn
    else {
        return;
    };
    if let Ok(ranges) = slot_ranges(conn).await {
        let map = SlotMap(
            ranges
                .into_iter()
                .filter_map(|(start, end, node)| {
                    primaries
                        .iter()
                        .position(|p| *p == node)
                        .map(|i| (start, end, i))
                })
                .collect(),
        );
        *slots.write().expect("slot map poisoned") = map;
    }
}

type Node = (String, u16);

/// The primaries and the slot map, from CLUSTER SLOTS (each range's first node is its
/// primary).
async fn topology(conn: &mut ClusterConnection) -> redis::RedisResult<(Vec<Node>, SlotMap)> {
    let ranges = slot_ranges(conn).await?;
    let mut primaries: Vec<Node> = Vec::new();
    for (_, _, node) in &ranges {
        if !primaries.contains(node) {
            primaries.push(node.clone());
        }
    }
    primaries.sort();
    let map = ranges
        .into_iter()
        .map(|(start, end, node)| {
            let i = primaries.iter().position(|p| *p == node).expect("listed");
            (start, end, i)
        })
        .collect();
    Ok((primaries, SlotMap(map)))
}

async fn slot_ranges(conn: &mut ClusterConnection) -> redis::RedisResult<Vec<(u16, u16, Node)>> {
    let ranges: Vec<Value> = redis::cmd("CLUSTER").arg("SLOTS").query_async(conn).await?;
    let mut out = Vec::new();
    for range in ranges {
        let Value::Array(parts) = range else { continue };
        let (Some(start), Some(end), Some(Value::Array(node))) =
            (parts.first(), parts.get(1), parts.get(2))
        else {
            continue;
        };
        let start: u16 = redis::from_redis_value(start.clone())?;
        let end: u16 = redis::from_redis_value(end.clone())?;
        let host: String = redis::from_redis_value(node[0].clone())?;
        let port: u16 = redis::from_redis_value(node[1].clone())?;
        out.push((start, end, (host, port)));
    }
    Ok(out)
}

/// A multi-key UNLINK or EXISTS as one command per key, so that each is routed (and
/// redirected during a reshard) on its own; `None` for any other command.
fn split_by_key(cmd: &redis::Cmd) -> Option<Vec<redis::Cmd>> {
    let mut args = cmd.args_iter().filter_map(|a| match a {
        redis::Arg::Simple(bytes) => Some(bytes),
        _ => None,
    });
    let name = args.next()?;
    if !(name.eq_ignore_ascii_case(b"UNLINK") || name.eq_ignore_ascii_case(b"EXISTS")) {
        return None;
    }
    let keys: Vec<&[u8]> = args.collect();
    (keys.len() > 1).then(|| {
        keys.into_iter()
            .map(|k| {
                let mut c = redis::Cmd::new();
                c.arg(name).arg(k);
                c
            })
            .collect()
    })
}

impl ConnectOptions {
    /// Checks everything that can be checked without contacting a server (each URL
    /// parses, files are readable, TLS flags fit the URLs): a long-running command calls
    /// it at start, so a URL that can never work is exit 2 there and not a retry loop.
    pub fn validate(&self) -> Result<()> {
        let endpoint = self.seeds().map(redact_urls).collect::<Vec<_>>().join(",");
        clients(self, &endpoint).map(drop)
    }
}

impl Store {
    /// Connects to the first seed that answers, then, if it is a cluster node (or
    /// `--cluster` forces it), to the whole cluster through all the seeds.
    pub async fn connect(opts: &ConnectOptions) -> Result<Store> {
        let endpoint = opts.seeds().map(redact_urls).collect::<Vec<_>>().join(",");
        let clients = clients(opts, &endpoint)?;
        let failed = |e: redis::RedisError| {
            let hint = if is_auth_error(&e) {
                "check the user and password"
            } else if is_certificate_error(&e) {
                "the server's certificate is not trusted: pass --tls-ca with the CA that signed it (--tls-insecure only for a self-signed test setup)"
            } else {
                "check --redis-url (or CACHECORE_REDIS_URL / REDIS_URL) and that the server is running"
            };
            redis_failure(format!(
                "cannot connect to Redis at {endpoint}: {e}; {hint}"
            ))
        };
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(opts.timeout))
            .set_response_timeout(Some(opts.timeout));
        let mut first = None;
        let mut last_error = None;
        for client in &clients {
            match client
                .get_multiplexed_async_connection_with_config(&config)
                .await
            {
                Ok(c) => {
                    first = Some(c);
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        let Some(mut first) = first else {
            return Err(failed(last_error.expect("at least one seed")));
        };
        // HELLO without a protocol version reports the server's mode without switching
        // protocols, and needs no ACL permission. The handshake may also succeed on a
        // server that refuses every command (auth required but none given): this finds
        // out before any work.
        let hello: HashMap<String, Value> = redis::cmd("HELLO")
            .query_async(&mut first)
            .await
            .map_err(|e| {
                redis_failure(format!(
                    "Redis at {endpoint} refused HELLO: {e}; check the user and password"
                ))
            })?;
        let is_cluster = opts.cluster == ClusterMode::Force
            || hello.get("mode").is_some_and(|m| {
                redis::from_redis_value::<String>(m.clone()).is_ok_and(|m| m == "cluster")
            });
        let conn = if is_cluster {
            let certs = opts.tls.certificates()?;
            cluster(opts, &clients, certs).await.map_err(failed)?
        } else if clients.len() > 1 {
            return Err(invalid(format!(
                "several --redis-url values are the seeds of one cluster, but {endpoint} is not a cluster (pass one URL, or --cluster to force cluster mode)"
            )));
        } else {
            Conn::Single(first)
        };
        // A single node has exactly one URL: that client is the one to dial again.
        let redial =
            matches!(conn, Conn::Single(_)).then(|| Arc::new((clients[0].clone(), config.clone())));
        Ok(Store {
            conn,
            endpoint,
            redial,
            reconnects: Arc::default(),
        })
    }
}

fn is_certificate_error(e: &redis::RedisError) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    text.contains("certificate") || text.contains("unknownissuer")
}

fn is_auth_error(e: &redis::RedisError) -> bool {
    let text = e.to_string();
    text.contains("WRONGPASS") || text.contains("NOAUTH") || text.contains("AuthenticationFailed")
}

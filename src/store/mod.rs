//! The one module that speaks Redis: the [`Store`] handle, the one repeat-aware `send`
//! every round trip goes through, pipelines of per-item commands, and keyspace scans. The
//! primitives live beside it by family: `connect` (URLs, credentials, TLS, a node or a
//! cluster), `invalidate`, `prune`, `entries` and `admin`. No command issues Redis calls
//! of its own, so batching, routing, retries and error context are decided here once.

mod admin;
mod connect;
mod entries;
// The gateway's lookup, race-safe write and coalescing lock (issue 25).
mod gateway;
mod invalidate;
mod local_server;
mod prune;
mod scripts;
mod stream_replies;
mod streams;
mod sweep;
// The HTTP API's tokens (issue 14).
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{AsyncConnectionConfig, Pipeline, RedisResult, Value};

pub use admin::{PolicyKeys, PolicyRoll, PolicyState};
use connect::Conn;
pub use connect::{ClusterMode, ConnectOptions, PasswordSource, TlsFiles};
pub use entries::{EntryFields, EntryState, MemberProbe, NewEntry};
pub use gateway::{Found, GatewayWrite, Lookup, LookupFor, Peek, TokenFound, WriteDep};
pub use invalidate::{
    DepKeys, Detached, FinalBatch, HashCondition, HashSwap, HashWrite, Preflight, SweepRequest,
    Unlinked,
};
pub use local_server::LocalServer;
pub use prune::PrunePage;
use scripts::Script;
pub use stream_replies::{Fields, GateOutcome, RawEntry};
pub use streams::{ConsumerInfo, Gate, GateSweep, GroupInfo};
pub use sweep::Sweep;
pub use tokens::TokenRecord;
pub use tokens::{NewToken, StoredToken, TokenKeys};

use crate::error::redis_failure;
use crate::printable::printable;

/// Cloning is cheap and shares the connection: concurrent tasks each hold a clone and
/// their commands are pipelined on the one socket.
#[derive(Clone)]
pub struct Store {
    conn: Conn,
    endpoint: String,
    /// How to connect again after a dropped connection (single node; a cluster
    /// connection reconnects by itself).
    redial: Option<Arc<(redis::Client, AsyncConnectionConfig)>>,
    /// How many times any clone of this store connected again. A new connection may
    /// reach a different server process (a restart, a failover), on which an SSCAN
    /// cursor of the old one is meaningless: scans compare it before and after each step.
    reconnects: Arc<std::sync::atomic::AtomicU64>,
}

/// Whether a step may be sent again after the connection dropped mid-request, when it is
/// unknown whether Redis ran it. Only steps that leave Redis in the same state whether they
/// ran once or twice qualify; each says why.
#[derive(Debug, Clone, Copy)]
enum Repeat {
    Never,
    Safe(&'static str),
}

/// Reads change nothing, so running one twice is safe.
const READ: Repeat = Repeat::Safe("a read changes nothing");

/// Whether `e` means the connection dropped before the reply (so it is unknown whether
/// the step ran) and `repeat` allows sending the step again.
fn may_repeat(e: &redis::RedisError, repeat: Repeat) -> bool {
    matches!(repeat, Repeat::Safe(_))
        && (e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal())
        && !e.is_timeout()
}

fn wrong_type(key: &[u8], found: &str, want: &str) -> anyhow::Error {
    redis_failure(format!(
        "key {} holds a {found}, expected a {want}; it was not written by Cachecore (inspect it with redis-cli TYPE); nothing was changed",
        printable(key)
    ))
}

impl Store {
    /// How many reconnections happened so far (see `reconnects`).
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The cluster's slot map as last read; `None` on a single node.
    pub(crate) fn slot_map(&self) -> Option<connect::SlotMap> {
        match &self.conn {
            Conn::Cluster { slots, .. } => Some(slots.read().expect("slot map poisoned").clone()),
            Conn::Single(_) => None,
        }
    }

    /// Reads the cluster's slot map again (a slot moved).
    pub(crate) async fn refresh_slots(&mut self) {
        connect::refresh_slots(&mut self.conn).await;
    }

    /// Whether scripts may touch keys they do not declare (member keys of a dep set):
    /// true on a single node; a cluster needs every key of a script in one slot.
    pub fn is_standalone(&self) -> bool {
        matches!(self.conn, Conn::Single(_))
    }

    /// The server address with any credentials redacted, safe to print.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Sends a pipeline (built with `ignore_errors`): the one path to Redis. After a
    /// dropped connection a step marked [`Repeat::Safe`] is sent again (see
    /// [`Store::attempt`]). Replies of NOSCRIPT (see [`scripts`]) are answered by loading
    /// the scripts and sending exactly those commands again.
    async fn send(
        &mut self,
        pipe: &Pipeline,
        repeat: Repeat,
    ) -> RedisResult<Vec<RedisResult<Value>>> {
        let mut replies = self.attempt(pipe, repeat).await?;
        self.load_missing_scripts(pipe, repeat, &mut replies)
            .await?;
        Ok(replies)
    }

    /// Sends a pipeline, and after a dropped connection sends it again if `repeat` allows:
    /// up to 3 times, 200, 400 and 800 ms apart, on a new connection. Timeouts are never
    /// repeated: a server that stopped answering is reported within `--timeout`.
    async fn attempt(
        &mut self,
        pipe: &Pipeline,
        repeat: Repeat,
    ) -> RedisResult<Vec<RedisResult<Value>>> {
        let mut attempt = 0;
        loop {
            match pipe.query_async(&mut self.conn).await {
                Err(e) if attempt < 3 && may_repeat(&e, repeat) => {
                    attempt += 1;
                    self.before_repeat(&e, attempt, repeat).await;
                }
                other => return other,
            }
        }
    }

    /// The note on stderr, the pause and the new connection before a step is sent again.
    async fn before_repeat(&mut self, e: &redis::RedisError, attempt: u64, repeat: Repeat) {
        if let Repeat::Safe(why) = repeat {
            report(&StoreEvent::Resend {
                endpoint: self.endpoint.clone(),
                error: e.to_string(),
                attempt,
                why,
            });
        }
        tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        self.redial().await;
    }

    /// One command to one node of a cluster (a per-node SCAN), which a pipeline cannot
    /// address; sent again after a dropped connection as [`Store::attempt`] does.
    async fn send_to_node(
        &mut self,
        cmd: &redis::Cmd,
        host: &str,
        port: u16,
        repeat: Repeat,
    ) -> RedisResult<Value> {
        let mut attempt = 0;
        loop {
            let Conn::Cluster { conn, .. } = &mut self.conn else {
                unreachable!("only a cluster has nodes to address");
            };
            let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                host: host.to_string(),
                port,
            });
            match conn.route_command(cmd.clone(), routing).await {
                Err(e) if attempt < 3 && may_repeat(&e, repeat) => {
                    attempt += 1;
                    self.before_repeat(&e, attempt, repeat).await;
                }
                other => return other,
            }
        }
    }

    /// The NOSCRIPT fallback: the commands answered NOSCRIPT did not run, so once their
    /// scripts are loaded they are sent again, whatever `repeat` says; a dropped
    /// connection during that second send is judged by `repeat` like any other. A script
    /// that cannot be loaded (an ACL without `script|load`) gives its error to the
    /// commands that needed it.
    async fn load_missing_scripts(
        &mut self,
        pipe: &Pipeline,
        repeat: Repeat,
        replies: &mut [RedisResult<Value>],
    ) -> RedisResult<()> {
        let cmds: Vec<&redis::Cmd> = pipe.cmd_iter().collect();
        let missing: Vec<(usize, &'static Script)> = replies
            .iter()
            .enumerate()
            .filter_map(|(i, reply)| match reply {
                Err(e) if scripts::is_noscript(e) => scripts::called_by(cmds[i]).map(|s| (i, s)),
                _ => None,
            })
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut needed: Vec<&'static Script> = Vec::new();
        for (_, script) in &missing {
            if !needed.iter().any(|s| std::ptr::eq(*s, *script)) {
                needed.push(script);
            }
        }
        let mut load = redis::pipe();
        load.ignore_errors();
        for script in &needed {
            load.add_command(script.load());
        }
        let loaded = self
            .attempt(&load, Repeat::Safe("loading a script again is a no-op"))
            .await?;
        let mut again = redis::pipe();
        again.ignore_errors();
        let mut resent = Vec::with_capacity(missing.len());
        for (i, script) in missing {
            let at = needed
                .iter()
                .position(|s| std::ptr::eq(*s, script))
                .expect("every missing script is loaded");
            match &loaded[at] {
                Err(e) => replies[i] = Err(e.clone()),
                Ok(_) => {
                    again.add_command(cmds[i].clone());
                    resent.push(i);
                }
            }
        }
        if resent.is_empty() {
            return Ok(());
        }
        for (i, reply) in resent.into_iter().zip(self.attempt(&again, repeat).await?) {
            replies[i] = reply;
        }
        Ok(())
    }

    /// One command through [`Store::send`], its reply converted; `context` names it in
    /// errors.
    async fn send_one<T: redis::FromRedisValue>(
        &mut self,
        cmd: redis::Cmd,
        repeat: Repeat,
        context: &str,
    ) -> Result<T> {
        let mut pipe = redis::pipe();
        pipe.ignore_errors().add_command(cmd);
        let reply = self
            .send(&pipe, repeat)
            .await
            .with_context(|| context.to_string())?
            .pop()
            .expect("one reply")
            .with_context(|| context.to_string())?;
        Ok(redis::from_redis_value(reply)?)
    }

    /// Sends a pipeline (built with `ignore_errors`) and converts every reply to `T`; the
    /// first command error fails the call. `context` names the step in errors.
    async fn send_each<T: redis::FromRedisValue>(
        &mut self,
        pipe: &Pipeline,
        repeat: Repeat,
        context: impl Fn() -> String,
    ) -> Result<Vec<T>> {
        self.send(pipe, repeat)
            .await
            .with_context(&context)?
            .into_iter()
            .map(|r| Ok(redis::from_redis_value(r.with_context(&context)?)?))
            .collect()
    }

    /// Replaces a single-node connection after it dropped; if that fails too, the next
    /// attempt reports the error.
    async fn redial(&mut self) {
        if let Some(redial) = self.redial.clone() {
            let (client, config) = &*redial;
            if let Ok(conn) = client
                .get_multiplexed_async_connection_with_config(config)
                .await
            {
                self.conn = Conn::Single(conn);
                self.reconnects
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }

    /// Runs each item's commands in one pipeline for all items. A command's error (for
    /// example a key of the wrong type) stays with its item; the outer error means the
    /// round trip itself failed.
    async fn per_item<I, T>(
        &mut self,
        what: &str,
        repeat: Repeat,
        items: &[I],
        build: impl Fn(&mut Pipeline, &I),
        parse: impl Fn(&I, &mut dyn Iterator<Item = RedisResult<Value>>) -> Result<T>,
    ) -> Result<Vec<Result<T>>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        let mut widths = Vec::with_capacity(items.len());
        for item in items {
            let before = pipe.len();
            build(&mut pipe, item);
            widths.push(pipe.len() - before);
        }
        pipe.ignore_errors();
        let replies = self
            .send(&pipe, repeat)
            .await
            .with_context(|| format!("{what} ({} at once)", items.len()))?;
        let mut replies = replies.into_iter();
        Ok(items
            .iter()
            .zip(widths)
            .map(|(item, width)| {
                // Taken whole, so an item whose parse stops early cannot shift the next.
                let chunk: Vec<RedisResult<Value>> = replies.by_ref().take(width).collect();
                parse(item, &mut chunk.into_iter())
            })
            .collect())
    }

    /// One SCAN step over the keyspace, optionally only keys of `key_type`. On a cluster
    /// the scan visits every primary in turn: the cursor's top byte is the primary's
    /// index and the rest is that node's own cursor.
    async fn scan_step(
        &mut self,
        cursor: u64,
        pattern: &str,
        count: usize,
        key_type: Option<&str>,
    ) -> Result<(u64, Vec<Vec<u8>>)> {
        const NODE_SHIFT: u32 = 56;
        let node_cursor = cursor & ((1 << NODE_SHIFT) - 1);
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(node_cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(count);
        if let Some(t) = key_type {
            cmd.arg("TYPE").arg(t);
        }
        let context = || format!("SCAN MATCH {}", printable(pattern.as_bytes()));
        if self.is_standalone() {
            return self.send_one(cmd, READ, &context()).await;
        }
        let Conn::Cluster { primaries, .. } = &self.conn else {
            unreachable!("a single node is scanned above");
        };
        let primaries = Arc::clone(primaries);
        let node = (cursor >> NODE_SHIFT) as usize;
        let Some((host, port)) = primaries.get(node).cloned() else {
            return Ok((0, Vec::new()));
        };
        let reply = self
            .send_to_node(&cmd, &host, port, READ)
            .await
            .with_context(|| format!("{} on {host}:{port}", context()))?;
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::from_redis_value(reply)?;
        if next >> NODE_SHIFT != 0 {
            return Err(redis_failure(format!(
                "{host}:{port} returned a SCAN cursor too large to combine with a node index"
            )));
        }
        let next = if next != 0 {
            ((node as u64) << NODE_SHIFT) | next
        } else if node + 1 < primaries.len() {
            ((node + 1) as u64) << NODE_SHIFT
        } else {
            0
        };
        Ok((next, keys))
    }

    /// Whether any key matches `pattern` (a full SCAN in the worst case, in small steps).
    /// How many keys outside `prefixes` the first `max_pages` SCAN pages hold: enough to
    /// tell a scratch server from one in use without reading all of a large keyspace.
    pub async fn keys_outside(&mut self, prefixes: &[&str], max_pages: usize) -> Result<u64> {
        let mut pages = ScanPages::new("*", None);
        let mut foreign = 0;
        for _ in 0..max_pages {
            let Some(keys) = pages.next_page(self).await? else {
                break;
            };
            foreign += keys
                .iter()
                .filter(|k| !prefixes.iter().any(|p| k.starts_with(p.as_bytes())))
                .count() as u64;
            if foreign > 0 {
                break;
            }
        }
        Ok(foreign)
    }

    pub async fn any_key(&mut self, pattern: &str) -> Result<bool> {
        let mut pages = ScanPages::new(pattern, None);
        while let Some(keys) = pages.next_page(self).await? {
            if !keys.is_empty() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// What the store does on its own that people or a log should hear of. The store never
/// prints: the surface registers how an event is shown ([`on_event`]): a note in the CLI,
/// a JSON log line under `serve`; nothing until one is registered.
#[derive(Debug, Clone)]
pub enum StoreEvent {
    /// A step sent again after a dropped connection (it is safe to repeat: `why`).
    Resend {
        endpoint: String,
        error: String,
        attempt: u64,
        why: &'static str,
    },
}

impl std::fmt::Display for StoreEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreEvent::Resend {
                endpoint,
                error,
                attempt,
                why,
            } => write!(
                f,
                "the connection to {endpoint} dropped ({error}); sending the step again, attempt {attempt} of 3 ({why})"
            ),
        }
    }
}

static OBSERVER: std::sync::RwLock<Option<fn(&StoreEvent)>> = std::sync::RwLock::new(None);

/// Registers how store events are shown, replacing any earlier choice.
pub fn on_event(show: fn(&StoreEvent)) {
    *OBSERVER.write().expect("observer poisoned") = Some(show);
}

fn report(event: &StoreEvent) {
    let show = *OBSERVER.read().expect("observer poisoned");
    if let Some(show) = show {
        show(event);
    }
}

/// Keys asked for per SCAN step: few round trips over millions of keys, and each step
/// holds Redis for about a millisecond.
pub const SCAN_PAGE: usize = 1000;

/// A cursor SCAN over the keyspace (on a cluster, over every primary in turn), one page
/// per [`ScanPages::next_page`]: every SCAN loop is this one. A page may be empty while
/// the scan goes on; the caller stops early by not asking for the next page.
#[derive(Debug, Clone)]
pub struct ScanPages {
    pattern: String,
    key_type: Option<&'static str>,
    count: usize,
    /// `None` once the scan is complete.
    cursor: Option<u64>,
}

impl ScanPages {
    /// Keys matching `pattern` (a SCAN MATCH glob), only of `key_type` if given, about
    /// [`SCAN_PAGE`] per step.
    pub fn new(pattern: impl Into<String>, key_type: Option<&'static str>) -> ScanPages {
        ScanPages {
            pattern: pattern.into(),
            key_type,
            count: SCAN_PAGE,
            cursor: Some(0),
        }
    }

    /// Another page size (SCAN's COUNT).
    pub fn count(self, count: usize) -> ScanPages {
        ScanPages { count, ..self }
    }

    /// The next page of keys, or `None` when the scan is complete.
    pub async fn next_page(&mut self, store: &mut Store) -> Result<Option<Vec<Vec<u8>>>> {
        let Some(cursor) = self.cursor else {
            return Ok(None);
        };
        let (next, keys) = store
            .scan_step(cursor, &self.pattern, self.count, self.key_type)
            .await?;
        self.cursor = (next != 0).then_some(next);
        Ok(Some(keys))
    }
}

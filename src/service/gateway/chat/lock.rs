//! The coalescing lock (issue 25, item 7): one per entry key, `SET NX PX` with a value of
//! its holder's, taken by the request's lookup (a peek or the lookup script) or by
//! [`super::coalesce`], and released by a compare-and-delete when its guard is dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use super::super::Gateway;

/// The coalescing lock of an entry key is this prefix before it.
pub const LOCK_PREFIX: &str = "cc:gateway:lock:";

/// A held lock, released when dropped (after the write, or when the request failed).
pub struct Lock {
    gw: Arc<Gateway>,
    key: String,
    value: String,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let (gw, key, value) = (
            self.gw.clone(),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.value),
        );
        tokio::spawn(async move { gw.release_lock(&key, &value).await });
    }
}

impl Lock {
    /// A lock taken under `key` with `value` (by the lookup, or by [`try_lock`]).
    pub fn held(gw: &Arc<Gateway>, key: String, value: String) -> Lock {
        Lock {
            gw: gw.clone(),
            key,
            value,
        }
    }
}

/// A value no other holder of a lock uses: this process's random id (drawn once) and a
/// counter. Every chat request makes one for the lock its lookup may take, so it is not an
/// OS random read per request.
pub fn new_lock_value() -> String {
    static PROCESS: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let process = PROCESS.get_or_init(|| uuid::Uuid::new_v4().simple().to_string());
    format!("{process}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub fn lock_ttl(gw: &Gateway) -> u64 {
    (gw.upstream.timeout * 2).as_millis() as u64
}

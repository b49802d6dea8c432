//! Ctrl-C and SIGTERM handling. Long loops poll the flag between batches, so a stop
//! always falls between two complete Redis round trips and the command can report what
//! it did; a second signal exits at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Starts listening for Ctrl-C and SIGTERM. Needs a running tokio runtime.
    pub fn install() -> Interrupt {
        let flag = Interrupt::default();
        let setter = flag.clone();
        tokio::spawn(async move {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            loop {
                let term_recv = async {
                    match term.as_mut() {
                        Some(t) => t.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term_recv => {}
                }
                if setter.0.swap(true, Ordering::SeqCst) {
                    crate::output::warn("interrupted again, exiting now");
                    std::process::exit(crate::error::Exit::Interrupted.code());
                }
                crate::output::note("interrupt received, stopping after the current batch");
            }
        });
        flag
    }

    /// Sets the flag by hand: `serve` stops its drains at shutdown with a flag of its own
    /// (its signals end the server gracefully instead).
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

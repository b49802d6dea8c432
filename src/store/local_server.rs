//! A private redis-server that this process starts and owns (the sandbox's): in a new
//! 0700 directory, on a unix socket, with no persistence and no TCP port. Dropping it, on
//! any path, kills and reaps the server; then the directory is removed. If this process
//! is killed outright, on Linux the kernel ends the server too (a parent-death signal);
//! only the directory is left then.

use std::fs::{OpenOptions, Permissions};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use tempfile::TempDir;

use super::{ConnectOptions, Store};
use crate::error::redis_failure;
use crate::process::die_with_this_process;

/// How long a new server may take to answer PING: a healthy one answers within
/// milliseconds; this only bounds a broken one.
const READY_DEADLINE: Duration = Duration::from_secs(10);

pub struct LocalServer {
    server: Child,
    /// Taken by [`LocalServer::stop`] to report a failed removal; otherwise removed on drop.
    dir: Option<TempDir>,
    url: String,
}

impl LocalServer {
    /// Starts `server_bin` and waits until it answers PING (each try bounded by `timeout`).
    pub async fn start(server_bin: &Path, timeout: Duration) -> Result<LocalServer> {
        let dir = private_dir()?;
        let socket = dir.path().join("redis.sock");
        let log = dir.path().join("redis.log");
        // The log file also takes what redis-server prints before it opens its log (a
        // configuration error), so that a failed start can be explained.
        let log_file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut cmd = std::process::Command::new(server_bin);
        cmd.args(["--port", "0", "--unixsocket"])
            .arg(&socket)
            .args([
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(["--daemonize", "no", "--dir"])
            .arg(dir.path())
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            // Out of the terminal's process group: a Ctrl-C meant for the command must not
            // stop the server under it. The owner stops the server itself.
            .process_group(0);
        die_with_this_process(&mut cmd, libc::SIGKILL)?;
        let server = cmd
            .spawn()
            .with_context(|| format!("cannot start {}", server_bin.display()))?;
        let mut local = LocalServer {
            server,
            dir: Some(dir),
            url: format!("redis+unix://{}", socket.display()),
        };
        local.wait_ready(&socket, timeout).await?;
        Ok(local)
    }

    /// Polls PING on the socket until the server answers, it exits, or the deadline.
    async fn wait_ready(&mut self, socket: &Path, timeout: Duration) -> Result<()> {
        let connect = ConnectOptions {
            urls: vec![self.url.clone()],
            timeout: timeout.min(Duration::from_secs(1)),
            ..ConnectOptions::default()
        };
        let deadline = Instant::now() + READY_DEADLINE;
        loop {
            if let Some(status) = self.server.try_wait()? {
                return Err(redis_failure(format!(
                    "redis-server exited ({status}) before it answered; its log ends: {}",
                    self.log_tail()
                )));
            }
            if socket.exists()
                && let Ok(mut store) = Store::connect(&connect).await
                && store.ping().await.is_ok()
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(redis_failure(format!(
                    "redis-server (pid {}) did not answer PING on {} within {}s; its log ends: {}",
                    self.pid(),
                    socket.display(),
                    READY_DEADLINE.as_secs(),
                    self.log_tail()
                )));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// `redis+unix://` and the socket's path.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn pid(&self) -> u32 {
        self.server.id()
    }

    pub fn dir(&self) -> &Path {
        self.dir.as_ref().expect("present until stopped").path()
    }

    /// The last lines of the server's log, on one line.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir().join("redis.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(5)..].join(" | ");
        if tail.is_empty() {
            "(empty)".into()
        } else {
            tail
        }
    }

    /// Stops the server and removes the directory, reporting a removal that failed.
    pub fn stop(mut self) -> Result<()> {
        self.kill_server();
        match self.dir.take() {
            Some(dir) => {
                let path = dir.path().to_path_buf();
                dir.close()
                    .with_context(|| format!("removing {}", path.display()))
            }
            None => Ok(()),
        }
    }

    fn kill_server(&mut self) {
        // SIGKILL: the server holds nothing worth saving, and a kill cannot be delayed or
        // refused. The wait reaps it, so no zombie is left either. Both are no-ops on a
        // server already reaped.
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.kill_server();
        // Then `dir`'s own drop removes the directory, once nothing writes to it.
    }
}

/// A new directory only this user can enter, for the socket and the log.
fn private_dir() -> Result<TempDir> {
    let mut base = std::env::temp_dir();
    // A socket's path must fit in sun_path (104 bytes on macOS); a deep TMPDIR would not
    // leave room for the directory and socket names (about 40 bytes).
    if base.as_os_str().len() > 60 {
        base = PathBuf::from("/tmp");
    }
    tempfile::Builder::new()
        .prefix("cachecore-sandbox-")
        .permissions(Permissions::from_mode(0o700))
        .tempdir_in(&base)
        .with_context(|| format!("cannot create a private directory in {}", base.display()))
}

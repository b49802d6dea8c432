//! A running `cachecore serve` over a private redis-server, driven by curl (the HTTP
//! client people use), with its JSON log collected line by line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::{RedisServer, cachecore_cmd};

/// A running `cachecore serve`, killed on drop, with its stderr collected line by line.
pub struct Serve {
    pub child: Child,
    pub addr: String,
    log: Arc<Mutex<Vec<String>>>,
    /// Reads stderr into `log` until the pipe closes.
    reader: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Serve {
    pub fn start(server: &RedisServer, extra: &[&str]) -> Serve {
        Serve::start_with(server, extra, |_| {})
    }

    /// As [`Serve::start`], with `tweak` applied to the command first (limits, env).
    pub fn start_with(
        server: &RedisServer,
        extra: &[&str],
        tweak: impl FnOnce(&mut Command),
    ) -> Serve {
        let mut cmd = cachecore_cmd(&server.url);
        tweak(&mut cmd);
        Serve::spawn(cmd, extra)
    }

    /// Connected with `url`, global flags `global` and environment `env` (an ACL user).
    pub fn start_url(url: &str, global: &[&str], env: &[(&str, &str)]) -> Serve {
        let mut cmd = cachecore_cmd(url);
        cmd.args(global);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Serve::spawn(cmd, &[])
    }

    fn spawn(cmd: Command, extra: &[&str]) -> Serve {
        Serve::spawn_as(cmd, &["serve"], extra)
    }

    /// A `cachecore gateway` to `upstream` (the key in CACHECORE_UPSTREAM_KEY), whose
    /// invalidation API answers like serve's.
    pub fn gateway(server: &RedisServer, upstream: &str, extra: &[&str]) -> Serve {
        let mut cmd = cachecore_cmd(&server.url);
        cmd.env("CACHECORE_UPSTREAM_KEY", "sk-upstream-secret");
        Serve::spawn_as(cmd, &["gateway", "--upstream", upstream], extra)
    }

    fn spawn_as(mut cmd: Command, subcommand: &[&str], extra: &[&str]) -> Serve {
        let mut child = cmd
            .args(subcommand)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("CACHECORE_LISTEN")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cachecore serve");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("piped stderr");
        let lines = log.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && v["event"] == "listening"
                {
                    let addr = v["addr"].as_str().unwrap_or_default().to_string();
                    let _ = tx.send((addr, v["tls"] == true));
                }
                lines.lock().unwrap().push(line);
            }
        });
        let (addr, tls) = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("serve did not log its address: {:?}", log.lock().unwrap()));
        let serve = Serve {
            child,
            addr,
            log,
            reader: Mutex::new(Some(reader)),
        };
        if !tls {
            let (status, _) = serve.get("/healthz", None);
            assert_eq!(status, 200);
        }
        serve
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut args = vec![self.url(path)];
        if let Some(t) = token {
            args.extend(["-H".into(), format!("Authorization: Bearer {t}")]);
        }
        curl(&args)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
        let bearer = token.map(|t| format!("Authorization: Bearer {t}"));
        let headers: Vec<&str> = bearer.iter().map(String::as_str).collect();
        self.post_with(path, &headers, body)
    }

    /// A POST with these header lines (`Name: value`) and no others of ours.
    pub fn post_with(&self, path: &str, headers: &[&str], body: &str) -> (u16, Value) {
        let mut args = vec!["-X".into(), "POST".into(), self.url(path)];
        for h in headers {
            args.extend(["-H".into(), h.to_string()]);
        }
        // A large body goes through a file: one argument may not exceed 128 KiB.
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), body).unwrap();
        args.extend([
            "--data-binary".into(),
            format!("@{}", file.path().display()),
        ]);
        curl(&args)
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The whole log of a process that has exited: the reader has reached the end of the
    /// pipe, so the last lines are not still in flight.
    pub fn final_log(&mut self) -> Vec<String> {
        assert!(self.child.try_wait().unwrap().is_some(), "serve still runs");
        if let Some(reader) = self.reader.lock().unwrap().take() {
            reader.join().unwrap();
        }
        self.log_lines()
    }

    /// Waits for the process to exit and returns its code.
    pub fn wait(&mut self, within: Duration) -> i32 {
        let mut status = None;
        super::wait_until(within, "serve to exit", || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        });
        status.and_then(|s| s.code()).unwrap_or(-1)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs curl with `args`; the status code and the body parsed as JSON (Null if not).
pub fn curl(args: &[String]) -> (u16, Value) {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "60", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl runs (the serve tests use a real HTTP client)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').expect("curl wrote the status");
    (
        code.trim().parse().unwrap_or(0),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

/// A token made with `cachecore token create NAME --scope ...`, as printed once.
pub fn token(server: &RedisServer, name: &str, scopes: &[&str]) -> String {
    let mut args = vec!["--json", "token", "create", name];
    for s in scopes {
        args.extend(["--scope", s]);
    }
    let r = super::run(server, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["name"], name);
    v["token"].as_str().expect("a token").to_string()
}

impl Serve {
    /// `GET /metrics`, as text.
    pub fn metrics(&self) -> String {
        let out = Command::new("curl")
            .args(["-s", &self.url("/metrics")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Ten entries (8 L1, 2 L2) tagged `table:products` at v1: the serve tests' usual data.
pub fn products(server: &RedisServer) {
    let mut conn = server.conn();
    super::fixture::write_many(
        &mut conn,
        0,
        10,
        &[super::fixture::with("table:products", "v1")],
        None,
        Some(600),
    );
}

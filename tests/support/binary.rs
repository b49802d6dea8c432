//! Running the binary under test: one builder, [`cmd`], for runs to completion and runs in
//! the background; [`Run`] is what a run produced.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::RedisServer;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", self.stdout))
    }

    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| {
                let v: serde_json::Value =
                    serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line ({e}): {l}"));
                // serde_json keeps the last of duplicate keys silently: count them in the text.
                for key in v.as_object().expect("each line is an object").keys() {
                    let quoted = format!("{}:", serde_json::Value::String(key.clone()));
                    assert_eq!(l.matches(&quoted).count(), 1, "key {key} repeated in {l}");
                }
                v
            })
            .collect()
    }

    /// Like [`Run::expect_one_line_error`], but after any `cachecore: note:` lines (the
    /// notes of steps sent again after a dropped connection) or `cachecore: warning:`
    /// lines (a password given on the command line).
    pub fn expect_error_after_notes(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "exit code; stderr: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        let (last, notes) = lines.split_last().expect("an error line");
        assert!(last.starts_with("cachecore: error: "), "{}", self.stderr);
        assert!(
            notes.iter().all(
                |l| l.starts_with("cachecore: note: ") || l.starts_with("cachecore: warning: ")
            ),
            "{}",
            self.stderr
        );
        last
    }

    /// Asserts the run failed with `code` and exactly one line on stderr.
    pub fn expect_one_line_error(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "exit code; stderr: {}", self.stderr);
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "one-line error, got: {:?}",
            self.stderr
        );
        assert!(
            self.stderr.starts_with("cachecore: error: "),
            "{}",
            self.stderr
        );
        self.stderr.trim_end()
    }

    pub fn stdout_has(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}: {self:?}"
        );
        self
    }

    pub fn stderr_has(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}: {self:?}"
        );
        self
    }
}

type Feeder = Box<dyn FnOnce(ChildStdin) + Send>;

/// A fluent run of the binary: `cmd(&srv).args(&[..]).succeeds().stdout_has(..)`, or
/// `.spawn()` for a run the test acts on while it works.
pub struct CmdBuilder {
    cmd: Command,
    stdin: Option<Feeder>,
}

/// The binary against `server`, ready for arguments.
pub fn cmd(server: &RedisServer) -> CmdBuilder {
    cmd_url(&server.url)
}

/// The binary given `--redis-url url`: a cluster's seeds, an ACL user's TCP URL, a port
/// nothing listens on.
pub fn cmd_url(url: &str) -> CmdBuilder {
    CmdBuilder {
        cmd: cachecore_cmd(url),
        stdin: None,
    }
}

/// The binary with no Redis URL at all, neither flag nor environment (help, man pages,
/// completions, the URL taken from the environment the test sets).
pub fn cmd_no_url() -> CmdBuilder {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cachecore"));
    clear_redis_env(&mut cmd).stdin(Stdio::null());
    CmdBuilder { cmd, stdin: None }
}

impl CmdBuilder {
    pub fn args(mut self, args: &[&str]) -> Self {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.cmd.env_remove(key);
        self
    }

    /// In a process group of its own, as a shell's job is: a terminal's signals for the
    /// test run do not reach it.
    pub fn new_process_group(mut self) -> Self {
        std::os::unix::process::CommandExt::process_group(&mut self.cmd, 0);
        self
    }

    /// `input` on stdin, then end of input.
    pub fn stdin(self, input: &[u8]) -> Self {
        let input = input.to_vec();
        // A run that exits before reading it all closes the pipe: what it said is the result.
        self.stdin_with(move |mut w| {
            let _ = w.write_all(&input);
        })
    }

    /// Stdin written by `feed` on a thread of its own (an endless producer, say, that
    /// stops when the run closes the pipe); end of input when `feed` returns.
    pub fn stdin_with(mut self, feed: impl FnOnce(ChildStdin) + Send + 'static) -> Self {
        self.cmd.stdin(Stdio::piped());
        self.stdin = Some(Box::new(feed));
        self
    }

    /// The command itself, for what the builder does not do: a pipe the test reads and
    /// closes itself, a pseudo-terminal.
    pub fn into_command(self) -> Command {
        assert!(
            self.stdin.is_none(),
            "stdin is fed by run() and spawn() only"
        );
        self.cmd
    }

    /// Runs to completion, whatever the outcome.
    pub fn run(self) -> Run {
        self.spawn().finish()
    }

    /// Runs and asserts exit 0.
    pub fn succeeds(self) -> Run {
        let r = self.run();
        assert_eq!(r.code, 0, "expected success: {r:?}");
        r
    }

    /// Runs and asserts `code` with exactly one `cachecore: error:` line on stderr.
    pub fn fails_with(self, code: i32) -> Run {
        let r = self.run();
        r.expect_one_line_error(code);
        r
    }

    /// Starts the run in the background; its output is read as it comes, so a run that
    /// prints a lot never stalls on a full pipe.
    pub fn spawn(mut self) -> Background {
        let mut child = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cachecore");
        let feeder = self.stdin.take().map(|feed| {
            let pipe = child.stdin.take().expect("piped stdin");
            std::thread::spawn(move || feed(pipe))
        });
        let stdout = Collected::start(child.stdout.take().expect("piped stdout"));
        let stderr = Collected::start(child.stderr.take().expect("piped stderr"));
        Background {
            child,
            stdout,
            stderr,
            feeder,
        }
    }
}

/// One output stream of a background run, read into memory as it comes.
struct Collected {
    text: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

impl Collected {
    fn start(mut from: impl Read + Send + 'static) -> Collected {
        let text = Arc::new(Mutex::new(Vec::new()));
        let into = text.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = from.read(&mut buf) {
                into.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Collected {
            text,
            reader: Some(reader),
        }
    }

    fn so_far(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().unwrap()).into_owned()
    }

    /// Everything, once the stream has closed.
    fn all(&mut self) -> String {
        if let Some(reader) = self.reader.take() {
            reader.join().expect("output reader");
        }
        self.so_far()
    }
}

/// A run of the binary in the background (from [`CmdBuilder::spawn`]); killed on drop if
/// the test ends without [`Background::finish`].
pub struct Background {
    child: Child,
    stdout: Collected,
    stderr: Collected,
    feeder: Option<JoinHandle<()>>,
}

impl Background {
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the run has ended.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_some()
    }

    /// Sends a signal by name (INT, TERM, KILL, STOP, CONT).
    pub fn signal(&self, name: &str) {
        super::send_signal(self.id(), name);
    }

    pub fn stdout_so_far(&self) -> String {
        self.stdout.so_far()
    }

    pub fn stderr_so_far(&self) -> String {
        self.stderr.so_far()
    }

    /// Waits (up to `within`) until `done` holds while the run is still working: the run
    /// ending first fails the test, naming `what` and showing the run's output.
    pub fn wait_until(&mut self, within: Duration, what: &str, mut done: impl FnMut() -> bool) {
        self.wait_for(within, what, |_| done());
    }

    /// Waits (as [`Background::wait_until`]) until the run has printed `text` on stdout.
    pub fn wait_for_stdout(&mut self, within: Duration, text: &str) {
        let what = format!("{text:?} on stdout");
        self.wait_for(within, &what, |run| run.stdout.so_far().contains(text));
    }

    /// Waits (as [`Background::wait_until`]) until the run has printed `text` on stderr.
    pub fn wait_for_stderr(&mut self, within: Duration, text: &str) {
        let what = format!("{text:?} on stderr");
        self.wait_for(within, &what, |run| run.stderr.so_far().contains(text));
    }

    fn wait_for(&mut self, within: Duration, what: &str, mut done: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + within;
        while !done(self) {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!(
                    "the run ended ({status}) before {what}; stdout: {} stderr: {}",
                    self.stdout.so_far(),
                    self.stderr.so_far()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {within:?} waiting for {what}; stderr so far: {}",
                self.stderr.so_far()
            );
            std::thread::sleep(super::POLL);
        }
    }

    /// Waits for the run to end and returns what it produced.
    pub fn finish(mut self) -> Run {
        let status = self.child.wait().expect("wait for cachecore");
        if let Some(feeder) = self.feeder.take() {
            feeder.join().expect("stdin feeder");
        }
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.all(),
            stderr: self.stderr.all(),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn clear_redis_env(cmd: &mut Command) -> &mut Command {
    // Nor a JWT secret: serve refuses to start with one and no --jwt-scope.
    cmd.env_remove("CACHECORE_REDIS_URL")
        .env_remove("REDIS_URL")
        .env_remove("CACHECORE_REDIS_PASSWORD")
        .env_remove("CACHECORE_REDIS_USER")
        .env_remove("CACHECORE_JWT_SECRET")
}

/// The binary under test, with no ambient Redis configuration (under [`cmd`]; `serve`'s
/// harness starts from it too).
pub fn cachecore_cmd(url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cachecore"));
    clear_redis_env(&mut cmd)
        .arg("--redis-url")
        .arg(url)
        .stdin(Stdio::null());
    cmd
}

pub fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Shorthand for `cmd(server).args(args).run()`, kept for tests written before the
/// builder; new tests use [`cmd`].
pub fn run(server: &RedisServer, args: &[&str]) -> Run {
    cmd(server).args(args).run()
}

/// Shorthand for `cmd_url(url).args(args).run()`; new tests use [`cmd_url`].
pub fn run_url(url: &str, args: &[&str]) -> Run {
    cmd_url(url).args(args).run()
}

//! `cachecore sandbox`: a private redis-server, filled with the demo data, that exists only
//! while the command runs. Every test gives the sandbox a TMPDIR of its own, so "nothing
//! left behind" is checked as an empty directory, and the server's pid (from the
//! sandbox's note) as a process that no longer exists.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::support::*;

/// Where redis-server lives for these tests: PATH, with the directory of REDIS_SERVER
/// (the harness's override) first when it is set.
fn path_with_redis() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    match std::env::var("REDIS_SERVER") {
        Ok(bin) if bin.contains('/') => {
            let dir = Path::new(&bin).parent().unwrap().display().to_string();
            format!("{dir}:{path}")
        }
        _ => path,
    }
}

/// `cachecore sandbox <args>` with a private TMPDIR and no connection settings of its
/// own, in a process group of its own: a test run from a terminal must not make the
/// sandbox think it is in the terminal's foreground.
fn sandbox(tmp: &TempDir, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cachecore"));
    cmd.env_remove("CACHECORE_REDIS_URL")
        .env_remove("REDIS_URL")
        .env_remove("CACHECORE_REDIS_PASSWORD")
        .env_remove("CACHECORE_REDIS_USER")
        .env("TMPDIR", tmp.path())
        .env("PATH", path_with_redis())
        .arg("sandbox")
        .args(args)
        .stdin(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd
}

fn private_tmp() -> TempDir {
    tempfile::Builder::new()
        .prefix("cc-sandbox-test")
        .tempdir()
        .unwrap()
}

/// The server pid and directory from the sandbox's note on stderr.
fn server_of(stderr: &str) -> (u32, PathBuf) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("cachecore: note: sandbox: redis-server pid "))
        .unwrap_or_else(|| panic!("no sandbox note in {stderr:?}"));
    let rest = line
        .strip_prefix("cachecore: note: sandbox: redis-server pid ")
        .unwrap();
    let (pid, rest) = rest.split_once(" in ").unwrap();
    let (dir, _) = rest.split_once(" (").unwrap();
    (pid.parse().unwrap(), PathBuf::from(dir))
}

fn process_exists(pid: u32) -> bool {
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

/// The sandbox's server is gone (killed and reaped: a zombie would still count) and its
/// directory removed, and nothing else was left in TMPDIR.
fn assert_cleaned_up(stderr: &str, tmp: &TempDir) {
    let (pid, dir) = server_of(stderr);
    assert!(dir.starts_with(tmp.path()), "{dir:?} in the given TMPDIR");
    assert!(!process_exists(pid), "redis-server pid {pid} still exists");
    assert!(!dir.exists(), "{dir:?} still exists");
    assert_tmp_empty(tmp);
}

fn assert_tmp_empty(tmp: &TempDir) {
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Waits at most `limit` for `child`, killing it if it takes longer.
fn wait_at_most(child: &mut Child, limit: Duration) -> i32 {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the sandbox did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts the sandbox's shell on `script`, and returns once the script has printed its
/// first line (so whatever follows is running), with that line.
fn start_shell(
    tmp: &TempDir,
    script: &str,
) -> (Child, String, BufReader<std::process::ChildStdout>) {
    let mut child = sandbox(tmp, &[])
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    (child, first, stdout)
}

fn rest_of(
    child: &mut Child,
    mut stdout: BufReader<std::process::ChildStdout>,
) -> (String, String) {
    let mut out = String::new();
    stdout.read_to_string(&mut out).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (out, err)
}

#[test]
fn the_readme_first_command_invalidates_for_real_and_leaves_nothing_behind() {
    let tmp = private_tmp();
    let r = finish(
        sandbox(
            &tmp,
            &[
                "--",
                "invalidate",
                "doc:contract-123",
                "--new-hash",
                "v2",
                "--json",
            ],
        )
        .output()
        .unwrap(),
    );
    assert_eq!(r.code, 0, "{r:?}");
    let j = r.json();
    assert_eq!(j["command"], "invalidate");
    assert_eq!(j["new_hash"], "v2");
    // The demo data: ten entries tagged doc:contract-123 (two of them L2) and one
    // member whose entry "expired".
    assert_eq!(j["l1_deleted"], 8, "{j}");
    assert_eq!(j["l2_deleted"], 2, "{j}");
    assert_eq!(j["already_gone"], 1, "{j}");
    assert_cleaned_up(&r.stderr, &tmp);
}

#[test]
fn a_failing_command_passes_its_exit_code_through_and_is_cleaned_up_after() {
    let tmp = private_tmp();
    let r = finish(
        sandbox(
            &tmp,
            &[
                "--",
                "deps",
                "inspect",
                "doc:contract-123",
                "--expect-hash",
                "nope",
            ],
        )
        .output()
        .unwrap(),
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("check failed"), "{}", r.stderr);
    assert_cleaned_up(&r.stderr, &tmp);
}

#[test]
fn the_shell_sees_only_the_sandbox_and_its_exit_status_is_the_sandbox_s() {
    let tmp = private_tmp();
    // Anything leaking from here would point at port 1, where nothing answers.
    let script = r#"echo "url=$CACHECORE_REDIS_URL"
echo "other=${REDIS_URL:-none}"
ls -ld "$(dirname "${CACHECORE_REDIS_URL#redis+unix://}")"
"$CC_BIN" deps inspect doc:contract-123 --json
exit 7
"#;
    let mut child = sandbox(&tmp, &[])
        .env("SHELL", "/bin/sh")
        .env("CACHECORE_REDIS_URL", "redis://127.0.0.1:1")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("CC_BIN", env!("CARGO_BIN_EXE_cachecore"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let r = finish(child.wait_with_output().unwrap());
    assert_eq!(r.code, 7, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    let (_, dir) = server_of(&r.stderr);
    assert_eq!(
        lines[0],
        format!("url=redis+unix://{}/redis.sock", dir.display())
    );
    assert_eq!(lines[1], "other=none");
    assert!(lines[2].starts_with("drwx------"), "private: {}", lines[2]);
    let inspect: serde_json::Value = serde_json::from_str(lines[3]).unwrap();
    assert_eq!(inspect["deps"][0]["members"], 11, "{inspect}");
    assert!(
        r.stderr.contains("exit or press Ctrl-D"),
        "how to leave: {}",
        r.stderr
    );
    assert_cleaned_up(&r.stderr, &tmp);
}

#[test]
fn sigint_while_the_command_runs_stops_it_and_cleans_up_with_130() {
    let tmp = private_tmp();
    let started = Instant::now();
    let (mut child, first, stdout) =
        start_shell(&tmp, "echo started; sleep 30; echo not-reached\n");
    assert_eq!(first, "started\n");
    send_signal(child.id(), "INT");
    let code = wait_at_most(&mut child, Duration::from_secs(15));
    let (out, err) = rest_of(&mut child, stdout);
    assert_eq!(code, 130, "{err}");
    assert!(
        !out.contains("not-reached"),
        "the sleep was interrupted: {out}"
    );
    assert!(started.elapsed() < Duration::from_secs(25));
    assert_cleaned_up(&err, &tmp);
}

#[test]
fn a_command_killed_outright_is_reported_as_a_shell_would_and_cleaned_up_after() {
    let tmp = private_tmp();
    let (mut child, first, stdout) = start_shell(&tmp, "echo $$; sleep 30\n");
    send_signal(first.trim().parse().unwrap(), "KILL");
    let code = wait_at_most(&mut child, Duration::from_secs(15));
    let (_, err) = rest_of(&mut child, stdout);
    assert_eq!(code, 128 + 9, "{err}");
    assert_cleaned_up(&err, &tmp);
}

#[test]
fn without_redis_server_on_path_it_says_how_to_install_it_and_creates_nothing() {
    let tmp = private_tmp();
    let empty = private_tmp();
    let r = finish(
        sandbox(&tmp, &["--", "deps", "list"])
            .env("PATH", empty.path())
            .output()
            .unwrap(),
    );
    let err = r.expect_one_line_error(2);
    assert!(err.contains("redis-server was not found on PATH"), "{err}");
    assert!(
        [
            "apt-get install redis-server",
            "brew install redis",
            "dnf install redis"
        ]
        .iter()
        .any(|i| err.contains(i)),
        "{err}"
    );
    assert_tmp_empty(&tmp);
}

#[test]
fn commands_that_would_reach_another_server_or_nest_are_refused_before_anything_starts() {
    let tmp = private_tmp();
    for (args, why) in [
        (&["--", "sandbox"][..], "another sandbox"),
        (
            &["--", "deps", "list", "--redis-url", "redis://127.0.0.1:1"],
            "--redis-url",
        ),
        (
            &["--", "--tls-insecure", "invalidate", "doc:1"],
            "--tls-insecure",
        ),
    ] {
        let r = finish(sandbox(&tmp, args).output().unwrap());
        let err = r.expect_one_line_error(2);
        assert!(err.contains(why), "{args:?}: {err}");
    }
    assert_tmp_empty(&tmp);
}

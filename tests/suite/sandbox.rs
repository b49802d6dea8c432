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
fn sandbox(tmp: &TempDir, args: &[&str]) -> CmdBuilder {
    cmd_no_url()
        .env("TMPDIR", tmp.path().to_str().unwrap())
        .env("PATH", &path_with_redis())
        .args(&["sandbox"])
        .args(args)
        .new_process_group()
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
        .into_command()
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
    let r = sandbox(
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
    .run();
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
    let r = sandbox(
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
    .run();
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
    let r = sandbox(&tmp, &[])
        .env("SHELL", "/bin/sh")
        .env("CACHECORE_REDIS_URL", "redis://127.0.0.1:1")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("CC_BIN", env!("CARGO_BIN_EXE_cachecore"))
        .stdin(script.as_bytes())
        .run();
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
    let r = sandbox(&tmp, &["--", "deps", "list"])
        .env("PATH", empty.path().to_str().unwrap())
        .run();
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
        let r = sandbox(&tmp, args).run();
        let err = r.expect_one_line_error(2);
        assert!(err.contains(why), "{args:?}: {err}");
    }
    assert_tmp_empty(&tmp);
}

/// The pids whose parent is `pid` (from /proc; zombies included).
fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&p| parent_of(p) == Some(pid))
        .collect()
}

/// A process's parent and whether it still runs (not a zombie), from /proc/PID/stat.
fn stat_of(pid: u32) -> Option<(u32, bool)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: the fields follow the last ')'.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((ppid, state != "Z" && state != "X"))
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_of(pid).map(|(ppid, _)| ppid)
}

fn runs(pid: u32) -> bool {
    stat_of(pid).is_some_and(|(_, running)| running)
}

#[test]
fn a_sandbox_killed_outright_takes_its_command_with_it_but_only_then() {
    let tmp = private_tmp();
    let mut child = sandbox(
        &tmp,
        &["--entries", "10", "--", "consume", "--stream", "cc:events"],
    )
    .into_command()
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // The consumer is running once it has created its group.
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.contains("created consumer group"))
    {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the consumer did not start: {seen:?}"));
        seen.push(line);
    }
    let (server, _) = server_of(&seen.join("\n"));
    let command: Vec<u32> = children_of(child.id())
        .into_iter()
        .filter(|&p| p != server)
        .collect();
    assert_eq!(
        command.len(),
        1,
        "one command besides the server: {command:?}"
    );
    let command = command[0];
    // Past the runtime's idle-thread timeout (10 s): a parent-death signal tied to a
    // thread that idles out would have fired by now.
    let running_since = Instant::now();
    while running_since.elapsed() < Duration::from_secs(15) {
        if !(runs(command) && runs(server)) {
            let _ = child.kill();
            panic!(
                "the command and the server run while the sandbox does; one ended after {:?}",
                running_since.elapsed()
            );
        }
        assert!(child.try_wait().unwrap().is_none(), "the sandbox runs");
        std::thread::sleep(Duration::from_millis(100));
    }
    send_signal(child.id(), "KILL");
    let _ = child.wait();
    let killed = Instant::now();
    while runs(command) || runs(server) {
        if killed.elapsed() > Duration::from_secs(5) {
            let alive = (runs(command), runs(server));
            for pid in [command, server].into_iter().filter(|&p| runs(p)) {
                send_signal(pid, "KILL");
            }
            panic!(
                "the command (pid {command}) and the server (pid {server}) die with the sandbox; still running: {alive:?}"
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_sandbox_killed_outright_hangs_up_its_shell() {
    let tmp = private_tmp();
    // `exec`: the shell's pid becomes the sleep's, which keeps the parent-death signal.
    let (mut child, first, _stdout) = start_shell(&tmp, "echo $$; exec sleep 1000\n");
    let shell: u32 = first.trim().parse().unwrap();
    assert_eq!(parent_of(shell), Some(child.id()));
    send_signal(child.id(), "KILL");
    let _ = child.wait();
    let killed = Instant::now();
    while runs(shell) {
        if killed.elapsed() > Duration::from_secs(5) {
            send_signal(shell, "KILL");
            panic!("the sandbox's shell (pid {shell}) outlived it");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

//! Child processes that must not outlive this one (the sandbox's server and command).

/// On Linux the kernel sends `sig` to the process spawned next from `cmd` if this process
/// dies without cleaning up (SIGKILL, the OOM killer), so no child outlives it. Call it on
/// the thread that spawns, just before.
#[cfg(target_os = "linux")]
pub fn die_with_this_process(
    cmd: &mut std::process::Command,
    sig: libc::c_int,
) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt as _;
    // PR_SET_PDEATHSIG fires when the forking *thread* exits, not the process: a child
    // forked on a thread of tokio's blocking pool would get it when that thread idles out
    // (about 10 s). Only the main thread lives as long as the process; main.rs runs every
    // command on it (block_on of a current-thread runtime), and spawning forks there.
    // SAFETY: both calls only read the calling thread's ids.
    if unsafe { libc::gettid() != libc::getpid() } {
        return Err(anyhow::anyhow!(
            "internal error: the sandbox must start its processes from the main thread (a parent-death signal is tied to the thread that forks): please report this"
        ));
    }
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: only async-signal-safe calls between fork and exec, and no allocation.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, sig) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // This process may have died before the prctl: then no signal would come.
            if libc::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn die_with_this_process(
    _cmd: &mut std::process::Command,
    _sig: libc::c_int,
) -> anyhow::Result<()> {
    Ok(())
}

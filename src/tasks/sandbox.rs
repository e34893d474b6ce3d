//! A sandbox for generated Python programs.
//!
//! The reference only sets an address-space limit. Here each program runs in a fresh
//! temporary directory as a child process with:
//! * a wall-clock timeout, after which the whole process group is killed;
//! * CPU-time, address-space, file-size, open-file and process-count limits
//!   (`setrlimit`), and no core dumps;
//! * a cleared environment (only `PATH`, `LANG`, `HOME` and `TMPDIR` = the directory,
//!   `PYTHONHASHSEED=0`), stdin closed, stdout and stderr capped (the program is killed
//!   when it writes more);
//! * when the tool runs as root (Linux): a new network namespace (no network, not even
//!   loopback), a new mount namespace with empty read-only `tmpfs` over `/tmp`,
//!   `/var/tmp` and `/dev/shm` (its own directory mounted back at its path), and the
//!   program runs as the unprivileged user `nobody` (65534) with `no_new_privs`, so it
//!   cannot write outside its directory and the process limit counts only sandboxed
//!   processes;
//! * without root: the same limits, and a new user and network namespace when the
//!   kernel allows unprivileged user namespaces; otherwise there is no network isolation
//!   and [`Sandbox::isolation`] says so.
//!
//! Known limit: a program that calls `setsid()` in a child escapes the process-group
//! kill; the process limit and the CPU limit still bound it.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

/// Resource limits of one run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SandboxLimits {
    /// Wall-clock timeout.
    pub wall: Duration,
    /// CPU seconds.
    pub cpu_seconds: u64,
    /// Address space in bytes.
    pub address_space: u64,
    /// Largest file the program may write, in bytes.
    pub file_size: u64,
    /// Processes (and threads) of the sandbox user.
    pub processes: u64,
    /// Bytes kept of stdout and of stderr; writing more kills the program.
    pub output_bytes: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            wall: Duration::from_secs(10),
            cpu_seconds: 10,
            address_space: 1 << 30,
            file_size: 16 << 20,
            processes: 64,
            output_bytes: 1 << 20,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Exit code 0.
    Passed,
    /// A non-zero exit code or a signal not caused by a limit.
    Failed {
        /// The exit code (or −signal).
        exit_code: i32,
    },
    /// The wall-clock timeout expired.
    Timeout,
    /// A resource limit stopped the program.
    ResourceLimit {
        /// Which limit (`cpu time`, `memory`, `file size`, `processes`, `output`).
        limit: String,
    },
    /// The sandbox itself failed.
    SandboxError {
        /// Why.
        reason: String,
    },
}

/// The result of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunResult {
    /// How it ended.
    pub outcome: Outcome,
    /// Captured stdout (at most the limit, lossy UTF-8).
    pub stdout: String,
    /// Captured stderr (at most the limit, lossy UTF-8).
    pub stderr: String,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl RunResult {
    /// Whether the program passed.
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }
}

/// The user the sandbox runs programs as when it can switch users.
const NOBODY: u32 = 65534;

/// The sandbox.
#[derive(Debug, Clone)]
pub struct Sandbox {
    limits: SandboxLimits,
    python: PathBuf,
    /// Running as root: programs run as `nobody`.
    root: bool,
    /// Network and mount namespaces are available (probed when root).
    namespaces: bool,
}

impl Sandbox {
    /// A sandbox running `python` (default: `/usr/bin/python3` when present, so that
    /// the unprivileged sandbox user can execute it, else `python3` on the PATH).
    pub fn new(limits: SandboxLimits, python: Option<PathBuf>) -> Self {
        let python = python.unwrap_or_else(|| {
            ["/usr/bin/python3", "/usr/local/bin/python3"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
                .unwrap_or_else(|| PathBuf::from("python3"))
        });
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let namespaces = root && namespaces_work();
        if root && !namespaces {
            tracing::warn!(
                "sandbox: network and mount namespaces are not permitted here; programs run as nobody with limits only"
            );
        }
        Self { limits, python, root, namespaces }
    }

    /// Whether programs run as the unprivileged sandbox user in their own network and
    /// mount namespaces (the tool runs as root and the kernel permits namespaces).
    pub fn drops_privileges(&self) -> bool {
        self.root && self.namespaces
    }

    /// The limits.
    pub fn limits(&self) -> &SandboxLimits {
        &self.limits
    }

    /// What isolation this sandbox applies, in words (for reports and provenance).
    pub fn isolation(&self) -> String {
        if self.root && !self.namespaces {
            return "rlimits (cpu, address space, file size, processes, files); runs as nobody with no_new_privs; \
                    cleared environment; no network or mount namespace (not permitted here)"
                .into();
        }
        if self.root {
            "rlimits (cpu, address space, file size, processes, files); new network and mount namespaces; \
             read-only empty tmpfs on /tmp, /var/tmp, /dev/shm; runs as nobody with no_new_privs; cleared environment"
                .into()
        } else {
            "rlimits (cpu, address space, file size, processes, files); a user and network namespace when the \
             kernel allows it (otherwise no network isolation); cleared environment"
                .into()
        }
    }

    /// Runs many programs, at most `workers` at a time; results in input order.
    pub fn run_many(&self, programs: &[String], workers: usize) -> Vec<RunResult> {
        match rayon::ThreadPoolBuilder::new().num_threads(workers.max(1)).build() {
            Ok(pool) => pool.install(|| programs.par_iter().map(|p| self.run_python(p)).collect()),
            Err(error) => programs
                .iter()
                .map(|_| RunResult {
                    outcome: Outcome::SandboxError { reason: format!("cannot start workers: {error}") },
                    stdout: String::new(),
                    stderr: String::new(),
                    seconds: 0.0,
                })
                .collect(),
        }
    }

    /// Runs one Python program.
    pub fn run_python(&self, program: &str) -> RunResult {
        let start = Instant::now();
        let error = |reason: String| RunResult {
            outcome: Outcome::SandboxError { reason },
            stdout: String::new(),
            stderr: String::new(),
            seconds: start.elapsed().as_secs_f64(),
        };
        let directory = match tempfile::Builder::new().prefix("divcollapse-sandbox-").tempdir() {
            Ok(d) => d,
            Err(e) => return error(format!("cannot create the temporary directory: {e}")),
        };
        let script = directory.path().join("program.py");
        if let Err(e) = std::fs::write(&script, program) {
            return error(format!("cannot write the program: {e}"));
        }
        if self.root {
            for path in [directory.path(), script.as_path()] {
                if let Err(e) = std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)) {
                    return error(format!("cannot hand {} to the sandbox user: {e}", path.display()));
                }
            }
        }
        let result = self.spawn_and_wait(directory.path(), start);
        drop(directory);
        result.unwrap_or_else(error)
    }

    fn spawn_and_wait(&self, directory: &Path, start: Instant) -> Result<RunResult, String> {
        let mut command = Command::new(&self.python);
        command
            .arg("-I")
            // Relative: the working directory is held open, while its path may be hidden
            // by the private /tmp of the mount namespace.
            .arg("program.py")
            .current_dir(directory)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .env("HOME", directory)
            .env("PYTHONHASHSEED", "0")
            .env("TMPDIR", directory)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut limits = self.limits;
        if !self.root {
            // Without a user of its own the process limit counts every process of this
            // user, so it is set above what is already running.
            limits.processes += tasks_of_current_user();
        }
        let (root, namespaces) = (self.root, self.namespaces);
        let workdir = std::ffi::CString::new(directory.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("{}: a path with a NUL byte", directory.display()))?;
        // SAFETY: the closure runs in the forked child before exec and only makes
        // async-signal-safe system calls (no allocation, no locks).
        unsafe {
            command.pre_exec(move || isolate_child(&limits, root, namespaces, &workdir));
        }
        // The process limit is shared by every sandboxed program of the user, so a start can
        // fail while another program's processes are being killed: retry until the timeout.
        let mut child = loop {
            match command.spawn() {
                Ok(child) => break child,
                Err(e) if e.raw_os_error() == Some(libc::EAGAIN) && start.elapsed() < self.limits.wall => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(format!("cannot start {}: {e}", self.python.display())),
            }
        };
        let pid = child.id() as libc::pid_t;
        let cap = self.limits.output_bytes;
        let stdout = child.stdout.take().map(|pipe| std::thread::spawn(move || read_capped(pipe, cap)));
        let stderr = child.stderr.take().map(|pipe| std::thread::spawn(move || read_capped(pipe, cap)));
        let mut killed_for: Option<Outcome> = None;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => {}
                Err(e) => return Err(format!("waiting for the program: {e}")),
            }
            if start.elapsed() > self.limits.wall && killed_for.is_none() {
                kill_group(pid);
                killed_for = Some(Outcome::Timeout);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        // Whatever the program left running in its group goes too.
        kill_group(pid);
        let (stdout, stdout_overflow) = stdout.map(|h| h.join().unwrap_or_default()).unwrap_or_default();
        let (stderr, stderr_overflow) = stderr.map(|h| h.join().unwrap_or_default()).unwrap_or_default();
        let outcome = killed_for.unwrap_or_else(|| {
            if stdout_overflow || stderr_overflow {
                return Outcome::ResourceLimit { limit: "output".into() };
            }
            classify(status, &stderr)
        });
        Ok(RunResult { outcome, stdout, stderr, seconds: start.elapsed().as_secs_f64() })
    }
}

/// Processes and threads of the current user (from `/proc`), which `RLIMIT_NPROC` counts.
fn tasks_of_current_user() -> u64 {
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() }.to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|e| std::fs::read_to_string(e.path().join("status")).ok())
        .filter(|status| {
            status.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(uid.as_str()))
        })
        .map(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse::<u64>().ok())
                .unwrap_or(1)
        })
        .sum()
}

/// Reads a pipe keeping at most `cap` bytes; on overflow the reader stops, which closes
/// the pipe so the writer gets EPIPE or SIGPIPE. Returns the text and whether it overflowed.
fn read_capped(mut pipe: impl Read, cap: usize) -> (String, bool) {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 65536];
    let mut overflow = false;
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if kept.len() + n > cap {
                    kept.extend_from_slice(&buffer[..cap - kept.len()]);
                    overflow = true;
                    break;
                }
                kept.extend_from_slice(&buffer[..n]);
            }
        }
    }
    (String::from_utf8_lossy(&kept).into_owned(), overflow)
}

/// Kills the program's process group and waits (up to two seconds) until it is gone, so
/// that its processes no longer count against the shared process limit.
fn kill_group(pid: libc::pid_t) {
    let deadline = Instant::now() + Duration::from_secs(2);
    // SAFETY: killpg with a process-group id we created (the child called setsid).
    while unsafe { libc::killpg(pid, libc::SIGKILL) } == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Exit status (and stderr) to an outcome.
fn classify(status: std::process::ExitStatus, stderr: &str) -> Outcome {
    if status.success() {
        return Outcome::Passed;
    }
    if let Some(signal) = status.signal() {
        return match signal {
            libc::SIGXCPU => Outcome::ResourceLimit { limit: "cpu time".into() },
            libc::SIGXFSZ => Outcome::ResourceLimit { limit: "file size".into() },
            libc::SIGKILL => Outcome::ResourceLimit { limit: "killed (cpu or memory)".into() },
            libc::SIGPIPE => Outcome::ResourceLimit { limit: "output".into() },
            other => Outcome::Failed { exit_code: -other },
        };
    }
    // Tracebacks of forked children interleave on stderr, so every line is examined, not
    // only the last.
    let any = |test: &dyn Fn(&str) -> bool| stderr.lines().any(|l| test(l.trim_start()));
    let limit = if any(&|l| l.starts_with("MemoryError")) {
        Some("memory")
    } else if any(&|l| l.contains("File too large") || l.contains("No space left on device")) {
        Some("file size")
    } else if any(&|l| l.contains("[Errno 11] Resource temporarily unavailable")) && stderr.contains("fork") {
        Some("processes")
    } else {
        None
    };
    match limit {
        Some(limit) => Outcome::ResourceLimit { limit: limit.into() },
        None => Outcome::Failed { exit_code: status.code().unwrap_or(-1) },
    }
}

/// Whether this process may create network and mount namespaces (probed with `true`).
fn namespaces_work() -> bool {
    let mut command = Command::new("true");
    command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: only the unshare system call runs in the child.
    unsafe {
        command.pre_exec(|| {
            if libc::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWNET) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    command.status().is_ok_and(|s| s.success())
}

/// Runs in the child between fork and exec: a new session, namespaces, limits, user.
fn isolate_child(
    limits: &SandboxLimits,
    root: bool,
    namespaces: bool,
    workdir: &std::ffi::CStr,
) -> std::io::Result<()> {
    let check = |result: libc::c_int| if result == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) };
    // SAFETY: plain system calls on valid arguments in the single-threaded child.
    unsafe {
        if libc::setsid() < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if root && namespaces {
            check(libc::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWNET))?;
            check(libc::mount(
                c"none".as_ptr(),
                c"/".as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            ))?;
            for target in [c"/tmp", c"/var/tmp", c"/dev/shm"] {
                // Targets that do not exist are skipped.
                libc::mount(
                    c"tmpfs".as_ptr(),
                    target.as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_NOSUID | libc::MS_NODEV,
                    c"size=1m,mode=1777".as_ptr().cast(),
                );
            }
            // The working directory was under one of those: mount it back at its path (from
            // the open working directory) so that absolute paths to it still resolve.
            if libc::mkdir(workdir.as_ptr(), 0o700) == 0 {
                check(libc::mount(c".".as_ptr(), workdir.as_ptr(), std::ptr::null(), libc::MS_BIND, std::ptr::null()))?;
                check(libc::chdir(workdir.as_ptr()))?;
            }
            // Then the tmpfs become read-only: nothing outside the directory is writable.
            for target in [c"/tmp", c"/var/tmp", c"/dev/shm"] {
                libc::mount(
                    std::ptr::null(),
                    target.as_ptr(),
                    std::ptr::null(),
                    libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
                    std::ptr::null(),
                );
            }
        } else if !root {
            // Best effort: a user namespace makes a network namespace possible.
            if libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) != 0 {
                let _ = libc::unshare(libc::CLONE_NEWNET);
            }
        }
        let limit = |resource, value: u64| {
            let rlimit = libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
            check(libc::setrlimit(resource, &rlimit))
        };
        // The hard CPU limit one second above the soft one, so SIGXCPU (reported as the CPU
        // limit) comes before the kernel's SIGKILL.
        check(libc::setrlimit(
            libc::RLIMIT_CPU,
            &libc::rlimit {
                rlim_cur: limits.cpu_seconds as libc::rlim_t,
                rlim_max: (limits.cpu_seconds + 1) as libc::rlim_t,
            },
        ))?;
        limit(libc::RLIMIT_AS, limits.address_space)?;
        limit(libc::RLIMIT_FSIZE, limits.file_size)?;
        limit(libc::RLIMIT_NPROC, limits.processes)?;
        limit(libc::RLIMIT_CORE, 0)?;
        limit(libc::RLIMIT_NOFILE, 256)?;
        if root {
            check(libc::setgroups(0, std::ptr::null()))?;
            check(libc::setgid(NOBODY))?;
            check(libc::setuid(NOBODY))?;
        }
        check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
    }
    Ok(())
}

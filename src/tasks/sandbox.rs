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
//! * when the tool runs as root (Linux): new network (no network, not even loopback),
//!   IPC, UTS, PID and mount namespaces. The program sees a minimal root of its own,
//!   entered with `pivot_root` as bubblewrap and nsjail do (done here directly, so that
//!   no extra package is needed): `/usr` read-only (the interpreter, its standard library
//!   and the system libraries; `/bin`, `/lib`, `/lib64`, `/sbin` as on the host, links
//!   into it or read-only binds), `/etc/ld.so.cache` read-only, a `/dev` with `null`,
//!   `zero`, `random` and `urandom` only, a fresh `/proc` of its PID namespace, a
//!   writable private `/tmp` and working directory `/work` (size-capped `tmpfs`, the
//!   program bound read-only at `/work/program.py`), and the root itself read-only.
//!   Nothing else of the host (the checkout, `/etc`, `/root`, `/run`, other sandboxes)
//!   exists in its view. The interpreter runs under a minimal init of its own PID
//!   namespace, which reaps orphans while it runs and, when it exits, kills and reaps
//!   every process it left (daemons and new sessions included); a relay process outside
//!   the namespace waits for the init and ends with the interpreter's exit status. The program runs as the
//!   unprivileged user `nobody` (65534) with `no_new_privs`, so the process limit counts
//!   only sandboxed processes;
//! * without root, where the kernel allows unprivileged user namespaces: the same
//!   namespaces, root, init and limits, built inside a new user namespace that maps only
//!   the invoking user to itself (as bubblewrap does unprivileged). The program runs as
//!   that user with no capabilities (`execve` of a non-root user drops the ones the
//!   namespace gave for building the root) and `no_new_privs`; the process limit counts
//!   every process of that user, so it is raised by those already running;
//! * where neither works: the same limits only, and [`Sandbox::isolation`] says so.
//!   Without the full isolation ([`Sandbox::missing_isolation`]), the label stage refuses
//!   to run generated code unless it is told `--unsafe-no-sandbox`.
//!
//! A remount keeps the flags the host's mount has (`nosuid`, `nodev`, `noexec`, atime):
//! in a user namespace those are locked, and dropping them fails.

use std::ffi::{CStr, CString};
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
        let namespaces = namespaces_work(root);
        if !namespaces {
            tracing::warn!(
                "sandbox: namespaces or the minimal root are not permitted here; programs would run with limits only"
            );
        }
        Self { limits, python, root, namespaces }
    }

    /// The user id sandboxed programs run as on the host: `nobody` as root, else the
    /// invoking user.
    pub fn program_uid(&self) -> u32 {
        // SAFETY: getuid has no preconditions.
        if self.root { NOBODY } else { unsafe { libc::getuid() } }
    }

    /// What this sandbox cannot isolate here, in words; `None` when it applies everything
    /// (the minimal root, the PID, mount and network namespaces, the switch to `nobody`).
    pub fn missing_isolation(&self) -> Option<String> {
        match (self.root, self.namespaces) {
            (_, true) => None,
            (true, false) => Some(
                "the kernel or the container forbids the namespaces and the minimal root (unshare or pivot_root \
                 failed: a container without CAP_SYS_ADMIN, or namespaces disabled), so programs would run as \
                 nobody in the host's file system, with the host's network and without a PID namespace"
                    .into(),
            ),
            (false, false) => Some(
                "the tool is not running as root, and the kernel or the container forbids unprivileged user \
                 namespaces (or the mounts of the minimal root inside one), so programs would see every file this \
                 user can read, reach the network and could leave processes behind"
                    .into(),
            ),
        }
    }

    /// A sandbox as if probed with `root` and `namespaces` (tests of the decisions that
    /// depend on them).
    #[cfg(test)]
    pub(crate) fn probed_as(root: bool, namespaces: bool) -> Self {
        Self { limits: SandboxLimits::default(), python: PathBuf::from("python3"), root, namespaces }
    }

    /// The limits.
    pub fn limits(&self) -> &SandboxLimits {
        &self.limits
    }

    /// What isolation this sandbox applies, in words (for reports and provenance).
    pub fn isolation(&self) -> String {
        let namespaces = "new network, IPC, UTS, PID and mount namespaces; a minimal read-only root (/usr, \
                          ld.so.cache, null/zero/random/urandom, its own /proc) with a writable private /tmp and \
                          /work (64 MB each); every process ends with the program";
        match (self.root, self.namespaces) {
            (true, true) => format!(
                "rlimits (cpu, address space, file size, processes, files); {namespaces}; runs as nobody with \
                 no_new_privs; cleared environment"
            ),
            (false, true) => format!(
                "rlimits (cpu, address space, file size, processes, files); a user namespace mapping only this \
                 user; {namespaces}; runs as this user without capabilities, with no_new_privs; cleared environment"
            ),
            (true, false) => "rlimits (cpu, address space, file size, processes, files); runs as nobody with \
                              no_new_privs; cleared environment; no network or mount namespace (not permitted here)"
                .into(),
            (false, false) => "rlimits (cpu, address space, file size, processes, files); cleared environment; no \
                               namespaces (unprivileged user namespaces not permitted here)"
                .into(),
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
        let plan = if self.namespaces { Some(RootPlan::new(directory, !self.root)?) } else { None };
        // In its own root the program works in /work with a private /tmp.
        let (home, tmp) = match plan {
            Some(_) => (Path::new("/work"), Path::new("/tmp")),
            None => (directory, directory),
        };
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
            .env("HOME", home)
            .env("PYTHONHASHSEED", "0")
            .env("TMPDIR", tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let limits = limits_for(self.limits, self.root);
        let root = self.root;
        // SAFETY: the closure runs in the forked child before exec and only makes
        // async-signal-safe system calls (no allocation, no locks: every path was
        // prepared above).
        unsafe {
            command.pre_exec(move || isolate_child(&limits, root, plan.as_ref()));
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
        let exit = ExitWatch::open(pid);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => {}
                Err(e) => return Err(format!("waiting for the program: {e}")),
            }
            let left = self.limits.wall.saturating_sub(start.elapsed());
            if left.is_zero() && killed_for.is_none() {
                kill_group(pid);
                killed_for = Some(Outcome::Timeout);
            }
            exit.wait(if left.is_zero() { Duration::from_millis(5) } else { left });
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

/// Wakes the waiting thread as soon as a child exits: a pidfd polled for readability
/// (Linux 5.3 and later), else a 5 ms sleep between checks.
struct ExitWatch(Option<std::os::fd::OwnedFd>);

impl ExitWatch {
    fn open(pid: libc::pid_t) -> Self {
        // SAFETY: pidfd_open on our own child; a non-negative result is a new descriptor.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        Self((fd >= 0).then(|| {
            // SAFETY: a descriptor this process just opened and owns.
            unsafe { std::os::fd::FromRawFd::from_raw_fd(fd as libc::c_int) }
        }))
    }

    /// Returns when the child has exited or `most` has passed (or a signal interrupts).
    fn wait(&self, most: Duration) {
        let Some(fd) = &self.0 else {
            std::thread::sleep(most.min(Duration::from_millis(5)));
            return;
        };
        let mut poll = libc::pollfd { fd: std::os::fd::AsRawFd::as_raw_fd(fd), events: libc::POLLIN, revents: 0 };
        let millis = most.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut poll, 1, millis) };
    }
}

/// The limits a child starts with: without root (no user of its own), the process limit
/// counts every process of this user, so it is set above what is already running.
fn limits_for(mut limits: SandboxLimits, root: bool) -> SandboxLimits {
    if !root {
        limits.processes += tasks_of_current_user();
    }
    limits
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

/// Whether the full sandbox works here: the namespaces, the minimal root and the switch
/// to `nobody`, probed by running `true` in it (a container may forbid some of it).
fn namespaces_work(root: bool) -> bool {
    let probe = || -> Result<bool, String> {
        let directory = tempfile::Builder::new().prefix("divcollapse-sandbox-").tempdir().map_err(|e| e.to_string())?;
        std::fs::write(directory.path().join("program.py"), "").map_err(|e| e.to_string())?;
        let plan = RootPlan::new(directory.path(), !root)?;
        let limits = limits_for(SandboxLimits::default(), root);
        let mut command = Command::new("true");
        command.current_dir(directory.path()).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        // SAFETY: the closure only makes system calls on prepared paths (see `isolate_child`).
        unsafe {
            command.pre_exec(move || isolate_child(&limits, root, Some(&plan)));
        }
        command.status().map(|s| s.success()).map_err(|e| e.to_string())
    };
    match probe() {
        Ok(works) => works,
        Err(reason) => {
            tracing::debug!("sandbox probe: {reason}");
            false
        }
    }
}

/// The namespaces of a sandboxed program (with a new user namespace too without root).
const NAMESPACES: libc::c_int =
    libc::CLONE_NEWNS | libc::CLONE_NEWNET | libc::CLONE_NEWPID | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS;

/// Size of the program's private `/tmp` and of its working directory (each).
const TMPFS_SIZE: &std::ffi::CStr = c"size=64m,mode=1777";

/// Every path the child needs to build the program's root, prepared before the fork
/// (the child may not allocate).
struct RootPlan {
    /// `<dir>/root`: the mount point of the new root.
    root: CString,
    /// `<dir>/program.py` on the host.
    script: CString,
    /// Directories to create under the new root, in order.
    directories: Vec<CString>,
    /// Read-only binds: (host source, target under the new root, is a file, the host
    /// mount's flags a remount must keep).
    binds: Vec<(CString, CString, bool, libc::c_ulong)>,
    /// Links under the new root: (target text, link path).
    links: Vec<(CString, CString)>,
    dev: CString,
    devices: Vec<(CString, CString)>,
    proc: CString,
    tmp: CString,
    work: CString,
    work_script: CString,
    /// The flags of the host mount holding the program, kept by its read-only bind.
    script_flags: libc::c_ulong,
    old_root: CString,
    /// Without root: the user namespace's maps, written by the child after `unshare`.
    user_maps: Option<UserMaps>,
}

/// The maps of an unprivileged sandbox's user namespace: the invoking user and group
/// mapped to themselves, nothing else (so no other id exists inside).
struct UserMaps {
    uid_map: CString,
    gid_map: CString,
}

impl UserMaps {
    fn of_current_user() -> Self {
        // SAFETY: getuid and getgid have no preconditions.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        Self {
            uid_map: CString::new(format!("{uid} {uid} 1\n")).expect("digits"),
            gid_map: CString::new(format!("{gid} {gid} 1\n")).expect("digits"),
        }
    }
}

/// Writes `text` to the file `path` (between fork and exec).
///
/// # Safety
/// Plain system calls.
unsafe fn write_file(path: &CStr, text: &CStr) -> std::io::Result<()> {
    // SAFETY: valid strings; the descriptor is closed before returning.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let bytes = text.to_bytes();
        let written = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
        let error = std::io::Error::last_os_error();
        libc::close(fd);
        if written != bytes.len() as isize {
            return Err(error);
        }
    }
    Ok(())
}

fn cstring(path: &Path) -> Result<CString, String> {
    CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| format!("{}: a path with a NUL byte", path.display()))
}

impl RootPlan {
    /// The plan for a program in `directory` (which holds `program.py`); `unprivileged`:
    /// built inside a user namespace of the invoking user.
    fn new(directory: &Path, unprivileged: bool) -> Result<Self, String> {
        let root = directory.join("root");
        std::fs::create_dir(&root).map_err(|e| format!("{}: {e}", root.display()))?;
        let under = |name: &str| cstring(&root.join(name));
        let mut directories = vec![under("usr")?, under("etc")?, under("dev")?, under("proc")?];
        directories.extend([under("tmp")?, under("work")?, under(".old")?]);
        let mut binds = vec![(c"/usr".to_owned(), under("usr")?, false, host_mount_flags(Path::new("/usr"))?)];
        let mut links = Vec::new();
        // Merged-/usr systems link these into /usr; others have directories to bind.
        for name in ["bin", "lib", "lib64", "sbin", "lib32", "libx32"] {
            let host = Path::new("/").join(name);
            match std::fs::read_link(&host) {
                Ok(target) => links.push((cstring(&target)?, under(name)?)),
                Err(_) if host.is_dir() => {
                    directories.push(under(name)?);
                    binds.push((cstring(&host)?, under(name)?, false, host_mount_flags(&host)?));
                }
                Err(_) => {}
            }
        }
        if Path::new("/etc/ld.so.cache").is_file() {
            let flags = host_mount_flags(Path::new("/etc/ld.so.cache"))?;
            binds.push((c"/etc/ld.so.cache".to_owned(), under("etc/ld.so.cache")?, true, flags));
        }
        let devices = ["null", "zero", "random", "urandom"]
            .iter()
            .map(|d| Ok((cstring(&Path::new("/dev").join(d))?, under(&format!("dev/{d}"))?)))
            .collect::<Result<_, String>>()?;
        Ok(Self {
            script: cstring(&directory.join("program.py"))?,
            script_flags: host_mount_flags(&directory.join("program.py"))?,
            directories,
            binds,
            links,
            dev: under("dev")?,
            devices,
            proc: under("proc")?,
            tmp: under("tmp")?,
            work: under("work")?,
            work_script: under("work/program.py")?,
            old_root: under(".old")?,
            root: cstring(&root)?,
            user_maps: unprivileged.then(UserMaps::of_current_user),
        })
    }
}

fn check(result: libc::c_int) -> std::io::Result<()> {
    if result == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// `mount(2)` with C strings (`None`: a null pointer).
///
/// # Safety
/// Plain system call; callable between fork and exec.
unsafe fn mount(
    source: Option<&CStr>,
    target: &CStr,
    kind: Option<&CStr>,
    flags: libc::c_ulong,
    data: Option<&CStr>,
) -> std::io::Result<()> {
    let ptr = |s: Option<&CStr>| s.map_or(std::ptr::null(), CStr::as_ptr);
    // SAFETY: valid NUL-terminated strings or null pointers.
    check(unsafe { libc::mount(ptr(source), target.as_ptr(), ptr(kind), flags, ptr(data).cast()) })
}

/// An empty file to bind a file onto.
///
/// # Safety
/// Plain system calls; callable between fork and exec.
unsafe fn touch(path: &CStr) -> std::io::Result<()> {
    // SAFETY: a valid path; the descriptor is closed at once.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC, 0o644) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a descriptor this function opened.
    unsafe { libc::close(fd) };
    Ok(())
}

/// A read-only bind mount of `source` at `target`.
///
/// # Safety
/// Plain system calls; callable between fork and exec.
unsafe fn bind_read_only(source: &CStr, target: &CStr, kept: libc::c_ulong) -> std::io::Result<()> {
    let flags = libc::MS_BIND | libc::MS_REC;
    // SAFETY: valid strings.
    unsafe {
        mount(Some(source), target, None, flags, None)?;
        mount(None, target, None, flags | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | kept, None)
    }
}

/// The flags of the host mount holding `path` that a remount of a bind of it must repeat
/// (locked in a user namespace): `nosuid`, `nodev`, `noexec` and the atime behaviour.
fn host_mount_flags(path: &Path) -> Result<libc::c_ulong, String> {
    const KEPT: [(libc::c_ulong, libc::c_ulong); 6] = [
        (libc::ST_NOSUID, libc::MS_NOSUID),
        (libc::ST_NODEV, libc::MS_NODEV),
        (libc::ST_NOEXEC, libc::MS_NOEXEC),
        (libc::ST_NOATIME, libc::MS_NOATIME),
        (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
        (libc::ST_RELATIME, libc::MS_RELATIME),
    ];
    let name = cstring(path)?;
    // SAFETY: a valid path and a zeroed buffer that statvfs fills.
    let stat = unsafe {
        let mut stat: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(name.as_ptr(), &mut stat) != 0 {
            return Err(format!("{}: {}", path.display(), std::io::Error::last_os_error()));
        }
        stat
    };
    Ok(KEPT.iter().filter(|(st, _)| stat.f_flag & st != 0).fold(0, |flags, (_, ms)| flags | ms))
}

/// In the program's PID namespace: builds its root and enters it (see the module docs).
///
/// # Safety
/// Plain system calls on prepared paths; callable between fork and exec.
unsafe fn enter_root(plan: &RootPlan) -> std::io::Result<()> {
    let nosuid_nodev = libc::MS_NOSUID | libc::MS_NODEV;
    // SAFETY: system calls on the plan's valid paths, in the child's private mount namespace.
    unsafe {
        mount(Some(c"tmpfs"), &plan.root, Some(c"tmpfs"), nosuid_nodev, Some(c"size=1m,mode=0755"))?;
        for directory in &plan.directories {
            check(libc::mkdir(directory.as_ptr(), 0o755))?;
        }
        for (target, link) in &plan.links {
            check(libc::symlink(target.as_ptr(), link.as_ptr()))?;
        }
        for (source, target, is_file, kept) in &plan.binds {
            if *is_file {
                touch(target)?;
            }
            bind_read_only(source, target, *kept)?;
        }
        mount(Some(c"tmpfs"), &plan.dev, Some(c"tmpfs"), libc::MS_NOSUID, Some(c"size=64k,mode=0755"))?;
        for (source, target) in &plan.devices {
            touch(target)?;
            mount(Some(source), target, None, libc::MS_BIND, None)?;
        }
        mount(Some(c"proc"), &plan.proc, Some(c"proc"), nosuid_nodev | libc::MS_NOEXEC, None)?;
        mount(Some(c"tmpfs"), &plan.tmp, Some(c"tmpfs"), nosuid_nodev, Some(TMPFS_SIZE))?;
        mount(Some(c"tmpfs"), &plan.work, Some(c"tmpfs"), nosuid_nodev, Some(TMPFS_SIZE))?;
        touch(&plan.work_script)?;
        bind_read_only(&plan.script, &plan.work_script, plan.script_flags)?;
        check(libc::syscall(libc::SYS_pivot_root, plan.root.as_ptr(), plan.old_root.as_ptr()) as libc::c_int)?;
        check(libc::chdir(c"/".as_ptr()))?;
        check(libc::umount2(c"/.old".as_ptr(), libc::MNT_DETACH))?;
        check(libc::rmdir(c"/.old".as_ptr()))?;
        mount(None, c"/", None, libc::MS_REMOUNT | libc::MS_RDONLY | nosuid_nodev, Some(c"size=1m,mode=0755"))?;
        check(libc::chdir(c"/work".as_ptr()))
    }
}

/// Closes every descriptor but `keep` (a process that never execs would otherwise keep
/// the close-on-exec ones: the read ends of the output pipes, so the program's pipes would
/// never reach end-of-file, and the pipe on which the spawner waits for the exec).
///
/// # Safety
/// Plain system calls.
unsafe fn close_all_but(keep: libc::c_int) {
    let keep = keep as u32;
    // SAFETY: closing descriptors of this process.
    unsafe {
        let ranges = [(0u32, keep.checked_sub(1)), (keep + 1, Some(u32::MAX))];
        for (first, last) in ranges {
            let Some(last) = last else { continue };
            if libc::syscall(libc::SYS_close_range, first, last, 0u32) != 0 {
                for fd in first..last.min(4095) + 1 {
                    libc::close(fd as libc::c_int);
                }
            }
        }
    }
}

/// The init of the program's PID namespace: reaps every orphan while the program runs;
/// when it ends, kills and reaps whatever is left, writes the program's wait status to
/// `status` and exits.
///
/// # Safety
/// Plain system calls; never returns.
unsafe fn init(program: libc::pid_t, status: libc::c_int) -> ! {
    let mut program_status: libc::c_int = 0;
    // SAFETY: waiting for and killing processes of this namespace only.
    unsafe {
        close_all_but(status);
        loop {
            let mut child_status = 0;
            let pid = libc::waitpid(-1, &mut child_status, 0);
            if pid == program {
                program_status = child_status;
                break;
            }
            if pid < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                break;
            }
        }
        // Everything the program left: daemons, detached sessions, zombies.
        libc::kill(-1, libc::SIGKILL);
        while libc::waitpid(-1, std::ptr::null_mut(), 0) >= 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
        {}
        let bytes = program_status.to_ne_bytes();
        libc::write(status, bytes.as_ptr().cast(), bytes.len());
        libc::_exit(0)
    }
}

/// The parent of the program's PID namespace, outside it: waits for the namespace's init
/// and ends with the program's status (read from `status`), re-raising a signal that
/// killed it.
///
/// # Safety
/// Plain system calls; never returns.
unsafe fn relay(init: libc::pid_t, status: libc::c_int) -> ! {
    // SAFETY: waiting for our own child; then exiting the way the program did.
    unsafe {
        close_all_but(status);
        while libc::waitpid(init, std::ptr::null_mut(), 0) < 0 {
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                libc::_exit(127);
            }
        }
        let mut bytes = [0u8; 4];
        if libc::read(status, bytes.as_mut_ptr().cast(), bytes.len()) != 4 {
            libc::_exit(127);
        }
        let program_status = libc::c_int::from_ne_bytes(bytes);
        if libc::WIFSIGNALED(program_status) {
            let signal = libc::WTERMSIG(program_status);
            let no_core = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            libc::signal(signal, libc::SIG_DFL);
            libc::kill(libc::getpid(), signal);
            libc::_exit(128 + signal);
        }
        libc::_exit(libc::WEXITSTATUS(program_status))
    }
}

/// Runs in the child between fork and exec: a new session, namespaces and root (with a
/// plan), limits, user.
fn isolate_child(limits: &SandboxLimits, root: bool, plan: Option<&RootPlan>) -> std::io::Result<()> {
    // SAFETY: plain system calls on valid arguments in the single-threaded child.
    unsafe {
        if libc::setsid() < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if let Some(plan) = plan {
            match &plan.user_maps {
                Some(maps) => {
                    check(libc::unshare(libc::CLONE_NEWUSER | NAMESPACES))?;
                    write_file(c"/proc/self/setgroups", c"deny")?;
                    write_file(c"/proc/self/uid_map", &maps.uid_map)?;
                    write_file(c"/proc/self/gid_map", &maps.gid_map)?;
                }
                None => check(libc::unshare(NAMESPACES))?,
            }
            mount(Some(c"none"), c"/", None, libc::MS_REC | libc::MS_PRIVATE, None)?;
            // The program's wait status goes from the namespace's init to the relay.
            let mut status = [0; 2];
            check(libc::pipe2(status.as_mut_ptr(), libc::O_CLOEXEC))?;
            // The next process is the init of the new PID namespace; the program its child.
            match libc::fork() {
                -1 => return Err(std::io::Error::last_os_error()),
                0 => {}
                init_pid => {
                    libc::close(status[1]);
                    relay(init_pid, status[0])
                }
            }
            libc::close(status[0]);
            enter_root(plan)?;
            match libc::fork() {
                -1 => return Err(std::io::Error::last_os_error()),
                0 => {
                    libc::close(status[1]);
                }
                program => init(program, status[1]),
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

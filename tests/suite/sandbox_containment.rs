//! The code sandbox contains hostile programs: each is reported as a failure with the
//! right reason, the host keeps running, nothing is left behind, and a correct program
//! run right after still passes.
//!
//! Run as root, the tests check the sandbox that drops to `nobody`; and
//! [`containment_holds_for_an_unprivileged_user`] runs this whole module again as an
//! unprivileged user (from a copy of this test binary), where the sandbox is built on a
//! user namespace.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use diversity_collapse::tasks::sandbox::{Outcome, Sandbox, SandboxLimits};

fn sandbox() -> Sandbox {
    Sandbox::new(SandboxLimits { wall: Duration::from_secs(8), cpu_seconds: 3, ..SandboxLimits::default() }, None)
}

/// Live processes of a user.
fn processes_of(uid: u32) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read_to_string(e.path().join("status")).ok())
        .filter(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(&uid.to_string())))
        .count()
}

/// Set in the copy of this binary that runs the module as an unprivileged user.
const CHILD: &str = "DIVCOLLAPSE_SANDBOX_CHILD";

/// Whether the sandbox here applies every isolation (the minimal root, the namespaces);
/// in the unprivileged run, it must.
fn fully_isolated() -> bool {
    let missing = sandbox().missing_isolation();
    if std::env::var_os(CHILD).is_some() {
        assert_eq!(missing, None, "the unprivileged sandbox must isolate fully where user namespaces are permitted");
    }
    missing.is_none()
}

fn leftovers() -> usize {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("divcollapse-sandbox-"))
        .count()
}

fn assert_contained(program: &str, expected: impl Fn(&Outcome) -> bool, what: &str) {
    let sandbox = sandbox();
    let result = sandbox.run_python(program);
    eprintln!("{what}: {:?} in {:.2} s", result.outcome, result.seconds);
    assert!(expected(&result.outcome), "{what}: {:?}\nstderr: {}", result.outcome, result.stderr);
    let after = sandbox.run_python("assert sum(range(10)) == 45\nprint('ok')");
    assert!(after.passed(), "{what}: a correct program after it: {after:?}");
    assert_eq!(after.stdout.trim(), "ok");
}

fn limit(outcome: &Outcome, which: &str) -> bool {
    matches!(outcome, Outcome::ResourceLimit { limit } if limit.contains(which))
}

#[test]
fn hostile_programs_are_contained() {
    let _serial = crate::sandbox_serial();
    let before = leftovers();
    let uid = sandbox().program_uid();
    let processes = processes_of(uid);
    assert_contained(
        "import os\nwhile True:\n    os.fork()\n",
        |o| limit(o, "processes") || matches!(o, Outcome::Timeout),
        "fork bomb",
    );
    assert_contained("while True:\n    pass\n", |o| limit(o, "cpu time"), "infinite loop");
    assert_contained(
        "x = []\nwhile True:\n    x.append(bytearray(10**7))\n",
        |o| limit(o, "memory") || limit(o, "killed"),
        "memory bomb",
    );
    assert_contained(
        "with open('big.bin', 'wb') as f:\n    for _ in range(1024):\n        f.write(b'0' * (1 << 20))\n",
        |o| limit(o, "file size"),
        "1 GB write",
    );
    assert_contained("print('x' * (100 * 1024 * 1024))\n", |o| limit(o, "output"), "100 MB of output");
    assert_eq!(leftovers(), before, "temporary directories are removed");
    if fully_isolated() {
        assert_eq!(processes_of(uid), processes, "no sandboxed process survives");
    }
}

#[test]
fn environment_network_and_outside_writes_are_unavailable() {
    let _serial = crate::sandbox_serial();
    // SAFETY: set before the sandbox forks; no other thread of this test reads the environment.
    unsafe { std::env::set_var("DIVCOLLAPSE_TEST_SECRET", "hunter2") };
    assert_contained(
        "import os\nassert os.environ.get('DIVCOLLAPSE_TEST_SECRET') == 'hunter2'\n",
        |o| matches!(o, Outcome::Failed { exit_code: 1 }),
        "reading a secret of the parent's environment",
    );
    if !fully_isolated() {
        // Without the namespaces the network and file-system checks below cannot hold.
        eprintln!("no namespaces here: network and file-system containment are not checked");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    assert_contained(
        &format!("import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\n"),
        |o| matches!(o, Outcome::Failed { .. }),
        "a TCP connection to the host",
    );
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "nothing reached the listener");
    // The host's own address on its network, where it has one (a route is enough to learn
    // it; no packet is sent).
    let host_address = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|socket| socket.connect("192.0.2.1:9").and_then(|()| socket.local_addr()))
        .map(|address| address.ip())
        .ok()
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    if let Some(ip) = host_address {
        let listener = TcpListener::bind("0.0.0.0:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_contained(
            &format!("import socket\nsocket.create_connection(('{ip}', {port}), timeout=2)\n"),
            |o| matches!(o, Outcome::Failed { .. }),
            "a TCP connection to the host's network address",
        );
        listener.set_nonblocking(true).unwrap();
        assert!(listener.accept().is_err(), "nothing reached the listener on {ip}");
    } else {
        eprintln!("no network address besides loopback: only loopback is checked");
    }
    // Writes into every world-writable directory of the host land, at most, in the
    // program's own view: nothing appears on the host.
    let name = format!("divcollapse-escape-{}", std::process::id());
    for folder in ["/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/run"] {
        let path = Path::new(folder).join(&name);
        let text = path.display().to_string();
        let result = sandbox().run_python(&format!("open({text:?}, 'w').write('escaped')\n"));
        eprintln!("a write to {text}: {:?}", result.outcome);
        assert!(!path.exists(), "{text} must not exist on the host");
    }
    assert_contained(
        "open('../escaped.txt', 'w').write('x')\n",
        |o| matches!(o, Outcome::Failed { exit_code: 1 }),
        "a write to the parent directory",
    );
    assert_contained(
        "open('/root/escaped.txt', 'w').write('x')\n",
        |o| matches!(o, Outcome::Failed { exit_code: 1 }),
        "a write to the home of root",
    );
    // A setuid file: the bit can be set in the program's own file systems, which are
    // mounted nosuid, and nothing lands on the host.
    assert_contained(
        "import os\nfor folder in ['/work', '/tmp']:\n    path = os.path.join(folder, 'su')\n\
         \x20   open(path, 'w').write('#!/bin/sh\\n')\n    os.chmod(path, 0o4755)\n\
         \x20   assert os.statvfs(folder).f_flag & os.ST_NOSUID, folder\n",
        |o| matches!(o, Outcome::Passed),
        "a setuid file",
    );
    // Temporary files work (a private, writable /tmp), as the study's harness lets them.
    assert_contained(
        "import tempfile, os\nwith tempfile.NamedTemporaryFile() as f:\n    f.write(b'fine')\n\
         assert tempfile.gettempdir() == '/tmp'\nopen('/tmp/x', 'w').write('x')\nopen('here.txt', 'w').write('x')\n",
        |o| matches!(o, Outcome::Passed),
        "temporary files and files in the working directory",
    );
}

/// Attacks that pass their own test only when they fail: nothing of the host is
/// visible, host processes cannot be signalled, and nothing a program starts outlives it.
#[test]
fn host_files_processes_and_other_sandboxes_are_out_of_reach() {
    let _serial = crate::sandbox_serial();
    if !fully_isolated() {
        eprintln!("no namespaces here: the minimal root and the PID namespace are not checked");
        return;
    }
    let uid = sandbox().program_uid();
    let processes = processes_of(uid);
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml").display().to_string();
    assert_contained(
        &format!(
            "import os\nfor path in [{checkout:?}, '/etc/hostname', '/etc/passwd', '/root', '/home', '/run', '/var']:\n\
             \x20   assert not os.path.exists(path), path\n\
             assert sorted(os.listdir('/dev')) == ['null', 'random', 'urandom', 'zero'], os.listdir('/dev')\n"
        ),
        |o| matches!(o, Outcome::Passed),
        "reading host files (the checkout, /etc)",
    );
    let host = std::process::id();
    assert_contained(
        &format!(
            "import os, signal\ntry:\n    os.kill({host}, signal.SIGTERM)\nexcept ProcessLookupError:\n    pass\n\
             else:\n    raise SystemExit(1)\nassert os.getpid() == 2 and os.getppid() == 1\n"
        ),
        |o| matches!(o, Outcome::Passed),
        "signalling a host process",
    );
    // A daemon: double fork, a new session, closed descriptors, a write 2 s later.
    let marker = std::env::temp_dir().join(format!("divcollapse-daemon-{}", std::process::id()));
    let marker_text = marker.display().to_string();
    let daemon = format!(
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.closerange(0, 256)\n\
         \x20       time.sleep(2)\n        open({marker_text:?}, 'w').write('alive')\n        open('/work/late', 'w').write('x')\n\
         \x20   os._exit(0)\ntime.sleep(0.2)\n"
    );
    assert_contained(&daemon, |o| matches!(o, Outcome::Passed), "a detached daemon");
    assert_eq!(processes_of(uid), processes, "no sandboxed process survives its program");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(processes_of(uid), processes, "no sandboxed process appears later");
    assert!(!marker.exists(), "the daemon wrote nothing on the host");
    // Two programs at once: neither sees the other's working directory.
    let sandbox = sandbox();
    let programs = [
        "import time\nopen('/work/secret', 'w').write('mine')\ntime.sleep(1)\nassert open('/work/secret').read() == 'mine'\n"
            .to_owned(),
        "import os, time\ntime.sleep(0.3)\nassert os.listdir('/work') == ['program.py'], os.listdir('/work')\n\
         assert os.listdir('/tmp') == [], os.listdir('/tmp')\n"
            .to_owned(),
    ];
    let results = sandbox.run_many(&programs, 2);
    assert!(results.iter().all(|r| r.passed()), "{results:?}");
}

#[test]
fn a_sleeping_program_times_out() {
    let _serial = crate::sandbox_serial();
    let sandbox = Sandbox::new(SandboxLimits { wall: Duration::from_secs(1), ..SandboxLimits::default() }, None);
    let result = sandbox.run_python("import time\ntime.sleep(30)\n");
    assert_eq!(result.outcome, Outcome::Timeout);
    assert!(result.seconds < 5.0, "{}", result.seconds);
}

#[test]
fn many_programs_run_in_parallel_with_results_in_order() {
    let _serial = crate::sandbox_serial();
    let programs: Vec<String> = (0..8).map(|i| format!("import sys\nsys.exit({})\n", i % 2)).collect();
    let results = sandbox().run_many(&programs, 2);
    for (i, result) in results.iter().enumerate() {
        let expected = if i % 2 == 0 { Outcome::Passed } else { Outcome::Failed { exit_code: 1 } };
        assert_eq!(result.outcome, expected, "program {i}");
    }
}

/// Whether this kernel lets an unprivileged user create user namespaces.
fn unprivileged_user_namespaces_allowed() -> bool {
    let read = |path: &str| std::fs::read_to_string(path).ok().map(|s| s.trim().to_owned());
    read("/proc/sys/user/max_user_namespaces").is_some_and(|n| n != "0")
        && read("/proc/sys/kernel/unprivileged_userns_clone").is_none_or(|v| v != "0")
        && read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").is_none_or(|v| v != "1")
}

/// Every test of this module again, as the unprivileged user `nobody`, from a copy of this
/// test binary (and of the shared libraries it loads from places `nobody` cannot read):
/// the sandbox then builds the same root and namespaces inside a user namespace, and each
/// attack must fail there too.
#[test]
fn containment_holds_for_an_unprivileged_user() {
    // SAFETY: geteuid has no preconditions.
    if std::env::var_os(CHILD).is_some() || unsafe { libc::geteuid() } != 0 {
        return;
    }
    if !unprivileged_user_namespaces_allowed() {
        eprintln!("unprivileged user namespaces are not permitted here: the unprivileged sandbox is not checked");
        return;
    }
    let _serial = crate::sandbox_serial();
    let dir = tempfile::tempdir().unwrap();
    let open = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
    };
    open(dir.path(), 0o755);
    let binary = dir.path().join("suite");
    std::fs::copy(std::env::current_exe().unwrap(), &binary).unwrap();
    open(&binary, 0o755);
    // Shared libraries outside the system's folders (the Rust standard library of a
    // `-Cprefer-dynamic` build).
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mut libraries: Vec<&str> = maps
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .filter(|path| path.contains(".so") && !["/lib", "/usr", "/etc"].iter().any(|p| path.starts_with(p)))
        .collect();
    libraries.dedup();
    for library in libraries {
        let copy = dir.path().join(Path::new(library).file_name().unwrap());
        std::fs::copy(library, &copy).unwrap();
        open(&copy, 0o755);
    }
    let mut command = std::process::Command::new(&binary);
    command
        .args(["sandbox_containment::", "--test-threads", "1", "--nocapture"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", dir.path())
        .env("LD_LIBRARY_PATH", dir.path())
        .env(CHILD, "1");
    // SAFETY: plain system calls in the child before exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the module as nobody:\n{text}");
    assert!(text.contains("test result: ok. 6 passed"), "{text}");
    assert!(!text.contains("are not checked"), "every check ran unprivileged:\n{text}");
}

//! The code sandbox contains hostile programs: each is reported as a failure with the
//! right reason, the host keeps running, nothing is left behind, and a correct program
//! run right after still passes.

use std::net::TcpListener;
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
    if sandbox().drops_privileges() {
        assert_eq!(processes_of(65534), 0, "no sandboxed process survives");
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
    if !sandbox().drops_privileges() {
        // Without root there is no mount namespace and no user to drop to: the network and
        // file-system checks below need the full sandbox.
        eprintln!("not running as root: network and file-system containment are not checked");
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
    let outside = std::env::temp_dir().join(format!("divcollapse-escape-{}", std::process::id()));
    let outside_text = outside.display().to_string();
    assert_contained(
        &format!("open({outside_text:?}, 'w').write('escaped')\n"),
        |o| matches!(o, Outcome::Failed { exit_code: 1 }),
        "a write outside the temporary directory",
    );
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
    assert_contained(
        "import tempfile\nwith tempfile.NamedTemporaryFile() as f:\n    f.write(b'fine')\n",
        |o| matches!(o, Outcome::Passed),
        "temporary files (inside the directory)",
    );
    assert!(!outside.exists(), "{outside_text} must not exist on the host");
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

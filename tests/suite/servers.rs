//! What the tests that start a real server share: the cache folder of the servers'
//! virtual environments, a free port, and a server process that is stopped on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The virtual environment `name` that a set-up script installed under the tool's cache
/// (`$DIVCOLLAPSE_CACHE`, else `$XDG_CACHE_HOME/diversity-collapse`, else
/// `~/.cache/diversity-collapse`).
pub fn venv(name: &str) -> PathBuf {
    let cache = std::env::var_os("DIVCOLLAPSE_CACHE").map(PathBuf::from).unwrap_or_else(|| {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache"));
        base.join("diversity-collapse")
    });
    cache.join(name)
}

/// A port nothing listens on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running server, stopped on drop.
pub struct Server {
    child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl Server {
    /// Starts `command` (told to listen on `port`) with its output in `log`, and waits up
    /// to `patience` for the port to accept connections.
    pub fn start(mut command: Command, port: u16, log: &Path, patience: Duration) -> Self {
        let file = std::fs::File::create(log).unwrap();
        let child = command.stdout(file.try_clone().unwrap()).stderr(file).stdin(Stdio::null()).spawn().unwrap();
        let server = Self { child, port };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < patience,
                "the server did not start: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }

    /// The server's API root.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

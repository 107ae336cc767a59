//! End-to-end harness: start the real `toubeelib` binary and talk HTTP to it.
//!
//! A real process, not an in-process server, because the command line, the `listening on` stdout
//! line, signals and exit codes are part of the contract (API.md, "Running the binary") and only a
//! real process exercises them.
//!
//! # Which binary
//! Cargo gives `CARGO_BIN_EXE_<name>` only to the tests of the package that owns the binary, and a
//! dependency on another package's binary is not stable Cargo, so `cargo test -p e2e` does **not**
//! build `toubeelib`: run `cargo build -p server` first. [`binary_path`] looks, in order, at:
//! 1. the `CARGO_BIN_EXE_toubeelib` environment variable, to test any build (a release one, say);
//! 2. `toubeelib` beside the running test executable's profile directory (`<target>/<profile>/`),
//!    which follows `CARGO_TARGET_DIR`, `--release` and `--target` by construction;
//! 3. `$CARGO_TARGET_DIR/debug/toubeelib`, else `<workspace>/target/debug/toubeelib`.
//!
//! # What a test gets
//! - [`TestApp`]: one server on port 0 with its own data directory (or the test's, through
//!   [`TestAppBuilder::data_dir`], to start a second server on the same data; or [`TestApp::restart`]),
//!   an admin account made at start, `--seed none` unless [`TestAppBuilder::seed_demo`].
//! - `http`: requests bounded by [`REQUEST_TIMEOUT`], answers read whole into a [`Reply`] that asserts
//!   statuses and RFC 9457 problems.
//! - `fixtures`: the admin's token, patients, structures, praticiens, créneaux, bookings, made through
//!   the API as a client would.
//! - `temps`: UTC instants ([`UtcTime`]) without a date library.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, BufReader};
use tokio::process::{Child, ChildStdout, Command};
use tokio::task::JoinHandle;

mod fixtures;
mod http;
pub mod journal;
pub mod smtp;
mod temps;
pub mod webhook;

pub use fixtures::{
    ADMIN_EMAIL, ADMIN_PASSWORD, DEMO_PASSWORD, PATIENT_PASSWORD, PERSONNEL_PASSWORD, PRATICIEN_PASSWORD,
    Patient, Praticien, SEARCH_WAIT, access_token, booking, horaires_chaque_jour, instant, poll_until,
    reglages, rpps, string, unique,
};
pub use http::{Body, PROBLEM_JSON, Reply, describe, encode};
pub use temps::{UtcTime, last_sunday};

/// The value of the sample `serie` (its whole name and labels) in a Prometheus scrape of `/metrics`.
pub fn metrique<T: std::str::FromStr>(scrape: &str, serie: &str) -> Option<T> {
    scrape
        .lines()
        .find_map(|l| l.strip_prefix(serie)?.strip_prefix(' ')?.parse().ok())
}

/// Name of the binary under test.
pub const BINARY_NAME: &str = "toubeelib";

/// Environment variable that points the harness at a specific binary.
pub const BINARY_ENV: &str = "CARGO_BIN_EXE_toubeelib";

/// Longest wait for the `listening on` line after spawning.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest wait for the process to exit after SIGTERM (the server's own grace period is 10 s).
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);

/// Longest any single HTTP request of a test may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest wait for a server that closed stdout early to exit, so its error can be reported.
const EXIT_REPORT_WAIT: Duration = Duration::from_secs(5);

/// Most bytes of stderr (and of stdout after the first line) kept for diagnostics.
pub const CAPTURE_BYTES_MAX: usize = 256 * 1024;

/// The prefix of the first stdout line, before the address.
pub const LISTENING_PREFIX: &str = "listening on http://";

/// Why the harness could not start or stop the server.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// No binary where it was looked for.
    #[error(
        "the toubeelib binary was not found (looked at: {}); run `cargo build -p server` first, \
         or set {BINARY_ENV} to the binary to test",
        .looked_at.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    BinaryMissing {
        /// Every path tried, in order.
        looked_at: Vec<PathBuf>,
    },
    /// The temporary data directory could not be created.
    #[error("cannot create a temporary data directory")]
    TempDir(#[source] std::io::Error),
    /// The process could not be started.
    #[error("cannot start {}", .binary.display())]
    Spawn {
        /// The binary started.
        binary: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The process did not print its address in time, or printed something else first.
    #[error("the server did not announce its address: {reason}\n--- server stderr ---\n{stderr}")]
    Startup {
        /// What went wrong.
        reason: String,
        /// What the server wrote to stderr meanwhile.
        stderr: String,
    },
    /// The process could not be signalled or waited for.
    #[error("cannot stop the server: {0}")]
    Stop(String),
}

/// The binary to test; see the crate documentation for the lookup order.
pub fn binary_path() -> Result<PathBuf, HarnessError> {
    if let Some(path) = std::env::var_os(BINARY_ENV) {
        return Ok(PathBuf::from(path));
    }
    let file_name = format!("{BINARY_NAME}{}", std::env::consts::EXE_SUFFIX);
    let mut looked_at = Vec::new();
    // Test executables live in `<target>/<profile>/deps/`.
    if let Ok(test_exe) = std::env::current_exe()
        && let Some(profile_dir) = test_exe.parent().and_then(Path::parent)
    {
        looked_at.push(profile_dir.join(&file_name));
    }
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or_else(|| Path::new(".."));
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace_root.join(dir), // `join` keeps an absolute `dir` as is.
        None => workspace_root.join("target"),
    };
    let default_build = target_dir.join("debug").join(&file_name);
    if !looked_at.contains(&default_build) {
        looked_at.push(default_build);
    }
    match looked_at.iter().find(|path| path.is_file()) {
        Some(found) => Ok(found.clone()),
        None => Err(HarnessError::BinaryMissing { looked_at }),
    }
}

/// Options for starting a [`TestApp`]; [`TestApp::spawn`] uses the defaults.
///
/// By default: `--seed none`, a fresh temporary data directory, and an admin account
/// ([`ADMIN_EMAIL`], [`ADMIN_PASSWORD`]) created at start through `TOUBEELIB_ADMIN_*`.
#[derive(Debug, Clone)]
pub struct TestAppBuilder {
    seed: Option<String>,
    envs: Vec<(OsString, OsString)>,
    data_dir: Option<PathBuf>,
}

impl Default for TestAppBuilder {
    fn default() -> Self {
        Self {
            seed: Some("none".to_owned()),
            envs: vec![
                ("TOUBEELIB_ADMIN_EMAIL".into(), ADMIN_EMAIL.into()),
                ("TOUBEELIB_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
            ],
            data_dir: None,
        }
    }
}

impl TestAppBuilder {
    /// Value of `--seed` (`none` by default, so each test starts from an empty store).
    pub fn seed(mut self, seed: &str) -> Self {
        self.seed = Some(seed.to_owned());
        self
    }

    /// `--seed demo`: the embedded demo maison médicale.
    pub fn seed_demo(self) -> Self {
        self.seed("demo")
    }

    /// No `--seed` flag at all, as in the README's serve command: the server's default applies.
    pub fn without_seed_flag(mut self) -> Self {
        self.seed = None;
        self
    }

    /// Sets an environment variable for the server process (a later value for the same key wins).
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Serves this data directory instead of a fresh temporary one. The caller owns it (a
    /// `tempfile::TempDir` of the test, say), so that it outlives the process and a second
    /// [`TestApp`] can be started on the same data.
    pub fn data_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(path.into());
        self
    }

    /// Starts the server; panics with the reason if it cannot (a failed test, with its cause).
    pub async fn spawn(self) -> TestApp {
        self.try_spawn()
            .await
            .unwrap_or_else(|err| panic!("cannot start the server under test: {err}"))
    }

    /// Starts the server `serve --addr 127.0.0.1:0 --data <data dir> --seed <seed>` and waits for its
    /// `listening on` line. The data directory is `<temp dir>/data` unless [`Self::data_dir`] gave one.
    pub async fn try_spawn(self) -> Result<TestApp, HarnessError> {
        let (data_dir, temp_dir) = match &self.data_dir {
            Some(path) => (path.clone(), None),
            None => {
                let temp_dir = tempfile::Builder::new()
                    .prefix("toubeelib-e2e-")
                    .tempdir()
                    .map_err(HarnessError::TempDir)?;
                // A directory that does not exist yet: the server must create it.
                (temp_dir.path().join("data"), Some(temp_dir))
            }
        };
        let process = self.launch(&data_dir).await?;
        // Once per process; a second call only says one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            // A proxy from the environment must not intercept requests to 127.0.0.1.
            .no_proxy()
            .build()
            .map_err(|err| startup_error(&format!("cannot build the HTTP client: {err}"), &process.stderr))?;

        Ok(TestApp {
            process,
            client,
            data_dir,
            options: self,
            _temp_dir: temp_dir,
        })
    }

    /// Spawns the binary on `data_dir` and waits for its address.
    async fn launch(&self, data_dir: &Path) -> Result<Process, HarnessError> {
        let binary = binary_path()?;
        let mut command = Command::new(&binary);
        command
            .arg("serve")
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--data")
            .arg(data_dir);
        if let Some(seed) = &self.seed {
            command.arg("--seed").arg(seed);
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A test that fails or panics must not leave a server behind.
            .kill_on_drop(true);
        // The developer's own TOUBEELIB_* settings must not leak into the test; the log filter may.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TOUBEELIB_") && key != "TOUBEELIB_LOG" {
                command.env_remove(key);
            }
        }
        command.envs(self.envs.iter().map(|(key, value)| (key, value)));

        let mut child = command.spawn().map_err(|source| HarnessError::Spawn {
            binary: binary.clone(),
            source,
        })?;
        let stderr = Capture::default();
        let stderr_drained = child.stderr.take().map(|pipe| stderr.drain(pipe));
        let Some(stdout) = child.stdout.take() else {
            return Err(startup_error("stdout was not piped", &stderr));
        };
        let mut stdout = BufReader::new(stdout);

        let first_line = match tokio::time::timeout(STARTUP_TIMEOUT, read_line(&mut stdout)).await {
            Ok(Ok(Some(line))) => line,
            Ok(Ok(None)) => {
                // The process is most likely exiting: give it and its stderr a moment to finish, so
                // the error shows why.
                let status = tokio::time::timeout(EXIT_REPORT_WAIT, child.wait()).await;
                if let Some(drained) = stderr_drained {
                    let _ = tokio::time::timeout(EXIT_REPORT_WAIT, drained).await;
                }
                let status = match status {
                    Ok(Ok(status)) => status.to_string(),
                    Ok(Err(err)) => format!("unknown ({err})"),
                    Err(_) => "still running".to_owned(),
                };
                let reason = format!("stdout closed before the first line (exit status: {status})");
                return Err(startup_error(&reason, &stderr));
            }
            Ok(Err(err)) => return Err(startup_error(&format!("cannot read stdout: {err}"), &stderr)),
            Err(_) => {
                let reason = format!("no first line within {} s", STARTUP_TIMEOUT.as_secs());
                return Err(startup_error(&reason, &stderr));
            }
        };
        let addr = first_line
            .strip_prefix(LISTENING_PREFIX)
            .and_then(|rest| rest.parse::<SocketAddr>().ok())
            .ok_or_else(|| startup_error(&format!("unexpected first stdout line {first_line:?}"), &stderr))?;
        // Keep reading stdout (from the reader, which may hold bytes past the first line), so a later
        // write never blocks on a full pipe and tests can check it.
        let stdout_rest = Capture::default();
        // The task ends with the process; nothing needs to wait for it.
        let _detached = stdout_rest.drain(stdout);

        Ok(Process {
            child,
            addr,
            first_line,
            stderr,
            stdout_rest,
        })
    }
}

/// One run of the binary.
#[derive(Debug)]
struct Process {
    child: Child,
    addr: SocketAddr,
    first_line: String,
    stderr: Capture,
    stdout_rest: Capture,
}

/// A running `toubeelib serve` with its data directory, killed when dropped.
#[derive(Debug)]
pub struct TestApp {
    process: Process,
    client: reqwest::Client,
    data_dir: PathBuf,
    options: TestAppBuilder,
    // Last, so the directory is removed after the process is gone; `None` when the test owns it.
    _temp_dir: Option<tempfile::TempDir>,
}

/// Each test's server is checked when dropped: its logs hold no password, token or NIR
/// ([`journal::fuites`]). Skipped when the test already failed, so its own message stays first.
impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let fuites = journal::fuites(&self.logs());
        assert!(
            fuites.is_empty(),
            "the server logged what it must never log: {}",
            fuites.join(", ")
        );
    }
}

impl TestApp {
    /// Options for starting a server.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// Starts a server with the default options (`--seed none`); panics if it cannot.
    pub async fn spawn() -> Self {
        Self::builder().spawn().await
    }

    /// The address the server announced.
    pub fn addr(&self) -> SocketAddr {
        self.process.addr
    }

    /// `http://ADDR`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.process.addr)
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The HTTP client of this test, bounded by [`REQUEST_TIMEOUT`].
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// `GET path`; panics if no response arrives (the server is gone or hangs).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let url = self.url(path);
        self.client
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|err| panic!("GET {url} failed: {err}\n--- server stderr ---\n{}", self.logs()))
    }

    /// The data directory given to the server (inside a temporary directory removed on drop, unless
    /// the builder was given one).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The first line the server printed on stdout, without its line end.
    pub fn first_stdout_line(&self) -> &str {
        &self.process.first_line
    }

    /// Everything the server printed on stdout after its first line, so far.
    pub fn stdout_after_first_line(&self) -> String {
        self.process.stdout_rest.text()
    }

    /// What the server logged on stderr so far (at most [`CAPTURE_BYTES_MAX`] bytes).
    pub fn logs(&self) -> String {
        self.process.stderr.text()
    }

    /// Sends SIGTERM and waits for the process to exit, at most [`SHUTDOWN_TIMEOUT`].
    pub async fn terminate(&mut self) -> Result<ExitStatus, HarnessError> {
        self.send_sigterm()?;
        self.wait_for_exit().await
    }

    /// Sends SIGTERM without waiting: the test goes on talking to the stopping server.
    pub fn send_sigterm(&self) -> Result<(), HarnessError> {
        self.signal(nix::sys::signal::Signal::SIGTERM)
    }

    /// Waits for the process to exit, at most [`SHUTDOWN_TIMEOUT`].
    pub async fn wait_for_exit(&mut self) -> Result<ExitStatus, HarnessError> {
        match tokio::time::timeout(SHUTDOWN_TIMEOUT, self.process.child.wait()).await {
            Ok(Ok(status)) => Ok(status),
            Ok(Err(err)) => Err(HarnessError::Stop(format!("cannot wait for the process: {err}"))),
            Err(_) => Err(HarnessError::Stop(format!(
                "still running {} s after SIGTERM\n--- server stderr ---\n{}",
                SHUTDOWN_TIMEOUT.as_secs(),
                self.logs()
            ))),
        }
    }

    /// Stops the server if it still runs (SIGTERM) and starts it again, same options, same data
    /// directory; the new process listens on a new port. Returns how the old process exited.
    pub async fn restart(&mut self) -> ExitStatus {
        self.try_restart()
            .await
            .unwrap_or_else(|err| panic!("cannot restart the server under test: {err}"))
    }

    /// [`Self::restart`], with the reason when it fails.
    pub async fn try_restart(&mut self) -> Result<ExitStatus, HarnessError> {
        let exited = self
            .process
            .child
            .try_wait()
            .map_err(|err| HarnessError::Stop(format!("cannot check the process: {err}")))?;
        let status = match exited {
            Some(status) => status,
            None => self.terminate().await?,
        };
        self.process = self.options.launch(&self.data_dir).await?;
        Ok(status)
    }

    /// Kills the server with SIGKILL (no shutdown at all, as a crash) and waits for it to exit.
    pub async fn kill(&mut self) -> Result<ExitStatus, HarnessError> {
        self.signal(nix::sys::signal::Signal::SIGKILL)?;
        self.wait_for_exit().await
    }

    // `nix` rather than `libc::kill` (which needs `unsafe`, denied in this workspace) or running the
    // `kill` command (one more executable the test machine must have, and errors only as text).
    fn signal(&self, signal: nix::sys::signal::Signal) -> Result<(), HarnessError> {
        let id = self
            .process
            .child
            .id()
            .ok_or_else(|| HarnessError::Stop("the process has already exited".to_owned()))?;
        let pid = i32::try_from(id)
            .map_err(|_| HarnessError::Stop(format!("process id {id} does not fit a pid_t")))?;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal)
            .map_err(|errno| HarnessError::Stop(format!("kill({pid}, {signal}) failed: {errno}")))
    }
}

/// Reads one line, without its line end; `None` at end of file.
async fn read_line(reader: &mut BufReader<ChildStdout>) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    if reader.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let trimmed = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(trimmed);
    Ok(Some(line))
}

fn startup_error(reason: &str, stderr: &Capture) -> HarnessError {
    HarnessError::Startup {
        reason: reason.to_owned(),
        stderr: stderr.text(),
    }
}

/// Bytes read from a pipe by a background task, bounded by [`CAPTURE_BYTES_MAX`].
#[derive(Debug, Clone, Default)]
struct Capture {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl Capture {
    /// Spawns the task that reads `pipe` to its end; the handle resolves once it has.
    fn drain(&self, mut pipe: impl AsyncRead + Unpin + Send + 'static) -> JoinHandle<()> {
        let bytes = Arc::clone(&self.bytes);
        tokio::spawn(async move {
            let mut buf = [0_u8; 8 * 1024];
            // Stops at end of file or on a read error: either way the pipe gives nothing more.
            while let Ok(read @ 1..) = pipe.read(&mut buf).await {
                let mut bytes = bytes.lock().unwrap_or_else(PoisonError::into_inner);
                let room = CAPTURE_BYTES_MAX.saturating_sub(bytes.len());
                bytes.extend_from_slice(&buf[..read.min(room)]);
            }
        })
    }

    /// What was read so far, lossily decoded.
    fn text(&self) -> String {
        let bytes = self.bytes.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

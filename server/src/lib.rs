//! The Toubeelib server: the HTTP API over the `domain` rules.
//!
//! `main` parses the command line and calls [`serve`]; everything else lives here so that the pieces
//! (configuration, routes, start-up, shutdown) can be tested and reused without the binary.
//!
//! Error policy: start-up failures are typed ([`ServeError`]) and turned into an exit message by
//! `anyhow` in `main`/[`cli`] only; HTTP handlers never fail with a 500 for bad input, every status
//! they can answer is an `ApiResponse` variant and so appears in the OpenAPI document.

pub mod api;
pub mod cli;
pub mod config;
pub mod shutdown;
pub mod telemetry;

use std::fmt;
use std::future::Future;
use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use poem::listener::TcpAcceptor;

use crate::config::Config;
use crate::shutdown::ShutdownSignals;

/// How long requests in flight may take to finish once shutdown has begun.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a keep-alive connection may stay silent before the server closes it.
pub const CONNECTION_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The data directory does not exist and cannot be created.
    #[error("cannot create the data directory {}", path.display())]
    DataDir {
        /// The directory asked for.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The address cannot be bound (in use, not local, not allowed).
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The SIGTERM / Ctrl-C handlers cannot be installed.
    #[error("cannot install the shutdown signal handlers")]
    Signals(#[source] io::Error),
    /// The `listening on` line cannot be written to stdout.
    #[error("cannot write the listening address to stdout")]
    Announce(#[source] io::Error),
    /// The server stopped on an I/O error.
    #[error("the HTTP server failed")]
    Serve(#[source] io::Error),
}

/// Runs `toubeelib serve`: binds, prints `listening on http://ADDR` on stdout, serves until SIGTERM or
/// Ctrl-C, then lets requests in flight finish (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let server = Server::bind(config).await?;
    let signals = ShutdownSignals::install().map_err(ServeError::Signals)?;
    announce(server.local_addr()).map_err(ServeError::Announce)?;
    server.run_until(signals.recv()).await
}

/// Writes the one stdout line of the process, flushed, so a reader of the pipe sees it at once.
fn announce(addr: SocketAddr) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on http://{addr}")?;
    stdout.flush()
}

/// A server bound to its address and ready to serve.
///
/// Binding is separate from serving so that the real address (port 0 resolved) is known before the
/// first request can arrive.
pub struct Server {
    config: Config,
    acceptor: TcpAcceptor,
    local_addr: SocketAddr,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.config)
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Creates the data directory if missing and binds the listening socket.
    pub async fn bind(config: Config) -> Result<Self, ServeError> {
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .map_err(|source| ServeError::DataDir {
                path: config.data_dir.clone(),
                source,
            })?;
        let bind_error = |source| ServeError::Bind {
            addr: config.addr,
            source,
        };
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        let acceptor = TcpAcceptor::from_tokio(listener).map_err(bind_error)?;
        tracing::info!(
            addr = %local_addr,
            data_dir = %config.data_dir.display(),
            seed = config.seed.as_str(),
            version = env!("CARGO_PKG_VERSION"),
            "starting"
        );
        Ok(Self {
            config,
            acceptor,
            local_addr,
        })
    }

    /// The address actually bound (with the port the OS chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` resolves, then waits for requests in flight (at most [`SHUTDOWN_GRACE`]).
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let app = api::app(&self.config);
        poem::Server::new_with_acceptor(self.acceptor)
            .idle_timeout(CONNECTION_IDLE_TIMEOUT)
            .run_with_graceful_shutdown(app, shutdown, Some(SHUTDOWN_GRACE))
            .await
            .map_err(ServeError::Serve)?;
        tracing::info!("stopped");
        Ok(())
    }
}

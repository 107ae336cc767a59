//! Shutdown signals: SIGTERM (what Docker and systemd send) and Ctrl-C.
//!
//! The handlers are installed eagerly, before the server announces its address: a signal that arrives
//! between the announcement and the first poll of a lazy future would otherwise kill the process with
//! the default action instead of shutting it down gracefully with exit code 0.

use std::io;

/// Signal handlers, installed; [`ShutdownSignals::recv`] waits for the first of them.
#[derive(Debug)]
pub struct ShutdownSignals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    /// Installs the handlers now; must be called inside the Tokio runtime.
    pub fn install() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Resolves when SIGTERM or Ctrl-C arrives.
    pub async fn recv(self) {
        #[cfg(unix)]
        {
            let Self {
                mut terminate,
                mut interrupt,
            } = self;
            let name = tokio::select! {
                _ = terminate.recv() => "SIGTERM",
                _ = interrupt.recv() => "SIGINT",
            };
            tracing::info!(signal = name, "shutting down");
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => tracing::info!(signal = "Ctrl-C", "shutting down"),
                Err(err) => {
                    tracing::error!(error = %err, "cannot listen for Ctrl-C; stop the process another way");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}

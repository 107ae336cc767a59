//! Logging set-up: `tracing` events to stderr, filtered by `TOUBEELIB_LOG`.
//!
//! Stdout is reserved for the one `listening on http://ADDR` line that scripts and tests read, so no log
//! may ever go there.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::{SubscriberInitExt as _, TryInitError};

/// Environment variable holding the log filter (`info`, `server=debug,poem=warn`, …).
pub const LOG_FILTER_ENV: &str = "TOUBEELIB_LOG";

/// Installs the global subscriber; fails only if one is already installed.
pub fn init() -> Result<(), TryInitError> {
    let builder = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .with_env_var(LOG_FILTER_ENV);
    // A typo in the filter must not stop the server: fall back to the default and say so.
    let (filter, invalid) = match builder.clone().from_env() {
        Ok(filter) => (filter, None),
        Err(err) => (builder.parse_lossy(""), Some(err)),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                // Colour codes only for a person at a terminal, not in `docker logs` or a log file.
                .with_ansi(std::io::stderr().is_terminal()),
        )
        .try_init()?;
    if let Some(err) = invalid {
        tracing::warn!(error = %err, "invalid {LOG_FILTER_ENV}, logging at info level");
    }
    Ok(())
}

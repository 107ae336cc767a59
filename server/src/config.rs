//! The resolved configuration of one server run.
//!
//! The command line (and, later, a config file) produce a [`Config`]; everything past start-up reads
//! only this struct, so where a setting came from never matters to the rest of the server.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything `toubeelib serve` needs, already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to bind; port 0 asks the OS for a free port.
    pub addr: SocketAddr,
    /// Directory of the persistent data (the store, generated keys); created if missing.
    pub data_dir: PathBuf,
    /// Dataset loaded into an empty store at start-up.
    pub seed: Seed,
    /// Origins allowed by CORS (`*` for any); empty: no CORS.
    pub cors_origins: Vec<String>,
    /// The admin account to create at start if missing: email and password.
    pub admin: Option<(String, Secret)>,
    /// The access-token signing key, if given.
    pub jwt_secret: Option<Secret>,
    /// The server's public base URL (`https://toubeelib.example.fr`), for the absolute links it hands out
    /// (the planning's iCalendar feed); without it, those links are paths.
    pub public_url: Option<String>,
}

/// A secret from the environment; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Dataset loaded into an empty store at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Seed {
    /// The embedded demo dataset, whose accounts the README lists.
    #[default]
    Demo,
    /// Nothing: the store starts empty (`--seed none`).
    #[value(name = "none")]
    Empty,
}

impl Seed {
    /// The name used on the command line and in `TOUBEELIB_SEED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::Empty => "none",
        }
    }
}

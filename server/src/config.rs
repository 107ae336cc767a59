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
    /// The SMTP relay of the notification mails (`smtp://host:port`, `smtps://user:pass@host:port`);
    /// none: mails stay queued in the outbox. A secret: it may hold a password.
    pub smtp_url: Option<Secret>,
    /// The sender of the notification mails (`Toubeelib <ne-pas-repondre@example.fr>`).
    pub mail_from: Option<String>,
    /// The SMS gateway's webhook (a JSON POST); none: SMS stay queued. A secret: it may hold a token.
    pub sms_webhook_url: Option<Secret>,
    /// The bearer token of `GET /metrics`; none: no metrics endpoint. A secret.
    pub metrics_token: Option<Secret>,
    /// The outbox's retry base delay in ms, instead of 5 s (tests; bounded).
    pub outbox_retry_ms: Option<u64>,
    /// How long a créneau offered to the waiting list is held for its patient, in seconds
    /// (`TOUBEELIB_HOLD_MINUTES`, default 15 minutes).
    pub duree_offre_s: u32,
    /// The test-only clock offset in seconds ([`crate::horloge`]); none in production.
    pub decalage_horloge_s: Option<i64>,
}

/// The default hold of a créneau offered to the waiting list, in minutes.
pub const DUREE_OFFRE_DEFAUT_MINUTES: u32 = 15;
/// The longest hold, in minutes (a day).
pub const DUREE_OFFRE_MAX_MINUTES: u32 = 1_440;

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

//! The command line of the `toubeelib` binary.
//!
//! Flag and variable names are a contract (API.md, "Running the binary"): the black-box tests and the
//! Docker image start the binary with them. This module only turns them into a [`Config`]; it is, with
//! `main`, the one place where `anyhow` is used, because a start-up failure only needs to be printed.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, Secret, Seed};

/// `toubeelib`: the Toubeelib medical appointment server.
#[derive(Debug, Parser)]
#[command(name = "toubeelib", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `toubeelib`.
// Parsed once at start and moved once: boxing `serve`'s flags (the large variant) would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Rebuild the search index from the store, offline (the server must not be running).
    Reindex(ReindexArgs),
    /// Write a large realistic dataset (for benchmarks) into an empty data directory, then exit.
    SeedScale(SeedScaleArgs),
    /// Write a backup archive of a data directory, offline (a running server serves the same archive
    /// at `GET /admin/backup`).
    Backup(BackupArgs),
    /// Restore a backup archive into a new (missing or empty) data directory.
    Restore(RestoreArgs),
    /// Check a store offline: redb's integrity, then its tables against each other (the crash test).
    #[command(hide = true)]
    Check(CheckArgs),
}

/// Flags of `toubeelib backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Directory of the persistent data to back up (the server must not be running on it).
    #[arg(long, env = "TOUBEELIB_DATA", default_value = "./toubeelib-data")]
    pub data: PathBuf,

    /// The archive to write (a tar file); it must not exist.
    #[arg(long)]
    pub out: PathBuf,
}

impl BackupArgs {
    /// Writes the archive next to its final name, then renames it, and says what it holds on stdout.
    pub async fn run(self) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let manifeste =
            tokio::task::spawn_blocking(move || -> anyhow::Result<crate::sauvegarde::Manifeste> {
                anyhow::ensure!(!self.out.exists(), "{} exists already", self.out.display());
                let store = crate::store::redb::RedbStore::open(&self.data)
                    .with_context(|| format!("cannot open the store in {}", self.data.display()))?;
                let dossier = self.out.parent().filter(|p| !p.as_os_str().is_empty());
                let mut temporaire =
                    tempfile::NamedTempFile::new_in(dossier.unwrap_or(std::path::Path::new(".")))?;
                let manifeste = crate::sauvegarde::sauvegarder(
                    &store,
                    &self.data,
                    std::io::BufWriter::new(temporaire.as_file_mut()),
                    crate::horloge::maintenant(),
                )?;
                temporaire.as_file().sync_all()?;
                temporaire.persist_noclobber(&self.out).map_err(|e| e.error)?;
                Ok(manifeste)
            })
            .await??;
        println!(
            "backup written: {} rdvs, {} documents, {} rows",
            manifeste.rdvs, manifeste.documents, manifeste.lignes
        );
        Ok(())
    }
}

/// Flags of `toubeelib restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The archive to restore (written by `toubeelib backup` or `GET /admin/backup`).
    #[arg(long)]
    pub from: PathBuf,

    /// The data directory to create; it must be missing or empty.
    #[arg(long)]
    pub data: PathBuf,
}

impl RestoreArgs {
    /// Restores, checks, and says what it restored on stdout.
    pub async fn run(self) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let manifeste =
            tokio::task::spawn_blocking(move || -> anyhow::Result<crate::sauvegarde::Manifeste> {
                let archive = std::fs::File::open(&self.from)
                    .with_context(|| format!("cannot open {}", self.from.display()))?;
                Ok(crate::sauvegarde::restaurer(
                    std::io::BufReader::new(archive),
                    &self.data,
                )?)
            })
            .await??;
        println!(
            "backup of {} restored: {} rdvs, {} documents",
            manifeste.pris_le.to_rfc3339(),
            manifeste.rdvs,
            manifeste.documents
        );
        Ok(())
    }
}

/// Flags of `toubeelib check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Directory of the persistent data (the server must not be running on it).
    #[arg(long, env = "TOUBEELIB_DATA", default_value = "./toubeelib-data")]
    pub data: PathBuf,
}

impl CheckArgs {
    /// Prints one summary line on stdout, each violation kept on stderr, and fails on any.
    pub async fn run(self) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let data = self.data;
        let v = tokio::task::spawn_blocking(move || -> anyhow::Result<crate::store::redb::Verification> {
            let mut store = crate::store::redb::RedbStore::open(&data)
                .with_context(|| format!("cannot open the store in {}", data.display()))?;
            Ok(store.verifier()?)
        })
        .await??;
        println!(
            "check: integrity {}, {} rdvs, {} notifications, {} conversations, {} messages, {} violations",
            if v.integre { "ok" } else { "repaired" },
            v.rdvs,
            v.notifications,
            v.conversations,
            v.messages,
            v.violations_total
        );
        for violation in &v.violations {
            eprintln!("violation: {violation}");
        }
        anyhow::ensure!(v.saine(), "the store is not consistent");
        Ok(())
    }
}

/// Flags of `toubeelib reindex`.
#[derive(Debug, Args)]
pub struct ReindexArgs {
    /// Directory of the persistent data (its `index/` is rebuilt).
    #[arg(long, env = "TOUBEELIB_DATA", default_value = "./toubeelib-data")]
    pub data: PathBuf,
}

impl ReindexArgs {
    /// Opens the store, rebuilds `DATA/index/` and says what it did on stdout.
    pub async fn run(self) -> anyhow::Result<()> {
        use anyhow::Context as _;
        let data = self.data;
        let fait = tokio::task::spawn_blocking(move || -> anyhow::Result<crate::search::Reindexation> {
            let store = crate::store::redb::RedbStore::open(&data)
                .with_context(|| format!("cannot open the store in {}", data.display()))?;
            Ok(crate::search::reconstruire(&data, &store)?)
        })
        .await??;
        println!(
            "index rebuilt: {} praticiens, generation {}, {} ms",
            fait.praticiens, fait.generation, fait.ms
        );
        Ok(())
    }
}

/// Flags of `toubeelib serve`; each one can also come from its `TOUBEELIB_*` variable.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the first stdout line tells which).
    #[arg(long, env = "TOUBEELIB_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Directory of the persistent data, created if missing.
    #[arg(long, env = "TOUBEELIB_DATA", default_value = "./toubeelib-data")]
    pub data: PathBuf,

    /// Dataset loaded into an empty store at start-up.
    #[arg(long, env = "TOUBEELIB_SEED", value_enum, default_value_t = Seed::Demo)]
    pub seed: Seed,

    /// Origins allowed by CORS, comma-separated; `*` allows any (development). None by default.
    #[arg(long, env = "TOUBEELIB_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Email of the admin account created at start if it does not exist (with the password below).
    #[arg(long, env = "TOUBEELIB_ADMIN_EMAIL")]
    pub admin_email: Option<String>,

    /// Password of that admin account (read from the environment; never logged).
    #[arg(long, env = "TOUBEELIB_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Key signing the access tokens (≥ 32 bytes); generated once into the data directory if unset.
    #[arg(long, env = "TOUBEELIB_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Public base URL of the server (`https://toubeelib.example.fr`), for absolute links such as the
    /// planning's iCalendar feed; without it, those links are paths.
    #[arg(long, env = "TOUBEELIB_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// SMTP relay of the notification mails: `smtp://host:port` (plain, loopback relay),
    /// `smtp://host:port?tls=required` (STARTTLS), `smtps://user:pass@host:port`. Unset: mails stay queued.
    #[arg(long, env = "TOUBEELIB_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender of the notification mails (`Toubeelib <ne-pas-repondre@example.fr>`); needed with the relay.
    #[arg(long, env = "TOUBEELIB_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// SMS gateway webhook (`https://…`, JSON `{ "to", "text" }` POST). Unset: SMS stay queued.
    #[arg(long, env = "TOUBEELIB_SMS_WEBHOOK_URL", hide_env_values = true)]
    pub sms_webhook_url: Option<String>,

    /// Bearer token of `GET /metrics` (Prometheus); unset, the endpoint answers 404.
    #[arg(long, env = "TOUBEELIB_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Base delay of the outbox's retries in ms (10 to 60000; default 5000): for tests.
    #[arg(long, env = "TOUBEELIB_OUTBOX_RETRY_MS", hide = true, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub outbox_retry_ms: Option<u64>,

    /// How long a créneau offered to the waiting list is held for its patient, in minutes (1 to 1440).
    #[arg(long, env = "TOUBEELIB_HOLD_MINUTES", default_value_t = crate::config::DUREE_OFFRE_DEFAUT_MINUTES,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::config::DUREE_OFFRE_MAX_MINUTES)))]
    pub hold_minutes: u32,

    /// The hold in seconds (1 to 86400), overriding the minutes: for tests, which cannot wait minutes.
    #[arg(long, env = "TOUBEELIB_HOLD_SECONDS", hide = true, value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub hold_seconds: Option<u32>,

    /// Moves the server's clock by this many seconds: for tests of what happens later (reminders).
    #[arg(long, env = "TOUBEELIB_TEST_CLOCK_OFFSET_SECONDS", hide = true, allow_negative_numbers = true,
        value_parser = clap::value_parser!(i64).range(-crate::horloge::DECALAGE_MAX_S..=crate::horloge::DECALAGE_MAX_S))]
    pub test_clock_offset_seconds: Option<i64>,
}

impl ServeArgs {
    /// The resolved configuration these flags describe.
    pub fn into_config(self) -> Config {
        Config {
            addr: self.addr,
            data_dir: self.data,
            seed: self.seed,
            cors_origins: self
                .cors_origins
                .into_iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            admin: self
                .admin_email
                .zip(self.admin_password)
                .map(|(email, mdp)| (email, Secret(mdp))),
            jwt_secret: self.jwt_secret.map(Secret),
            public_url: self
                .public_url
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty()),
            smtp_url: self.smtp_url.filter(|u| !u.trim().is_empty()).map(Secret),
            mail_from: self.mail_from.filter(|m| !m.trim().is_empty()),
            sms_webhook_url: self.sms_webhook_url.filter(|u| !u.trim().is_empty()).map(Secret),
            outbox_retry_ms: self.outbox_retry_ms,
            metrics_token: self.metrics_token.filter(|t| !t.trim().is_empty()).map(Secret),
            duree_offre_s: self.hold_seconds.unwrap_or(self.hold_minutes.saturating_mul(60)),
            decalage_horloge_s: self.test_clock_offset_seconds,
        }
    }
}

/// Flags of `toubeelib seed-scale`.
#[derive(Debug, Args)]
pub struct SeedScaleArgs {
    /// Data directory to fill; its store must be empty (a new directory is created).
    #[arg(long)]
    pub data: PathBuf,

    /// Praticiens to create (about one structure per 5, in real villes).
    #[arg(long, default_value_t = 100_000)]
    pub praticiens: usize,

    /// Rdvs to create over two years (about one patient per 5).
    #[arg(long, default_value_t = 1_000_000)]
    pub rdvs: usize,

    /// Seed of the random draws: the same seed and `--maintenant` give the same store.
    #[arg(long, default_value_t = crate::seed::echelle::GRAINE_PAR_DEFAUT)]
    pub graine: u64,

    /// The instant the two years are placed around (RFC 3339); the current time by default.
    #[arg(long)]
    pub maintenant: Option<chrono::DateTime<chrono::Utc>>,
}

impl SeedScaleArgs {
    /// Generates and writes the dataset, then prints one summary line on stdout. Every account's
    /// password is the demo one.
    pub async fn run(self) -> anyhow::Result<()> {
        tokio::task::spawn_blocking(move || self.executer()).await?
    }

    fn executer(self) -> anyhow::Result<()> {
        use crate::seed::echelle;
        let depart = std::time::Instant::now();
        let mut store = crate::store::redb::RedbStore::open(&self.data)?;
        let mdp = crate::auth::MotDePasse::existant(crate::seed::MOT_DE_PASSE_DEMO)
            .map_err(|e| anyhow::anyhow!("mot de passe de démonstration : {e}"))?;
        let hash = crate::auth::Hacheur::new()?.hacher_bloquant(&mdp)?;
        let parametres = echelle::Parametres {
            praticiens: self.praticiens,
            rdvs: self.rdvs,
            graine: self.graine,
        };
        let now = self.maintenant.unwrap_or_else(chrono::Utc::now);
        let resume = echelle::charger(&store, &parametres, &hash, now)?;
        let ecrit_s = depart.elapsed().as_secs_f64();
        store.compacter()?;
        drop(store);
        let octets = std::fs::metadata(self.data.join(crate::store::redb::FICHIER))?.len();
        println!(
            "seed-scale: {} structures, {} praticiens, {} patients, {} rdvs ({} past, {} to come) \
             written in {:.1} s, compacted in {:.1} s; store {:.0} MiB; graine {}",
            resume.structures,
            resume.praticiens,
            resume.patients,
            resume.rdvs(),
            resume.rdvs_passes,
            resume.rdvs_a_venir,
            ecrit_s,
            depart.elapsed().as_secs_f64() - ecrit_s,
            octets as f64 / (1024.0 * 1024.0),
            self.graine,
        );
        Ok(())
    }
}

impl Cli {
    /// Runs the chosen subcommand to completion.
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => crate::serve(args.into_config()).await?,
            Command::Reindex(args) => args.run().await?,
            Command::SeedScale(args) => args.run().await?,
            Command::Backup(args) => args.run().await?,
            Command::Restore(args) => args.run().await?,
            Command::Check(args) => args.run().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_defaults_match_the_contract() {
        let cli = Cli::try_parse_from(["toubeelib", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve: {:?}", cli.command);
        };
        // Only meaningful when the developer's shell does not set the variables itself.
        if std::env::var_os("TOUBEELIB_ADDR").is_none() {
            assert_eq!(args.addr, "127.0.0.1:8080".parse::<SocketAddr>().unwrap());
        }
        if std::env::var_os("TOUBEELIB_SEED").is_none() {
            assert_eq!(args.seed, Seed::Demo);
        }
    }

    #[test]
    fn reindex_takes_the_data_directory() {
        let cli = Cli::try_parse_from(["toubeelib", "reindex", "--data", "/tmp/d"]).unwrap();
        let Command::Reindex(args) = cli.command else {
            panic!("not reindex: {:?}", cli.command);
        };
        assert_eq!(args.data, PathBuf::from("/tmp/d"));
    }

    #[test]
    fn check_takes_the_data_directory() {
        let cli = Cli::try_parse_from(["toubeelib", "check", "--data", "/tmp/d"]).unwrap();
        let Command::Check(args) = cli.command else {
            panic!("not check: {:?}", cli.command);
        };
        assert_eq!(args.data, PathBuf::from("/tmp/d"));
    }

    #[test]
    fn seed_none_is_accepted() {
        let cli = Cli::try_parse_from(["toubeelib", "serve", "--seed", "none"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve: {:?}", cli.command);
        };
        assert_eq!(args.seed, Seed::Empty);
    }

    #[test]
    fn seed_scale_takes_sizes_seed_and_instant() {
        let cli = Cli::try_parse_from([
            "toubeelib",
            "seed-scale",
            "--data",
            "/tmp/x",
            "--praticiens",
            "200",
            "--rdvs",
            "2000",
            "--graine",
            "7",
            "--maintenant",
            "2026-11-25T10:00:00Z",
        ])
        .unwrap();
        let Command::SeedScale(args) = cli.command else {
            panic!("not seed-scale: {:?}", cli.command);
        };
        assert_eq!((args.praticiens, args.rdvs, args.graine), (200, 2000, 7));
        assert_eq!(args.maintenant.unwrap().to_rfc3339(), "2026-11-25T10:00:00+00:00");
    }
}

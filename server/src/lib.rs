//! The Toubeelib server: the HTTP API over the `domain` rules.
//!
//! `main` parses the command line and calls [`serve`]; everything else lives here so that the pieces
//! (configuration, routes, start-up, shutdown) can be tested and reused without the binary.
//!
//! Error policy: start-up failures are typed ([`ServeError`]) and turned into an exit message by
//! `anyhow` in `main`/[`cli`] only; HTTP handlers never fail with a 500 for bad input, every status
//! they can answer is an `ApiResponse` variant and so appears in the OpenAPI document.

// Every operation returns `Result<_, ErreurApi>`: the error is a whole problem+json body, built only on
// the failure path, where its size (a few hundred bytes) costs nothing worth boxing it for.
#[allow(clippy::result_large_err)]
pub mod api;
pub mod attente;
pub mod auth;
pub mod cli;
pub mod config;
pub mod documents;
pub mod gabarits;
pub mod guichet;
pub mod horloge;
pub mod ical;
pub mod messagerie;
pub mod metriques;
pub mod modele;
pub mod notifications;
pub mod sauvegarde;
pub mod search;
pub mod seed;
pub mod shutdown;
pub mod store;
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
    /// The store cannot be opened or prepared.
    #[error("the store cannot be opened: {0}")]
    Store(#[from] store::StoreError),
    /// The token key or the password hasher cannot be set up.
    #[error("authentication cannot be set up: {0}")]
    Auth(#[from] auth::ErreurAuth),
    /// The demo dataset cannot be loaded.
    #[error("the demo dataset cannot be loaded: {0}")]
    Seed(#[from] seed::SeedError),
    /// The documents' directory cannot be swept of what a crash left.
    #[error("the documents' directory cannot be swept: {0}")]
    Documents(#[from] documents::ErreurBalayage),
    /// The search index cannot be opened or rebuilt.
    #[error("the search index cannot be opened: {0}")]
    Recherche(#[from] search::ErreurRecherche),
    /// `TOUBEELIB_ADMIN_EMAIL` / `TOUBEELIB_ADMIN_PASSWORD` are not acceptable.
    #[error("the admin account cannot be created: {0}")]
    Admin(String),
    /// The notification channels (`TOUBEELIB_SMTP_URL`, `TOUBEELIB_MAIL_FROM`,
    /// `TOUBEELIB_SMS_WEBHOOK_URL`) are not acceptable.
    #[error("the notifications cannot be set up: {0}")]
    Notifications(#[from] notifications::ErreurNotifications),
    /// A start-up task died.
    #[error("a start-up task failed: {0}")]
    Tache(String),
    /// The booking writer's thread cannot be started.
    #[error("the booking writer cannot be started")]
    Guichet(#[source] io::Error),
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
    etat: std::sync::Arc<api::etat::Etat>,
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
        if let Some(secondes) = config.decalage_horloge_s {
            horloge::decaler(secondes);
            tracing::warn!(secondes, "test clock offset in effect: now is not the real time");
        }
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .map_err(|source| ServeError::DataDir {
                path: config.data_dir.clone(),
                source,
            })?;
        let etat = preparer(&config).await?;
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
            etat,
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
        let recherche = std::sync::Arc::clone(&self.etat.recherche);
        let relais = attente::relais(std::sync::Arc::clone(&self.etat.store), self.config.duree_offre_s);
        let travailleur = notifications::demarrer(
            std::sync::Arc::clone(&self.etat.store),
            std::sync::Arc::clone(&self.etat.notifications),
        );
        let diffusion = std::sync::Arc::clone(&self.etat.diffusion);
        // Open event streams would hold the grace period to its end: the signal ends them at once.
        let shutdown = async move {
            shutdown.await;
            diffusion.fermer();
        };
        let app = api::app(&self.config, self.etat);
        let servi = poem::Server::new_with_acceptor(self.acceptor)
            .idle_timeout(CONNECTION_IDLE_TIMEOUT)
            .run_with_graceful_shutdown(app, shutdown, Some(SHUTDOWN_GRACE))
            .await;
        relais.abort();
        // Requests have finished: nothing enqueues any more. A row in flight is finished, or resent
        // after the restart (at least once).
        travailleur.arreter().await;
        // Requests have finished: the index's last batch can stamp the generation as complete.
        if let Err(e) = tokio::task::spawn_blocking(move || recherche.fermer()).await {
            tracing::error!(error = %e, "the search index did not close");
        }
        servi.map_err(ServeError::Serve)?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Opens the store, sets up tokens and password hashing, fills an empty store with the demo dataset
/// (unless `--seed none`) and creates the admin account from the environment if it is missing.
async fn preparer(config: &Config) -> Result<std::sync::Arc<api::etat::Etat>, ServeError> {
    let dossier = config.data_dir.clone();
    let duree_offre = chrono::Duration::seconds(i64::from(config.duree_offre_s));
    let store = tokio::task::spawn_blocking(move || {
        store::redb::RedbStore::open(&dossier).map(|s| s.avec_duree_offre(duree_offre))
    })
    .await
    .map_err(|e| ServeError::Tache(e.to_string()))??;
    let store: std::sync::Arc<dyn store::Stockage> = std::sync::Arc::new(store);
    let secret = auth::Secret::charger(&config.data_dir, config.jwt_secret.as_ref().map(|s| s.0.clone()))?;
    let hacheur = auth::Hacheur::new()?;
    let now = horloge::maintenant();
    if config.seed == config::Seed::Demo && store.est_vide()? {
        let mdp = auth::MotDePasse::existant(seed::MOT_DE_PASSE_DEMO)
            .map_err(|e| ServeError::Admin(e.to_string()))?;
        let hash = hacheur.hacher(&mdp).await?;
        let aujourdhui = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
        let (s, h) = (std::sync::Arc::clone(&store), hash);
        let resume = tokio::task::spawn_blocking(move || seed::charger_demo(s.as_ref(), &h, aujourdhui, now))
            .await
            .map_err(|e| ServeError::Tache(e.to_string()))??;
        tracing::info!(?resume, "demo dataset loaded");
        // The demo's bookings enqueued their confirmations: demo patients are not to be written to.
        let s = std::sync::Arc::clone(&store);
        let abandonnees = tokio::task::spawn_blocking(move || s.abandonner_notifications(now))
            .await
            .map_err(|e| ServeError::Tache(e.to_string()))??;
        tracing::info!(abandonnees, "demo notifications voided");
    }
    if let Some((email, mdp)) = &config.admin {
        let email =
            domain::identifiants::Email::parse(email).map_err(|e| ServeError::Admin(e.to_string()))?;
        if store.compte_par_email(&email)?.is_none() {
            let mdp =
                auth::MotDePasse::nouveau(mdp.0.as_str()).map_err(|e| ServeError::Admin(e.to_string()))?;
            let compte = modele::Compte {
                id: modele::CompteId(uuid::Uuid::now_v7()),
                email,
                mot_de_passe_hash: hacheur.hacher(&mdp).await?,
                role: modele::Role::Admin,
                cree_le: now,
            };
            store.creer_admin(&compte)?;
            tracing::info!("admin account created");
        }
    }
    // Before serving, no deposit is in flight: any temporary or unrecorded document file is a crash's.
    let coffre = documents::Coffre::new(config.data_dir.join(documents::DOSSIER_DOCUMENTS));
    let s = std::sync::Arc::clone(&store);
    let balayes = tokio::task::spawn_blocking(move || coffre.balayer(|id| Ok(s.document(id)?.is_some())))
        .await
        .map_err(|e| ServeError::Tache(e.to_string()))??;
    if balayes > 0 {
        tracing::warn!(
            fichiers = balayes,
            "documents left by an interrupted upload removed"
        );
    }
    // After seeding and before serving: nothing else writes to the store while the index is checked.
    let (d, s) = (config.data_dir.clone(), std::sync::Arc::clone(&store));
    let (recherche, ouverture) = tokio::task::spawn_blocking(move || search::Recherche::ouvrir(&d, s))
        .await
        .map_err(|e| ServeError::Tache(e.to_string()))??;
    tracing::info!(?ouverture, "search index ready");
    let guichet = guichet::Guichet::demarrer(std::sync::Arc::clone(&store)).map_err(ServeError::Guichet)?;
    Ok(std::sync::Arc::new(api::etat::Etat {
        recherche: std::sync::Arc::new(recherche),
        guichet,
        store,
        jetons: auth::Jetons::new(secret),
        hacheur,
        limiteur: auth::Limiteur::default(),
        notifications: std::sync::Arc::new(notifications::Notifications::depuis(config)?),
        diffusion: std::sync::Arc::new(messagerie::Diffusion::default()),
    }))
}

//! `GET /health`: can this process serve requests?
//!
//! Orchestrators (Docker, a load balancer, an uptime probe) poll it without credentials, so it stays
//! cheap and says nothing internal: the cause of a failure goes to the log, the body only names the
//! component that is not ready. Until the redb store lands, storage readiness means "the data
//! directory accepts a new file".

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTag;

/// Longest a storage probe may take before storage counts as unavailable.
pub const STORAGE_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The body of `GET /health`, the same for 200 and 503.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct Health {
    /// `ok` when every component is ready, `degraded` otherwise.
    pub status: HealthStatus,
    /// Version of the server (its crate version).
    pub version: String,
    /// Readiness of the storage.
    pub storage: ComponentStatus,
    /// State of the search index.
    pub index: IndexStatus,
    /// The notification outbox and its channels (never degrades the server: notifications wait).
    pub notifications: NotificationsHealth,
}

/// The outbox's depth and each channel's state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Object)]
pub struct NotificationsHealth {
    /// Notifications waiting to be sent (first try or retry); `null` if the store did not answer.
    pub pending: Option<u64>,
    /// Notifications given up after the last attempt.
    pub failed: Option<u64>,
    /// The mail channel (SMTP).
    pub email: ChannelHealth,
    /// The SMS channel (webhook).
    pub sms: ChannelHealth,
}

/// One notification channel.
#[derive(Debug, Clone, PartialEq, Eq, Default, Object)]
pub struct ChannelHealth {
    /// `non_configure`, `ok` or `en_erreur`.
    pub state: ChannelState,
    /// When its last attempt failed, if it is `en_erreur` (absent otherwise).
    #[oai(skip_serializing_if_is_none)]
    pub last_error_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// State of a notification channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ChannelState {
    /// Not configured: its notifications stay queued.
    #[default]
    NonConfigure,
    /// Configured; its last attempt, if any, was accepted.
    Ok,
    /// Its last attempt failed; it is retried with backoff.
    EnErreur,
}

impl From<crate::notifications::EtatCanal> for ChannelHealth {
    fn from(etat: crate::notifications::EtatCanal) -> Self {
        use crate::notifications::EtatCanal;
        match etat {
            EtatCanal::NonConfigure => Self::default(),
            EtatCanal::Ok => Self {
                state: ChannelState::Ok,
                last_error_at: None,
            },
            EtatCanal::EnErreur(le) => Self {
                state: ChannelState::EnErreur,
                last_error_at: Some(le),
            },
        }
    }
}

/// State of the search index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum IndexStatus {
    /// Follows the directory's writes within a batch.
    Ok,
    /// Being rebuilt; searches answer from the previous state meanwhile.
    Rebuilding,
    /// Its writer has stopped: searches no longer see writes (a restart rebuilds it).
    Unavailable,
}

/// Overall state of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Every component is ready.
    Ok,
    /// At least one component is not ready.
    Degraded,
}

/// State of one component the server depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ComponentStatus {
    /// Ready.
    Ok,
    /// Not ready; the server log says why.
    Unavailable,
}

/// Answers of `GET /health`.
#[derive(Debug, ApiResponse)]
pub enum HealthResponse {
    /// Every component is ready.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// At least one component is not ready.
    #[oai(status = 503)]
    Degraded(Json<Health>),
}

impl Health {
    /// The report for the given component states.
    pub fn from_components(storage: ComponentStatus) -> Self {
        let status = match storage {
            ComponentStatus::Ok => HealthStatus::Ok,
            ComponentStatus::Unavailable => HealthStatus::Degraded,
        };
        Self {
            status,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            storage,
            index: IndexStatus::Ok,
            notifications: NotificationsHealth::default(),
        }
    }

    /// The same report with the index's state; a stopped index degrades the server.
    pub fn with_index(mut self, index: IndexStatus) -> Self {
        self.index = index;
        if index == IndexStatus::Unavailable {
            self.status = HealthStatus::Degraded;
        }
        self
    }
}

impl From<Health> for HealthResponse {
    fn from(health: Health) -> Self {
        match health.status {
            HealthStatus::Ok => Self::Ok(Json(health)),
            HealthStatus::Degraded => Self::Degraded(Json(health)),
        }
    }
}

/// The operations endpoints about the server's own state.
pub struct HealthApi {
    data_dir: Arc<Path>,
    etat: Arc<super::etat::Etat>,
}

impl std::fmt::Debug for HealthApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthApi")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl HealthApi {
    /// Checks the storage kept in `data_dir`.
    pub fn new(data_dir: PathBuf, etat: Arc<super::etat::Etat>) -> Self {
        Self {
            etat,
            data_dir: data_dir.into(),
        }
    }
}

#[OpenApi(tag = "ApiTag::Operations")]
impl HealthApi {
    /// Liveness, storage readiness and the search index's state
    ///
    /// 200 when the server can serve, 503 (same body, `status: degraded`) when a component is not
    /// ready. No authentication.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> HealthResponse {
        let mut storage = probe_storage(Arc::clone(&self.data_dir)).await;
        if let Err(e) = self.etat.stocker(|s| s.pret()).await {
            tracing::warn!(error = ?e, "storage not ready: the redb store does not answer");
            storage = ComponentStatus::Unavailable;
        }
        let index = match self.etat.recherche.etat() {
            crate::search::EtatIndex::Pret => IndexStatus::Ok,
            crate::search::EtatIndex::Reconstruction => IndexStatus::Rebuilding,
            crate::search::EtatIndex::Arrete => IndexStatus::Unavailable,
        };
        let profondeur = match self.etat.stocker(|s| s.profondeur_outbox()).await {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(error = ?e, "the outbox depth cannot be read");
                None
            }
        };
        let suivi = &self.etat.notifications.suivi;
        let mut health = Health::from_components(storage).with_index(index);
        health.notifications = NotificationsHealth {
            pending: profondeur.map(|p| p.en_attente),
            failed: profondeur.map(|p| p.echouees),
            email: suivi.mail().into(),
            sms: suivi.sms().into(),
        };
        health.into()
    }
}

/// Creates, writes and removes a small file in `data_dir`, off the async runtime and bounded in time.
async fn probe_storage(data_dir: Arc<Path>) -> ComponentStatus {
    let probe = tokio::task::spawn_blocking(move || write_probe_file(&data_dir));
    match tokio::time::timeout(STORAGE_PROBE_TIMEOUT, probe).await {
        Ok(Ok(Ok(()))) => ComponentStatus::Ok,
        Ok(Ok(Err(err))) => {
            tracing::warn!(error = %err, "storage not ready: the data directory is not writable");
            ComponentStatus::Unavailable
        }
        Ok(Err(err)) => {
            tracing::error!(error = %err, "storage probe task failed");
            ComponentStatus::Unavailable
        }
        Err(_elapsed) => {
            tracing::warn!(
                timeout_ms = STORAGE_PROBE_TIMEOUT.as_millis(),
                "storage not ready: the data directory probe timed out"
            );
            ComponentStatus::Unavailable
        }
    }
}

/// A uniquely named file, so that concurrent probes never remove each other's.
fn write_probe_file(data_dir: &Path) -> io::Result<()> {
    let mut file = tempfile::Builder::new()
        .prefix(".health-probe-")
        .tempfile_in(data_dir)?;
    file.write_all(b"ok")?;
    file.close()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writable_directory_is_ok() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(probe_storage(dir.path().into()).await, ComponentStatus::Ok);
        // The probe leaves nothing behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn missing_directory_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        assert_eq!(probe_storage(gone.into()).await, ComponentStatus::Unavailable);
    }

    #[test]
    fn unavailable_storage_degrades_the_server() {
        let health = Health::from_components(ComponentStatus::Unavailable);
        assert_eq!(health.status, HealthStatus::Degraded);
        assert!(matches!(
            HealthResponse::from(health),
            HealthResponse::Degraded(_)
        ));
    }
}

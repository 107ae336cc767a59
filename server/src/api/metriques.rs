//! `GET /metrics`: the Prometheus scrape, behind its own static bearer token
//! (`TOUBEELIB_METRICS_TOKEN`): a scraper cannot renew a 15-minute JWT, and counts of routes and
//! failures are for the operator alone. Unset, the endpoint does not exist (404).

use std::fmt::Write as _;

use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTag;
use super::etat::{EtatPartage, JetonAcces};
use super::probleme::ErreurApi;
use crate::config::Secret;

/// The scrape.
#[derive(Debug, ApiResponse)]
pub enum Scrape {
    /// The metrics in Prometheus' text exposition format 0.0.4.
    #[oai(status = 200, content_type = "text/plain; version=0.0.4; charset=utf-8")]
    Metriques(PlainText<String>),
}

/// The metrics API.
#[derive(Debug)]
pub struct MetriquesApi {
    etat: EtatPartage,
    jeton: Option<Secret>,
}

impl MetriquesApi {
    /// Over the shared state, with the scrape token (none: no endpoint).
    pub fn new(etat: EtatPartage, jeton: Option<Secret>) -> Self {
        Self { etat, jeton }
    }
}

#[OpenApi(tag = "ApiTag::Operations")]
impl MetriquesApi {
    /// Metrics for Prometheus
    ///
    /// With `Authorization: Bearer <TOUBEELIB_METRICS_TOKEN>` (404 `introuvable` when the server has
    /// none set; 401 for another token). Requests by route template, method and status; their
    /// latency histograms; bookings; the outbox's pending and failed rows; failed sign-ins; argon2id
    /// verifications. No personal data: labels are route templates, never paths or ids.
    #[oai(path = "/metrics", method = "get", operation_id = "metriques")]
    async fn metriques(&self, jeton: JetonAcces) -> Result<Scrape, ErreurApi> {
        let Some(attendu) = &self.jeton else {
            return Err(ErreurApi::introuvable("métriques"));
        };
        if !crate::auth::totp::egal_temps_constant(jeton.0.token.as_bytes(), attendu.0.as_bytes()) {
            return Err(ErreurApi::non_authentifie(
                "jeton_invalide",
                "jeton de métriques invalide",
            ));
        }
        let metriques = crate::metriques::globales();
        let mut texte = String::new();
        metriques.exposer(&mut texte);
        let reservations = metriques.compte("/rdvs", "POST", 201)
            + metriques.compte("/liste-attente/{id}/acceptation", "POST", 201);
        let profondeur = self.etat.stocker(|s| s.profondeur_outbox()).await?;
        let echecs = self.etat.limiteur.echecs_total();
        let verifications = self.etat.hacheur.verifications_total();
        let hachages_refuses = self.etat.hacheur.saturees_total();
        let ecritures = self.etat.store.statistiques_ecritures();
        for (nom, type_, aide, valeur) in [
            (
                "toubeelib_reservations_total",
                "counter",
                "Rdvs booked (POST /rdvs and waiting-list offers taken).",
                reservations,
            ),
            (
                "toubeelib_outbox_en_attente",
                "gauge",
                "Notifications waiting to be sent (first try or retry).",
                profondeur.en_attente,
            ),
            (
                "toubeelib_outbox_echouees",
                "gauge",
                "Notifications given up after their last attempt.",
                profondeur.echouees,
            ),
            (
                "toubeelib_connexions_echouees_total",
                "counter",
                "Failed sign-ins (wrong password, unknown email, bad second factor).",
                echecs,
            ),
            (
                "toubeelib_verifications_mot_de_passe_total",
                "counter",
                "argon2id password verifications, an unknown email's dummy one included.",
                verifications,
            ),
            (
                "toubeelib_hachages_refuses_total",
                "counter",
                "Password hashes refused with 503 (hashing queue full or wait too long).",
                hachages_refuses,
            ),
            (
                "toubeelib_ecritures_lots_total",
                "counter",
                "Write batches committed durably (group commit).",
                ecritures.lots,
            ),
            (
                "toubeelib_ecritures_total",
                "counter",
                "Writes made durable by those batches (divided by the batches: the mean batch size).",
                ecritures.ecritures,
            ),
            (
                "toubeelib_ecritures_lot_max",
                "gauge",
                "The largest write batch committed since start.",
                ecritures.lot_max,
            ),
            (
                "toubeelib_ecritures_lots_echoues_total",
                "counter",
                "Write batches whose commit failed (every writer of the batch got an error).",
                ecritures.lots_echoues,
            ),
            (
                "toubeelib_ecritures_rejouees_total",
                "counter",
                "Writes run again because a later writer of their batch refused.",
                ecritures.rejouees,
            ),
            (
                "toubeelib_ecritures_saturees_total",
                "counter",
                "Writes refused with 503 because too many were waiting.",
                ecritures.saturees,
            ),
        ] {
            let _ = write!(
                texte,
                "# HELP {nom} {aide}\n# TYPE {nom} {type_}\n{nom} {valeur}\n"
            );
        }
        Ok(Scrape::Metriques(PlainText(texte)))
    }
}

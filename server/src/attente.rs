//! The waiting list's entities (DOMAIN.md "Liste d'attente"): an entry and where it stands.
//!
//! The rule of who is offered a freed créneau is the domain's (`domain::attente`); the store applies it
//! in the transaction that frees the créneau and records the hold (`store/redb/attente.rs`).

use chrono::{DateTime, NaiveDate, Utc};
use domain::consultation::TypeConsultation;
use domain::ids::{PatientId, PraticienId, RdvId, StructureId};
use domain::specialite::Specialite;
use domain::temps::Creneau;
use uuid::Uuid;

/// Most open entries (waiting or offered) a patient may have at once, all praticiens together.
pub const ATTENTES_OUVERTES_PAR_PATIENT_MAX: usize = 5;

/// A patient waiting for an earlier créneau with a praticien.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attente {
    /// Its id.
    pub id: Uuid,
    /// Who waits.
    pub patient: PatientId,
    /// With whom.
    pub praticien: PraticienId,
    /// The spécialité wanted.
    pub specialite: Specialite,
    /// The type wanted.
    pub type_consultation: TypeConsultation,
    /// The latest acceptable date (inclusive).
    pub avant: NaiveDate,
    /// Registered at: the queue's order.
    pub cree_le: DateTime<Utc>,
    /// Where it stands.
    pub etat: EtatAttente,
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtatAttente {
    /// Waiting.
    EnAttente,
    /// A créneau offered, held for the patient until `expire_le`; once past, the entry waits again
    /// (and taking that offer answers `offre_expiree`).
    Offre {
        /// The créneau.
        creneau: Creneau,
        /// Where.
        structure: StructureId,
        /// End of the hold.
        expire_le: DateTime<Utc>,
    },
    /// The offer was taken: this rdv.
    Acceptee(RdvId),
    /// The patient left the list.
    Retiree,
    /// Its date passed while it waited (never stored: read from `avant` and now).
    Expiree,
}

impl Attente {
    /// Where it stands at `now`: an offer past its hold is a wait again, and a wait whose date has
    /// passed is expired.
    pub fn etat_a(&self, now: DateTime<Utc>) -> EtatAttente {
        let etat = match self.etat {
            EtatAttente::Offre { expire_le, .. } if now >= expire_le => EtatAttente::EnAttente,
            etat => etat,
        };
        if etat == EtatAttente::EnAttente && domain::attente::date_passee(self.avant, now) {
            EtatAttente::Expiree
        } else {
            etat
        }
    }

    /// Whether it still waits or holds an offer.
    pub fn ouverte(&self) -> bool {
        matches!(self.etat, EtatAttente::EnAttente | EtatAttente::Offre { .. })
    }
}

/// Shortest and longest period of the relay of lapsed holds, in seconds.
const RELAIS_PERIODE_S: (u32, u32) = (1, 30);

/// Starts the relay of lapsed holds: every tenth of the hold (1 to 30 s), the store hands each lapsed
/// hold to the next waiting patient (`Stockage::relayer_offres_expirees`). Between two passes a lapsed
/// hold is already ignored by every booking and read, so the period only delays the next offer.
pub fn relais(
    store: std::sync::Arc<dyn crate::store::Stockage>,
    duree_offre_s: u32,
) -> tokio::task::JoinHandle<()> {
    let periode_s = (duree_offre_s / 10).clamp(RELAIS_PERIODE_S.0, RELAIS_PERIODE_S.1);
    tokio::spawn(async move {
        let mut horloge = tokio::time::interval(std::time::Duration::from_secs(u64::from(periode_s)));
        horloge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            horloge.tick().await;
            let s = std::sync::Arc::clone(&store);
            match tokio::task::spawn_blocking(move || s.relayer_offres_expirees(crate::horloge::maintenant()))
                .await
            {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(offres = n, "lapsed waiting-list holds handed on"),
                Ok(Err(e)) => tracing::error!(error = %e, "waiting-list relay failed"),
                Err(e) => tracing::error!(error = %e, "waiting-list relay task failed"),
            }
        }
    })
}

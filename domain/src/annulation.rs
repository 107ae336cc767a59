//! Cancellation under the 24-hour rule (DOMAIN.md "Cancellation and modification").
//!
//! A patient cancelling at least `delai_annulation` before `debut` gets `annule`; later, the praticien's
//! policy decides (`signalee` → `annule_tardivement`, `refusee` → refused online). The praticien and the
//! personnel may cancel at any time. Once the rdv has started a patient can no longer cancel: it is
//! then the praticien's to mark honoured or not.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;
use crate::reglages::{PolitiqueAnnulationTardive, Reglages};
use crate::statut::{Statut, TransitionInvalide, transition};

/// Who asks for the cancellation (the access rules have already said they may).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auteur {
    /// The patient of the rdv.
    Patient,
    /// The praticien of the rdv.
    Praticien,
    /// Personnel associated with the praticien.
    Personnel,
}

/// Why a cancellation is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RefusAnnulation {
    /// The rdv is not `prevu`.
    #[error(transparent)]
    Transition(#[from] TransitionInvalide),
    /// Late, and the praticien refuses late cancellations online.
    #[error(
        "annulation moins de {delai_heures} h avant le rendez-vous refusée en ligne : appelez le cabinet"
    )]
    TardiveRefusee {
        /// The praticien's delay.
        delai_heures: i64,
    },
    /// The rdv has started: too late for the patient to cancel.
    #[error("le rendez-vous a commencé le {debut} : il ne peut plus être annulé par le patient")]
    Commence {
        /// When it started.
        debut: DateTime<Utc>,
    },
}

impl Code for RefusAnnulation {
    fn code(&self) -> &'static str {
        match self {
            RefusAnnulation::Transition(e) => e.code(),
            RefusAnnulation::TardiveRefusee { .. } => "annulation_tardive_refusee",
            RefusAnnulation::Commence { .. } => "rdv_commence",
        }
    }
}

/// The statut a cancellation of a rdv `statut` starting at `debut` leads to, or why it is refused.
pub fn decider_annulation(
    statut: Statut,
    debut: DateTime<Utc>,
    auteur: Auteur,
    reglages: &Reglages,
    now: DateTime<Utc>,
) -> Result<Statut, RefusAnnulation> {
    let vers = match auteur {
        Auteur::Praticien | Auteur::Personnel => Statut::Annule,
        Auteur::Patient if now >= debut => return Err(RefusAnnulation::Commence { debut }),
        Auteur::Patient if debut - now >= reglages.delai_annulation() => Statut::Annule,
        Auteur::Patient => match reglages.annulation_tardive() {
            PolitiqueAnnulationTardive::Signalee => Statut::AnnuleTardivement,
            PolitiqueAnnulationTardive::Refusee => {
                return Err(RefusAnnulation::TardiveRefusee {
                    delai_heures: reglages.delai_annulation().num_hours(),
                });
            }
        },
    };
    transition(statut, vers, debut, now)?;
    Ok(vers)
}

/// Whether a cancellation by the patient now would be late (for a warning before they confirm).
pub fn serait_tardive(debut: DateTime<Utc>, reglages: &Reglages, now: DateTime<Utc>) -> bool {
    debut - now < reglages.delai_annulation()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reglages::ReglagesBruts;
    use chrono::Duration;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn reglages(politique: PolitiqueAnnulationTardive) -> Reglages {
        Reglages::new(ReglagesBruts {
            annulation_tardive: politique,
            ..Default::default()
        })
        .unwrap()
    }

    #[track_caller]
    fn check(
        auteur: Auteur,
        avant_debut: Duration,
        politique: PolitiqueAnnulationTardive,
        attendu: Result<Statut, &str>,
    ) {
        let debut = t("2026-10-25T09:00:00Z");
        let obtenu = decider_annulation(
            Statut::Prevu,
            debut,
            auteur,
            &reglages(politique),
            debut - avant_debut,
        );
        assert_eq!(obtenu.map_err(|e| e.code()), attendu);
    }

    #[test]
    fn the_24_hour_boundary_to_the_second() {
        use PolitiqueAnnulationTardive::*;
        let h24 = Duration::hours(24);
        let s = Duration::seconds(1);
        check(Auteur::Patient, h24 + s, Signalee, Ok(Statut::Annule));
        check(Auteur::Patient, h24, Signalee, Ok(Statut::Annule));
        check(Auteur::Patient, h24 - s, Signalee, Ok(Statut::AnnuleTardivement));
        check(Auteur::Patient, h24, Refusee, Ok(Statut::Annule));
        check(
            Auteur::Patient,
            h24 - s,
            Refusee,
            Err("annulation_tardive_refusee"),
        );
        check(Auteur::Patient, s, Refusee, Err("annulation_tardive_refusee"));
        check(Auteur::Patient, Duration::zero(), Signalee, Err("rdv_commence"));
    }

    #[test]
    fn praticien_and_personnel_cancel_at_any_time() {
        use PolitiqueAnnulationTardive::*;
        for auteur in [Auteur::Praticien, Auteur::Personnel] {
            check(auteur, Duration::minutes(5), Refusee, Ok(Statut::Annule));
            check(auteur, -Duration::minutes(5), Refusee, Ok(Statut::Annule));
        }
    }

    #[test]
    fn only_a_prevu_rdv_can_be_cancelled() {
        let debut = t("2026-10-25T09:00:00Z");
        let now = debut - Duration::days(3);
        for statut in Statut::TOUS.into_iter().filter(|s| *s != Statut::Prevu) {
            let err =
                decider_annulation(statut, debut, Auteur::Praticien, &Reglages::default(), now).unwrap_err();
            assert_eq!(err.code(), "transition_invalide", "{statut:?}");
        }
    }

    #[test]
    fn the_delay_is_a_parameter() {
        let r = Reglages::new(ReglagesBruts {
            delai_annulation_heures: 48,
            ..Default::default()
        })
        .unwrap();
        let debut = t("2026-10-25T09:00:00Z");
        let now = debut - Duration::hours(30);
        assert!(serait_tardive(debut, &r, now));
        assert_eq!(
            decider_annulation(Statut::Prevu, debut, Auteur::Patient, &r, now),
            Ok(Statut::AnnuleTardivement)
        );
        assert!(!serait_tardive(debut, &Reglages::default(), now));
    }
}

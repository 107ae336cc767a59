//! The statut of a rdv, as a state machine: every transition not listed here is refused.
//!
//! ```text
//! prevu ──▶ honore ──▶ paye ──▶ transmis
//!   ├─────▶ non_honore
//!   ├─────▶ annule
//!   └─────▶ annule_tardivement
//! ```
//! `honore` / `non_honore` only once the rdv has started. Which cancellation applies is decided by
//! [`crate::annulation`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// Where a rdv stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statut {
    /// Booked, to come.
    Prevu,
    /// The patient came (the seed's OK).
    Honore,
    /// The patient did not come (the seed's KO).
    NonHonore,
    /// Cancelled in time, or by the praticien or personnel.
    Annule,
    /// Cancelled by the patient inside the cancellation delay, under the `signalee` policy.
    AnnuleTardivement,
    /// Honoured and paid.
    Paye,
    /// Paid and sent to the organismes sociaux.
    Transmis,
}

impl Statut {
    /// Every statut, in lifecycle order.
    pub const TOUS: [Statut; 7] = [
        Statut::Prevu,
        Statut::Honore,
        Statut::NonHonore,
        Statut::Annule,
        Statut::AnnuleTardivement,
        Statut::Paye,
        Statut::Transmis,
    ];

    /// Whether a rdv in this statut still holds its créneau (every statut but the cancellations).
    pub fn occupe_creneau(self) -> bool {
        !matches!(self, Statut::Annule | Statut::AnnuleTardivement)
    }

    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Statut::Prevu => "prevu",
            Statut::Honore => "honore",
            Statut::NonHonore => "non_honore",
            Statut::Annule => "annule",
            Statut::AnnuleTardivement => "annule_tardivement",
            Statut::Paye => "paye",
            Statut::Transmis => "transmis",
        }
    }
}

/// A transition the state machine refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TransitionInvalide {
    /// Not an edge of the machine.
    #[error("passage de {} à {} impossible", .de.as_str(), .vers.as_str())]
    Interdite {
        /// Current statut.
        de: Statut,
        /// Statut asked for.
        vers: Statut,
    },
    /// `honore` / `non_honore` asked before the rdv's start.
    #[error("le rendez-vous n'a pas encore commencé : {} impossible avant {debut}", .vers.as_str())]
    PasCommence {
        /// Statut asked for.
        vers: Statut,
        /// When the rdv starts.
        debut: DateTime<Utc>,
    },
}

impl Code for TransitionInvalide {
    fn code(&self) -> &'static str {
        "transition_invalide"
    }
}

/// Checks one step of the machine for a rdv starting at `debut`.
pub fn transition(
    de: Statut,
    vers: Statut,
    debut: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), TransitionInvalide> {
    use Statut::*;
    match (de, vers) {
        (Prevu, Honore | NonHonore) if now < debut => Err(TransitionInvalide::PasCommence { vers, debut }),
        (Prevu, Honore | NonHonore | Annule | AnnuleTardivement) | (Honore, Paye) | (Paye, Transmis) => {
            Ok(())
        }
        _ => Err(TransitionInvalide::Interdite { de, vers }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Statut::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn every_pair_is_allowed_exactly_when_it_is_an_edge() {
        let debut = t("2026-05-04T08:00:00Z");
        let apres = t("2026-05-04T08:00:00Z");
        let aretes = [
            (Prevu, Honore),
            (Prevu, NonHonore),
            (Prevu, Annule),
            (Prevu, AnnuleTardivement),
            (Honore, Paye),
            (Paye, Transmis),
        ];
        let mut refusees = 0;
        for de in Statut::TOUS {
            for vers in Statut::TOUS {
                let obtenu = transition(de, vers, debut, apres);
                if aretes.contains(&(de, vers)) {
                    assert_eq!(obtenu, Ok(()), "{de:?} → {vers:?}");
                } else {
                    refusees += 1;
                    assert_eq!(
                        obtenu,
                        Err(TransitionInvalide::Interdite { de, vers }),
                        "{de:?} → {vers:?}"
                    );
                    assert_eq!(obtenu.unwrap_err().code(), "transition_invalide");
                }
            }
        }
        assert_eq!(refusees, 49 - aretes.len());
    }

    #[test]
    fn honore_only_once_started() {
        let debut = t("2026-05-04T08:00:00Z");
        let avant = t("2026-05-04T07:59:59Z");
        for vers in [Honore, NonHonore] {
            assert!(matches!(
                transition(Prevu, vers, debut, avant),
                Err(TransitionInvalide::PasCommence { .. })
            ));
            assert_eq!(transition(Prevu, vers, debut, debut), Ok(()));
        }
        assert_eq!(transition(Prevu, Annule, debut, avant), Ok(()));
    }

    #[test]
    fn only_cancellations_free_the_creneau() {
        let libres: Vec<_> = Statut::TOUS.into_iter().filter(|s| !s.occupe_creneau()).collect();
        assert_eq!(libres, [Annule, AnnuleTardivement]);
    }
}

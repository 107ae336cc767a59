//! A praticien's booking policy: who may book, how late one may cancel, préavis, horizon, reminders.
//! Every field is bounded; the defaults are DOMAIN.md's.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// Longest cancellation delay a praticien may ask for.
pub const DELAI_ANNULATION_HEURES_MAX: u16 = 7 * 24;
/// Longest préavis (minimum notice before a booking).
pub const PREAVIS_MINUTES_MAX: u32 = 14 * 24 * 60;
/// Booking horizon bounds, in days.
pub const HORIZON_JOURS_MIN: u16 = 1;
/// Booking horizon upper bound, in days.
pub const HORIZON_JOURS_MAX: u16 = 730;
/// Longest reminder delay before a rdv.
pub const RAPPEL_HEURES_MAX: u16 = 7 * 24;

/// What happens when a patient cancels inside the cancellation delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolitiqueAnnulationTardive {
    /// Allowed, recorded as `annule_tardivement` and counted.
    #[default]
    Signalee,
    /// Refused online: the patient must call the structure.
    Refusee,
}

/// A praticien's booking policy, valid by construction (the defaults are valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "ReglagesBruts", into = "ReglagesBruts")]
pub struct Reglages(ReglagesBruts);

/// The fields of [`Reglages`] before their bounds are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReglagesBruts {
    /// Only patients of the patientèle may book.
    pub patients_connus_uniquement: bool,
    /// A patient cancelling less than this before `debut` cancels late.
    pub delai_annulation_heures: u16,
    /// What a late cancellation does.
    pub annulation_tardive: PolitiqueAnnulationTardive,
    /// Minimum notice for an online booking.
    pub preavis_minutes: u32,
    /// How far ahead a booking may be made.
    pub horizon_jours: u16,
    /// When the reminder goes out before a rdv; 0 sends none.
    pub rappel_heures: u16,
}

impl Default for ReglagesBruts {
    fn default() -> Self {
        ReglagesBruts {
            patients_connus_uniquement: false,
            delai_annulation_heures: 24,
            annulation_tardive: PolitiqueAnnulationTardive::Signalee,
            preavis_minutes: 0,
            horizon_jours: 90,
            rappel_heures: 24,
        }
    }
}

/// A réglage out of its bounds; names the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("réglage {champ} invalide : {valeur} (attendu de {min} à {max})")]
pub struct ReglageInvalide {
    /// The JSON field name.
    pub champ: &'static str,
    /// The value given.
    pub valeur: u32,
    /// Lowest accepted.
    pub min: u32,
    /// Highest accepted.
    pub max: u32,
}

impl Code for ReglageInvalide {
    fn code(&self) -> &'static str {
        "reglage_invalide"
    }
}

impl TryFrom<ReglagesBruts> for Reglages {
    type Error = ReglageInvalide;

    fn try_from(b: ReglagesBruts) -> Result<Self, ReglageInvalide> {
        let borne = |champ, valeur: u32, min: u32, max: u32| {
            if (min..=max).contains(&valeur) {
                Ok(())
            } else {
                Err(ReglageInvalide {
                    champ,
                    valeur,
                    min,
                    max,
                })
            }
        };
        borne(
            "delai_annulation_heures",
            b.delai_annulation_heures.into(),
            0,
            DELAI_ANNULATION_HEURES_MAX.into(),
        )?;
        borne("preavis_minutes", b.preavis_minutes, 0, PREAVIS_MINUTES_MAX)?;
        borne(
            "horizon_jours",
            b.horizon_jours.into(),
            HORIZON_JOURS_MIN.into(),
            HORIZON_JOURS_MAX.into(),
        )?;
        borne(
            "rappel_heures",
            b.rappel_heures.into(),
            0,
            RAPPEL_HEURES_MAX.into(),
        )?;
        Ok(Reglages(b))
    }
}

impl From<Reglages> for ReglagesBruts {
    fn from(r: Reglages) -> Self {
        r.0
    }
}

impl Reglages {
    /// Checks every bound.
    pub fn new(bruts: ReglagesBruts) -> Result<Self, ReglageInvalide> {
        bruts.try_into()
    }

    /// The checked fields.
    pub fn valeurs(&self) -> &ReglagesBruts {
        &self.0
    }

    /// Only patients of the patientèle may book.
    pub fn patients_connus_uniquement(&self) -> bool {
        self.0.patients_connus_uniquement
    }

    /// The cancellation delay.
    pub fn delai_annulation(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.0.delai_annulation_heures))
    }

    /// The late-cancel policy.
    pub fn annulation_tardive(&self) -> PolitiqueAnnulationTardive {
        self.0.annulation_tardive
    }

    /// The minimum notice of an online booking.
    pub fn preavis(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.0.preavis_minutes))
    }

    /// How far ahead one may book.
    pub fn horizon(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.0.horizon_jours))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_domain_ones() {
        let r = Reglages::default();
        assert_eq!(r.delai_annulation(), chrono::Duration::hours(24));
        assert_eq!(r.annulation_tardive(), PolitiqueAnnulationTardive::Signalee);
        assert_eq!(r.preavis(), chrono::Duration::zero());
        assert_eq!(r.horizon(), chrono::Duration::days(90));
        assert!(!r.patients_connus_uniquement());
    }

    #[test]
    fn out_of_bounds_names_the_field() {
        let err = Reglages::new(ReglagesBruts {
            horizon_jours: 0,
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.champ, "horizon_jours");
        assert_eq!(err.code(), "reglage_invalide");
        let json = r#"{"patients_connus_uniquement":false,"delai_annulation_heures":500,
            "annulation_tardive":"refusee","preavis_minutes":0,"horizon_jours":90,"rappel_heures":24}"#;
        let err = serde_json::from_str::<Reglages>(json).unwrap_err().to_string();
        assert!(err.contains("delai_annulation_heures"), "{err}");
    }
}

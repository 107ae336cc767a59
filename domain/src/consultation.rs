//! The small closed vocabularies of a consultation: its type and where a booking came from.

use serde::{Deserialize, Serialize};

/// How the consultation takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeConsultation {
    /// At the structure (the default).
    #[default]
    Presentiel,
    /// By video.
    Teleconsultation,
}

impl TypeConsultation {
    /// Both types, in a stable order.
    pub const TOUS: [TypeConsultation; 2] =
        [TypeConsultation::Presentiel, TypeConsultation::Teleconsultation];

    /// The JSON / query-string spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TypeConsultation::Presentiel => "presentiel",
            TypeConsultation::Teleconsultation => "teleconsultation",
        }
    }
}

/// Where a booking was made: by the patient online, or recorded by the praticien or personnel
/// (phone, desk, walk-in), which relaxes the préavis (DOMAIN.md "Booking").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origine {
    /// Booked through the platform, under every rule.
    #[default]
    Plateforme,
    /// Recorded by the praticien or the personnel.
    HorsPlateforme,
}

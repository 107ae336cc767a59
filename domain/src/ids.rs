//! Typed identifiers. The domain never creates them (no randomness here): the server makes UUID v7s.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! identifiant {
    ($(#[$doc:meta] $nom:ident),+ $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $nom(pub Uuid);

        impl From<Uuid> for $nom {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl std::fmt::Display for $nom {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

identifiant!(
    /// A patient (and its dossier).
    PatientId,
    /// A praticien.
    PraticienId,
    /// A member of the personnel médical.
    PersonnelId,
    /// A place of practice.
    StructureId,
    /// A rendez-vous.
    RdvId,
);

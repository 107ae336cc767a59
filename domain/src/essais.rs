//! Fixtures shared by the domain's tests: a praticien at one structure, rules, instants.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::consultation::TypeConsultation;
use crate::disponibilite::{Agenda, Lieu, Occupations};
use crate::horaires::{Heure, Horaires, Jour, RegleHoraire};
use crate::ids::StructureId;
use crate::reglages::Reglages;
use crate::specialite::Specialite;
use crate::temps::{Creneau, Fuseau};

/// The one structure of the fixtures.
pub const STRUCTURE: StructureId = StructureId(Uuid::from_u128(1));

/// An instant from RFC 3339.
pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// `[debut, fin)` from RFC 3339.
pub fn creneau(debut: &str, fin: &str) -> Creneau {
    Creneau::new(t(debut), t(fin)).unwrap()
}

/// A rule at [`STRUCTURE`] for every spécialité.
pub fn regle(jour: Jour, debut: (u32, u32), fin: (u32, u32), types: &[TypeConsultation]) -> RegleHoraire {
    RegleHoraire {
        jour,
        debut: Heure::hm(debut.0, debut.1).unwrap(),
        fin: Heure::hm(fin.0, fin.1).unwrap(),
        structure_id: STRUCTURE,
        types: types.to_vec(),
        specialites: None,
        valable_du: None,
        valable_au: None,
    }
}

/// A généraliste at [`STRUCTURE`] in `fuseau`, with these rules and default réglages.
pub fn agenda(fuseau: &str, regles: Vec<RegleHoraire>) -> Agenda {
    Agenda {
        specialites: vec![Specialite::MEDECINE_GENERALE],
        lieux: vec![Lieu {
            structure_id: STRUCTURE,
            fuseau: Fuseau::parse(fuseau).unwrap(),
        }],
        horaires: Horaires::new(regles).unwrap(),
        durees: Vec::new(),
        motifs: Vec::new(),
        reglages: Reglages::default(),
        indisponibilites: Vec::new(),
        occupes: Occupations::default(),
    }
}

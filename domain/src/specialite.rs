//! The reference list of spécialités. It is part of the domain, not of the data: it is always present
//! (even in an empty store), and its codes are stable slugs used everywhere a spécialité is named.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// `(code, libellé)` of every spécialité Toubeelib knows, in display order.
pub const REFERENCE: &[(&str, &str)] = &[
    ("medecine_generale", "Médecine générale"),
    ("allergologie", "Allergologie"),
    ("anesthesie_reanimation", "Anesthésie-réanimation"),
    ("cardiologie", "Cardiologie"),
    ("chirurgie_dentaire", "Chirurgie dentaire"),
    (
        "chirurgie_orthopedique",
        "Chirurgie orthopédique et traumatologie",
    ),
    ("dermatologie", "Dermatologie et vénérologie"),
    ("dietetique", "Diététique"),
    (
        "endocrinologie",
        "Endocrinologie, diabète et maladies métaboliques",
    ),
    ("gastro_enterologie", "Hépato-gastro-entérologie"),
    ("geriatrie", "Gériatrie"),
    ("gynecologie", "Gynécologie médicale"),
    ("gynecologie_obstetrique", "Gynécologie obstétrique"),
    ("kinesitherapie", "Masso-kinésithérapie"),
    ("medecine_du_sport", "Médecine du sport"),
    ("medecine_vasculaire", "Médecine vasculaire"),
    ("nephrologie", "Néphrologie"),
    ("neurologie", "Neurologie"),
    ("oncologie", "Oncologie médicale"),
    ("ophtalmologie", "Ophtalmologie"),
    ("orl", "Oto-rhino-laryngologie (ORL)"),
    ("orthodontie", "Orthodontie"),
    ("orthophonie", "Orthophonie"),
    ("pediatrie", "Pédiatrie"),
    ("pedicurie_podologie", "Pédicurie-podologie"),
    ("pneumologie", "Pneumologie"),
    ("psychiatrie", "Psychiatrie"),
    ("psychologie", "Psychologie"),
    ("radiologie", "Radiologie et imagerie médicale"),
    ("rhumatologie", "Rhumatologie"),
    ("sage_femme", "Maïeutique (sage-femme)"),
    ("soins_infirmiers", "Soins infirmiers"),
    ("urologie", "Urologie"),
];

/// A spécialité of the reference list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Specialite(&'static str);

/// A code that is not in the reference list.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("spécialité inconnue : {0:?} (voir GET /specialites)")]
pub struct SpecialiteNonReferencee(pub String);

impl Code for SpecialiteNonReferencee {
    fn code(&self) -> &'static str {
        "specialite_inconnue"
    }
}

impl Specialite {
    /// Médecine générale, the most common.
    pub const MEDECINE_GENERALE: Specialite = Specialite("medecine_generale");

    /// Looks the code up in the reference list.
    pub fn parse(code: &str) -> Result<Self, SpecialiteNonReferencee> {
        REFERENCE
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(c, _)| Specialite(c))
            .ok_or_else(|| SpecialiteNonReferencee(code.to_owned()))
    }

    /// Every spécialité, in display order.
    pub fn toutes() -> impl Iterator<Item = Specialite> {
        REFERENCE.iter().map(|(c, _)| Specialite(c))
    }

    /// The stable code.
    pub fn code(self) -> &'static str {
        self.0
    }

    /// The French label.
    pub fn libelle(self) -> &'static str {
        REFERENCE
            .iter()
            .find(|(c, _)| *c == self.0)
            .map_or(self.0, |(_, l)| l)
    }
}

impl std::fmt::Display for Specialite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Specialite {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Specialite {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Specialite::parse(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_codes_are_unique_snake_case_slugs() {
        let mut codes: Vec<_> = REFERENCE.iter().map(|(c, _)| *c).collect();
        assert!(codes.len() >= 10);
        for c in &codes {
            assert!(c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{c}");
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), REFERENCE.len());
    }

    #[test]
    fn parse_finds_reference_and_refuses_others() {
        assert_eq!(Specialite::parse("cardiologie").unwrap().libelle(), "Cardiologie");
        let err = Specialite::parse("Cardiologie").unwrap_err();
        assert_eq!(err.code(), "specialite_inconnue");
        assert_eq!(
            serde_json::to_string(&Specialite::MEDECINE_GENERALE).unwrap(),
            "\"medecine_generale\""
        );
        assert!(serde_json::from_str::<Specialite>("\"astrologie\"").is_err());
    }
}

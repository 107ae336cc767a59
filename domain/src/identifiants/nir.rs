//! The NIR, a patient's French social security number ("numéro de sécurité sociale").
//!
//! Checked once, when parsed, against its 2-digit key, so a mistyped number is refused with the reason
//! (where, which rule) rather than filed under the wrong patient or sent to the assurance maladie.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// Number of characters of a NIR: 13 for the number, 2 for the key.
pub const NIR_CARACTERES: usize = 15;

/// A NIR: 13 characters (digits, or `2A` / `2B` for a birth in Corsica) and a 2-digit key.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Nir(String);

/// Redacted: a NIR is health-adjacent personal data and must not reach a log line through `{:?}`.
impl std::fmt::Debug for Nir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Nir(***)")
    }
}

/// Why a NIR was refused; positions count from 1, once white space is removed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NirInvalide {
    /// A character that is not a digit, outside the `2A` / `2B` of positions 6 and 7.
    #[error(
        "caractère {caractere:?} en position {position} : un NIR ne contient que des chiffres, \
         sauf 2A ou 2B en positions 6 et 7 (Corse)"
    )]
    CaractereInvalide {
        /// Where, from 1, white space not counted.
        position: usize,
        /// The character found.
        caractere: char,
    },
    /// Not [`NIR_CARACTERES`] characters.
    #[error("un NIR compte {NIR_CARACTERES} caractères, clé comprise ({caracteres} donnés)")]
    Longueur {
        /// How many characters were given.
        caracteres: usize,
    },
    /// The first digit, the sex, is not 1, 2, 3, 4, 7 or 8.
    #[error("le premier chiffre d'un NIR (sexe) est 1, 2, 3, 4, 7 ou 8, pas {chiffre}")]
    Sexe {
        /// The digit given.
        chiffre: u8,
    },
    /// The key is not 97 − (number mod 97).
    #[error("NIR erroné : la clé est {trouvee:02}, {attendue:02} attendue")]
    CleIncorrecte {
        /// The key given.
        trouvee: u8,
        /// The key the first 13 characters call for.
        attendue: u8,
    },
}

impl Code for NirInvalide {
    fn code(&self) -> &'static str {
        "nir_invalide"
    }
}

/// Sex digits in use: 1 and 2, 3 and 4 (foreign-born, registration pending), 7 and 8 (temporary number).
const SEXES: [u8; 6] = [1, 2, 3, 4, 7, 8];

impl Nir {
    /// Parses a NIR; white space is allowed anywhere and removed, `2a` / `2b` are stored upper case.
    pub fn parse(input: &str) -> Result<Self, NirInvalide> {
        let mut normalise = String::with_capacity(NIR_CARACTERES);
        // The digits the key is computed over: 2A counts as 19 and 2B as 18.
        let mut chiffres = Vec::with_capacity(NIR_CARACTERES);
        for (i, caractere) in input.chars().filter(|c| !c.is_whitespace()).enumerate() {
            let position = i + 1;
            let majuscule = caractere.to_ascii_uppercase();
            if let Some(d) = caractere.to_digit(10) {
                chiffres.push(d as u8);
            } else if position == 7 && normalise.ends_with('2') && matches!(majuscule, 'A' | 'B') {
                chiffres.pop();
                chiffres.push(1);
                chiffres.push(if majuscule == 'A' { 9 } else { 8 });
            } else {
                return Err(NirInvalide::CaractereInvalide { position, caractere });
            }
            normalise.push(majuscule);
        }
        let chiffres: [u8; NIR_CARACTERES] =
            chiffres
                .try_into()
                .map_err(|donnes: Vec<u8>| NirInvalide::Longueur {
                    caracteres: donnes.len(),
                })?;
        let [sexe, ..] = chiffres;
        if !SEXES.contains(&sexe) {
            return Err(NirInvalide::Sexe { chiffre: sexe });
        }
        let [corps @ .., dizaine, unite] = chiffres;
        let trouvee = dizaine * 10 + unite;
        let attendue = cle(&corps);
        if trouvee != attendue {
            return Err(NirInvalide::CleIncorrecte { trouvee, attendue });
        }
        Ok(Self(normalise))
    }

    /// The 15 characters, without spaces, `2A` / `2B` upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The key of a 13-digit number (Corsica already replaced): 97 − (number mod 97), from 1 to 97.
fn cle(corps: &[u8; 13]) -> u8 {
    let nombre = corps.iter().fold(0u64, |n, &d| n * 10 + u64::from(d));
    (97 - nombre % 97) as u8
}

impl std::fmt::Display for Nir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Nir {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let texte = String::deserialize(d)?;
        Nir::parse(&texte).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expect: Result<&str, NirInvalide>) {
        let actual = Nir::parse(input);
        assert_eq!(
            actual.as_ref().map(Nir::as_str).map_err(Clone::clone),
            expect,
            "input: {input:?}"
        );
    }

    #[test]
    fn accepts_valid_numbers_and_strips_spaces() {
        // 2550814168025 mod 97 = 59 → key 97 − 59 = 38.
        check("2 55 08 14 168 025 38", Ok("255081416802538"));
        check("255081416802538", Ok("255081416802538"));
        // 7550814168025 mod 97 = 18 → key 79 (temporary number, sex digit 7).
        check("7 55 08 14 168 025 79", Ok("755081416802579"));
        // 8550814168025 mod 97 = 68 → key 29 (temporary number, sex digit 8).
        check("8 55 08 14 168 025 29", Ok("855081416802529"));
    }

    #[test]
    fn key_bounds_are_01_and_97() {
        // 1000000000047 = 97 × 10309278351 → mod 97 = 0 → key 97.
        check("1 00 00 00 000 047 97", Ok("100000000004797"));
        // 1000000000046 mod 97 = 96 → key 01.
        check("1 00 00 00 000 046 01", Ok("100000000004601"));
    }

    #[test]
    fn accepts_corsica_2a_and_2b() {
        // 1 90 03 2A 004 123: 2A → 19 gives 1900319004123; mod 97 = 27 → key 97 − 27 = 70.
        check("1 90 03 2A 004 123 70", Ok("190032A00412370"));
        check("1 90 03 2a 004 123 70", Ok("190032A00412370"));
        // 2 76 11 2B 033 045: 2B → 18 gives 2761118033045; mod 97 = 28 → key 97 − 28 = 69.
        check("2 76 11 2B 033 045 69", Ok("276112B03304569"));
        check("276112b03304569", Ok("276112B03304569"));
    }

    #[test]
    fn refuses_wrong_key() {
        check(
            "2 55 08 14 168 025 39",
            Err(NirInvalide::CleIncorrecte {
                trouvee: 39,
                attendue: 38,
            }),
        );
        check(
            "2 55 08 14 168 025 00",
            Err(NirInvalide::CleIncorrecte {
                trouvee: 0,
                attendue: 38,
            }),
        );
        // The key of 1900320004123 (2A read as 20) is 43, not the 70 that 2A → 19 gives.
        check(
            "1 90 03 2A 004 123 43",
            Err(NirInvalide::CleIncorrecte {
                trouvee: 43,
                attendue: 70,
            }),
        );
        // 2A and 2B do not share a key: 2B → 18 gives 1900318004123, mod 97 = 0 → key 97.
        check(
            "1 90 03 2B 004 123 70",
            Err(NirInvalide::CleIncorrecte {
                trouvee: 70,
                attendue: 97,
            }),
        );
    }

    #[test]
    fn refuses_wrong_length() {
        check("", Err(NirInvalide::Longueur { caracteres: 0 }));
        check(
            "2 55 08 14 168 025",
            Err(NirInvalide::Longueur { caracteres: 13 }),
        );
        check(
            "2 55 08 14 168 025 3",
            Err(NirInvalide::Longueur { caracteres: 14 }),
        );
        check(
            "2 55 08 14 168 025 380",
            Err(NirInvalide::Longueur { caracteres: 16 }),
        );
    }

    #[test]
    fn refuses_letters_outside_corsica() {
        check(
            "2 55 08 14 168 O25 38",
            Err(NirInvalide::CaractereInvalide {
                position: 11,
                caractere: 'O',
            }),
        );
        check(
            "2A5081416802538",
            Err(NirInvalide::CaractereInvalide {
                position: 2,
                caractere: 'A',
            }),
        );
        check(
            "1 90 03 3A 004 123 70",
            Err(NirInvalide::CaractereInvalide {
                position: 7,
                caractere: 'A',
            }),
        );
        check(
            "1 90 03 2C 004 123 70",
            Err(NirInvalide::CaractereInvalide {
                position: 7,
                caractere: 'C',
            }),
        );
        check(
            "1 90 03 A2 004 123 70",
            Err(NirInvalide::CaractereInvalide {
                position: 6,
                caractere: 'A',
            }),
        );
        check(
            "1 90 03 2A 004 123 7A",
            Err(NirInvalide::CaractereInvalide {
                position: 15,
                caractere: 'A',
            }),
        );
        check(
            "2-55-08",
            Err(NirInvalide::CaractereInvalide {
                position: 2,
                caractere: '-',
            }),
        );
    }

    #[test]
    fn refuses_unknown_sex_digit() {
        for sexe in [0, 5, 6, 9] {
            check(
                &format!("{sexe}55081416802538"),
                Err(NirInvalide::Sexe { chiffre: sexe }),
            );
        }
    }

    #[test]
    fn every_error_has_the_code_and_a_french_message() {
        let erreur = Nir::parse("1 90 03 2A 004 123 43").unwrap_err();
        assert_eq!(erreur.code(), "nir_invalide");
        assert_eq!(erreur.to_string(), "NIR erroné : la clé est 43, 70 attendue");
        let erreur = Nir::parse("2 55 08 14 168 025 00").unwrap_err();
        assert_eq!(erreur.to_string(), "NIR erroné : la clé est 00, 38 attendue");
        for input in ["", "x", "955081416802538"] {
            assert_eq!(Nir::parse(input).unwrap_err().code(), "nir_invalide");
        }
    }

    #[test]
    fn json_is_the_normalised_string_and_refuses_invalid() {
        let nir = Nir::parse("1 90 03 2a 004 123 70").unwrap();
        assert_eq!(nir.to_string(), "190032A00412370");
        let json = serde_json::to_string(&nir).unwrap();
        assert_eq!(json, r#""190032A00412370""#);
        assert_eq!(serde_json::from_str::<Nir>(&json).unwrap(), nir);
        assert!(serde_json::from_str::<Nir>(r#""190032A00412343""#).is_err());
    }

    /// The key as DOMAIN.md states it, written apart from [`cle`] so the two check each other.
    fn cle_de_reference(corps: &str) -> u64 {
        let chiffres = corps.replace("2A", "19").replace("2B", "18");
        97 - chiffres.parse::<u64>().unwrap() % 97
    }

    proptest! {
        #[test]
        fn number_with_its_key_parses_and_round_trips(
            debut in "[123478][0-9]{4}",
            departement in "[0-9]{2}|2[AaBb]",
            fin in "[0-9]{6}",
        ) {
            let corps = format!("{debut}{}{fin}", departement.to_ascii_uppercase());
            let cle = cle_de_reference(&corps);
            let nir = Nir::parse(&format!("{debut}{departement}{fin}{cle:02}")).unwrap();
            prop_assert_eq!(nir.as_str(), format!("{corps}{cle:02}"));
            prop_assert_eq!(Nir::parse(nir.as_str()).unwrap(), nir);
        }

        #[test]
        fn any_other_key_is_refused(
            debut in "[123478][0-9]{4}",
            departement in "[0-9]{2}|2[AB]",
            fin in "[0-9]{6}",
            faux in 0u64..100,
        ) {
            let corps = format!("{debut}{departement}{fin}");
            prop_assume!(faux != cle_de_reference(&corps));
            let refus = Nir::parse(&format!("{corps}{faux:02}"));
            let est_cle_incorrecte = matches!(refus, Err(NirInvalide::CleIncorrecte { .. }));
            prop_assert!(est_cle_incorrecte);
        }
    }

    #[test]
    fn debug_does_not_show_the_number() {
        let nir = Nir::parse("1 90 03 2A 004 123 70").unwrap();
        assert_eq!(format!("{nir:?}"), "Nir(***)");
    }
}

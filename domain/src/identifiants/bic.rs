//! The BIC of a bank (ISO 9362, "code SWIFT"), given with an IBAN.
//!
//! A BIC has no check digit: what can be checked is its shape — 4 letters for the bank, 2 for the
//! country, 2 letters or digits for the location, and optionally 3 more for the branch.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// Length of a BIC without a branch code.
pub const BIC_CARACTERES_COURT: usize = 8;
/// Length of a BIC with a branch code.
pub const BIC_CARACTERES_LONG: usize = 11;

/// A BIC: 8 or 11 characters, upper case, without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Bic(String);

/// Why a BIC was refused; positions count from 1, once white space is removed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BicInvalide {
    /// Not 8 nor 11 characters.
    #[error("un BIC compte {BIC_CARACTERES_COURT} ou {BIC_CARACTERES_LONG} caractères ({caracteres} donnés)")]
    Longueur {
        /// How many characters were given (counting stops past [`BIC_CARACTERES_LONG`]).
        caracteres: usize,
    },
    /// A character that does not belong where it is.
    #[error("caractère {caractere:?} en position {position} : {attendu} attendu dans un BIC")]
    CaractereInvalide {
        /// Where, from 1, white space not counted.
        position: usize,
        /// The character found.
        caractere: char,
        /// What that position holds (`une lettre (banque)`…).
        attendu: &'static str,
    },
}

impl Code for BicInvalide {
    fn code(&self) -> &'static str {
        "bic_invalide"
    }
}

/// What position `i` (from 0) of a BIC holds, and whether `c` (upper case) fits.
fn attendu(i: usize, c: char) -> Result<(), &'static str> {
    match i {
        0..=3 if c.is_ascii_uppercase() => Ok(()),
        0..=3 => Err("une lettre (banque)"),
        4..=5 if c.is_ascii_uppercase() => Ok(()),
        4..=5 => Err("une lettre (pays)"),
        _ if c.is_ascii_uppercase() || c.is_ascii_digit() => Ok(()),
        6..=7 => Err("une lettre ou un chiffre (localité)"),
        _ => Err("une lettre ou un chiffre (agence)"),
    }
}

impl Bic {
    /// Parses a BIC; white space is allowed anywhere and removed, letters are stored upper case.
    pub fn parse(input: &str) -> Result<Self, BicInvalide> {
        let mut normalise = String::with_capacity(BIC_CARACTERES_LONG);
        let mut caracteres = 0;
        for (i, caractere) in input.chars().filter(|c| !c.is_whitespace()).enumerate() {
            caracteres = i + 1;
            // Past the longest BIC there is nothing left to learn: stop reading.
            if caracteres > BIC_CARACTERES_LONG {
                break;
            }
            let majuscule = caractere.to_ascii_uppercase();
            attendu(i, majuscule).map_err(|attendu| BicInvalide::CaractereInvalide {
                position: caracteres,
                caractere,
                attendu,
            })?;
            normalise.push(majuscule);
        }
        if caracteres != BIC_CARACTERES_COURT && caracteres != BIC_CARACTERES_LONG {
            return Err(BicInvalide::Longueur { caracteres });
        }
        Ok(Self(normalise))
    }

    /// The BIC, upper case, without spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country code (`FR`).
    pub fn pays(&self) -> &str {
        &self.0[4..6]
    }
}

impl std::fmt::Display for Bic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let texte = String::deserialize(d)?;
        Bic::parse(&texte).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expect: Result<&str, BicInvalide>) {
        let actual = Bic::parse(input);
        assert_eq!(
            actual.as_ref().map(Bic::as_str).map_err(Clone::clone),
            expect,
            "input: {input:?}"
        );
    }

    #[test]
    fn accepts_8_and_11_characters_and_normalises() {
        check("BNPAFRPP", Ok("BNPAFRPP"));
        check("BNPAFRPPXXX", Ok("BNPAFRPPXXX"));
        check("SOGEFRPP", Ok("SOGEFRPP"));
        check("deutdeff500", Ok("DEUTDEFF500"));
        check(" CCBP FRPP MTG ", Ok("CCBPFRPPMTG"));
        // A location with a digit (here a test BIC's "0").
        check("AGRIFRP1", Ok("AGRIFRP1"));
        check("CMCIFR2A", Ok("CMCIFR2A"));
        assert_eq!(Bic::parse("BNPAFRPP").unwrap().pays(), "FR");
    }

    #[test]
    fn refuses_other_lengths() {
        check("", Err(BicInvalide::Longueur { caracteres: 0 }));
        check("BNPAFRP", Err(BicInvalide::Longueur { caracteres: 7 }));
        check("BNPAFRPPX", Err(BicInvalide::Longueur { caracteres: 9 }));
        check("BNPAFRPPXX", Err(BicInvalide::Longueur { caracteres: 10 }));
        check(
            &format!("BNPAFRPPXXX{}", "X".repeat(500)),
            Err(BicInvalide::Longueur { caracteres: 12 }),
        );
    }

    #[test]
    fn refuses_a_character_out_of_place() {
        check(
            "BNP1FRPP",
            Err(BicInvalide::CaractereInvalide {
                position: 4,
                caractere: '1',
                attendu: "une lettre (banque)",
            }),
        );
        check(
            "BNPAF1PP",
            Err(BicInvalide::CaractereInvalide {
                position: 6,
                caractere: '1',
                attendu: "une lettre (pays)",
            }),
        );
        check(
            "BNPAFRP-",
            Err(BicInvalide::CaractereInvalide {
                position: 8,
                caractere: '-',
                attendu: "une lettre ou un chiffre (localité)",
            }),
        );
        check(
            "BNPAFRPPXX_",
            Err(BicInvalide::CaractereInvalide {
                position: 11,
                caractere: '_',
                attendu: "une lettre ou un chiffre (agence)",
            }),
        );
        check(
            "BNPÉFRPP",
            Err(BicInvalide::CaractereInvalide {
                position: 4,
                caractere: 'É',
                attendu: "une lettre (banque)",
            }),
        );
    }

    #[test]
    fn every_error_has_the_code_and_a_french_message() {
        let erreur = Bic::parse("BNPAF1PP").unwrap_err();
        assert_eq!(erreur.code(), "bic_invalide");
        assert_eq!(
            erreur.to_string(),
            "caractère '1' en position 6 : une lettre (pays) attendu dans un BIC"
        );
        assert_eq!(
            Bic::parse("BNPA").unwrap_err().to_string(),
            "un BIC compte 8 ou 11 caractères (4 donnés)"
        );
    }

    #[test]
    fn json_is_the_normalised_string_and_refuses_invalid() {
        let bic = Bic::parse("bnpa frpp").unwrap();
        let json = serde_json::to_string(&bic).unwrap();
        assert_eq!(json, r#""BNPAFRPP""#);
        assert_eq!(serde_json::from_str::<Bic>(&json).unwrap(), bic);
        assert!(serde_json::from_str::<Bic>(r#""BNPAFR""#).is_err());
    }

    proptest! {
        #[test]
        fn any_well_shaped_bic_parses_upper_case(bic in "[A-Za-z]{6}[0-9A-Za-z]{2}([0-9A-Za-z]{3})?") {
            let lu = Bic::parse(&bic).unwrap();
            prop_assert_eq!(lu.as_str(), bic.to_ascii_uppercase());
            prop_assert_eq!(Bic::parse(lu.as_str()).unwrap(), lu);
        }
    }
}

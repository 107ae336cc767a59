//! The RPPS number, a praticien's national professional identifier.
//!
//! Checked once, when parsed: its Luhn check digit catches any single mistyped digit and most swaps of
//! two neighbours, so a typo is refused at the door instead of naming the wrong praticien.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// Number of digits of an RPPS number, check digit included.
pub const RPPS_CHIFFRES: usize = 11;

/// A praticien's RPPS number: 11 digits, the last one a Luhn check digit over the other ten.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Rpps(String);

/// Why an RPPS number was refused; positions count from 1, once white space is removed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RppsInvalide {
    /// A character other than a digit or white space.
    #[error("caractère {caractere:?} en position {position} : un numéro RPPS ne contient que des chiffres")]
    CaractereNonChiffre {
        /// Where, from 1, white space not counted.
        position: usize,
        /// The character found.
        caractere: char,
    },
    /// Not [`RPPS_CHIFFRES`] digits.
    #[error("un numéro RPPS compte {RPPS_CHIFFRES} chiffres ({chiffres} donnés)")]
    Longueur {
        /// How many digits were given.
        chiffres: usize,
    },
    /// The last digit is not the Luhn check digit of the first ten.
    #[error("numéro RPPS erroné : le chiffre de contrôle est {trouve}, {attendu} attendu")]
    CleIncorrecte {
        /// The check digit given.
        trouve: u8,
        /// The check digit the first ten digits call for.
        attendu: u8,
    },
}

impl Code for RppsInvalide {
    fn code(&self) -> &'static str {
        "rpps_invalide"
    }
}

impl Rpps {
    /// Parses an RPPS number; white space is allowed anywhere and removed.
    pub fn parse(input: &str) -> Result<Self, RppsInvalide> {
        let mut chiffres = Vec::with_capacity(RPPS_CHIFFRES);
        for (i, caractere) in input.chars().filter(|c| !c.is_whitespace()).enumerate() {
            match caractere.to_digit(10) {
                Some(d) => chiffres.push(d as u8),
                None => {
                    return Err(RppsInvalide::CaractereNonChiffre {
                        position: i + 1,
                        caractere,
                    });
                }
            }
        }
        let chiffres: [u8; RPPS_CHIFFRES] =
            chiffres
                .try_into()
                .map_err(|donnes: Vec<u8>| RppsInvalide::Longueur {
                    chiffres: donnes.len(),
                })?;
        let [prefixe @ .., trouve] = chiffres;
        let attendu = cle_luhn(&prefixe);
        if trouve != attendu {
            return Err(RppsInvalide::CleIncorrecte { trouve, attendu });
        }
        Ok(Self(chiffres.iter().map(|d| char::from(b'0' + d)).collect()))
    }

    /// The 11 digits, without spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The Luhn check digit to append to `prefixe` (digits 0 to 9).
fn cle_luhn(prefixe: &[u8]) -> u8 {
    // From the right, every other digit is doubled, starting with the one next to the check digit.
    let somme: u32 = prefixe
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let double = d * 2;
                if double > 9 { double - 9 } else { double }
            } else {
                d
            }
        })
        .sum();
    ((10 - somme % 10) % 10) as u8
}

impl std::fmt::Display for Rpps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Rpps {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let texte = String::deserialize(d)?;
        Rpps::parse(&texte).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expect: Result<&str, RppsInvalide>) {
        let actual = Rpps::parse(input);
        assert_eq!(
            actual.as_ref().map(Rpps::as_str).map_err(Clone::clone),
            expect,
            "input: {input:?}"
        );
    }

    #[test]
    fn accepts_valid_numbers_and_strips_spaces() {
        // 1000382976 → Luhn sum 32 → check digit 8.
        check("10003829768", Ok("10003829768"));
        check("1 00 03 82 97 68", Ok("10003829768"));
        check("  10003829768\t", Ok("10003829768"));
        // 1000000000 → Luhn sum 1 → check digit 9.
        check("10000000009", Ok("10000000009"));
        // 8100012345 → Luhn sum 25 → check digit 5.
        check("810 001 234 55", Ok("81000123455"));
    }

    #[test]
    fn refuses_wrong_check_digit() {
        check(
            "10003829767",
            Err(RppsInvalide::CleIncorrecte {
                trouve: 7,
                attendu: 8,
            }),
        );
        // Two neighbours swapped (…976… typed …967…): 1000382967 calls for 7.
        check(
            "10003829678",
            Err(RppsInvalide::CleIncorrecte {
                trouve: 8,
                attendu: 7,
            }),
        );
    }

    #[test]
    fn refuses_wrong_length() {
        check("", Err(RppsInvalide::Longueur { chiffres: 0 }));
        check("   ", Err(RppsInvalide::Longueur { chiffres: 0 }));
        check("1000382976", Err(RppsInvalide::Longueur { chiffres: 10 }));
        check("100038297680", Err(RppsInvalide::Longueur { chiffres: 12 }));
    }

    #[test]
    fn refuses_letters_and_punctuation() {
        check(
            "1000382976A",
            Err(RppsInvalide::CaractereNonChiffre {
                position: 11,
                caractere: 'A',
            }),
        );
        check(
            "1 000 x",
            Err(RppsInvalide::CaractereNonChiffre {
                position: 5,
                caractere: 'x',
            }),
        );
        check(
            "10003-829768",
            Err(RppsInvalide::CaractereNonChiffre {
                position: 6,
                caractere: '-',
            }),
        );
        // Not an ASCII digit, though Unicode calls it one.
        check(
            "1000382976٨",
            Err(RppsInvalide::CaractereNonChiffre {
                position: 11,
                caractere: '٨',
            }),
        );
    }

    #[test]
    fn every_error_has_the_code_and_a_french_message() {
        let erreur = Rpps::parse("10003829767").unwrap_err();
        assert_eq!(erreur.code(), "rpps_invalide");
        assert_eq!(
            erreur.to_string(),
            "numéro RPPS erroné : le chiffre de contrôle est 7, 8 attendu"
        );
        assert_eq!(Rpps::parse("12").unwrap_err().code(), "rpps_invalide");
        assert_eq!(Rpps::parse("a").unwrap_err().code(), "rpps_invalide");
    }

    #[test]
    fn json_is_the_normalised_string_and_refuses_invalid() {
        let rpps = Rpps::parse("1 00 03 82 97 68").unwrap();
        assert_eq!(rpps.to_string(), "10003829768");
        let json = serde_json::to_string(&rpps).unwrap();
        assert_eq!(json, r#""10003829768""#);
        assert_eq!(serde_json::from_str::<Rpps>(&json).unwrap(), rpps);
        assert!(serde_json::from_str::<Rpps>(r#""10003829767""#).is_err());
    }

    proptest! {
        #[test]
        fn prefix_with_its_luhn_digit_parses(prefixe in "[0-9]{10}") {
            let chiffres: Vec<u8> = prefixe.bytes().map(|b| b - b'0').collect();
            let numero = format!("{prefixe}{}", cle_luhn(&chiffres));
            let rpps = Rpps::parse(&numero).unwrap();
            prop_assert_eq!(rpps.as_str(), numero.as_str());
            prop_assert_eq!(Rpps::parse(rpps.as_str()).unwrap(), rpps);
        }

        #[test]
        fn any_other_last_digit_is_refused(prefixe in "[0-9]{10}", decalage in 1u8..10) {
            let chiffres: Vec<u8> = prefixe.bytes().map(|b| b - b'0').collect();
            let faux = (cle_luhn(&chiffres) + decalage) % 10;
            let refus = Rpps::parse(&format!("{prefixe}{faux}"));
            let est_cle_incorrecte = matches!(refus, Err(RppsInvalide::CleIncorrecte { .. }));
            prop_assert!(est_cle_incorrecte);
        }
    }
}

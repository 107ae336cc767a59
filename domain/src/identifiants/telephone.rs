//! A phone number, normalised to E.164 (`+33612345678`).
//!
//! However it was typed (`06 12 34 56 78`, `+33 (0)6…`, `0033…`), a number is stored in the one form an
//! SMS gateway dials, so reminders reach the patient and two spellings of one number compare equal. The
//! overseas départements have their own country codes, which is how a `0692…` number is reached.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// Fewest digits of an international number, country code included.
pub const TELEPHONE_CHIFFRES_MIN: usize = 8;
/// Most digits of an international number, country code included (E.164).
pub const TELEPHONE_CHIFFRES_MAX: usize = 15;
/// Digits of a French number written nationally, its leading 0 included.
pub const NATIONAL_CHIFFRES: usize = 10;

/// France's country code, under which national numbers are dialled from abroad.
const INDICATIF_FRANCE: &str = "33";

/// National prefixes (leading 0 included) of overseas départements with their own country code.
const OUTRE_MER: [(&str, &str); 13] = [
    // La Réunion.
    ("0262", "262"),
    ("0692", "262"),
    ("0693", "262"),
    // Mayotte.
    ("0269", "262"),
    ("0639", "262"),
    // Guadeloupe.
    ("0590", "590"),
    ("0690", "590"),
    ("0691", "590"),
    // Guyane.
    ("0594", "594"),
    ("0694", "594"),
    // Martinique.
    ("0596", "596"),
    ("0696", "596"),
    ("0697", "596"),
];

/// A phone number in E.164 form: `+`, then 8 to 15 digits, country code first.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Telephone(String);

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TelephoneInvalide {
    /// Nothing but separators.
    #[error("le numéro de téléphone est vide")]
    Vide,
    /// A character other than digits, white space, `.`, `-`, a leading `+` or a `(0)` after it.
    #[error(
        "caractère {caractere:?} inattendu dans le numéro de téléphone \
         (seuls les chiffres, espaces, points, tirets et un + initial sont admis)"
    )]
    CaractereInvalide {
        /// The character found.
        caractere: char,
    },
    /// Starts with neither 0 (French number) nor `+` or `00` (international number).
    #[error("le numéro doit commencer par 0 (numéro français) ou par + ou 00 (numéro international)")]
    Format,
    /// A French number, written from 0, that is not [`NATIONAL_CHIFFRES`] digits.
    #[error("un numéro français compte {NATIONAL_CHIFFRES} chiffres ({chiffres} donnés)")]
    LongueurNationale {
        /// How many digits were given.
        chiffres: usize,
    },
    /// After `+33`, not the 9 digits of a French number without its leading 0.
    #[error(
        "après l'indicatif +33 viennent les 9 chiffres du numéro, sans son 0 initial (« {numero} » donné)"
    )]
    NumeroFrancais {
        /// The digits given after `33`.
        numero: String,
    },
    /// A country code starting with 0.
    #[error("l'indicatif pays ne commence jamais par 0")]
    IndicatifInvalide,
    /// An international number outside [`TELEPHONE_CHIFFRES_MIN`]..=[`TELEPHONE_CHIFFRES_MAX`] digits.
    #[error(
        "un numéro international compte de {TELEPHONE_CHIFFRES_MIN} à {TELEPHONE_CHIFFRES_MAX} chiffres, \
         indicatif compris ({chiffres} donnés)"
    )]
    LongueurInternationale {
        /// How many digits were given, country code included.
        chiffres: usize,
    },
}

impl Code for TelephoneInvalide {
    fn code(&self) -> &'static str {
        "telephone_invalide"
    }
}

impl Telephone {
    /// Parses a French (`0…`) or international (`+…`, `00…`) number, ignoring spaces, dots and dashes.
    pub fn parse(input: &str) -> Result<Self, TelephoneInvalide> {
        let compact: String = input
            .chars()
            .filter(|&c| !(c.is_whitespace() || c == '.' || c == '-'))
            .collect();
        if compact.is_empty() {
            return Err(TelephoneInvalide::Vide);
        }
        let international = compact.strip_prefix('+').or_else(|| compact.strip_prefix("00"));
        let chiffres = match international {
            Some(reste) => sans_zero_entre_parentheses(reste),
            None => compact.clone(),
        };
        if let Some(caractere) = chiffres.chars().find(|c| !c.is_ascii_digit()) {
            return Err(TelephoneInvalide::CaractereInvalide { caractere });
        }
        if international.is_some() {
            Self::international(&chiffres)
        } else if chiffres.starts_with('0') {
            Self::national(&chiffres)
        } else {
            Err(TelephoneInvalide::Format)
        }
    }

    /// The number in E.164 form, such as `+33612345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `chiffres`: the digits after `+` or `00`.
    fn international(chiffres: &str) -> Result<Self, TelephoneInvalide> {
        if chiffres.starts_with('0') {
            return Err(TelephoneInvalide::IndicatifInvalide);
        }
        if let Some(numero) = chiffres.strip_prefix(INDICATIF_FRANCE) {
            // Read as the national number it is, so `+33 692…` gets La Réunion's code as `0692…` does.
            if numero.len() != NATIONAL_CHIFFRES - 1 || numero.starts_with('0') {
                return Err(TelephoneInvalide::NumeroFrancais {
                    numero: numero.to_owned(),
                });
            }
            return Self::national(&format!("0{numero}"));
        }
        if !(TELEPHONE_CHIFFRES_MIN..=TELEPHONE_CHIFFRES_MAX).contains(&chiffres.len()) {
            return Err(TelephoneInvalide::LongueurInternationale {
                chiffres: chiffres.len(),
            });
        }
        Ok(Self(format!("+{chiffres}")))
    }

    /// `chiffres`: ASCII digits, the first one 0.
    fn national(chiffres: &str) -> Result<Self, TelephoneInvalide> {
        if chiffres.len() != NATIONAL_CHIFFRES {
            return Err(TelephoneInvalide::LongueurNationale {
                chiffres: chiffres.len(),
            });
        }
        let indicatif = OUTRE_MER
            .iter()
            .find(|(prefixe, _)| chiffres.starts_with(prefixe))
            .map_or(INDICATIF_FRANCE, |&(_, indicatif)| indicatif);
        let sans_zero = chiffres.strip_prefix('0').unwrap_or(chiffres);
        Ok(Self(format!("+{indicatif}{sans_zero}")))
    }
}

/// Drops the `(0)` some write after the country code (`+33 (0)6…`): the national 0 is not dialled.
fn sans_zero_entre_parentheses(international: &str) -> String {
    match international.split_once("(0)") {
        Some((indicatif, reste)) if !indicatif.is_empty() => format!("{indicatif}{reste}"),
        _ => international.to_owned(),
    }
}

impl std::fmt::Display for Telephone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Telephone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let texte = String::deserialize(d)?;
        Telephone::parse(&texte).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expect: Result<&str, TelephoneInvalide>) {
        let actual = Telephone::parse(input);
        assert_eq!(
            actual.as_ref().map(Telephone::as_str).map_err(Clone::clone),
            expect,
            "input: {input:?}"
        );
    }

    fn caractere(c: char) -> TelephoneInvalide {
        TelephoneInvalide::CaractereInvalide { caractere: c }
    }

    #[test]
    fn accepts_the_usual_ways_of_writing_a_french_mobile() {
        for input in [
            "06 12 34 56 78",
            "06.12.34.56.78",
            "06-12-34-56-78",
            "0612345678",
            " 06 12 34 56 78 ",
            "+33 6 12 34 56 78",
            "+33612345678",
            "0033612345678",
            "00 33 6 12 34 56 78",
            "+33 (0)6 12 34 56 78",
            "+33(0)612345678",
        ] {
            check(input, Ok("+33612345678"));
        }
    }

    #[test]
    fn french_numbers_drop_their_leading_zero_under_33() {
        check("01 23 45 67 89", Ok("+33123456789"));
        check("09 87 65 43 21", Ok("+33987654321"));
        check("07 00 00 00 00", Ok("+33700000000"));
    }

    #[test]
    fn overseas_departements_get_their_own_country_code() {
        check("0692 12 34 56", Ok("+262692123456"));
        check("0693 12 34 56", Ok("+262693123456"));
        check("0262 12 34 56", Ok("+262262123456"));
        check("0269 12 34 56", Ok("+262269123456"));
        check("0639 12 34 56", Ok("+262639123456"));
        check("0590 12 34 56", Ok("+590590123456"));
        check("0690 12 34 56", Ok("+590690123456"));
        check("0691 12 34 56", Ok("+590691123456"));
        check("0594 12 34 56", Ok("+594594123456"));
        check("0694 12 34 56", Ok("+594694123456"));
        check("0596 12 34 56", Ok("+596596123456"));
        check("0696 12 34 56", Ok("+596696123456"));
        check("0697 12 34 56", Ok("+596697123456"));
        // Written under +33, they are still reached through their own code.
        check("+33 692 12 34 56", Ok("+262692123456"));
        check("+33 (0)596 12 34 56", Ok("+596596123456"));
        // Already in international form: unchanged.
        check("+262 692 12 34 56", Ok("+262692123456"));
        check("00590 690 12 34 56", Ok("+590690123456"));
        // Neighbouring metropolitan prefixes stay under +33.
        check("0695 12 34 56", Ok("+33695123456"));
        check("0263 12 34 56", Ok("+33263123456"));
    }

    #[test]
    fn accepts_international_numbers() {
        check("+1 415 555 2671", Ok("+14155552671"));
        check("0044 20 7946 0958", Ok("+442079460958"));
        check("+49 (0)30 1234567", Ok("+49301234567"));
        check("+32.2.123.45.67", Ok("+3221234567"));
        check(
            "+1234567",
            Err(TelephoneInvalide::LongueurInternationale { chiffres: 7 }),
        );
        check("+12345678", Ok("+12345678"));
        check("+123456789012345", Ok("+123456789012345"));
        check(
            "+1234567890123456",
            Err(TelephoneInvalide::LongueurInternationale { chiffres: 16 }),
        );
        check(
            "+",
            Err(TelephoneInvalide::LongueurInternationale { chiffres: 0 }),
        );
    }

    #[test]
    fn refuses_country_codes_starting_with_zero() {
        check("+0 123 456 789", Err(TelephoneInvalide::IndicatifInvalide));
        check("+0033 6 12 34 56 78", Err(TelephoneInvalide::IndicatifInvalide));
        check("000 123 456 789", Err(TelephoneInvalide::IndicatifInvalide));
    }

    #[test]
    fn refuses_french_numbers_of_the_wrong_length() {
        check(
            "06 12 34 56 7",
            Err(TelephoneInvalide::LongueurNationale { chiffres: 9 }),
        );
        check(
            "06 12 34 56 789",
            Err(TelephoneInvalide::LongueurNationale { chiffres: 11 }),
        );
        check("0", Err(TelephoneInvalide::LongueurNationale { chiffres: 1 }));
        let francais = |numero: &str| {
            Err(TelephoneInvalide::NumeroFrancais {
                numero: numero.to_owned(),
            })
        };
        check("+33 6 12 34 56 7", francais("61234567"));
        check("+33 6 12 34 56 789", francais("6123456789"));
        check("+33 06 12 34 56 78", francais("0612345678"));
        check("+33", francais(""));
    }

    #[test]
    fn refuses_numbers_without_a_prefix() {
        check("6 12 34 56 78", Err(TelephoneInvalide::Format));
        check("33 6 12 34 56 78", Err(TelephoneInvalide::Format));
    }

    #[test]
    fn refuses_other_characters() {
        check("", Err(TelephoneInvalide::Vide));
        check(" . - ", Err(TelephoneInvalide::Vide));
        check("06 12 AB 56 78", Err(caractere('A')));
        check("06/12/34/56/78", Err(caractere('/')));
        check("(0)6 12 34 56 78", Err(caractere('(')));
        check("+(0)33 6 12 34 56 78", Err(caractere('(')));
        check("+33 (0)(0)6 12 34 56 78", Err(caractere('(')));
        check("+33 (6) 12 34 56 78", Err(caractere('(')));
        check("06 12 34 56 78 +", Err(caractere('+')));
        check("++33 6 12 34 56 78", Err(caractere('+')));
    }

    #[test]
    fn every_error_has_the_code_and_a_french_message() {
        let erreur = Telephone::parse("06 12 34 56 7").unwrap_err();
        assert_eq!(erreur.code(), "telephone_invalide");
        assert_eq!(
            erreur.to_string(),
            "un numéro français compte 10 chiffres (9 donnés)"
        );
        for input in ["", "x", "612345678", "+0", "+33", "+1"] {
            assert_eq!(Telephone::parse(input).unwrap_err().code(), "telephone_invalide");
        }
    }

    #[test]
    fn json_is_the_normalised_string_and_refuses_invalid() {
        let telephone = Telephone::parse("06 12 34 56 78").unwrap();
        assert_eq!(telephone.to_string(), "+33612345678");
        let json = serde_json::to_string(&telephone).unwrap();
        assert_eq!(json, r#""+33612345678""#);
        assert_eq!(serde_json::from_str::<Telephone>(&json).unwrap(), telephone);
        assert!(serde_json::from_str::<Telephone>(r#""06 12""#).is_err());
    }

    proptest! {
        #[test]
        fn any_french_number_parses_whatever_the_separators(
            numero in "0[1-9][0-9]{8}",
            separateurs in proptest::collection::vec("[ .-]?", 10),
        ) {
            let ecrit: String =
                numero.chars().zip(&separateurs).flat_map(|(c, s)| [c.to_string(), s.clone()]).collect();
            let telephone = Telephone::parse(&ecrit).unwrap();
            prop_assert_eq!(Telephone::parse(&numero).unwrap(), telephone.clone());
            prop_assert!(telephone.as_str().ends_with(&numero[1..]));
            prop_assert_eq!(Telephone::parse(telephone.as_str()).unwrap(), telephone);
        }

        #[test]
        fn international_numbers_round_trip(numero in "\\+[1-9][0-9]{7,14}") {
            if let Ok(telephone) = Telephone::parse(&numero) {
                prop_assert_eq!(Telephone::parse(telephone.as_str()).unwrap(), telephone.clone());
                if !numero.starts_with("+33") {
                    prop_assert_eq!(telephone.as_str(), numero.as_str());
                }
            } else {
                prop_assert!(numero.starts_with("+33"));
            }
        }
    }
}

//! The IBAN of a bank account (ISO 13616), where a praticien is paid.
//!
//! Checked once, when parsed: the country must be one of the registry's, with its exact length, and the
//! whole number must pass the ISO 7064 mod-97 check, which catches any single mistyped character and
//! most swaps of two neighbours. A typo is refused at the door instead of sending money elsewhere.
//!
//! An IBAN is personal data: its `Debug` shows only the country and the last 4 characters, and
//! [`Iban::masque`] gives the same for an answer that need not show it all.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// The longest IBAN of the registry (ISO 13616: at most 34 characters).
pub const IBAN_CARACTERES_MAX: usize = 34;

/// Length of an IBAN, country code and check digits included, per country (SWIFT IBAN registry): every
/// SEPA country and the other countries of the registry. French overseas départements and territories use
/// `FR`; Monaco its own `MC`.
const LONGUEURS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

/// The number of characters of an IBAN of `pays`, if the registry knows that country.
pub fn longueur_du_pays(pays: &str) -> Option<usize> {
    LONGUEURS
        .binary_search_by(|(code, _)| (*code).cmp(pays))
        .ok()
        .and_then(|i| LONGUEURS.get(i))
        .map(|(_, longueur)| *longueur)
}

/// An IBAN: upper case, without spaces, of a known country and length, passing the mod-97 check.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Iban(String);

/// Redacted: a bank account number must not reach a log line through `{:?}`.
impl std::fmt::Debug for Iban {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Iban({}…{})", self.pays(), self.fin())
    }
}

/// Why an IBAN was refused; positions count from 1, once white space is removed. The messages never
/// repeat the number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IbanInvalide {
    /// A character other than a letter, a digit or white space.
    #[error(
        "caractère {caractere:?} en position {position} : un IBAN ne contient que des lettres et des \
         chiffres"
    )]
    CaractereInvalide {
        /// Where, from 1, white space not counted.
        position: usize,
        /// The character found.
        caractere: char,
    },
    /// Does not start with two letters (the country) and two digits (the key).
    #[error("un IBAN commence par deux lettres (le pays) suivies de deux chiffres (la clé)")]
    Debut,
    /// A country the IBAN registry does not know.
    #[error("IBAN : pays {pays} inconnu du registre des IBAN")]
    PaysInconnu {
        /// The two letters given.
        pays: String,
    },
    /// Not the length of its country's IBANs.
    #[error("un IBAN {pays} compte {attendus} caractères ({caracteres} donnés)")]
    Longueur {
        /// The country.
        pays: String,
        /// Its IBANs' length.
        attendus: usize,
        /// How many characters were given (counting stops past [`IBAN_CARACTERES_MAX`]).
        caracteres: usize,
    },
    /// The mod-97 check fails, or the key is 00, 01 or 99, which no IBAN has.
    #[error("IBAN erroné : la clé de contrôle ne correspond pas au numéro")]
    CleIncorrecte,
}

impl Code for IbanInvalide {
    fn code(&self) -> &'static str {
        "iban_invalide"
    }
}

impl Iban {
    /// Parses an IBAN; white space is allowed anywhere and removed, letters are stored upper case.
    pub fn parse(input: &str) -> Result<Self, IbanInvalide> {
        let mut normalise = String::with_capacity(IBAN_CARACTERES_MAX);
        let mut caracteres = 0;
        for (i, caractere) in input.chars().filter(|c| !c.is_whitespace()).enumerate() {
            if !caractere.is_ascii_alphanumeric() {
                return Err(IbanInvalide::CaractereInvalide {
                    position: i + 1,
                    caractere,
                });
            }
            caracteres = i + 1;
            // Past the longest IBAN there is nothing left to learn: stop reading (a bound on the work).
            if caracteres > IBAN_CARACTERES_MAX {
                break;
            }
            normalise.push(caractere.to_ascii_uppercase());
        }
        let octets = normalise.as_bytes();
        let debut_valide = octets.len() >= 4
            && octets[..2].iter().all(u8::is_ascii_uppercase)
            && octets[2..4].iter().all(u8::is_ascii_digit);
        if !debut_valide {
            return Err(IbanInvalide::Debut);
        }
        let pays = &normalise[..2];
        let attendus = longueur_du_pays(pays).ok_or_else(|| IbanInvalide::PaysInconnu {
            pays: pays.to_owned(),
        })?;
        if caracteres != attendus {
            return Err(IbanInvalide::Longueur {
                pays: pays.to_owned(),
                attendus,
                caracteres,
            });
        }
        let cle = &normalise[2..4];
        if matches!(cle, "00" | "01" | "99") || reste_97(&normalise) != 1 {
            return Err(IbanInvalide::CleIncorrecte);
        }
        Ok(Self(normalise))
    }

    /// The IBAN, upper case, without spaces (`FR7630006000011234567890189`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country code (`FR`).
    pub fn pays(&self) -> &str {
        &self.0[..2]
    }

    /// The last 4 characters.
    fn fin(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The IBAN by groups of 4 with only the country, the key and the last 4 characters shown:
    /// `FR76 •••• •••• •••• •••• •••0 189`.
    pub fn masque(&self) -> String {
        let visible_apres = self.0.len() - 4;
        let caracteres = self
            .0
            .chars()
            .enumerate()
            .map(|(i, c)| if i < 4 || i >= visible_apres { c } else { '•' });
        par_groupes(caracteres)
    }
}

/// The ISO 7064 mod-97 remainder of an IBAN (its first 4 characters moved to the end, each letter read
/// as two digits, `A` = 10 … `Z` = 35), computed piecewise: the number has up to 68 digits.
fn reste_97(iban: &str) -> u32 {
    let (tete, corps) = iban.split_at(4);
    corps.bytes().chain(tete.bytes()).fold(0, |reste, octet| {
        if octet.is_ascii_digit() {
            (reste * 10 + u32::from(octet - b'0')) % 97
        } else {
            (reste * 100 + u32::from(octet - b'A') + 10) % 97
        }
    })
}

/// Characters by groups of 4, separated by a space.
fn par_groupes(caracteres: impl Iterator<Item = char>) -> String {
    let mut texte = String::with_capacity(IBAN_CARACTERES_MAX * 2);
    for (i, c) in caracteres.enumerate() {
        if i > 0 && i % 4 == 0 {
            texte.push(' ');
        }
        texte.push(c);
    }
    texte
}

/// The print form: groups of 4 (`FR76 3000 6000 0112 3456 7890 189`).
impl std::fmt::Display for Iban {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&par_groupes(self.0.chars()))
    }
}

impl<'de> Deserialize<'de> for Iban {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let texte = String::deserialize(d)?;
        Iban::parse(&texte).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expect: Result<&str, IbanInvalide>) {
        let actual = Iban::parse(input);
        assert_eq!(
            actual.as_ref().map(Iban::as_str).map_err(Clone::clone),
            expect,
            "input: {input:?}"
        );
    }

    /// Published examples of valid IBANs (banks' and the registry's), one per country shown.
    const VALIDES: &[&str] = &[
        "FR76 3000 6000 0112 3456 7890 189",
        "FR14 2004 1010 0505 0001 3M02 606",
        "DE89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
        "BE68 5390 0754 7034",
        "ES91 2100 0418 4502 0005 1332",
        "IT60 X054 2811 1010 0000 0123 456",
        "MC58 1122 2000 0101 2345 6789 030",
        "CH93 0076 2011 6238 5295 7",
        "LU28 0019 4006 4475 0000",
        "NL91 ABNA 0417 1643 00",
        "PT50 0002 0123 1234 5678 9015 4",
        "AT61 1904 3002 3457 3201",
        "NO93 8601 1117 947",
        "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
    ];

    #[test]
    fn accepts_published_examples_of_many_countries() {
        for exemple in VALIDES {
            let compact: String = exemple.split_whitespace().collect();
            check(exemple, Ok(&compact));
            check(&compact, Ok(&compact));
        }
    }

    #[test]
    fn normalises_spaces_and_case() {
        check(
            "  fr76 3000 6000 0112 3456 7890 189\t",
            Ok("FR7630006000011234567890189"),
        );
        check("gb82west12345698765432", Ok("GB82WEST12345698765432"));
    }

    #[test]
    fn every_country_of_the_table_is_sorted_unique_and_bounded() {
        assert!(LONGUEURS.windows(2).all(|w| w[0].0 < w[1].0));
        for (pays, longueur) in LONGUEURS {
            assert_eq!(longueur_du_pays(pays), Some(*longueur));
            assert!((15..=IBAN_CARACTERES_MAX).contains(longueur), "{pays}");
        }
        for (pays, longueur) in [
            ("FR", 27),
            ("DE", 22),
            ("BE", 16),
            ("ES", 24),
            ("IT", 27),
            ("MC", 27),
            ("CH", 21),
            ("GB", 22),
            ("LU", 20),
            ("NL", 18),
            ("PT", 25),
        ] {
            assert_eq!(longueur_du_pays(pays), Some(longueur), "{pays}");
        }
        assert_eq!(longueur_du_pays("US"), None);
    }

    #[test]
    fn refuses_a_wrong_key() {
        // The last digit changed, then two neighbours swapped, then the key changed.
        check(
            "FR76 3000 6000 0112 3456 7890 188",
            Err(IbanInvalide::CleIncorrecte),
        );
        check(
            "FR76 3000 6000 0112 3456 7809 189",
            Err(IbanInvalide::CleIncorrecte),
        );
        check(
            "FR77 3000 6000 0112 3456 7890 189",
            Err(IbanInvalide::CleIncorrecte),
        );
        check("DE88 3704 0044 0532 0130 00", Err(IbanInvalide::CleIncorrecte));
        check("GB82 WEST 1234 5698 7654 33", Err(IbanInvalide::CleIncorrecte));
    }

    /// A French IBAN whose key is `cle`: the account number's last 4 digits are searched for.
    fn francais_de_cle(cle: u32) -> String {
        (0u32..10_000)
            .map(|n| format!("FR{cle:02}300060000112345678{n:04}9"))
            .find(|iban| reste_97(iban) == 1)
            .unwrap()
    }

    #[test]
    fn refuses_keys_00_01_and_99_even_when_congruent() {
        // Keys run from 02 to 98; 00, 01 and 99 are congruent to 97, 98 and 02 mod 97, so they pass the
        // remainder check with the same number and must be refused on their own.
        for (cle, congruente) in [(97, "00"), (98, "01"), (2, "99")] {
            let valide = francais_de_cle(cle);
            check(&valide, Ok(&valide));
            let faux = format!("FR{congruente}{}", &valide[4..]);
            assert_eq!(reste_97(&faux), 1, "{faux}");
            check(&faux, Err(IbanInvalide::CleIncorrecte));
        }
    }

    #[test]
    fn refuses_a_wrong_length_for_its_country() {
        check(
            "FR76 3000 6000 0112 3456 7890 18",
            Err(IbanInvalide::Longueur {
                pays: "FR".to_owned(),
                attendus: 27,
                caracteres: 26,
            }),
        );
        check(
            "DE89 3704 0044 0532 0130 000",
            Err(IbanInvalide::Longueur {
                pays: "DE".to_owned(),
                attendus: 22,
                caracteres: 23,
            }),
        );
        // A valid Belgian length under the French code.
        check(
            "FR68 5390 0754 7034",
            Err(IbanInvalide::Longueur {
                pays: "FR".to_owned(),
                attendus: 27,
                caracteres: 16,
            }),
        );
        // Counting stops past the longest IBAN.
        check(
            &format!("FR76{}", "1".repeat(1000)),
            Err(IbanInvalide::Longueur {
                pays: "FR".to_owned(),
                attendus: 27,
                caracteres: IBAN_CARACTERES_MAX + 1,
            }),
        );
    }

    #[test]
    fn refuses_an_unknown_country_or_a_bad_start() {
        check(
            "US12 3456 7890 1234 5678 90",
            Err(IbanInvalide::PaysInconnu {
                pays: "US".to_owned(),
            }),
        );
        check("", Err(IbanInvalide::Debut));
        check("FR7", Err(IbanInvalide::Debut));
        check("7630 0060 0001 1234 5678 9018 9", Err(IbanInvalide::Debut));
        check("FRX6 3000 6000 0112 3456 7890 189", Err(IbanInvalide::Debut));
    }

    #[test]
    fn refuses_punctuation_and_non_ascii() {
        check(
            "FR76-3000-6000",
            Err(IbanInvalide::CaractereInvalide {
                position: 5,
                caractere: '-',
            }),
        );
        check(
            "FR76 3000 6000 0112 3456 7890 18É",
            Err(IbanInvalide::CaractereInvalide {
                position: 27,
                caractere: 'É',
            }),
        );
        check(
            "FR76 ٣000",
            Err(IbanInvalide::CaractereInvalide {
                position: 5,
                caractere: '٣',
            }),
        );
    }

    #[test]
    fn every_error_has_the_code_and_a_message_without_the_number() {
        for input in [
            "",
            "FR76-",
            "US12 3456",
            "FR76 3000",
            "FR76 3000 6000 0112 3456 7890 188",
        ] {
            let erreur = Iban::parse(input).unwrap_err();
            assert_eq!(erreur.code(), "iban_invalide", "{input}");
            assert!(!erreur.to_string().contains("3000"), "{erreur}");
        }
        assert_eq!(
            Iban::parse("FR76 3000 6000 0112 3456 7890 188")
                .unwrap_err()
                .to_string(),
            "IBAN erroné : la clé de contrôle ne correspond pas au numéro"
        );
    }

    #[test]
    fn display_groups_by_four_and_the_mask_hides_the_middle() {
        let iban = Iban::parse("fr7630006000011234567890189").unwrap();
        assert_eq!(iban.to_string(), "FR76 3000 6000 0112 3456 7890 189");
        assert_eq!(iban.masque(), "FR76 •••• •••• •••• •••• •••0 189");
        assert_eq!(iban.pays(), "FR");
        let belge = Iban::parse("BE68539007547034").unwrap();
        assert_eq!(belge.to_string(), "BE68 5390 0754 7034");
        assert_eq!(belge.masque(), "BE68 •••• •••• 7034");
    }

    #[test]
    fn debug_shows_only_the_country_and_the_last_four() {
        let iban = Iban::parse("FR76 3000 6000 0112 3456 7890 189").unwrap();
        assert_eq!(format!("{iban:?}"), "Iban(FR…0189)");
        assert_eq!(format!("{:?}", Some(&iban)), "Some(Iban(FR…0189))");
    }

    #[test]
    fn json_is_the_compact_string_and_refuses_invalid() {
        let iban = Iban::parse("GB82 WEST 1234 5698 7654 32").unwrap();
        let json = serde_json::to_string(&iban).unwrap();
        assert_eq!(json, r#""GB82WEST12345698765432""#);
        assert_eq!(serde_json::from_str::<Iban>(&json).unwrap(), iban);
        assert!(serde_json::from_str::<Iban>(r#""GB82WEST12345698765433""#).is_err());
    }

    /// The mod-97 remainder as ISO 13616 states it, written apart from [`reste_97`] over a big number
    /// in pieces of 7 digits, so the two check each other.
    fn reste_de_reference(iban: &str) -> u64 {
        let deplace = format!("{}{}", &iban[4..], &iban[..4]);
        let chiffres: String = deplace
            .chars()
            .map(|c| c.to_digit(36).unwrap().to_string())
            .collect();
        chiffres.as_bytes().chunks(7).fold(0u64, |reste, morceau| {
            let morceau = std::str::from_utf8(morceau).unwrap();
            let n: u64 = format!("{reste}{morceau}").parse().unwrap();
            n % 97
        })
    }

    /// A valid IBAN of `pays` with `bban` (its length already right).
    fn avec_sa_cle(pays: &str, bban: &str) -> String {
        let sans_cle = format!("{pays}00{bban}");
        let cle = 98 - reste_de_reference(&sans_cle);
        format!("{pays}{cle:02}{bban}")
    }

    proptest! {
        #[test]
        fn any_french_number_with_its_key_parses_and_round_trips(bban in "[0-9]{10}[0-9A-Z]{11}[0-9]{2}") {
            let numero = avec_sa_cle("FR", &bban);
            let iban = Iban::parse(&numero).unwrap();
            prop_assert_eq!(iban.as_str(), numero.as_str());
            prop_assert_eq!(Iban::parse(&iban.to_string()).unwrap(), iban.clone());
            prop_assert_eq!(reste_97(&numero), 1);
        }

        #[test]
        fn changing_one_digit_of_a_valid_iban_makes_it_invalid(
            exemple in prop::sample::select(VALIDES),
            choix in any::<prop::sample::Index>(),
            decalage in 1u8..10,
        ) {
            let compact: String = exemple.split_whitespace().collect();
            let positions: Vec<usize> = compact
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .map(|(i, _)| i)
                .collect();
            let i = positions[choix.index(positions.len())];
            let mut octets = compact.into_bytes();
            octets[i] = b'0' + (octets[i] - b'0' + decalage) % 10;
            let faux = String::from_utf8(octets).unwrap();
            let refus = Iban::parse(&faux);
            let est_cle_incorrecte = matches!(refus, Err(IbanInvalide::CleIncorrecte));
            prop_assert!(est_cle_incorrecte, "{} accepted", faux);
        }
    }
}

//! An e-mail address, checked for shape only.
//!
//! Whether the mailbox exists is for the mail server to say; here we refuse what cannot be an address
//! (no `@`, no domain, spaces) and normalise case and surrounding spaces, so one person is one address
//! and the account lookup by e-mail finds them however they typed it.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// Longest address, in characters (RFC 5321's limit on a forward path).
pub const EMAIL_CARACTERES_MAX: usize = 254;
/// Longest part before the `@`, in characters (RFC 5321).
pub const PARTIE_LOCALE_CARACTERES_MAX: usize = 64;

/// An e-mail address, trimmed and lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

/// Why an e-mail address was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailInvalide {
    /// Nothing but white space.
    #[error("l'adresse e-mail est vide")]
    Vide,
    /// Longer than [`EMAIL_CARACTERES_MAX`].
    #[error("l'adresse e-mail dépasse {EMAIL_CARACTERES_MAX} caractères ({caracteres})")]
    TropLongue {
        /// Its length, in characters, once trimmed.
        caracteres: usize,
    },
    /// White space or a control character inside the address.
    #[error("caractère interdit {caractere:?} dans l'adresse e-mail (espace ou caractère de contrôle)")]
    CaractereInterdit {
        /// The character found.
        caractere: char,
    },
    /// Not exactly one `@`.
    #[error("l'adresse e-mail doit contenir exactement un « @ » ({arobases} trouvés)")]
    Arobases {
        /// How many `@` were found.
        arobases: usize,
    },
    /// Nothing before the `@`.
    #[error("l'adresse e-mail n'a rien avant le « @ »")]
    PartieLocaleVide,
    /// More than [`PARTIE_LOCALE_CARACTERES_MAX`] characters before the `@`.
    #[error("la partie avant le « @ » dépasse {PARTIE_LOCALE_CARACTERES_MAX} caractères ({caracteres})")]
    PartieLocaleTropLongue {
        /// Its length, in characters.
        caracteres: usize,
    },
    /// Nothing after the `@`.
    #[error("l'adresse e-mail n'a pas de domaine après le « @ »")]
    DomaineVide,
    /// A domain without a dot, such as `localhost`.
    #[error("le domaine « {domaine} » doit contenir au moins un point (exemple.fr)")]
    DomaineSansPoint {
        /// The domain given.
        domaine: String,
    },
    /// A domain starting or ending with a dot, or with two dots in a row.
    #[error("le domaine « {domaine} » contient un segment vide (point en trop)")]
    DomaineSegmentVide {
        /// The domain given.
        domaine: String,
    },
}

impl Code for EmailInvalide {
    fn code(&self) -> &'static str {
        "email_invalide"
    }
}

impl Email {
    /// Parses an address: surrounding white space trimmed, then lower-cased and checked for shape.
    pub fn parse(input: &str) -> Result<Self, EmailInvalide> {
        let adresse = input.trim().to_lowercase();
        if adresse.is_empty() {
            return Err(EmailInvalide::Vide);
        }
        let caracteres = adresse.chars().count();
        if caracteres > EMAIL_CARACTERES_MAX {
            return Err(EmailInvalide::TropLongue { caracteres });
        }
        if let Some(caractere) = adresse.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailInvalide::CaractereInterdit { caractere });
        }
        let arobases = adresse.matches('@').count();
        let Some((locale, domaine)) = adresse.split_once('@').filter(|_| arobases == 1) else {
            return Err(EmailInvalide::Arobases { arobases });
        };
        if locale.is_empty() {
            return Err(EmailInvalide::PartieLocaleVide);
        }
        let caracteres = locale.chars().count();
        if caracteres > PARTIE_LOCALE_CARACTERES_MAX {
            return Err(EmailInvalide::PartieLocaleTropLongue { caracteres });
        }
        if domaine.is_empty() {
            return Err(EmailInvalide::DomaineVide);
        }
        if !domaine.contains('.') {
            return Err(EmailInvalide::DomaineSansPoint {
                domaine: domaine.to_owned(),
            });
        }
        if domaine.split('.').any(str::is_empty) {
            return Err(EmailInvalide::DomaineSegmentVide {
                domaine: domaine.to_owned(),
            });
        }
        Ok(Self(adresse))
    }

    /// The address, trimmed and lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let texte = String::deserialize(d)?;
        Email::parse(&texte).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expect: Result<&str, EmailInvalide>) {
        let actual = Email::parse(input);
        assert_eq!(
            actual.as_ref().map(Email::as_str).map_err(Clone::clone),
            expect,
            "input: {input:?}"
        );
    }

    fn sans_point(domaine: &str) -> EmailInvalide {
        EmailInvalide::DomaineSansPoint {
            domaine: domaine.to_owned(),
        }
    }

    fn segment_vide(domaine: &str) -> EmailInvalide {
        EmailInvalide::DomaineSegmentVide {
            domaine: domaine.to_owned(),
        }
    }

    #[test]
    fn accepts_addresses_trimmed_and_lower_cased() {
        check("jean.dupont@exemple.fr", Ok("jean.dupont@exemple.fr"));
        check("  Jean.Dupont@Exemple.FR \n", Ok("jean.dupont@exemple.fr"));
        check("cabinet+rdv@sante.paris.fr", Ok("cabinet+rdv@sante.paris.fr"));
        check("a@b.co", Ok("a@b.co"));
        check("Élodie@hôpital.fr", Ok("élodie@hôpital.fr"));
    }

    #[test]
    fn refuses_empty_and_too_long() {
        check("", Err(EmailInvalide::Vide));
        check(" \t ", Err(EmailInvalide::Vide));
        let domaine = format!("{}.fr", "d".repeat(EMAIL_CARACTERES_MAX - 5));
        check(&format!("a@{domaine}"), Ok(format!("a@{domaine}").as_str()));
        check(
            &format!("ab@{domaine}"),
            Err(EmailInvalide::TropLongue { caracteres: 255 }),
        );
    }

    #[test]
    fn refuses_local_part_empty_or_too_long() {
        check("@exemple.fr", Err(EmailInvalide::PartieLocaleVide));
        let locale = "l".repeat(PARTIE_LOCALE_CARACTERES_MAX);
        check(
            &format!("{locale}@exemple.fr"),
            Ok(format!("{locale}@exemple.fr").as_str()),
        );
        check(
            &format!("{locale}l@exemple.fr"),
            Err(EmailInvalide::PartieLocaleTropLongue { caracteres: 65 }),
        );
    }

    #[test]
    fn refuses_anything_but_one_at_sign() {
        check(
            "jean.dupont.exemple.fr",
            Err(EmailInvalide::Arobases { arobases: 0 }),
        );
        check(
            "jean@dupont@exemple.fr",
            Err(EmailInvalide::Arobases { arobases: 2 }),
        );
        check("@@", Err(EmailInvalide::Arobases { arobases: 2 }));
    }

    #[test]
    fn refuses_domains_without_dot_or_with_empty_labels() {
        check("jean@", Err(EmailInvalide::DomaineVide));
        check("jean@localhost", Err(sans_point("localhost")));
        check("jean@.exemple.fr", Err(segment_vide(".exemple.fr")));
        check("jean@exemple.fr.", Err(segment_vide("exemple.fr.")));
        check("jean@exemple..fr", Err(segment_vide("exemple..fr")));
        check("jean@.", Err(segment_vide(".")));
    }

    #[test]
    fn refuses_white_space_and_control_characters_inside() {
        check(
            "jean dupont@exemple.fr",
            Err(EmailInvalide::CaractereInterdit { caractere: ' ' }),
        );
        check(
            "jean@exem\tple.fr",
            Err(EmailInvalide::CaractereInterdit { caractere: '\t' }),
        );
        check(
            "jean@exemple.fr\u{0}x",
            Err(EmailInvalide::CaractereInterdit { caractere: '\u{0}' }),
        );
        check(
            "jean\u{a0}@exemple.fr",
            Err(EmailInvalide::CaractereInterdit { caractere: '\u{a0}' }),
        );
    }

    #[test]
    fn every_error_has_the_code_and_a_french_message() {
        let erreur = Email::parse("jean@localhost").unwrap_err();
        assert_eq!(erreur.code(), "email_invalide");
        assert_eq!(
            erreur.to_string(),
            "le domaine « localhost » doit contenir au moins un point (exemple.fr)"
        );
        for input in ["", "a", "a b@c.d", "@c.d", "a@", "a@.d"] {
            assert_eq!(Email::parse(input).unwrap_err().code(), "email_invalide");
        }
    }

    #[test]
    fn json_is_the_normalised_string_and_refuses_invalid() {
        let email = Email::parse(" Jean@Exemple.fr").unwrap();
        assert_eq!(email.to_string(), "jean@exemple.fr");
        let json = serde_json::to_string(&email).unwrap();
        assert_eq!(json, r#""jean@exemple.fr""#);
        assert_eq!(serde_json::from_str::<Email>(&json).unwrap(), email);
        assert!(serde_json::from_str::<Email>(r#""jean@localhost""#).is_err());
    }

    proptest! {
        #[test]
        fn well_formed_addresses_parse_lower_cased(
            locale in "[A-Za-z0-9._%+-]{1,64}",
            labels in proptest::collection::vec("[A-Za-z0-9-]{1,20}", 2..5),
        ) {
            let adresse = format!("{locale}@{}", labels.join("."));
            let email = Email::parse(&format!(" {adresse} ")).unwrap();
            prop_assert_eq!(email.as_str(), adresse.to_lowercase());
        }

        #[test]
        fn parsing_the_normalised_form_gives_it_back(input in "\\s?\\PC{1,20}@\\PC{1,20}\\.\\PC{1,10}\\s?") {
            if let Ok(email) = Email::parse(&input) {
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
            }
        }
    }
}

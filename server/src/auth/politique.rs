//! The password policy: what a new password must be, and the type that carries one.
//!
//! No composition rule (they push users to `Motdepasse1!`): length, and a refusal of what a guesser
//! tries first. At least [`MOT_DE_PASSE_CARACTERES_MIN`] characters and the lockout of
//! [`super::limiteur`] give the CNIL 2022 recommendation's entropy with access restriction (12 characters
//! drawn from 26 symbols already are 56 bits); [`MOT_DE_PASSE_CARACTERES_MAX`] keeps argon2's input,
//! and so the cost of a sign-in, bounded. Lengths are counted in characters, not bytes, so accents
//! count once. The password is kept as typed (no trimming, no case folding): only the comparisons
//! with the common list fold case and trim.

use std::fmt;

/// Fewest characters a new password may have.
pub const MOT_DE_PASSE_CARACTERES_MIN: usize = 12;

/// Most characters any password may have (new or presented at sign-in).
pub const MOT_DE_PASSE_CARACTERES_MAX: usize = 128;

/// Longest repeated unit refused (`abababababab`, `azeraze…`): a password that is one short unit
/// written over and over is guessed as fast as the unit.
const PERIODE_REPETITION_MAX: usize = 4;

/// Common passwords of 12 characters or more, lowercase, one per line (French users first).
const COURANTS: &str = include_str!("mots_de_passe_courants.txt");

/// Character runs a guesser walks: alphabet, digits, AZERTY and QWERTY rows, read in either direction
/// and cyclically (`…890123`, `…uiopazer…`).
const SUITES: &[&str] = &[
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "azertyuiopqsdfghjklmwxcvbn",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qwertyuiopasdfghjklzxcvbnm",
];

/// A password, as typed; secret: `Debug` prints `MotDePasse(***)` and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct MotDePasse(String);

impl fmt::Debug for MotDePasse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MotDePasse(***)")
    }
}

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MotDePasseRefuse {
    /// Empty (sign-in).
    #[error("le mot de passe est vide")]
    Vide,
    /// Fewer than [`MOT_DE_PASSE_CARACTERES_MIN`] characters.
    #[error(
        "le mot de passe doit comporter au moins {MOT_DE_PASSE_CARACTERES_MIN} caractères ({caracteres})"
    )]
    TropCourt {
        /// Its length in characters.
        caracteres: usize,
    },
    /// More than [`MOT_DE_PASSE_CARACTERES_MAX`] characters.
    #[error("le mot de passe ne doit pas dépasser {MOT_DE_PASSE_CARACTERES_MAX} caractères ({caracteres})")]
    TropLong {
        /// Its length in characters.
        caracteres: usize,
    },
    /// In the list of common passwords, one character repeated, or a keyboard or digit sequence.
    #[error("ce mot de passe est trop courant ou trop prévisible, choisissez-en un autre")]
    TropCourant,
}

impl MotDePasseRefuse {
    /// The machine-readable reason, as in problem+json `code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Vide => "mot_de_passe_vide",
            Self::TropCourt { .. } => "mot_de_passe_trop_court",
            Self::TropLong { .. } => "mot_de_passe_trop_long",
            Self::TropCourant => "mot_de_passe_trop_courant",
        }
    }
}

impl MotDePasse {
    /// A new password (register, change, account creation): the whole policy applies.
    pub fn nouveau(mdp: impl Into<String>) -> Result<Self, MotDePasseRefuse> {
        let mdp = mdp.into();
        let caracteres = mdp.chars().count();
        if caracteres < MOT_DE_PASSE_CARACTERES_MIN {
            return Err(MotDePasseRefuse::TropCourt { caracteres });
        }
        if caracteres > MOT_DE_PASSE_CARACTERES_MAX {
            return Err(MotDePasseRefuse::TropLong { caracteres });
        }
        if est_previsible(&mdp) {
            return Err(MotDePasseRefuse::TropCourant);
        }
        Ok(Self(mdp))
    }

    /// A password presented at sign-in: no policy (older passwords stay valid), only bounds.
    pub fn existant(mdp: impl Into<String>) -> Result<Self, MotDePasseRefuse> {
        let mdp = mdp.into();
        let caracteres = mdp.chars().count();
        if caracteres == 0 {
            return Err(MotDePasseRefuse::Vide);
        }
        if caracteres > MOT_DE_PASSE_CARACTERES_MAX {
            return Err(MotDePasseRefuse::TropLong { caracteres });
        }
        Ok(Self(mdp))
    }

    /// The bytes to hash; only the hasher sees them.
    pub(super) fn octets(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Whether a guesser would try `mdp` early: common, one short unit repeated, or a straight run.
fn est_previsible(mdp: &str) -> bool {
    let forme = mdp.trim().to_lowercase();
    est_courant(&forme) || est_repetition(&forme) || est_suite(&forme)
}

/// In the embedded list (`forme` is trimmed and lowercase).
fn est_courant(forme: &str) -> bool {
    COURANTS.lines().any(|courant| courant == forme)
}

/// One unit of at most [`PERIODE_REPETITION_MAX`] characters, written at least twice.
fn est_repetition(forme: &str) -> bool {
    let caracteres: Vec<char> = forme.chars().collect();
    (1..=PERIODE_REPETITION_MAX)
        .filter(|periode| caracteres.len() >= 2 * periode)
        .any(|periode| (periode..caracteres.len()).all(|i| caracteres[i] == caracteres[i - periode]))
}

/// A run along one of [`SUITES`], forwards or backwards, wrapping around.
fn est_suite(forme: &str) -> bool {
    let longueur = forme.chars().count();
    SUITES.iter().any(|suite| {
        let tours = longueur / suite.len() + 2;
        let cycle = suite.repeat(tours);
        let inverse: String = cycle.chars().rev().collect();
        cycle.contains(forme) || inverse.contains(forme)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(mdp: &str, attendu: Result<(), MotDePasseRefuse>) {
        assert_eq!(MotDePasse::nouveau(mdp).map(|_| ()), attendu, "{mdp:?}");
    }

    #[test]
    fn length_is_counted_in_characters() {
        check("Tr0ub4dor&3", Err(MotDePasseRefuse::TropCourt { caracteres: 11 }));
        check("cheval-pile!", Ok(()));
        // 12 characters, 15 bytes.
        check("élève-été-3x", Ok(()));
        check("élève-été-x", Err(MotDePasseRefuse::TropCourt { caracteres: 11 }));
        let long: String = "la tarte aux fraises de mamie "
            .chars()
            .cycle()
            .take(128)
            .collect();
        check(&long, Ok(()));
        check(
            &format!("{long}z"),
            Err(MotDePasseRefuse::TropLong { caracteres: 129 }),
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case_and_surrounding_spaces() {
        for mdp in [
            "motdepasse123",
            "MotDePasse123",
            "  AZERTYUIOP123 ",
            "Soleil123456",
            "marseille1234",
            "JeTaime123456",
            "doudou123456",
            "password1234",
        ] {
            check(mdp, Err(MotDePasseRefuse::TropCourant));
        }
    }

    #[test]
    fn repetitions_and_sequences_are_refused() {
        for mdp in [
            "aaaaaaaaaaaa",
            "            ",
            "ZZZZZZZZZZZZZZZZ",
            "abababababab",
            "azerazerazer",
            "123456789012",
            "234567890123",
            "098765432109",
            "abcdefghijkl",
            "ONMLKJIHGFED",
            "azertyuiopqs",
            "qwertyuiopas",
            "poiuytrezapo",
            "mlkjhgfdsqml",
        ] {
            check(mdp, Err(MotDePasseRefuse::TropCourant));
        }
    }

    #[test]
    fn ordinary_passphrases_pass() {
        for mdp in [
            "correct horse battery",
            "la-tarte-aux-fraises",
            "Rendez-vous chez le Dr 7",
        ] {
            check(mdp, Ok(()));
        }
    }

    #[test]
    fn the_embedded_list_is_long_enough_and_well_formed() {
        let entrees: Vec<&str> = COURANTS.lines().collect();
        assert!(entrees.len() >= 100, "{}", entrees.len());
        for entree in &entrees {
            assert!(
                entree.chars().count() >= MOT_DE_PASSE_CARACTERES_MIN,
                "{entree:?}"
            );
            assert_eq!(*entree, entree.trim().to_lowercase(), "{entree:?}");
        }
        let mut uniques = entrees.clone();
        uniques.sort_unstable();
        uniques.dedup();
        assert_eq!(uniques.len(), entrees.len());
    }

    #[test]
    fn sign_in_takes_any_non_empty_bounded_password() {
        assert!(MotDePasse::existant("court").is_ok());
        assert!(MotDePasse::existant("motdepasse123").is_ok());
        assert_eq!(MotDePasse::existant(""), Err(MotDePasseRefuse::Vide));
        assert_eq!(
            MotDePasse::existant("x".repeat(129)),
            Err(MotDePasseRefuse::TropLong { caracteres: 129 })
        );
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let mdp = MotDePasse::existant("tres-secret-123").unwrap();
        assert_eq!(format!("{mdp:?}"), "MotDePasse(***)");
        assert_eq!(format!("{:?}", Some(&mdp)), "Some(MotDePasse(***))");
    }

    #[test]
    fn codes_are_the_documented_ones() {
        assert_eq!(
            MotDePasseRefuse::TropCourt { caracteres: 1 }.code(),
            "mot_de_passe_trop_court"
        );
        assert_eq!(
            MotDePasseRefuse::TropLong { caracteres: 200 }.code(),
            "mot_de_passe_trop_long"
        );
        assert_eq!(MotDePasseRefuse::TropCourant.code(), "mot_de_passe_trop_courant");
        assert_eq!(MotDePasseRefuse::Vide.code(), "mot_de_passe_vide");
    }
}

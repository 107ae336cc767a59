//! Authentication building blocks: passwords, access and refresh tokens, sign-in lockout.
//!
//! The HTTP handlers (`/auth/*`, `/me`) call these; nothing here knows HTTP or redb. What each part
//! protects, and why it is built that way:
//!
//! - [`politique`] — [`MotDePasse`], a password that passed the policy. Stolen-hash cracking and
//!   online guessing are the threats: at least 12 characters with no composition rule, at most 128
//!   (argon2 cost must stay bounded), and not a common, repeated or keyboard-sequence password. With
//!   the lockout of [`limiteur`] this meets the CNIL 2022 recommendation (≥ 50 bits of entropy plus a
//!   restriction of failed attempts: 12 characters from even 26 symbols is ≥ 56 bits). The type keeps
//!   the secret out of `Debug` and has no `Display`.
//! - [`mot_de_passe`] — [`Hacheur`], argon2id at the OWASP parameters, so a leaked database costs an
//!   attacker ~19 MiB and two passes per guess. Hashing is CPU and memory heavy: it runs on the
//!   blocking pool, behind a semaphore as wide as the machine, so a sign-in flood queues (and is
//!   answered 503 when the queue is too long) instead of taking every blocking thread and all memory.
//!   An unknown email is checked against a dummy hash, so timing does not tell which emails exist.
//! - [`jwt`] — [`Jetons`], short-lived (15 min) HS256 access tokens. Verification pins the algorithm
//!   (no `none`, no algorithm confusion), checks issuer, audience, token type and expiry against a
//!   caller-given clock. The key ([`Secret`]) comes from `TOUBEELIB_JWT_SECRET` or is generated once
//!   into the data directory (mode 0600), and is never printed.
//! - [`rafraichissement`] — opaque refresh tokens (256 random bits); only their SHA-256 is stored, so
//!   a copy of the database cannot be replayed as tokens.
//! - [`limiteur`] — [`Limiteur`], in-memory lockout after repeated failures per email and per client
//!   address, with bounded memory, so online guessing is slow and the API can answer 429.
//! - [`totp`] — [`SecretTotp`], the optional TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30 s,
//!   one step of skew), so a stolen password alone does not open an enrolled account; each code's
//!   time step is accepted once per account (replay), codes are compared in constant time.
//!
//! Error policy: every failure is an [`ErreurAuth`] (or [`MotDePasseRefuse`] for the policy) with a
//! machine-readable `code()`. Token errors are the client's (401); saturation is 503 + Retry-After;
//! key, hashing, randomness and signing failures are internal (500): their message is for the log,
//! and no message ever contains a password, a key or a token.

pub mod jwt;
pub mod limiteur;
pub mod mot_de_passe;
pub mod politique;
pub mod rafraichissement;
pub mod totp;

use std::io;
use std::path::PathBuf;

pub use jwt::{ACCESS_TTL, Jetons, Revendications, Secret};
pub use limiteur::{ECHECS_MAX, ECHECS_MAX_PAR_ADRESSE, FENETRE_ECHECS, Limiteur};
pub use mot_de_passe::{ATTENTE_HACHAGE_MAX, Hacheur};
pub use politique::{MotDePasse, MotDePasseRefuse};
pub use rafraichissement::{REFRESH_TTL, empreinte, nouveau_jeton};
pub use totp::SecretTotp;

/// Why an authentication step failed.
#[derive(Debug, thiserror::Error)]
pub enum ErreurAuth {
    /// The access token is malformed, badly signed, of another kind or for another audience (401).
    #[error("jeton d'accès invalide")]
    JetonInvalide,
    /// The access token was valid but has expired (401: refresh it).
    #[error("jeton d'accès expiré")]
    JetonExpire,
    /// Too many password hashes are waiting for a core (503 + Retry-After).
    #[error("service momentanément saturé, réessayez dans quelques secondes")]
    Sature,
    /// `TOUBEELIB_JWT_SECRET` is shorter than [`jwt::SECRET_OCTETS_MIN`] (start-up error).
    #[error(
        "TOUBEELIB_JWT_SECRET est trop court ({octets} octets, au moins {} requis)",
        jwt::SECRET_OCTETS_MIN
    )]
    SecretTropCourt {
        /// Its length in bytes.
        octets: usize,
    },
    /// The key file cannot be read, created or written (start-up error).
    #[error("clé de signature {} inaccessible", chemin.display())]
    Cle {
        /// The key file.
        chemin: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The key file exists but does not hold a usable key (start-up error).
    #[error(
        "clé de signature {} invalide ({octets} octets, entre {} et {} attendus)",
        chemin.display(), jwt::SECRET_OCTETS_MIN, jwt::CLE_FICHIER_OCTETS_MAX
    )]
    CleInvalide {
        /// The key file.
        chemin: PathBuf,
        /// How many bytes it holds (capped just above the maximum).
        octets: usize,
    },
    /// argon2 failed, the stored hash is malformed or the hashing task died (500).
    #[error("échec du hachage du mot de passe : {0}")]
    Hachage(String),
    /// Signing an access token failed (500).
    #[error("échec de la signature du jeton d'accès : {0}")]
    Emission(String),
    /// The operating system's random source failed (500).
    #[error("source d'aléa du système indisponible : {0}")]
    Alea(getrandom::Error),
}

impl ErreurAuth {
    /// The machine-readable reason, as in problem+json `code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::JetonInvalide => "jeton_invalide",
            Self::JetonExpire => "jeton_expire",
            Self::Sature => "service_sature",
            Self::SecretTropCourt { .. } => "secret_jwt_trop_court",
            Self::Cle { .. } => "cle_jwt_inaccessible",
            Self::CleInvalide { .. } => "cle_jwt_invalide",
            Self::Hachage(_) => "hachage_echoue",
            Self::Emission(_) => "emission_jeton_echouee",
            Self::Alea(_) => "alea_indisponible",
        }
    }
}

/// Fills `octets` from the operating system's random source.
fn alea(octets: &mut [u8]) -> Result<(), ErreurAuth> {
    getrandom::fill(octets).map_err(ErreurAuth::Alea)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_distinct_code() {
        let erreurs = [
            ErreurAuth::JetonInvalide,
            ErreurAuth::JetonExpire,
            ErreurAuth::Sature,
            ErreurAuth::SecretTropCourt { octets: 3 },
            ErreurAuth::Cle {
                chemin: PathBuf::from("jwt.key"),
                source: io::Error::other("x"),
            },
            ErreurAuth::CleInvalide {
                chemin: PathBuf::from("jwt.key"),
                octets: 3,
            },
            ErreurAuth::Hachage(String::new()),
            ErreurAuth::Emission(String::new()),
            ErreurAuth::Alea(getrandom::Error::UNSUPPORTED),
        ];
        let mut codes: Vec<_> = erreurs.iter().map(ErreurAuth::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), erreurs.len());
    }
}

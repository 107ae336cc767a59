//! Refresh tokens: opaque random strings, stored only as their SHA-256.
//!
//! 256 random bits need no slow hash: unlike a password they cannot be guessed, so a fast SHA-256 is
//! enough to make a copy of the database useless as tokens. Rotation, families and revocation are
//! the store's (`store::Rotation`); this module only makes and fingerprints tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use sha2::{Digest as _, Sha256};

use super::{ErreurAuth, alea};

/// How long a refresh token is valid after it is issued.
pub const REFRESH_TTL: TimeDelta = TimeDelta::days(30);

/// Random bytes in a refresh token.
const JETON_OCTETS: usize = 32;

/// A new refresh token: the string for the client (base64url, no padding, 43 characters) and the
/// SHA-256 the store keeps.
pub fn nouveau_jeton() -> Result<(String, [u8; 32]), ErreurAuth> {
    let mut octets = [0u8; JETON_OCTETS];
    alea(&mut octets)?;
    let jeton = URL_SAFE_NO_PAD.encode(octets);
    let hash = empreinte(&jeton);
    Ok((jeton, hash))
}

/// The SHA-256 of a refresh token as the client presents it, to look it up in the store.
pub fn empreinte(jeton: &str) -> [u8; 32] {
    Sha256::digest(jeton.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_hash_is_the_fingerprint_of_the_token_given() {
        let (jeton, stocke) = nouveau_jeton().unwrap();
        assert_eq!(empreinte(&jeton), stocke);
        assert_eq!(jeton.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(&jeton).unwrap().len(), 32);
        assert!(
            jeton
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn tokens_are_distinct_and_so_are_their_fingerprints() {
        let (a, ha) = nouveau_jeton().unwrap();
        let (b, hb) = nouveau_jeton().unwrap();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_ne!(empreinte(&a), empreinte(&format!("{a} ")));
    }

    #[test]
    fn the_fingerprint_is_sha256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(empreinte("abc")[..4], [0xba, 0x78, 0x16, 0xbf],);
        assert_eq!(REFRESH_TTL.num_days(), 30);
    }
}

//! The TOTP second factor (RFC 6238, over RFC 4226's HOTP): secrets, codes and the `otpauth://` URI.
//!
//! What it protects: a stolen password alone no longer opens an account that enrolled. The choices:
//! - HMAC-SHA1, 6 digits, 30-second steps: the parameters every authenticator app implements (some
//!   ignore the URI's `algorithm` and always use SHA-1). SHA-1's collisions do not weaken HMAC-SHA1 as
//!   a pseudo-random function, which is all HOTP asks of it.
//! - A 20-byte (160-bit) secret, RFC 4226's recommended length, from the operating system's random
//!   source; shown once to the user as base32 (RFC 4648, without padding), the form apps read.
//! - One step of clock skew each way ([`DERIVE_PAS`]): RFC 6238 §5.2 allows a step back for network
//!   delay; a step forward forgives a phone whose clock runs a little ahead.
//! - Replay: [`SecretTotp::verifier`] answers the time step a code belongs to and refuses steps at or
//!   before the account's last accepted one; the caller stores the new step in the same transaction
//!   that accepts it, so one code opens one sign-in.
//! - Every candidate step is computed and compared, without early exit and in constant time, so the
//!   answer's timing does not tell which step (or how much of a code) matched.
//! - No clock is read here: "now" is a parameter, in Unix seconds.
//! - [`SecretTotp`]'s `Debug` is redacted and it has no `Display`: the secret never reaches a log line.

use std::fmt;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac as _};
use sha1::Sha1;

use super::{ErreurAuth, alea};

/// Digits of a code.
pub const CHIFFRES: u32 = 6;

/// Most digits [`hotp`] computes (10⁹ still fits a `u32`).
pub const CHIFFRES_MAX: u32 = 9;

/// Length of a time step, in seconds.
pub const PERIODE_S: u64 = 30;

/// Time steps of clock skew accepted on each side of the current one.
pub const DERIVE_PAS: u64 = 1;

/// Bytes of a secret.
pub const SECRET_OCTETS: usize = 20;

/// The issuer shown by authenticator apps.
pub const EMETTEUR: &str = "Toubeelib";

/// Longest code looked at (spaces included); anything longer is refused unread.
pub const CODE_LONGUEUR_MAX: usize = 16;

/// The block size of SHA-1: an HMAC key shorter than it is padded with zeros to it (RFC 2104).
const BLOC_SHA1_OCTETS: usize = 64;

/// The RFC 4648 base32 alphabet.
const ALPHABET_BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// An account's TOTP secret; `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretTotp([u8; SECRET_OCTETS]);

impl fmt::Debug for SecretTotp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretTotp(***)")
    }
}

impl SecretTotp {
    /// A new random secret.
    pub fn generer() -> Result<Self, ErreurAuth> {
        let mut octets = [0u8; SECRET_OCTETS];
        alea(&mut octets)?;
        Ok(Self(octets))
    }

    /// The secret of these bytes (as stored).
    pub fn depuis_octets(octets: [u8; SECRET_OCTETS]) -> Self {
        Self(octets)
    }

    /// Its bytes, to store.
    pub fn octets(&self) -> [u8; SECRET_OCTETS] {
        self.0
    }

    /// Base32 without padding (32 characters), as typed into an authenticator app.
    pub fn base32(&self) -> String {
        base32(&self.0)
    }

    /// The `otpauth://totp/…` URI of the key, for a QR code, labelled with the account's email.
    pub fn uri(&self, email: &str) -> String {
        format!(
            "otpauth://totp/{EMETTEUR}:{}?secret={}&issuer={EMETTEUR}&algorithm=SHA1&digits={CHIFFRES}&period={PERIODE_S}",
            pourcent(email),
            self.base32(),
        )
    }

    /// The time step of `code` if it is this secret's code for a step within [`DERIVE_PAS`] of
    /// `now_s` (Unix seconds) and after `apres` (the last accepted step); the latest such step if
    /// several match. Spaces in the code are ignored ("123 456").
    pub fn verifier(&self, code: &str, now_s: u64, apres: Option<u64>) -> Option<u64> {
        if code.len() > CODE_LONGUEUR_MAX {
            return None;
        }
        let saisi: Vec<u8> = code.bytes().filter(|b| *b != b' ').collect();
        if saisi.len() != CHIFFRES as usize || !saisi.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let courant = pas(now_s);
        let mut trouve = None;
        for candidat in courant.saturating_sub(DERIVE_PAS)..=courant.saturating_add(DERIVE_PAS) {
            let attendu = format_code(hotp(&self.0, candidat, CHIFFRES), CHIFFRES);
            let egal = egal_temps_constant(attendu.as_bytes(), &saisi);
            if egal && apres.is_none_or(|dernier| candidat > dernier) {
                trouve = Some(candidat);
            }
        }
        trouve
    }
}

/// The time step of `unix_s` (RFC 6238's T, with T0 = 0).
pub fn pas(unix_s: u64) -> u64 {
    unix_s / PERIODE_S
}

/// HOTP (RFC 4226): HMAC-SHA1 of the big-endian counter, dynamically truncated to `chiffres` digits
/// (at most [`CHIFFRES_MAX`]).
pub fn hotp(cle: &[u8; SECRET_OCTETS], compteur: u64, chiffres: u32) -> u32 {
    // A key shorter than the block is zero-padded to it by HMAC itself (RFC 2104): giving it padded
    // makes the key length fixed, so building the MAC cannot fail.
    let mut bloc = [0u8; BLOC_SHA1_OCTETS];
    bloc[..SECRET_OCTETS].copy_from_slice(cle);
    let mut mac = <Hmac<Sha1> as KeyInit>::new(&bloc.into());
    mac.update(&compteur.to_be_bytes());
    let h: [u8; 20] = mac.finalize().into_bytes().into();
    let decalage = usize::from(h[19] & 0x0f);
    let binaire = u32::from_be_bytes([
        h[decalage] & 0x7f,
        h[decalage + 1],
        h[decalage + 2],
        h[decalage + 3],
    ]);
    binaire % 10u32.pow(chiffres.min(CHIFFRES_MAX))
}

/// TOTP (RFC 6238): [`hotp`] of the time step of `unix_s`.
pub fn totp(cle: &[u8; SECRET_OCTETS], unix_s: u64, chiffres: u32) -> u32 {
    hotp(cle, pas(unix_s), chiffres)
}

/// A code as shown: `chiffres` digits, leading zeros kept.
pub fn format_code(code: u32, chiffres: u32) -> String {
    format!("{code:0largeur$}", largeur = chiffres as usize)
}

/// Base32 (RFC 4648 §6) without padding.
pub fn base32(octets: &[u8]) -> String {
    let mut sortie = String::with_capacity(octets.len().div_ceil(5) * 8);
    let mut tampon: u32 = 0;
    let mut bits: u32 = 0;
    for &octet in octets {
        tampon = (tampon << 8) | u32::from(octet);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            sortie.push(char::from(ALPHABET_BASE32[((tampon >> bits) & 0x1f) as usize]));
        }
        // Only the bits not yet written stay (fewer than 5), so the buffer never overflows.
        tampon &= (1 << bits) - 1;
    }
    if bits > 0 {
        sortie.push(char::from(
            ALPHABET_BASE32[((tampon << (5 - bits)) & 0x1f) as usize],
        ));
    }
    sortie
}

/// Percent-encodes everything but RFC 3986's unreserved characters (`@` becomes `%40`).
fn pourcent(texte: &str) -> String {
    let mut sortie = String::with_capacity(texte.len());
    for octet in texte.bytes() {
        if octet.is_ascii_alphanumeric() || matches!(octet, b'-' | b'.' | b'_' | b'~') {
            sortie.push(char::from(octet));
        } else {
            sortie.push_str(&format!("%{octet:02X}"));
        }
    }
    sortie
}

/// Whether `a` and `b` are equal, in a time that depends on their lengths only.
pub(crate) fn egal_temps_constant(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed of RFC 4226 appendix D and RFC 6238 appendix B (SHA-1).
    const GRAINE: &[u8; 20] = b"12345678901234567890";

    #[track_caller]
    fn check_hotp(compteur: u64, attendu: &str) {
        assert_eq!(
            format_code(hotp(GRAINE, compteur, 6), 6),
            attendu,
            "compteur {compteur}"
        );
    }

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let attendus = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
            "520489",
        ];
        for (compteur, attendu) in (0u64..).zip(attendus) {
            check_hotp(compteur, attendu);
        }
    }

    #[track_caller]
    fn check_totp(unix_s: u64, attendu: &str) {
        assert_eq!(format_code(totp(GRAINE, unix_s, 8), 8), attendu, "t = {unix_s}");
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_sha1() {
        check_totp(59, "94287082");
        check_totp(1_111_111_109, "07081804");
        check_totp(1_111_111_111, "14050471");
        check_totp(1_234_567_890, "89005924");
        check_totp(2_000_000_000, "69279037");
        check_totp(20_000_000_000, "65353130");
    }

    #[track_caller]
    fn check_base32(entree: &str, attendu: &str) {
        assert_eq!(base32(entree.as_bytes()), attendu, "{entree:?}");
    }

    #[test]
    fn base32_matches_rfc_4648_section_10_without_padding() {
        check_base32("", "");
        check_base32("f", "MY");
        check_base32("fo", "MZXQ");
        check_base32("foo", "MZXW6");
        check_base32("foob", "MZXW6YQ");
        check_base32("fooba", "MZXW6YTB");
        check_base32("foobar", "MZXW6YTBOI");
        // The RFC test seed, as authenticator apps are given it.
        assert_eq!(base32(GRAINE), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32(&[0xff; 20]), "7".repeat(32));
    }

    fn secret() -> SecretTotp {
        SecretTotp::depuis_octets(*GRAINE)
    }

    #[test]
    fn a_code_is_accepted_within_one_step_of_skew_and_answers_its_step() {
        let now = 1_111_111_111; // step 37 037 037
        let s = secret();
        let code = |t: u64| format_code(totp(GRAINE, t, CHIFFRES), CHIFFRES);
        assert_eq!(s.verifier(&code(now), now, None), Some(37_037_037));
        assert_eq!(s.verifier(&code(now - 30), now, None), Some(37_037_036));
        assert_eq!(s.verifier(&code(now + 30), now, None), Some(37_037_038));
        assert_eq!(s.verifier(&code(now - 60), now, None), None);
        assert_eq!(s.verifier(&code(now + 60), now, None), None);
    }

    #[test]
    fn a_step_at_or_before_the_last_accepted_one_is_refused() {
        let now = 1_111_111_111;
        let s = secret();
        let code = format_code(totp(GRAINE, now, CHIFFRES), CHIFFRES);
        assert_eq!(s.verifier(&code, now, Some(37_037_036)), Some(37_037_037));
        assert_eq!(s.verifier(&code, now, Some(37_037_037)), None);
        assert_eq!(s.verifier(&code, now, Some(37_037_038)), None);
    }

    #[test]
    fn malformed_codes_are_refused_and_spaces_ignored() {
        let now = 59;
        let s = secret();
        let code = format_code(totp(GRAINE, now, CHIFFRES), CHIFFRES);
        assert_eq!(code, "287082");
        assert_eq!(s.verifier("287 082", now, None), Some(1));
        for mauvais in [
            "",
            "28708",
            "2870822",
            "28708a",
            "+87082",
            "２87082",
            &"1".repeat(100),
        ] {
            assert_eq!(s.verifier(mauvais, now, None), None, "{mauvais:?}");
        }
    }

    #[test]
    fn constant_time_equality_is_equality() {
        assert!(egal_temps_constant(b"123456", b"123456"));
        assert!(!egal_temps_constant(b"123456", b"123457"));
        assert!(!egal_temps_constant(b"123456", b"12345"));
        assert!(egal_temps_constant(b"", b""));
    }

    #[test]
    fn the_uri_carries_the_label_the_secret_and_the_parameters() {
        let uri = secret().uri("camille+totp@exemple.fr");
        assert_eq!(
            uri,
            "otpauth://totp/Toubeelib:camille%2Btotp%40exemple.fr?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Toubeelib&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn secrets_are_random_and_never_shown_by_debug() {
        let a = SecretTotp::generer().unwrap();
        let b = SecretTotp::generer().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.base32().len(), 32);
        assert_eq!(format!("{a:?}"), "SecretTotp(***)");
        assert_eq!(SecretTotp::depuis_octets(a.octets()), a);
    }
}

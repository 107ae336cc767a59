//! What the server's logs must never hold, checked on every test's server when it is dropped
//! (ARCHITECTURE.md: no secret, token, NIR or document content reaches a log line).

use crate::fixtures::{ADMIN_PASSWORD, DEMO_PASSWORD, PATIENT_PASSWORD, PRATICIEN_PASSWORD};

/// Digits in a row from which a log line might hold a NIR (13 digits and its 2-digit key).
pub const CHIFFRES_NIR_MIN: usize = 13;

/// Every forbidden thing found in `logs`, described without repeating it whole.
pub fn fuites(logs: &str) -> Vec<String> {
    let mut trouvees = Vec::new();
    for (quoi, motif) in [
        ("the admin password", ADMIN_PASSWORD),
        ("the patients' password", PATIENT_PASSWORD),
        ("the praticiens' password", PRATICIEN_PASSWORD),
        ("the demo password", DEMO_PASSWORD),
        ("a personnel password of the tests", "-e2e-2026"),
        ("an Authorization header", "Bearer "),
        ("a refresh token field", "refresh_token"),
        ("a password field", "\"password\""),
    ] {
        if logs.contains(motif) {
            trouvees.push(quoi.to_owned());
        }
    }
    if contient_un_jwt(logs) {
        trouvees.push("a JWT".to_owned());
    }
    let mut suite = 0;
    for c in logs.chars() {
        suite = if c.is_ascii_digit() { suite + 1 } else { 0 };
        if suite == CHIFFRES_NIR_MIN {
            trouvees.push(format!("{CHIFFRES_NIR_MIN} digits in a row (a NIR?)"));
        }
    }
    trouvees
}

/// Shortest header.payload.signature we call a JWT: `{"alg":"HS256"}` alone encodes to 20 characters.
const JWT_LONGUEUR_MIN: usize = 36;

/// Whether `logs` hold a JWT: `eyJ` (base64url of `{"`) starting a run of base64url characters with
/// two dots in it. Three letters alone are not enough: a random temp-dir name can hold them.
fn contient_un_jwt(logs: &str) -> bool {
    let base64url = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.';
    logs.match_indices("eyJ").any(|(debut, _)| {
        let jeton: String = logs[debut..].chars().take_while(|&c| base64url(c)).collect();
        jeton.len() >= JWT_LONGUEUR_MIN && jeton.split('.').filter(|partie| !partie.is_empty()).count() >= 3
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_log_passes_and_each_leak_is_named() {
        let propre = "2026-11-25T12:32:00.569190Z  INFO requete{request_id=01a212b1-0438-7748-9276-c87b93177ee1 \
                      method=GET path=/praticiens/00000000-0002-7000-8000-000000000001}: reponse status=200 duree_us=812";
        assert!(fuites(propre).is_empty(), "{:?}", fuites(propre));
        assert_eq!(fuites("nir=185057800608436").len(), 1);
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        assert_eq!(fuites(&format!("token {jwt} end")), ["a JWT"]);
        // A temp dir whose random suffix happens to spell the prefix is no JWT (seen once in CI).
        assert!(fuites("data_dir=/tmp/toubeelib-e2e-aeyJ9x/data").is_empty());
        assert_eq!(fuites(&format!("body={PATIENT_PASSWORD}")).len(), 1);
    }
}

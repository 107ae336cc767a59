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
        ("a JWT", "eyJ"),
        ("an Authorization header", "Bearer "),
        ("a refresh token field", "refresh_token"),
        ("a password field", "\"password\""),
    ] {
        if logs.contains(motif) {
            trouvees.push(quoi.to_owned());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_log_passes_and_each_leak_is_named() {
        let propre = "2026-11-25T12:32:00.569190Z  INFO requete{request_id=01a212b1-0438-7748-9276-c87b93177ee1 \
                      method=GET path=/praticiens/00000000-0002-7000-8000-000000000001}: reponse status=200 duree_us=812";
        assert!(fuites(propre).is_empty(), "{:?}", fuites(propre));
        assert_eq!(fuites("nir=185057800608436").len(), 1);
        assert_eq!(fuites("token eyJhbGciOiJIUzI1NiJ9").len(), 1);
        assert_eq!(fuites(&format!("body={PATIENT_PASSWORD}")).len(), 1);
    }
}

//! The opaque cursor of a result page, and how deep pages go. The matching and ranking rule is
//! [`super::moteur`]'s.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// How deep a search pages: results past this rank are not served (refine the query instead).
pub const RESULTATS_MAX: usize = 1_000;

/// The cursor of the page starting at rank `rang`: opaque to clients, so it may change shape.
pub fn curseur(rang: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("rang:{rang}"))
}

/// The rank a cursor of [`curseur`] points at; `None` for anything else (a cursor of the plain
/// listing, say), or a rank past [`RESULTATS_MAX`].
pub fn rang(curseur: &str) -> Option<usize> {
    if curseur.len() > 32 {
        return None;
    }
    let octets = URL_SAFE_NO_PAD.decode(curseur).ok()?;
    let texte = std::str::from_utf8(&octets).ok()?;
    let rang: usize = texte.strip_prefix("rang:")?.parse().ok()?;
    (rang <= RESULTATS_MAX).then_some(rang)
}

//! The one convention every domain error follows: a stable, machine-readable `code`.
//!
//! Codes are part of the HTTP and wasm contract (`creneau_indisponible`, `patient_deja_pris`…): once
//! published, a code never changes meaning. Messages (`Display`) are French, for people, and may change.

/// A domain error's machine-readable reason, as sent in problem+json `code` and to JavaScript.
pub trait Code {
    /// The stable snake_case code.
    fn code(&self) -> &'static str;
}

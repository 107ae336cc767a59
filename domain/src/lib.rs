//! Toubeelib's rules, as pure functions of their inputs.
//!
//! No I/O, no clock, no randomness: "now" and identifiers are parameters, so the server and the wasm
//! package give the same answer for the same input. The vocabulary is DOMAIN.md's (French, without
//! accents). Every refusal is a `thiserror` enum whose [`Code::code`] is the machine-readable reason
//! the HTTP API and the wasm package expose.

pub mod acces;
pub mod annulation;
pub mod attente;
pub mod bilan;
pub mod consultation;
pub mod disponibilite;
pub mod erreur;
pub mod horaires;
pub mod identifiants;
pub mod ids;
pub mod reglages;
pub mod reservation;
pub mod specialite;
pub mod statut;
pub mod temps;

pub use erreur::Code;

#[cfg(test)]
mod essais;

//! The one end-to-end test binary: each module covers one area of the API, against the real
//! `toubeelib` process started by `e2e::TestApp` (build it first: `cargo build -p server`).
//!
//! One binary rather than one per file, so Cargo links the harness once and the tests run in parallel.
//! Each test starts its own server on its own data directory, so none depends on another.

// Test code: a failed `expect` is a failed test, with its message; the server and the domain deny it.
#![allow(clippy::expect_used)]

mod acces;
mod afflux;
mod arret;
mod attente;
mod auth;
mod banque;
mod concurrence;
mod crash;
mod demo;
mod disponibilites_lieu;
mod documents;
mod dossier_administratif;
mod dst;
mod entrees_invalides;
mod espace;
mod health;
mod ics;
mod idempotence;
mod indisponibilites;
mod jetons;
mod journee;
mod lifecycle;
mod matrice;
mod messagerie;
mod metriques;
mod notifications;
mod openapi;
mod parcours_patient;
mod personnel;
mod recherche;
mod sauvegarde;
mod suivi;
mod totp;
mod wasm_parite;
mod web;

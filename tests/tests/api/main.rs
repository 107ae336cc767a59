//! The one end-to-end test binary: each module covers one area of the API, against the real
//! `toubeelib` process started by `e2e::TestApp` (build it first: `cargo build -p server`).
//!
//! One binary rather than one per file, so Cargo links the harness once and the tests run in parallel.

mod health;
mod lifecycle;
mod openapi;

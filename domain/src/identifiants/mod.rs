//! Identifiers of people, checked when parsed: once a value has its type, it is valid.

pub mod email;
pub mod nir;
pub mod rpps;
pub mod telephone;






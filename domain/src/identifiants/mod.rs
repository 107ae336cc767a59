//! Identifiers of people, checked when parsed: once a value has its type, it is valid.

pub mod bic;
pub mod email;
pub mod iban;
pub mod nir;
pub mod rpps;
pub mod telephone;

pub use bic::Bic;
pub use email::Email;
pub use iban::Iban;
pub use nir::Nir;
pub use rpps::Rpps;
pub use telephone::Telephone;

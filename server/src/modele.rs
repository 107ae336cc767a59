//! The server's entities, as the API layer and the store exchange them.
//!
//! Three kinds of types are kept apart (STYLE.md): domain types (`domain::…`, the rules), these
//! entities (what is stored about a structure, a praticien, a patient, a rdv), API types
//! (`api::…`, poem-openapi objects, the wire format) and storage records (`store::records`, versioned,
//! postcard). A change to one never silently changes the wire or the disk format of another.

use chrono::{DateTime, NaiveDate, Utc};
use domain::consultation::{Origine, TypeConsultation};
use domain::disponibilite::{DureeConsultation, Motif};
use domain::horaires::Horaires;
use domain::identifiants::{Email, Nir, Rpps, Telephone};
use domain::ids::{PatientId, PersonnelId, PraticienId, RdvId, StructureId};
use domain::reglages::Reglages;
use domain::specialite::Specialite;
use domain::statut::Statut;
use domain::temps::{Creneau, Fuseau};
use uuid::Uuid;

/// An account's id (one per person who signs in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CompteId(pub Uuid);

/// What an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A patient, with a dossier.
    Patient(PatientId),
    /// A praticien.
    Praticien(PraticienId),
    /// Personnel médical.
    Personnel(PersonnelId),
    /// The platform's administrator.
    Admin,
}

/// A sign-in account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compte {
    /// Its id.
    pub id: CompteId,
    /// Sign-in email, unique.
    pub email: Email,
    /// argon2id PHC string; never logged.
    pub mot_de_passe_hash: String,
    /// Who it is.
    pub role: Role,
    /// Created at.
    pub cree_le: DateTime<Utc>,
}

/// The kind of a place of practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeStructure {
    /// Maison médicale (maison de santé pluriprofessionnelle).
    MaisonMedicale,
    /// Cabinet.
    Cabinet,
    /// Centre de santé.
    CentreDeSante,
}

/// A place of practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structure {
    /// Its id.
    pub id: StructureId,
    /// Name.
    pub nom: String,
    /// Kind.
    pub type_structure: TypeStructure,
    /// Street address.
    pub adresse: String,
    /// Postal code.
    pub code_postal: String,
    /// Town.
    pub ville: String,
    /// Phone (for late cancellations refused online).
    pub telephone: Telephone,
    /// Time zone of its horaires.
    pub fuseau: Fuseau,
}

/// Conventionnement secteur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Secteur {
    /// Secteur 1.
    Secteur1,
    /// Secteur 2 (dépassements).
    Secteur2,
    /// Non conventionné.
    NonConventionne,
}

/// A fee for one spécialité and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Honoraire {
    /// Spécialité.
    pub specialite: Specialite,
    /// Type.
    pub type_consultation: TypeConsultation,
    /// Amount in euro cents.
    pub montant_centimes: u32,
    /// Secteur.
    pub secteur: Secteur,
}

/// How a praticien accepts payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MoyenPaiement {
    /// Carte Vitale and tiers payant.
    CarteVitale,
    /// Bank card.
    CarteBancaire,
    /// Cheque.
    Cheque,
    /// Cash.
    Especes,
    /// Bank transfer.
    Virement,
}

/// A praticien, with everything availability needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Praticien {
    /// Its id.
    pub id: PraticienId,
    /// RPPS number, unique.
    pub rpps: Rpps,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// "Dr", "Pr"…
    pub titre: Option<String>,
    /// Contact email (also its account's).
    pub email: Email,
    /// Spécialités, the first is the default.
    pub specialites: Vec<Specialite>,
    /// Structures, the first hosts the default week.
    pub structures: Vec<StructureId>,
    /// Fees.
    pub honoraires: Vec<Honoraire>,
    /// Motifs de visite.
    pub motifs: Vec<Motif>,
    /// Slot lengths other than 30 minutes.
    pub durees: Vec<DureeConsultation>,
    /// Payment methods.
    pub moyens_paiement: Vec<MoyenPaiement>,
    /// Accepts new patients.
    pub nouveaux_patients: bool,
    /// Weekly rules (empty: the default week).
    pub horaires: Horaires,
    /// Booking policy.
    pub reglages: Reglages,
}

/// Personnel médical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Personnel {
    /// Its id.
    pub id: PersonnelId,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// Email (its account's).
    pub email: Email,
    /// Where it works.
    pub structure_id: StructureId,
    /// The praticiens it works for.
    pub praticiens: Vec<PraticienId>,
}

/// The channel a patient prefers for notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Canal {
    /// Email.
    #[default]
    Email,
    /// SMS.
    Sms,
}

/// A patient's médecin traitant: a praticien of the directory, or a doctor outside it as free text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MedecinTraitant {
    /// A praticien of the directory.
    Praticien(PraticienId),
    /// Anyone else, as written ("Dr Dupont, Nancy").
    Texte(String),
}

/// A patient's partie administrative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    /// Its id.
    pub id: PatientId,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// Date of birth.
    pub date_naissance: NaiveDate,
    /// Email.
    pub email: Email,
    /// Phones, the first is the main one.
    pub telephones: Vec<Telephone>,
    /// Social security number.
    pub nir: Option<Nir>,
    /// Postal address, one string.
    pub adresse: Option<String>,
    /// Médecin traitant: a praticien of the directory or free text.
    pub medecin_traitant: Option<MedecinTraitant>,
    /// Preferred channel.
    pub canal_prefere: Canal,
}

/// One step of a rdv's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evenement {
    /// The statut reached (for a move: still `prevu`).
    pub statut: Statut,
    /// What happened, in one word: `reserve`, `deplace`, `deplace_tardivement`, `annule`…
    pub action: String,
    /// The account that did it.
    pub par: CompteId,
    /// When.
    pub le: DateTime<Utc>,
}

/// How a consultation was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModePaiement {
    /// Bank card.
    Carte,
    /// Cheque.
    Cheque,
    /// Cash.
    Especes,
    /// Tiers payant.
    TiersPayant,
    /// Bank transfer.
    Virement,
}

/// A payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paiement {
    /// Amount in euro cents.
    pub montant_centimes: u32,
    /// Mode.
    pub mode: ModePaiement,
    /// When.
    pub le: DateTime<Utc>,
}

/// A transmission to the organismes sociaux.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmission {
    /// When.
    pub le: DateTime<Utc>,
    /// To whom (CPAM…).
    pub organisme: Option<String>,
}

/// A rendez-vous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rdv {
    /// Its id (UUID v7).
    pub id: RdvId,
    /// With whom.
    pub praticien_id: PraticienId,
    /// For whom.
    pub patient_id: PatientId,
    /// Spécialité.
    pub specialite: Specialite,
    /// Type.
    pub type_consultation: TypeConsultation,
    /// Motif de visite.
    pub motif: Option<String>,
    /// When.
    pub creneau: Creneau,
    /// Where.
    pub structure_id: StructureId,
    /// Statut.
    pub statut: Statut,
    /// Online or recorded by the cabinet.
    pub origine: Origine,
    /// Every change, oldest first.
    pub historique: Vec<Evenement>,
    /// Payment, once `paye`.
    pub paiement: Option<Paiement>,
    /// Transmission, once `transmis`.
    pub transmission: Option<Transmission>,
}

/// A period off of a praticien (congés, formation…): no créneau is offered or booked inside it; the
/// rdvs it overlaps are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indisponibilite {
    /// Its id (UUID v7).
    pub id: Uuid,
    /// Whose.
    pub praticien_id: PraticienId,
    /// When, `[debut, fin)`.
    pub creneau: Creneau,
    /// Why, if said.
    pub motif: Option<String>,
}

/// A praticien's bank data ("données bancaires"), where it is paid: read and changed only by the
/// praticien, its associated personnel and the admin; never in a profile, a list, the search index or a
/// log line (`Debug` of the IBAN shows its country and last 4 characters only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonneesBancaires {
    /// The account's IBAN.
    pub iban: domain::identifiants::Iban,
    /// The bank's BIC.
    pub bic: domain::identifiants::Bic,
    /// The account holder's name, as the bank knows it.
    pub titulaire: String,
    /// Last changed at.
    pub modifie_le: DateTime<Utc>,
    /// Last changed by.
    pub modifie_par: CompteId,
}

//! Storage: the narrow door between the API and the data.
//!
//! The API layer says "book this créneau", "the rdvs of patient P to come"; only this module knows
//! redb tables ([`tables`]), records ([`records`], versioned, postcard) and indexes. [`Stockage`] is
//! the trait the API holds (`Arc<dyn Stockage>`), [`redb::RedbStore`] its one implementation.
//! Methods are blocking (redb is): the API calls them inside `spawn_blocking`.
//!
//! Invariants: a booking's check (by the domain, [`domain::reservation`]) and its write are one redb
//! write transaction, and so are a move's booking of the new créneau and release of the old, and a
//! change of a praticien's horaires or réglages (read, change, write:
//! [`Stockage::modifier_praticien_avec`], so concurrent changes are never lost); a refused write
//! changes nothing; a window query reads only the window (`(praticien, debut)` index);
//! a place query reads only that place (`(ville, structure)` and `(structure, praticien)` indexes).

pub mod records;
pub mod redb;
pub mod tables;

use chrono::{DateTime, Utc};
use domain::annulation::{Auteur, RefusAnnulation};
use domain::consultation::TypeConsultation;
use domain::disponibilite::Agenda;
use domain::identifiants::Email;
use domain::ids::{PatientId, PersonnelId, PraticienId, RdvId, StructureId};
use domain::reservation::{RefusDeplacement, RefusReservation, Reservation};
use domain::specialite::Specialite;
use domain::statut::TransitionInvalide;
use domain::temps::Creneau;

use crate::modele::{
    Compte, CompteId, Indisponibilite, Paiement, Patient, Personnel, Praticien, Rdv, Structure, Transmission,
};

/// Most items one page of a list may hold (API.md: pages ≤ 100 items).
pub const PAGE_ITEMS_MAX: usize = 100;

/// Why a storage operation did not happen. Every variant but [`StoreError::Interne`] is the caller's
/// (a 4xx); `Interne` is logged with its cause and answered as a bare 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The booking rules refused.
    #[error(transparent)]
    Reservation(#[from] RefusReservation),
    /// The move rules refused.
    #[error(transparent)]
    Deplacement(#[from] RefusDeplacement),
    /// The cancellation rules refused.
    #[error(transparent)]
    Annulation(#[from] RefusAnnulation),
    /// The statut machine refused.
    #[error(transparent)]
    Transition(#[from] TransitionInvalide),
    /// No such entity; names what was looked for (`rdv`, `praticien`, `patient`…).
    #[error("{0} introuvable")]
    Introuvable(&'static str),
    /// A uniqueness rule: `email_deja_utilise`, `rpps_deja_utilise`.
    #[error("conflit : {0}")]
    Conflit(&'static str),
    /// The same Idempotency-Key with another body.
    #[error("clé d'idempotence déjà utilisée pour une autre requête")]
    IdempotenceReutilisee,
    /// redb or encoding failed; the message is for the log only.
    #[error("erreur de stockage : {0}")]
    Interne(String),
    /// Too many writes are waiting for their batch (503 + Retry-After).
    #[error("trop d'écritures en attente, réessayez dans un instant")]
    Sature,
}

/// The group commit's counters since the store was opened (`/metrics`, `BENCHMARKS.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatistiquesEcritures {
    /// Batches committed durably.
    pub lots: u64,
    /// Writes made durable by those batches (`ecritures / lots` is the mean batch size).
    pub ecritures: u64,
    /// The largest batch committed.
    pub lot_max: u64,
    /// Batches whose commit failed (each of their writers got an error).
    pub lots_echoues: u64,
    /// Writes run again because a later writer of their batch refused.
    pub rejouees: u64,
    /// Writes refused at once because [`redb::groupe::ATTENTE_MAX`] were waiting.
    pub saturees: u64,
}

/// A page of a list, with the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Opaque cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// Which end of a patient's rdvs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Periode {
    /// Started before now, most recent first.
    Passes,
    /// Starting from now, soonest first.
    AVenir,
}

/// Filters of `GET /praticiens` (all combine; `None` = any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiltrePraticiens {
    /// Practises this spécialité.
    pub specialite: Option<Specialite>,
    /// Works at a structure in this ville (case- and accent-insensitive equality).
    pub ville: Option<String>,
    /// Works at this structure.
    pub structure: Option<StructureId>,
    /// Offers this type in its horaires (or the default week, présentiel).
    pub type_consultation: Option<TypeConsultation>,
}

/// An Idempotency-Key as the store keeps it: per account, with a hash of the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleIdempotence {
    /// Whose request.
    pub compte: CompteId,
    /// The header's value (≤ 255 characters).
    pub cle: String,
    /// SHA-256 of method, path and body.
    pub empreinte: [u8; 32],
}

/// A response remembered for an Idempotency-Key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReponseMemorisee {
    /// SHA-256 of method, path and body of the first request.
    pub empreinte: [u8; 32],
    /// HTTP status of the first answer.
    pub statut: u16,
    /// Body of the first answer (JSON).
    pub corps: String,
}

/// A new booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NouvelleReservation {
    /// Id of the rdv to create (UUID v7, made by the caller).
    pub rdv_id: RdvId,
    /// With whom.
    pub praticien_id: PraticienId,
    /// For whom.
    pub patient_id: PatientId,
    /// What and when.
    pub reservation: Reservation,
    /// The account booking.
    pub par: CompteId,
    /// Idempotency-Key, if the request carried one.
    pub idempotence: Option<CleIdempotence>,
}

/// One booking's answer in a batch ([`Stockage::reserver_lot`]): booked or replayed, with the
/// praticien's réglages (the answer's links), or refused.
pub type ReponseReservation = Result<(Reserve, domain::reglages::Reglages), StoreError>;

/// What a booking did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserve {
    /// A new rdv.
    Nouveau(Rdv),
    /// The same Idempotency-Key and body as an earlier booking: that rdv, unchanged.
    Rejoue(Rdv),
}

/// A statut change asked by the praticien or personnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangementStatut {
    /// The patient came.
    Honore,
    /// The patient did not come.
    NonHonore,
    /// Paid.
    Paye(Paiement),
    /// Sent to the organismes sociaux.
    Transmis(Transmission),
}

/// A refresh token as stored: only its SHA-256 is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JetonRafraichissement {
    /// SHA-256 of the opaque token.
    pub empreinte: [u8; 32],
    /// Whose.
    pub compte: CompteId,
    /// Its family: every token rotated from the same sign-in.
    pub famille: uuid::Uuid,
    /// Expires at.
    pub expire_le: DateTime<Utc>,
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// Valid and unused: it is now used, and the new token (same family) is stored.
    Tournee {
        /// Whose.
        compte: CompteId,
    },
    /// Already used: the whole family is now revoked (a stolen token was replayed).
    Reutilisee,
    /// Unknown, expired or of a revoked family.
    Invalide,
}

/// An account's TOTP second factor. `Debug` redacts the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SecondFacteur {
    /// The shared secret (RFC 4226: 160 bits).
    pub secret: [u8; 20],
    /// Confirmed with a code: sign-in asks for one. Pending until then.
    pub actif: bool,
    /// The last time step a code was accepted for (0: none yet); that step and earlier are refused.
    pub dernier_pas: u64,
    /// When the secret was made.
    pub cree_le: DateTime<Utc>,
}

impl std::fmt::Debug for SecondFacteur {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFacteur")
            .field("secret", &"***")
            .field("actif", &self.actif)
            .field("dernier_pas", &self.dernier_pas)
            .field("cree_le", &self.cree_le)
            .finish()
    }
}

/// The store, as the API sees it.
pub trait Stockage: Send + Sync + 'static {
    // --- readiness and seeding
    /// Whether the store can read and write (for `/health`).
    fn pret(&self) -> Result<(), StoreError>;
    /// Whether the store holds no account and no structure (a fresh start, to seed).
    fn est_vide(&self) -> Result<bool, StoreError>;

    // --- accounts
    /// Creates a patient account and its dossier; `Conflit("email_deja_utilise")` if the email is taken.
    fn creer_patient(&self, compte: &Compte, patient: &Patient) -> Result<(), StoreError>;
    /// Creates a praticien and its account; `Conflit` on a taken email or RPPS.
    fn creer_praticien(&self, compte: &Compte, praticien: &Praticien) -> Result<(), StoreError>;
    /// Creates personnel and its account; `Conflit` on a taken email.
    fn creer_personnel(&self, compte: &Compte, personnel: &Personnel) -> Result<(), StoreError>;
    /// Creates an admin account; `Conflit` on a taken email.
    fn creer_admin(&self, compte: &Compte) -> Result<(), StoreError>;
    /// The account with this email.
    fn compte_par_email(&self, email: &Email) -> Result<Option<Compte>, StoreError>;
    /// The account with this id.
    fn compte(&self, id: CompteId) -> Result<Option<Compte>, StoreError>;
    /// Replaces the password hash and revokes every refresh family of the account but `sauf`.
    fn changer_mot_de_passe(
        &self,
        id: CompteId,
        hash: &str,
        sauf: Option<uuid::Uuid>,
    ) -> Result<(), StoreError>;

    // --- refresh tokens
    /// Stores a new refresh token (a sign-in starts a family).
    fn enregistrer_jeton(&self, jeton: &JetonRafraichissement) -> Result<(), StoreError>;
    /// In one transaction: checks the presented token, marks it used and stores `nouveau` in its family;
    /// a reused token revokes its family.
    fn tourner_jeton(
        &self,
        presente: [u8; 32],
        nouveau: [u8; 32],
        expire_le: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Rotation, StoreError>;
    /// Revokes the family of this token (sign-out); unknown tokens are ignored.
    fn revoquer_famille(&self, jeton: [u8; 32]) -> Result<(), StoreError>;
    /// The family of a token, if it is known and not revoked.
    fn famille(&self, jeton: [u8; 32]) -> Result<Option<uuid::Uuid>, StoreError>;

    // --- directory
    /// Creates a structure.
    fn creer_structure(&self, structure: &Structure) -> Result<(), StoreError>;
    /// One structure.
    fn structure(&self, id: StructureId) -> Result<Option<Structure>, StoreError>;
    /// Structures, optionally of one ville (case- and accent-insensitive), by name.
    fn structures(&self, ville: Option<&str>, limit: usize) -> Result<Vec<Structure>, StoreError>;
    /// One praticien.
    fn praticien(&self, id: PraticienId) -> Result<Option<Praticien>, StoreError>;
    /// Praticiens in the order of `ids` (unknown ones skipped), each with its structures, in one read
    /// transaction: a page of search results ([`PAGE_ITEMS_MAX`] at most).
    fn praticiens_et_lieux(
        &self,
        ids: &[PraticienId],
    ) -> Result<Vec<(Praticien, Vec<Structure>)>, StoreError>;
    /// Praticiens matching the filter, by (nom, prenom, id), from the cursor.
    fn praticiens(
        &self,
        filtre: &FiltrePraticiens,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Praticien>, StoreError>;
    /// The praticiens of a place: working at `structure`, or at a structure of `ville` (case- and
    /// accent-insensitive), practising `specialite` if given; by id, from the cursor. Reads the place's
    /// index entries and the records of one page, never the country. Neither place: an empty page.
    fn praticiens_du_lieu(
        &self,
        ville: Option<&str>,
        structure: Option<StructureId>,
        specialite: Option<Specialite>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Praticien>, StoreError>;
    /// Praticiens in id order, strictly after `apres`: a plain walk of the table, for rebuilding what
    /// derives from the directory (the search index) in one linear pass.
    fn praticiens_par_id(
        &self,
        apres: Option<PraticienId>,
        limit: usize,
    ) -> Result<Vec<Praticien>, StoreError>;
    /// Replaces a praticien's record (horaires, réglages, profile) with this whole copy: for a copy read
    /// in another transaction, prefer [`Stockage::modifier_praticien_avec`], which cannot lose a
    /// concurrent change.
    fn modifier_praticien(&self, praticien: &Praticien) -> Result<(), StoreError>;
    /// Changes a praticien in one write transaction: reads its record, applies `changer`, writes the
    /// result through the same checks and indexes as [`Stockage::modifier_praticien`] and answers it.
    /// Two concurrent changes serialise, so neither is lost. `Introuvable("praticien")` if it is
    /// unknown (`changer` is not called); an `Err` from `changer` (or a changed id, `Interne`) writes
    /// nothing and is answered as is.
    fn modifier_praticien_avec(
        &self,
        id: PraticienId,
        changer: &mut dyn FnMut(&mut Praticien) -> Result<(), StoreError>,
    ) -> Result<Praticien, StoreError>;
    /// The directory generation: bumped by every write to a praticien or a structure (the search index
    /// compares it with the generation it was built from).
    fn generation_annuaire(&self) -> Result<u64, StoreError>;
    /// One personnel.
    fn personnel(&self, id: PersonnelId) -> Result<Option<Personnel>, StoreError>;
    /// One patient's partie administrative.
    fn patient(&self, id: PatientId) -> Result<Option<Patient>, StoreError>;
    /// A patient's ties: praticiens with the patient in their patientèle, praticiens with a rdv
    /// (any statut) with them.
    fn liens(&self, patient: PatientId) -> Result<(Vec<PraticienId>, Vec<PraticienId>), StoreError>;

    // --- dossier patient, partie administrative
    /// Changes a patient's partie administrative in one write transaction: reads it, applies `changer`,
    /// checks and writes the result. A médecin traitant newly set to a praticien must be in the directory
    /// (`Introuvable("praticien")`); a new email must be no other account's
    /// (`Conflit("email_deja_utilise")`), and the patient's account signs in with it from then on (the
    /// email index follows in the same transaction). `Introuvable("patient")` if the patient is unknown
    /// (`changer` is not called); an `Err` from `changer` (or a changed id, `Interne`) writes nothing and
    /// is answered as is.
    fn modifier_patient(
        &self,
        id: PatientId,
        changer: &mut dyn FnMut(&mut Patient) -> Result<(), StoreError>,
    ) -> Result<Patient, StoreError>;
    /// The praticiens the patient consulted — a rdv with them was honoured (`honore`, `paye` or
    /// `transmis`) — each with the start of the latest such rdv, most recent first, over the patient's
    /// latest [`redb::RDVS_PARCOURUS_MAX`] rdvs (one read transaction); `Introuvable("patient")` if the
    /// patient is unknown.
    fn praticiens_consultes(&self, patient: PatientId)
    -> Result<Vec<(Praticien, DateTime<Utc>)>, StoreError>;

    // --- iCalendar feed
    /// The secret of the praticien's planning feed, or, if it has none yet, `nouveau_si_absent` stored as
    /// it (one write transaction); `Introuvable("praticien")` if the praticien is unknown.
    fn jeton_ics(&self, praticien: PraticienId, nouveau_si_absent: [u8; 32]) -> Result<[u8; 32], StoreError>;
    /// Replaces the secret of the praticien's planning feed: the old one no longer opens it;
    /// `Introuvable("praticien")` if the praticien is unknown.
    fn tourner_jeton_ics(&self, praticien: PraticienId, nouveau: [u8; 32]) -> Result<(), StoreError>;

    // --- patientèle
    /// Adds a patient to a praticien's patientèle and answers since when it is there (idempotent: a
    /// patient already there keeps its date); `Introuvable("praticien" | "patient")` if either is unknown.
    fn ajouter_a_la_patientele(
        &self,
        praticien: PraticienId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, StoreError>;
    /// The praticien's patientèle table (added patients: not every patient with a rdv), by patient id,
    /// from the cursor, with when each was added.
    fn patientele(
        &self,
        praticien: PraticienId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<(PatientId, DateTime<Utc>)>, StoreError>;

    // --- availability and rdvs
    /// The praticien and its agenda for `fenetre` (horaires, réglages, lieux, the indisponibilités and
    /// rdvs holding a créneau that touch the window, and no patient data).
    fn agenda(&self, praticien: PraticienId, fenetre: Creneau) -> Result<(Praticien, Agenda), StoreError>;
    /// Books, in one write transaction: domain validation against the stored state, then the rdv and its
    /// indexes. With an Idempotency-Key already used with the same body: `Rejoue`.
    fn reserver(&self, demande: &NouvelleReservation, now: DateTime<Utc>) -> Result<Reserve, StoreError>;
    /// Books each of `lot` in turn, in one write transaction: each sees the ones before it (two of one
    /// créneau: the first wins), and each gets its own answer, with the praticien's réglages; a
    /// refused one writes nothing and leaves the others booked. `Err` when the transaction itself
    /// fails (a write or the commit): then none is booked.
    fn reserver_lot(
        &self,
        lot: &[(NouvelleReservation, DateTime<Utc>)],
    ) -> Result<Vec<ReponseReservation>, StoreError>;
    /// Moves (and/or changes the type of) a rdv, in one write transaction, keeping its id and history.
    fn deplacer(
        &self,
        rdv: RdvId,
        demande: &Reservation,
        auteur: Auteur,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<Rdv, StoreError>;
    /// Cancels under the 24-hour rule; the créneau is free again.
    fn annuler(
        &self,
        rdv: RdvId,
        auteur: Auteur,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<Rdv, StoreError>;
    /// Applies a statut change through the domain's state machine.
    fn changer_statut(
        &self,
        rdv: RdvId,
        changement: &ChangementStatut,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<Rdv, StoreError>;
    /// One rdv.
    fn rdv(&self, id: RdvId) -> Result<Option<Rdv>, StoreError>;
    /// A patient's rdvs: past (most recent first) or to come (soonest first), from the cursor.
    fn rdvs_du_patient(
        &self,
        patient: PatientId,
        periode: Periode,
        now: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Rdv>, StoreError>;
    /// The praticien's rdvs (every statut) that overlap `fenetre`, by start, from the `(praticien,
    /// debut)` index. The caller bounds the window ([`domain::disponibilite::FENETRE_JOURS_MAX`]); a
    /// longer one is refused as a bug (`Interne`).
    fn rdvs_du_praticien(&self, praticien: PraticienId, fenetre: Creneau) -> Result<Vec<Rdv>, StoreError>;
    /// Writes a rdv as is, without the booking rules: for the demo dataset's past rdvs only.
    fn importer_rdv(&self, rdv: &Rdv) -> Result<(), StoreError>;

    // --- indisponibilités
    /// Adds a period off (`id` made by the caller, UUID v7). From then on the agenda holds it, so its
    /// créneaux are neither offered nor bookable; the rdvs inside it are left as they are.
    fn ajouter_indisponibilite(
        &self,
        praticien: PraticienId,
        id: uuid::Uuid,
        creneau: Creneau,
        motif: Option<String>,
    ) -> Result<(), StoreError>;
    /// The praticien's periods off that overlap `fenetre`, by start; past periods are never read.
    fn indisponibilites(
        &self,
        praticien: PraticienId,
        fenetre: Creneau,
    ) -> Result<Vec<Indisponibilite>, StoreError>;
    /// Removes a period off: its créneaux are free again. `Introuvable("indisponibilité")` if it is not
    /// one of that praticien's.
    fn supprimer_indisponibilite(&self, praticien: PraticienId, id: uuid::Uuid) -> Result<(), StoreError>;

    // --- bank data
    /// A praticien's bank data, `None` if none is recorded yet; `Introuvable("praticien")` if the
    /// praticien is unknown (one read transaction).
    fn donnees_bancaires(
        &self,
        praticien: PraticienId,
    ) -> Result<Option<crate::modele::DonneesBancaires>, StoreError>;
    /// Records (or replaces) a praticien's bank data, in one write transaction; `Introuvable("praticien")`
    /// if the praticien is unknown. Nothing derived from the directory changes (no index, no generation).
    fn modifier_donnees_bancaires(
        &self,
        praticien: PraticienId,
        donnees: &crate::modele::DonneesBancaires,
    ) -> Result<(), StoreError>;

    // --- second factor
    /// The account's TOTP second factor, pending or active.
    fn second_facteur(&self, compte: CompteId) -> Result<Option<SecondFacteur>, StoreError>;
    /// Stores a pending second factor with this secret, replacing a pending one (one write transaction);
    /// `Conflit("totp_deja_actif")` if the account's factor is active.
    fn preparer_second_facteur(
        &self,
        compte: CompteId,
        secret: [u8; 20],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Activates the pending factor, in one write transaction, if it still holds `secret` (the one the
    /// code was checked against), with `pas` as its last accepted step. `Conflit("totp_deja_actif")` if
    /// active, `Conflit("totp_non_demande")` if there is none, `Conflit("totp_remplace")` if another
    /// secret was asked for since.
    fn activer_second_facteur(&self, compte: CompteId, secret: [u8; 20], pas: u64) -> Result<(), StoreError>;
    /// Accepts the time step `pas` of the active factor once: `true`, and `pas` becomes the last
    /// accepted step, if it is after the last accepted one; `false` otherwise or without an active
    /// factor. One write transaction, so two sign-ins with one code cannot both pass.
    fn accepter_pas_totp(&self, compte: CompteId, pas: u64) -> Result<bool, StoreError>;
    /// Removes the active factor if `pas` is accepted as by [`Stockage::accepter_pas_totp`] (one write
    /// transaction); `false`, and nothing removed, otherwise.
    fn retirer_second_facteur(&self, compte: CompteId, pas: u64) -> Result<bool, StoreError>;
    /// Sets whether the praticiens and personnel of a structure must have an active second factor;
    /// `Introuvable("structure")` if it is unknown.
    fn modifier_securite_structure(
        &self,
        structure: StructureId,
        totp_obligatoire: bool,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Whether the account must enrol a second factor before anything else: a praticien or personnel of
    /// a structure that requires one, without an active factor. One read transaction, which reads one
    /// table header while no structure requires a second factor.
    fn totp_manquant(&self, compte: CompteId, role: crate::modele::Role) -> Result<bool, StoreError>;

    // --- idempotency of other retried writes
    /// The response remembered for this key, if any.
    fn reponse_memorisee(&self, compte: CompteId, cle: &str) -> Result<Option<ReponseMemorisee>, StoreError>;
    /// Remembers a response for this key (kept 24 hours).
    fn memoriser_reponse(
        &self,
        compte: CompteId,
        cle: &str,
        reponse: &ReponseMemorisee,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    // --- partie médicale: documents, access log, export
    /// Records a document whose bytes the [`crate::documents::Coffre`] already holds, its index entry and
    /// the notification `notification` telling the patient, in one write transaction;
    /// `Introuvable("patient")` if the patient is unknown.
    fn enregistrer_document(
        &self,
        document: &crate::documents::Document,
        notification: uuid::Uuid,
    ) -> Result<(), StoreError>;
    /// A consistent snapshot of the whole store (one read transaction) written as a new redb file at
    /// `cible`, which must not exist; what it holds. Writes go on meanwhile.
    fn instantane(&self, cible: &std::path::Path) -> Result<crate::store::redb::Instantane, StoreError>;
    /// One document's metadata.
    fn document(
        &self,
        id: crate::documents::DocumentId,
    ) -> Result<Option<crate::documents::Document>, StoreError>;
    /// A patient's partie médicale (one read transaction): the honoured rdvs (`honore`, `paye`,
    /// `transmis`) with their praticien and the documents, the latest first, each list bounded;
    /// `Introuvable("patient")` if the patient is unknown.
    fn dossier_medical(&self, patient: PatientId) -> Result<crate::documents::DossierMedical, StoreError>;
    /// Appends one read to its patient's access log. The log is append-only: no method changes or
    /// removes an entry.
    fn journaliser_acces(&self, acces: &crate::documents::Acces) -> Result<(), StoreError>;
    /// A patient's access log, the latest first, from the cursor, each entry with who read by name.
    fn journal_acces(
        &self,
        patient: PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::documents::EntreeJournal>, StoreError>;
    /// Everything held on the patient whose account is `compte` (one read transaction, each list
    /// bounded); `Introuvable("patient" | "compte")` if either is unknown.
    fn export_patient(
        &self,
        patient: PatientId,
        compte: CompteId,
    ) -> Result<crate::documents::ExportPatient, StoreError>;

    // --- notifications (the outbox; enqueueing is inside each change's own transaction)
    /// The notifications due at `now`, the earliest first, at most `limite`, each resolved for sending
    /// (the patient's contact and channel, the praticien, the structure) or found void.
    fn notifications_dues(
        &self,
        now: DateTime<Utc>,
        limite: usize,
    ) -> Result<Vec<crate::notifications::NotificationDue>, StoreError>;
    /// Settles one delivery attempt in a write transaction. A notification already settled (sent,
    /// failed, void) stays as it is.
    fn marquer_notification(
        &self,
        id: uuid::Uuid,
        issue: crate::notifications::Issue,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// How many notifications wait, and how many were given up.
    fn profondeur_outbox(&self) -> Result<crate::notifications::ProfondeurOutbox, StoreError>;
    /// Voids every pending notification (the demo dataset's, written by its bookings); how many.
    fn abandonner_notifications(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Notified after each commit that may have enqueued a notification.
    fn reveil_notifications(&self) -> std::sync::Arc<tokio::sync::Notify>;
    /// The group commit's counters since the store was opened.
    fn statistiques_ecritures(&self) -> StatistiquesEcritures;

    // --- messagerie
    /// The conversation of `nouvelle`'s patient and praticien, as `pour` lists it: the one already
    /// open (`false`), or `nouvelle` itself, recorded with its indexes in one write transaction
    /// (`true`). `Introuvable("patient" | "praticien")` if either is unknown. The caller checks the link.
    fn ouvrir_conversation(
        &self,
        nouvelle: &crate::messagerie::Conversation,
        pour: crate::messagerie::Partie,
    ) -> Result<(crate::messagerie::ResumeConversation, bool), StoreError>;
    /// One conversation.
    fn conversation(
        &self,
        id: crate::messagerie::ConversationId,
    ) -> Result<Option<crate::messagerie::Conversation>, StoreError>;
    /// The member's conversations, the latest activity first, from the cursor, each with the other
    /// party's name and the member's unread count.
    fn conversations(
        &self,
        membre: crate::messagerie::Membre,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::messagerie::ResumeConversation>, StoreError>;
    /// Records a message in one write transaction: the message, its conversation's last activity (and
    /// the listings' keys), the sender's unread count set to 0 and the other party's raised by one.
    /// `Introuvable("conversation")` if it is unknown.
    fn envoyer_message(&self, message: &crate::messagerie::Message) -> Result<(), StoreError>;
    /// A page of a conversation's messages, the latest first, from the cursor; then what `lecteur` had
    /// not read is marked read (messages arrived meanwhile stay unread). `Introuvable("conversation")`
    /// if it is unknown.
    fn lire_messages(
        &self,
        conversation: crate::messagerie::ConversationId,
        lecteur: crate::messagerie::Partie,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::messagerie::Message>, StoreError>;

    // --- liste d'attente
    /// Registers a wait (its state `EnAttente`) at the end of the praticien's queue.
    /// `Introuvable("patient" | "praticien")`; `Conflit("deja_en_attente")` if the patient already waits
    /// for this praticien, `Conflit("trop_d_attentes")` past
    /// [`crate::attente::ATTENTES_OUVERTES_PAR_PATIENT_MAX`] open entries.
    fn creer_attente(&self, attente: &crate::attente::Attente) -> Result<(), StoreError>;
    /// One waiting-list entry.
    fn attente(&self, id: uuid::Uuid) -> Result<Option<crate::attente::Attente>, StoreError>;
    /// Leaves the list (`Retiree`; again: nothing); a créneau it held goes to the next one in the same
    /// transaction. `Conflit("attente_close")` once accepted.
    fn retirer_attente(&self, id: uuid::Uuid, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Takes the offer: books the held créneau for the entry's patient under the booking rules as rdv
    /// `rdv`, and closes the entry, in one write transaction. `Conflit("offre_expiree" | "aucune_offre" |
    /// "attente_close")`, or the booking's refusal.
    fn accepter_offre(
        &self,
        id: uuid::Uuid,
        rdv: RdvId,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<Rdv, StoreError>;
    /// Removes the holds lapsed at `now` and offers each créneau to the next matching entry not offered
    /// it yet; how many were handed on.
    fn relayer_offres_expirees(&self, now: DateTime<Utc>) -> Result<usize, StoreError>;
}

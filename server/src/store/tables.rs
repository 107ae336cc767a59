//! Every redb table, as a typed constant, with its secondary indexes beside it.
//!
//! Ids are `u128` ([`uuid::Uuid::as_u128`]), instants `i64` Unix milliseconds, values postcard
//! [`Record`]s. An index maps a composite key to `()` (or to the few bytes a scan needs), so a window
//! query is a range scan over the window only. Table names carry their version (`rdvs_v1`): a new
//! record shape is a new table, migrated from the old one, and [`VERSION_SCHEMA`] in [`META`] says
//! which set a file holds.

use redb::TableDefinition;

use super::records::{
    CompteV1, FamilleV1, IdempotenceRdvV1, IndisponibiliteV1, JetonV1, PatientV1, PatientV2, PersonnelV1,
    PraticienV1, RdvV1, Record, ReponseV1, StructureV1,
};

/// The schema this code reads and writes. Version 2 added [`PRATICIENS_PAR_STRUCTURE`] and
/// [`STRUCTURES_PAR_VILLE`], version 3 [`PRATICIENS_PAR_NOM`], each built from the records when an
/// older file is opened; version 4 moved the patients from [`PATIENTS_V1`] to [`PATIENTS`]
/// ([`PatientV2`]: the médecin traitant is a praticien of the directory or free text); version 5 moved
/// the notifications from [`NOTIFICATIONS_V1`] to the outbox [`NOTIFICATIONS`] (`NotificationV2`).
pub const VERSION_SCHEMA: u64 = 5;
/// Key of the schema version in [`META`].
pub const CLE_VERSION_SCHEMA: &str = "version_schema";

/// Key of the directory generation in [`META`]: bumped by every write to a praticien or a structure, so
/// that the search index, which keeps the generation it was built from, knows when it is stale.
pub const CLE_GENERATION_ANNUAIRE: &str = "generation_annuaire";

/// File-wide facts: the schema version, the directory generation.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Accounts by id.
pub const COMPTES: TableDefinition<u128, Record<CompteV1>> = TableDefinition::new("comptes_v1");
/// Index: lower-case email → account id (emails are unique).
pub const COMPTES_PAR_EMAIL: TableDefinition<&str, u128> = TableDefinition::new("comptes_par_email_v1");

/// Refresh tokens by the SHA-256 of the token (the token itself is never stored).
pub const JETONS: TableDefinition<[u8; 32], Record<JetonV1>> = TableDefinition::new("jetons_v1");
/// Refresh-token families by id (revoked or not).
pub const FAMILLES: TableDefinition<u128, Record<FamilleV1>> = TableDefinition::new("familles_v1");
/// Index: (account, family) → (), to revoke an account's families without a scan.
pub const FAMILLES_PAR_COMPTE: TableDefinition<(u128, u128), ()> =
    TableDefinition::new("familles_par_compte_v1");

/// Places of practice by id.
pub const STRUCTURES: TableDefinition<u128, Record<StructureV1>> = TableDefinition::new("structures_v1");
/// Index: (ville folded by [`super::redb::replier`], structure) → (): the structures of one ville
/// without a scan of the country.
pub const STRUCTURES_PAR_VILLE: TableDefinition<(&str, u128), ()> =
    TableDefinition::new("structures_par_ville_v1");

/// Praticiens by id.
pub const PRATICIENS: TableDefinition<u128, Record<PraticienV1>> = TableDefinition::new("praticiens_v1");
/// Index: RPPS (11 digits) → praticien id (RPPS numbers are unique).
pub const PRATICIENS_PAR_RPPS: TableDefinition<&str, u128> = TableDefinition::new("praticiens_par_rpps_v1");
/// Index: (structure, praticien) → (): the praticiens of one place, by id.
pub const PRATICIENS_PAR_STRUCTURE: TableDefinition<(u128, u128), ()> =
    TableDefinition::new("praticiens_par_structure_v1");

/// Index: (folded nom, folded prénom, praticien) → (): the directory in name order, so a page of the
/// listing reads that page, not every praticien.
pub const PRATICIENS_PAR_NOM: TableDefinition<(&str, &str, u128), ()> =
    TableDefinition::new("praticiens_par_nom_v1");

/// The secret of each praticien's iCalendar feed (`/praticiens/{id}/planning.ics?jeton=`), by praticien:
/// 32 random bytes, made on first use and replaced when the praticien rotates it. A new table needs no
/// migration: opening the store creates it.
pub const JETONS_ICS: TableDefinition<u128, [u8; 32]> = TableDefinition::new("jetons_ics_v1");

/// Personnel by id.
pub const PERSONNELS: TableDefinition<u128, Record<PersonnelV1>> = TableDefinition::new("personnels_v1");

/// Patients (partie administrative) by id.
pub const PATIENTS: TableDefinition<u128, Record<PatientV2>> = TableDefinition::new("patients_v2");
/// Patients as schema 3 and older kept them: read and deleted by the migration to version 4, never
/// opened otherwise.
pub const PATIENTS_V1: TableDefinition<u128, Record<PatientV1>> = TableDefinition::new("patients_v1");

/// Patientèle: (praticien, patient) → since (ms).
pub const PATIENTELE: TableDefinition<(u128, u128), i64> = TableDefinition::new("patientele_v1");
/// Index: (patient, praticien) → (), the patientèle seen from the patient.
pub const PATIENTELE_PAR_PATIENT: TableDefinition<(u128, u128), ()> =
    TableDefinition::new("patientele_par_patient_v1");

/// Periods off by id.
pub const INDISPONIBILITES: TableDefinition<u128, Record<IndisponibiliteV1>> =
    TableDefinition::new("indisponibilites_v1");
/// Index: (praticien, fin ms, id) → debut ms. Keyed by the end so that the periods touching a window
/// are the ones ending after its start: past periods are never read.
pub const INDISPONIBILITES_PAR_PRATICIEN: TableDefinition<(u128, i64, u128), i64> =
    TableDefinition::new("indisponibilites_par_praticien_v1");

/// Rendez-vous by id.
pub const RDVS: TableDefinition<u128, Record<RdvV1>> = TableDefinition::new("rdvs_v1");
/// Index: (praticien, debut ms, rdv) → (), every statut.
pub const RDVS_PAR_PRATICIEN: TableDefinition<(u128, i64, u128), ()> =
    TableDefinition::new("rdvs_par_praticien_v1");
/// Index: (patient, debut ms, rdv) → (), every statut.
pub const RDVS_PAR_PATIENT: TableDefinition<(u128, i64, u128), ()> =
    TableDefinition::new("rdvs_par_patient_v1");
/// Index: (patient, praticien) → () once they have had a rdv (any statut): the patient's links, and
/// "known" for the booking rules, without reading the patient's history.
pub const PRATICIENS_DU_PATIENT: TableDefinition<(u128, u128), ()> =
    TableDefinition::new("praticiens_du_patient_v1");

/// Bookings made under an Idempotency-Key: (account, key) → request hash, rdv, when.
pub const IDEMPOTENCE_RDVS: TableDefinition<(u128, &str), Record<IdempotenceRdvV1>> =
    TableDefinition::new("idempotence_rdvs_v1");
/// Other retried writes: (account, key) → request hash, remembered response, when.
pub const REPONSES: TableDefinition<(u128, &str), Record<ReponseV1>> = TableDefinition::new("reponses_v1");

/// Each praticien's bank data, by praticien. Read only through `GET /praticiens/{id}/donnees-bancaires`:
/// no index, no list, nothing derived from it. A new table needs no migration: opening the store creates
/// it.
pub const DONNEES_BANCAIRES: TableDefinition<u128, Record<super::records::DonneesBancairesV1>> =
    TableDefinition::new("donnees_bancaires_v1");

/// Each account's TOTP second factor (pending or active), by account. A new table needs no migration:
/// opening the store creates it.
pub const TOTP: TableDefinition<u128, Record<super::records::TotpV1>> = TableDefinition::new("totp_v1");

/// The sign-in policy of structures stricter than the default (a second factor required of their
/// praticiens and personnel), by structure. Usually empty, which the session checks first.
pub const SECURITE_STRUCTURES: TableDefinition<u128, Record<super::records::SecuriteStructureV1>> =
    TableDefinition::new("securite_structures_v1");

/// Documents of the partie médicale by id: their metadata. Their bytes are the file
/// `DATA_DIR/documents/<id>` ([`crate::documents::Coffre`]). New tables need no migration: opening the
/// store creates them.
pub const DOCUMENTS: TableDefinition<u128, Record<super::records::DocumentV1>> =
    TableDefinition::new("documents_v1");
/// Index: (patient, uploaded at ms, document) → (), a patient's documents in upload order.
pub const DOCUMENTS_PAR_PATIENT: TableDefinition<(u128, i64, u128), ()> =
    TableDefinition::new("documents_par_patient_v1");
/// The access log of the partie médicale, append-only: (patient, read at ms, id) → who, role, what,
/// request id. Entries are inserted, never changed nor removed.
pub const JOURNAL_ACCES: TableDefinition<(u128, i64, u128), Record<super::records::AccesV1>> =
    TableDefinition::new("journal_acces_v1");
/// Version 4's notifications (document disponible only), moved to [`NOTIFICATIONS`] by the migration
/// to version 5.
pub const NOTIFICATIONS_V1: TableDefinition<u128, Record<super::records::NotificationV1>> =
    TableDefinition::new("notifications_v1");
/// The outbox: every notification, by id (UUID v7, so in creation order), sent or not.
pub const NOTIFICATIONS: TableDefinition<u128, Record<super::records::NotificationV2>> =
    TableDefinition::new("notifications_v2");
/// Index: (due ms, notification) → (), the notifications still to send, the earliest due first.
pub const NOTIFICATIONS_DUES: TableDefinition<(i64, u128), ()> =
    TableDefinition::new("notifications_dues_v1");
/// Index: notification → (), those given up after the last attempt (the outbox's failed count).
pub const NOTIFICATIONS_ECHOUEES: TableDefinition<u128, ()> =
    TableDefinition::new("notifications_echouees_v1");

/// Conversations of the messagerie by id. New tables need no migration: opening the store creates them.
pub const CONVERSATIONS: TableDefinition<u128, Record<super::records::ConversationV1>> =
    TableDefinition::new("conversations_v1");
/// Index: (patient, praticien) → conversation: one conversation per pair, so opening it twice answers
/// the same one.
pub const CONVERSATIONS_PAR_PARTIES: TableDefinition<(u128, u128), u128> =
    TableDefinition::new("conversations_par_parties_v1");
/// Index: (patient, last activity ms, conversation) → (), a patient's conversations, latest first.
pub const CONVERSATIONS_PAR_PATIENT: TableDefinition<(u128, i64, u128), ()> =
    TableDefinition::new("conversations_par_patient_v1");
/// Index: (praticien, last activity ms, conversation) → (), a praticien's conversations, latest first.
pub const CONVERSATIONS_PAR_PRATICIEN: TableDefinition<(u128, i64, u128), ()> =
    TableDefinition::new("conversations_par_praticien_v1");
/// Messages: (conversation, sent at ms, message) → the message, so a page is a range scan of one
/// conversation.
pub const MESSAGES: TableDefinition<(u128, i64, u128), Record<super::records::MessageV1>> =
    TableDefinition::new("messages_v1");
/// Unread state: (conversation, party: 0 patient, 1 praticien) → messages of the other party not read
/// yet. Sending sets the sender's to 0 and adds one to the other's; reading subtracts what was seen.
pub const NON_LUS: TableDefinition<(u128, u8), u32> = TableDefinition::new("non_lus_v1");

/// Waiting-list entries by id.
pub const ATTENTES: TableDefinition<u128, Record<super::records::AttenteV1>> =
    TableDefinition::new("attentes_v1");
/// Index: (praticien, registered at ms, entry) → (), the praticien's queue of open entries, longest
/// waiting first; an entry leaves it when accepted or withdrawn.
pub const ATTENTES_PAR_PRATICIEN: TableDefinition<(u128, i64, u128), ()> =
    TableDefinition::new("attentes_par_praticien_v1");
/// Index: (patient, entry) → (), a patient's entries (to bound the open ones).
pub const ATTENTES_PAR_PATIENT: TableDefinition<(u128, u128), ()> =
    TableDefinition::new("attentes_par_patient_v1");
/// Holds of the waiting list: (praticien, créneau start ms) → the offer, so a window reads its own.
pub const OFFRES_ATTENTE: TableDefinition<(u128, i64), Record<super::records::OffreAttenteV1>> =
    TableDefinition::new("offres_attente_v1");

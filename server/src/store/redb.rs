//! [`RedbStore`]: the [`Stockage`] trait over one embedded redb file, `toubeelib.redb`.
//!
//! Each method is one transaction. Writes that depend on a rule (booking, move, cancellation, statut,
//! refresh rotation) read the state, ask the domain and write in the same write transaction; redb
//! runs write transactions one at a time, so two bookings of one créneau serialise and exactly one
//! wins. A refusal aborts: nothing of it is written. Writes go through the group commit
//! ([`groupe`]): those that arrive while a commit is on the disk share the next transaction and its one
//! durable commit (redb's `Immediate`: on disk when `commit` returns), and each is answered after it.
//!
//! Error policy: redb and postcard failures become [`StoreError::Interne`] (logged, a bare 500); the
//! domain's refusals pass through as their own variants.

mod attente;
mod banque;
mod documents;
mod dossier;
pub mod groupe;
mod ics;
mod sauvegarde;
pub use sauvegarde::Instantane;
mod lecture;
pub mod masse;
mod messagerie;
mod migration;
pub(crate) mod outbox;
mod reservation;
#[cfg(test)]
mod tests;
mod totp;
mod verification;
pub use verification::Verification;

use std::fmt;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use domain::annulation::{Auteur, decider_annulation};
use domain::disponibilite::Agenda;
use domain::identifiants::Email;
use domain::ids::{PatientId, PersonnelId, PraticienId, RdvId, StructureId};
use domain::reservation::{RdvActuel, Reservation, valider_deplacement};
use domain::statut::{Statut, transition};
use domain::temps::Creneau;
use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata, Table,
    WriteTransaction,
};
use uuid::Uuid;

pub use dossier::RDVS_PARCOURUS_MAX;
pub use lecture::replier;
use lecture::{lire, lire_reference};

use super::records::{
    CompteV1, EvenementRdvV1, EvenementV1, FamilleV1, IndisponibiliteV1, JetonV1, PaiementV1, PatientV2,
    PersonnelV1, PraticienV1, RdvV1, Record, ReponseV1, StructureV1, TransmissionV1, instant, millis,
};
use super::tables::*;
use super::{
    ChangementStatut, FiltrePraticiens, JetonRafraichissement, NouvelleReservation, PAGE_ITEMS_MAX, Page,
    Periode, ReponseMemorisee, ReponseReservation, Reserve, Rotation, Stockage, StoreError,
};
use crate::modele::{Compte, CompteId, Indisponibilite, Patient, Personnel, Praticien, Rdv, Structure};

/// The file the store keeps in the data directory.
pub const FICHIER: &str = "toubeelib.redb";

/// How long an Idempotency-Key is remembered.
pub const IDEMPOTENCE_HEURES: i64 = 24;

/// The store: one redb database.
pub struct RedbStore {
    db: Database,
    /// How long a créneau offered to the waiting list is held.
    duree_offre: Duration,
    /// Woken after every commit, so the notification worker reads the outbox at once.
    reveil_outbox: std::sync::Arc<tokio::sync::Notify>,
    /// The batches every write joins (group commit).
    groupe: groupe::Groupe,
}

impl fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedbStore").finish_non_exhaustive()
    }
}

macro_rules! interne {
    ($($erreur:ty),+) => {$(
        impl From<$erreur> for StoreError {
            fn from(e: $erreur) -> Self {
                StoreError::Interne(format!("redb : {e}"))
            }
        }
    )+};
}

interne!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

impl RedbStore {
    /// Opens (or creates) `toubeelib.redb` in the data directory `dossier`, creates every table in a
    /// first write transaction and checks the schema version; an older file (version 1 to 4) is migrated
    /// in that same transaction.
    pub fn open(dossier: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dossier)
            .map_err(|e| StoreError::Interne(format!("dossier de données {} : {e}", dossier.display())))?;
        Self::depuis(Database::create(dossier.join(FICHIER))?)
    }

    /// The store over an opened database (tests open one over a failing disk).
    fn depuis(db: Database) -> Result<Self, StoreError> {
        let txn = db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let version = meta.get(CLE_VERSION_SCHEMA)?.map(|v| v.value());
            match version {
                None => {
                    meta.insert(CLE_VERSION_SCHEMA, VERSION_SCHEMA)?;
                }
                Some(v) if v == VERSION_SCHEMA => {}
                Some(v @ (1..=4)) => {
                    creer_tables(&txn)?;
                    if v == 1 {
                        migration::v1_vers_v2(&txn)?;
                    }
                    if v <= 2 {
                        migration::v2_vers_v3(&txn)?;
                    }
                    if v <= 3 {
                        migration::v3_vers_v4(&txn)?;
                    }
                    migration::v4_vers_v5(&txn)?;
                    meta.insert(CLE_VERSION_SCHEMA, VERSION_SCHEMA)?;
                    tracing::info!(de = v, vers = VERSION_SCHEMA, "schéma de données migré");
                }
                Some(v) => {
                    return Err(StoreError::Interne(format!(
                        "schéma de données version {v}, ce programme lit la version {VERSION_SCHEMA}"
                    )));
                }
            }
            creer_tables(&txn)?;
        }
        txn.commit()?;
        Ok(Self {
            db,
            duree_offre: Duration::minutes(i64::from(crate::config::DUREE_OFFRE_DEFAUT_MINUTES)),
            reveil_outbox: std::sync::Arc::default(),
            groupe: groupe::Groupe::default(),
        })
    }

    /// The same store, holding the créneaux offered to the waiting list for `duree` (tests shorten it).
    pub fn avec_duree_offre(mut self, duree: Duration) -> Self {
        self.duree_offre = duree;
        self
    }

    /// `f` in the current batch of writes, returned once that batch committed durably
    /// ([`groupe::Groupe::ecrire`]). An `Err` from `f` keeps nothing `f` wrote. `f` may run more than
    /// once, each time in a fresh transaction, if a batch it ran in is aborted.
    fn ecrire<R>(&self, f: impl FnMut(&WriteTransaction) -> Result<R, StoreError>) -> Result<R, StoreError> {
        self.ecrire_pondere(|_| 1, f)
    }

    /// [`RedbStore::ecrire`] for a closure that makes several writes (a batch of bookings), `poids`
    /// counting them from its result for the group commit's statistics.
    fn ecrire_pondere<R>(
        &self,
        poids: impl Fn(&R) -> u64,
        f: impl FnMut(&WriteTransaction) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let resultat = self.groupe.ecrire(&self.db, poids, f)?;
        // One stored permit at most: a wake-up per commit costs the worker one read of the due index.
        self.reveil_outbox.notify_one();
        Ok(resultat)
    }

    /// One read transaction (a snapshot).
    fn lire<R>(&self, f: impl FnOnce(&ReadTransaction) -> Result<R, StoreError>) -> Result<R, StoreError> {
        let txn = self.db.begin_read()?;
        f(&txn)
    }
}

/// Opens every table once, so that a fresh file holds them all and read transactions never meet a
/// missing one.
fn creer_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(COMPTES)?;
    txn.open_table(COMPTES_PAR_EMAIL)?;
    txn.open_table(JETONS)?;
    txn.open_table(FAMILLES)?;
    txn.open_table(FAMILLES_PAR_COMPTE)?;
    txn.open_table(STRUCTURES)?;
    txn.open_table(STRUCTURES_PAR_VILLE)?;
    txn.open_table(PRATICIENS)?;
    txn.open_table(PRATICIENS_PAR_RPPS)?;
    txn.open_table(PRATICIENS_PAR_STRUCTURE)?;
    txn.open_table(PRATICIENS_PAR_NOM)?;
    txn.open_table(JETONS_ICS)?;
    txn.open_table(PERSONNELS)?;
    txn.open_table(PATIENTS)?;
    txn.open_table(PATIENTELE)?;
    txn.open_table(PATIENTELE_PAR_PATIENT)?;
    txn.open_table(INDISPONIBILITES)?;
    txn.open_table(INDISPONIBILITES_PAR_PRATICIEN)?;
    txn.open_table(RDVS)?;
    txn.open_table(RDVS_PAR_PRATICIEN)?;
    txn.open_table(RDVS_PAR_PATIENT)?;
    txn.open_table(PRATICIENS_DU_PATIENT)?;
    txn.open_table(IDEMPOTENCE_RDVS)?;
    txn.open_table(REPONSES)?;
    txn.open_table(DONNEES_BANCAIRES)?;
    txn.open_table(DOCUMENTS)?;
    txn.open_table(DOCUMENTS_PAR_PATIENT)?;
    txn.open_table(JOURNAL_ACCES)?;
    txn.open_table(NOTIFICATIONS)?;
    txn.open_table(NOTIFICATIONS_DUES)?;
    txn.open_table(NOTIFICATIONS_ECHOUEES)?;
    txn.open_table(TOTP)?;
    txn.open_table(SECURITE_STRUCTURES)?;
    txn.open_table(CONVERSATIONS)?;
    txn.open_table(CONVERSATIONS_PAR_PARTIES)?;
    txn.open_table(CONVERSATIONS_PAR_PATIENT)?;
    txn.open_table(CONVERSATIONS_PAR_PRATICIEN)?;
    txn.open_table(MESSAGES)?;
    txn.open_table(NON_LUS)?;
    txn.open_table(ATTENTES)?;
    txn.open_table(ATTENTES_PAR_PRATICIEN)?;
    txn.open_table(ATTENTES_PAR_PATIENT)?;
    txn.open_table(OFFRES_ATTENTE)?;
    Ok(())
}

/// The tables a rdv write touches, open in one write transaction.
struct TablesRdv<'t> {
    rdvs: Table<'t, u128, Record<RdvV1>>,
    par_praticien: Table<'t, (u128, i64, u128), ()>,
    par_patient: Table<'t, (u128, i64, u128), ()>,
    praticiens_du_patient: Table<'t, (u128, u128), ()>,
}

impl<'t> TablesRdv<'t> {
    fn ouvrir(txn: &'t WriteTransaction) -> Result<Self, StoreError> {
        Ok(Self {
            rdvs: txn.open_table(RDVS)?,
            par_praticien: txn.open_table(RDVS_PAR_PRATICIEN)?,
            par_patient: txn.open_table(RDVS_PAR_PATIENT)?,
            praticiens_du_patient: txn.open_table(PRATICIENS_DU_PATIENT)?,
        })
    }

    /// Writes `rdv` and its index entries, replacing those of `ancien` (its previous version) if any.
    fn ecrire(&mut self, rdv: &RdvV1, ancien: Option<&RdvV1>) -> Result<(), StoreError> {
        if let Some(a) = ancien {
            self.par_praticien.remove((a.praticien, a.debut, a.id))?;
            self.par_patient.remove((a.patient, a.debut, a.id))?;
        }
        self.rdvs.insert(rdv.id, Record::encoder(rdv)?)?;
        self.par_praticien
            .insert((rdv.praticien, rdv.debut, rdv.id), ())?;
        self.par_patient.insert((rdv.patient, rdv.debut, rdv.id), ())?;
        // Most bookings are with a praticien the patient has seen before: an insert of the same key
        // would still copy its leaf and branches (three pages more to write and sync).
        let paire = (rdv.patient, rdv.praticien);
        if self.praticiens_du_patient.get(paire)?.is_none() {
            self.praticiens_du_patient.insert(paire, ())?;
        }
        Ok(())
    }

    /// The praticien's agenda and the patient's situation around `debut`, as a booking or a move of
    /// `patient` with `praticien` needs them.
    ///
    /// The agenda's horaires and periods off cover the day around `debut` (the domain lays that day's
    /// slots), but its rdvs, and the patient's, are only those that can overlap a créneau starting at
    /// `debut` ([`lecture::voisinage`]): validation asks nothing else of them, and each is one more
    /// record read inside the write transaction, which every other write waits for.
    fn etat(
        &self,
        txn: &WriteTransaction,
        praticien: &Praticien,
        patient: u128,
        debut: DateTime<Utc>,
    ) -> Result<(Agenda, domain::reservation::SituationPatient), StoreError> {
        let fenetre = lecture::fenetre_autour(debut)?;
        let voisinage = lecture::voisinage(debut)?;
        let pr = praticien.id.0.as_u128();
        let lieux = lecture::lieux(praticien, &txn.open_table(STRUCTURES)?)?;
        let indisponibilites =
            lecture::indisponibilites(&txn.open_table(INDISPONIBILITES_PAR_PRATICIEN)?, pr, fenetre)?;
        let du_praticien = lecture::rdvs_fenetre(&self.par_praticien, &self.rdvs, pr, voisinage)?;
        let agenda = lecture::agenda(
            praticien,
            lieux,
            indisponibilites,
            lecture::occupes(&du_praticien, voisinage)?,
        );
        let connu = txn.open_table(PATIENTELE)?.get((pr, patient))?.is_some()
            || self.praticiens_du_patient.get((patient, pr))?.is_some();
        let du_patient = lecture::rdvs_fenetre(&self.par_patient, &self.rdvs, patient, voisinage)?;
        let situation = lecture::situation(connu, &du_patient, voisinage)?;
        Ok((agenda, situation))
    }
}

fn praticien_de(
    praticiens: &impl ReadableTable<u128, Record<PraticienV1>>,
    id: u128,
) -> Result<Praticien, StoreError> {
    let record = lire(praticiens, id)?.ok_or(StoreError::Introuvable("praticien"))?;
    Praticien::try_from(record)
}

fn evenement(statut: Statut, action: &str, par: CompteId, le: DateTime<Utc>) -> EvenementV1 {
    EvenementV1 {
        statut: statut.into(),
        action: action.to_owned(),
        par: par.0.as_u128(),
        le: millis(le),
    }
}

/// Whether something remembered at `le` (ms) has expired at `now`.
fn expire(le: i64, now: DateTime<Utc>) -> bool {
    millis(now) >= le.saturating_add(Duration::hours(IDEMPOTENCE_HEURES).num_milliseconds())
}

/// Inserts a record under a new id. Ids are UUID v7 made by the caller: one already there is a bug or a
/// replay, refused rather than overwritten.
fn inserer_nouveau<T: super::records::Enregistrement>(
    table: &mut redb::Table<'_, u128, Record<T>>,
    id: u128,
    valeur: &T,
) -> Result<(), StoreError> {
    if table.get(id)?.is_some() {
        return Err(StoreError::Conflit("id_deja_utilise"));
    }
    table.insert(id, Record::encoder(valeur)?)?;
    Ok(())
}

/// Runs in the transaction that creates or changes a praticien (`ancien`: its record before): keeps what
/// derives from the directory in step — the `(structure, praticien)` index (a structure left loses its
/// entry) and the directory generation. The caller holds none of those tables open.
pub(crate) fn apres_ecriture_praticien(
    txn: &WriteTransaction,
    ancien: Option<&Praticien>,
    nouveau: &Praticien,
) -> Result<(), StoreError> {
    let mut par_structure = txn.open_table(PRATICIENS_PAR_STRUCTURE)?;
    if let Some(ancien) = ancien {
        let id = ancien.id.0.as_u128();
        for quittee in ancien
            .structures
            .iter()
            .filter(|s| !nouveau.structures.contains(s))
        {
            par_structure.remove((quittee.0.as_u128(), id))?;
        }
    }
    let id = nouveau.id.0.as_u128();
    for structure in &nouveau.structures {
        par_structure.insert((structure.0.as_u128(), id), ())?;
    }
    drop(par_structure);
    let mut par_nom = txn.open_table(PRATICIENS_PAR_NOM)?;
    if let Some(ancien) = ancien {
        par_nom.remove((
            replier(&ancien.nom).as_str(),
            replier(&ancien.prenom).as_str(),
            id,
        ))?;
    }
    par_nom.insert(
        (
            replier(&nouveau.nom).as_str(),
            replier(&nouveau.prenom).as_str(),
            id,
        ),
        (),
    )?;
    drop(par_nom);
    toucher_annuaire(txn)
}

/// Runs in the transaction that creates or changes a structure: the `(ville, structure)` index and the
/// directory generation. A change of ville leaves the old entry, which reads skip (they check the
/// record's ville); the caller holds none of those tables open.
pub(crate) fn apres_ecriture_structure(
    txn: &WriteTransaction,
    structure: &Structure,
) -> Result<(), StoreError> {
    txn.open_table(STRUCTURES_PAR_VILLE)?
        .insert((replier(&structure.ville).as_str(), structure.id.0.as_u128()), ())?;
    toucher_annuaire(txn)
}

/// The structures of a (folded) ville, from the ville index; `None` when no ville is asked for.
fn ids_de_la_ville(
    txn: &ReadTransaction,
    ville: Option<&str>,
) -> Result<Option<Vec<StructureId>>, StoreError> {
    let Some(ville) = ville else {
        return Ok(None);
    };
    let structures = lecture::structures_de_la_ville(
        &txn.open_table(STRUCTURES_PAR_VILLE)?,
        &txn.open_table(STRUCTURES)?,
        ville,
    )?;
    Ok(Some(structures.into_iter().map(|s| s.id).collect()))
}

/// Bumps the directory generation ([`CLE_GENERATION_ANNUAIRE`]).
fn toucher_annuaire(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut meta = txn.open_table(META)?;
    let generation = meta.get(CLE_GENERATION_ANNUAIRE)?.map_or(0, |v| v.value());
    meta.insert(CLE_GENERATION_ANNUAIRE, generation.saturating_add(1))?;
    Ok(())
}

/// Creates an account, refusing a taken email.
fn creer_compte(txn: &WriteTransaction, compte: &Compte) -> Result<(), StoreError> {
    let mut par_email = txn.open_table(COMPTES_PAR_EMAIL)?;
    if par_email.get(compte.email.as_str())?.is_some() {
        return Err(StoreError::Conflit("email_deja_utilise"));
    }
    let id = compte.id.0.as_u128();
    inserer_nouveau(&mut txn.open_table(COMPTES)?, id, &CompteV1::from(compte))?;
    par_email.insert(compte.email.as_str(), id)?;
    Ok(())
}

/// Replaces the record of a praticien read as `ancien` in this same transaction by `praticien` (same
/// id): refuses unknown structures and an RPPS taken by another, keeps the RPPS index, then runs
/// [`apres_ecriture_praticien`] (place and name indexes, directory generation). The one write path of
/// [`Stockage::modifier_praticien`] and [`Stockage::modifier_praticien_avec`]; the caller holds none of
/// the tables open.
fn remplacer_praticien(
    txn: &WriteTransaction,
    ancien: &Praticien,
    praticien: &Praticien,
) -> Result<(), StoreError> {
    let id = praticien.id.0.as_u128();
    verifier_structures(txn, praticien)?;
    if ancien.rpps.as_str() != praticien.rpps.as_str() {
        let mut par_rpps = txn.open_table(PRATICIENS_PAR_RPPS)?;
        if par_rpps.get(praticien.rpps.as_str())?.is_some() {
            return Err(StoreError::Conflit("rpps_deja_utilise"));
        }
        par_rpps.remove(ancien.rpps.as_str())?;
        par_rpps.insert(praticien.rpps.as_str(), id)?;
    }
    txn.open_table(PRATICIENS)?
        .insert(id, Record::encoder(&PraticienV1::from(praticien))?)?;
    apres_ecriture_praticien(txn, Some(ancien), praticien)
}

/// Refuses a praticien whose structures are not all known.
fn verifier_structures(txn: &WriteTransaction, praticien: &Praticien) -> Result<(), StoreError> {
    let structures = txn.open_table(STRUCTURES)?;
    for s in &praticien.structures {
        if structures.get(s.0.as_u128())?.is_none() {
            return Err(StoreError::Introuvable("structure"));
        }
    }
    Ok(())
}

/// The praticiens of a (patient, praticien) → () index, for one patient (each once: they are keys).
fn praticiens_lies(
    index: &impl ReadableTable<(u128, u128), ()>,
    patient: u128,
) -> Result<Vec<PraticienId>, StoreError> {
    index
        .range((patient, 0u128)..=(patient, u128::MAX))?
        .map(|e| Ok(PraticienId(Uuid::from_u128(e?.0.value().1))))
        .collect()
}

/// `limit` within 1..=[`PAGE_ITEMS_MAX`].
fn borner(limit: usize) -> usize {
    limit.clamp(1, PAGE_ITEMS_MAX)
}

impl Stockage for RedbStore {
    fn pret(&self) -> Result<(), StoreError> {
        self.lire(|txn| {
            txn.open_table(META)?;
            Ok(())
        })
    }

    fn est_vide(&self) -> Result<bool, StoreError> {
        self.lire(|txn| Ok(txn.open_table(COMPTES)?.is_empty()? && txn.open_table(STRUCTURES)?.is_empty()?))
    }

    // --- accounts

    fn creer_patient(&self, compte: &Compte, patient: &Patient) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            creer_compte(txn, compte)?;
            inserer_nouveau(
                &mut txn.open_table(PATIENTS)?,
                patient.id.0.as_u128(),
                &PatientV2::from(patient),
            )?;
            Ok(())
        })
    }

    fn creer_praticien(&self, compte: &Compte, praticien: &Praticien) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            creer_compte(txn, compte)?;
            verifier_structures(txn, praticien)?;
            let mut par_rpps = txn.open_table(PRATICIENS_PAR_RPPS)?;
            if par_rpps.get(praticien.rpps.as_str())?.is_some() {
                return Err(StoreError::Conflit("rpps_deja_utilise"));
            }
            let id = praticien.id.0.as_u128();
            inserer_nouveau(
                &mut txn.open_table(PRATICIENS)?,
                id,
                &PraticienV1::from(praticien),
            )?;
            par_rpps.insert(praticien.rpps.as_str(), id)?;
            apres_ecriture_praticien(txn, None, praticien)
        })
    }

    fn creer_personnel(&self, compte: &Compte, personnel: &Personnel) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            creer_compte(txn, compte)?;
            inserer_nouveau(
                &mut txn.open_table(PERSONNELS)?,
                personnel.id.0.as_u128(),
                &PersonnelV1::from(personnel),
            )?;
            Ok(())
        })
    }

    fn creer_admin(&self, compte: &Compte) -> Result<(), StoreError> {
        self.ecrire(|txn| creer_compte(txn, compte))
    }

    fn compte_par_email(&self, email: &Email) -> Result<Option<Compte>, StoreError> {
        self.lire(|txn| {
            let Some(id) = txn
                .open_table(COMPTES_PAR_EMAIL)?
                .get(email.as_str())?
                .map(|v| v.value())
            else {
                return Ok(None);
            };
            Compte::try_from(lire_reference(&txn.open_table(COMPTES)?, id)?).map(Some)
        })
    }

    fn compte(&self, id: CompteId) -> Result<Option<Compte>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(COMPTES)?, id.0.as_u128())?
                .map(Compte::try_from)
                .transpose()
        })
    }

    fn changer_mot_de_passe(&self, id: CompteId, hash: &str, sauf: Option<Uuid>) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            let cid = id.0.as_u128();
            let mut comptes = txn.open_table(COMPTES)?;
            let mut compte = lire(&comptes, cid)?.ok_or(StoreError::Introuvable("compte"))?;
            compte.mot_de_passe_hash = hash.to_owned();
            comptes.insert(cid, Record::encoder(&compte)?)?;
            let sauf = sauf.map(|f| f.as_u128());
            let familles_du_compte: Vec<u128> = txn
                .open_table(FAMILLES_PAR_COMPTE)?
                .range((cid, 0u128)..=(cid, u128::MAX))?
                .map(|e| e.map(|(k, _)| k.value().1))
                .collect::<Result<_, _>>()?;
            let mut familles = txn.open_table(FAMILLES)?;
            for f in familles_du_compte.into_iter().filter(|f| Some(*f) != sauf) {
                let mut famille = lire_reference(&familles, f)?;
                if !famille.revoquee {
                    famille.revoquee = true;
                    familles.insert(f, Record::encoder(&famille)?)?;
                }
            }
            Ok(())
        })
    }

    // --- refresh tokens

    fn enregistrer_jeton(&self, jeton: &JetonRafraichissement) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            let compte = jeton.compte.0.as_u128();
            let famille = jeton.famille.as_u128();
            let mut familles = txn.open_table(FAMILLES)?;
            match lire(&familles, famille)? {
                Some(f) if f.compte != compte => {
                    return Err(StoreError::Interne(
                        "famille de jetons d'un autre compte".to_owned(),
                    ));
                }
                Some(_) => {}
                None => {
                    familles.insert(
                        famille,
                        Record::encoder(&FamilleV1 {
                            compte,
                            revoquee: false,
                        })?,
                    )?;
                    txn.open_table(FAMILLES_PAR_COMPTE)?
                        .insert((compte, famille), ())?;
                }
            }
            let record = JetonV1 {
                compte,
                famille,
                expire_le: millis(jeton.expire_le),
                utilise: false,
            };
            txn.open_table(JETONS)?
                .insert(jeton.empreinte, Record::encoder(&record)?)?;
            Ok(())
        })
    }

    fn tourner_jeton(
        &self,
        presente: [u8; 32],
        nouveau: [u8; 32],
        expire_le: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Rotation, StoreError> {
        self.ecrire(|txn| {
            let mut jetons = txn.open_table(JETONS)?;
            let mut familles = txn.open_table(FAMILLES)?;
            let Some(mut jeton) = lire(&jetons, presente)? else {
                return Ok(Rotation::Invalide);
            };
            let mut famille = lire_reference(&familles, jeton.famille)?;
            if famille.revoquee {
                return Ok(Rotation::Invalide);
            }
            if jeton.utilise {
                // A used token presented again: a copy is in other hands. The whole family goes.
                famille.revoquee = true;
                familles.insert(jeton.famille, Record::encoder(&famille)?)?;
                return Ok(Rotation::Reutilisee);
            }
            if jeton.expire_le <= millis(now) {
                return Ok(Rotation::Invalide);
            }
            jeton.utilise = true;
            jetons.insert(presente, Record::encoder(&jeton)?)?;
            let suivant = JetonV1 {
                compte: jeton.compte,
                famille: jeton.famille,
                expire_le: millis(expire_le),
                utilise: false,
            };
            jetons.insert(nouveau, Record::encoder(&suivant)?)?;
            Ok(Rotation::Tournee {
                compte: CompteId(Uuid::from_u128(jeton.compte)),
            })
        })
    }

    fn revoquer_famille(&self, jeton: [u8; 32]) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            let Some(jeton) = lire(&txn.open_table(JETONS)?, jeton)? else {
                return Ok(());
            };
            let mut familles = txn.open_table(FAMILLES)?;
            let mut famille = lire_reference(&familles, jeton.famille)?;
            famille.revoquee = true;
            familles.insert(jeton.famille, Record::encoder(&famille)?)?;
            Ok(())
        })
    }

    fn famille(&self, jeton: [u8; 32]) -> Result<Option<Uuid>, StoreError> {
        self.lire(|txn| {
            let Some(jeton) = lire(&txn.open_table(JETONS)?, jeton)? else {
                return Ok(None);
            };
            let famille = lire_reference(&txn.open_table(FAMILLES)?, jeton.famille)?;
            Ok((!famille.revoquee).then(|| Uuid::from_u128(jeton.famille)))
        })
    }

    // --- directory

    fn creer_structure(&self, structure: &Structure) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            inserer_nouveau(
                &mut txn.open_table(STRUCTURES)?,
                structure.id.0.as_u128(),
                &StructureV1::from(structure),
            )?;
            apres_ecriture_structure(txn, structure)
        })
    }

    fn structure(&self, id: StructureId) -> Result<Option<Structure>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(STRUCTURES)?, id.0.as_u128())?
                .map(Structure::try_from)
                .transpose()
        })
    }

    fn structures(&self, ville: Option<&str>, limit: usize) -> Result<Vec<Structure>, StoreError> {
        let ville = ville.map(replier);
        self.lire(|txn| {
            let structures = txn.open_table(STRUCTURES)?;
            let mut trouvees = Vec::new();
            match &ville {
                // One ville: its index entries only.
                Some(v) => {
                    let index = txn.open_table(STRUCTURES_PAR_VILLE)?;
                    for s in lecture::structures_de_la_ville(&index, &structures, v)? {
                        trouvees.push((replier(&s.nom), s.id, s));
                    }
                }
                // Every structure: a full scan, the answer being the whole list (bounded by `limit`).
                None => {
                    for entree in structures.iter()? {
                        let (_, v) = entree?;
                        let s = Structure::try_from(v.value().decoder()?)?;
                        trouvees.push((replier(&s.nom), s.id, s));
                    }
                }
            }
            trouvees.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            Ok(trouvees.into_iter().take(borner(limit)).map(|t| t.2).collect())
        })
    }

    fn praticien(&self, id: PraticienId) -> Result<Option<Praticien>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(PRATICIENS)?, id.0.as_u128())?
                .map(Praticien::try_from)
                .transpose()
        })
    }

    fn praticiens_et_lieux(
        &self,
        ids: &[PraticienId],
    ) -> Result<Vec<(Praticien, Vec<Structure>)>, StoreError> {
        let ids = ids.get(..PAGE_ITEMS_MAX).unwrap_or(ids);
        self.lire(|txn| {
            let praticiens = txn.open_table(PRATICIENS)?;
            let structures = txn.open_table(STRUCTURES)?;
            let mut lues: std::collections::HashMap<StructureId, Option<Structure>> =
                std::collections::HashMap::new();
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let Some(p) = lire(&praticiens, id.0.as_u128())?
                    .map(Praticien::try_from)
                    .transpose()?
                else {
                    continue;
                };
                let mut lieux = Vec::with_capacity(p.structures.len());
                for s in &p.structures {
                    if !lues.contains_key(s) {
                        let lue = lire(&structures, s.0.as_u128())?
                            .map(Structure::try_from)
                            .transpose()?;
                        lues.insert(*s, lue);
                    }
                    lieux.extend(lues.get(s).cloned().flatten());
                }
                out.push((p, lieux));
            }
            Ok(out)
        })
    }

    fn praticiens_par_id(
        &self,
        apres: Option<PraticienId>,
        limit: usize,
    ) -> Result<Vec<Praticien>, StoreError> {
        use std::ops::Bound::{Excluded, Unbounded};
        let bas = apres.map_or(Unbounded, |p| Excluded(p.0.as_u128()));
        self.lire(|txn| {
            txn.open_table(PRATICIENS)?
                .range::<u128>((bas, Unbounded))?
                .take(borner(limit))
                .map(|e| Praticien::try_from(e?.1.value().decoder()?))
                .collect()
        })
    }

    fn praticiens(
        &self,
        filtre: &FiltrePraticiens,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Praticien>, StoreError> {
        use std::ops::Bound::{Excluded, Unbounded};
        type Position = (String, String, u128);
        let apres: Option<Position> = cursor.map(lecture::position).transpose()?;
        let limit = borner(limit);
        let ville = filtre.ville.as_deref().map(replier);
        self.lire(|txn| {
            // Structures in the ville asked for, from the ville index.
            let dans_la_ville: Option<Vec<StructureId>> = ids_de_la_ville(txn, ville.as_deref())?;
            // With a place, the candidates are that place's praticiens (the structure index); without,
            // every praticien. Either way only `limit + 1` matches are kept sorted at a time.
            let lieux: Option<Vec<u128>> = match (filtre.structure, &dans_la_ville) {
                (Some(s), _) => Some(vec![s.0.as_u128()]),
                (None, Some(ids)) => Some(ids.iter().map(|s| s.0.as_u128()).collect()),
                (None, None) => None,
            };
            let mut page: std::collections::BTreeMap<Position, Praticien> = std::collections::BTreeMap::new();
            let gardes = std::cell::Cell::new(0usize);
            let mut retenir = |p: Praticien| {
                let garde = filtre.specialite.is_none_or(|s| p.specialites.contains(&s))
                    && filtre.structure.is_none_or(|s| p.structures.contains(&s))
                    && dans_la_ville
                        .as_ref()
                        .is_none_or(|ids| p.structures.iter().any(|s| ids.contains(s)))
                    && filtre
                        .type_consultation
                        .is_none_or(|t| lecture::propose_type(&p, t));
                let cle: Position = (replier(&p.nom), replier(&p.prenom), p.id.0.as_u128());
                if !garde || apres.as_ref().is_some_and(|a| cle <= *a) {
                    return;
                }
                page.insert(cle, p);
                if page.len() > limit + 1 {
                    page.pop_last();
                }
                gardes.set(page.len());
            };
            let praticiens = txn.open_table(PRATICIENS)?;
            match &lieux {
                Some(lieux) => lecture::praticiens_des_structures(
                    &txn.open_table(PRATICIENS_PAR_STRUCTURE)?,
                    lieux,
                    None,
                    |id| {
                        retenir(Praticien::try_from(lire_reference(&praticiens, id)?)?);
                        Ok(true)
                    },
                )?,
                None => {
                    // In name order from the cursor: stop once the page and one more are kept.
                    let depuis = apres
                        .as_ref()
                        .map_or(Unbounded, |(n, p, i)| Excluded((n.as_str(), p.as_str(), *i)));
                    for entree in txn
                        .open_table(PRATICIENS_PAR_NOM)?
                        .range::<(&str, &str, u128)>((depuis, Unbounded))?
                    {
                        let (cle, _) = entree?;
                        retenir(Praticien::try_from(lire_reference(&praticiens, cle.value().2)?)?);
                        if gardes.get() > limit {
                            break;
                        }
                    }
                }
            }
            let mut items: Vec<(Position, Praticien)> = page.into_iter().collect();
            let next_cursor = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|(cle, _)| lecture::curseur(cle)).transpose()?
            } else {
                None
            };
            Ok(Page {
                items: items.into_iter().map(|(_, p)| p).collect(),
                next_cursor,
            })
        })
    }

    fn praticiens_du_lieu(
        &self,
        ville: Option<&str>,
        structure: Option<StructureId>,
        specialite: Option<domain::specialite::Specialite>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Praticien>, StoreError> {
        let apres: Option<u128> = cursor.map(lecture::position).transpose()?;
        let limit = borner(limit);
        let ville = ville.map(replier);
        let vide = || Page {
            items: Vec::new(),
            next_cursor: None,
        };
        self.lire(|txn| {
            let dans_la_ville: Option<Vec<u128>> = ids_de_la_ville(txn, ville.as_deref())?
                .map(|ids| ids.into_iter().map(|s| s.0.as_u128()).collect());
            let lieux: Vec<u128> = match (structure.map(|s| s.0.as_u128()), dans_la_ville) {
                (Some(s), Some(ids)) if !ids.contains(&s) => return Ok(vide()),
                (Some(s), _) => vec![s],
                (None, Some(ids)) => ids,
                (None, None) => return Ok(vide()),
            };
            let praticiens = txn.open_table(PRATICIENS)?;
            let mut items: Vec<Praticien> = Vec::new();
            lecture::praticiens_des_structures(
                &txn.open_table(PRATICIENS_PAR_STRUCTURE)?,
                &lieux,
                apres,
                |id| {
                    let p = Praticien::try_from(lire_reference(&praticiens, id)?)?;
                    if specialite.is_none_or(|s| p.specialites.contains(&s)) {
                        items.push(p);
                    }
                    // One more than the page tells whether another follows.
                    Ok(items.len() <= limit)
                },
            )?;
            let next_cursor = if items.len() > limit {
                items.truncate(limit);
                items
                    .last()
                    .map(|p| lecture::curseur(&p.id.0.as_u128()))
                    .transpose()?
            } else {
                None
            };
            Ok(Page { items, next_cursor })
        })
    }

    fn modifier_praticien(&self, praticien: &Praticien) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            let ancien = praticien_de(&txn.open_table(PRATICIENS)?, praticien.id.0.as_u128())?;
            remplacer_praticien(txn, &ancien, praticien)
        })
    }

    fn modifier_praticien_avec(
        &self,
        id: PraticienId,
        changer: &mut dyn FnMut(&mut Praticien) -> Result<(), StoreError>,
    ) -> Result<Praticien, StoreError> {
        self.ecrire(|txn| {
            let ancien = praticien_de(&txn.open_table(PRATICIENS)?, id.0.as_u128())?;
            let mut nouveau = ancien.clone();
            changer(&mut nouveau)?;
            if nouveau.id != id {
                return Err(StoreError::Interne(format!(
                    "modification du praticien {id} : l'identifiant a changé"
                )));
            }
            remplacer_praticien(txn, &ancien, &nouveau)?;
            Ok(nouveau)
        })
    }

    fn jeton_ics(&self, praticien: PraticienId, nouveau_si_absent: [u8; 32]) -> Result<[u8; 32], StoreError> {
        self.jeton_ics_ou(praticien, nouveau_si_absent)
    }

    fn tourner_jeton_ics(&self, praticien: PraticienId, nouveau: [u8; 32]) -> Result<(), StoreError> {
        self.remplacer_jeton_ics(praticien, nouveau)
    }

    fn generation_annuaire(&self) -> Result<u64, StoreError> {
        self.lire(|txn| {
            Ok(txn
                .open_table(META)?
                .get(CLE_GENERATION_ANNUAIRE)?
                .map_or(0, |v| v.value()))
        })
    }

    fn personnel(&self, id: PersonnelId) -> Result<Option<Personnel>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(PERSONNELS)?, id.0.as_u128())?
                .map(Personnel::try_from)
                .transpose()
        })
    }

    fn patient(&self, id: PatientId) -> Result<Option<Patient>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(PATIENTS)?, id.0.as_u128())?
                .map(Patient::try_from)
                .transpose()
        })
    }

    fn liens(&self, patient: PatientId) -> Result<(Vec<PraticienId>, Vec<PraticienId>), StoreError> {
        let pa = patient.0.as_u128();
        self.lire(|txn| {
            let patientele = praticiens_lies(&txn.open_table(PATIENTELE_PAR_PATIENT)?, pa)?;
            let avec_rdv = praticiens_lies(&txn.open_table(PRATICIENS_DU_PATIENT)?, pa)?;
            Ok((patientele, avec_rdv))
        })
    }

    // --- dossier patient, partie administrative

    fn modifier_patient(
        &self,
        id: PatientId,
        changer: &mut dyn FnMut(&mut Patient) -> Result<(), StoreError>,
    ) -> Result<Patient, StoreError> {
        self.changer_patient(id, changer)
    }

    fn praticiens_consultes(
        &self,
        patient: PatientId,
    ) -> Result<Vec<(Praticien, DateTime<Utc>)>, StoreError> {
        self.lire_praticiens_consultes(patient)
    }

    // --- availability and rdvs

    fn agenda(&self, praticien: PraticienId, fenetre: Creneau) -> Result<(Praticien, Agenda), StoreError> {
        self.lire(|txn| {
            let pr = praticien.0.as_u128();
            let praticien = praticien_de(&txn.open_table(PRATICIENS)?, pr)?;
            let lieux = lecture::lieux(&praticien, &txn.open_table(STRUCTURES)?)?;
            let indisponibilites =
                lecture::indisponibilites(&txn.open_table(INDISPONIBILITES_PAR_PRATICIEN)?, pr, fenetre)?;
            let rdvs = lecture::rdvs_fenetre(
                &txn.open_table(RDVS_PAR_PRATICIEN)?,
                &txn.open_table(RDVS)?,
                pr,
                fenetre,
            )?;
            let occupes = lecture::occupes(&rdvs, fenetre)?;
            let mut agenda = lecture::agenda(&praticien, lieux, indisponibilites, occupes);
            // Waiting-list holds are busy here for everyone (the trait gives no "now": the server's clock, `horloge`).
            let offres = txn.open_table(OFFRES_ATTENTE)?;
            attente::tenir(&mut agenda, &offres, pr, fenetre, crate::horloge::maintenant())?;
            Ok((praticien, agenda))
        })
    }

    fn reserver(&self, demande: &NouvelleReservation, now: DateTime<Utc>) -> Result<Reserve, StoreError> {
        // A refusal comes back as an `Err` here too: the transaction aborts, and it wrote nothing.
        self.ecrire(|txn| reservation::reserver_dans(txn, demande, now)?.map(|(r, _)| r))
    }

    fn reserver_lot(
        &self,
        lot: &[(NouvelleReservation, DateTime<Utc>)],
    ) -> Result<Vec<ReponseReservation>, StoreError> {
        let reservees = |r: &Vec<Result<_, _>>| r.iter().filter(|x| x.is_ok()).count() as u64;
        self.ecrire_pondere(reservees, |txn| {
            lot.iter()
                .map(|(demande, now)| reservation::reserver_dans(txn, demande, *now))
                .collect()
        })
    }

    fn deplacer(
        &self,
        rdv: RdvId,
        demande: &Reservation,
        auteur: Auteur,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<Rdv, StoreError> {
        self.ecrire(|txn| {
            let mut t = TablesRdv::ouvrir(txn)?;
            let ancien = lire(&t.rdvs, rdv.0.as_u128())?.ok_or(StoreError::Introuvable("rdv"))?;
            let praticien = praticien_de(&txn.open_table(PRATICIENS)?, ancien.praticien)?;
            let (mut agenda, situation) = t.etat(txn, &praticien, ancien.patient, demande.debut)?;
            let pa = PatientId(Uuid::from_u128(ancien.patient));
            attente::tenir_autour(txn, &mut agenda, &praticien, pa, demande.debut, now)?;
            let actuel = RdvActuel {
                creneau: ancien.creneau()?,
                statut: ancien.statut.into(),
            };
            let deplacement = valider_deplacement(&agenda, &actuel, demande, &situation, auteur, now)?;
            let libre = deplacement.creneau;
            let action = if deplacement.ancien == Statut::AnnuleTardivement {
                "deplace_tardivement"
            } else {
                "deplace"
            };
            let mut nouveau = ancien.clone();
            nouveau.specialite = libre.specialite.code().to_owned();
            nouveau.type_consultation = libre.type_consultation.into();
            nouveau.motif = demande.motif.clone();
            nouveau.debut = millis(libre.debut);
            nouveau.fin = millis(libre.fin);
            nouveau.structure = libre.structure_id.0.as_u128();
            nouveau
                .historique
                .push(evenement(Statut::Prevu, action, par, now));
            t.ecrire(&nouveau, Some(&ancien))?;
            attente::solder_offre(txn, &nouveau)?;
            outbox::enfiler_rdv(txn, &nouveau, EvenementRdvV1::Deplace, now)?;
            outbox::enfiler_rappel(txn, &nouveau, praticien.reglages.valeurs().rappel_heures, now)?;
            self.offrir_libere(txn, &t, &praticien, ancien.creneau()?, now)?;
            Rdv::try_from(nouveau)
        })
    }

    fn annuler(
        &self,
        rdv: RdvId,
        auteur: Auteur,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<Rdv, StoreError> {
        self.ecrire(|txn| {
            let mut rdvs = txn.open_table(RDVS)?;
            let id = rdv.0.as_u128();
            let mut record = lire(&rdvs, id)?.ok_or(StoreError::Introuvable("rdv"))?;
            let praticien = praticien_de(&txn.open_table(PRATICIENS)?, record.praticien)?;
            let vers = decider_annulation(
                record.statut.into(),
                instant(record.debut)?,
                auteur,
                &praticien.reglages,
                now,
            )?;
            record.statut = vers.into();
            record.historique.push(evenement(vers, vers.as_str(), par, now));
            // The index entries stay: availability skips cancelled rdvs by their statut.
            rdvs.insert(id, Record::encoder(&record)?)?;
            outbox::enfiler_rdv(txn, &record, EvenementRdvV1::Annule, now)?;
            self.offrir_annule(txn, &rdvs, &praticien, record.creneau()?, now)?;
            Rdv::try_from(record)
        })
    }

    fn changer_statut(
        &self,
        rdv: RdvId,
        changement: &ChangementStatut,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<Rdv, StoreError> {
        self.ecrire(|txn| {
            let mut rdvs = txn.open_table(RDVS)?;
            let id = rdv.0.as_u128();
            let mut record = lire(&rdvs, id)?.ok_or(StoreError::Introuvable("rdv"))?;
            let vers = match changement {
                ChangementStatut::Honore => Statut::Honore,
                ChangementStatut::NonHonore => Statut::NonHonore,
                ChangementStatut::Paye(_) => Statut::Paye,
                ChangementStatut::Transmis(_) => Statut::Transmis,
            };
            transition(record.statut.into(), vers, instant(record.debut)?, now)?;
            match changement {
                ChangementStatut::Paye(p) => record.paiement = Some(PaiementV1::from(p)),
                ChangementStatut::Transmis(t) => record.transmission = Some(TransmissionV1::from(t)),
                ChangementStatut::Honore | ChangementStatut::NonHonore => {}
            }
            record.statut = vers.into();
            record.historique.push(evenement(vers, vers.as_str(), par, now));
            rdvs.insert(id, Record::encoder(&record)?)?;
            Rdv::try_from(record)
        })
    }

    fn rdv(&self, id: RdvId) -> Result<Option<Rdv>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(RDVS)?, id.0.as_u128())?
                .map(Rdv::try_from)
                .transpose()
        })
    }

    fn rdvs_du_patient(
        &self,
        patient: PatientId,
        periode: Periode,
        now: DateTime<Utc>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Rdv>, StoreError> {
        use std::ops::Bound::{Excluded, Included};
        let apres: Option<(i64, u128)> = cursor.map(lecture::position).transpose()?;
        let limit = borner(limit);
        let pa = patient.0.as_u128();
        let maintenant = millis(now);
        self.lire(|txn| {
            let index = txn.open_table(RDVS_PAR_PATIENT)?;
            let rdvs = txn.open_table(RDVS)?;
            let mut cles: Vec<(i64, u128)> = match periode {
                Periode::AVenir => {
                    let bas = match apres {
                        Some((debut, id)) => Excluded((pa, debut, id)),
                        None => Included((pa, maintenant, 0u128)),
                    };
                    index
                        .range((bas, Included((pa, i64::MAX, u128::MAX))))?
                        .take(limit + 1)
                        .map(|e| e.map(|(k, _)| (k.value().1, k.value().2)))
                        .collect::<Result<_, _>>()?
                }
                Periode::Passes => {
                    let haut = match apres {
                        Some((debut, id)) => Excluded((pa, debut, id)),
                        None => Excluded((pa, maintenant, 0u128)),
                    };
                    index
                        .range((Included((pa, i64::MIN, 0u128)), haut))?
                        .rev()
                        .take(limit + 1)
                        .map(|e| e.map(|(k, _)| (k.value().1, k.value().2)))
                        .collect::<Result<_, _>>()?
                }
            };
            let next_cursor = lecture::couper(&mut cles, limit, |&c| c)?;
            let items = cles
                .iter()
                .map(|(_, id)| Rdv::try_from(lire_reference(&rdvs, *id)?))
                .collect::<Result<_, _>>()?;
            Ok(Page { items, next_cursor })
        })
    }

    fn rdvs_du_praticien(&self, praticien: PraticienId, fenetre: Creneau) -> Result<Vec<Rdv>, StoreError> {
        if fenetre.duree() > Duration::days(domain::disponibilite::FENETRE_JOURS_MAX) {
            return Err(StoreError::Interne(format!(
                "rdvs_du_praticien : fenêtre de plus de {} jours",
                domain::disponibilite::FENETRE_JOURS_MAX
            )));
        }
        let pr = praticien.0.as_u128();
        self.lire(|txn| {
            if txn.open_table(PRATICIENS)?.get(pr)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            let rdvs = lecture::rdvs_fenetre(
                &txn.open_table(RDVS_PAR_PRATICIEN)?,
                &txn.open_table(RDVS)?,
                pr,
                fenetre,
            )?;
            let mut out = Vec::with_capacity(rdvs.len());
            for rdv in rdvs {
                if rdv.creneau()?.chevauche(&fenetre) {
                    out.push(Rdv::try_from(rdv)?);
                }
            }
            Ok(out)
        })
    }

    fn importer_rdv(&self, rdv: &Rdv) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            let mut t = TablesRdv::ouvrir(txn)?;
            let record = RdvV1::from(rdv);
            let ancien = lire(&t.rdvs, record.id)?;
            t.ecrire(&record, ancien.as_ref())
        })
    }

    // --- patientèle

    fn ajouter_a_la_patientele(
        &self,
        praticien: PraticienId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, StoreError> {
        self.ecrire(|txn| {
            let (pr, pa) = (praticien.0.as_u128(), patient.0.as_u128());
            if txn.open_table(PRATICIENS)?.get(pr)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            if txn.open_table(PATIENTS)?.get(pa)?.is_none() {
                return Err(StoreError::Introuvable("patient"));
            }
            let mut patientele = txn.open_table(PATIENTELE)?;
            let depuis = patientele.get((pr, pa))?.map(|v| v.value());
            if let Some(depuis) = depuis {
                return instant(depuis);
            }
            // Stored to the millisecond: answer what a later read gives.
            let depuis = millis(now);
            patientele.insert((pr, pa), depuis)?;
            txn.open_table(PATIENTELE_PAR_PATIENT)?.insert((pa, pr), ())?;
            instant(depuis)
        })
    }

    fn patientele(
        &self,
        praticien: PraticienId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<(PatientId, DateTime<Utc>)>, StoreError> {
        use std::ops::Bound::{Excluded, Included};
        let apres: Option<u128> = cursor.map(lecture::position).transpose()?;
        let limit = borner(limit);
        let pr = praticien.0.as_u128();
        self.lire(|txn| {
            if txn.open_table(PRATICIENS)?.get(pr)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            let table = txn.open_table(PATIENTELE)?;
            let bas = match apres {
                Some(pa) => Excluded((pr, pa)),
                None => Included((pr, 0u128)),
            };
            let mut entrees: Vec<(u128, i64)> = table
                .range((bas, Included((pr, u128::MAX))))?
                .take(limit + 1)
                .map(|e| e.map(|(k, v)| (k.value().1, v.value())))
                .collect::<Result<_, _>>()?;
            let next_cursor = lecture::couper(&mut entrees, limit, |&(pa, _)| pa)?;
            let items = entrees
                .iter()
                .map(|&(pa, depuis)| Ok((PatientId(Uuid::from_u128(pa)), instant(depuis)?)))
                .collect::<Result<_, StoreError>>()?;
            Ok(Page { items, next_cursor })
        })
    }

    // --- indisponibilités

    fn ajouter_indisponibilite(
        &self,
        praticien: PraticienId,
        id: Uuid,
        creneau: Creneau,
        motif: Option<String>,
    ) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            if txn.open_table(PRATICIENS)?.get(praticien.0.as_u128())?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            let record = IndisponibiliteV1 {
                praticien: praticien.0.as_u128(),
                debut: millis(creneau.debut()),
                fin: millis(creneau.fin()),
                motif: motif.clone(),
            };
            inserer_nouveau(&mut txn.open_table(INDISPONIBILITES)?, id.as_u128(), &record)?;
            txn.open_table(INDISPONIBILITES_PAR_PRATICIEN)?
                .insert((record.praticien, record.fin, id.as_u128()), record.debut)?;
            Ok(())
        })
    }

    fn indisponibilites(
        &self,
        praticien: PraticienId,
        fenetre: Creneau,
    ) -> Result<Vec<Indisponibilite>, StoreError> {
        let pr = praticien.0.as_u128();
        self.lire(|txn| {
            if txn.open_table(PRATICIENS)?.get(pr)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            let table = txn.open_table(INDISPONIBILITES)?;
            let mut out = Vec::new();
            let index = txn.open_table(INDISPONIBILITES_PAR_PRATICIEN)?;
            for id in lecture::ids_indisponibilites(&index, pr, fenetre)? {
                out.push(lire_reference(&table, id)?.en_modele(id)?);
            }
            out.sort_unstable_by_key(|i| (i.creneau.debut(), i.id));
            Ok(out)
        })
    }

    fn supprimer_indisponibilite(&self, praticien: PraticienId, id: Uuid) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            let mut table = txn.open_table(INDISPONIBILITES)?;
            let record = lire(&table, id.as_u128())?
                .filter(|r| r.praticien == praticien.0.as_u128())
                .ok_or(StoreError::Introuvable("indisponibilité"))?;
            table.remove(id.as_u128())?;
            txn.open_table(INDISPONIBILITES_PAR_PRATICIEN)?.remove((
                record.praticien,
                record.fin,
                id.as_u128(),
            ))?;
            // What it frees goes to the waiting list (the trait gives no "now": the server's clock, `horloge`).
            self.offrir_periode(
                txn,
                record.praticien,
                (record.debut, record.fin),
                &[],
                crate::horloge::maintenant(),
            )?;
            Ok(())
        })
    }

    // --- idempotency of other retried writes

    fn reponse_memorisee(&self, compte: CompteId, cle: &str) -> Result<Option<ReponseMemorisee>, StoreError> {
        // The trait gives no "now" here: the server's clock (`horloge`) decides expiry.
        let now = crate::horloge::maintenant();
        self.lire(|txn| {
            let souvenir = lire(&txn.open_table(REPONSES)?, (compte.0.as_u128(), cle))?;
            Ok(souvenir.filter(|s| !expire(s.le, now)).map(|s| ReponseMemorisee {
                empreinte: s.empreinte,
                statut: s.statut,
                corps: s.corps,
            }))
        })
    }

    fn donnees_bancaires(
        &self,
        praticien: PraticienId,
    ) -> Result<Option<crate::modele::DonneesBancaires>, StoreError> {
        self.lire_donnees_bancaires(praticien)
    }

    fn modifier_donnees_bancaires(
        &self,
        praticien: PraticienId,
        donnees: &crate::modele::DonneesBancaires,
    ) -> Result<(), StoreError> {
        self.ecrire_donnees_bancaires(praticien, donnees)
    }

    fn second_facteur(&self, compte: CompteId) -> Result<Option<super::SecondFacteur>, StoreError> {
        self.lire_second_facteur(compte)
    }

    fn preparer_second_facteur(
        &self,
        compte: CompteId,
        secret: [u8; 20],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.ecrire_second_facteur_en_attente(compte, secret, now)
    }

    fn activer_second_facteur(&self, compte: CompteId, secret: [u8; 20], pas: u64) -> Result<(), StoreError> {
        self.activer_totp(compte, secret, pas)
    }

    fn accepter_pas_totp(&self, compte: CompteId, pas: u64) -> Result<bool, StoreError> {
        self.consommer_pas_totp(compte, pas, false)
    }

    fn retirer_second_facteur(&self, compte: CompteId, pas: u64) -> Result<bool, StoreError> {
        self.consommer_pas_totp(compte, pas, true)
    }

    fn modifier_securite_structure(
        &self,
        structure: StructureId,
        totp_obligatoire: bool,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.ecrire_securite_structure(structure, totp_obligatoire, par, now)
    }

    fn totp_manquant(&self, compte: CompteId, role: crate::modele::Role) -> Result<bool, StoreError> {
        self.lire_totp_manquant(compte, role)
    }

    fn memoriser_reponse(
        &self,
        compte: CompteId,
        cle: &str,
        reponse: &ReponseMemorisee,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            let record = ReponseV1 {
                empreinte: reponse.empreinte,
                statut: reponse.statut,
                corps: reponse.corps.clone(),
                le: millis(now),
            };
            txn.open_table(REPONSES)?
                .insert((compte.0.as_u128(), cle), Record::encoder(&record)?)?;
            Ok(())
        })
    }

    // --- partie médicale: documents, access log, export

    fn enregistrer_document(
        &self,
        document: &crate::documents::Document,
        notification: Uuid,
    ) -> Result<(), StoreError> {
        self.ecrire_document(document, notification)
    }

    fn instantane(&self, cible: &Path) -> Result<Instantane, StoreError> {
        self.copier_instantane(cible)
    }

    fn document(
        &self,
        id: crate::documents::DocumentId,
    ) -> Result<Option<crate::documents::Document>, StoreError> {
        self.lire_document(id)
    }

    fn dossier_medical(&self, patient: PatientId) -> Result<crate::documents::DossierMedical, StoreError> {
        self.lire_dossier_medical(patient)
    }

    fn journaliser_acces(&self, acces: &crate::documents::Acces) -> Result<(), StoreError> {
        self.ajouter_acces(acces)
    }

    fn journal_acces(
        &self,
        patient: PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::documents::EntreeJournal>, StoreError> {
        self.lire_journal_acces(patient, cursor, limit)
    }

    fn export_patient(
        &self,
        patient: PatientId,
        compte: CompteId,
    ) -> Result<crate::documents::ExportPatient, StoreError> {
        self.lire_export(patient, compte)
    }

    fn notifications_dues(
        &self,
        now: DateTime<Utc>,
        limite: usize,
    ) -> Result<Vec<crate::notifications::NotificationDue>, StoreError> {
        self.lire_notifications_dues(now, limite)
    }

    fn marquer_notification(
        &self,
        id: Uuid,
        issue: crate::notifications::Issue,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.ecrire_issue_notification(id, issue, now)
    }

    fn profondeur_outbox(&self) -> Result<crate::notifications::ProfondeurOutbox, StoreError> {
        self.lire_profondeur_outbox()
    }

    fn abandonner_notifications(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.ecrire_abandon_notifications(now)
    }

    fn reveil_notifications(&self) -> std::sync::Arc<tokio::sync::Notify> {
        std::sync::Arc::clone(&self.reveil_outbox)
    }

    fn statistiques_ecritures(&self) -> super::StatistiquesEcritures {
        self.groupe.statistiques()
    }

    fn ouvrir_conversation(
        &self,
        nouvelle: &crate::messagerie::Conversation,
        pour: crate::messagerie::Partie,
    ) -> Result<(crate::messagerie::ResumeConversation, bool), StoreError> {
        self.ecrire_conversation(nouvelle, pour)
    }

    fn conversation(
        &self,
        id: crate::messagerie::ConversationId,
    ) -> Result<Option<crate::messagerie::Conversation>, StoreError> {
        self.lire_conversation(id)
    }

    fn conversations(
        &self,
        membre: crate::messagerie::Membre,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::messagerie::ResumeConversation>, StoreError> {
        self.lire_conversations(membre, cursor, borner(limit))
    }

    fn envoyer_message(&self, message: &crate::messagerie::Message) -> Result<(), StoreError> {
        self.ecrire_message(message)
    }

    fn lire_messages(
        &self,
        conversation: crate::messagerie::ConversationId,
        lecteur: crate::messagerie::Partie,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<crate::messagerie::Message>, StoreError> {
        self.lire_page_messages(conversation, lecteur, cursor, borner(limit))
    }

    fn creer_attente(&self, attente: &crate::attente::Attente) -> Result<(), StoreError> {
        self.ecrire_attente(attente)
    }

    fn attente(&self, id: Uuid) -> Result<Option<crate::attente::Attente>, StoreError> {
        self.lire_attente(id)
    }

    fn retirer_attente(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.retirer(id, now)
    }

    fn accepter_offre(
        &self,
        id: Uuid,
        rdv: RdvId,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<Rdv, StoreError> {
        self.accepter(id, rdv, par, now)
    }

    fn relayer_offres_expirees(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.relayer(now)
    }
}

//! Bulk import: a large dataset written in large transactions, for the scale store of benchmarks and
//! tests (`toubeelib seed-scale`).
//!
//! The normal paths commit one durable transaction per write, which is right for a request and far too
//! slow for a million records. Here [`RedbStore::importer_en_masse`] writes [`ELEMENTS_PAR_TRANSACTION`]
//! elements per transaction, each committed with [`Durability::None`] (in memory only), and the last
//! one with [`Durability::Immediate`], which makes the whole import durable at once. A crash before that
//! last commit leaves the file as it was before the import.
//!
//! It writes exactly what the normal paths write: the same helpers for accounts (`creer_compte`),
//! the same hooks after a structure or a praticien (so every index derived from the directory, and its
//! generation, is kept), the same rdv writer as a booking (`TablesRdv::ecrire`). Only the checks of
//! the booking rules are skipped: the caller places rdvs on valid créneaux itself. It refuses a store
//! that already holds data.

use redb::{Durability, ReadableTable, ReadableTableMetadata, WriteTransaction};

use super::{
    RedbStore, TablesRdv, apres_ecriture_praticien, apres_ecriture_structure, creer_compte, inserer_nouveau,
    verifier_structures,
};
use crate::modele::{Compte, Patient, Praticien, Rdv, Structure};
use crate::store::StoreError;
use crate::store::records::{PatientV2, PraticienV1, RdvV1, StructureV1};
use crate::store::tables::{COMPTES, PATIENTS, PRATICIENS, PRATICIENS_PAR_RPPS, RDVS, STRUCTURES};

/// Elements written per transaction: large enough that commits cost nothing, small enough that a
/// transaction's dirty pages stay a few hundred megabytes at most.
pub const ELEMENTS_PAR_TRANSACTION: usize = 50_000;

/// One thing to import. Structures come before the praticiens working there; rdvs may come in any
/// order after their praticien and patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// A structure.
    Structure(Structure),
    /// A praticien and its account.
    Praticien(Box<(Compte, Praticien)>),
    /// A patient and its account.
    Patient(Box<(Compte, Patient)>),
    /// A rdv, with its statut and history as they are.
    Rdv(Box<Rdv>),
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BilanImport {
    /// Structures.
    pub structures: usize,
    /// Praticiens (each with its account).
    pub praticiens: usize,
    /// Patients (each with its account).
    pub patients: usize,
    /// Rdvs.
    pub rdvs: usize,
    /// Transactions committed.
    pub transactions: usize,
}

impl RedbStore {
    /// Writes `lot` into an empty store, [`ELEMENTS_PAR_TRANSACTION`] elements per transaction, durable
    /// when it returns. `Conflit("stockage_non_vide")` if the store holds anything; on any other error
    /// the transaction in progress is dropped and the earlier ones, never made durable, may remain until
    /// the next durable commit: start again from an empty directory.
    pub fn importer_en_masse(
        &self,
        lot: impl IntoIterator<Item = Element>,
    ) -> Result<BilanImport, StoreError> {
        let mut lot = lot.into_iter().peekable();
        let mut bilan = BilanImport::default();
        loop {
            let mut txn = self.db.begin_write()?;
            if bilan.transactions == 0 {
                refuser_non_vide(&txn)?;
            }
            // Directory elements in their order (a praticien needs its structures), rdvs after them,
            // by id: neighbours in the table, so each insert finds its pages where the previous left them.
            let mut rdvs = Vec::new();
            for element in lot.by_ref().take(ELEMENTS_PAR_TRANSACTION) {
                match element {
                    Element::Rdv(rdv) => rdvs.push(RdvV1::from(&*rdv)),
                    Element::Structure(s) => {
                        ecrire_structure(&txn, &s)?;
                        bilan.structures += 1;
                    }
                    Element::Praticien(p) => {
                        ecrire_praticien(&txn, &p.0, &p.1)?;
                        bilan.praticiens += 1;
                    }
                    Element::Patient(p) => {
                        ecrire_patient(&txn, &p.0, &p.1)?;
                        bilan.patients += 1;
                    }
                }
            }
            rdvs.sort_unstable_by_key(|r| r.id);
            ecrire_rdvs(&txn, &rdvs)?;
            bilan.rdvs += rdvs.len();
            let dernier = lot.peek().is_none();
            let durabilite = if dernier {
                Durability::Immediate
            } else {
                Durability::None
            };
            txn.set_durability(durabilite)
                .map_err(|e| StoreError::Interne(format!("redb : {e}")))?;
            txn.commit()?;
            bilan.transactions += 1;
            if dernier {
                return Ok(bilan);
            }
        }
    }
}

/// Most compaction passes after an import (each one moves pages towards the start of the file).
const COMPACTIONS_MAX: usize = 8;

impl RedbStore {
    /// Gives the pages an import's non-durable transactions left behind back to the file system (a
    /// million rdvs: 1.1 GB → 0.7 GB, about 5 s). Needs the store to itself: no transaction open.
    pub fn compacter(&mut self) -> Result<(), StoreError> {
        for _ in 0..COMPACTIONS_MAX {
            let encore = self
                .db
                .compact()
                .map_err(|e| StoreError::Interne(format!("redb : compactage : {e}")))?;
            if !encore {
                break;
            }
        }
        Ok(())
    }
}

/// `Conflit("stockage_non_vide")` unless the store holds no account, structure, praticien, patient or
/// rdv.
fn refuser_non_vide(txn: &WriteTransaction) -> Result<(), StoreError> {
    let vide = txn.open_table(COMPTES)?.is_empty()?
        && txn.open_table(STRUCTURES)?.is_empty()?
        && txn.open_table(PRATICIENS)?.is_empty()?
        && txn.open_table(PATIENTS)?.is_empty()?
        && txn.open_table(RDVS)?.is_empty()?;
    if vide {
        Ok(())
    } else {
        Err(StoreError::Conflit("stockage_non_vide"))
    }
}

/// What `creer_structure` writes.
fn ecrire_structure(txn: &WriteTransaction, structure: &Structure) -> Result<(), StoreError> {
    inserer_nouveau(
        &mut txn.open_table(STRUCTURES)?,
        structure.id.0.as_u128(),
        &StructureV1::from(structure),
    )?;
    apres_ecriture_structure(txn, structure)
}

/// What `creer_praticien` writes, with its checks (known structures, unique email and RPPS).
fn ecrire_praticien(
    txn: &WriteTransaction,
    compte: &Compte,
    praticien: &Praticien,
) -> Result<(), StoreError> {
    creer_compte(txn, compte)?;
    verifier_structures(txn, praticien)?;
    let id = praticien.id.0.as_u128();
    {
        let mut par_rpps = txn.open_table(PRATICIENS_PAR_RPPS)?;
        if par_rpps.get(praticien.rpps.as_str())?.is_some() {
            return Err(StoreError::Conflit("rpps_deja_utilise"));
        }
        inserer_nouveau(
            &mut txn.open_table(PRATICIENS)?,
            id,
            &PraticienV1::from(praticien),
        )?;
        par_rpps.insert(praticien.rpps.as_str(), id)?;
    }
    apres_ecriture_praticien(txn, None, praticien)
}

/// What `creer_patient` writes.
fn ecrire_patient(txn: &WriteTransaction, compte: &Compte, patient: &Patient) -> Result<(), StoreError> {
    creer_compte(txn, compte)?;
    inserer_nouveau(
        &mut txn.open_table(PATIENTS)?,
        patient.id.0.as_u128(),
        &PatientV2::from(patient),
    )
}

/// What a booking writes, for each rdv: the record and its three indexes. An id already there is
/// refused, as a booking refuses it.
fn ecrire_rdvs(txn: &WriteTransaction, rdvs: &[RdvV1]) -> Result<(), StoreError> {
    if rdvs.is_empty() {
        return Ok(());
    }
    let mut t = TablesRdv::ouvrir(txn)?;
    for rdv in rdvs {
        if t.rdvs.get(rdv.id)?.is_some() {
            return Err(StoreError::Conflit("id_deja_utilise"));
        }
        t.ecrire(rdv, None)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use redb::{ReadableDatabase, TableHandle};

    use super::*;
    use crate::seed::echelle::{Parametres, generer};
    use crate::store::Stockage;

    fn tailles(store: &RedbStore) -> BTreeMap<String, u64> {
        let txn = store.db.begin_read().unwrap();
        txn.list_tables()
            .unwrap()
            .map(|t| {
                let nom = t.name().to_owned();
                (nom, txn.open_untyped_table(t).unwrap().len().unwrap())
            })
            .collect()
    }

    #[test]
    fn bulk_import_of_a_scale_seed_writes_what_the_normal_paths_write() {
        let now = "2026-11-25T10:00:00Z".parse().unwrap();
        let parametres = Parametres {
            praticiens: 12,
            rdvs: 60,
            graine: 5,
        };
        let mut lot = Vec::new();
        generer(&parametres, "hash", now, &mut |e| {
            lot.push(e);
            Ok(())
        })
        .unwrap();

        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let un_a_un = RedbStore::open(d1.path()).unwrap();
        for e in &lot {
            match e {
                Element::Structure(s) => un_a_un.creer_structure(s).unwrap(),
                Element::Praticien(p) => un_a_un.creer_praticien(&p.0, &p.1).unwrap(),
                Element::Patient(p) => un_a_un.creer_patient(&p.0, &p.1).unwrap(),
                Element::Rdv(r) => un_a_un.importer_rdv(r).unwrap(),
            }
        }
        let en_masse = RedbStore::open(d2.path()).unwrap();
        let bilan = en_masse.importer_en_masse(lot.iter().cloned()).unwrap();
        assert_eq!((bilan.praticiens, bilan.rdvs, bilan.transactions), (12, 60, 1));

        let attendu = tailles(&un_a_un);
        assert!(attendu.values().filter(|&&n| n > 0).count() >= 10, "{attendu:?}");
        assert_eq!(tailles(&en_masse), attendu);
        assert_eq!(
            en_masse.generation_annuaire().unwrap(),
            un_a_un.generation_annuaire().unwrap()
        );
        assert!(matches!(
            en_masse.importer_en_masse(Vec::new()),
            Err(StoreError::Conflit("stockage_non_vide"))
        ));
    }
}

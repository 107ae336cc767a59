//! A consistent copy of the store for backups: every table read in ONE read transaction (a snapshot,
//! while writes go on) and written into a new redb file in one write transaction.
//!
//! The copy is logical, table by table, because a raw copy of the live file is not a snapshot: its
//! header is rewritten by every commit. Every table of `tables.rs` is listed in [`copier_tout`]; a table
//! the source holds but the list lacks fails the copy by name, so a table added later cannot be left
//! out of backups unnoticed.

use std::collections::BTreeSet;
use std::path::Path;

use redb::{
    Database, Key, ReadTransaction, ReadableDatabase as _, ReadableTable as _, ReadableTableMetadata as _,
    TableDefinition, TableError, TableHandle as _, Value, WriteTransaction,
};
use uuid::Uuid;

use super::RedbStore;
use crate::store::StoreError;
use crate::store::tables::*;

/// What a snapshot holds, for its manifest and the backup's checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instantane {
    /// Rows copied, all tables together.
    pub lignes: u64,
    /// Rdvs in the snapshot.
    pub rdvs: u64,
    /// The documents recorded in the snapshot: their files belong to the backup.
    pub documents: Vec<Uuid>,
}

/// Copies `def` from `source` into `cible`; a table absent from the source (a legacy one already
/// migrated away) copies nothing. Returns its rows.
fn copier<K: Key + 'static, V: Value + 'static>(
    source: &ReadTransaction,
    cible: &WriteTransaction,
    def: TableDefinition<K, V>,
    copiees: &mut BTreeSet<String>,
) -> Result<u64, StoreError> {
    copiees.insert(def.name().to_owned());
    let table = match source.open_table(def) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let mut vers = cible.open_table(def)?;
    let mut lignes = 0;
    for entree in table.iter()? {
        let (k, v) = entree?;
        vers.insert(k.value(), v.value())?;
        lignes += 1;
    }
    Ok(lignes)
}

/// Copies every table of `tables.rs`; the rows copied.
fn copier_tout(
    source: &ReadTransaction,
    cible: &WriteTransaction,
    copiees: &mut BTreeSet<String>,
) -> Result<u64, StoreError> {
    macro_rules! tables {
        ($($t:expr),+ $(,)?) => {{
            let mut n = 0;
            $( n += copier(source, cible, $t, copiees)?; )+
            n
        }};
    }
    Ok(tables!(
        META,
        COMPTES,
        COMPTES_PAR_EMAIL,
        JETONS,
        FAMILLES,
        FAMILLES_PAR_COMPTE,
        STRUCTURES,
        STRUCTURES_PAR_VILLE,
        PRATICIENS,
        PRATICIENS_PAR_RPPS,
        PRATICIENS_PAR_STRUCTURE,
        PRATICIENS_PAR_NOM,
        JETONS_ICS,
        PERSONNELS,
        PATIENTS,
        PATIENTS_V1,
        PATIENTELE,
        PATIENTELE_PAR_PATIENT,
        INDISPONIBILITES,
        INDISPONIBILITES_PAR_PRATICIEN,
        RDVS,
        RDVS_PAR_PRATICIEN,
        RDVS_PAR_PATIENT,
        PRATICIENS_DU_PATIENT,
        IDEMPOTENCE_RDVS,
        REPONSES,
        DONNEES_BANCAIRES,
        TOTP,
        SECURITE_STRUCTURES,
        DOCUMENTS,
        DOCUMENTS_PAR_PATIENT,
        JOURNAL_ACCES,
        NOTIFICATIONS_V1,
        NOTIFICATIONS,
        NOTIFICATIONS_DUES,
        NOTIFICATIONS_ECHOUEES,
        CONVERSATIONS,
        CONVERSATIONS_PAR_PARTIES,
        CONVERSATIONS_PAR_PATIENT,
        CONVERSATIONS_PAR_PRATICIEN,
        MESSAGES,
        NON_LUS,
        ATTENTES,
        ATTENTES_PAR_PRATICIEN,
        ATTENTES_PAR_PATIENT,
        OFFRES_ATTENTE,
    ))
}

impl RedbStore {
    /// Every recorded document's id (a restore checks each file).
    pub fn ids_documents(&self) -> Result<Vec<Uuid>, StoreError> {
        self.lire(|txn| {
            let mut ids = Vec::new();
            for entree in txn.open_table(DOCUMENTS)?.iter()? {
                ids.push(Uuid::from_u128(entree?.0.value()));
            }
            Ok(ids)
        })
    }

    /// [`crate::store::Stockage::instantane`]: the snapshot into a new redb file at `cible` (which must
    /// not exist), synced before this returns.
    pub(super) fn copier_instantane(&self, cible: &Path) -> Result<Instantane, StoreError> {
        if cible.exists() {
            return Err(StoreError::Interne(format!("{} existe déjà", cible.display())));
        }
        let source = self.db.begin_read()?;
        let copie = Database::create(cible)?;
        let ecriture = copie.begin_write()?;
        let mut copiees = BTreeSet::new();
        let lignes = copier_tout(&source, &ecriture, &mut copiees)?;
        for table in source.list_tables()? {
            if !copiees.contains(table.name()) {
                return Err(StoreError::Interne(format!(
                    "table {} absente de la liste des sauvegardes (store/redb/sauvegarde.rs)",
                    table.name()
                )));
            }
        }
        ecriture.commit()?;
        let rdvs = source.open_table(RDVS)?.len()?;
        let mut documents = Vec::new();
        for entree in source.open_table(DOCUMENTS)?.iter()? {
            documents.push(Uuid::from_u128(entree?.0.value()));
        }
        Ok(Instantane {
            lignes,
            rdvs,
            documents,
        })
    }
}

//! A praticien's bank data ([`DONNEES_BANCAIRES`]): one record per praticien, read and replaced whole.
//!
//! Nothing derives from it: no index, no directory generation, so it never reaches the search index nor
//! a list. Decoding re-parses the IBAN and the BIC through the domain: a stored value that no longer
//! parses is [`StoreError::Interne`], whose message names the rule, never the number.

use domain::ids::PraticienId;
use redb::ReadableTable as _;

use super::RedbStore;
use super::lecture::lire;
use crate::modele::DonneesBancaires;
use crate::store::StoreError;
use crate::store::records::{DonneesBancairesV1, Record};
use crate::store::tables::{DONNEES_BANCAIRES, PRATICIENS};

impl RedbStore {
    /// The praticien's bank data, if recorded; `Introuvable("praticien")` for an unknown praticien.
    pub(super) fn lire_donnees_bancaires(
        &self,
        praticien: PraticienId,
    ) -> Result<Option<DonneesBancaires>, StoreError> {
        let pr = praticien.0.as_u128();
        self.lire(|txn| {
            if txn.open_table(PRATICIENS)?.get(pr)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            lire(&txn.open_table(DONNEES_BANCAIRES)?, pr)?
                .map(DonneesBancaires::try_from)
                .transpose()
        })
    }

    /// Records the praticien's bank data, replacing any; `Introuvable("praticien")` for an unknown one.
    pub(super) fn ecrire_donnees_bancaires(
        &self,
        praticien: PraticienId,
        donnees: &DonneesBancaires,
    ) -> Result<(), StoreError> {
        let pr = praticien.0.as_u128();
        let record = Record::encoder(&DonneesBancairesV1::from(donnees))?;
        self.ecrire(|txn| {
            if txn.open_table(PRATICIENS)?.get(pr)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            txn.open_table(DONNEES_BANCAIRES)?.insert(pr, &record)?;
            Ok(())
        })
    }
}

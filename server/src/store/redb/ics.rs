//! The secret of each praticien's iCalendar feed ([`JETONS_ICS`]): read, made on first use, rotated.
//!
//! The secret is made by the caller (the store draws no random number) and compared by the caller too:
//! the store only keeps it.

use domain::ids::PraticienId;
use redb::ReadableTable as _;

use super::RedbStore;
use crate::store::StoreError;
use crate::store::tables::{JETONS_ICS, PRATICIENS};

impl RedbStore {
    /// The praticien's feed secret, or `nouveau` stored as it if there is none yet.
    pub(super) fn jeton_ics_ou(
        &self,
        praticien: PraticienId,
        nouveau: [u8; 32],
    ) -> Result<[u8; 32], StoreError> {
        let pr = praticien.0.as_u128();
        // Every read of the feed finds the secret: a read transaction, which waits for no writer.
        let existant = self.lire(|txn| Ok(txn.open_table(JETONS_ICS)?.get(pr)?.map(|v| v.value())))?;
        if let Some(jeton) = existant {
            return Ok(jeton);
        }
        self.ecrire(|txn| {
            if txn.open_table(PRATICIENS)?.get(pr)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            let mut jetons = txn.open_table(JETONS_ICS)?;
            // Another request may have made it between the read and this write.
            let existant = jetons.get(pr)?.map(|v| v.value());
            if let Some(jeton) = existant {
                return Ok(jeton);
            }
            jetons.insert(pr, nouveau)?;
            Ok(nouveau)
        })
    }

    /// Replaces the praticien's feed secret with `nouveau`.
    pub(super) fn remplacer_jeton_ics(
        &self,
        praticien: PraticienId,
        nouveau: [u8; 32],
    ) -> Result<(), StoreError> {
        let pr = praticien.0.as_u128();
        self.ecrire(|txn| {
            if txn.open_table(PRATICIENS)?.get(pr)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            txn.open_table(JETONS_ICS)?.insert(pr, nouveau)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {

    use redb::ReadableDatabase as _;
    use uuid::Uuid;

    use super::*;

    use crate::store::Stockage;

    /// A store holding one structure and one praticien (the store tests' `Monde`).
    fn store_avec_praticien() -> (tempfile::TempDir, RedbStore, PraticienId) {
        let m = crate::store::redb::tests::fixtures::Monde::new();
        (m.dossier, m.store, m.praticien.id)
    }

    #[test]
    fn the_ics_secret_is_made_once_kept_across_reopening_and_replaced_by_a_rotation() {
        let (dossier, store, praticien) = store_avec_praticien();
        assert_eq!(store.jeton_ics(praticien, [1; 32]).unwrap(), [1; 32]);
        // Already there: the fresh one offered is not taken.
        assert_eq!(store.jeton_ics(praticien, [2; 32]).unwrap(), [1; 32]);

        store.tourner_jeton_ics(praticien, [3; 32]).unwrap();
        assert_eq!(store.jeton_ics(praticien, [4; 32]).unwrap(), [3; 32]);

        drop(store);
        let store = RedbStore::open(dossier.path()).unwrap();
        assert_eq!(store.jeton_ics(praticien, [5; 32]).unwrap(), [3; 32]);
    }

    #[test]
    fn an_unknown_praticien_has_no_ics_secret_and_none_is_written() {
        let (_dossier, store, _) = store_avec_praticien();
        let inconnu = PraticienId(Uuid::now_v7());
        assert!(matches!(
            store.jeton_ics(inconnu, [1; 32]),
            Err(StoreError::Introuvable("praticien"))
        ));
        assert!(matches!(
            store.tourner_jeton_ics(inconnu, [1; 32]),
            Err(StoreError::Introuvable("praticien"))
        ));
        let txn = store.db.begin_read().unwrap();
        assert!(
            txn.open_table(JETONS_ICS)
                .unwrap()
                .get(inconnu.0.as_u128())
                .unwrap()
                .is_none()
        );
    }
}

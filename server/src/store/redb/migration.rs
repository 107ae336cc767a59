//! Schema migrations, run by [`super::RedbStore::open`] inside the write transaction that opens the
//! file: a file is wholly at its old version or wholly at the new one, never half migrated.
//!
//! Each step reads the records (not the domain entities: a value the domain would refuse today must
//! not block an index build) and writes what the new version adds.

use redb::{ReadableTable, WriteTransaction};

use super::replier;
use crate::store::StoreError;
use crate::store::records::{NotificationV2, PatientV2, Record};
use crate::store::tables::{
    NOTIFICATIONS, NOTIFICATIONS_DUES, NOTIFICATIONS_V1, PATIENTS, PATIENTS_V1, PRATICIENS,
    PRATICIENS_PAR_NOM, PRATICIENS_PAR_STRUCTURE, STRUCTURES, STRUCTURES_PAR_VILLE,
};

/// Version 1 → 2: builds the place indexes, `(ville, structure)` and `(structure, praticien)`, from the
/// structures and praticiens already stored.
pub(super) fn v1_vers_v2(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut par_ville = txn.open_table(STRUCTURES_PAR_VILLE)?;
    for entree in txn.open_table(STRUCTURES)?.iter()? {
        let (_, valeur) = entree?;
        let structure = valeur.value().decoder()?;
        par_ville.insert((replier(&structure.ville).as_str(), structure.id), ())?;
    }
    let mut par_structure = txn.open_table(PRATICIENS_PAR_STRUCTURE)?;
    for entree in txn.open_table(PRATICIENS)?.iter()? {
        let (_, valeur) = entree?;
        let praticien = valeur.value().decoder()?;
        for structure in praticien.structures {
            par_structure.insert((structure, praticien.id), ())?;
        }
    }
    Ok(())
}

/// Version 2 → 3: builds the name index `(nom, prénom, praticien)` from the praticiens already stored.
pub(super) fn v2_vers_v3(txn: &WriteTransaction) -> Result<(), StoreError> {
    let mut par_nom = txn.open_table(PRATICIENS_PAR_NOM)?;
    for entree in txn.open_table(PRATICIENS)?.iter()? {
        let (_, valeur) = entree?;
        let praticien = valeur.value().decoder()?;
        par_nom.insert(
            (
                replier(&praticien.nom).as_str(),
                replier(&praticien.prenom).as_str(),
                praticien.id,
            ),
            (),
        )?;
    }
    Ok(())
}

/// Version 3 → 4: copies every patient from `patients_v1` into `patients_v2` ([`PatientV2`]: the
/// médecin traitant, free text until now, stays text), then deletes the old table.
pub(super) fn v3_vers_v4(txn: &WriteTransaction) -> Result<(), StoreError> {
    {
        let anciens = txn.open_table(PATIENTS_V1)?;
        let mut patients = txn.open_table(PATIENTS)?;
        for entree in anciens.iter()? {
            let (cle, valeur) = entree?;
            let patient = PatientV2::from(valeur.value().decoder()?);
            patients.insert(cle.value(), Record::encoder(&patient)?)?;
        }
    }
    txn.delete_table(PATIENTS_V1)?;
    Ok(())
}

/// Version 4 → 5: moves every notification of `notifications_v1` (documents disponibles, never sent)
/// into the outbox as due at its creation, then deletes the old table.
pub(super) fn v4_vers_v5(txn: &WriteTransaction) -> Result<(), StoreError> {
    {
        let anciennes = txn.open_table(NOTIFICATIONS_V1)?;
        let mut notifications = txn.open_table(NOTIFICATIONS)?;
        let mut dues = txn.open_table(NOTIFICATIONS_DUES)?;
        for entree in anciennes.iter()? {
            let (cle, valeur) = entree?;
            let notification = NotificationV2::from(valeur.value().decoder()?);
            dues.insert((notification.du_le, notification.id), ())?;
            notifications.insert(cle.value(), Record::encoder(&notification)?)?;
        }
    }
    txn.delete_table(NOTIFICATIONS_V1)?;
    Ok(())
}

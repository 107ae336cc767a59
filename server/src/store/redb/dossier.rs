//! A patient's partie administrative ([`PATIENTS`]): its change, read and written in one write
//! transaction with the account's email index, and the praticiens the patient consulted.
//!
//! A change keeps two things true that the API cannot check alone: a médecin traitant chosen in the
//! directory is a praticien of the directory, and an email is one account's at most — the patient's own
//! account ([`COMPTES`], [`COMPTES_PAR_EMAIL`]) follows its dossier's email, so the patient signs in with
//! the address the dossier shows.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use domain::identifiants::Email;
use domain::ids::PatientId;
use redb::{ReadableTable as _, WriteTransaction};

use super::RedbStore;
use super::lecture::{lire, lire_reference};
use crate::modele::{MedecinTraitant, Patient, Praticien};
use crate::store::StoreError;
use crate::store::records::{CompteV1, PatientV2, RdvV1, Record, RoleV1, StatutV1, instant};
use crate::store::tables::{COMPTES, COMPTES_PAR_EMAIL, PATIENTS, PRATICIENS, RDVS, RDVS_PAR_PATIENT};

/// Most rdvs of one patient, the latest first, that [`crate::store::Stockage::praticiens_consultes`]
/// reads: a bound on one request's work, far above a lifetime of consultations.
pub const RDVS_PARCOURUS_MAX: usize = 10_000;

impl RedbStore {
    /// [`crate::store::Stockage::modifier_patient`].
    pub(super) fn changer_patient(
        &self,
        id: PatientId,
        changer: &mut dyn FnMut(&mut Patient) -> Result<(), StoreError>,
    ) -> Result<Patient, StoreError> {
        let pa = id.0.as_u128();
        self.ecrire(|txn| {
            let ancien = lire::<u128, PatientV2>(&txn.open_table(PATIENTS)?, pa)?
                .ok_or(StoreError::Introuvable("patient"))?;
            let ancien = Patient::try_from(ancien)?;
            let mut nouveau = ancien.clone();
            changer(&mut nouveau)?;
            if nouveau.id != id {
                return Err(StoreError::Interne(format!(
                    "modification du patient {id} : l'identifiant a changé"
                )));
            }
            if let Some(MedecinTraitant::Praticien(praticien)) = &nouveau.medecin_traitant
                && nouveau.medecin_traitant != ancien.medecin_traitant
                && txn.open_table(PRATICIENS)?.get(praticien.0.as_u128())?.is_none()
            {
                return Err(StoreError::Introuvable("praticien"));
            }
            if nouveau.email != ancien.email {
                suivre_email(txn, pa, &ancien.email, &nouveau.email)?;
            }
            txn.open_table(PATIENTS)?
                .insert(pa, Record::encoder(&PatientV2::from(&nouveau))?)?;
            Ok(nouveau)
        })
    }

    /// [`crate::store::Stockage::praticiens_consultes`]: a walk of the patient's own `(patient, debut)`
    /// index, the latest first, reading each rdv's statut.
    pub(super) fn lire_praticiens_consultes(
        &self,
        patient: PatientId,
    ) -> Result<Vec<(Praticien, DateTime<Utc>)>, StoreError> {
        let pa = patient.0.as_u128();
        self.lire(|txn| {
            if txn.open_table(PATIENTS)?.get(pa)?.is_none() {
                return Err(StoreError::Introuvable("patient"));
            }
            let index = txn.open_table(RDVS_PAR_PATIENT)?;
            let rdvs = txn.open_table(RDVS)?;
            let mut vus = BTreeSet::new();
            // (praticien, start of the latest consultation), the latest first.
            let mut consultes = Vec::new();
            for entree in index
                .range((pa, i64::MIN, 0u128)..=(pa, i64::MAX, u128::MAX))?
                .rev()
                .take(RDVS_PARCOURUS_MAX)
            {
                let (cle, _) = entree?;
                let (_, debut, rdv) = cle.value();
                let rdv: RdvV1 = lire_reference(&rdvs, rdv)?;
                if consultation(rdv.statut) && vus.insert(rdv.praticien) {
                    consultes.push((rdv.praticien, debut));
                }
            }
            let praticiens = txn.open_table(PRATICIENS)?;
            consultes
                .into_iter()
                .map(|(praticien, debut)| {
                    Ok((
                        Praticien::try_from(lire_reference(&praticiens, praticien)?)?,
                        instant(debut)?,
                    ))
                })
                .collect()
        })
    }
}

/// Whether a rdv in this statut was a consultation: the patient came (and maybe paid, and the act was
/// sent to the organismes sociaux).
fn consultation(statut: StatutV1) -> bool {
    matches!(statut, StatutV1::Honore | StatutV1::Paye | StatutV1::Transmis)
}

/// A patient's dossier email changes from `ancien` to `nouveau`: refused if `nouveau` is any account's;
/// the patient's account, found under `ancien`, moves to `nouveau` with its index entry. A dossier
/// without an account (none under `ancien`, or another role's) changes alone.
fn suivre_email(
    txn: &WriteTransaction,
    patient: u128,
    ancien: &Email,
    nouveau: &Email,
) -> Result<(), StoreError> {
    let mut par_email = txn.open_table(COMPTES_PAR_EMAIL)?;
    if par_email.get(nouveau.as_str())?.is_some() {
        return Err(StoreError::Conflit("email_deja_utilise"));
    }
    let Some(id) = par_email.get(ancien.as_str())?.map(|v| v.value()) else {
        return Ok(());
    };
    let mut comptes = txn.open_table(COMPTES)?;
    let mut compte: CompteV1 = lire_reference(&comptes, id)?;
    if !matches!(compte.role, RoleV1::Patient(p) if p == patient) {
        return Ok(());
    }
    compte.email = nouveau.as_str().to_owned();
    comptes.insert(id, Record::encoder(&compte)?)?;
    par_email.remove(ancien.as_str())?;
    par_email.insert(nouveau.as_str(), id)?;
    Ok(())
}

//! One booking inside a write transaction, in two phases: [`preparer`] reads and validates and
//! writes nothing, [`inscrire`] writes. So a refusal never leaves a write behind, and a batch of
//! bookings ([`crate::store::Stockage::reserver_lot`]) can refuse one of them and keep the others in
//! the same transaction; only a failure while writing aborts the transaction.

use chrono::{DateTime, Utc};
use domain::reglages::Reglages;
use domain::reservation::valider_reservation;
use domain::statut::Statut;
use redb::{ReadableTable as _, WriteTransaction};

use super::lecture::{lire, lire_reference};
use super::{TablesRdv, attente, evenement, expire, outbox, praticien_de};
use crate::modele::{Praticien, Rdv};
use crate::store::records::{EvenementRdvV1, IdempotenceRdvV1, RdvV1, Record, StatutV1, millis};
use crate::store::tables::{IDEMPOTENCE_RDVS, PATIENTS, PRATICIENS};
use crate::store::{CleIdempotence, NouvelleReservation, Reserve, StoreError};

/// A booking once read and validated.
enum Preparee {
    /// The Idempotency-Key's first booking, replayed as it is.
    Rejouee(Rdv, Reglages),
    /// A new rdv to write for this praticien.
    Nouvelle(Box<RdvV1>, Praticien),
}

/// Books `demande` in `txn`: `Ok(Ok(..))` booked (with the praticien's réglages, for the answer's
/// links), `Ok(Err(..))` refused before anything was written, `Err(..)` a failure while writing,
/// which must abort the transaction.
pub(super) fn reserver_dans(
    txn: &WriteTransaction,
    demande: &NouvelleReservation,
    now: DateTime<Utc>,
) -> Result<Result<(Reserve, Reglages), StoreError>, StoreError> {
    match preparer(txn, demande, now) {
        Err(refus) => Ok(Err(refus)),
        Ok(Preparee::Rejouee(rdv, reglages)) => Ok(Ok((Reserve::Rejoue(rdv), reglages))),
        Ok(Preparee::Nouvelle(rdv, praticien)) => {
            let reglages = praticien.reglages;
            inscrire(txn, demande, &rdv, &praticien, now).map(|rdv| Ok((Reserve::Nouveau(rdv), reglages)))
        }
    }
}

/// Every read and check of a booking; writes nothing.
fn preparer(
    txn: &WriteTransaction,
    demande: &NouvelleReservation,
    now: DateTime<Utc>,
) -> Result<Preparee, StoreError> {
    let t = TablesRdv::ouvrir(txn)?;
    if let Some(CleIdempotence {
        compte,
        cle,
        empreinte,
    }) = &demande.idempotence
    {
        let deja = lire(
            &txn.open_table(IDEMPOTENCE_RDVS)?,
            (compte.0.as_u128(), cle.as_str()),
        )?;
        if let Some(deja) = deja.filter(|d| !expire(d.le, now)) {
            if deja.empreinte != *empreinte {
                return Err(StoreError::IdempotenceReutilisee);
            }
            let rdv = Rdv::try_from(lire_reference(&t.rdvs, deja.rdv)?)?;
            // The praticien may have left since: the answer's links then use the default réglages.
            let reglages = lire(&txn.open_table(PRATICIENS)?, rdv.praticien_id.0.as_u128())?
                .map(Praticien::try_from)
                .transpose()?
                .map(|p| p.reglages)
                .unwrap_or_default();
            return Ok(Preparee::Rejouee(rdv, reglages));
        }
    }
    let praticien = praticien_de(&txn.open_table(PRATICIENS)?, demande.praticien_id.0.as_u128())?;
    let patient = demande.patient_id.0.as_u128();
    if txn.open_table(PATIENTS)?.get(patient)?.is_none() {
        return Err(StoreError::Introuvable("patient"));
    }
    let (mut agenda, situation) = t.etat(txn, &praticien, patient, demande.reservation.debut)?;
    let (pa, debut) = (demande.patient_id, demande.reservation.debut);
    attente::tenir_autour(txn, &mut agenda, &praticien, pa, debut, now)?;
    let libre = valider_reservation(&agenda, &demande.reservation, &situation, now)?;
    let id = demande.rdv_id.0.as_u128();
    if t.rdvs.get(id)?.is_some() {
        return Err(StoreError::Conflit("id_deja_utilise"));
    }
    let rdv = RdvV1 {
        id,
        praticien: praticien.id.0.as_u128(),
        patient,
        specialite: libre.specialite.code().to_owned(),
        type_consultation: libre.type_consultation.into(),
        motif: demande.reservation.motif.clone(),
        debut: millis(libre.debut),
        fin: millis(libre.fin),
        structure: libre.structure_id.0.as_u128(),
        statut: StatutV1::Prevu,
        origine: demande.reservation.origine.into(),
        historique: vec![evenement(Statut::Prevu, "reserve", demande.par, now)],
        paiement: None,
        transmission: None,
    };
    Ok(Preparee::Nouvelle(Box::new(rdv), praticien))
}

/// The writes of a validated booking: the rdv and its index entries, the waiting-list offer it
/// settles, its confirmation and reminder in the outbox, its Idempotency-Key.
fn inscrire(
    txn: &WriteTransaction,
    demande: &NouvelleReservation,
    rdv: &RdvV1,
    praticien: &Praticien,
    now: DateTime<Utc>,
) -> Result<Rdv, StoreError> {
    TablesRdv::ouvrir(txn)?.ecrire(rdv, None)?;
    attente::solder_offre(txn, rdv)?;
    outbox::enfiler_rdv(txn, rdv, EvenementRdvV1::Reserve, now)?;
    outbox::enfiler_rappel(txn, rdv, praticien.reglages.valeurs().rappel_heures, now)?;
    if let Some(cle) = &demande.idempotence {
        let souvenir = IdempotenceRdvV1 {
            empreinte: cle.empreinte,
            rdv: rdv.id,
            le: millis(now),
        };
        txn.open_table(IDEMPOTENCE_RDVS)?.insert(
            (cle.compte.0.as_u128(), cle.cle.as_str()),
            Record::encoder(&souvenir)?,
        )?;
    }
    Rdv::try_from(rdv.clone())
}

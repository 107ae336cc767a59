//! `toubeelib check`: the offline consistency check of a store, run by the crash test between a
//! SIGKILL and the restart, and by an operator after an incident.
//!
//! redb makes each commit atomic, so a record and the index entries written in its transaction come
//! or go together; this check is what shows it, table against table: no rdv without its two index
//! entries and no index entry without its rdv; no due row without its pending notification and no
//! pending notification outside the due index; no rdv notification without its rdv; no message or
//! listing entry without its conversation. It reads every row (offline, once), and keeps the first
//! [`VIOLATIONS_GARDEES_MAX`] violations it meets, counting the others.

use redb::{ReadTransaction, ReadableDatabase as _, ReadableTable};
use uuid::Uuid;

use super::RedbStore;
use super::lecture::lire;
use crate::store::StoreError;
use crate::store::records::{EtatNotificationV1, SujetNotificationV2};
use crate::store::tables::{
    CONVERSATIONS, CONVERSATIONS_PAR_PARTIES, CONVERSATIONS_PAR_PATIENT, CONVERSATIONS_PAR_PRATICIEN,
    MESSAGES, NOTIFICATIONS, NOTIFICATIONS_DUES, NOTIFICATIONS_ECHOUEES, PRATICIENS_DU_PATIENT, RDVS,
    RDVS_PAR_PATIENT, RDVS_PAR_PRATICIEN,
};

/// Most violations described one by one; past it they are only counted.
pub const VIOLATIONS_GARDEES_MAX: usize = 100;

/// What the check read and what it found wrong.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Verification {
    /// redb's own integrity check passed without repairing anything.
    pub integre: bool,
    /// Rdvs read.
    pub rdvs: u64,
    /// Outbox notifications read.
    pub notifications: u64,
    /// Conversations read.
    pub conversations: u64,
    /// Messages read.
    pub messages: u64,
    /// Every violation met.
    pub violations_total: u64,
    /// The first [`VIOLATIONS_GARDEES_MAX`] of them, described.
    pub violations: Vec<String>,
}

impl Verification {
    /// Nothing wrong: the file is intact and every invariant holds.
    pub fn saine(&self) -> bool {
        self.integre && self.violations_total == 0
    }

    fn signaler(&mut self, violation: String) {
        self.violations_total += 1;
        if self.violations.len() < VIOLATIONS_GARDEES_MAX {
            self.violations.push(violation);
        }
    }
}

fn uuid(id: u128) -> Uuid {
    Uuid::from_u128(id)
}

impl RedbStore {
    /// Runs redb's integrity check, then the cross-table invariants over one snapshot. Needs the store
    /// to itself (`&mut`): redb refuses the check while a transaction is alive.
    pub fn verifier(&mut self) -> Result<Verification, StoreError> {
        let integre = self
            .db
            .check_integrity()
            .map_err(|e| StoreError::Interne(format!("redb : vérification d'intégrité : {e}")))?;
        let mut v = Verification {
            integre,
            ..Verification::default()
        };
        let txn = self.db.begin_read()?;
        rdvs(&txn, &mut v)?;
        notifications(&txn, &mut v)?;
        conversations(&txn, &mut v)?;
        Ok(v)
    }
}

/// Each rdv has its entries in both indexes and the patient's link; each index entry has its rdv, at
/// the same praticien (or patient) and start.
fn rdvs(txn: &ReadTransaction, v: &mut Verification) -> Result<(), StoreError> {
    let rdvs = txn.open_table(RDVS)?;
    let par_praticien = txn.open_table(RDVS_PAR_PRATICIEN)?;
    let par_patient = txn.open_table(RDVS_PAR_PATIENT)?;
    let praticiens_du_patient = txn.open_table(PRATICIENS_DU_PATIENT)?;
    for entree in rdvs.iter()? {
        let (cle, valeur) = entree?;
        let id = cle.value();
        let rdv = valeur.value().decoder()?;
        v.rdvs += 1;
        if rdv.id != id {
            v.signaler(format!("rdv {} rangé sous la clé {}", uuid(rdv.id), uuid(id)));
        }
        if par_praticien.get((rdv.praticien, rdv.debut, id))?.is_none() {
            v.signaler(format!("rdv {} absent de l'index par praticien", uuid(id)));
        }
        if par_patient.get((rdv.patient, rdv.debut, id))?.is_none() {
            v.signaler(format!("rdv {} absent de l'index par patient", uuid(id)));
        }
        if praticiens_du_patient.get((rdv.patient, rdv.praticien))?.is_none() {
            v.signaler(format!("rdv {} : patient non lié à son praticien", uuid(id)));
        }
    }
    for (nom, index, par_patient) in [
        ("praticien", &par_praticien, false),
        ("patient", &par_patient, true),
    ] {
        for entree in index.iter()? {
            let (cle, _) = entree?;
            let (partie, debut, id) = cle.value();
            match lire(&rdvs, id)? {
                None => v.signaler(format!("index par {nom} : rdv {} absent", uuid(id))),
                Some(rdv) => {
                    let attendue = if par_patient { rdv.patient } else { rdv.praticien };
                    if attendue != partie || rdv.debut != debut {
                        v.signaler(format!(
                            "index par {nom} : rdv {} ailleurs que son entrée ({}, {debut})",
                            uuid(id),
                            uuid(partie)
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// A row is pending exactly when it is in the due index, under its own due time; a failed row is in
/// the failed index; a rdv's notification names an existing rdv of its patient, a message's an
/// existing conversation.
fn notifications(txn: &ReadTransaction, v: &mut Verification) -> Result<(), StoreError> {
    let notifications = txn.open_table(NOTIFICATIONS)?;
    let dues = txn.open_table(NOTIFICATIONS_DUES)?;
    let echouees = txn.open_table(NOTIFICATIONS_ECHOUEES)?;
    let rdvs = txn.open_table(RDVS)?;
    let conversations = txn.open_table(CONVERSATIONS)?;
    for entree in notifications.iter()? {
        let (_, valeur) = entree?;
        let n = valeur.value().decoder()?;
        v.notifications += 1;
        let id = uuid(n.id);
        match n.etat {
            EtatNotificationV1::EnAttente if dues.get((n.du_le, n.id))?.is_none() => {
                v.signaler(format!("notification {id} en attente hors de l'index des dues"));
            }
            EtatNotificationV1::Echouee(_) if echouees.get(n.id)?.is_none() => {
                v.signaler(format!("notification {id} échouée hors de l'index des échecs"));
            }
            _ => {}
        }
        match &n.sujet {
            SujetNotificationV2::Rdv { instantane, .. } => match lire(&rdvs, instantane.rdv)? {
                None => v.signaler(format!("notification {id} : rdv {} absent", uuid(instantane.rdv))),
                Some(rdv) if rdv.patient != n.patient => v.signaler(format!(
                    "notification {id} : le rdv {} est d'un autre patient",
                    uuid(rdv.id)
                )),
                Some(_) => {}
            },
            SujetNotificationV2::NouveauMessage { conversation, .. } => {
                if conversations.get(*conversation)?.is_none() {
                    v.signaler(format!(
                        "notification {id} : conversation {} absente",
                        uuid(*conversation)
                    ));
                }
            }
            // An offer names the waiting-list entry's hold, a document its file: neither is a rdv.
            SujetNotificationV2::OffreAttente { .. } | SujetNotificationV2::DocumentDisponible(_) => {}
        }
    }
    for entree in dues.iter()? {
        let (cle, _) = entree?;
        let (du_le, id) = cle.value();
        match lire(&notifications, id)? {
            None => v.signaler(format!("due {}: notification absente", uuid(id))),
            Some(n) if n.etat != EtatNotificationV1::EnAttente || n.du_le != du_le => v.signaler(format!(
                "due {} : la notification n'est pas en attente à cette échéance",
                uuid(id)
            )),
            Some(_) => {}
        }
    }
    for entree in echouees.iter()? {
        let (cle, _) = entree?;
        let id = cle.value();
        match lire(&notifications, id)? {
            Some(n) if matches!(n.etat, EtatNotificationV1::Echouee(_)) => {}
            _ => v.signaler(format!("échec {} : pas de notification échouée", uuid(id))),
        }
    }
    Ok(())
}

/// Each conversation is found by its pair and in both parties' listings at its last activity; each
/// message and listing entry has its conversation.
fn conversations(txn: &ReadTransaction, v: &mut Verification) -> Result<(), StoreError> {
    let conversations = txn.open_table(CONVERSATIONS)?;
    let par_parties = txn.open_table(CONVERSATIONS_PAR_PARTIES)?;
    let par_patient = txn.open_table(CONVERSATIONS_PAR_PATIENT)?;
    let par_praticien = txn.open_table(CONVERSATIONS_PAR_PRATICIEN)?;
    let messages = txn.open_table(MESSAGES)?;
    for entree in conversations.iter()? {
        let (_, valeur) = entree?;
        let c = valeur.value().decoder()?;
        v.conversations += 1;
        let id = uuid(c.id);
        if par_parties.get((c.patient, c.praticien))?.map(|g| g.value()) != Some(c.id) {
            v.signaler(format!("conversation {id} introuvable par ses parties"));
        }
        if par_patient.get((c.patient, c.derniere_activite, c.id))?.is_none() {
            v.signaler(format!("conversation {id} absente de la liste de son patient"));
        }
        if par_praticien
            .get((c.praticien, c.derniere_activite, c.id))?
            .is_none()
        {
            v.signaler(format!("conversation {id} absente de la liste de son praticien"));
        }
    }
    for entree in par_parties.iter()? {
        let (_, valeur) = entree?;
        if conversations.get(valeur.value())?.is_none() {
            v.signaler(format!("paire : conversation {} absente", uuid(valeur.value())));
        }
    }
    for (nom, liste) in [("patient", &par_patient), ("praticien", &par_praticien)] {
        for entree in liste.iter()? {
            let (cle, _) = entree?;
            let (_, activite, id) = cle.value();
            match lire(&conversations, id)? {
                Some(c) if c.derniere_activite == activite => {}
                _ => v.signaler(format!(
                    "liste du {nom} : conversation {} absente ou à une autre date",
                    uuid(id)
                )),
            }
        }
    }
    for entree in messages.iter()? {
        let (cle, _) = entree?;
        let (conversation, _, id) = cle.value();
        v.messages += 1;
        if conversations.get(conversation)?.is_none() {
            v.signaler(format!("message {} : conversation absente", uuid(id)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use redb::ReadableTable as _;

    use super::super::tests::fixtures::{Monde, lundi, now};
    use super::*;
    use crate::store::Stockage as _;

    /// A store with one booked rdv (and its confirmation and reminder in the outbox); the rdv's id.
    fn monde_avec_un_rdv() -> (Monde, u128) {
        let m = Monde::new();
        let rdv = match m.store.reserver(&m.demande(0, lundi()), now()) {
            Ok(crate::store::Reserve::Nouveau(rdv)) => rdv,
            autre => panic!("attendu une réservation, obtenu {autre:?}"),
        };
        (m, rdv.id.0.as_u128())
    }

    #[track_caller]
    fn check(store: &mut RedbStore, attendues: &[&str]) {
        let v = store.verifier().unwrap();
        assert!(v.integre, "{v:?}");
        assert_eq!(v.violations_total, attendues.len() as u64, "{:#?}", v.violations);
        for (violation, attendue) in v.violations.iter().zip(attendues) {
            assert!(
                violation.contains(attendue),
                "{violation:?} ne dit pas {attendue:?}"
            );
        }
    }

    #[test]
    fn a_store_written_through_its_methods_is_consistent() {
        let (mut m, _) = monde_avec_un_rdv();
        check(&mut m.store, &[]);
        let v = m.store.verifier().unwrap();
        assert_eq!((v.rdvs, v.notifications), (1, 2), "{v:?}");
    }

    #[test]
    fn a_rdv_missing_from_an_index_is_a_violation() {
        let (mut m, id) = monde_avec_un_rdv();
        let txn = m.store.db.begin_write().unwrap();
        {
            let mut index = txn.open_table(RDVS_PAR_PATIENT).unwrap();
            let cle = index.iter().unwrap().next().unwrap().unwrap().0.value();
            assert_eq!(cle.2, id);
            index.remove(cle).unwrap();
        }
        txn.commit().unwrap();
        check(&mut m.store, &["absent de l'index par patient"]);
    }

    #[test]
    fn index_entries_and_notifications_of_a_missing_rdv_are_violations() {
        let (mut m, id) = monde_avec_un_rdv();
        let txn = m.store.db.begin_write().unwrap();
        txn.open_table(RDVS).unwrap().remove(id).unwrap();
        txn.commit().unwrap();
        check(
            &mut m.store,
            &[
                "index par praticien",
                "index par patient",
                "notification",
                "notification",
            ],
        );
    }

    #[test]
    fn a_due_row_without_its_pending_notification_is_a_violation() {
        let (mut m, _) = monde_avec_un_rdv();
        let txn = m.store.db.begin_write().unwrap();
        txn.open_table(NOTIFICATIONS_DUES)
            .unwrap()
            .insert((0, 7_u128), ())
            .unwrap();
        txn.commit().unwrap();
        check(&mut m.store, &["notification absente"]);
    }
}

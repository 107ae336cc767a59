//! The outbox: notifications written in the write transaction of the change they tell about
//! ([`NOTIFICATIONS`], with the due index [`NOTIFICATIONS_DUES`]), read and marked by the worker of
//! [`crate::notifications`].
//!
//! # Enqueueing from another write
//! Inside an open `WriteTransaction`, call [`enfiler`] (any subject), [`enfiler_rdv`] (a rdv's change,
//! its snapshot taken from the record) or [`enfiler_rappel`] (the reminder before `debut`). The row
//! commits or aborts with the change; the worker is woken after every commit of the store. A new kind
//! of notification is a variant appended to [`SujetNotificationV2`] and a text in
//! `notifications/textes.rs`.
//!
//! A row is pending while it is in the due index; sending removes it from there and stamps the record
//! ([`EtatNotificationV1`]), so a row accepted by its channel is never read as due again.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use redb::{ReadableTableMetadata, WriteTransaction};
use uuid::Uuid;

use super::RedbStore;
use super::lecture::lire;
use crate::modele::Canal;
use crate::notifications::{
    Contenu, Destinataire, EvenementRdv, Issue, Message, NotificationDue, Objet, ProfondeurOutbox, RdvNotifie,
};
use crate::store::StoreError;
use crate::store::records::{
    CanalV1, EtatNotificationV1, EvenementRdvV1, InstantaneRdvV1, NotificationV2, PartieV1, PraticienV1,
    RdvV1, Record, StatutV1, SujetNotificationV2, TypeConsultationV1, instant, millis,
};
use crate::store::tables::{
    CONVERSATIONS, NOTIFICATIONS, NOTIFICATIONS_DUES, NOTIFICATIONS_ECHOUEES, PATIENTS, PRATICIENS, RDVS,
    STRUCTURES,
};

/// Most notifications one read of the due rows returns.
pub const DUES_LUES_MAX: usize = 256;

/// Writes a pending notification `id` for `patient`, due at `du_le` (ms), inside `txn`.
pub(crate) fn enfiler(
    txn: &WriteTransaction,
    id: Uuid,
    patient: u128,
    sujet: SujetNotificationV2,
    cree_le: i64,
    du_le: i64,
) -> Result<(), StoreError> {
    let notification = NotificationV2 {
        id: id.as_u128(),
        patient,
        sujet,
        cree_le,
        du_le,
        tentatives: 0,
        etat: EtatNotificationV1::EnAttente,
        derniere_erreur: None,
    };
    txn.open_table(NOTIFICATIONS)?
        .insert(notification.id, Record::encoder(&notification)?)?;
    txn.open_table(NOTIFICATIONS_DUES)?
        .insert((du_le, notification.id), ())?;
    Ok(())
}

/// "Dr Prénom Nom", as the texts name a praticien.
fn nom_praticien(p: &PraticienV1) -> String {
    match &p.titre {
        Some(titre) => format!("{titre} {} {}", p.prenom, p.nom),
        None => format!("{} {}", p.prenom, p.nom),
    }
}

/// The snapshot of `rdv` a notification keeps.
fn instantane(rdv: &RdvV1) -> InstantaneRdvV1 {
    InstantaneRdvV1 {
        rdv: rdv.id,
        praticien: rdv.praticien,
        structure: rdv.structure,
        debut: rdv.debut,
        fin: rdv.fin,
        type_consultation: rdv.type_consultation,
        sequence: u32::try_from(rdv.historique.len().saturating_sub(1)).unwrap_or(u32::MAX),
    }
}

/// Enqueues, due now, the notification of `evenement` on `rdv` (as written in this transaction).
pub(crate) fn enfiler_rdv(
    txn: &WriteTransaction,
    rdv: &RdvV1,
    evenement: EvenementRdvV1,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sujet = SujetNotificationV2::Rdv {
        evenement,
        instantane: instantane(rdv),
    };
    enfiler(txn, Uuid::now_v7(), rdv.patient, sujet, millis(now), millis(now))
}

/// Enqueues the reminder of `rdv`, due `rappel_heures` before its start; none if `rappel_heures` is 0
/// or that instant is already past (the confirmation just sent says it all).
pub(crate) fn enfiler_rappel(
    txn: &WriteTransaction,
    rdv: &RdvV1,
    rappel_heures: u16,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if rappel_heures == 0 {
        return Ok(());
    }
    let du = instant(rdv.debut)? - Duration::hours(i64::from(rappel_heures));
    if du <= now {
        return Ok(());
    }
    let sujet = SujetNotificationV2::Rdv {
        evenement: EvenementRdvV1::Rappel,
        instantane: instantane(rdv),
    };
    enfiler(txn, Uuid::now_v7(), rdv.patient, sujet, millis(now), millis(du))
}

impl RedbStore {
    /// [`crate::store::Stockage::notifications_dues`].
    pub(super) fn lire_notifications_dues(
        &self,
        now: DateTime<Utc>,
        limite: usize,
    ) -> Result<Vec<NotificationDue>, StoreError> {
        self.lire(|txn| {
            let dues = txn.open_table(NOTIFICATIONS_DUES)?;
            let notifications = txn.open_table(NOTIFICATIONS)?;
            let patients = txn.open_table(PATIENTS)?;
            let praticiens = txn.open_table(PRATICIENS)?;
            let structures = txn.open_table(STRUCTURES)?;
            let rdvs = txn.open_table(RDVS)?;
            let conversations = txn.open_table(CONVERSATIONS)?;
            let mut lues = Vec::new();
            for entree in dues
                .range(..=(millis(now), u128::MAX))?
                .take(limite.min(DUES_LUES_MAX))
            {
                let (cle, _) = entree?;
                let (_, id) = cle.value();
                let Some(n) = lire(&notifications, id)? else {
                    continue;
                };
                let contenu = (|| -> Result<Contenu, StoreError> {
                    let Some(patient) = lire(&patients, n.patient)? else {
                        return Ok(Contenu::Caduque("patient inconnu"));
                    };
                    let nom_patient = format!("{} {}", patient.prenom, patient.nom);
                    let mut destinataire = Destinataire {
                        prenom: patient.prenom,
                        nom: patient.nom,
                        email: patient.email,
                        telephone: patient.telephones.into_iter().next(),
                        canal: match patient.canal_prefere {
                            CanalV1::Email => Canal::Email,
                            CanalV1::Sms => Canal::Sms,
                        },
                    };
                    let rdv_notifie = |i: &InstantaneRdvV1| -> Result<Option<RdvNotifie>, StoreError> {
                        let (Some(praticien), Some(structure)) =
                            (lire(&praticiens, i.praticien)?, lire(&structures, i.structure)?)
                        else {
                            return Ok(None);
                        };
                        let fuseau = structure.fuseau.parse::<Tz>().map_err(|_| {
                            StoreError::Interne(format!("fuseau illisible : {}", structure.fuseau))
                        })?;
                        Ok(Some(RdvNotifie {
                            id: Uuid::from_u128(i.rdv),
                            praticien: nom_praticien(&praticien),
                            structure: structure.nom,
                            adresse: format!(
                                "{}, {} {}",
                                structure.adresse, structure.code_postal, structure.ville
                            ),
                            fuseau,
                            debut: instant(i.debut)?,
                            fin: instant(i.fin)?,
                            teleconsultation: i.type_consultation == TypeConsultationV1::Teleconsultation,
                            sequence: i.sequence,
                        }))
                    };
                    let objet = match &n.sujet {
                        SujetNotificationV2::DocumentDisponible(_) => Objet::DocumentDisponible,
                        SujetNotificationV2::Rdv {
                            evenement,
                            instantane,
                        } => {
                            if *evenement == EvenementRdvV1::Rappel {
                                let a_jour = lire(&rdvs, instantane.rdv)?;
                                let tient = a_jour.is_some_and(|r| {
                                    r.statut == StatutV1::Prevu && r.debut == instantane.debut
                                });
                                if !tient {
                                    return Ok(Contenu::Caduque("rdv annulé ou déplacé"));
                                }
                            }
                            let Some(rdv) = rdv_notifie(instantane)? else {
                                return Ok(Contenu::Caduque("praticien ou structure inconnu"));
                            };
                            let evenement = match evenement {
                                EvenementRdvV1::Reserve => EvenementRdv::Reserve,
                                EvenementRdvV1::Deplace => EvenementRdv::Deplace,
                                EvenementRdvV1::Annule => EvenementRdv::Annule,
                                EvenementRdvV1::Rappel => EvenementRdv::Rappel,
                            };
                            Objet::Rdv { evenement, rdv }
                        }
                        SujetNotificationV2::OffreAttente {
                            instantane,
                            expire_le,
                        } => {
                            let Some(rdv) = rdv_notifie(instantane)? else {
                                return Ok(Contenu::Caduque("praticien ou structure inconnu"));
                            };
                            Objet::OffreAttente {
                                rdv,
                                expire_le: instant(*expire_le)?,
                            }
                        }
                        SujetNotificationV2::NouveauMessage {
                            conversation,
                            destinataire: vers,
                        } => {
                            let Some(c) = lire(&conversations, *conversation)? else {
                                return Ok(Contenu::Caduque("conversation inconnue"));
                            };
                            let Some(praticien) = lire(&praticiens, c.praticien)? else {
                                return Ok(Contenu::Caduque("praticien inconnu"));
                            };
                            match vers {
                                PartieV1::Patient => Objet::NouveauMessage {
                                    de: nom_praticien(&praticien),
                                },
                                PartieV1::Praticien => {
                                    // A praticien is told by mail, at the address of its account.
                                    destinataire = Destinataire {
                                        prenom: praticien.prenom,
                                        nom: praticien.nom,
                                        email: praticien.email,
                                        telephone: None,
                                        canal: Canal::Email,
                                    };
                                    Objet::NouveauMessage { de: nom_patient }
                                }
                            }
                        }
                    };
                    Ok(Contenu::Message(Box::new(Message { destinataire, objet })))
                })()
                .unwrap_or_else(|e| Contenu::Invalide(e.to_string()));
                lues.push(NotificationDue {
                    id: Uuid::from_u128(n.id),
                    tentatives: n.tentatives,
                    contenu,
                });
            }
            Ok(lues)
        })
    }

    /// [`crate::store::Stockage::marquer_notification`].
    pub(super) fn ecrire_issue_notification(
        &self,
        id: Uuid,
        issue: Issue,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            let mut notifications = txn.open_table(NOTIFICATIONS)?;
            let mut n = lire(&notifications, id.as_u128())?.ok_or(StoreError::Introuvable("notification"))?;
            if n.etat != EtatNotificationV1::EnAttente {
                // Already settled (sent, failed or void): settling it again must not requeue it.
                return Ok(());
            }
            let mut dues = txn.open_table(NOTIFICATIONS_DUES)?;
            dues.remove((n.du_le, n.id))?;
            match &issue {
                Issue::Envoyee => {
                    n.tentatives = n.tentatives.saturating_add(1);
                    n.etat = EtatNotificationV1::Envoyee(millis(now));
                }
                Issue::Reessayer { prochain, erreur } => {
                    n.tentatives = n.tentatives.saturating_add(1);
                    n.du_le = millis(*prochain);
                    n.derniere_erreur = Some(erreur.clone());
                    dues.insert((n.du_le, n.id), ())?;
                }
                Issue::Echouee { erreur } => {
                    n.tentatives = n.tentatives.saturating_add(1);
                    n.etat = EtatNotificationV1::Echouee(millis(now));
                    n.derniere_erreur = Some(erreur.clone());
                    txn.open_table(NOTIFICATIONS_ECHOUEES)?.insert(n.id, ())?;
                }
                Issue::Reportee { prochain } => {
                    n.du_le = millis(*prochain);
                    dues.insert((n.du_le, n.id), ())?;
                }
                Issue::Caduque => n.etat = EtatNotificationV1::Caduque(millis(now)),
            }
            notifications.insert(n.id, Record::encoder(&n)?)?;
            Ok(())
        })
    }

    /// [`crate::store::Stockage::profondeur_outbox`].
    pub(super) fn lire_profondeur_outbox(&self) -> Result<ProfondeurOutbox, StoreError> {
        self.lire(|txn| {
            Ok(ProfondeurOutbox {
                en_attente: txn.open_table(NOTIFICATIONS_DUES)?.len()?,
                echouees: txn.open_table(NOTIFICATIONS_ECHOUEES)?.len()?,
            })
        })
    }

    /// [`crate::store::Stockage::abandonner_notifications`].
    pub(super) fn ecrire_abandon_notifications(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.ecrire(|txn| {
            let mut dues = txn.open_table(NOTIFICATIONS_DUES)?;
            let mut notifications = txn.open_table(NOTIFICATIONS)?;
            let mut abandonnees = 0;
            while let Some((cle, _)) = dues.pop_first()? {
                let (_, id) = cle.value();
                if let Some(mut n) = lire(&notifications, id)? {
                    n.etat = EtatNotificationV1::Caduque(millis(now));
                    notifications.insert(id, Record::encoder(&n)?)?;
                    abandonnees += 1;
                }
            }
            Ok(abandonnees)
        })
    }
}

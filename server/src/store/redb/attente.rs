//! The waiting list's tables: the entries ([`ATTENTES`]), each praticien's queue of open entries in
//! registration order ([`ATTENTES_PAR_PRATICIEN`]), each patient's open entries
//! ([`ATTENTES_PAR_PATIENT`]) and the holds ([`OFFRES_ATTENTE`], by (praticien, start)).
//!
//! A créneau freed by a cancellation, a move or a removed period off is offered ([`liberer`]) in the
//! transaction that frees it: the domain picks the entry (`domain::attente::attribuer`), the hold is
//! written with its expiry. A hold is busy for every other patient in the agenda a booking validates
//! against ([`tenir_autour`]) and for everyone in the public calendar ([`tenir`]).
//!
//! Expiry is lazy, plus a relay. Lazily: a hold past its expiry is ignored by every read and booking,
//! and taking it answers `offre_expiree`. The relay ([`RedbStore::relayer_offres_expirees`], called
//! by a periodic task of the server) removes the lapsed holds and offers each créneau again, in one
//! write transaction, to the next matching entry that was not offered it yet. A write transaction is
//! opened only when some hold has lapsed.
//!
//! Each offer enqueues its "créneau proposé" notification (`SujetNotificationV2::OffreAttente`, the
//! entry's id standing for the rdv) in the offer's transaction.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::attente::{Attente as AttenteDomaine, Offre, attribuer, occupations_avec_offres};
use domain::consultation::Origine;
use domain::disponibilite::{Agenda, FENETRE_JOURS_MAX};
use domain::ids::{PatientId, PraticienId, RdvId, StructureId};
use domain::reservation::{Reservation, valider_reservation};
use domain::specialite::Specialite;
use domain::statut::Statut;
use domain::temps::{Creneau, DUREE_MAX_MINUTES};
use redb::{ReadableTable, WriteTransaction};
use uuid::Uuid;

use super::lecture::{self, lire, lire_reference};
use super::{RedbStore, TablesRdv, evenement, inserer_nouveau, outbox, praticien_de};
use crate::attente::{ATTENTES_OUVERTES_PAR_PATIENT_MAX, Attente, EtatAttente};
use crate::modele::{CompteId, Praticien, Rdv};
use crate::store::StoreError;
use crate::store::records::{
    AttenteV1, EtatAttenteV1, InstantaneRdvV1, OffreAttenteV1, RdvV1, Record, StatutV1, SujetNotificationV2,
    instant, millis,
};
use crate::store::tables::{
    ATTENTES, ATTENTES_PAR_PATIENT, ATTENTES_PAR_PRATICIEN, INDISPONIBILITES_PAR_PRATICIEN, OFFRES_ATTENTE,
    PATIENTS, PRATICIENS, RDVS, RDVS_PAR_PATIENT, RDVS_PAR_PRATICIEN, STRUCTURES,
};

/// Most entries of one praticien's queue read when a créneau frees up (the longest waiting).
pub const FILE_LUE_MAX: usize = 500;
/// Most holds one pass of the relay looks at.
pub const OFFRES_PARCOURUES_MAX: usize = 10_000;

fn interne(quoi: &str) -> StoreError {
    StoreError::Interne(format!("{quoi} stocké invalide"))
}

fn creneau_ms(debut: i64, fin: i64) -> Result<Creneau, StoreError> {
    Creneau::new(instant(debut)?, instant(fin)?).map_err(|_| interne("créneau"))
}

fn vers_modele(r: AttenteV1) -> Result<Attente, StoreError> {
    Ok(Attente {
        id: Uuid::from_u128(r.id),
        patient: PatientId(Uuid::from_u128(r.patient)),
        praticien: PraticienId(Uuid::from_u128(r.praticien)),
        specialite: Specialite::parse(&r.specialite).map_err(|_| interne("spécialité"))?,
        type_consultation: r.type_consultation.into(),
        avant: NaiveDate::from_num_days_from_ce_opt(r.avant_jour_ce).ok_or_else(|| interne("date"))?,
        cree_le: instant(r.cree_le)?,
        etat: match r.etat {
            EtatAttenteV1::EnAttente => EtatAttente::EnAttente,
            EtatAttenteV1::Offre {
                debut,
                fin,
                structure,
                expire_le,
            } => EtatAttente::Offre {
                creneau: creneau_ms(debut, fin)?,
                structure: StructureId(Uuid::from_u128(structure)),
                expire_le: instant(expire_le)?,
            },
            EtatAttenteV1::Acceptee(rdv) => EtatAttente::Acceptee(RdvId(Uuid::from_u128(rdv))),
            EtatAttenteV1::Retiree => EtatAttente::Retiree,
        },
    })
}

fn ouverte(r: &AttenteV1) -> bool {
    matches!(r.etat, EtatAttenteV1::EnAttente | EtatAttenteV1::Offre { .. })
}

/// The holds of the praticien whose créneau may overlap `fenetre`, lapsed ones included (the domain
/// ignores those).
fn offres(
    table: &impl ReadableTable<(u128, i64), Record<OffreAttenteV1>>,
    praticien: u128,
    fenetre: Creneau,
) -> Result<Vec<Offre>, StoreError> {
    let bas = millis(fenetre.debut() - Duration::minutes(i64::from(DUREE_MAX_MINUTES)));
    let haut = millis(fenetre.fin());
    let mut out = Vec::new();
    for entree in table.range((praticien, bas)..(praticien, haut))? {
        let (cle, valeur) = entree?;
        let (_, debut) = cle.value();
        let offre = valeur.value().decoder()?;
        out.push(Offre {
            creneau: creneau_ms(debut, offre.fin)?,
            patient: PatientId(Uuid::from_u128(offre.patient)),
            expire_le: instant(offre.expire_le)?,
        });
    }
    Ok(out)
}

/// Adds to `agenda` (read over `fenetre`) the praticien's holds standing at `now`: the public calendar,
/// where every hold is busy.
pub(super) fn tenir(
    agenda: &mut Agenda,
    table: &impl ReadableTable<(u128, i64), Record<OffreAttenteV1>>,
    praticien: u128,
    fenetre: Creneau,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tenir_pour(agenda, table, praticien, fenetre, None, now)
}

/// [`tenir`], but the holds of `pour` are free for them.
fn tenir_pour(
    agenda: &mut Agenda,
    table: &impl ReadableTable<(u128, i64), Record<OffreAttenteV1>>,
    praticien: u128,
    fenetre: Creneau,
    pour: Option<PatientId>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let offres = offres(table, praticien, fenetre)?;
    if !offres.is_empty() {
        agenda.occupes = occupations_avec_offres(agenda.occupes.tous(), &offres, pour, now);
    }
    Ok(())
}

/// The holds in the agenda a booking or a move of `pour` at `debut` validates against: busy unless
/// held for `pour`.
pub(super) fn tenir_autour(
    txn: &WriteTransaction,
    agenda: &mut Agenda,
    praticien: &Praticien,
    pour: PatientId,
    debut: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let fenetre = lecture::fenetre_autour(debut)?;
    let table = txn.open_table(OFFRES_ATTENTE)?;
    tenir_pour(agenda, &table, praticien.id.0.as_u128(), fenetre, Some(pour), now)
}

/// Offers what `libere` frees at the praticien's to the waiting list, in the caller's write transaction
/// (which must not hold the waiting list's tables open): each matching entry in queue order, but those
/// in `deja` (already offered it) or holding an offer, gets at most one créneau, held until `now +
/// duree_offre`. Returns how many were offered.
#[allow(clippy::too_many_arguments)]
pub(super) fn liberer(
    txn: &WriteTransaction,
    rdvs: &impl ReadableTable<u128, Record<RdvV1>>,
    par_praticien: &impl ReadableTable<(u128, i64, u128), ()>,
    par_patient: &impl ReadableTable<(u128, i64, u128), ()>,
    praticien: &Praticien,
    libere: Creneau,
    deja: &[u128],
    now: DateTime<Utc>,
    duree_offre: Duration,
) -> Result<usize, StoreError> {
    // Only what is still to come, and at most the availability window.
    let debut = libere.debut().max(now);
    let fin = libere.fin().min(now + Duration::days(FENETRE_JOURS_MAX - 1));
    let Ok(libere) = Creneau::new(debut, fin) else {
        return Ok(0);
    };
    let pr = praticien.id.0.as_u128();
    let maintenant = millis(now);
    let mut attentes = txn.open_table(ATTENTES)?;
    let mut file = Vec::new();
    for entree in txn
        .open_table(ATTENTES_PAR_PRATICIEN)?
        .range((pr, i64::MIN, 0u128)..=(pr, i64::MAX, u128::MAX))?
        .take(FILE_LUE_MAX)
    {
        let (cle, _) = entree?;
        let (_, _, id) = cle.value();
        if deja.contains(&id) {
            continue;
        }
        let record = lire_reference(&attentes, id)?;
        let tient_une_offre =
            matches!(record.etat, EtatAttenteV1::Offre { expire_le, .. } if expire_le > maintenant);
        if ouverte(&record) && !tient_une_offre {
            file.push(record);
        }
    }
    if file.is_empty() {
        return Ok(0);
    }
    let marge = Duration::days(1);
    let fenetre = Creneau::new(libere.debut() - marge, libere.fin() + marge)
        .map_err(|e| StoreError::Interne(e.to_string()))?;
    let lieux = lecture::lieux(praticien, &txn.open_table(STRUCTURES)?)?;
    let indisponibilites =
        lecture::indisponibilites(&txn.open_table(INDISPONIBILITES_PAR_PRATICIEN)?, pr, fenetre)?;
    let du_praticien = lecture::rdvs_fenetre(par_praticien, rdvs, pr, fenetre)?;
    let occupes = lecture::occupes(&du_praticien, fenetre)?;
    let mut agenda = lecture::agenda(praticien, lieux, indisponibilites, occupes);
    let mut table_offres = txn.open_table(OFFRES_ATTENTE)?;
    tenir(&mut agenda, &table_offres, pr, fenetre, now)?;
    let mut candidates = Vec::with_capacity(file.len());
    for record in &file {
        // An entry whose spécialité left the reference list cannot be served: skipped.
        let Ok(specialite) = Specialite::parse(&record.specialite) else {
            continue;
        };
        let du_patient = lecture::rdvs_fenetre(par_patient, rdvs, record.patient, fenetre)?;
        candidates.push(AttenteDomaine {
            id: Uuid::from_u128(record.id),
            patient: PatientId(Uuid::from_u128(record.patient)),
            specialite,
            type_consultation: record.type_consultation.into(),
            avant: NaiveDate::from_num_days_from_ce_opt(record.avant_jour_ce)
                .ok_or_else(|| interne("date"))?,
            depuis: instant(record.cree_le)?,
            rdvs_patient: lecture::occupes(&du_patient, fenetre)?,
        });
    }
    let propositions = attribuer(&agenda, libere, &candidates, now);
    let expire_le = millis(now + duree_offre);
    for p in &propositions {
        let id = p.attente.as_u128();
        let mut offerts = deja.to_vec();
        offerts.push(id);
        let offre = OffreAttenteV1 {
            attente: id,
            patient: p.patient.0.as_u128(),
            fin: millis(p.libre.fin),
            expire_le,
            deja: offerts,
        };
        table_offres.insert((pr, millis(p.libre.debut)), Record::encoder(&offre)?)?;
        let mut record = lire_reference(&attentes, id)?;
        record.etat = EtatAttenteV1::Offre {
            debut: millis(p.libre.debut),
            fin: millis(p.libre.fin),
            structure: p.libre.structure_id.0.as_u128(),
            expire_le,
        };
        attentes.insert(id, Record::encoder(&record)?)?;
        // The patient is told, in this transaction: the offer and its notice commit together.
        let sujet = SujetNotificationV2::OffreAttente {
            instantane: InstantaneRdvV1 {
                rdv: id,
                praticien: pr,
                structure: p.libre.structure_id.0.as_u128(),
                debut: millis(p.libre.debut),
                fin: millis(p.libre.fin),
                type_consultation: p.libre.type_consultation.into(),
                sequence: 0,
            },
            expire_le,
        };
        outbox::enfiler(txn, Uuid::now_v7(), record.patient, sujet, maintenant, maintenant)?;
        tracing::info!(praticien = %praticien.id, attente = %p.attente, "créneau offered to the waiting list");
    }
    Ok(propositions.len())
}

/// Settles the hold that `rdv`, just written by a booking or a move, took: when the créneau starting
/// at its start was held for its patient (who booked through `POST /rdvs` or a move rather than
/// `…/acceptation`), the hold goes and the entry is accepted with `rdv`, as if the offer had been
/// taken; it is not offered again nor left open. Nothing otherwise.
pub(super) fn solder_offre(txn: &WriteTransaction, rdv: &RdvV1) -> Result<(), StoreError> {
    let mut offres = txn.open_table(OFFRES_ATTENTE)?;
    let cle = (rdv.praticien, rdv.debut);
    let Some(offre) = lire(&offres, cle)? else {
        return Ok(());
    };
    if offre.patient != rdv.patient {
        return Ok(());
    }
    offres.remove(cle)?;
    let mut attentes = txn.open_table(ATTENTES)?;
    let Some(mut record) = lire(&attentes, offre.attente)? else {
        return Ok(());
    };
    record.etat = EtatAttenteV1::Acceptee(rdv.id);
    attentes.insert(record.id, Record::encoder(&record)?)?;
    fermer(txn, &record)
}

/// Takes an entry out of the queues once it is closed.
fn fermer(txn: &WriteTransaction, record: &AttenteV1) -> Result<(), StoreError> {
    txn.open_table(ATTENTES_PAR_PRATICIEN)?
        .remove((record.praticien, record.cree_le, record.id))?;
    txn.open_table(ATTENTES_PAR_PATIENT)?
        .remove((record.patient, record.id))?;
    Ok(())
}

impl RedbStore {
    /// Offers a moved rdv's old créneau, in the move's transaction.
    pub(super) fn offrir_libere(
        &self,
        txn: &WriteTransaction,
        t: &TablesRdv<'_>,
        praticien: &Praticien,
        libere: Creneau,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let (r, pp, pa) = (&t.rdvs, &t.par_praticien, &t.par_patient);
        liberer(txn, r, pp, pa, praticien, libere, &[], now, self.duree_offre)
    }

    /// Offers a cancelled rdv's créneau, in the cancellation's transaction (which holds `rdvs` open).
    pub(super) fn offrir_annule(
        &self,
        txn: &WriteTransaction,
        rdvs: &impl ReadableTable<u128, Record<RdvV1>>,
        praticien: &Praticien,
        libere: Creneau,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let pp = txn.open_table(RDVS_PAR_PRATICIEN)?;
        let pa = txn.open_table(RDVS_PAR_PATIENT)?;
        liberer(txn, rdvs, &pp, &pa, praticien, libere, &[], now, self.duree_offre)
    }

    /// Offers what `(debut, fin)` (ms) frees at the praticien's, but to the entries in `deja`, in the
    /// caller's transaction: a removed period off (`deja` empty), or a hold given up or lapsed.
    pub(super) fn offrir_periode(
        &self,
        txn: &WriteTransaction,
        praticien: u128,
        (debut, fin): (i64, i64),
        deja: &[u128],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let praticien = praticien_de(&txn.open_table(PRATICIENS)?, praticien)?;
        let (r, pp, pa) = (
            txn.open_table(RDVS)?,
            txn.open_table(RDVS_PAR_PRATICIEN)?,
            txn.open_table(RDVS_PAR_PATIENT)?,
        );
        let libere = creneau_ms(debut, fin)?;
        liberer(txn, &r, &pp, &pa, &praticien, libere, deja, now, self.duree_offre)
    }

    /// [`crate::store::Stockage::creer_attente`].
    pub(super) fn ecrire_attente(&self, attente: &Attente) -> Result<(), StoreError> {
        let record = AttenteV1 {
            id: attente.id.as_u128(),
            patient: attente.patient.0.as_u128(),
            praticien: attente.praticien.0.as_u128(),
            specialite: attente.specialite.code().to_owned(),
            type_consultation: attente.type_consultation.into(),
            avant_jour_ce: chrono::Datelike::num_days_from_ce(&attente.avant),
            cree_le: millis(attente.cree_le),
            etat: EtatAttenteV1::EnAttente,
        };
        self.ecrire(|txn| {
            if txn.open_table(PATIENTS)?.get(record.patient)?.is_none() {
                return Err(StoreError::Introuvable("patient"));
            }
            if txn.open_table(PRATICIENS)?.get(record.praticien)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            let mut attentes = txn.open_table(ATTENTES)?;
            let par_patient = txn.open_table(ATTENTES_PAR_PATIENT)?;
            let mut ouvertes = 0;
            let mut expirees = Vec::new();
            // The index holds open entries only (expired ones until now), so this reads at most
            // twice the bound.
            for entree in par_patient
                .range((record.patient, 0u128)..=(record.patient, u128::MAX))?
                .take(2 * ATTENTES_OUVERTES_PAR_PATIENT_MAX)
            {
                let (cle, _) = entree?;
                let autre = lire_reference(&attentes, cle.value().1)?;
                if vers_modele(autre.clone())?.etat_a(attente.cree_le) == EtatAttente::Expiree {
                    expirees.push(autre);
                    continue;
                }
                if autre.praticien == record.praticien {
                    return Err(StoreError::Conflit("deja_en_attente"));
                }
                ouvertes += 1;
            }
            drop(par_patient);
            // Expired entries leave the queues here, where they would otherwise hold a place.
            for expiree in &expirees {
                fermer(txn, expiree)?;
            }
            let mut par_patient = txn.open_table(ATTENTES_PAR_PATIENT)?;
            if ouvertes >= ATTENTES_OUVERTES_PAR_PATIENT_MAX {
                return Err(StoreError::Conflit("trop_d_attentes"));
            }
            inserer_nouveau(&mut attentes, record.id, &record)?;
            par_patient.insert((record.patient, record.id), ())?;
            txn.open_table(ATTENTES_PAR_PRATICIEN)?
                .insert((record.praticien, record.cree_le, record.id), ())?;
            Ok(())
        })
    }

    /// [`crate::store::Stockage::attente`].
    pub(super) fn lire_attente(&self, id: Uuid) -> Result<Option<Attente>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(ATTENTES)?, id.as_u128())?
                .map(vers_modele)
                .transpose()
        })
    }

    /// [`crate::store::Stockage::retirer_attente`].
    pub(super) fn retirer(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.ecrire(|txn| {
            let mut record = {
                let attentes = txn.open_table(ATTENTES)?;
                lire(&attentes, id.as_u128())?.ok_or(StoreError::Introuvable("liste d'attente"))?
            };
            let offre = match record.etat {
                EtatAttenteV1::Retiree => return Ok(()),
                EtatAttenteV1::Acceptee(_) => return Err(StoreError::Conflit("attente_close")),
                EtatAttenteV1::Offre { debut, expire_le, .. } if expire_le > millis(now) => Some(debut),
                _ => None,
            };
            record.etat = EtatAttenteV1::Retiree;
            txn.open_table(ATTENTES)?
                .insert(record.id, Record::encoder(&record)?)?;
            fermer(txn, &record)?;
            // A hold given up goes to the next one at once.
            let Some(debut) = offre else {
                return Ok(());
            };
            let tenue = {
                let mut table = txn.open_table(OFFRES_ATTENTE)?;
                let tenue = lire(&table, (record.praticien, debut))?.filter(|o| o.attente == record.id);
                if tenue.is_some() {
                    table.remove((record.praticien, debut))?;
                }
                tenue
            };
            if let Some(tenue) = tenue {
                self.offrir_periode(txn, record.praticien, (debut, tenue.fin), &tenue.deja, now)?;
            }
            Ok(())
        })
    }

    /// [`crate::store::Stockage::accepter_offre`].
    pub(super) fn accepter(
        &self,
        id: Uuid,
        rdv: RdvId,
        par: CompteId,
        now: DateTime<Utc>,
    ) -> Result<Rdv, StoreError> {
        self.ecrire(|txn| {
            let mut record = lire(&txn.open_table(ATTENTES)?, id.as_u128())?
                .ok_or(StoreError::Introuvable("liste d'attente"))?;
            let (debut, expire_le) = match record.etat {
                EtatAttenteV1::Offre { debut, expire_le, .. } => (debut, expire_le),
                EtatAttenteV1::EnAttente => return Err(StoreError::Conflit("aucune_offre")),
                EtatAttenteV1::Acceptee(_) | EtatAttenteV1::Retiree => {
                    return Err(StoreError::Conflit("attente_close"));
                }
            };
            let pr = record.praticien;
            let tenue = lire(&txn.open_table(OFFRES_ATTENTE)?, (pr, debut))?;
            if millis(now) >= expire_le || tenue.is_none_or(|o| o.attente != record.id) {
                return Err(StoreError::Conflit("offre_expiree"));
            }
            let praticien = praticien_de(&txn.open_table(PRATICIENS)?, pr)?;
            let patient = PatientId(Uuid::from_u128(record.patient));
            let demande = Reservation {
                specialite: Specialite::parse(&record.specialite).map_err(|_| interne("spécialité"))?,
                type_consultation: record.type_consultation.into(),
                debut: instant(debut)?,
                motif: None,
                origine: Origine::Plateforme,
            };
            let mut t = TablesRdv::ouvrir(txn)?;
            let (mut agenda, situation) = t.etat(txn, &praticien, record.patient, demande.debut)?;
            tenir_autour(txn, &mut agenda, &praticien, patient, demande.debut, now)?;
            let libre = valider_reservation(&agenda, &demande, &situation, now)?;
            let id_rdv = rdv.0.as_u128();
            if t.rdvs.get(id_rdv)?.is_some() {
                return Err(StoreError::Conflit("id_deja_utilise"));
            }
            let nouveau = RdvV1 {
                id: id_rdv,
                praticien: pr,
                patient: record.patient,
                specialite: libre.specialite.code().to_owned(),
                type_consultation: libre.type_consultation.into(),
                motif: None,
                debut: millis(libre.debut),
                fin: millis(libre.fin),
                structure: libre.structure_id.0.as_u128(),
                statut: StatutV1::Prevu,
                origine: Origine::Plateforme.into(),
                historique: vec![evenement(Statut::Prevu, "reserve_liste_attente", par, now)],
                paiement: None,
                transmission: None,
            };
            t.ecrire(&nouveau, None)?;
            txn.open_table(OFFRES_ATTENTE)?.remove((pr, debut))?;
            record.etat = EtatAttenteV1::Acceptee(id_rdv);
            txn.open_table(ATTENTES)?
                .insert(record.id, Record::encoder(&record)?)?;
            fermer(txn, &record)?;
            Rdv::try_from(nouveau)
        })
    }

    /// [`crate::store::Stockage::relayer_offres_expirees`].
    pub(super) fn relayer(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let maintenant = millis(now);
        let expirees = self.lire(|txn| {
            let mut out = Vec::new();
            for entree in txn
                .open_table(OFFRES_ATTENTE)?
                .iter()?
                .take(OFFRES_PARCOURUES_MAX)
            {
                let (cle, valeur) = entree?;
                if valeur.value().decoder()?.expire_le <= maintenant {
                    out.push(cle.value());
                }
            }
            Ok(out)
        })?;
        if expirees.is_empty() {
            return Ok(0);
        }
        self.ecrire(|txn| {
            let mut relayees = 0;
            for &(pr, debut) in &expirees {
                let tenue = {
                    let mut table = txn.open_table(OFFRES_ATTENTE)?;
                    let tenue = lire(&table, (pr, debut))?.filter(|o| o.expire_le <= maintenant);
                    if tenue.is_some() {
                        table.remove((pr, debut))?;
                    }
                    tenue
                };
                let Some(tenue) = tenue else {
                    continue;
                };
                self.offrir_periode(txn, pr, (debut, tenue.fin), &tenue.deja, now)?;
                relayees += 1;
            }
            Ok(relayees)
        })
    }
}

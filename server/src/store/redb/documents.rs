//! The partie médicale's tables: documents ([`DOCUMENTS`], [`DOCUMENTS_PAR_PATIENT`]), the access log
//! ([`JOURNAL_ACCES`], append-only) and the notifications waiting for the outbox ([`NOTIFICATIONS`]);
//! with the reads that gather a patient's partie médicale and the RGPD export.
//!
//! Every read walks one patient's own index range (`(patient, …)` keys), the latest first, and stops at
//! a named bound: no request reads another patient's data nor an unbounded history.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included};

use domain::ids::{PatientId, PraticienId};
use domain::statut::Statut;
use redb::{ReadTransaction, ReadableTable as _};
use uuid::Uuid;

use super::lecture::{self, lire, lire_reference};
use super::{RedbStore, borner};
use crate::documents::{
    Acces, Consultation, Document, DocumentId, DossierMedical, EntreeJournal, ExportPatient, NomPraticien,
};
use crate::modele::{Compte, CompteId, Patient, Praticien, Rdv, Role};
use crate::store::records::{AccesV1, DocumentV1, PraticienV1, Record, SujetNotificationV2, instant};
use crate::store::tables::{
    COMPTES, DOCUMENTS, DOCUMENTS_PAR_PATIENT, JOURNAL_ACCES, PATIENTELE, PATIENTELE_PAR_PATIENT, PATIENTS,
    PRATICIENS, RDVS, RDVS_PAR_PATIENT,
};
use crate::store::{Page, StoreError};

/// Most consultations a dossier médical shows, the latest first.
pub const CONSULTATIONS_MAX: usize = 1_000;
/// Most documents a dossier médical shows, the latest first.
pub const DOCUMENTS_MAX: usize = 1_000;
/// Most rdvs of one patient a dossier médical or an export walks, the latest first: a bound on one
/// request's work, far above a lifetime of consultations.
pub const RDVS_LUS_MAX: usize = 10_000;
/// Most items of each list of an export (rdvs, patientèles, documents, access-log entries).
pub const EXPORT_ELEMENTS_MAX: usize = 10_000;

impl RedbStore {
    /// [`crate::store::Stockage::enregistrer_document`].
    pub(super) fn ecrire_document(&self, document: &Document, notification: Uuid) -> Result<(), StoreError> {
        let record = DocumentV1::from(document);
        self.ecrire(|txn| {
            if txn.open_table(PATIENTS)?.get(record.patient)?.is_none() {
                return Err(StoreError::Introuvable("patient"));
            }
            let mut documents = txn.open_table(DOCUMENTS)?;
            if documents.get(record.id)?.is_some() {
                return Err(StoreError::Interne(format!(
                    "document {} déjà enregistré",
                    document.id
                )));
            }
            documents.insert(record.id, Record::encoder(&record)?)?;
            txn.open_table(DOCUMENTS_PAR_PATIENT)?
                .insert((record.patient, record.le, record.id), ())?;
            super::outbox::enfiler(
                txn,
                notification,
                record.patient,
                SujetNotificationV2::DocumentDisponible(record.id),
                record.le,
                record.le,
            )?;
            Ok(())
        })
    }

    /// [`crate::store::Stockage::document`].
    pub(super) fn lire_document(&self, id: DocumentId) -> Result<Option<Document>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(DOCUMENTS)?, id.0.as_u128())?
                .map(Document::try_from)
                .transpose()
        })
    }

    /// [`crate::store::Stockage::dossier_medical`].
    pub(super) fn lire_dossier_medical(&self, patient: PatientId) -> Result<DossierMedical, StoreError> {
        let pa = patient.0.as_u128();
        self.lire(|txn| {
            if txn.open_table(PATIENTS)?.get(pa)?.is_none() {
                return Err(StoreError::Introuvable("patient"));
            }
            let (rdvs, rdvs_tronques) = rdvs_recents(txn, pa, RDVS_LUS_MAX)?;
            let praticiens = txn.open_table(PRATICIENS)?;
            let mut noms = BTreeMap::new();
            let mut consultations = Vec::new();
            let mut tronque = rdvs_tronques;
            for rdv in rdvs {
                if !matches!(rdv.statut, Statut::Honore | Statut::Paye | Statut::Transmis) {
                    continue;
                }
                if consultations.len() == CONSULTATIONS_MAX {
                    tronque = true;
                    break;
                }
                let praticien = nom_praticien(&praticiens, &mut noms, rdv.praticien_id)?;
                consultations.push(Consultation { rdv, praticien });
            }
            let (documents, documents_tronques) = documents_recents(txn, pa, DOCUMENTS_MAX)?;
            Ok(DossierMedical {
                consultations,
                documents,
                tronque: tronque || documents_tronques,
            })
        })
    }

    /// [`crate::store::Stockage::journaliser_acces`]: an insert under a fresh key, never an overwrite.
    pub(super) fn ajouter_acces(&self, acces: &Acces) -> Result<(), StoreError> {
        let record = AccesV1::from(acces);
        self.ecrire(|txn| {
            let mut journal = txn.open_table(JOURNAL_ACCES)?;
            let cle = (record.patient, record.le, record.id);
            if journal.get(cle)?.is_some() {
                return Err(StoreError::Interne(format!("accès {} déjà journalisé", acces.id)));
            }
            journal.insert(cle, Record::encoder(&record)?)?;
            Ok(())
        })
    }

    /// [`crate::store::Stockage::journal_acces`]: the patient's range of the log, walked backwards from
    /// the cursor's `(le, id)`.
    pub(super) fn lire_journal_acces(
        &self,
        patient: PatientId,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<EntreeJournal>, StoreError> {
        let apres: Option<(i64, u128)> = cursor.map(lecture::position).transpose()?;
        let limit = borner(limit);
        let pa = patient.0.as_u128();
        self.lire(|txn| {
            let haut = match apres {
                Some((le, id)) => Excluded((pa, le, id)),
                None => Included((pa, i64::MAX, u128::MAX)),
            };
            let journal = txn.open_table(JOURNAL_ACCES)?;
            let mut acces = Vec::with_capacity(limit + 1);
            for entree in journal
                .range((Included((pa, i64::MIN, 0u128)), haut))?
                .rev()
                .take(limit + 1)
            {
                acces.push(entree?.1.value().decoder()?);
            }
            let next_cursor = lecture::couper(&mut acces, limit, |a| (a.le, a.id))?;
            Ok(Page {
                items: entrees_nommees(txn, acces)?,
                next_cursor,
            })
        })
    }

    /// [`crate::store::Stockage::export_patient`].
    pub(super) fn lire_export(
        &self,
        patient: PatientId,
        compte: CompteId,
    ) -> Result<ExportPatient, StoreError> {
        let pa = patient.0.as_u128();
        self.lire(|txn| {
            let dossier = lire(&txn.open_table(PATIENTS)?, pa)?.ok_or(StoreError::Introuvable("patient"))?;
            let dossier = Patient::try_from(dossier)?;
            let compte = lire(&txn.open_table(COMPTES)?, compte.0.as_u128())?
                .ok_or(StoreError::Introuvable("compte"))?;
            let compte = Compte::try_from(compte)?;
            if compte.role != Role::Patient(patient) {
                return Err(StoreError::Interne(format!(
                    "export du patient {patient} : le compte {} n'est pas le sien",
                    compte.id.0
                )));
            }

            let (mut rdvs, rdvs_tronques) = rdvs_recents(txn, pa, EXPORT_ELEMENTS_MAX)?;
            rdvs.reverse();

            let mut patientele = Vec::new();
            let par_patient = txn.open_table(PATIENTELE_PAR_PATIENT)?;
            let table = txn.open_table(PATIENTELE)?;
            for entree in par_patient
                .range((pa, 0u128)..=(pa, u128::MAX))?
                .take(EXPORT_ELEMENTS_MAX + 1)
            {
                let pr = entree?.0.value().1;
                let depuis = table
                    .get((pr, pa))?
                    .ok_or_else(|| StoreError::Interne("patientèle référencée absente".to_owned()))?
                    .value();
                patientele.push((PraticienId(Uuid::from_u128(pr)), instant(depuis)?));
            }
            let patientele_tronquee = patientele.len() > EXPORT_ELEMENTS_MAX;
            patientele.truncate(EXPORT_ELEMENTS_MAX);

            let (mut documents, documents_tronques) = documents_recents(txn, pa, EXPORT_ELEMENTS_MAX)?;
            documents.reverse();

            let journal = txn.open_table(JOURNAL_ACCES)?;
            let mut acces = Vec::new();
            for entree in journal
                .range((pa, i64::MIN, 0u128)..=(pa, i64::MAX, u128::MAX))?
                .rev()
                .take(EXPORT_ELEMENTS_MAX + 1)
            {
                acces.push(entree?.1.value().decoder()?);
            }
            let acces_tronques = acces.len() > EXPORT_ELEMENTS_MAX;
            acces.truncate(EXPORT_ELEMENTS_MAX);

            Ok(ExportPatient {
                compte,
                patient: dossier,
                rdvs,
                patientele,
                documents,
                acces: entrees_nommees(txn, acces)?,
                tronque: rdvs_tronques || patientele_tronquee || documents_tronques || acces_tronques,
            })
        })
    }
}

/// The patient's latest `max` rdvs (every statut), the latest first, and whether there were more.
fn rdvs_recents(txn: &ReadTransaction, pa: u128, max: usize) -> Result<(Vec<Rdv>, bool), StoreError> {
    let index = txn.open_table(RDVS_PAR_PATIENT)?;
    let table = txn.open_table(RDVS)?;
    let mut rdvs = Vec::new();
    for entree in index
        .range((pa, i64::MIN, 0u128)..=(pa, i64::MAX, u128::MAX))?
        .rev()
        .take(max + 1)
    {
        let id = entree?.0.value().2;
        if rdvs.len() == max {
            return Ok((rdvs, true));
        }
        rdvs.push(Rdv::try_from(lire_reference(&table, id)?)?);
    }
    Ok((rdvs, false))
}

/// The patient's latest `max` documents, the latest first, and whether there were more.
fn documents_recents(
    txn: &ReadTransaction,
    pa: u128,
    max: usize,
) -> Result<(Vec<Document>, bool), StoreError> {
    let index = txn.open_table(DOCUMENTS_PAR_PATIENT)?;
    let table = txn.open_table(DOCUMENTS)?;
    let mut documents = Vec::new();
    for entree in index
        .range((pa, i64::MIN, 0u128)..=(pa, i64::MAX, u128::MAX))?
        .rev()
        .take(max + 1)
    {
        let id = entree?.0.value().2;
        if documents.len() == max {
            return Ok((documents, true));
        }
        documents.push(Document::try_from(lire_reference(&table, id)?)?);
    }
    Ok((documents, false))
}

/// The praticien's name, read once per request.
fn nom_praticien(
    praticiens: &impl redb::ReadableTable<u128, Record<PraticienV1>>,
    vus: &mut BTreeMap<PraticienId, NomPraticien>,
    id: PraticienId,
) -> Result<NomPraticien, StoreError> {
    if let Some(nom) = vus.get(&id) {
        return Ok(nom.clone());
    }
    let p = Praticien::try_from(lire_reference(praticiens, id.0.as_u128())?)?;
    let nom = NomPraticien {
        id,
        titre: p.titre,
        prenom: p.prenom,
        nom: p.nom,
    };
    vus.insert(id, nom.clone());
    Ok(nom)
}

/// Access-log records as the patient reads them: each with who read, by the name the directory gives
/// now to the account's praticien or patient (`None` for an account since removed).
fn entrees_nommees(txn: &ReadTransaction, acces: Vec<AccesV1>) -> Result<Vec<EntreeJournal>, StoreError> {
    let comptes = txn.open_table(COMPTES)?;
    let praticiens = txn.open_table(PRATICIENS)?;
    let patients = txn.open_table(PATIENTS)?;
    let mut noms: BTreeMap<u128, Option<String>> = BTreeMap::new();
    let mut vus = BTreeMap::new();
    acces
        .into_iter()
        .map(|record| {
            let nom = match noms.get(&record.qui) {
                Some(nom) => nom.clone(),
                None => {
                    let nom = match lire(&comptes, record.qui)?.map(Compte::try_from).transpose()? {
                        Some(Compte {
                            role: Role::Praticien(id),
                            ..
                        }) => Some(nom_praticien(&praticiens, &mut vus, id)?.complet()),
                        Some(Compte {
                            role: Role::Patient(id),
                            ..
                        }) => lire(&patients, id.0.as_u128())?
                            .map(Patient::try_from)
                            .transpose()?
                            .map(|p| format!("{} {}", p.prenom, p.nom)),
                        _ => None,
                    };
                    noms.insert(record.qui, nom.clone());
                    nom
                }
            };
            Ok(EntreeJournal {
                acces: Acces::try_from(record)?,
                nom,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, NaiveDate, Utc};
    use domain::identifiants::Email;

    use super::*;
    use crate::documents::{Format, Lecture, TypeDocument, empreinte};
    use crate::modele::Canal;
    use crate::store::Stockage as _;
    use crate::store::records::millis;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    struct Monde {
        _dossier: tempfile::TempDir,
        store: RedbStore,
        patient: Patient,
        compte: CompteId,
    }

    fn monde() -> Monde {
        let dossier = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dossier.path()).unwrap();
        let patient = Patient {
            id: PatientId(Uuid::now_v7()),
            nom: "Martin".to_owned(),
            prenom: "Lucas".to_owned(),
            date_naissance: NaiveDate::from_ymd_opt(1988, 4, 17).unwrap(),
            email: Email::parse("lucas@exemple.fr").unwrap(),
            telephones: Vec::new(),
            nir: None,
            adresse: None,
            medecin_traitant: None,
            canal_prefere: Canal::Email,
        };
        let compte = Compte {
            id: CompteId(Uuid::now_v7()),
            email: patient.email.clone(),
            mot_de_passe_hash: "$argon2id$v=19$factice".to_owned(),
            role: Role::Patient(patient.id),
            cree_le: t("2026-01-01T00:00:00Z"),
        };
        store.creer_patient(&compte, &patient).unwrap();
        Monde {
            _dossier: dossier,
            store,
            patient,
            compte: compte.id,
        }
    }

    fn document(patient: PatientId, le: DateTime<Utc>) -> Document {
        Document {
            id: DocumentId(Uuid::now_v7()),
            patient,
            type_document: TypeDocument::Resultat,
            titre: "Bilan sanguin".to_owned(),
            taille: 6,
            sha256: empreinte(b"%PDF-1"),
            format: Format::Pdf,
            depose_par: CompteId(Uuid::now_v7()),
            le,
        }
    }

    fn acces(m: &Monde, quoi: Lecture, le: DateTime<Utc>) -> Acces {
        Acces {
            id: Uuid::now_v7(),
            patient: m.patient.id,
            qui: m.compte,
            role: "patient".to_owned(),
            quoi,
            le,
            request_id: format!("req-{}", millis(le)),
        }
    }

    #[test]
    fn a_document_is_recorded_with_its_notification_and_listed_latest_first() {
        let m = monde();
        let premier = document(m.patient.id, t("2026-03-01T10:00:00Z"));
        let second = document(m.patient.id, t("2026-03-02T10:00:00Z"));
        for d in [&premier, &second] {
            m.store.enregistrer_document(d, Uuid::now_v7()).unwrap();
        }
        assert_eq!(m.store.document(premier.id).unwrap(), Some(premier.clone()));
        let dossier = m.store.dossier_medical(m.patient.id).unwrap();
        assert_eq!(dossier.documents, vec![second, premier]);
        assert!(!dossier.tronque);
        let txn = redb::ReadableDatabase::begin_read(&m.store.db).unwrap();
        assert_eq!(
            redb::ReadableTableMetadata::len(&txn.open_table(crate::store::tables::NOTIFICATIONS).unwrap())
                .unwrap(),
            2
        );
    }

    #[test]
    fn a_document_of_an_unknown_patient_writes_nothing() {
        let m = monde();
        let d = document(PatientId(Uuid::now_v7()), t("2026-03-01T10:00:00Z"));
        assert!(matches!(
            m.store.enregistrer_document(&d, Uuid::now_v7()),
            Err(StoreError::Introuvable("patient"))
        ));
        assert_eq!(m.store.document(d.id).unwrap(), None);
        let txn = redb::ReadableDatabase::begin_read(&m.store.db).unwrap();
        assert_eq!(
            redb::ReadableTableMetadata::len(&txn.open_table(crate::store::tables::NOTIFICATIONS).unwrap())
                .unwrap(),
            0
        );
    }

    #[test]
    fn the_access_log_pages_latest_first_and_names_who_read() {
        let m = monde();
        let debut = t("2026-03-01T10:00:00Z");
        let entrees: Vec<Acces> = (0..5)
            .map(|i| acces(&m, Lecture::DossierMedical, debut + Duration::minutes(i)))
            .collect();
        for a in &entrees {
            m.store.journaliser_acces(a).unwrap();
        }
        // Another patient's reads never show.
        let mut autre = acces(&m, Lecture::Export, debut);
        autre.patient = PatientId(Uuid::now_v7());
        m.store.journaliser_acces(&autre).unwrap();

        let mut lus = Vec::new();
        let mut cursor = None;
        loop {
            let page = m.store.journal_acces(m.patient.id, cursor.as_deref(), 2).unwrap();
            assert!(page.items.len() <= 2);
            lus.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let attendus: Vec<Acces> = entrees.into_iter().rev().collect();
        assert_eq!(lus.iter().map(|e| e.acces.clone()).collect::<Vec<_>>(), attendus);
        assert!(lus.iter().all(|e| e.nom.as_deref() == Some("Lucas Martin")));
    }

    #[test]
    fn an_access_is_never_overwritten() {
        let m = monde();
        let a = acces(&m, Lecture::DossierMedical, t("2026-03-01T10:00:00Z"));
        m.store.journaliser_acces(&a).unwrap();
        assert!(m.store.journaliser_acces(&a).is_err());
        assert_eq!(
            m.store.journal_acces(m.patient.id, None, 10).unwrap().items.len(),
            1
        );
    }

    #[test]
    fn the_export_holds_the_dossier_the_account_and_the_log() {
        let m = monde();
        let d = document(m.patient.id, t("2026-03-01T10:00:00Z"));
        m.store.enregistrer_document(&d, Uuid::now_v7()).unwrap();
        let a = acces(&m, Lecture::Document(d.id), t("2026-03-01T11:00:00Z"));
        m.store.journaliser_acces(&a).unwrap();

        let export = m.store.export_patient(m.patient.id, m.compte).unwrap();
        assert_eq!(export.patient, m.patient);
        assert_eq!(export.compte.id, m.compte);
        assert_eq!(export.documents, vec![d]);
        assert_eq!(export.acces.len(), 1);
        assert_eq!(export.acces[0].acces, a);
        assert!(export.rdvs.is_empty() && export.patientele.is_empty() && !export.tronque);
        // Another account's export of this patient is a bug, not data.
        assert!(
            m.store
                .export_patient(m.patient.id, CompteId(Uuid::now_v7()))
                .is_err()
        );
    }
}

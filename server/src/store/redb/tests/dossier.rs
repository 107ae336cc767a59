//! A patient's partie administrative in the store: a change in one transaction with the account's email,
//! the médecin traitant's reference, the praticiens consulted, and the move of schema-3 files to
//! `patients_v2`.

use chrono::Duration;
use domain::consultation::{Origine, TypeConsultation};
use domain::identifiants::{Email, Nir};
use domain::ids::{PraticienId, RdvId};
use domain::specialite::Specialite;
use domain::statut::Statut;
use domain::temps::Creneau;
use redb::{ReadableDatabase as _, ReadableTable as _, TableHandle as _};
use uuid::Uuid;

use super::fixtures::{Monde, code, compte, praticien, t};
use crate::modele::{Canal, MedecinTraitant, Patient, Rdv, Role};
use crate::store::records::{CanalV1, PatientV1, Record};
use crate::store::redb::RedbStore;
use crate::store::tables::{CLE_VERSION_SCHEMA, META, PATIENTS, PATIENTS_V1, VERSION_SCHEMA};
use crate::store::{Stockage, StoreError};

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

#[test]
fn a_patient_change_is_written_and_its_account_signs_in_with_the_new_email() {
    let m = Monde::new();
    let patient = &m.patients[0];
    let ancien = patient.email.clone();
    let change = m
        .store
        .modifier_patient(patient.id, &mut |p| {
            p.email = email("camille.durand@exemple.fr");
            p.canal_prefere = Canal::Sms;
            p.medecin_traitant = Some(MedecinTraitant::Texte("Dr Dupont, Nancy".to_owned()));
            Ok(())
        })
        .unwrap();
    assert_eq!(m.store.patient(patient.id).unwrap(), Some(change.clone()));
    assert_eq!(change.canal_prefere, Canal::Sms);
    let compte = m
        .store
        .compte_par_email(&email("camille.durand@exemple.fr"))
        .unwrap()
        .unwrap();
    assert_eq!(compte.id, m.comptes_patients[0]);
    assert_eq!(compte.role, Role::Patient(patient.id));
    assert_eq!(m.store.compte_par_email(&ancien).unwrap(), None);
    assert_eq!(
        m.store.compte(m.comptes_patients[0]).unwrap().unwrap().email,
        change.email
    );
}

#[test]
fn an_email_of_another_account_is_refused_and_nothing_is_written() {
    let m = Monde::new();
    let patient = &m.patients[0];
    let avant = m.store.patient(patient.id).unwrap();
    for prise in [m.patients[1].email.clone(), m.praticien.email.clone()] {
        let refus = m
            .store
            .modifier_patient(patient.id, &mut |p| {
                p.nom = "Autre".to_owned();
                p.email = prise.clone();
                Ok(())
            })
            .unwrap_err();
        assert_eq!(code(&refus), "conflit:email_deja_utilise");
    }
    assert_eq!(m.store.patient(patient.id).unwrap(), avant);
    assert_eq!(
        m.store.compte_par_email(&patient.email).unwrap().map(|c| c.id),
        Some(m.comptes_patients[0])
    );
}

#[test]
fn a_medecin_traitant_chosen_in_the_directory_must_be_there() {
    let m = Monde::new();
    let patient = m.patients[0].id;
    let inconnu = PraticienId(Uuid::now_v7());
    let refus = m
        .store
        .modifier_patient(patient, &mut |p| {
            p.medecin_traitant = Some(MedecinTraitant::Praticien(inconnu));
            Ok(())
        })
        .unwrap_err();
    assert_eq!(code(&refus), "introuvable:praticien");
    assert_eq!(m.store.patient(patient).unwrap().unwrap().medecin_traitant, None);

    let connu = MedecinTraitant::Praticien(m.praticien.id);
    let change = m
        .store
        .modifier_patient(patient, &mut |p| {
            p.medecin_traitant = Some(connu.clone());
            Ok(())
        })
        .unwrap();
    assert_eq!(change.medecin_traitant, Some(connu));
    assert_eq!(m.store.patient(patient).unwrap(), Some(change));
}

#[test]
fn a_refused_or_unknown_change_writes_nothing() {
    let m = Monde::new();
    let patient = m.patients[0].id;
    let avant = m.store.patient(patient).unwrap();
    let refus = m
        .store
        .modifier_patient(patient, &mut |p| {
            p.nom = "Refusé".to_owned();
            Err(StoreError::Conflit("champ_protege"))
        })
        .unwrap_err();
    assert_eq!(code(&refus), "conflit:champ_protege");
    assert_eq!(m.store.patient(patient).unwrap(), avant);

    let mut appele = false;
    let inconnu = domain::ids::PatientId(Uuid::now_v7());
    let refus = m
        .store
        .modifier_patient(inconnu, &mut |_| {
            appele = true;
            Ok(())
        })
        .unwrap_err();
    assert_eq!(code(&refus), "introuvable:patient");
    assert!(!appele);
    let refus = m
        .store
        .modifier_patient(patient, &mut |p| {
            p.id = inconnu;
            Ok(())
        })
        .unwrap_err();
    assert!(code(&refus).starts_with("interne:"), "{refus}");
}

/// A past rdv of patient 0 with `praticien`, `jours` days before 1 December 2026, in `statut`.
fn passe(m: &Monde, praticien: PraticienId, jours: i64, statut: Statut) -> Rdv {
    let debut = t("2026-12-01T08:00:00Z") - Duration::days(jours);
    let rdv = Rdv {
        id: RdvId(Uuid::now_v7()),
        praticien_id: praticien,
        patient_id: m.patients[0].id,
        specialite: Specialite::MEDECINE_GENERALE,
        type_consultation: TypeConsultation::Presentiel,
        motif: None,
        creneau: Creneau::new(debut, debut + Duration::minutes(30)).unwrap(),
        structure_id: m.structure.id,
        statut,
        origine: Origine::HorsPlateforme,
        historique: Vec::new(),
        paiement: None,
        transmission: None,
    };
    m.store.importer_rdv(&rdv).unwrap();
    rdv
}

#[test]
fn praticiens_consultes_are_those_of_honoured_rdvs_latest_first() {
    let m = Monde::new();
    let inscrire = |nom: &str, n: u64| {
        let p = praticien(nom, "Louis", n, m.structure.id);
        m.store
            .creer_praticien(
                &compte(&format!("praticien{n}@exemple.fr"), Role::Praticien(p.id)),
                &p,
            )
            .unwrap();
        p
    };
    let petit = inscrire("Petit", 2);
    let absent = inscrire("Absent", 3);
    let annule = inscrire("Annulé", 4);
    assert_eq!(m.store.praticiens_consultes(m.patients[0].id).unwrap(), []);

    passe(&m, m.praticien.id, 30, Statut::Honore);
    let recent = passe(&m, m.praticien.id, 10, Statut::Transmis);
    let chez_petit = passe(&m, petit.id, 20, Statut::Paye);
    passe(&m, absent.id, 5, Statut::NonHonore);
    passe(&m, annule.id, 3, Statut::Annule);
    // Booked, to come: not a consultation yet.
    passe(&m, petit.id, -5, Statut::Prevu);

    let consultes: Vec<_> = m
        .store
        .praticiens_consultes(m.patients[0].id)
        .unwrap()
        .into_iter()
        .map(|(p, derniere)| (p.id, derniere))
        .collect();
    assert_eq!(
        consultes,
        [
            (m.praticien.id, recent.creneau.debut()),
            (petit.id, chez_petit.creneau.debut()),
        ]
    );
    assert_eq!(m.store.praticiens_consultes(m.patients[1].id).unwrap(), []);
    assert_eq!(
        code(
            &m.store
                .praticiens_consultes(domain::ids::PatientId(Uuid::now_v7()))
                .unwrap_err()
        ),
        "introuvable:patient"
    );
}

#[test]
fn a_version_3_file_moves_its_patients_to_patients_v2_on_open() {
    let m = Monde::new();
    let [durand, bernard] = m.patients.clone();
    // A NIR with its key: 97 − (13 digits mod 97).
    let nir = Nir::parse("1 80 05 75 123 456 27").unwrap();

    // What a version-3 file is: the patients as `PatientV1` records in `patients_v1`, no `patients_v2`.
    let v1 = |p: &Patient, medecin: Option<&str>, nir: Option<&Nir>| PatientV1 {
        id: p.id.0.as_u128(),
        nom: p.nom.clone(),
        prenom: p.prenom.clone(),
        date_naissance: chrono::Datelike::num_days_from_ce(&p.date_naissance),
        email: p.email.as_str().to_owned(),
        telephones: p.telephones.iter().map(|t| t.as_str().to_owned()).collect(),
        nir: nir.map(|n| n.as_str().to_owned()),
        adresse: p.adresse.clone(),
        medecin_traitant: medecin.map(str::to_owned),
        canal_prefere: CanalV1::Sms,
    };
    let txn = m.store.db.begin_write().unwrap();
    {
        let mut anciens = txn.open_table(PATIENTS_V1).unwrap();
        for record in [
            v1(&durand, Some("Dr Dupont, Nancy"), Some(&nir)),
            v1(&bernard, None, None),
        ] {
            anciens
                .insert(record.id, Record::encoder(&record).unwrap())
                .unwrap();
        }
    }
    assert!(txn.delete_table(PATIENTS).unwrap());
    txn.open_table(META)
        .unwrap()
        .insert(CLE_VERSION_SCHEMA, 3)
        .unwrap();
    txn.commit().unwrap();
    let Monde { dossier, store, .. } = m;
    drop(store);

    let store = RedbStore::open(dossier.path()).unwrap();
    assert_eq!(VERSION_SCHEMA, 5);
    let (version, tables) = {
        let txn = store.db.begin_read().unwrap();
        let version = txn
            .open_table(META)
            .unwrap()
            .get(CLE_VERSION_SCHEMA)
            .unwrap()
            .map(|v| v.value());
        let tables: Vec<String> = txn.list_tables().unwrap().map(|t| t.name().to_owned()).collect();
        assert_eq!(txn.open_table(PATIENTS).unwrap().iter().unwrap().count(), 2);
        (version, tables)
    };
    assert_eq!(version, Some(VERSION_SCHEMA));
    assert!(tables.iter().any(|t| t == "patients_v2"), "{tables:?}");
    assert!(!tables.iter().any(|t| t == "patients_v1"), "{tables:?}");
    let lu = store.patient(durand.id).unwrap().unwrap();
    assert_eq!(
        lu,
        Patient {
            nir: Some(nir),
            medecin_traitant: Some(MedecinTraitant::Texte("Dr Dupont, Nancy".to_owned())),
            canal_prefere: Canal::Sms,
            ..durand.clone()
        }
    );
    assert_eq!(
        store.patient(bernard.id).unwrap(),
        Some(Patient {
            canal_prefere: Canal::Sms,
            ..bernard.clone()
        })
    );
    // Opening again is a no-op.
    drop(store);
    let store = RedbStore::open(dossier.path()).unwrap();
    assert_eq!(store.patient(durand.id).unwrap(), Some(lu));
}

//! A praticien's bank data in the store: one record per praticien, for known praticiens only, checked
//! again by the domain when read.

use domain::identifiants::{Bic, Iban};
use domain::ids::PraticienId;
use redb::ReadableDatabase as _;
use uuid::Uuid;

use super::fixtures::{Monde, code, now, t};
use crate::modele::DonneesBancaires;
use crate::store::records::{DonneesBancairesV1, Record};
use crate::store::redb::RedbStore;
use crate::store::tables::{CLE_VERSION_SCHEMA, DONNEES_BANCAIRES, META, VERSION_SCHEMA};
use crate::store::{Stockage, StoreError};

fn donnees(iban: &str, m: &Monde) -> DonneesBancaires {
    DonneesBancaires {
        iban: Iban::parse(iban).unwrap(),
        bic: Bic::parse("BNPAFRPP").unwrap(),
        titulaire: "Dr Claire Martin".to_owned(),
        modifie_le: now(),
        modifie_par: m.compte_praticien,
    }
}

#[test]
fn bank_data_is_recorded_replaced_and_read_per_praticien() {
    let m = Monde::new();
    let autre = m.second_praticien();
    assert_eq!(m.store.donnees_bancaires(m.praticien.id).unwrap(), None);
    let generation = m.store.generation_annuaire().unwrap();

    let premieres = donnees("FR76 3000 6000 0112 3456 7890 189", &m);
    m.store
        .modifier_donnees_bancaires(m.praticien.id, &premieres)
        .unwrap();
    assert_eq!(
        m.store.donnees_bancaires(m.praticien.id).unwrap(),
        Some(premieres)
    );

    let mut secondes = donnees("DE89 3704 0044 0532 0130 00", &m);
    secondes.bic = Bic::parse("COBADEFFXXX").unwrap();
    secondes.modifie_le = t("2026-12-02T10:00:00.250Z");
    m.store
        .modifier_donnees_bancaires(m.praticien.id, &secondes)
        .unwrap();
    assert_eq!(
        m.store.donnees_bancaires(m.praticien.id).unwrap(),
        Some(secondes.clone())
    );
    // Another praticien's stay its own; the directory (and so the search index) is untouched.
    assert_eq!(m.store.donnees_bancaires(autre.id).unwrap(), None);
    assert_eq!(m.store.generation_annuaire().unwrap(), generation);

    // On disk: the same after the file is opened again.
    let id = m.praticien.id;
    let Monde { dossier, store, .. } = m;
    drop(store);
    let store = RedbStore::open(dossier.path()).unwrap();
    assert_eq!(store.donnees_bancaires(id).unwrap(), Some(secondes));
}

#[test]
fn an_unknown_praticien_has_no_bank_data_to_read_or_write() {
    let m = Monde::new();
    let inconnu = PraticienId(Uuid::now_v7());
    let erreur = m.store.donnees_bancaires(inconnu).unwrap_err();
    assert_eq!(code(&erreur), "introuvable:praticien");
    let erreur = m
        .store
        .modifier_donnees_bancaires(inconnu, &donnees("BE68 5390 0754 7034", &m))
        .unwrap_err();
    assert_eq!(code(&erreur), "introuvable:praticien");
    let txn = m.store.db.begin_read().unwrap();
    let table = txn.open_table(DONNEES_BANCAIRES).unwrap();
    assert_eq!(redb::ReadableTableMetadata::len(&table).unwrap(), 0);
}

#[test]
fn a_stored_iban_the_domain_refuses_is_an_internal_error_naming_no_number() {
    let m = Monde::new();
    let mut record = DonneesBancairesV1::from(&donnees("FR76 3000 6000 0112 3456 7890 189", &m));
    record.iban = "FR7630006000011234567890188".to_owned();
    let txn = m.store.db.begin_write().unwrap();
    txn.open_table(DONNEES_BANCAIRES)
        .unwrap()
        .insert(m.praticien.id.0.as_u128(), Record::encoder(&record).unwrap())
        .unwrap();
    txn.commit().unwrap();
    match m.store.donnees_bancaires(m.praticien.id) {
        Err(StoreError::Interne(message)) => {
            assert!(message.contains("iban"), "{message}");
            assert!(!message.contains("3000"), "{message}");
        }
        autre => panic!("attendu une erreur interne, obtenu {autre:?}"),
    }
}

#[test]
fn a_file_of_the_current_schema_without_the_table_gets_it_on_open() {
    let dossier = tempfile::tempdir().unwrap();
    {
        let db = redb::Database::create(dossier.path().join(crate::store::redb::FICHIER)).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(META)
            .unwrap()
            .insert(CLE_VERSION_SCHEMA, VERSION_SCHEMA)
            .unwrap();
        txn.commit().unwrap();
    }
    let store = RedbStore::open(dossier.path()).unwrap();
    let erreur = store.donnees_bancaires(PraticienId(Uuid::now_v7())).unwrap_err();
    assert_eq!(code(&erreur), "introuvable:praticien");
}

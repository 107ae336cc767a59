//! Fixtures of the store's tests: a structure in Europe/Paris, a généraliste with the default week,
//! two patients, their accounts, fixed instants.

use chrono::{DateTime, NaiveDate, Utc};
use domain::consultation::{Origine, TypeConsultation};
use domain::horaires::Horaires;
use domain::identifiants::{Email, Rpps, Telephone};
use domain::ids::{PatientId, PraticienId, RdvId, StructureId};
use domain::reglages::Reglages;
use domain::reservation::Reservation;
use domain::specialite::Specialite;
use domain::temps::Fuseau;
use redb::ReadableTableMetadata;
use tempfile::TempDir;
use uuid::Uuid;

use crate::modele::{Canal, Compte, CompteId, Patient, Praticien, Role, Structure, TypeStructure};
use crate::store::redb::RedbStore;
use crate::store::tables::RDVS;
use crate::store::{NouvelleReservation, Stockage, StoreError};

/// An instant from RFC 3339.
pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// "Now" of the tests: Tuesday 1 December 2026, 09:00 in Paris.
pub fn now() -> DateTime<Utc> {
    t("2026-12-01T08:00:00Z")
}

/// Monday 7 December 2026, 09:00 in Paris: inside the default week.
pub fn lundi() -> DateTime<Utc> {
    t("2026-12-07T08:00:00Z")
}

/// A valid RPPS number, different for each `n`.
pub fn rpps(n: u64) -> Rpps {
    let prefixe = format!("{:010}", 1_000_000_000 + n);
    (0..10)
        .find_map(|cle| Rpps::parse(&format!("{prefixe}{cle}")).ok())
        .unwrap()
}

/// A maison médicale in `ville`, Europe/Paris.
pub fn structure(nom: &str, ville: &str) -> Structure {
    Structure {
        id: StructureId(Uuid::now_v7()),
        nom: nom.to_owned(),
        type_structure: TypeStructure::MaisonMedicale,
        adresse: "1 rue de la Paix".to_owned(),
        code_postal: "54000".to_owned(),
        ville: ville.to_owned(),
        telephone: Telephone::parse("03 83 00 00 00").unwrap(),
        fuseau: Fuseau::PARIS,
    }
}

/// A généraliste at `structure` with the default week and default réglages.
pub fn praticien(nom: &str, prenom: &str, n: u64, structure: StructureId) -> Praticien {
    Praticien {
        id: PraticienId(Uuid::now_v7()),
        rpps: rpps(n),
        nom: nom.to_owned(),
        prenom: prenom.to_owned(),
        titre: Some("Dr".to_owned()),
        email: Email::parse(&format!("praticien{n}@exemple.fr")).unwrap(),
        specialites: vec![Specialite::MEDECINE_GENERALE],
        structures: vec![structure],
        honoraires: Vec::new(),
        motifs: Vec::new(),
        durees: Vec::new(),
        moyens_paiement: Vec::new(),
        nouveaux_patients: true,
        horaires: Horaires::default(),
        reglages: Reglages::default(),
    }
}

/// A patient named `nom`.
pub fn patient(nom: &str) -> Patient {
    Patient {
        id: PatientId(Uuid::now_v7()),
        nom: nom.to_owned(),
        prenom: "Camille".to_owned(),
        date_naissance: NaiveDate::from_ymd_opt(1980, 5, 17).unwrap(),
        email: Email::parse(&format!("{}@exemple.fr", nom.to_lowercase())).unwrap(),
        telephones: vec![Telephone::parse("06 12 34 56 78").unwrap()],
        nir: None,
        adresse: Some("3 place Stanislas, 54000 Nancy".to_owned()),
        medecin_traitant: None,
        canal_prefere: Canal::Email,
    }
}

/// An account for `role`.
pub fn compte(email: &str, role: Role) -> Compte {
    Compte {
        id: CompteId(Uuid::now_v7()),
        email: Email::parse(email).unwrap(),
        mot_de_passe_hash: "$argon2id$v=19$factice".to_owned(),
        role,
        cree_le: now(),
    }
}

/// A store with one structure, one praticien and two patients, in a temporary directory.
pub struct Monde {
    /// Keeps the directory alive.
    pub dossier: TempDir,
    pub store: RedbStore,
    pub structure: Structure,
    pub praticien: Praticien,
    pub compte_praticien: CompteId,
    pub patients: [Patient; 2],
    pub comptes_patients: [CompteId; 2],
}

impl Monde {
    pub fn new() -> Self {
        let dossier = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dossier.path()).unwrap();
        Self::peupler(dossier, store)
    }

    /// The fixture's structure, praticien and patients written into `store`, whose files live in
    /// `dossier`.
    pub fn peupler(dossier: TempDir, store: RedbStore) -> Self {
        let structure = structure("Maison médicale Stanislas", "Saint-Étienne");
        store.creer_structure(&structure).unwrap();
        let praticien = praticien("Martin", "Claire", 1, structure.id);
        let compte_praticien = compte("praticien1@exemple.fr", Role::Praticien(praticien.id));
        store.creer_praticien(&compte_praticien, &praticien).unwrap();
        let patients = [patient("Durand"), patient("Bernard")];
        let comptes_patients = [0, 1].map(|i| {
            let c = compte(patients[i].email.as_str(), Role::Patient(patients[i].id));
            store.creer_patient(&c, &patients[i]).unwrap();
            c.id
        });
        Monde {
            dossier,
            store,
            structure,
            compte_praticien: compte_praticien.id,
            praticien,
            patients,
            comptes_patients,
        }
    }

    /// A second généraliste of the fixture's structure, Dr Louis Petit, written with its account.
    pub fn second_praticien(&self) -> Praticien {
        let autre = praticien("Petit", "Louis", 2, self.structure.id);
        self.store
            .creer_praticien(
                &compte("praticien2@exemple.fr", Role::Praticien(autre.id)),
                &autre,
            )
            .unwrap();
        autre
    }

    /// A booking of the fixture généraliste by patient `i`, at `debut`, présentiel, online.
    pub fn demande(&self, i: usize, debut: DateTime<Utc>) -> NouvelleReservation {
        demande(
            self.praticien.id,
            self.patients[i].id,
            self.comptes_patients[i],
            debut,
        )
    }

    /// How many rdvs the store holds.
    pub fn nb_rdvs(&self) -> u64 {
        let txn = redb::ReadableDatabase::begin_read(&self.store.db).unwrap();
        txn.open_table(RDVS).unwrap().len().unwrap()
    }
}

/// A présentiel généraliste booking, online.
pub fn demande(
    praticien: PraticienId,
    patient: PatientId,
    par: CompteId,
    debut: DateTime<Utc>,
) -> NouvelleReservation {
    NouvelleReservation {
        rdv_id: RdvId(Uuid::now_v7()),
        praticien_id: praticien,
        patient_id: patient,
        reservation: Reservation {
            specialite: Specialite::MEDECINE_GENERALE,
            type_consultation: TypeConsultation::Presentiel,
            debut,
            motif: None,
            origine: Origine::Plateforme,
        },
        par,
        idempotence: None,
    }
}

/// The machine-readable code of a refusal, or the variant of another error.
pub fn code(e: &StoreError) -> String {
    use domain::Code as _;
    match e {
        StoreError::Reservation(e) => e.code().to_owned(),
        StoreError::Deplacement(e) => e.code().to_owned(),
        StoreError::Annulation(e) => e.code().to_owned(),
        StoreError::Transition(e) => e.code().to_owned(),
        StoreError::Introuvable(quoi) => format!("introuvable:{quoi}"),
        StoreError::Conflit(quoi) => format!("conflit:{quoi}"),
        StoreError::IdempotenceReutilisee => "idempotence_reutilisee".to_owned(),
        StoreError::Interne(m) => format!("interne:{m}"),
        StoreError::Sature => "sature".to_owned(),
    }
}

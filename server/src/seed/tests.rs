//! The dataset is valid and rich enough, and loads into fresh stores whatever the load day.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use domain::consultation::{Origine, TypeConsultation};
use domain::horaires::Jour;
use domain::identifiants::{Email, Nir, Rpps, Telephone};
use domain::reglages::PolitiqueAnnulationTardive;
use domain::statut::Statut;
use domain::temps::Fuseau;

use super::creneaux;
use super::format::Fichier;
use super::lecture::{self, JOUR_FUTUR_MIN};
use super::*;
use crate::store::Periode;

use crate::modele::Rdv;
use crate::store::redb::RedbStore;

fn jour(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// 08:00 in Paris on that day.
fn matin(aujourdhui: NaiveDate) -> DateTime<Utc> {
    Fuseau::PARIS
        .instant(aujourdhui.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap()))
        .unwrap()
}

fn fichier() -> Fichier {
    serde_json::from_str(DEMO_JSON).unwrap()
}

const LUNDI: &str = "2026-03-30";
const SAMEDI: &str = "2026-10-24";

#[test]
fn demo_json_parses_and_reads_on_any_day() {
    for j in [LUNDI, SAMEDI, "2026-01-01", "2027-02-28", "2028-02-29"] {
        if let Err(e) = lecture::lire(DEMO_JSON, jour(j)) {
            panic!("{j}: {e}");
        }
    }
}

#[test]
fn every_identifier_in_the_dataset_is_valid() {
    let f = fichier();
    for p in &f.praticiens {
        let rpps = Rpps::parse(&p.rpps).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        assert!(rpps.as_str().starts_with("10"), "{rpps}");
        Email::parse(&p.email).unwrap_or_else(|e| panic!("{}: {e}", p.id));
    }
    for s in &f.structures {
        Telephone::parse(&s.telephone).unwrap_or_else(|e| panic!("{}: {e}", s.id));
        Fuseau::parse(&s.fuseau).unwrap_or_else(|e| panic!("{}: {e}", s.id));
    }
    for p in &f.patients {
        Email::parse(&p.email).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        for t in &p.telephones {
            Telephone::parse(t).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        }
        if let Some(nir) = &p.nir {
            Nir::parse(nir).unwrap_or_else(|e| panic!("{}: {e}", p.id));
            // The NIR agrees with the date of birth: year and month in positions 2 to 5.
            let chiffres: String = nir.split_whitespace().collect();
            let naissance = format!(
                "{:02}{:02}",
                p.date_naissance.year() % 100,
                p.date_naissance.month()
            );
            assert_eq!(&chiffres[1..5], naissance, "{}", p.id);
        }
    }
    for p in &f.personnels {
        Email::parse(&p.email).unwrap_or_else(|e| panic!("{}: {e}", p.id));
    }
    for a in &f.admins {
        Email::parse(&a.email).unwrap_or_else(|e| panic!("{}: {e}", a.id));
    }
}

#[test]
fn a_wrong_identifier_in_the_dataset_is_an_error() {
    let rpps = &fichier().praticiens[0].rpps;
    let mut faux = rpps.clone();
    let dernier = faux.pop().unwrap();
    faux.push(if dernier == '0' { '1' } else { '0' });
    let json = DEMO_JSON.replacen(rpps.as_str(), &faux, 1);
    let err = lecture::lire(&json, jour(LUNDI)).unwrap_err().to_string();
    assert!(err.contains("praticien") && err.contains("RPPS"), "{err}");

    let json = DEMO_JSON.replacen("\"jour\": 2,", "\"jour\": 1,", 1);
    let err = lecture::lire(&json, jour(LUNDI)).unwrap_err().to_string();
    assert!(err.contains("jour 1"), "{err}");

    let json = DEMO_JSON.replacen("\"fuseau\": \"Europe/Paris\"", "\"fuseau\": \"Europe/Nancy\"", 1);
    assert!(lecture::lire(&json, jour(LUNDI)).is_err());
}

#[test]
fn the_dataset_meets_its_minimums() {
    let demo = lecture::lire(DEMO_JSON, jour(LUNDI)).unwrap();
    let specialites: BTreeSet<_> = demo
        .praticiens
        .iter()
        .flat_map(|p| p.specialites.iter().copied())
        .collect();
    assert!(specialites.len() >= 10, "{} spécialités", specialites.len());
    assert!(
        demo.praticiens.len() >= 40,
        "{} praticiens",
        demo.praticiens.len()
    );
    let villes: BTreeSet<_> = demo.structures.iter().map(|s| s.ville.as_str()).collect();
    assert!(villes.len() >= 4, "{villes:?}");
    assert!(demo.structures.len() >= 8);
    // Every ville has praticiens.
    for ville in &villes {
        assert!(demo.praticiens.iter().any(|p| {
            p.structures
                .iter()
                .any(|s| demo.structures.iter().any(|st| st.id == *s && st.ville == *ville))
        }));
    }
    // Overseas: a structure in La Réunion, with its phone and a patient there.
    let reunion = Fuseau::parse("Indian/Reunion").unwrap();
    let outre_mer: Vec<_> = demo.structures.iter().filter(|s| s.fuseau == reunion).collect();
    assert_eq!(outre_mer.len(), 1);
    assert!(outre_mer[0].telephone.as_str().starts_with("+262"));
    assert!(
        demo.patients
            .iter()
            .any(|p| p.telephones[0].as_str().starts_with("+262"))
    );
    assert!(
        demo.praticiens
            .iter()
            .filter(|p| p.structures.contains(&outre_mer[0].id))
            .count()
            >= 3
    );

    assert!(demo.patients.len() >= 10);
    assert!(
        demo.patients
            .iter()
            .any(|p| p.nir.as_ref().is_some_and(|n| n.as_str().contains("2A")))
    );
    assert_eq!(demo.personnels.len(), 3);
    assert!(demo.personnels.iter().all(|p| !p.praticiens.is_empty()));
    assert_eq!(demo.admins.len(), 1);

    // Policies.
    assert!(demo.praticiens.iter().any(|p| !p.nouveaux_patients));
    assert!(
        demo.praticiens
            .iter()
            .any(|p| p.reglages.patients_connus_uniquement())
    );
    assert!(
        demo.praticiens
            .iter()
            .any(|p| p.reglages.annulation_tardive() == PolitiqueAnnulationTardive::Refusee)
    );
    assert!(
        demo.praticiens
            .iter()
            .all(|p| !p.honoraires.is_empty() && !p.motifs.is_empty())
    );
    assert!(demo.praticiens.iter().all(|p| !p.moyens_paiement.is_empty()));
    let secteurs: BTreeSet<_> = demo
        .praticiens
        .iter()
        .flat_map(|p| p.honoraires.iter().map(|h| format!("{:?}", h.secteur)))
        .collect();
    assert_eq!(secteurs.len(), 3, "{secteurs:?}");

    // Horaires: the default week, split days, Saturdays, téléconsultation, a period, a restriction.
    let regles: Vec<_> = demo.praticiens.iter().flat_map(|p| p.horaires.regles()).collect();
    assert!(demo.praticiens.iter().any(|p| p.horaires.regles().is_empty()));
    assert!(demo.praticiens.iter().any(|p| {
        let lundi: Vec<_> = p
            .horaires
            .regles()
            .iter()
            .filter(|r| r.jour == Jour::Lundi)
            .collect();
        lundi.len() >= 2
    }));
    assert!(regles.iter().any(|r| r.jour == Jour::Samedi));
    assert!(
        regles
            .iter()
            .any(|r| r.types == [TypeConsultation::Teleconsultation])
    );
    assert!(
        regles
            .iter()
            .any(|r| r.valable_du.is_some() && r.valable_au.is_some())
    );
    assert!(regles.iter().any(|r| r.specialites.is_some()));

    // Motifs with their own durations.
    let motif = |code: &str| {
        demo.praticiens
            .iter()
            .flat_map(|p| &p.motifs)
            .find(|m| m.code == code)
            .and_then(|m| m.duree_minutes)
            .map(|d| d.minutes())
    };
    assert_eq!(motif("premiere_consultation"), Some(45));
    assert_eq!(motif("suivi"), Some(20));
    assert_eq!(motif("certificat_sport"), Some(15));

    // Rdvs: every past statut, and rdvs to come.
    let statuts: BTreeSet<_> = demo.rdvs.iter().map(|r| r.statut.as_str()).collect();
    for s in [
        "honore",
        "paye",
        "transmis",
        "non_honore",
        "annule_tardivement",
        "prevu",
    ] {
        assert!(statuts.contains(s), "no {s} rdv");
    }
    assert!(demo.rdvs.iter().filter(|r| r.a_venir()).count() >= 10);
    assert!(
        demo.rdvs
            .iter()
            .any(|r| r.type_consultation == TypeConsultation::Teleconsultation && r.a_venir())
    );
}

/// Loads the demo into `store` on `aujourdhui` at 08:00 Paris time and checks what it holds.
#[track_caller]
fn check_load(store: &dyn Stockage, aujourdhui: NaiveDate) -> ResumeSeed {
    let now = matin(aujourdhui);
    let resume = charger_demo(store, "$argon2id$hash-de-test", aujourdhui, now)
        .unwrap_or_else(|e| panic!("load on {aujourdhui}: {e} ({e:?})"));
    let demo = lecture::lire(DEMO_JSON, aujourdhui).unwrap();
    let attendus_a_venir = demo.rdvs.iter().filter(|r| r.a_venir()).count();
    assert_eq!(resume.structures, demo.structures.len());
    assert_eq!(resume.praticiens, demo.praticiens.len());
    assert_eq!(resume.patients, demo.patients.len());
    assert_eq!(resume.personnels, 3);
    assert_eq!(resume.admins, 1);
    assert_eq!(resume.rdvs_a_venir, attendus_a_venir);
    assert_eq!(resume.rdvs_passes + resume.rdvs_a_venir, demo.rdvs.len());

    // What the store holds, as the API will ask for it.
    let mut a_venir = 0;
    for patient in &demo.patients {
        for (periode, futur) in [(Periode::AVenir, true), (Periode::Passes, false)] {
            let page = store
                .rdvs_du_patient(patient.id, periode, now, None, 100)
                .unwrap();
            for rdv in &page.items {
                let plan = demo.rdvs.iter().find(|p| p.id == rdv.id).unwrap();
                let fuseau = store.structure(rdv.structure_id).unwrap().unwrap().fuseau;
                let local = fuseau.local(rdv.creneau.debut());
                assert!(creneaux::jour_ouvre(local.date()), "rdv {} on {local}", rdv.id);
                assert_eq!(rdv.statut, plan.statut, "rdv {}", rdv.id);
                assert_eq!(plan.a_venir(), futur, "rdv {}", rdv.id);
                if futur {
                    a_venir += 1;
                    assert!(
                        local.date() >= aujourdhui + Duration::days(JOUR_FUTUR_MIN),
                        "rdv {} on {local}",
                        rdv.id
                    );
                    assert!(rdv.creneau.debut() < now + Duration::days(90));
                    assert_eq!(rdv.origine, Origine::HorsPlateforme);
                } else {
                    assert!(local.date() < aujourdhui, "rdv {} on {local}", rdv.id);
                    assert!(
                        rdv.historique.windows(2).all(|w| w[0].le <= w[1].le),
                        "rdv {}",
                        rdv.id
                    );
                    assert!(rdv.historique.iter().all(|e| e.le <= now), "rdv {}", rdv.id);
                    assert_eq!(rdv.historique.last().unwrap().statut, rdv.statut);
                    assert_eq!(
                        rdv.paiement.is_some(),
                        matches!(rdv.statut, Statut::Paye | Statut::Transmis)
                    );
                    assert_eq!(rdv.transmission.is_some(), rdv.statut == Statut::Transmis);
                }
            }
        }
    }
    assert_eq!(a_venir, attendus_a_venir, "rdvs to come in the store");
    // Accounts: one per person, all with the hash given.
    let compte = store
        .compte_par_email(&Email::parse("admin@toubeelib.example").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(compte.mot_de_passe_hash, "$argon2id$hash-de-test");
    resume
}

/// A fresh redb store in a temporary directory (kept alive with it).
fn store_neuf() -> (tempfile::TempDir, RedbStore) {
    let dossier = tempfile::tempdir().unwrap();
    let store = RedbStore::open(dossier.path()).unwrap();
    (dossier, store)
}

/// Every rdv of every demo patient, past and to come, by id.
fn tous_les_rdvs(store: &dyn Stockage, aujourdhui: NaiveDate) -> Vec<Rdv> {
    let demo = lecture::lire(DEMO_JSON, aujourdhui).unwrap();
    let mut rdvs = Vec::new();
    for patient in &demo.patients {
        for periode in [Periode::Passes, Periode::AVenir] {
            let mut curseur = None;
            loop {
                let page = store
                    .rdvs_du_patient(patient.id, periode, matin(aujourdhui), curseur.as_deref(), 100)
                    .unwrap();
                rdvs.extend(page.items);
                match page.next_cursor {
                    Some(c) => curseur = Some(c),
                    None => break,
                }
            }
        }
    }
    rdvs.sort_by_key(|r| r.id);
    rdvs
}

#[test]
fn loads_into_fresh_stores_on_a_monday_and_a_saturday() {
    for j in [LUNDI, SAMEDI] {
        let (_dossier, store) = store_neuf();
        let resume = check_load(&store, jour(j));
        assert!(
            resume.rdvs_decales < resume.rdvs_passes + resume.rdvs_a_venir,
            "{resume:?}"
        );
        // A second load into the same store is refused, and changes nothing.
        let avant = tous_les_rdvs(&store, jour(j));
        let err = charger_demo(&store, "h", jour(j), matin(jour(j))).unwrap_err();
        assert!(matches!(err, SeedError::StockageNonVide), "{err}");
        assert_eq!(tous_les_rdvs(&store, jour(j)), avant);
    }
}

#[test]
fn loads_on_every_day_of_a_year() {
    // 2026 holds both DST changes (29 March, 25 October) and every weekday position of the jours fériés.
    let premier = jour("2026-01-01");
    for n in 0..365 {
        let (_dossier, store) = store_neuf();
        check_load(&store, premier + Duration::days(n));
    }
}

#[test]
fn the_load_is_deterministic() {
    let charge = || {
        let (_dossier, store) = store_neuf();
        check_load(&store, jour(SAMEDI));
        tous_les_rdvs(&store, jour(SAMEDI))
    };
    assert_eq!(charge(), charge());
}

#[test]
fn known_patients_only_praticiens_get_their_future_rdvs() {
    let demo = lecture::lire(DEMO_JSON, jour(LUNDI)).unwrap();
    let restreints: Vec<_> = demo
        .praticiens
        .iter()
        .filter(|p| p.reglages.patients_connus_uniquement())
        .map(|p| p.id)
        .collect();
    let (_dossier, store) = store_neuf();
    check_load(&store, jour(LUNDI));
    let rdvs = tous_les_rdvs(&store, jour(LUNDI));
    assert!(
        rdvs.iter()
            .any(|r| restreints.contains(&r.praticien_id) && r.statut == Statut::Prevu),
        "the demo shows a praticien who takes known patients only, with a rdv to come"
    );
}

#[test]
fn jours_feries_are_the_french_national_ones() {
    let feries = |annee: i32| -> Vec<String> {
        let premier = NaiveDate::from_ymd_opt(annee, 1, 1).unwrap();
        premier
            .iter_days()
            .take_while(|d| d.year() == annee)
            .filter(|d| creneaux::jour_ferie(*d))
            .map(|d| d.format("%m-%d").to_string())
            .collect()
    };
    // Easter 2026: 5 April; 2027: 28 March; 2038: 25 April (the latest possible is 25 April).
    assert_eq!(
        feries(2026),
        [
            "01-01", "04-06", "05-01", "05-08", "05-14", "05-25", "07-14", "08-15", "11-01", "11-11", "12-25"
        ]
    );
    assert_eq!(feries(2027)[1..4], ["03-29", "05-01", "05-06"]);
    assert_eq!(feries(2038)[1], "04-26");
    assert!(!creneaux::jour_ouvre(jour("2026-04-06")));
    assert!(!creneaux::jour_ouvre(jour(SAMEDI)));
    assert!(creneaux::jour_ouvre(jour(LUNDI)));
}

//! A small scale store, read back through the `Stockage` trait: counts, consistency between the
//! praticien's agenda and the patients' rdvs, no overlap, rdvs to come on créneaux the domain offers,
//! determinism.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use domain::disponibilite::{Occupations, Recherche, creneaux_libres};
use domain::ids::{PatientId, PraticienId};
use domain::temps::Creneau;

use super::*;
use crate::store::{FiltrePraticiens, PAGE_ITEMS_MAX, Periode, Stockage};

/// Not a real hash: nothing signs in here, and hashing would only slow the tests down.
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VsLWRlLXRlc3Q$ZmF1eC1oYWNoYWdl";

const PETIT: Parametres = Parametres {
    praticiens: 200,
    rdvs: 2_000,
    graine: 7,
};

fn now() -> DateTime<Utc> {
    "2026-11-25T10:00:00Z".parse().unwrap()
}

fn elements(p: &Parametres) -> (Resume, Vec<Element>) {
    let mut tous = Vec::new();
    let resume = generer(p, HASH, now(), &mut |e| {
        tous.push(e);
        Ok(())
    })
    .unwrap();
    (resume, tous)
}

/// A fresh store holding the scale dataset of `p`.
fn charge(p: &Parametres) -> (tempfile::TempDir, RedbStore, Resume) {
    let dossier = tempfile::tempdir().unwrap();
    let store = RedbStore::open(dossier.path()).unwrap();
    let resume = charger(&store, p, HASH, now()).unwrap();
    (dossier, store, resume)
}

fn patients(tous: &[Element]) -> Vec<PatientId> {
    tous.iter()
        .filter_map(|e| match e {
            Element::Patient(p) => Some(p.1.id),
            _ => None,
        })
        .collect()
}

/// Every rdv of the store, read patient by patient through the trait (past, then to come).
fn rdvs_du_store(store: &RedbStore, patients: &[PatientId]) -> Vec<Rdv> {
    let mut tous = Vec::new();
    for &patient in patients {
        for periode in [Periode::Passes, Periode::AVenir] {
            let mut curseur = None;
            loop {
                let page = store
                    .rdvs_du_patient(patient, periode, now(), curseur.as_deref(), PAGE_ITEMS_MAX)
                    .unwrap();
                tous.extend(page.items);
                match page.next_cursor {
                    Some(c) => curseur = Some(c),
                    None => break,
                }
            }
        }
    }
    tous
}

fn par_praticien(rdvs: &[Rdv]) -> BTreeMap<PraticienId, Vec<&Rdv>> {
    let mut par: BTreeMap<PraticienId, Vec<&Rdv>> = BTreeMap::new();
    for r in rdvs {
        par.entry(r.praticien_id).or_default().push(r);
    }
    par
}

#[track_caller]
fn check_sans_chevauchement(qui: &str, mut creneaux: Vec<Creneau>) {
    creneaux.sort_unstable();
    for paire in creneaux.windows(2) {
        assert!(!paire[0].chevauche(&paire[1]), "{qui} : {paire:?}");
    }
}

#[test]
fn seed_scale_counts_match_through_the_store() {
    let (_dossier, store, resume) = charge(&PETIT);
    assert_eq!(resume.praticiens, 200);
    assert_eq!(resume.structures, 40);
    assert_eq!(resume.patients, 400);
    assert_eq!(resume.rdvs(), 2_000);
    assert!(
        resume.rdvs_a_venir > 0 && resume.rdvs_passes > resume.rdvs_a_venir,
        "{resume:?}"
    );

    let mut praticiens = 0;
    let mut curseur = None;
    loop {
        let page = store
            .praticiens(&FiltrePraticiens::default(), curseur.as_deref(), PAGE_ITEMS_MAX)
            .unwrap();
        praticiens += page.items.len();
        match page.next_cursor {
            Some(c) => curseur = Some(c),
            None => break,
        }
    }
    assert_eq!(praticiens, 200);

    let (_, tous) = elements(&PETIT);
    for e in &tous {
        match e {
            Element::Structure(s) => assert_eq!(store.structure(s.id).unwrap().as_ref(), Some(s)),
            Element::Praticien(p) => {
                assert_eq!(store.praticien(p.1.id).unwrap().as_ref(), Some(&p.1));
                assert_eq!(store.compte_par_email(&p.0.email).unwrap().as_ref(), Some(&p.0));
            }
            Element::Patient(p) => {
                assert_eq!(store.patient(p.1.id).unwrap().as_ref(), Some(&p.1));
                assert_eq!(store.compte(p.0.id).unwrap().as_ref(), Some(&p.0));
            }
            Element::Rdv(r) => assert_eq!(store.rdv(r.id).unwrap().as_ref(), Some(&**r)),
        }
    }
    let rdvs = rdvs_du_store(&store, &patients(&tous));
    assert_eq!(rdvs.len(), 2_000);
    let a_venir = rdvs.iter().filter(|r| r.statut == Statut::Prevu).count();
    assert_eq!(a_venir, resume.rdvs_a_venir);
}

#[test]
fn seed_scale_agenda_matches_the_patients_rdvs() {
    let (_dossier, store, _) = charge(&PETIT);
    let (_, tous) = elements(&PETIT);
    let rdvs = rdvs_du_store(&store, &patients(&tous));
    let fenetres = [
        Creneau::new(now() - Duration::days(200), now() - Duration::days(170)).unwrap(),
        Creneau::new(now() - Duration::days(15), now() + Duration::days(15)).unwrap(),
    ];
    let mut compares = 0;
    for (praticien, siens) in par_praticien(&rdvs) {
        for fenetre in fenetres {
            let (_, agenda) = store.agenda(praticien, fenetre).unwrap();
            let mut attendus: Vec<Creneau> = siens
                .iter()
                .filter(|r| r.statut.occupe_creneau() && r.creneau.chevauche(&fenetre))
                .map(|r| r.creneau)
                .collect();
            attendus.sort_unstable();
            assert_eq!(agenda.occupes.tous(), attendus, "{praticien} {fenetre:?}");
            compares += attendus.len();
        }
    }
    assert!(compares > 100, "{compares}");
}

#[test]
fn seed_scale_rdvs_never_overlap_per_praticien_or_patient() {
    let (_dossier, store, _) = charge(&PETIT);
    let (_, tous) = elements(&PETIT);
    let rdvs = rdvs_du_store(&store, &patients(&tous));
    for (praticien, siens) in par_praticien(&rdvs) {
        check_sans_chevauchement(&praticien.to_string(), siens.iter().map(|r| r.creneau).collect());
    }
    let mut par_patient: BTreeMap<PatientId, Vec<Creneau>> = BTreeMap::new();
    for r in &rdvs {
        par_patient.entry(r.patient_id).or_default().push(r.creneau);
    }
    for (patient, creneaux) in par_patient {
        check_sans_chevauchement(&patient.to_string(), creneaux);
    }
}

#[test]
fn seed_scale_rdvs_to_come_are_on_creneaux_the_domain_offers() {
    let (_dossier, store, _) = charge(&PETIT);
    let (_, tous) = elements(&PETIT);
    let rdvs = rdvs_du_store(&store, &patients(&tous));
    let a_venir: Vec<&Rdv> = rdvs.iter().filter(|r| r.creneau.debut() >= now()).collect();
    assert!(a_venir.len() > 50, "{}", a_venir.len());
    for rdv in a_venir {
        assert_eq!(rdv.statut, Statut::Prevu);
        let fuseau = store.structure(rdv.structure_id).unwrap().unwrap().fuseau;
        let jour = journee(fuseau, fuseau.local(rdv.creneau.debut()).date()).unwrap();
        let (_, mut agenda) = store.agenda(rdv.praticien_id, jour).unwrap();
        let autres: Vec<Creneau> = agenda
            .occupes
            .tous()
            .into_iter()
            .filter(|c| *c != rdv.creneau)
            .collect();
        agenda.occupes = Occupations::new(autres);
        let recherche = Recherche {
            specialite: Some(rdv.specialite),
            type_consultation: rdv.type_consultation,
            motif: rdv.motif.clone(),
            origine: rdv.origine,
        };
        let libres = creneaux_libres(&agenda, jour, &recherche, now()).unwrap();
        assert!(
            libres
                .iter()
                .any(|l| l.creneau() == rdv.creneau && l.structure_id == rdv.structure_id),
            "{} : {:?} absent de {libres:?}",
            rdv.id,
            rdv.creneau
        );
    }
}

#[test]
fn seed_scale_is_deterministic_for_a_seed() {
    let (r1, e1) = elements(&PETIT);
    let (r2, e2) = elements(&PETIT);
    assert_eq!(r1, r2);
    assert!(e1 == e2, "two runs with seed 7 differ");
    let (_, autre) = elements(&Parametres { graine: 8, ..PETIT });
    assert!(e1 != autre, "seeds 7 and 8 give the same dataset");
}

#[test]
fn seed_scale_refuses_a_store_that_holds_data() {
    let petit = Parametres {
        praticiens: 5,
        rdvs: 20,
        graine: 1,
    };
    let (_dossier, store, _) = charge(&petit);
    let erreur = charger(&store, &petit, HASH, now()).unwrap_err();
    assert!(
        matches!(
            erreur,
            ErreurEchelle::Stockage(StoreError::Conflit("stockage_non_vide"))
        ),
        "{erreur:?}"
    );
}

#[test]
fn seed_scale_refuses_sizes_out_of_bounds() {
    for (praticiens, rdvs) in [
        (0, 0),
        (PRATICIENS_MAX + 1, 0),
        (2, 2 * RDVS_PAR_PRATICIEN_MOYEN_MAX + 1),
    ] {
        let p = Parametres {
            praticiens,
            rdvs,
            graine: 1,
        };
        let erreur = generer(&p, HASH, now(), &mut |_| Ok(())).unwrap_err();
        assert!(matches!(erreur, ErreurEchelle::Parametres(_)), "{erreur:?}");
    }
}

#[test]
fn seed_scale_reference_lists_are_valid_and_weighted() {
    assert_eq!(SPECIALITES.iter().map(|s| s.part).sum::<u32>(), 10_000);
    let codes: BTreeSet<&str> = SPECIALITES.iter().map(|s| s.code).collect();
    assert_eq!(codes.len(), SPECIALITES.len());
    for s in SPECIALITES {
        Specialite::parse(s.code).unwrap();
        assert!(!s.motifs.is_empty(), "{}", s.code);
    }
    assert!(SPECIALITES[0].code == "medecine_generale" && SPECIALITES[0].part == 4_500);
    let mut zones = BTreeSet::new();
    for v in VILLES {
        zones.insert(Fuseau::parse(v.fuseau).unwrap().nom());
    }
    for zone in [
        "Europe/Paris",
        "Indian/Reunion",
        "America/Guadeloupe",
        "America/Martinique",
        "America/Cayenne",
        "Indian/Mayotte",
    ] {
        assert!(zones.contains(zone), "{zone}");
    }
    assert!(VILLES.len() >= 60);
    assert!(NOMS.len() >= 100 && PRENOMS.len() >= 80);
}

#[test]
fn seed_scale_identifiers_are_valid_and_unique() {
    let (_, tous) = elements(&Parametres {
        praticiens: 2_000,
        rdvs: 0,
        graine: 3,
    });
    let mut rpps = BTreeSet::new();
    let mut emails = BTreeSet::new();
    let mut specialites: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &tous {
        if let Element::Praticien(p) = e {
            assert!(rpps.insert(p.1.rpps.as_str().to_owned()), "{}", p.1.rpps);
            assert!(p.1.rpps.as_str().starts_with("10"));
            assert!(emails.insert(p.0.email.as_str().to_owned()), "{}", p.0.email);
            *specialites.entry(p.1.specialites[0].code()).or_default() += 1;
        }
    }
    assert_eq!(rpps.len(), 2_000);
    // About 45 % généralistes: the weights are followed.
    let generalistes = specialites["medecine_generale"];
    assert!((800..1_000).contains(&generalistes), "{generalistes}");
    assert!(specialites.len() > 15, "{specialites:?}");
    // Overseas and Corsica NIRs, overseas phones: every patient went through the domain's parsers.
    let (_, tous) = elements(&Parametres {
        praticiens: 10,
        rdvs: 10_000,
        graine: 3,
    });
    let nirs = tous
        .iter()
        .filter(|e| matches!(e, Element::Patient(p) if p.1.nir.is_some()))
        .count();
    assert!(nirs > 1_000, "{nirs}");
}

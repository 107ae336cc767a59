//! The store against the domain's rules, each test on a fresh temporary file.

mod banque;
mod dossier;
pub(super) mod fixtures;
mod groupe;
mod modele;
mod modification;

use chrono::Duration;
use domain::annulation::Auteur;
use domain::consultation::TypeConsultation;
use domain::disponibilite::{DureeConsultation, Recherche, creneaux_libres};
use domain::horaires::{Heure, Horaires, Jour, RegleHoraire};
use domain::ids::{PatientId, RdvId};
use domain::reglages::{PolitiqueAnnulationTardive, Reglages, ReglagesBruts};
use domain::specialite::Specialite;
use domain::statut::Statut;
use domain::temps::{Creneau, DUREE_MAX_MINUTES, DureeMinutes};
use uuid::Uuid;

use self::fixtures::{Monde, code, compte, demande, lundi, now, patient, praticien, structure, t};
use super::*;
use crate::modele::{ModePaiement, Paiement, Role, Transmission};
use crate::store::CleIdempotence;

#[track_caller]
fn nouveau(r: Result<Reserve, StoreError>) -> Rdv {
    match r {
        Ok(Reserve::Nouveau(rdv)) => rdv,
        autre => panic!("attendu une nouvelle réservation, obtenu {autre:?}"),
    }
}

fn jour(debut: &str) -> Creneau {
    let d = t(debut);
    Creneau::new(d, d + Duration::days(1)).unwrap()
}

#[test]
fn a_booking_makes_the_creneau_busy_in_the_agenda() {
    let m = Monde::new();
    let rdv = nouveau(m.store.reserver(&m.demande(0, lundi()), now()));
    assert_eq!(rdv.statut, Statut::Prevu);
    assert_eq!(rdv.creneau.debut(), lundi());
    assert_eq!(rdv.creneau.fin(), lundi() + Duration::minutes(30));
    assert_eq!(rdv.structure_id, m.structure.id);
    assert_eq!(rdv.historique.len(), 1);
    assert_eq!(rdv.historique[0].action, "reserve");
    assert_eq!(rdv.historique[0].par, m.comptes_patients[0]);
    assert_eq!(m.store.rdv(rdv.id).unwrap(), Some(rdv.clone()));

    let fenetre = jour("2026-12-07T00:00:00Z");
    let (praticien, agenda) = m.store.agenda(m.praticien.id, fenetre).unwrap();
    assert_eq!(praticien, m.praticien);
    assert_eq!(agenda.occupes.tous(), vec![rdv.creneau]);
    let libres = creneaux_libres(&agenda, fenetre, &Recherche::default(), now()).unwrap();
    assert!(!libres.iter().any(|c| c.debut == lundi()));
    assert!(libres.iter().any(|c| c.debut == lundi() + Duration::minutes(30)));
}

#[test]
fn every_refusal_writes_nothing() {
    let m = Monde::new();
    // A second praticien, a booked créneau, a period off, a praticien taking known patients only.
    let autre = m.second_praticien();
    nouveau(m.store.reserver(&m.demande(0, lundi()), now()));
    let mardi = t("2026-12-08T08:00:00Z");
    m.store
        .ajouter_indisponibilite(
            m.praticien.id,
            Uuid::now_v7(),
            Creneau::new(mardi, mardi + Duration::hours(4)).unwrap(),
            Some("formation".to_owned()),
        )
        .unwrap();
    let (_, agenda) = m
        .store
        .agenda(m.praticien.id, jour("2026-12-08T00:00:00Z"))
        .unwrap();
    assert_eq!(
        agenda.indisponibilites,
        vec![Creneau::new(mardi, mardi + Duration::hours(4)).unwrap()]
    );
    let (_, agenda) = m
        .store
        .agenda(m.praticien.id, jour("2026-12-09T00:00:00Z"))
        .unwrap();
    assert!(agenda.indisponibilites.is_empty());
    let mut selectif = praticien("Roux", "Anne", 3, m.structure.id);
    selectif.reglages = Reglages::new(ReglagesBruts {
        patients_connus_uniquement: true,
        ..Default::default()
    })
    .unwrap();
    m.store
        .creer_praticien(
            &compte("praticien3@exemple.fr", Role::Praticien(selectif.id)),
            &selectif,
        )
        .unwrap();
    assert_eq!(m.nb_rdvs(), 1);

    let cas: Vec<(&str, NouvelleReservation, &str)> = vec![
        (
            "praticien inconnu",
            demande(
                PraticienId(Uuid::now_v7()),
                m.patients[1].id,
                m.comptes_patients[1],
                lundi(),
            ),
            "introuvable:praticien",
        ),
        (
            "patient inconnu",
            demande(
                m.praticien.id,
                PatientId(Uuid::now_v7()),
                m.comptes_patients[1],
                lundi(),
            ),
            "introuvable:patient",
        ),
        ("déjà réservé", m.demande(1, lundi()), "creneau_indisponible"),
        (
            "un samedi",
            m.demande(1, t("2026-12-05T08:00:00Z")),
            "creneau_indisponible",
        ),
        (
            "pas au début d'un créneau",
            m.demande(1, lundi() + Duration::minutes(10)),
            "creneau_indisponible",
        ),
        (
            "pendant une indisponibilité",
            m.demande(1, mardi),
            "creneau_indisponible",
        ),
        (
            "le patient est déjà pris",
            demande(autre.id, m.patients[0].id, m.comptes_patients[0], lundi()),
            "patient_deja_pris",
        ),
        (
            "dans le passé",
            m.demande(1, t("2026-11-30T08:00:00Z")),
            "hors_delai",
        ),
        (
            "au-delà de l'horizon",
            m.demande(1, t("2027-03-08T08:00:00Z")),
            "hors_delai",
        ),
        (
            "patient hors patientèle",
            demande(selectif.id, m.patients[1].id, m.comptes_patients[1], lundi()),
            "patient_inconnu",
        ),
        (
            "téléconsultation non proposée",
            {
                let mut d = m.demande(1, lundi() + Duration::hours(1));
                d.reservation.type_consultation = TypeConsultation::Teleconsultation;
                d
            },
            "type_non_propose",
        ),
        (
            "spécialité non exercée",
            {
                let mut d = m.demande(1, lundi() + Duration::hours(1));
                d.reservation.specialite = Specialite::parse("cardiologie").unwrap();
                d
            },
            "specialite_inconnue",
        ),
    ];
    for (nom, demande, attendu) in cas {
        let err = m.store.reserver(&demande, now()).unwrap_err();
        assert_eq!(code(&err), attendu, "{nom}");
        assert_eq!(m.nb_rdvs(), 1, "{nom} a écrit");
        assert_eq!(m.store.rdv(demande.rdv_id).unwrap(), None, "{nom}");
    }

    // Once in the patientèle, the selective praticien accepts the patient.
    m.store
        .ajouter_a_la_patientele(selectif.id, m.patients[1].id, now())
        .unwrap();
    nouveau(m.store.reserver(
        &demande(selectif.id, m.patients[1].id, m.comptes_patients[1], lundi()),
        now(),
    ));
}

#[test]
fn twenty_concurrent_bookings_of_one_creneau_make_one_rdv() {
    let m = Monde::new();
    let demandes: Vec<NouvelleReservation> = (0..20)
        .map(|i| {
            let p = patient(&format!("Patient{i}"));
            let c = compte(p.email.as_str(), Role::Patient(p.id));
            m.store.creer_patient(&c, &p).unwrap();
            demande(m.praticien.id, p.id, c.id, lundi())
        })
        .collect();
    let resultats: Vec<Result<Reserve, StoreError>> = std::thread::scope(|s| {
        let fils: Vec<_> = demandes
            .iter()
            .map(|d| s.spawn(|| m.store.reserver(d, now())))
            .collect();
        fils.into_iter().map(|f| f.join().unwrap()).collect()
    });
    let gagnants = resultats
        .iter()
        .filter(|r| matches!(r, Ok(Reserve::Nouveau(_))))
        .count();
    assert_eq!(gagnants, 1);
    for r in resultats.iter().filter(|r| r.is_err()) {
        let err = r.as_ref().unwrap_err();
        assert_eq!(code(err), "creneau_indisponible");
    }
    assert_eq!(m.nb_rdvs(), 1);
}

#[test]
fn an_idempotency_key_replays_the_same_booking_and_refuses_another_body() {
    let m = Monde::new();
    let cle = |empreinte: u8| CleIdempotence {
        compte: m.comptes_patients[0],
        cle: "cle-1".to_owned(),
        empreinte: [empreinte; 32],
    };
    let mut premiere = m.demande(0, lundi());
    premiere.idempotence = Some(cle(1));
    let rdv = nouveau(m.store.reserver(&premiere, now()));

    // The retry carries a new rdv id (made per request) and gets the first rdv back.
    let mut rejeu = m.demande(0, lundi());
    rejeu.idempotence = Some(cle(1));
    let later = now() + Duration::minutes(1);
    assert_eq!(
        m.store.reserver(&rejeu, later).unwrap(),
        Reserve::Rejoue(rdv.clone())
    );
    assert_eq!(m.nb_rdvs(), 1);

    let mut autre = m.demande(0, lundi() + Duration::hours(1));
    autre.idempotence = Some(cle(2));
    let err = m.store.reserver(&autre, later).unwrap_err();
    assert!(matches!(err, StoreError::IdempotenceReutilisee), "{err:?}");
    assert_eq!(m.nb_rdvs(), 1);

    // After 24 hours the key is forgotten.
    let apres = now() + Duration::hours(IDEMPOTENCE_HEURES);
    nouveau(m.store.reserver(&autre, apres));
    assert_eq!(m.nb_rdvs(), 2);
}

#[test]
fn a_move_keeps_the_id_and_frees_the_old_creneau() {
    let m = Monde::new();
    let rdv = nouveau(m.store.reserver(&m.demande(0, lundi()), now()));
    let mut vers = m.demande(0, lundi() + Duration::hours(2)).reservation;
    vers.motif = None;
    let deplace = m
        .store
        .deplacer(rdv.id, &vers, Auteur::Patient, m.comptes_patients[0], now())
        .unwrap();
    assert_eq!(deplace.id, rdv.id);
    assert_eq!(deplace.creneau.debut(), lundi() + Duration::hours(2));
    assert_eq!(deplace.statut, Statut::Prevu);
    let actions: Vec<_> = deplace.historique.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["reserve", "deplace"]);
    assert_eq!(m.nb_rdvs(), 1);

    let fenetre = jour("2026-12-07T00:00:00Z");
    let (_, agenda) = m.store.agenda(m.praticien.id, fenetre).unwrap();
    assert_eq!(agenda.occupes.tous(), vec![deplace.creneau]);
    // The old créneau can be booked by someone else, the new one cannot.
    nouveau(m.store.reserver(&m.demande(1, lundi()), now()));
    let err = m
        .store
        .reserver(&m.demande(1, lundi() + Duration::hours(2)), now())
        .unwrap_err();
    assert_eq!(code(&err), "creneau_indisponible");
    // The patient index follows the move: one rdv to come, at the new time.
    let page = m
        .store
        .rdvs_du_patient(m.patients[0].id, Periode::AVenir, now(), None, 10)
        .unwrap();
    assert_eq!(page.items, vec![deplace.clone()]);

    // A move less than 24 hours before counts as a late cancellation of the old créneau.
    let tard = deplace.creneau.debut() - Duration::hours(2);
    let vers = m.demande(0, lundi() + Duration::hours(3)).reservation;
    let encore = m
        .store
        .deplacer(rdv.id, &vers, Auteur::Patient, m.comptes_patients[0], tard)
        .unwrap();
    assert_eq!(encore.historique.last().unwrap().action, "deplace_tardivement");

    // A refused move changes nothing.
    let occupe = m.demande(0, lundi()).reservation;
    let err = m
        .store
        .deplacer(rdv.id, &occupe, Auteur::Praticien, m.compte_praticien, now())
        .unwrap_err();
    assert_eq!(code(&err), "creneau_indisponible");
    assert_eq!(m.store.rdv(rdv.id).unwrap(), Some(encore));
}

#[test]
fn cancellation_follows_the_24_hour_rule() {
    let m = Monde::new();
    let rdv = nouveau(m.store.reserver(&m.demande(0, lundi()), now()));
    let annule = m
        .store
        .annuler(
            rdv.id,
            Auteur::Patient,
            m.comptes_patients[0],
            lundi() - Duration::hours(24),
        )
        .unwrap();
    assert_eq!(annule.statut, Statut::Annule);
    assert_eq!(annule.historique.last().unwrap().action, "annule");
    // Free again.
    let (_, agenda) = m
        .store
        .agenda(m.praticien.id, jour("2026-12-07T00:00:00Z"))
        .unwrap();
    assert!(agenda.occupes.is_empty());
    let rdv = nouveau(m.store.reserver(&m.demande(1, lundi()), now()));

    // Late, under the default `signalee` policy.
    let tard = lundi() - Duration::hours(2);
    let annule = m
        .store
        .annuler(rdv.id, Auteur::Patient, m.comptes_patients[1], tard)
        .unwrap();
    assert_eq!(annule.statut, Statut::AnnuleTardivement);
    assert_eq!(annule.historique.last().unwrap().action, "annule_tardivement");
    nouveau(m.store.reserver(&m.demande(0, lundi()), now()));

    // Late, under `refusee`: refused, nothing changes.
    let mut p = m.praticien.clone();
    p.reglages = Reglages::new(ReglagesBruts {
        annulation_tardive: PolitiqueAnnulationTardive::Refusee,
        ..Default::default()
    })
    .unwrap();
    m.store.modifier_praticien(&p).unwrap();
    let rdv = nouveau(
        m.store
            .reserver(&m.demande(1, lundi() + Duration::hours(1)), now()),
    );
    let err = m
        .store
        .annuler(rdv.id, Auteur::Patient, m.comptes_patients[1], tard)
        .unwrap_err();
    assert_eq!(code(&err), "annulation_tardive_refusee");
    assert_eq!(m.store.rdv(rdv.id).unwrap(), Some(rdv.clone()));
    // The praticien may still cancel.
    let annule = m
        .store
        .annuler(rdv.id, Auteur::Praticien, m.compte_praticien, tard)
        .unwrap();
    assert_eq!(annule.statut, Statut::Annule);
    assert_eq!(
        code(
            &m.store
                .annuler(RdvId(Uuid::now_v7()), Auteur::Praticien, m.compte_praticien, tard)
                .unwrap_err()
        ),
        "introuvable:rdv"
    );
}

#[test]
fn statut_goes_honore_paye_transmis_and_refuses_the_rest() {
    let m = Monde::new();
    let rdv = nouveau(m.store.reserver(&m.demande(0, lundi()), now()));
    let par = m.compte_praticien;
    let err = m
        .store
        .changer_statut(rdv.id, &ChangementStatut::Honore, par, now())
        .unwrap_err();
    assert_eq!(code(&err), "transition_invalide");
    let apres = lundi() + Duration::minutes(20);
    let paiement = Paiement {
        montant_centimes: 3000,
        mode: ModePaiement::Carte,
        le: apres,
    };
    let err = m
        .store
        .changer_statut(rdv.id, &ChangementStatut::Paye(paiement.clone()), par, apres)
        .unwrap_err();
    assert_eq!(code(&err), "transition_invalide");

    let honore = m
        .store
        .changer_statut(rdv.id, &ChangementStatut::Honore, par, apres)
        .unwrap();
    assert_eq!(honore.statut, Statut::Honore);
    let paye = m
        .store
        .changer_statut(rdv.id, &ChangementStatut::Paye(paiement.clone()), par, apres)
        .unwrap();
    assert_eq!(paye.statut, Statut::Paye);
    assert_eq!(paye.paiement, Some(paiement));
    let transmission = Transmission {
        le: apres + Duration::days(1),
        organisme: Some("CPAM de Meurthe-et-Moselle".to_owned()),
    };
    let transmis = m
        .store
        .changer_statut(
            rdv.id,
            &ChangementStatut::Transmis(transmission.clone()),
            par,
            apres,
        )
        .unwrap();
    assert_eq!(transmis.statut, Statut::Transmis);
    assert_eq!(transmis.transmission, Some(transmission));
    let actions: Vec<_> = transmis.historique.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["reserve", "honore", "paye", "transmis"]);

    let err = m
        .store
        .changer_statut(rdv.id, &ChangementStatut::NonHonore, par, apres)
        .unwrap_err();
    assert_eq!(code(&err), "transition_invalide");
    assert_eq!(m.store.rdv(rdv.id).unwrap(), Some(transmis));
}

#[test]
fn refresh_tokens_rotate_and_a_reused_one_revokes_its_family() {
    let m = Monde::new();
    let compte = m.comptes_patients[0];
    let famille = Uuid::now_v7();
    let expire = now() + Duration::days(30);
    m.store
        .enregistrer_jeton(&JetonRafraichissement {
            empreinte: [1; 32],
            compte,
            famille,
            expire_le: expire,
        })
        .unwrap();
    assert_eq!(m.store.famille([1; 32]).unwrap(), Some(famille));
    assert_eq!(
        m.store.tourner_jeton([1; 32], [2; 32], expire, now()).unwrap(),
        Rotation::Tournee { compte }
    );
    assert_eq!(m.store.famille([2; 32]).unwrap(), Some(famille));
    // The old token again: theft. The family goes, the fresh token with it.
    assert_eq!(
        m.store.tourner_jeton([1; 32], [3; 32], expire, now()).unwrap(),
        Rotation::Reutilisee
    );
    assert_eq!(m.store.famille([2; 32]).unwrap(), None);
    assert_eq!(
        m.store.tourner_jeton([2; 32], [4; 32], expire, now()).unwrap(),
        Rotation::Invalide
    );
    assert_eq!(
        m.store.tourner_jeton([9; 32], [5; 32], expire, now()).unwrap(),
        Rotation::Invalide
    );

    // Expired.
    m.store
        .enregistrer_jeton(&JetonRafraichissement {
            empreinte: [6; 32],
            compte,
            famille: Uuid::now_v7(),
            expire_le: now(),
        })
        .unwrap();
    assert_eq!(
        m.store.tourner_jeton([6; 32], [7; 32], expire, now()).unwrap(),
        Rotation::Invalide
    );

    // Sign-out.
    m.store.revoquer_famille([6; 32]).unwrap();
    assert_eq!(m.store.famille([6; 32]).unwrap(), None);
    m.store.revoquer_famille([42; 32]).unwrap();
}

#[test]
fn a_password_change_revokes_every_other_family() {
    let m = Monde::new();
    let compte = m.comptes_patients[0];
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let expire = now() + Duration::days(30);
    for (empreinte, famille, c) in [
        ([1; 32], a, compte),
        ([2; 32], b, compte),
        ([3; 32], Uuid::now_v7(), m.comptes_patients[1]),
    ] {
        m.store
            .enregistrer_jeton(&JetonRafraichissement {
                empreinte,
                compte: c,
                famille,
                expire_le: expire,
            })
            .unwrap();
    }
    m.store
        .changer_mot_de_passe(compte, "$argon2id$nouveau", Some(a))
        .unwrap();
    assert_eq!(m.store.famille([1; 32]).unwrap(), Some(a));
    assert_eq!(m.store.famille([2; 32]).unwrap(), None);
    assert!(
        m.store.famille([3; 32]).unwrap().is_some(),
        "another account's family stays"
    );
    assert_eq!(
        m.store.compte(compte).unwrap().unwrap().mot_de_passe_hash,
        "$argon2id$nouveau"
    );
    assert_eq!(
        code(
            &m.store
                .changer_mot_de_passe(CompteId(Uuid::now_v7()), "x", None)
                .unwrap_err()
        ),
        "introuvable:compte"
    );
}

#[test]
fn praticiens_page_by_name_with_filters_and_no_gap() {
    let m = Monde::new();
    let ailleurs = structure("Cabinet du Port", "Brest");
    m.store.creer_structure(&ailleurs).unwrap();
    let noms = [
        ("Émery", "Jules"),
        ("Abel", "Zoé"),
        ("abel", "Alice"),
        ("Zola", "Émile"),
        ("Moreau", "Hugo"),
    ];
    for (i, (nom, prenom)) in noms.iter().enumerate() {
        let n = 10 + i as u64;
        let mut p = praticien(nom, prenom, n, ailleurs.id);
        if i == 4 {
            p.horaires = Horaires::new(vec![RegleHoraire {
                jour: Jour::Lundi,
                debut: Heure::hm(8, 0).unwrap(),
                fin: Heure::hm(12, 0).unwrap(),
                structure_id: ailleurs.id,
                types: vec![TypeConsultation::Teleconsultation],
                specialites: None,
                valable_du: None,
                valable_au: None,
            }])
            .unwrap();
        }
        let c = compte(&format!("p{n}@exemple.fr"), Role::Praticien(p.id));
        m.store.creer_praticien(&c, &p).unwrap();
    }

    let tous = |filtre: &FiltrePraticiens, limit: usize| {
        let mut vus = Vec::new();
        let mut curseur: Option<String> = None;
        loop {
            let page = m.store.praticiens(filtre, curseur.as_deref(), limit).unwrap();
            assert!(page.items.len() <= limit);
            vus.extend(page.items.iter().map(|p| format!("{} {}", p.nom, p.prenom)));
            match page.next_cursor {
                Some(c) => curseur = Some(c),
                None => return vus,
            }
        }
    };
    let attendu = [
        "abel Alice",
        "Abel Zoé",
        "Émery Jules",
        "Martin Claire",
        "Moreau Hugo",
        "Zola Émile",
    ];
    assert_eq!(tous(&FiltrePraticiens::default(), 2), attendu);
    assert_eq!(tous(&FiltrePraticiens::default(), 4), attendu);
    assert_eq!(tous(&FiltrePraticiens::default(), 100), attendu);

    // The walk by id sees each praticien once, in id order, whatever the batch size.
    let mut par_id = Vec::new();
    let mut apres = None;
    while let Some(dernier) = {
        let lot = m.store.praticiens_par_id(apres, 4).unwrap();
        assert!(lot.len() <= 4);
        par_id.extend(lot.iter().map(|p| p.id));
        lot.last().map(|p| p.id)
    } {
        apres = Some(dernier);
    }
    let mut tries = par_id.clone();
    tries.sort_unstable();
    tries.dedup();
    assert_eq!((par_id.len(), &par_id), (attendu.len(), &tries));

    let ville = FiltrePraticiens {
        ville: Some("  SAINT-ETIENNE".to_owned()),
        ..Default::default()
    };
    assert_eq!(tous(&ville, 2), ["Martin Claire"]);
    let structure = FiltrePraticiens {
        structure: Some(ailleurs.id),
        ..Default::default()
    };
    assert_eq!(tous(&structure, 2).len(), 5);
    let tele = FiltrePraticiens {
        type_consultation: Some(TypeConsultation::Teleconsultation),
        ..Default::default()
    };
    assert_eq!(tous(&tele, 2), ["Moreau Hugo"]);
    let presentiel = FiltrePraticiens {
        type_consultation: Some(TypeConsultation::Presentiel),
        ..Default::default()
    };
    assert_eq!(tous(&presentiel, 3).len(), 5);
    let cardio = FiltrePraticiens {
        specialite: Some(Specialite::parse("cardiologie").unwrap()),
        ..Default::default()
    };
    assert_eq!(tous(&cardio, 2), Vec::<String>::new());

    let err = m
        .store
        .praticiens(&FiltrePraticiens::default(), Some("pas un curseur"), 2)
        .unwrap_err();
    assert_eq!(code(&err), "introuvable:curseur");

    let villes: Vec<_> = m
        .store
        .structures(Some("brest"), 10)
        .unwrap()
        .into_iter()
        .map(|s| s.nom)
        .collect();
    assert_eq!(villes, ["Cabinet du Port"]);
    assert_eq!(m.store.structures(None, 10).unwrap().len(), 2);
}

#[test]
fn a_patients_rdvs_page_past_and_to_come_without_gap() {
    let m = Monde::new();
    let patient = &m.patients[0];
    // Two past rdvs (imported, as the demo dataset does) and three to come.
    let mut passes = Vec::new();
    for jour in ["2026-11-23T08:00:00Z", "2026-11-24T08:00:00Z"] {
        let debut = t(jour);
        let rdv = Rdv {
            id: RdvId(Uuid::now_v7()),
            praticien_id: m.praticien.id,
            patient_id: patient.id,
            specialite: Specialite::MEDECINE_GENERALE,
            type_consultation: TypeConsultation::Presentiel,
            motif: None,
            creneau: Creneau::new(debut, debut + Duration::minutes(30)).unwrap(),
            structure_id: m.structure.id,
            statut: Statut::Honore,
            origine: domain::consultation::Origine::HorsPlateforme,
            historique: Vec::new(),
            paiement: None,
            transmission: None,
        };
        m.store.importer_rdv(&rdv).unwrap();
        passes.push(rdv);
    }
    let a_venir: Vec<Rdv> = [0, 1, 2]
        .map(|j| {
            nouveau(
                m.store
                    .reserver(&m.demande(0, lundi() + Duration::days(j)), now()),
            )
        })
        .into();
    // The other patient's rdv never shows.
    nouveau(
        m.store
            .reserver(&m.demande(1, lundi() + Duration::hours(1)), now()),
    );

    let pages = |periode: Periode, limit: usize| {
        let mut vus: Vec<Rdv> = Vec::new();
        let mut curseur: Option<String> = None;
        let mut n = 0;
        loop {
            let page = m
                .store
                .rdvs_du_patient(patient.id, periode, now(), curseur.as_deref(), limit)
                .unwrap();
            n += 1;
            vus.extend(page.items);
            match page.next_cursor {
                Some(c) => curseur = Some(c),
                None => return (vus, n),
            }
        }
    };
    let (vus, n) = pages(Periode::AVenir, 2);
    assert_eq!(n, 2);
    assert_eq!(vus, a_venir);
    let (vus, n) = pages(Periode::Passes, 1);
    assert_eq!(n, 2);
    assert_eq!(vus, passes.iter().rev().cloned().collect::<Vec<_>>());
    let err = m
        .store
        .rdvs_du_patient(patient.id, Periode::Passes, now(), Some("zzz"), 1)
        .unwrap_err();
    assert_eq!(code(&err), "introuvable:curseur");
}

#[test]
fn liens_are_the_patientele_and_the_praticiens_with_a_rdv() {
    let m = Monde::new();
    let autre = m.second_praticien();
    let p0 = m.patients[0].id;
    assert_eq!(m.store.liens(p0).unwrap(), (vec![], vec![]));
    let rdv = nouveau(m.store.reserver(&m.demande(0, lundi()), now()));
    nouveau(
        m.store
            .reserver(&m.demande(0, lundi() + Duration::hours(1)), now()),
    );
    m.store.ajouter_a_la_patientele(autre.id, p0, now()).unwrap();
    m.store.ajouter_a_la_patientele(autre.id, p0, now()).unwrap();
    // A cancelled rdv still links.
    m.store
        .annuler(rdv.id, Auteur::Patient, m.comptes_patients[0], now())
        .unwrap();
    assert_eq!(m.store.liens(p0).unwrap(), (vec![autre.id], vec![m.praticien.id]));
    assert_eq!(m.store.liens(m.patients[1].id).unwrap(), (vec![], vec![]));
}

#[test]
fn accounts_are_unique_by_email_and_praticiens_by_rpps() {
    let m = Monde::new();
    let p = patient("Durand");
    let c = compte("DURAND@exemple.fr", Role::Patient(p.id));
    assert_eq!(
        code(&m.store.creer_patient(&c, &p).unwrap_err()),
        "conflit:email_deja_utilise"
    );
    let mut double = praticien("Martin", "Paul", 1, m.structure.id);
    double.email = domain::identifiants::Email::parse("autre@exemple.fr").unwrap();
    let c = compte("autre@exemple.fr", Role::Praticien(double.id));
    assert_eq!(
        code(&m.store.creer_praticien(&c, &double).unwrap_err()),
        "conflit:rpps_deja_utilise"
    );
    // Nothing of the refused praticien was written, its email included.
    assert_eq!(m.store.compte_par_email(&c.email).unwrap(), None);
    let trouve = m.store.compte_par_email(&m.patients[0].email).unwrap().unwrap();
    assert_eq!(trouve.id, m.comptes_patients[0]);
    assert_eq!(trouve.role, Role::Patient(m.patients[0].id));
    let admin = compte("admin@exemple.fr", Role::Admin);
    m.store.creer_admin(&admin).unwrap();
    assert_eq!(m.store.compte(admin.id).unwrap(), Some(admin));
}

#[test]
fn remembered_responses_expire_after_24_hours() {
    let m = Monde::new();
    let compte = m.comptes_patients[0];
    let reponse = ReponseMemorisee {
        empreinte: [7; 32],
        statut: 201,
        corps: "{\"id\":1}".to_owned(),
    };
    m.store
        .memoriser_reponse(compte, "k", &reponse, Utc::now())
        .unwrap();
    assert_eq!(
        m.store.reponse_memorisee(compte, "k").unwrap(),
        Some(reponse.clone())
    );
    assert_eq!(
        m.store.reponse_memorisee(m.comptes_patients[1], "k").unwrap(),
        None
    );
    m.store
        .memoriser_reponse(compte, "vieux", &reponse, Utc::now() - Duration::hours(25))
        .unwrap();
    assert_eq!(m.store.reponse_memorisee(compte, "vieux").unwrap(), None);
}

#[test]
fn reopening_the_file_finds_the_data() {
    let m = Monde::new();
    let rdv = nouveau(m.store.reserver(&m.demande(0, lundi()), now()));
    let Monde {
        dossier,
        store,
        praticien,
        ..
    } = m;
    assert!(!store.est_vide().unwrap());
    drop(store);
    let store = RedbStore::open(dossier.path()).unwrap();
    store.pret().unwrap();
    assert!(!store.est_vide().unwrap());
    assert_eq!(store.rdv(rdv.id).unwrap(), Some(rdv));
    assert_eq!(store.praticien(praticien.id).unwrap(), Some(praticien));

    let vide = tempfile::tempdir().unwrap();
    let neuf = RedbStore::open(vide.path()).unwrap();
    assert!(neuf.est_vide().unwrap());
    assert!(vide.path().join(FICHIER).exists());
}

#[test]
fn another_schema_version_is_refused() {
    let dossier = tempfile::tempdir().unwrap();
    let store = RedbStore::open(dossier.path()).unwrap();
    let txn = store.db.begin_write().unwrap();
    txn.open_table(META)
        .unwrap()
        .insert(CLE_VERSION_SCHEMA, VERSION_SCHEMA + 1)
        .unwrap();
    txn.commit().unwrap();
    drop(store);
    let err = RedbStore::open(dossier.path()).unwrap_err();
    assert!(code(&err).starts_with("interne:"), "{err:?}");
}

#[test]
fn an_unreadable_record_is_an_error_not_a_panic() {
    let m = Monde::new();
    let txn = m.store.db.begin_write().unwrap();
    {
        // Bytes that are no RdvV1, written behind the store's back.
        let mut rdvs = txn.open_table(RDVS).unwrap();
        let brut = <Record<RdvV1> as redb::Value>::from_bytes(&[0xff, 0xff]);
        rdvs.insert(7u128, brut).unwrap();
    }
    txn.commit().unwrap();
    let err = m.store.rdv(RdvId(Uuid::from_u128(7))).unwrap_err();
    assert!(code(&err).starts_with("interne:"), "{err:?}");
}

/// Every key of a `(u128, u128) → ()` index, in order.
fn cles_u128(store: &RedbStore, table: redb::TableDefinition<(u128, u128), ()>) -> Vec<(u128, u128)> {
    let txn = store.db.begin_read().unwrap();
    let t = txn.open_table(table).unwrap();
    t.iter().unwrap().map(|e| e.unwrap().0.value()).collect()
}

/// Every key of the `(ville, structure)` index, in order.
fn cles_villes(store: &RedbStore) -> Vec<(String, u128)> {
    let txn = store.db.begin_read().unwrap();
    let t = txn.open_table(STRUCTURES_PAR_VILLE).unwrap();
    t.iter()
        .unwrap()
        .map(|e| {
            let (cle, _) = e.unwrap();
            let (ville, id) = cle.value();
            (ville.to_owned(), id)
        })
        .collect()
}

/// A praticien at `structures`, created with its account.
fn inscrire(m: &Monde, nom: &str, n: u64, structures: &[StructureId]) -> Praticien {
    let mut p = praticien(nom, "Sam", n, structures[0]);
    p.structures = structures.to_vec();
    m.store
        .creer_praticien(&compte(&format!("p{n}@exemple.fr"), Role::Praticien(p.id)), &p)
        .unwrap();
    p
}

/// Every page of `praticiens_du_lieu`, as names, checking each page's size.
fn lieu(
    m: &Monde,
    ville: Option<&str>,
    structure: Option<StructureId>,
    specialite: Option<Specialite>,
    limit: usize,
) -> Vec<String> {
    let mut vus = Vec::new();
    let mut curseur: Option<String> = None;
    loop {
        let page = m
            .store
            .praticiens_du_lieu(ville, structure, specialite, curseur.as_deref(), limit)
            .unwrap();
        assert!(page.items.len() <= limit);
        vus.extend(page.items.into_iter().map(|p| p.nom));
        match page.next_cursor {
            Some(c) => curseur = Some(c),
            None => return vus,
        }
    }
}

#[test]
fn praticiens_du_lieu_reads_one_place_by_id_without_gap() {
    let m = Monde::new();
    let a = m.structure.id;
    let b = structure("Centre de santé Fauriel", "saint-etienne");
    let brest = structure("Cabinet du Port", "Brest");
    m.store.creer_structure(&b).unwrap();
    m.store.creer_structure(&brest).unwrap();
    // Ids are UUID v7: creation order is id order.
    inscrire(&m, "Bruneau", 20, &[b.id]);
    inscrire(&m, "Carre", 21, &[a, b.id]);
    inscrire(&m, "Lebrun", 22, &[brest.id]);
    let mut cardio = praticien("Durand", "Sam", 23, b.id);
    cardio.specialites = vec![Specialite::parse("cardiologie").unwrap()];
    m.store
        .creer_praticien(&compte("p23@exemple.fr", Role::Praticien(cardio.id)), &cardio)
        .unwrap();
    inscrire(&m, "Evrard", 24, &[brest.id, a]);

    let ville = ["Martin", "Bruneau", "Carre", "Durand", "Evrard"];
    for limit in [1, 2, 3, 100] {
        assert_eq!(
            lieu(&m, Some(" Saint-Étienne"), None, None, limit),
            ville,
            "limit {limit}"
        );
    }
    assert_eq!(
        lieu(&m, None, Some(b.id), None, 2),
        ["Bruneau", "Carre", "Durand"]
    );
    assert_eq!(lieu(&m, Some("BREST"), None, None, 1), ["Lebrun", "Evrard"]);
    let cardiologie = Some(Specialite::parse("cardiologie").unwrap());
    assert_eq!(lieu(&m, Some("saint-etienne"), None, cardiologie, 1), ["Durand"]);
    assert_eq!(
        lieu(
            &m,
            Some("saint-etienne"),
            None,
            Some(Specialite::MEDECINE_GENERALE),
            2
        ),
        ["Martin", "Bruneau", "Carre", "Evrard"]
    );
    // Both: the structure, if it is in the ville.
    assert_eq!(
        lieu(&m, Some("Saint-Étienne"), Some(b.id), None, 5),
        ["Bruneau", "Carre", "Durand"]
    );
    assert!(lieu(&m, Some("Brest"), Some(b.id), None, 5).is_empty());
    assert!(lieu(&m, None, None, None, 5).is_empty());
    assert!(lieu(&m, Some("Nancy"), None, None, 5).is_empty());
    assert!(lieu(&m, None, Some(StructureId(Uuid::now_v7())), None, 5).is_empty());
    let err = m
        .store
        .praticiens_du_lieu(Some("Brest"), None, None, Some("pas un curseur"), 5)
        .unwrap_err();
    assert_eq!(code(&err), "introuvable:curseur");

    // The directory's own filters read the same indexes.
    let filtre = FiltrePraticiens {
        ville: Some("Brest".to_owned()),
        ..Default::default()
    };
    let noms: Vec<_> = m
        .store
        .praticiens(&filtre, None, 10)
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.nom)
        .collect();
    assert_eq!(noms, ["Evrard", "Lebrun"]);
    let filtre = FiltrePraticiens {
        ville: Some("Brest".to_owned()),
        structure: Some(a),
        ..Default::default()
    };
    let noms: Vec<_> = m
        .store
        .praticiens(&filtre, None, 10)
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.nom)
        .collect();
    assert_eq!(noms, ["Evrard"]);
    let structures: Vec<_> = m
        .store
        .structures(Some("SAINT-ÉTIENNE"), 10)
        .unwrap()
        .into_iter()
        .map(|s| s.nom)
        .collect();
    assert_eq!(
        structures,
        ["Centre de santé Fauriel", "Maison médicale Stanislas"]
    );
}

#[test]
fn the_place_indexes_follow_a_praticiens_structures() {
    let m = Monde::new();
    let a = m.structure.id;
    let b = structure("Cabinet du Port", "Brest");
    m.store.creer_structure(&b).unwrap();
    let id = m.praticien.id.0.as_u128();
    assert_eq!(
        cles_u128(&m.store, PRATICIENS_PAR_STRUCTURE),
        [(a.0.as_u128(), id)]
    );
    assert_eq!(
        cles_villes(&m.store),
        [
            ("brest".to_owned(), b.id.0.as_u128()),
            ("saint-etienne".to_owned(), a.0.as_u128()),
        ]
    );
    let generation = m.store.generation_annuaire().unwrap();

    // Both structures, then Brest only: the entry of the structure left goes.
    let mut p = m.praticien.clone();
    p.structures = vec![a, b.id];
    m.store.modifier_praticien(&p).unwrap();
    let mut attendu = vec![(a.0.as_u128(), id), (b.id.0.as_u128(), id)];
    attendu.sort_unstable();
    assert_eq!(cles_u128(&m.store, PRATICIENS_PAR_STRUCTURE), attendu);
    p.structures = vec![b.id];
    p.horaires = Horaires::default();
    m.store.modifier_praticien(&p).unwrap();
    assert_eq!(
        cles_u128(&m.store, PRATICIENS_PAR_STRUCTURE),
        [(b.id.0.as_u128(), id)]
    );
    assert_eq!(m.store.generation_annuaire().unwrap(), generation + 2);
    assert!(lieu(&m, Some("Saint-Étienne"), None, None, 10).is_empty());
    assert!(lieu(&m, None, Some(a), None, 10).is_empty());
    assert_eq!(lieu(&m, Some("brest"), None, None, 10), ["Martin"]);
    let filtre = FiltrePraticiens {
        structure: Some(a),
        ..Default::default()
    };
    assert!(m.store.praticiens(&filtre, None, 10).unwrap().items.is_empty());

    // A refused change (unknown structure) leaves the index as it was.
    p.structures = vec![StructureId(Uuid::now_v7())];
    assert_eq!(
        code(&m.store.modifier_praticien(&p).unwrap_err()),
        "introuvable:structure"
    );
    assert_eq!(
        cles_u128(&m.store, PRATICIENS_PAR_STRUCTURE),
        [(b.id.0.as_u128(), id)]
    );
}

#[test]
fn a_version_1_file_gets_its_place_and_name_indexes_on_open() {
    let m = Monde::new();
    let brest = structure("Cabinet du Port", "Brest");
    m.store.creer_structure(&brest).unwrap();
    inscrire(&m, "Lebrun", 30, &[brest.id, m.structure.id]);
    inscrire(&m, "Bruneau", 31, &[brest.id]);
    let praticiens_avant = cles_u128(&m.store, PRATICIENS_PAR_STRUCTURE);
    let villes_avant = cles_villes(&m.store);
    assert_eq!(praticiens_avant.len(), 4);
    assert_eq!(villes_avant.len(), 2);

    let liste = |store: &RedbStore| -> Vec<String> {
        let page = store.praticiens(&FiltrePraticiens::default(), None, 10).unwrap();
        page.items.into_iter().map(|p| p.nom).collect()
    };
    let liste_avant = liste(&m.store);
    assert_eq!(liste_avant.len(), 3);

    // What a version-1 file is: the same records, no place or name index, version 1.
    let txn = m.store.db.begin_write().unwrap();
    assert!(txn.delete_table(PRATICIENS_PAR_STRUCTURE).unwrap());
    assert!(txn.delete_table(STRUCTURES_PAR_VILLE).unwrap());
    assert!(txn.delete_table(PRATICIENS_PAR_NOM).unwrap());
    txn.open_table(META)
        .unwrap()
        .insert(CLE_VERSION_SCHEMA, 1)
        .unwrap();
    txn.commit().unwrap();
    let Monde { dossier, store, .. } = m;
    drop(store);

    let store = RedbStore::open(dossier.path()).unwrap();
    let version = {
        let txn = store.db.begin_read().unwrap();
        txn.open_table(META)
            .unwrap()
            .get(CLE_VERSION_SCHEMA)
            .unwrap()
            .map(|v| v.value())
    };
    assert_eq!(version, Some(VERSION_SCHEMA));
    assert_eq!(VERSION_SCHEMA, 5);
    assert_eq!(cles_u128(&store, PRATICIENS_PAR_STRUCTURE), praticiens_avant);
    assert_eq!(cles_villes(&store), villes_avant);
    assert_eq!(liste(&store), liste_avant);
    let noms: Vec<_> = store
        .praticiens_du_lieu(Some("Brest"), None, None, None, 10)
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.nom)
        .collect();
    assert_eq!(noms, ["Lebrun", "Bruneau"]);
    // Opening again is a no-op.
    drop(store);
    let store = RedbStore::open(dossier.path()).unwrap();
    assert_eq!(cles_u128(&store, PRATICIENS_PAR_STRUCTURE), praticiens_avant);
}

#[test]
fn a_period_off_hides_its_creneaux_until_removed() {
    let m = Monde::new();
    let autre = inscrire(&m, "Petit", 40, &[m.structure.id]);
    let generation = m.store.generation_annuaire().unwrap();
    let id = Uuid::now_v7();
    let conge = Creneau::new(lundi(), lundi() + Duration::hours(2)).unwrap();
    m.store
        .ajouter_indisponibilite(m.praticien.id, id, conge, Some("formation".to_owned()))
        .unwrap();
    assert_eq!(m.store.generation_annuaire().unwrap(), generation);
    assert_eq!(
        code(
            &m.store
                .ajouter_indisponibilite(m.praticien.id, id, conge, None)
                .unwrap_err()
        ),
        "conflit:id_deja_utilise"
    );
    assert_eq!(
        code(
            &m.store
                .ajouter_indisponibilite(PraticienId(Uuid::now_v7()), Uuid::now_v7(), conge, None)
                .unwrap_err()
        ),
        "introuvable:praticien"
    );

    let attendue = Indisponibilite {
        id,
        praticien_id: m.praticien.id,
        creneau: conge,
        motif: Some("formation".to_owned()),
    };
    let semaine = Creneau::new(lundi() - Duration::days(1), lundi() + Duration::days(6)).unwrap();
    assert_eq!(
        m.store.indisponibilites(m.praticien.id, semaine).unwrap(),
        std::slice::from_ref(&attendue)
    );
    // Touching the window's edges is not overlapping it.
    let avant = Creneau::new(lundi() - Duration::hours(3), lundi()).unwrap();
    let apres = Creneau::new(conge.fin(), conge.fin() + Duration::hours(1)).unwrap();
    assert!(
        m.store
            .indisponibilites(m.praticien.id, avant)
            .unwrap()
            .is_empty()
    );
    assert!(
        m.store
            .indisponibilites(m.praticien.id, apres)
            .unwrap()
            .is_empty()
    );
    assert!(m.store.indisponibilites(autre.id, semaine).unwrap().is_empty());
    assert_eq!(
        code(
            &m.store
                .indisponibilites(PraticienId(Uuid::now_v7()), semaine)
                .unwrap_err()
        ),
        "introuvable:praticien"
    );

    let (_, agenda) = m
        .store
        .agenda(m.praticien.id, jour("2026-12-07T00:00:00Z"))
        .unwrap();
    assert_eq!(agenda.indisponibilites, [conge]);
    let err = m.store.reserver(&m.demande(0, lundi()), now()).unwrap_err();
    assert_eq!(code(&err), "creneau_indisponible");

    // Only its praticien's: another one cannot remove it.
    assert_eq!(
        code(&m.store.supprimer_indisponibilite(autre.id, id).unwrap_err()),
        "introuvable:indisponibilité"
    );
    assert_eq!(
        m.store.indisponibilites(m.praticien.id, semaine).unwrap(),
        [attendue]
    );
    m.store.supprimer_indisponibilite(m.praticien.id, id).unwrap();
    assert!(
        m.store
            .indisponibilites(m.praticien.id, semaine)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        code(&m.store.supprimer_indisponibilite(m.praticien.id, id).unwrap_err()),
        "introuvable:indisponibilité"
    );
    let (_, agenda) = m
        .store
        .agenda(m.praticien.id, jour("2026-12-07T00:00:00Z"))
        .unwrap();
    assert!(agenda.indisponibilites.is_empty());
    nouveau(m.store.reserver(&m.demande(0, lundi()), now()));
}

#[test]
fn rdvs_du_praticien_are_those_overlapping_the_window() {
    let m = Monde::new();
    let premier = nouveau(m.store.reserver(&m.demande(0, lundi()), now()));
    let annule = nouveau(
        m.store
            .reserver(&m.demande(1, lundi() + Duration::minutes(30)), now()),
    );
    m.store
        .annuler(annule.id, Auteur::Patient, m.comptes_patients[1], now())
        .unwrap();
    let suivant = nouveau(
        m.store
            .reserver(&m.demande(0, lundi() + Duration::hours(1)), now()),
    );
    let ids = |debut: DateTime<Utc>, fin: DateTime<Utc>| -> Vec<RdvId> {
        m.store
            .rdvs_du_praticien(m.praticien.id, Creneau::new(debut, fin).unwrap())
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    // Every statut, by start; a rdv ending at the window's start or starting at its end is outside.
    assert_eq!(
        ids(lundi() + Duration::minutes(15), lundi() + Duration::hours(1)),
        [premier.id, annule.id]
    );
    assert_eq!(
        ids(lundi() + Duration::minutes(30), lundi() + Duration::minutes(61)),
        [annule.id, suivant.id]
    );
    assert_eq!(
        ids(lundi() - Duration::days(1), lundi() + Duration::days(1)),
        [premier.id, annule.id, suivant.id]
    );
    assert!(ids(lundi() - Duration::hours(1), lundi()).is_empty());
    let trop = Creneau::new(lundi(), lundi() + Duration::days(32)).unwrap();
    let err = m.store.rdvs_du_praticien(m.praticien.id, trop).unwrap_err();
    assert!(code(&err).starts_with("interne:"), "{err:?}");
    let err = m
        .store
        .rdvs_du_praticien(PraticienId(Uuid::now_v7()), jour("2026-12-07T00:00:00Z"))
        .unwrap_err();
    assert_eq!(code(&err), "introuvable:praticien");
}

#[test]
fn a_booking_sees_an_rdv_of_the_longest_length_that_started_hours_before() {
    // A booking reads only the rdvs starting within DUREE_MAX of its créneau: one of 8 h that began
    // 7 h 30 earlier must still make the créneau busy, for the praticien and for its patient.
    let m = Monde::new();
    let huit_heures = |p: &Praticien| {
        let mut p = p.clone();
        p.durees = vec![DureeConsultation {
            specialite: Specialite::MEDECINE_GENERALE,
            type_consultation: TypeConsultation::Presentiel,
            duree_minutes: DureeMinutes::new(u32::from(DUREE_MAX_MINUTES)).unwrap(),
        }];
        p
    };
    m.store.modifier_praticien(&huit_heures(&m.praticien)).unwrap();
    // 08:00 to 16:00 in Paris, the first slot of the default Monday.
    let matin = t("2026-12-07T07:00:00Z");
    let long = nouveau(m.store.reserver(&m.demande(0, matin), now()));
    assert_eq!(long.creneau.fin() - long.creneau.debut(), Duration::hours(8));
    m.store.modifier_praticien(&m.praticien).unwrap();

    let avant_la_fin = matin + Duration::minutes(450);
    let err = m.store.reserver(&m.demande(1, avant_la_fin), now()).unwrap_err();
    assert_eq!(code(&err), "creneau_indisponible");
    let autre = m.second_praticien();
    let ailleurs = demande(autre.id, m.patients[0].id, m.comptes_patients[0], avant_la_fin);
    let err = m.store.reserver(&ailleurs, now()).unwrap_err();
    assert_eq!(code(&err), "patient_deja_pris");

    let a_la_fin = long.creneau.fin();
    nouveau(m.store.reserver(&m.demande(1, a_la_fin), now()));
    let ailleurs = demande(autre.id, m.patients[0].id, m.comptes_patients[0], a_la_fin);
    nouveau(m.store.reserver(&ailleurs, now()));
}

#[test]
fn a_refused_booking_in_a_lot_writes_nothing_and_leaves_the_others_booked() {
    let mut m = Monde::new();
    let apres = lundi() + Duration::minutes(30);
    let lot = [
        (m.demande(0, lundi()), now()),
        // The same créneau: refused, as the second of the transaction.
        (m.demande(1, lundi()), now()),
        (m.demande(1, apres), now()),
        // A créneau off the horaires.
        (m.demande(1, lundi() + Duration::minutes(7)), now()),
    ];
    let resultats = m.store.reserver_lot(&lot).unwrap();
    assert_eq!(resultats.len(), 4);
    let reserve = |i: usize| match &resultats[i] {
        Ok((Reserve::Nouveau(rdv), reglages)) => {
            assert_eq!(*reglages, m.praticien.reglages);
            rdv.clone()
        }
        autre => panic!("{i} : attendu une réservation, obtenu {autre:?}"),
    };
    let refus = |i: usize| match &resultats[i] {
        Err(e) => code(e),
        autre => panic!("{i} : attendu un refus, obtenu {autre:?}"),
    };
    assert_eq!(reserve(0).creneau.debut(), lundi());
    assert_eq!(refus(1), "creneau_indisponible");
    assert_eq!(reserve(2).creneau.debut(), apres);
    assert_eq!(refus(3), "creneau_indisponible");
    assert_eq!(m.nb_rdvs(), 2);
    assert_eq!(m.store.rdv(reserve(2).id).unwrap(), Some(reserve(2)));
    assert!(m.store.verifier().unwrap().saine());
}

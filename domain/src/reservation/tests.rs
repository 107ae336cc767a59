use super::*;
use crate::consultation::TypeConsultation::{Presentiel, Teleconsultation};
use crate::disponibilite::{Motif, Occupations};
use crate::essais::{STRUCTURE, agenda, creneau, regle, t};
use crate::horaires::Jour;
use crate::reglages::{PolitiqueAnnulationTardive, Reglages, ReglagesBruts};
use crate::temps::DureeMinutes;

/// Monday mornings 09:00–12:00 Paris, présentiel; Monday 14:00–15:00 téléconsultation; one rdv at
/// 10:00–10:30 on 2026-12-07, an indisponibilité 11:00–12:00 that day; a 45-minute motif.
fn cabinet() -> Agenda {
    let mut a = agenda(
        "Europe/Paris",
        vec![
            regle(Jour::Lundi, (9, 0), (12, 0), &[Presentiel]),
            regle(Jour::Lundi, (14, 0), (15, 0), &[Teleconsultation]),
        ],
    );
    a.occupes = Occupations::new(vec![creneau("2026-12-07T09:00:00Z", "2026-12-07T09:30:00Z")]);
    a.indisponibilites = vec![creneau("2026-12-07T10:00:00Z", "2026-12-07T11:00:00Z")];
    a.motifs.push(Motif {
        code: "premiere".into(),
        libelle: "Première consultation".into(),
        specialite: Specialite::MEDECINE_GENERALE,
        duree_minutes: Some(DureeMinutes::new(45).unwrap()),
    });
    a
}

const NOW: &str = "2026-12-01T12:00:00Z";

fn demande(debut: &str) -> Reservation {
    Reservation {
        specialite: Specialite::MEDECINE_GENERALE,
        type_consultation: Presentiel,
        debut: t(debut),
        motif: None,
        origine: Origine::Plateforme,
    }
}

fn libre() -> SituationPatient {
    SituationPatient {
        connu: false,
        rdvs: Vec::new(),
    }
}

#[track_caller]
fn check(
    agenda: &Agenda,
    demande: &Reservation,
    patient: &SituationPatient,
    now: &str,
    attendu: Result<&str, &str>,
) {
    let obtenu = valider_reservation(agenda, demande, patient, t(now));
    match (&obtenu, attendu) {
        (Ok(c), Ok(fin)) => {
            assert_eq!(c.debut, demande.debut);
            assert_eq!(c.fin, t(fin));
            assert_eq!(c.structure_id, STRUCTURE);
        }
        (Err(e), Err(code)) => assert_eq!(e.code(), code, "{e}"),
        _ => panic!("got {obtenu:?}, expected {attendu:?}"),
    }
}

#[test]
fn a_free_creneau_is_accepted_with_its_end() {
    let a = cabinet();
    check(
        &a,
        &demande("2026-12-07T08:00:00Z"),
        &libre(),
        NOW,
        Ok("2026-12-07T08:30:00Z"),
    );
    let premiere = Reservation {
        motif: Some("premiere".into()),
        ..demande("2026-12-07T08:00:00Z")
    };
    check(&a, &premiere, &libre(), NOW, Ok("2026-12-07T08:45:00Z"));
}

#[test]
fn every_booking_code() {
    let a = cabinet();
    let pediatrie = Reservation {
        specialite: Specialite::parse("pediatrie").unwrap(),
        ..demande("2026-12-07T08:00:00Z")
    };
    check(&a, &pediatrie, &libre(), NOW, Err("specialite_inconnue"));
    let motif = Reservation {
        motif: Some("irm".into()),
        ..demande("2026-12-07T08:00:00Z")
    };
    check(&a, &motif, &libre(), NOW, Err("motif_inconnu"));
    let tele = Reservation {
        type_consultation: Teleconsultation,
        ..demande("2026-12-07T08:00:00Z")
    };
    check(&a, &tele, &libre(), NOW, Err("type_non_propose"));
    let presentiel_l_apres_midi = demande("2026-12-07T13:00:00Z");
    check(
        &a,
        &presentiel_l_apres_midi,
        &libre(),
        NOW,
        Err("type_non_propose"),
    );
    // Taken by a rdv, inside an indisponibilité, off the slot grid, outside the horaires.
    check(
        &a,
        &demande("2026-12-07T09:00:00Z"),
        &libre(),
        NOW,
        Err("creneau_indisponible"),
    );
    check(
        &a,
        &demande("2026-12-07T10:30:00Z"),
        &libre(),
        NOW,
        Err("creneau_indisponible"),
    );
    check(
        &a,
        &demande("2026-12-07T08:10:00Z"),
        &libre(),
        NOW,
        Err("creneau_indisponible"),
    );
    check(
        &a,
        &demande("2026-12-08T08:00:00Z"),
        &libre(),
        NOW,
        Err("creneau_indisponible"),
    );
    let pris = SituationPatient {
        connu: false,
        rdvs: vec![creneau("2026-12-07T08:15:00Z", "2026-12-07T08:45:00Z")],
    };
    check(
        &a,
        &demande("2026-12-07T08:00:00Z"),
        &pris,
        NOW,
        Err("patient_deja_pris"),
    );
    let mut connus = cabinet();
    connus.reglages = Reglages::new(ReglagesBruts {
        patients_connus_uniquement: true,
        ..Default::default()
    })
    .unwrap();
    check(
        &connus,
        &demande("2026-12-07T08:00:00Z"),
        &libre(),
        NOW,
        Err("patient_inconnu"),
    );
    let connu = SituationPatient {
        connu: true,
        rdvs: Vec::new(),
    };
    check(
        &connus,
        &demande("2026-12-07T08:00:00Z"),
        &connu,
        NOW,
        Ok("2026-12-07T08:30:00Z"),
    );
    // Past, and beyond the 90-day horizon.
    check(
        &a,
        &demande("2026-11-30T08:00:00Z"),
        &libre(),
        NOW,
        Err("hors_delai"),
    );
    check(
        &a,
        &demande("2027-03-08T08:00:00Z"),
        &libre(),
        NOW,
        Err("hors_delai"),
    );
}

#[test]
fn preavis_is_checked_to_the_second() {
    let mut a = cabinet();
    a.reglages = Reglages::new(ReglagesBruts {
        preavis_minutes: 60,
        ..Default::default()
    })
    .unwrap();
    let d = demande("2026-12-07T08:30:00Z");
    check(
        &a,
        &d,
        &libre(),
        "2026-12-07T07:30:00Z",
        Ok("2026-12-07T09:00:00Z"),
    );
    check(&a, &d, &libre(), "2026-12-07T07:30:01Z", Err("hors_delai"));
}

#[test]
fn hors_plateforme_ignores_preavis_and_takes_todays_started_creneaux() {
    let mut a = cabinet();
    a.reglages = Reglages::new(ReglagesBruts {
        preavis_minutes: 600,
        ..Default::default()
    })
    .unwrap();
    let walk_in = Reservation {
        origine: Origine::HorsPlateforme,
        ..demande("2026-12-07T08:00:00Z")
    };
    check(
        &a,
        &walk_in,
        &libre(),
        "2026-12-07T08:20:00Z",
        Ok("2026-12-07T08:30:00Z"),
    );
    check(&a, &walk_in, &libre(), "2026-12-07T23:30:00Z", Err("hors_delai"));
    // Still the horaires, the rdvs and the patient.
    let occupe = Reservation {
        origine: Origine::HorsPlateforme,
        ..demande("2026-12-07T09:00:00Z")
    };
    check(
        &a,
        &occupe,
        &libre(),
        "2026-12-07T09:10:00Z",
        Err("creneau_indisponible"),
    );
    let en_ligne = demande("2026-12-07T08:00:00Z");
    check(&a, &en_ligne, &libre(), "2026-12-07T07:00:00Z", Err("hors_delai"));
}

fn rdv(debut: &str, fin: &str) -> RdvActuel {
    RdvActuel {
        creneau: creneau(debut, fin),
        statut: Statut::Prevu,
    }
}

#[test]
fn a_move_frees_the_old_creneau_for_itself() {
    // The rdv 09:00–09:30 UTC moves half an hour earlier, then onto a créneau overlapping its own.
    let a = cabinet();
    let actuel = rdv("2026-12-07T09:00:00Z", "2026-12-07T09:30:00Z");
    let patient = SituationPatient {
        connu: false,
        rdvs: vec![actuel.creneau],
    };
    let ok = valider_deplacement(
        &a,
        &actuel,
        &demande("2026-12-07T08:30:00Z"),
        &patient,
        Auteur::Patient,
        t(NOW),
    )
    .unwrap();
    assert_eq!(
        (ok.creneau.debut, ok.ancien),
        (t("2026-12-07T08:30:00Z"), Statut::Annule)
    );
    // 45-minute créneaux lie 09:00, 09:45, 10:30… local: 09:45–10:30 overlaps the rdv's own 10:00–10:30.
    let long = Reservation {
        motif: Some("premiere".into()),
        ..demande("2026-12-07T08:45:00Z")
    };
    let ok = valider_deplacement(&a, &actuel, &long, &patient, Auteur::Patient, t(NOW)).unwrap();
    assert_eq!(ok.creneau.fin, t("2026-12-07T09:30:00Z"));
    // Without the exclusion the same request would be refused as overlapping.
    assert_eq!(
        valider_reservation(&a, &long, &patient, t(NOW))
            .unwrap_err()
            .code(),
        "creneau_indisponible"
    );
}

#[test]
fn a_late_move_follows_the_late_cancellation_policy() {
    let actuel = rdv("2026-12-07T09:00:00Z", "2026-12-07T09:30:00Z");
    let patient = SituationPatient {
        connu: false,
        rdvs: vec![actuel.creneau],
    };
    let veille = t("2026-12-06T12:00:00Z");
    let a = cabinet();
    let ok = valider_deplacement(
        &a,
        &actuel,
        &demande("2026-12-07T08:30:00Z"),
        &patient,
        Auteur::Patient,
        veille,
    )
    .unwrap();
    assert_eq!(ok.ancien, Statut::AnnuleTardivement);
    let mut refus = cabinet();
    refus.reglages = Reglages::new(ReglagesBruts {
        annulation_tardive: PolitiqueAnnulationTardive::Refusee,
        ..Default::default()
    })
    .unwrap();
    let err = valider_deplacement(
        &refus,
        &actuel,
        &demande("2026-12-07T08:30:00Z"),
        &patient,
        Auteur::Patient,
        veille,
    );
    assert_eq!(err.unwrap_err().code(), "annulation_tardive_refusee");
    let ok = valider_deplacement(
        &refus,
        &actuel,
        &demande("2026-12-07T08:30:00Z"),
        &patient,
        Auteur::Personnel,
        veille,
    );
    assert_eq!(ok.unwrap().ancien, Statut::Annule);
}

#[test]
fn only_a_prevu_rdv_moves_and_the_new_creneau_obeys_the_booking_rules() {
    let a = cabinet();
    let mut honore = rdv("2026-12-07T09:00:00Z", "2026-12-07T09:30:00Z");
    honore.statut = Statut::Honore;
    let err = valider_deplacement(
        &a,
        &honore,
        &demande("2026-12-07T08:30:00Z"),
        &libre(),
        Auteur::Praticien,
        t(NOW),
    );
    assert_eq!(err.unwrap_err().code(), "transition_invalide");
    let actuel = rdv("2026-12-07T08:00:00Z", "2026-12-07T08:30:00Z");
    let err = valider_deplacement(
        &a,
        &actuel,
        &demande("2026-12-07T09:00:00Z"),
        &libre(),
        Auteur::Patient,
        t(NOW),
    );
    assert_eq!(err.unwrap_err().code(), "creneau_indisponible");
}

#[test]
fn reservation_json_uses_the_api_names() {
    let json =
        r#"{"specialite":"medecine_generale","type":"teleconsultation","debut":"2026-12-07T14:00:00+01:00"}"#;
    let r: Reservation = serde_json::from_str(json).unwrap();
    assert_eq!(r.debut, t("2026-12-07T13:00:00Z"));
    assert_eq!(
        (r.type_consultation, r.origine),
        (Teleconsultation, Origine::Plateforme)
    );
    check(&cabinet(), &r, &libre(), NOW, Ok("2026-12-07T13:30:00Z"));
}

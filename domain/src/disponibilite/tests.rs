use super::*;
use crate::consultation::TypeConsultation::{Presentiel, Teleconsultation};
use crate::essais::{STRUCTURE, agenda, creneau, regle, t};
use crate::horaires::Jour;
use crate::reglages::ReglagesBruts;

/// The local `HH:MM` starts of the free créneaux in `[debut, fin)`, in `fuseau`.
#[track_caller]
fn heures(agenda: &Agenda, debut: &str, fin: &str, recherche: &Recherche, now: &str) -> Vec<String> {
    let fuseau = agenda.lieux[0].fuseau;
    creneaux_libres(agenda, creneau(debut, fin), recherche, t(now))
        .unwrap()
        .iter()
        .map(|c| fuseau.local(c.debut).format("%H:%M").to_string())
        .collect()
}

#[track_caller]
fn check(agenda: &Agenda, jour: &str, attendu: &[&str]) {
    let debut = format!("{jour}T00:00:00Z");
    let fin = format!("{}T00:00:00Z", t(&debut).date_naive().succ_opt().unwrap());
    // A day in UTC may miss early local hours east of Greenwich: widen by a day each side, keep the date.
    let large_debut = (t(&debut) - Duration::days(1)).to_rfc3339();
    let large_fin = (t(&fin) + Duration::days(1)).to_rfc3339();
    let fuseau = agenda.lieux[0].fuseau;
    let now = t(&debut) - Duration::days(2);
    let obtenu: Vec<String> = creneaux_libres(
        agenda,
        creneau(&large_debut, &large_fin),
        &Recherche::default(),
        now,
    )
    .unwrap()
    .iter()
    .filter(|c| fuseau.local(c.debut).date().to_string() == jour)
    .map(|c| fuseau.local(c.debut).format("%H:%M").to_string())
    .collect();
    assert_eq!(obtenu, attendu, "{jour}");
}

fn nuit_du_dimanche(fuseau: &str) -> Agenda {
    let mut a = agenda(fuseau, vec![regle(Jour::Dimanche, (1, 0), (4, 0), &[Presentiel])]);
    a.reglages = Reglages::new(ReglagesBruts {
        horizon_jours: 730,
        ..Default::default()
    })
    .unwrap();
    a
}

#[test]
fn spring_forward_paris_skips_the_missing_hour() {
    let a = nuit_du_dimanche("Europe/Paris");
    check(&a, "2026-03-29", &["01:00", "01:30", "03:00", "03:30"]);
    check(&a, "2027-03-28", &["01:00", "01:30", "03:00", "03:30"]);
}

#[test]
fn spring_forward_instants_are_real_half_hours() {
    let a = nuit_du_dimanche("Europe/Paris");
    let libres = creneaux_libres(
        &a,
        creneau("2027-03-27T12:00:00Z", "2027-03-28T12:00:00Z"),
        &Recherche::default(),
        t("2027-01-01T00:00:00Z"),
    )
    .unwrap();
    let debuts: Vec<_> = libres.iter().map(|c| c.debut).collect();
    assert_eq!(
        debuts,
        [
            t("2027-03-28T00:00:00Z"),
            t("2027-03-28T00:30:00Z"),
            t("2027-03-28T01:00:00Z"),
            t("2027-03-28T01:30:00Z")
        ]
    );
    assert!(libres.iter().all(|c| c.fin - c.debut == Duration::minutes(30)));
}

#[test]
fn fall_back_paris_never_gives_overlapping_creneaux() {
    let a = nuit_du_dimanche("Europe/Paris");
    for jour in ["2026-10-25", "2027-10-31"] {
        // 02:00 and 02:30 exist twice: their first occurrence only.
        check(&a, jour, &["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]);
        let minuit = t(&format!("{jour}T00:00:00Z"));
        let nuit = Creneau::new(minuit - Duration::hours(6), minuit + Duration::hours(6)).unwrap();
        let libres = creneaux_libres(&a, nuit, &Recherche::default(), t("2026-01-01T00:00:00Z")).unwrap();
        assert_eq!(libres.len(), 6);
        for paire in libres.windows(2) {
            assert!(paire[0].fin <= paire[1].debut, "{paire:?}");
        }
        assert!(libres.iter().all(|c| c.fin - c.debut == Duration::minutes(30)));
    }
}

#[test]
fn forty_five_minute_slots_across_spring_forward_stay_inside_the_rule() {
    let mut a = nuit_du_dimanche("Europe/Paris");
    a.durees.push(DureeConsultation {
        specialite: Specialite::MEDECINE_GENERALE,
        type_consultation: Presentiel,
        duree_minutes: DureeMinutes::new(45).unwrap(),
    });
    // Wall clock 01:00, 01:45, (02:30 missing), 03:15: 01:45 CET lasts until 03:30 CEST, so 03:15 would
    // overlap it and is dropped; every slot lasts 45 real minutes and ends by 04:00 CEST.
    check(&a, "2027-03-28", &["01:00", "01:45"]);
    check(&a, "2027-10-31", &["01:00", "01:45", "02:30", "03:15"]);
}

#[test]
fn reunion_has_no_dst_change() {
    let a = nuit_du_dimanche("Indian/Reunion");
    check(
        &a,
        "2027-03-28",
        &["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"],
    );
    check(
        &a,
        "2027-10-31",
        &["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"],
    );
}

#[test]
fn no_horaires_means_monday_to_friday_8_to_19() {
    let a = agenda("Europe/Paris", Vec::new());
    let attendu: Vec<String> = (0..22)
        .map(|i| format!("{:02}:{:02}", 8 + i / 2, if i % 2 == 0 { 0 } else { 30 }))
        .collect();
    let attendu: Vec<&str> = attendu.iter().map(String::as_str).collect();
    check(&a, "2026-12-07", &attendu);
    check(&a, "2026-12-11", &attendu);
    check(&a, "2026-12-12", &[]);
    check(&a, "2026-12-13", &[]);
}

#[test]
fn busy_rdvs_and_indisponibilites_remove_what_they_overlap() {
    let mut a = agenda(
        "Europe/Paris",
        vec![regle(Jour::Lundi, (9, 0), (12, 0), &[Presentiel])],
    );
    // 09:30–10:15 local (a 45-minute motif) takes 09:30 and 10:00; an indisponibilité 11:00–11:10
    // takes 11:00.
    a.occupes = Occupations::new(vec![creneau("2026-12-07T08:30:00Z", "2026-12-07T09:15:00Z")]);
    a.indisponibilites = vec![creneau("2026-12-07T10:00:00Z", "2026-12-07T10:10:00Z")];
    check(&a, "2026-12-07", &["09:00", "10:30", "11:30"]);
    check(
        &a,
        "2026-12-14",
        &["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"],
    );
}

#[test]
fn a_long_indisponibilite_covers_whole_days() {
    let mut a = agenda("Europe/Paris", Vec::new());
    a.indisponibilites = vec![creneau("2026-12-06T23:00:00Z", "2026-12-09T23:00:00Z")];
    check(&a, "2026-12-08", &[]);
    check(&a, "2026-12-09", &[]);
    assert_eq!(
        heures(
            &a,
            "2026-12-10T00:00:00Z",
            "2026-12-10T09:00:00Z",
            &Recherche::default(),
            "2026-12-01T00:00:00Z"
        ),
        ["08:00", "08:30", "09:00", "09:30"]
    );
}

#[test]
fn preavis_and_horizon_bound_online_bookings() {
    let mut a = agenda("Europe/Paris", Vec::new());
    a.reglages = Reglages::new(ReglagesBruts {
        preavis_minutes: 120,
        horizon_jours: 7,
        ..Default::default()
    })
    .unwrap();
    let jour = ("2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z");
    // Now is 09:10 local: with two hours' notice the first créneau is 11:30.
    let libres = heures(&a, jour.0, jour.1, &Recherche::default(), "2026-12-07T08:10:00Z");
    assert_eq!(libres.first().map(String::as_str), Some("11:30"));
    // Hors plateforme: today's past créneaux too, from 08:00.
    let hors = Recherche {
        origine: Origine::HorsPlateforme,
        ..Default::default()
    };
    assert_eq!(
        heures(&a, jour.0, jour.1, &hors, "2026-12-07T08:10:00Z")
            .first()
            .map(String::as_str),
        Some("08:00")
    );
    // Yesterday stays closed even hors plateforme.
    assert!(heures(&a, jour.0, jour.1, &hors, "2026-12-08T08:10:00Z").is_empty());
    // Seven days ahead at 09:10 local: 08:00 and 08:30 and 09:00 are in, 09:30 is not.
    assert_eq!(
        heures(
            &a,
            "2026-12-14T00:00:00Z",
            "2026-12-15T00:00:00Z",
            &Recherche::default(),
            "2026-12-07T08:10:00Z"
        ),
        ["08:00", "08:30", "09:00"]
    );
}

#[test]
fn validity_period_limits_a_rule() {
    let mut r = regle(Jour::Lundi, (14, 0), (15, 0), &[Presentiel]);
    r.valable_du = Some("2026-12-14".parse().unwrap());
    r.valable_au = Some("2026-12-21".parse().unwrap());
    let a = agenda("Europe/Paris", vec![r]);
    check(&a, "2026-12-07", &[]);
    check(&a, "2026-12-14", &["14:00", "14:30"]);
    check(&a, "2026-12-21", &["14:00", "14:30"]);
    check(&a, "2026-12-28", &[]);
}

#[test]
fn type_specialite_and_motif_choose_the_rules_and_the_length() {
    let cardio = Specialite::parse("cardiologie").unwrap();
    let mut tele = regle(Jour::Mardi, (18, 0), (19, 0), &[Teleconsultation]);
    tele.specialites = Some(vec![cardio]);
    let mut a = agenda(
        "Europe/Paris",
        vec![regle(Jour::Lundi, (9, 0), (10, 0), &[Presentiel]), tele],
    );
    a.specialites.push(cardio);
    a.motifs.push(Motif {
        code: "bilan".into(),
        libelle: "Bilan cardiologique".into(),
        specialite: cardio,
        duree_minutes: Some(DureeMinutes::new(60).unwrap()),
    });
    let (debut, fin, now) = (
        "2026-12-07T00:00:00Z",
        "2026-12-09T00:00:00Z",
        "2026-12-01T00:00:00Z",
    );
    let teleconsultation = |specialite, motif: Option<&str>| Recherche {
        specialite,
        type_consultation: Teleconsultation,
        motif: motif.map(str::to_owned),
        origine: Origine::Plateforme,
    };
    assert_eq!(
        heures(&a, debut, fin, &Recherche::default(), now),
        ["09:00", "09:30"]
    );
    assert!(heures(&a, debut, fin, &teleconsultation(None, None), now).is_empty());
    assert_eq!(
        heures(&a, debut, fin, &teleconsultation(Some(cardio), None), now),
        ["18:00", "18:30"]
    );
    // The motif implies cardiologie and lasts an hour.
    assert_eq!(
        heures(&a, debut, fin, &teleconsultation(None, Some("bilan")), now),
        ["18:00"]
    );
    let err = |r: &Recherche| {
        creneaux_libres(&a, creneau(debut, fin), r, t(now))
            .unwrap_err()
            .code()
    };
    assert_eq!(err(&teleconsultation(None, Some("inconnu"))), "motif_inconnu");
    assert_eq!(
        err(&teleconsultation(
            Some(Specialite::MEDECINE_GENERALE),
            Some("bilan")
        )),
        "motif_inconnu"
    );
    assert_eq!(
        err(&teleconsultation(
            Some(Specialite::parse("pediatrie").unwrap()),
            None
        )),
        "specialite_inconnue"
    );
}

#[test]
fn offered_creneaux_count_every_slot_once_booked_or_not_outside_periods_off() {
    let mut a = agenda(
        "Europe/Paris",
        vec![
            regle(Jour::Lundi, (9, 0), (12, 0), &[Presentiel, Teleconsultation]),
            regle(Jour::Mardi, (14, 0), (15, 0), &[Teleconsultation]),
        ],
    );
    let semaine = creneau("2026-12-06T23:00:00Z", "2026-12-13T23:00:00Z");
    // Monday 6 half hours (a rule open to both types counts once), Tuesday 2.
    assert_eq!(creneaux_offerts(&a, semaine), Ok(8));
    // A booked créneau is still offered; a period off is not.
    a.occupes = Occupations::new(vec![creneau("2026-12-07T08:00:00Z", "2026-12-07T08:30:00Z")]);
    a.indisponibilites = vec![creneau("2026-12-08T13:00:00Z", "2026-12-08T14:00:00Z")];
    assert_eq!(creneaux_offerts(&a, semaine), Ok(6));
    assert_eq!(
        creneaux_offerts(&a, creneau("2026-12-01T00:00:00Z", "2027-01-02T00:00:00Z")),
        Err(DisponibiliteInvalide::FenetreTropLongue)
    );
}

#[test]
fn window_is_at_most_31_days() {
    let a = agenda("Europe/Paris", Vec::new());
    let now = t("2026-12-01T00:00:00Z");
    let ok = creneaux_libres(
        &a,
        creneau("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        &Recherche::default(),
        now,
    );
    assert!(ok.is_ok());
    let trop = creneaux_libres(
        &a,
        creneau("2026-12-01T00:00:00Z", "2027-01-01T00:00:01Z"),
        &Recherche::default(),
        now,
    );
    assert_eq!(trop.unwrap_err().code(), "fenetre_trop_longue");
}

#[test]
fn horaires_at_an_unknown_structure_are_an_incoherent_agenda() {
    let mut a = agenda(
        "Europe/Paris",
        vec![regle(Jour::Lundi, (9, 0), (10, 0), &[Presentiel])],
    );
    a.lieux[0].structure_id = StructureId(uuid::Uuid::from_u128(99));
    let r = creneaux_libres(
        &a,
        creneau("2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z"),
        &Recherche::default(),
        t("2026-12-01T00:00:00Z"),
    );
    assert_eq!(r.unwrap_err().code(), "agenda_incoherent");
    assert_eq!(STRUCTURE, StructureId(uuid::Uuid::from_u128(1)));
}

#[test]
fn history_outside_the_window_changes_nothing() {
    let mut a = agenda("Europe/Paris", Vec::new());
    let fenetre = creneau("2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z");
    let now = t("2026-11-30T00:00:00Z");
    let sans = creneaux_libres(&a, fenetre, &Recherche::default(), now).unwrap();
    let debut = t("2020-01-01T08:00:00Z");
    a.occupes = Occupations::new(
        (0..50_000)
            .map(|i| Creneau::depuis(debut + Duration::hours(i), DureeMinutes::DEFAUT))
            .collect(),
    );
    assert_eq!(
        creneaux_libres(&a, fenetre, &Recherche::default(), now).unwrap(),
        sans
    );
}

#[test]
fn agenda_round_trips_through_json() {
    let mut a = agenda(
        "Indian/Reunion",
        vec![regle(
            Jour::Dimanche,
            (1, 0),
            (4, 0),
            &[Presentiel, Teleconsultation],
        )],
    );
    a.occupes = Occupations::new(vec![creneau("2026-12-07T08:30:00Z", "2026-12-07T09:15:00Z")]);
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<Agenda>(&json).unwrap(), a);
}

mod proprietes;

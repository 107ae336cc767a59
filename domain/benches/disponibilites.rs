//! Availability of one praticien over 31 days across the October DST change, with 150 rdvs and a few
//! indisponibilités in the window; then the same with 1 000 000 rdvs of history outside it.
//! `cargo bench -p domain --bench disponibilites`; figures go to BENCHMARKS.md.

// A benchmark's fixed inputs: a failed `expect` is a broken bench, said in its message.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use chrono::{DateTime, Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use domain::disponibilite::{Agenda, Occupations, Recherche, creneaux_libres};
use domain::temps::{Creneau, DureeMinutes};

const DEBUT: &str = "2026-10-12T00:00:00Z";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant du banc")
}

/// A généraliste in Paris, Monday to Friday 08:00–12:00 and 14:00–19:00, Saturday 09:00–12:00.
fn agenda() -> Agenda {
    let mut regles = Vec::new();
    for jour in ["lundi", "mardi", "mercredi", "jeudi", "vendredi"] {
        for (debut, fin) in [("08:00", "12:00"), ("14:00", "19:00")] {
            regles.push(serde_json::json!({"jour": jour, "debut": debut, "fin": fin,
                "structure_id": "00000000-0000-0000-0000-000000000001", "types": ["presentiel", "teleconsultation"]}));
        }
    }
    regles.push(
        serde_json::json!({"jour": "samedi", "debut": "09:00", "fin": "12:00",
        "structure_id": "00000000-0000-0000-0000-000000000001", "types": ["presentiel"]}),
    );
    serde_json::from_value(serde_json::json!({
        "specialites": ["medecine_generale"],
        "lieux": [{"structure_id": "00000000-0000-0000-0000-000000000001", "fuseau": "Europe/Paris"}],
        "horaires": regles,
        "indisponibilites": [
            {"debut": "2026-10-14T06:00:00Z", "fin": "2026-10-14T10:00:00Z"},
            {"debut": "2026-10-22T00:00:00Z", "fin": "2026-10-24T00:00:00Z"},
            {"debut": "2026-11-05T12:00:00Z", "fin": "2026-11-05T18:00:00Z"}
        ]
    }))
    .expect("agenda du banc")
}

/// 150 half-hour rdvs spread over the window's working hours.
fn rdvs_du_mois() -> Vec<Creneau> {
    (0..150)
        .map(|i| {
            let jour = t(DEBUT) + Duration::days(i % 31);
            Creneau::depuis(
                jour + Duration::hours(7) + Duration::minutes(30 * (i / 31) * 3),
                DureeMinutes::DEFAUT,
            )
        })
        .collect()
}

/// A million half-hour rdvs over the years before the window.
fn historique() -> Vec<Creneau> {
    let debut = t(DEBUT) - Duration::minutes(30 * 1_000_001);
    (0..1_000_000)
        .map(|i| Creneau::depuis(debut + Duration::minutes(30 * i), DureeMinutes::DEFAUT))
        .collect()
}

fn bench(c: &mut Criterion) {
    let fenetre = Creneau::new(t(DEBUT), t(DEBUT) + Duration::days(31)).expect("fenêtre");
    let now = t(DEBUT) - Duration::days(1);
    let recherche = Recherche::default();

    let mut mois = agenda();
    mois.occupes = Occupations::new(rdvs_du_mois());
    let attendu = creneaux_libres(&mois, fenetre, &recherche, now).expect("créneaux");
    assert!(attendu.len() > 300, "{} créneaux", attendu.len());

    let mut avec_historique = mois.clone();
    let mut tous = historique();
    tous.extend(rdvs_du_mois());
    avec_historique.occupes = Occupations::new(tous);
    assert_eq!(
        creneaux_libres(&avec_historique, fenetre, &recherche, now).expect("créneaux"),
        attendu
    );

    let mut groupe = c.benchmark_group("disponibilites_31_jours");
    groupe.bench_function("150_rdvs", |b| {
        b.iter(|| creneaux_libres(black_box(&mois), fenetre, &recherche, now))
    });
    groupe.bench_function("150_rdvs_et_1M_historique", |b| {
        b.iter(|| creneaux_libres(black_box(&avec_historique), fenetre, &recherche, now))
    });
    groupe.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

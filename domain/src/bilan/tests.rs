use chrono::NaiveDate;

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn c(date: &str, statut: Statut, type_consultation: TypeConsultation, montant: Option<u32>) -> Consultation {
    Consultation {
        date: d(date),
        specialite: Specialite::MEDECINE_GENERALE,
        type_consultation,
        statut,
        montant_centimes: montant,
    }
}

use TypeConsultation::{Presentiel as P, Teleconsultation as T};

fn journee() -> Vec<Consultation> {
    vec![
        c("2026-03-02", Statut::Honore, P, None),
        c("2026-03-02", Statut::Paye, P, Some(3000)),
        c("2026-03-02", Statut::Transmis, T, Some(2500)),
        c("2026-03-02", Statut::NonHonore, P, None),
        c("2026-03-02", Statut::AnnuleTardivement, T, None),
        c("2026-03-02", Statut::Prevu, P, None),
    ]
}

fn compte(b: &[(Statut, Compteur)], s: Statut) -> Compteur {
    b.iter().find(|(x, _)| *x == s).map(|(_, n)| *n).unwrap()
}

#[test]
fn a_bilan_counts_and_sums_per_statut_type_and_specialite() {
    let mut rdvs = journee();
    rdvs.push(Consultation {
        specialite: Specialite::parse("pediatrie").unwrap(),
        ..c("2026-03-02", Statut::Paye, T, Some(4600))
    });
    let b = bilan(&rdvs);
    assert_eq!(
        b.total,
        Compteur {
            nombre: 7,
            montant_centimes: 10_100
        }
    );
    assert_eq!(
        b.par_statut.len(),
        Statut::TOUS.len(),
        "every statut listed, zeros included"
    );
    assert_eq!(
        compte(&b.par_statut, Statut::Paye),
        Compteur {
            nombre: 2,
            montant_centimes: 7600
        }
    );
    assert_eq!(
        compte(&b.par_statut, Statut::Transmis),
        Compteur {
            nombre: 1,
            montant_centimes: 2500
        }
    );
    assert_eq!(compte(&b.par_statut, Statut::Annule), Compteur::default());
    assert_eq!(
        b.par_type,
        vec![
            (
                P,
                Compteur {
                    nombre: 4,
                    montant_centimes: 3000
                }
            ),
            (
                T,
                Compteur {
                    nombre: 3,
                    montant_centimes: 7100
                }
            ),
        ]
    );
    let codes: Vec<&str> = b.par_specialite.iter().map(|(s, _)| s.code()).collect();
    let mut triés = codes.clone();
    triés.sort_unstable();
    assert_eq!(codes, triés, "by code");
    assert_eq!(b.par_specialite.len(), 2);
    assert_eq!(
        b.honores_non_payes,
        Compteur {
            nombre: 1,
            montant_centimes: 0
        }
    );
    assert_eq!(
        b.payes_non_transmis,
        Compteur {
            nombre: 2,
            montant_centimes: 7600
        }
    );
}

#[test]
fn an_empty_period_gives_zeros_everywhere() {
    let b = bilan(&[]);
    assert_eq!(b.total, Compteur::default());
    assert!(b.par_statut.iter().all(|(_, n)| *n == Compteur::default()));
    assert!(b.par_specialite.is_empty());
}

#[track_caller]
fn check_periode(debut: &str, fin: &str, attendu: Result<(), PeriodeInvalide>) {
    assert_eq!(
        Periode::new(d(debut), d(fin)).map(|_| ()),
        attendu,
        "{debut}..{fin}"
    );
}

#[test]
fn a_period_is_one_day_to_a_year() {
    check_periode("2026-03-02", "2026-03-02", Ok(()));
    check_periode("2026-01-01", "2026-12-31", Ok(()));
    check_periode("2028-01-01", "2028-12-31", Ok(()));
    check_periode("2026-01-01", "2027-01-01", Ok(()));
    check_periode("2026-01-01", "2027-01-02", Err(PeriodeInvalide::TropLongue));
    check_periode("2026-03-02", "2026-03-01", Err(PeriodeInvalide::FinAvantDebut));
    assert_eq!(PeriodeInvalide::TropLongue.code(), "periode_trop_longue");
}

#[track_caller]
fn check_decoupe(debut: &str, fin: &str, pas: Pas, attendu: &[(&str, &str)]) {
    let points = Periode::new(d(debut), d(fin)).unwrap().decouper(pas);
    let vus: Vec<(String, String)> = points
        .iter()
        .map(|p| (p.debut.to_string(), p.fin.to_string()))
        .collect();
    let attendus: Vec<(String, String)> = attendu
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(vus, attendus, "{debut}..{fin} {pas:?}");
}

#[test]
fn a_series_is_cut_on_calendar_days_weeks_and_months() {
    check_decoupe(
        "2026-03-02",
        "2026-03-04",
        Pas::Jour,
        &[
            ("2026-03-02", "2026-03-02"),
            ("2026-03-03", "2026-03-03"),
            ("2026-03-04", "2026-03-04"),
        ],
    );
    // 2026-03-04 is a Wednesday: the first week is cut, then Monday to Sunday.
    check_decoupe(
        "2026-03-04",
        "2026-03-18",
        Pas::Semaine,
        &[
            ("2026-03-04", "2026-03-08"),
            ("2026-03-09", "2026-03-15"),
            ("2026-03-16", "2026-03-18"),
        ],
    );
    check_decoupe(
        "2026-01-15",
        "2026-03-10",
        Pas::Mois,
        &[
            ("2026-01-15", "2026-01-31"),
            ("2026-02-01", "2026-02-28"),
            ("2026-03-01", "2026-03-10"),
        ],
    );
    check_decoupe(
        "2028-02-01",
        "2028-02-29",
        Pas::Mois,
        &[("2028-02-01", "2028-02-29")],
    );
    check_decoupe(
        "2026-12-28",
        "2027-01-03",
        Pas::Semaine,
        &[("2026-12-28", "2027-01-03")],
    );
}

#[test]
fn a_series_counts_each_rdv_in_its_point_and_rates_the_filling() {
    let periode = Periode::new(d("2026-03-02"), d("2026-03-03")).unwrap();
    let points = periode.decouper(Pas::Jour);
    let mut rdvs = journee();
    rdvs.push(c("2026-03-03", Statut::Annule, P, None));
    rdvs.push(c("2026-03-03", Statut::Paye, P, Some(2650)));
    rdvs.push(c("2026-03-05", Statut::Paye, P, Some(99_999)));
    let serie = statistiques(&points, &[20, 0], &rdvs);
    assert_eq!(serie.len(), 2);
    let lundi = serie[0];
    assert_eq!(
        (
            lundi.rdvs,
            lundi.honores,
            lundi.non_honores,
            lundi.annulations,
            lundi.annulations_tardives
        ),
        (6, 3, 1, 0, 1)
    );
    assert_eq!(lundi.reserves, 5);
    assert_eq!(lundi.chiffre_affaires_centimes, 5500);
    assert_eq!(lundi.taux_remplissage(), Some(0.25));
    let mardi = serie[1];
    assert_eq!((mardi.rdvs, mardi.annulations, mardi.reserves), (2, 1, 1));
    assert_eq!(
        mardi.chiffre_affaires_centimes, 2650,
        "the rdv outside the period is not counted"
    );
    assert_eq!(mardi.taux_remplissage(), None, "nothing offered, no rate");
}

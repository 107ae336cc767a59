//! Properties of availability over random horaires, rdvs, indisponibilités, windows and "now", across
//! the DST changes of 2026 and 2027.

use proptest::prelude::*;

use super::*;
use crate::essais::{STRUCTURE, agenda};
use crate::horaires::{Heure, RegleHoraire};
use crate::reservation::{Reservation, SituationPatient, valider_reservation};

const FUSEAUX: [&str; 3] = ["Europe/Paris", "Indian/Reunion", "America/Martinique"];
const JOURS: [Jour; 7] = [
    Jour::Lundi,
    Jour::Mardi,
    Jour::Mercredi,
    Jour::Jeudi,
    Jour::Vendredi,
    Jour::Samedi,
    Jour::Dimanche,
];
const DUREES: [u32; 6] = [10, 15, 20, 30, 45, 60];
/// Window starts near the DST changes of 2026 and 2027, and elsewhere.
const ANCRES: [&str; 5] = [
    "2026-03-22T00:00:00Z",
    "2026-10-18T00:00:00Z",
    "2027-03-21T00:00:00Z",
    "2027-10-24T00:00:00Z",
    "2026-06-01T00:00:00Z",
];

fn une_regle() -> impl Strategy<Value = RegleHoraire> {
    (
        0..7usize,
        0..23u32,
        prop::sample::select(vec![0u32, 15, 30, 45]),
        1..=8u32,
        0..3usize,
    )
        .prop_map(|(jour, h, m, longueur_h, types)| {
            let fin_h = (h + longueur_h).min(23);
            let fin = if fin_h <= h {
                Heure::hm(23, 59)
            } else {
                Heure::hm(fin_h, m)
            };
            RegleHoraire {
                jour: JOURS[jour],
                debut: Heure::hm(h, m).unwrap(),
                fin: fin.unwrap(),
                structure_id: STRUCTURE,
                types: match types {
                    0 => vec![TypeConsultation::Presentiel],
                    1 => vec![TypeConsultation::Teleconsultation],
                    _ => TypeConsultation::TOUS.to_vec(),
                },
                specialites: None,
                valable_du: None,
                valable_au: None,
            }
        })
}

/// Offsets in minutes from the window start, and lengths in minutes.
fn intervalles(n: usize, longueurs: Vec<i64>) -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec(
        (-600..(32 * 24 * 60) as i64, prop::sample::select(longueurs)),
        0..n,
    )
}

#[derive(Debug, Clone)]
struct Cas {
    agenda: Agenda,
    fenetre: Creneau,
    now: DateTime<Utc>,
    recherche: Recherche,
}

fn un_cas() -> impl Strategy<Value = Cas> {
    (
        prop::sample::select(FUSEAUX.to_vec()),
        prop::collection::vec(une_regle(), 1..5),
        prop::sample::select(DUREES.to_vec()),
        (
            prop::sample::select(ANCRES.to_vec()),
            0..(10 * 24 * 60) as i64,
            1..=(31 * 24) as i64,
        ),
        -(3 * 24 * 60)..(10 * 24 * 60) as i64,
        (0..=300u32, 1..=60u16),
        intervalles(40, vec![15, 30, 45, 60, 90]),
        intervalles(3, vec![60, 6 * 60, 3 * 24 * 60]),
        any::<bool>(),
    )
        .prop_filter_map(
            "rules must not overlap",
            |(
                fuseau,
                regles,
                duree,
                (ancre, decalage, heures),
                now_min,
                (preavis, horizon),
                rdvs,
                indispos,
                tele,
            )| {
                let mut a = agenda(fuseau, Vec::new());
                a.horaires = Horaires::new(regles).ok()?;
                a.reglages = Reglages::new(ReglagesBruts {
                    preavis_minutes: preavis,
                    horizon_jours: horizon,
                    ..Default::default()
                })
                .ok()?;
                let type_consultation = if tele {
                    TypeConsultation::Teleconsultation
                } else {
                    TypeConsultation::Presentiel
                };
                a.durees.push(DureeConsultation {
                    specialite: Specialite::MEDECINE_GENERALE,
                    type_consultation,
                    duree_minutes: DureeMinutes::new(duree).ok()?,
                });
                let debut = t(ancre) + Duration::minutes(decalage);
                let fenetre = Creneau::new(debut, debut + Duration::hours(heures)).ok()?;
                let intervalle = |(de, long): (i64, i64)| {
                    Creneau::new(
                        debut + Duration::minutes(de),
                        debut + Duration::minutes(de + long),
                    )
                    .ok()
                };
                a.occupes = Occupations::new(rdvs.into_iter().filter_map(intervalle).collect());
                a.indisponibilites = indispos.into_iter().filter_map(intervalle).collect();
                let recherche = Recherche {
                    type_consultation,
                    ..Default::default()
                };
                Some(Cas {
                    agenda: a,
                    fenetre,
                    now: debut + Duration::minutes(now_min),
                    recherche,
                })
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn free_creneaux_never_overlap_each_other_and_last_their_duration(cas in un_cas()) {
        let libres = creneaux_libres(&cas.agenda, cas.fenetre, &cas.recherche, cas.now).unwrap();
        let duree = cas.agenda.durees[0].duree_minutes.duree();
        for c in &libres {
            prop_assert_eq!(c.fin - c.debut, duree);
            prop_assert!(cas.fenetre.contient(c.debut));
        }
        for paire in libres.windows(2) {
            prop_assert!(paire[0].fin <= paire[1].debut, "{:?}", paire);
        }
    }

    #[test]
    fn no_free_creneau_overlaps_a_rdv_or_an_indisponibilite(cas in un_cas()) {
        let libres = creneaux_libres(&cas.agenda, cas.fenetre, &cas.recherche, cas.now).unwrap();
        let occupes = cas.agenda.occupes.tous();
        for c in &libres {
            let c = c.creneau();
            prop_assert!(!occupes.iter().any(|o| o.chevauche(&c)), "{:?} overlaps a rdv", c);
            prop_assert!(!cas.agenda.indisponibilites.iter().any(|i| i.chevauche(&c)), "{:?} in an indisponibilité", c);
        }
    }

    #[test]
    fn free_creneaux_respect_preavis_and_horizon(cas in un_cas()) {
        let libres = creneaux_libres(&cas.agenda, cas.fenetre, &cas.recherche, cas.now).unwrap();
        for c in &libres {
            prop_assert!(c.debut >= cas.now + cas.agenda.reglages.preavis());
            prop_assert!(c.debut < cas.now + cas.agenda.reglages.horizon());
        }
    }

    #[test]
    fn every_free_creneau_passes_booking_validation(cas in un_cas()) {
        let libres = creneaux_libres(&cas.agenda, cas.fenetre, &cas.recherche, cas.now).unwrap();
        let patient = SituationPatient { connu: true, rdvs: Vec::new() };
        for c in &libres {
            let demande = Reservation {
                specialite: c.specialite,
                type_consultation: c.type_consultation,
                debut: c.debut,
                motif: None,
                origine: Origine::Plateforme,
            };
            prop_assert_eq!(valider_reservation(&cas.agenda, &demande, &patient, cas.now), Ok(*c));
        }
    }

    #[test]
    fn a_booking_is_accepted_only_on_a_free_creneau(cas in un_cas(), minutes in 0..(31 * 24 * 12) as i64) {
        // Any start on the 5-minute grid of the window: accepted exactly when it is listed free.
        let debut = cas.fenetre.debut() + Duration::minutes(5 * minutes);
        prop_assume!(cas.fenetre.contient(debut));
        let libres = creneaux_libres(&cas.agenda, cas.fenetre, &cas.recherche, cas.now).unwrap();
        let demande = Reservation {
            specialite: Specialite::MEDECINE_GENERALE,
            type_consultation: cas.recherche.type_consultation,
            debut,
            motif: None,
            origine: Origine::Plateforme,
        };
        let verdict = valider_reservation(&cas.agenda, &demande, &SituationPatient { connu: true, rdvs: Vec::new() }, cas.now);
        prop_assert_eq!(verdict.is_ok(), libres.iter().any(|c| c.debut == debut), "{:?}", verdict);
    }
}

/// Guards the properties above against a generator that makes only trivial cases.
#[test]
fn the_generator_makes_cases_worth_checking() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut avec_creneaux, mut avec_conflits, total) = (0, 0, 200);
    for _ in 0..total {
        let cas = un_cas().new_tree(&mut runner).unwrap().current();
        let libres = creneaux_libres(&cas.agenda, cas.fenetre, &cas.recherche, cas.now).unwrap();
        let sans_rdv = Agenda {
            occupes: Occupations::default(),
            indisponibilites: Vec::new(),
            ..cas.agenda.clone()
        };
        let tous = creneaux_libres(&sans_rdv, cas.fenetre, &cas.recherche, cas.now).unwrap();
        avec_creneaux += usize::from(!libres.is_empty());
        avec_conflits += usize::from(tous.len() > libres.len());
    }
    assert!(
        avec_creneaux * 2 > total,
        "{avec_creneaux}/{total} cases have free créneaux"
    );
    assert!(
        avec_conflits * 5 > total,
        "{avec_conflits}/{total} cases have créneaux taken"
    );
}

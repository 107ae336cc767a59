//! The waiting list (DOMAIN.md "Liste d'attente"): which waiting patient is offered a freed créneau,
//! and what the hold of an offer does to availability.
//!
//! A freed créneau goes to the longest-waiting entry it suits: a free créneau of the praticien (the
//! very availability rules, [`creneaux_libres`]) of the entry's spécialité and type, starting in the
//! freed interval, on or before the entry's `avant` date (in the structure's time zone), that does not
//! overlap another rdv of the patient. While offered, the créneau is held: busy for everyone but its
//! holder ([`occupations_avec_offres`]), until the offer expires.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::Code;
use crate::consultation::{Origine, TypeConsultation};
use crate::disponibilite::{Agenda, CreneauLibre, Occupations, Recherche, creneaux_libres};
use crate::ids::PatientId;
use crate::specialite::Specialite;
use crate::temps::Creneau;

/// One patient waiting for an earlier créneau with a praticien.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attente {
    /// The entry's id.
    pub id: Uuid,
    /// Who waits.
    pub patient: PatientId,
    /// The spécialité wanted.
    pub specialite: Specialite,
    /// The type wanted.
    #[serde(rename = "type")]
    pub type_consultation: TypeConsultation,
    /// The latest acceptable date (inclusive), in the structure's time zone.
    pub avant: NaiveDate,
    /// When the patient started waiting: the queue's order.
    pub depuis: DateTime<Utc>,
    /// The patient's rdvs holding a créneau around the freed one, with any praticien.
    #[serde(default)]
    pub rdvs_patient: Vec<Creneau>,
}

/// A créneau held for one patient until `expire_le`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offre {
    /// The créneau held.
    pub creneau: Creneau,
    /// For whom.
    pub patient: PatientId,
    /// The hold ends at this instant (exclusive).
    pub expire_le: DateTime<Utc>,
}

impl Offre {
    /// Whether the hold still stands at `now`.
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        now < self.expire_le
    }
}

/// The busy intervals `occupes` plus the holds standing at `now`, except those held for `pour`: a held
/// créneau is free for its holder only. `pour: None` (the public calendar) sees every hold as busy.
pub fn occupations_avec_offres(
    mut occupes: Vec<Creneau>,
    offres: &[Offre],
    pour: Option<PatientId>,
    now: DateTime<Utc>,
) -> Occupations {
    occupes.extend(
        offres
            .iter()
            .filter(|o| o.active(now) && Some(o.patient) != pour)
            .map(|o| o.creneau),
    );
    Occupations::new(occupes)
}

/// A freed créneau offered to one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposition {
    /// The entry offered.
    pub attente: Uuid,
    /// Its patient.
    pub patient: PatientId,
    /// The créneau (its end and structure included).
    pub libre: CreneauLibre,
}

/// Offers what `libere` frees: entries in queue order (longest waiting first, then by id), each one the
/// earliest free créneau that suits it, a créneau offered once, a patient offered once. `agenda` is
/// the praticien's after the release, its busy intervals holding the standing holds; `libere` spans at
/// most the availability window (31 days).
pub fn attribuer(
    agenda: &Agenda,
    libere: Creneau,
    attentes: &[Attente],
    now: DateTime<Utc>,
) -> Vec<Proposition> {
    let mut ordre: Vec<&Attente> = attentes.iter().collect();
    ordre.sort_by_key(|a| (a.depuis, a.id));
    let mut agenda = agenda.clone();
    let mut propositions: Vec<Proposition> = Vec::new();
    for attente in ordre {
        if propositions.iter().any(|p| p.patient == attente.patient) {
            continue;
        }
        let recherche = Recherche {
            specialite: Some(attente.specialite),
            type_consultation: attente.type_consultation,
            motif: None,
            origine: Origine::Plateforme,
        };
        // A spécialité the praticien gave up since: nothing suits the entry.
        let Ok(libres) = creneaux_libres(&agenda, libere, &recherche, now) else {
            continue;
        };
        let choisi = libres.into_iter().find(|l| {
            let creneau = l.creneau();
            l.debut > now
                && date_locale(&agenda, l).is_some_and(|d| d <= attente.avant)
                && !attente.rdvs_patient.iter().any(|r| r.chevauche(&creneau))
        });
        if let Some(libre) = choisi {
            let mut occupes = agenda.occupes.tous();
            occupes.push(libre.creneau());
            agenda.occupes = Occupations::new(occupes);
            propositions.push(Proposition {
                attente: attente.id,
                patient: attente.patient,
                libre,
            });
        }
    }
    propositions
}

fn date_locale(agenda: &Agenda, libre: &CreneauLibre) -> Option<NaiveDate> {
    let lieu = agenda
        .lieux
        .iter()
        .find(|l| l.structure_id == libre.structure_id)?;
    Some(lieu.fuseau.local(libre.debut).date())
}

/// Why a wait cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AttenteInvalide {
    /// The praticien does not practise that spécialité.
    #[error("le praticien n'exerce pas la spécialité {}", .0.code())]
    SpecialiteInconnue(Specialite),
    /// The praticien does not offer that type.
    #[error("le praticien ne propose pas la {}", .0.as_str())]
    TypeNonPropose(TypeConsultation),
    /// `avant` is already past.
    #[error("la date limite est déjà passée")]
    DatePassee,
}

impl Code for AttenteInvalide {
    fn code(&self) -> &'static str {
        match self {
            AttenteInvalide::SpecialiteInconnue(_) => "specialite_inconnue",
            AttenteInvalide::TypeNonPropose(_) => "type_non_propose",
            AttenteInvalide::DatePassee => "date_passee",
        }
    }
}

/// Checks a request to wait: a spécialité the praticien practises, a type its horaires offer (`types`:
/// those of its rules), a date from `aujourdhui` on.
pub fn verifier_attente(
    specialites: &[Specialite],
    types: &[TypeConsultation],
    specialite: Specialite,
    type_consultation: TypeConsultation,
    avant: NaiveDate,
    aujourdhui: NaiveDate,
) -> Result<(), AttenteInvalide> {
    if !specialites.contains(&specialite) {
        return Err(AttenteInvalide::SpecialiteInconnue(specialite));
    }
    if !types.contains(&type_consultation) {
        return Err(AttenteInvalide::TypeNonPropose(type_consultation));
    }
    if avant < aujourdhui {
        return Err(AttenteInvalide::DatePassee);
    }
    Ok(())
}

/// Whether the day `avant` is over everywhere at `now`: 12 hours past its end in UTC, the latest time
/// zone being UTC−12. Zone-free, so the store and the API agree without reading the structure.
pub fn date_passee(avant: NaiveDate, now: DateTime<Utc>) -> bool {
    let fin_partout = avant
        .succ_opt()
        .and_then(|lendemain| lendemain.and_hms_opt(12, 0, 0))
        .map(|t| t.and_utc());
    fin_partout.is_some_and(|fin| now >= fin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consultation::TypeConsultation::{Presentiel, Teleconsultation};
    use crate::essais::{agenda, creneau, regle, t};
    use crate::horaires::Jour;

    const A: PatientId = PatientId(Uuid::from_u128(0xa));
    const B: PatientId = PatientId(Uuid::from_u128(0xb));
    const C: PatientId = PatientId(Uuid::from_u128(0xc));

    /// Mondays 9:00–10:00 UTC, cabinet, 30-minute slots.
    fn lundi() -> Agenda {
        agenda("UTC", vec![regle(Jour::Lundi, (9, 0), (10, 0), &[Presentiel])])
    }

    fn attente(n: u128, patient: PatientId, depuis: &str, avant: &str) -> Attente {
        Attente {
            id: Uuid::from_u128(n),
            patient,
            specialite: Specialite::MEDECINE_GENERALE,
            type_consultation: Presentiel,
            avant: avant.parse().unwrap(),
            depuis: t(depuis),
            rdvs_patient: Vec::new(),
        }
    }

    /// Who gets what when 9:00–9:30 on Monday 2026-03-02 frees up, on Sunday.
    #[track_caller]
    fn check(agenda: &Agenda, attentes: &[Attente], attendu: &[(u128, &str)]) {
        let libere = creneau("2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z");
        let obtenu: Vec<(u128, DateTime<Utc>)> =
            attribuer(agenda, libere, attentes, t("2026-03-01T12:00:00Z"))
                .into_iter()
                .map(|p| (p.attente.as_u128(), p.libre.debut))
                .collect();
        let attendu: Vec<(u128, DateTime<Utc>)> = attendu.iter().map(|&(n, d)| (n, t(d))).collect();
        assert_eq!(obtenu, attendu);
    }

    #[test]
    fn the_longest_waiting_entry_gets_the_freed_creneau() {
        let a = lundi();
        let neuf = "2026-03-02T09:00:00Z";
        // Given in any order, the queue is by `depuis`, then by id.
        check(
            &a,
            &[
                attente(2, B, "2026-02-10T00:00:00Z", "2026-03-31"),
                attente(1, C, "2026-02-01T00:00:00Z", "2026-03-31"),
            ],
            &[(1, neuf)],
        );
        check(
            &a,
            &[
                attente(2, B, "2026-02-01T00:00:00Z", "2026-03-31"),
                attente(1, C, "2026-02-01T00:00:00Z", "2026-03-31"),
            ],
            &[(1, neuf)],
        );
    }

    #[test]
    fn an_entry_the_creneau_does_not_suit_is_passed_over() {
        let a = lundi();
        let neuf = "2026-03-02T09:00:00Z";
        let mut tele = attente(1, C, "2026-02-01T00:00:00Z", "2026-03-31");
        tele.type_consultation = Teleconsultation;
        let mut autre_specialite = attente(2, C, "2026-02-01T00:00:00Z", "2026-03-31");
        autre_specialite.specialite = Specialite::parse("cardiologie").unwrap();
        let mut deja_pris = attente(3, A, "2026-02-01T00:00:00Z", "2026-03-31");
        deja_pris.rdvs_patient = vec![creneau("2026-03-02T09:15:00Z", "2026-03-02T09:45:00Z")];
        type Cas<'a> = (&'a [Attente], &'a [(u128, &'a str)]);
        let table: &[Cas<'_>] = &[
            // Too late: the créneau's date is after `avant`; the limit date itself is accepted.
            (&[attente(1, C, "2026-02-01T00:00:00Z", "2026-03-01")], &[]),
            (
                &[attente(1, C, "2026-02-01T00:00:00Z", "2026-03-02")],
                &[(1, neuf)],
            ),
            (
                &[tele, attente(4, B, "2026-02-20T00:00:00Z", "2026-03-31")],
                &[(4, neuf)],
            ),
            (
                &[
                    autre_specialite,
                    attente(4, B, "2026-02-20T00:00:00Z", "2026-03-31"),
                ],
                &[(4, neuf)],
            ),
            (
                &[deja_pris, attente(4, B, "2026-02-20T00:00:00Z", "2026-03-31")],
                &[(4, neuf)],
            ),
        ];
        for (attentes, attendu) in table {
            check(&a, attentes, attendu);
        }
    }

    #[test]
    fn a_creneau_is_offered_once_and_a_patient_once() {
        let mut a = lundi();
        let libere = creneau("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z");
        let now = t("2026-03-01T12:00:00Z");
        let attentes = [
            attente(1, B, "2026-02-01T00:00:00Z", "2026-03-31"),
            attente(2, B, "2026-02-02T00:00:00Z", "2026-03-31"),
            attente(3, C, "2026-02-03T00:00:00Z", "2026-03-31"),
            attente(4, A, "2026-02-04T00:00:00Z", "2026-03-31"),
        ];
        let obtenu: Vec<_> = attribuer(&a, libere, &attentes, now)
            .into_iter()
            .map(|p| (p.attente.as_u128(), p.libre.debut))
            .collect();
        assert_eq!(
            obtenu,
            vec![(1, t("2026-03-02T09:00:00Z")), (3, t("2026-03-02T09:30:00Z"))]
        );
        // A créneau still busy (booked or held for another) is not offered.
        a.occupes = Occupations::new(vec![creneau("2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z")]);
        let obtenu: Vec<_> = attribuer(&a, libere, &attentes, now)
            .into_iter()
            .map(|p| p.attente.as_u128())
            .collect();
        assert_eq!(obtenu, vec![1]);
    }

    #[test]
    fn a_past_creneau_is_offered_to_nobody() {
        let a = lundi();
        let libere = creneau("2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z");
        let attentes = [attente(1, B, "2026-02-01T00:00:00Z", "2026-03-31")];
        assert!(attribuer(&a, libere, &attentes, t("2026-03-02T09:10:00Z")).is_empty());
    }

    #[test]
    fn a_hold_is_busy_for_everyone_but_its_holder_until_it_expires() {
        let tenu = creneau("2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z");
        let offre = Offre {
            creneau: tenu,
            patient: B,
            expire_le: t("2026-03-01T12:15:00Z"),
        };
        let table = [
            (Some(B), "2026-03-01T12:00:00Z", false),
            (Some(C), "2026-03-01T12:00:00Z", true),
            (None, "2026-03-01T12:00:00Z", true),
            (Some(C), "2026-03-01T12:14:59Z", true),
            (Some(C), "2026-03-01T12:15:00Z", false),
        ];
        for (pour, now, occupe) in table {
            let o = occupations_avec_offres(Vec::new(), &[offre], pour, t(now));
            assert_eq!(o.chevauche(&tenu, None), occupe, "{pour:?} at {now}");
        }
    }

    #[test]
    fn a_request_to_wait_is_checked() {
        let mg = [Specialite::MEDECINE_GENERALE];
        let jour: NaiveDate = "2026-03-01".parse().unwrap();
        let veille: NaiveDate = "2026-02-28".parse().unwrap();
        let card = Specialite::parse("cardiologie").unwrap();
        let table = [
            (Specialite::MEDECINE_GENERALE, Presentiel, jour, Ok(())),
            (card, Presentiel, jour, Err("specialite_inconnue")),
            (
                Specialite::MEDECINE_GENERALE,
                Teleconsultation,
                jour,
                Err("type_non_propose"),
            ),
            (
                Specialite::MEDECINE_GENERALE,
                Presentiel,
                veille,
                Err("date_passee"),
            ),
        ];
        for (s, ty, avant, attendu) in table {
            let r = verifier_attente(&mg, &[Presentiel], s, ty, avant, jour).map_err(|e| e.code());
            assert_eq!(r, attendu);
        }
    }

    #[test]
    fn a_wait_expires_once_its_date_is_over_in_every_time_zone() {
        let avant: NaiveDate = "2026-12-01".parse().unwrap();
        // 2 December 11:59 UTC: still 1 December at UTC−12.
        assert!(!date_passee(avant, t("2026-12-02T11:59:59Z")));
        assert!(date_passee(avant, t("2026-12-02T12:00:00Z")));
        assert!(!date_passee(avant, t("2026-12-01T23:00:00Z")));
    }
}

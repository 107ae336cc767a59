//! The bilan and the statistiques of a praticien: pure sums over its rdvs of a period.
//!
//! The server reads the rdvs of the period (never the praticien's whole history) and the créneaux its
//! horaires offered, and hands them here by local date; the same input gives the same figures in the
//! server and in a client. Amounts are euro cents, as paid (`paye`, then kept once `transmis`).

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;
use crate::consultation::TypeConsultation;
use crate::specialite::Specialite;
use crate::statut::Statut;

/// Longest period a bilan or a series covers, in days (a year, leap day included).
pub const PERIODE_JOURS_MAX: u64 = 366;

/// One rdv as the sums see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consultation {
    /// Local date of its start, in the praticien's time zone.
    pub date: NaiveDate,
    /// Spécialité.
    pub specialite: Specialite,
    /// Type.
    pub type_consultation: TypeConsultation,
    /// Statut.
    pub statut: Statut,
    /// Amount paid, once `paye`.
    pub montant_centimes: Option<u32>,
}

/// A count and the amount paid for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compteur {
    /// How many rdvs.
    pub nombre: u32,
    /// Sum of their payments, in euro cents.
    pub montant_centimes: u64,
}

impl Compteur {
    fn ajouter(&mut self, c: &Consultation) {
        self.nombre += 1;
        self.montant_centimes += u64::from(c.montant_centimes.unwrap_or(0));
    }
}

/// The counts and amounts of a period, for the praticien's or its personnel's end of day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bilan {
    /// Every rdv of the period, every statut; its amount is everything paid.
    pub total: Compteur,
    /// Per statut, every statut listed (in [`Statut::TOUS`] order), zero included.
    pub par_statut: Vec<(Statut, Compteur)>,
    /// Per type, both listed.
    pub par_type: Vec<(TypeConsultation, Compteur)>,
    /// Per spécialité met in the period, by code.
    pub par_specialite: Vec<(Specialite, Compteur)>,
    /// Honoured, not paid yet: the payments to collect.
    pub honores_non_payes: Compteur,
    /// Paid, not transmitted yet: the claims to send to the organismes sociaux.
    pub payes_non_transmis: Compteur,
}

/// Sums the rdvs of a period.
pub fn bilan<'a>(consultations: impl IntoIterator<Item = &'a Consultation>) -> Bilan {
    let mut b = Bilan {
        par_statut: Statut::TOUS.iter().map(|&s| (s, Compteur::default())).collect(),
        par_type: [TypeConsultation::Presentiel, TypeConsultation::Teleconsultation]
            .into_iter()
            .map(|t| (t, Compteur::default()))
            .collect(),
        ..Bilan::default()
    };
    for c in consultations {
        b.total.ajouter(c);
        for (s, n) in &mut b.par_statut {
            if *s == c.statut {
                n.ajouter(c);
            }
        }
        for (t, n) in &mut b.par_type {
            if *t == c.type_consultation {
                n.ajouter(c);
            }
        }
        match b
            .par_specialite
            .binary_search_by(|(s, _)| s.code().cmp(c.specialite.code()))
        {
            Ok(i) => b.par_specialite[i].1.ajouter(c),
            Err(i) => {
                let mut n = Compteur::default();
                n.ajouter(c);
                b.par_specialite.insert(i, (c.specialite, n));
            }
        }
        match c.statut {
            Statut::Honore => b.honores_non_payes.ajouter(c),
            Statut::Paye => b.payes_non_transmis.ajouter(c),
            _ => {}
        }
    }
    b
}

/// The step of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pas {
    /// One point a day.
    #[default]
    Jour,
    /// One point a week, Monday to Sunday.
    Semaine,
    /// One point a calendar month.
    Mois,
}

/// Local dates `[debut, fin]`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periode {
    /// First day.
    pub debut: NaiveDate,
    /// Last day, included.
    pub fin: NaiveDate,
}

impl Periode {
    /// A period of at most [`PERIODE_JOURS_MAX`] days, `fin` not before `debut`.
    pub fn new(debut: NaiveDate, fin: NaiveDate) -> Result<Self, PeriodeInvalide> {
        if fin < debut {
            return Err(PeriodeInvalide::FinAvantDebut);
        }
        if debut
            .checked_add_days(Days::new(PERIODE_JOURS_MAX))
            .is_none_or(|max| fin >= max)
        {
            return Err(PeriodeInvalide::TropLongue);
        }
        Ok(Periode { debut, fin })
    }

    /// Whether `date` is one of its days.
    pub fn contient(&self, date: NaiveDate) -> bool {
        self.debut <= date && date <= self.fin
    }

    /// Its days, one after the other.
    pub fn jours(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let fin = self.fin;
        self.debut.iter_days().take_while(move |d| *d <= fin)
    }

    /// The points of a series: calendar days, weeks (Monday–Sunday) or months, the first and last cut
    /// to the period.
    pub fn decouper(&self, pas: Pas) -> Vec<Periode> {
        let mut points = Vec::new();
        let mut debut = self.debut;
        while debut <= self.fin {
            let fin_naturelle = match pas {
                Pas::Jour => Some(debut),
                Pas::Semaine => {
                    debut.checked_add_days(Days::new(u64::from(6 - debut.weekday().num_days_from_monday())))
                }
                Pas::Mois => debut
                    .with_day(1)
                    .and_then(|d| d.checked_add_months(Months::new(1)))
                    .and_then(|d| d.pred_opt()),
            };
            let fin = fin_naturelle.map_or(self.fin, |f| f.min(self.fin));
            points.push(Periode { debut, fin });
            match fin.succ_opt() {
                Some(d) => debut = d,
                None => break,
            }
        }
        points
    }
}

/// A period the bilan or the statistiques refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PeriodeInvalide {
    /// `fin` before `debut`.
    #[error("la fin de la période précède son début")]
    FinAvantDebut,
    /// Longer than [`PERIODE_JOURS_MAX`].
    #[error("période de plus de {PERIODE_JOURS_MAX} jours")]
    TropLongue,
}

impl Code for PeriodeInvalide {
    fn code(&self) -> &'static str {
        match self {
            PeriodeInvalide::FinAvantDebut => "periode_invalide",
            PeriodeInvalide::TropLongue => "periode_trop_longue",
        }
    }
}

/// One point of the activity series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// Its days.
    pub periode: Periode,
    /// Rdvs starting then, every statut.
    pub rdvs: u32,
    /// Honoured (`honore`, `paye`, `transmis`).
    pub honores: u32,
    /// No-shows (`non_honore`).
    pub non_honores: u32,
    /// Cancelled in time, or by the cabinet.
    pub annulations: u32,
    /// Cancelled late by the patient (`annule_tardivement`).
    pub annulations_tardives: u32,
    /// Rdvs still holding their créneau (every statut but the cancellations).
    pub reserves: u32,
    /// Créneaux the horaires offered then, outside periods off, booked or not.
    pub creneaux_offerts: u32,
    /// Paid for the rdvs of the point, in euro cents.
    pub chiffre_affaires_centimes: u64,
}

impl Point {
    /// Booked ÷ offered créneaux; `None` when nothing was offered. Above 1 when rdvs were recorded
    /// outside the horaires (hors plateforme) or in longer slots than the horaires' default.
    pub fn taux_remplissage(&self) -> Option<f64> {
        (self.creneaux_offerts > 0).then(|| f64::from(self.reserves) / f64::from(self.creneaux_offerts))
    }
}

/// The series over `points` (as [`Periode::decouper`] gives them): `offerts[i]` is the créneaux offered
/// in `points[i]`; a consultation outside every point is not counted.
pub fn statistiques<'a>(
    points: &[Periode],
    offerts: &[u32],
    consultations: impl IntoIterator<Item = &'a Consultation>,
) -> Vec<Point> {
    let mut serie: Vec<Point> = points
        .iter()
        .enumerate()
        .map(|(i, &periode)| Point {
            periode,
            rdvs: 0,
            honores: 0,
            non_honores: 0,
            annulations: 0,
            annulations_tardives: 0,
            reserves: 0,
            creneaux_offerts: offerts.get(i).copied().unwrap_or(0),
            chiffre_affaires_centimes: 0,
        })
        .collect();
    for c in consultations {
        // Points are sorted and disjoint.
        let i = serie.partition_point(|p| p.periode.fin < c.date);
        let Some(p) = serie.get_mut(i).filter(|p| p.periode.contient(c.date)) else {
            continue;
        };
        p.rdvs += 1;
        match c.statut {
            Statut::Honore | Statut::Paye | Statut::Transmis => p.honores += 1,
            Statut::NonHonore => p.non_honores += 1,
            Statut::Annule => p.annulations += 1,
            Statut::AnnuleTardivement => p.annulations_tardives += 1,
            Statut::Prevu => {}
        }
        if c.statut.occupe_creneau() {
            p.reserves += 1;
        }
        p.chiffre_affaires_centimes += u64::from(c.montant_centimes.unwrap_or(0));
    }
    serie
}

#[cfg(test)]
mod tests;

//! Where a planned rdv lands: the free créneaux of its target day, as the domain computes them.
//!
//! The dataset names a day relative to the load day and a preferred local time; the load day can make
//! that day a weekend, a day off or a day outside a rule's validity. So the créneau is never taken from
//! the file: [`candidats`] asks [`creneaux_libres`] (over [`Stockage::agenda`]) for the free créneaux
//! of the target day, then of the next working days (forward for rdvs to come, backward for past
//! ones), and returns those of the first day that has any. Weekends and the national jours fériés
//! ([`jour_ferie`]) are skipped: the domain does not know them, but a demo maison médicale is closed
//! then. Deterministic: the same store, dataset and day give the same créneaux.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc, Weekday};
use domain::disponibilite::{CreneauLibre, Recherche, creneaux_libres};
use domain::horaires::Heure;
use domain::ids::{PraticienId, RdvId};
use domain::temps::{Creneau, Fuseau};

use super::SeedError;
use crate::store::Stockage;

/// Most calendar days searched from the target day before giving up.
pub(super) const JOURS_RECHERCHE_MAX: u64 = 28;

/// Which way to look from the target day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sens {
    /// A past rdv: the target day, then earlier days. Créneaux are computed as on their own morning.
    Passe,
    /// A rdv to come, booked at `now`: the target day, then later days.
    Futur(DateTime<Utc>),
}

/// What to look for.
#[derive(Debug, Clone)]
pub(super) struct Cible<'a> {
    /// The rdv (for error messages).
    pub rdv: RdvId,
    /// Whose créneaux.
    pub praticien: PraticienId,
    /// Spécialité, type, motif and origine.
    pub recherche: Recherche,
    /// Target local date.
    pub jour: NaiveDate,
    /// Preferred local start.
    pub heure: Heure,
    /// Time zone of the praticien's first structure, in which days are cut.
    pub fuseau: Fuseau,
    /// Créneaux already held by the patient or given to the praticien by the seed: never overlapped.
    pub pris: &'a [Creneau],
}

/// The free créneaux of the first working day, from the target day in the direction `sens`, that has any:
/// those starting at or after the preferred time first (soonest first), then the earlier ones (latest
/// first). Empty when no working day within [`JOURS_RECHERCHE_MAX`] days has one.
pub(super) fn candidats(
    store: &dyn Stockage,
    cible: &Cible<'_>,
    sens: Sens,
) -> Result<Vec<CreneauLibre>, SeedError> {
    let ou = || format!("rdv {}", cible.rdv);
    for pas in 0..JOURS_RECHERCHE_MAX {
        let date = match sens {
            Sens::Futur(_) => cible.jour.checked_add_days(Days::new(pas)),
            Sens::Passe => cible.jour.checked_sub_days(Days::new(pas)),
        };
        let Some(date) = date else { break };
        if !jour_ouvre(date) {
            continue;
        }
        let fenetre =
            journee(cible.fuseau, date).map_err(|raison| SeedError::Invalide { ou: ou(), raison })?;
        let now = match sens {
            Sens::Futur(now) => now,
            Sens::Passe => fenetre.debut(),
        };
        let (_, agenda) = store
            .agenda(cible.praticien, fenetre)
            .map_err(|source| SeedError::Stockage { ou: ou(), source })?;
        let libres =
            creneaux_libres(&agenda, fenetre, &cible.recherche, now).map_err(|e| SeedError::Invalide {
                ou: ou(),
                raison: e.to_string(),
            })?;
        let heure_locale = |l: &CreneauLibre| {
            let fuseau = agenda
                .lieux
                .iter()
                .find(|lieu| lieu.structure_id == l.structure_id)
                .map_or(cible.fuseau, |lieu| lieu.fuseau);
            fuseau.local(l.debut).time()
        };
        let (apres, avant): (Vec<_>, Vec<_>) = libres
            .into_iter()
            .filter(|l| !cible.pris.iter().any(|p| p.chevauche(&l.creneau())))
            .partition(|l| heure_locale(l) >= cible.heure.temps());
        if !(apres.is_empty() && avant.is_empty()) {
            return Ok(apres.into_iter().chain(avant.into_iter().rev()).collect());
        }
    }
    Ok(Vec::new())
}

/// The local day `date` in `fuseau`, as an interval of instants.
pub(super) fn journee(fuseau: Fuseau, date: NaiveDate) -> Result<Creneau, String> {
    let minuit = |d: NaiveDate| {
        let local = d.and_time(NaiveTime::MIN);
        // A day that starts inside a DST gap starts when the gap ends.
        fuseau.instant(local).unwrap_or_else(|| fuseau.instant_fin(local))
    };
    let lendemain = date
        .succ_opt()
        .ok_or_else(|| format!("{date} : pas de lendemain"))?;
    Creneau::new(minuit(date), minuit(lendemain)).map_err(|e| e.to_string())
}

/// Monday to Friday, jours fériés excepted.
pub(super) fn jour_ouvre(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !jour_ferie(date)
}

/// The eleven national jours fériés of France (fixed dates, and Easter Monday, Ascension and Whit
/// Monday); regional ones (Alsace-Moselle, outre-mer) are not counted.
pub(super) fn jour_ferie(date: NaiveDate) -> bool {
    const FIXES: [(u32, u32); 8] = [
        (1, 1),
        (5, 1),
        (5, 8),
        (7, 14),
        (8, 15),
        (11, 1),
        (11, 11),
        (12, 25),
    ];
    if FIXES.contains(&(date.month(), date.day())) {
        return true;
    }
    paques(date.year()).is_some_and(|p| {
        [1, 39, 50]
            .iter()
            .any(|&j| p.checked_add_days(Days::new(j)) == Some(date))
    })
}

/// Easter Sunday of a Gregorian year (the anonymous Gregorian computus, "Meeus/Jones/Butcher").
fn paques(annee: i32) -> Option<NaiveDate> {
    let (a, b, c) = (annee.rem_euclid(19), annee.div_euclid(100), annee.rem_euclid(100));
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    NaiveDate::from_ymd_opt(
        annee,
        u32::try_from(n / 31).ok()?,
        u32::try_from(n % 31 + 1).ok()?,
    )
}

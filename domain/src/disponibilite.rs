//! Availability: the free créneaux of one praticien over a window.
//!
//! Free = slots of the horaires in force − indisponibilités − rdvs holding a slot − slots before
//! now + préavis − slots from now + horizon on (DOMAIN.md "Horaires and slots"). A créneau is in the
//! window when its start is. Slots are laid in wall-clock time from each rule's start, one after the
//! other, then mapped to instants ([`Fuseau::instant`]): a local time that does not exist gives no slot,
//! a slot always lasts its nominal duration in real time, and a slot that would overlap the previous one
//! of its rule (fall back) or end after the rule's real end (spring forward) is dropped.
//!
//! Cost: the rules × the days of the window, plus the busy intervals inside the window, found by binary
//! search in [`Occupations`]; never the praticien's whole history.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;
use crate::consultation::{Origine, TypeConsultation};
use crate::horaires::{Horaires, RegleHoraire};
use crate::ids::StructureId;
use crate::reglages::Reglages;
use crate::specialite::Specialite;
use crate::temps::{Creneau, DUREE_MAX_MINUTES, DureeMinutes, Fuseau};

/// The longest window one may ask availability for.
pub const FENETRE_JOURS_MAX: i64 = 31;
/// Most motifs de visite one praticien may offer.
pub const MOTIFS_MAX: usize = 100;
/// Longest motif code.
pub const MOTIF_CODE_LONGUEUR_MAX: usize = 64;

/// A structure where the praticien works, with the time zone of its horaires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lieu {
    /// The structure.
    pub structure_id: StructureId,
    /// Its time zone.
    pub fuseau: Fuseau,
}

/// A slot length other than the default 30 minutes, for one spécialité and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DureeConsultation {
    /// The spécialité.
    pub specialite: Specialite,
    /// The type.
    #[serde(rename = "type")]
    pub type_consultation: TypeConsultation,
    /// Its length.
    pub duree_minutes: DureeMinutes,
}

/// A reason for a visit the praticien offers, tied to a spécialité, with its own length where it differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Motif {
    /// Stable code, unique for the praticien.
    pub code: String,
    /// Label shown to patients.
    pub libelle: String,
    /// The spécialité it belongs to.
    pub specialite: Specialite,
    /// Its length, when not the spécialité's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duree_minutes: Option<DureeMinutes>,
}

/// Busy intervals (rdvs holding a slot), sorted by start so that a window finds its own by binary search.
///
/// Intervals longer than [`DUREE_MAX_MINUTES`] (none come from rdvs) are kept apart and always scanned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Occupations {
    courts: Vec<Creneau>,
    longs: Vec<Creneau>,
}

impl Occupations {
    /// Sorts them (linear when they come sorted, as from the store).
    pub fn new(mut creneaux: Vec<Creneau>) -> Self {
        creneaux.sort_unstable();
        let (courts, longs) = creneaux.into_iter().partition(|c| c.duree() <= duree_max());
        Occupations { courts, longs }
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.courts.len() + self.longs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All of them, sorted by start.
    pub fn tous(&self) -> Vec<Creneau> {
        let mut v: Vec<_> = self.courts.iter().chain(&self.longs).copied().collect();
        v.sort_unstable();
        v
    }

    /// Whether `c` overlaps one of them, other than `sauf` (the rdv being moved).
    pub fn chevauche(&self, c: &Creneau, sauf: Option<&Creneau>) -> bool {
        let autre = |b: &&Creneau| Some(*b) != sauf && b.chevauche(c);
        self.courts_vers(c.debut(), c.fin()).iter().any(|b| autre(&b)) || self.longs.iter().any(|b| autre(&b))
    }

    /// The short intervals that may overlap something inside `[debut, fin)`.
    fn courts_vers(&self, debut: DateTime<Utc>, fin: DateTime<Utc>) -> &[Creneau] {
        let bas = self.courts.partition_point(|b| b.debut() <= debut - duree_max());
        let haut = self.courts.partition_point(|b| b.debut() < fin);
        self.courts.get(bas..haut).unwrap_or_default()
    }
}

fn duree_max() -> Duration {
    Duration::minutes(i64::from(DUREE_MAX_MINUTES))
}

impl Serialize for Occupations {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.tous().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Occupations {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Creneau>::deserialize(d).map(Occupations::new)
    }
}

/// Everything availability depends on for one praticien: what `/praticiens/{id}/calendrier` serves,
/// so that a client computes exactly the server's créneaux. No patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agenda {
    /// Spécialités practised; the first is the default.
    pub specialites: Vec<Specialite>,
    /// Structures, in order: the first hosts the default week.
    pub lieux: Vec<Lieu>,
    /// Weekly rules; empty means DOMAIN.md's default week.
    #[serde(default)]
    pub horaires: Horaires,
    /// Slot lengths other than 30 minutes.
    #[serde(default)]
    pub durees: Vec<DureeConsultation>,
    /// Motifs de visite.
    #[serde(default)]
    pub motifs: Vec<Motif>,
    /// Booking policy.
    #[serde(default)]
    pub reglages: Reglages,
    /// Periods off.
    #[serde(default)]
    pub indisponibilites: Vec<Creneau>,
    /// Intervals held by rdvs.
    #[serde(default)]
    pub occupes: Occupations,
}

/// What créneaux are asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Recherche {
    /// The spécialité; by default the motif's, else the praticien's first.
    #[serde(default)]
    pub specialite: Option<Specialite>,
    /// The type (présentiel by default).
    #[serde(rename = "type", default)]
    pub type_consultation: TypeConsultation,
    /// A motif de visite, which may set its own length.
    #[serde(default)]
    pub motif: Option<String>,
    /// `hors_plateforme` (praticien, personnel) ignores the préavis and keeps today's past slots.
    #[serde(default)]
    pub origine: Origine,
}

/// A free créneau, as the API shows it (output only: never read back, so never unchecked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CreneauLibre {
    /// Start.
    pub debut: DateTime<Utc>,
    /// End.
    pub fin: DateTime<Utc>,
    /// The spécialité.
    pub specialite: Specialite,
    /// The type.
    #[serde(rename = "type")]
    pub type_consultation: TypeConsultation,
    /// Where.
    pub structure_id: StructureId,
}

impl CreneauLibre {
    /// Its interval.
    pub fn creneau(&self) -> Creneau {
        Creneau::de_confiance(self.debut, self.fin)
    }
}

/// The spécialité or motif asked for is not the praticien's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChoixInvalide {
    /// Not practised by this praticien.
    #[error("le praticien n'exerce pas la spécialité {0}")]
    SpecialiteInconnue(Specialite),
    /// Not one of this praticien's motifs for that spécialité.
    #[error("motif de visite inconnu pour ce praticien : {0:?}")]
    MotifInconnu(String),
}

impl Code for ChoixInvalide {
    fn code(&self) -> &'static str {
        match self {
            ChoixInvalide::SpecialiteInconnue(_) => "specialite_inconnue",
            ChoixInvalide::MotifInconnu(_) => "motif_inconnu",
        }
    }
}

/// The agenda names a structure it does not place (a bug of whoever built it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("agenda incohérent : la structure {0} des horaires n'est pas un lieu du praticien")]
pub struct LieuInconnu(pub StructureId);

impl Code for LieuInconnu {
    fn code(&self) -> &'static str {
        "agenda_incoherent"
    }
}

/// Why availability cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DisponibiliteInvalide {
    /// Bad spécialité or motif.
    #[error(transparent)]
    Choix(#[from] ChoixInvalide),
    /// Window longer than [`FENETRE_JOURS_MAX`].
    #[error("fenêtre de plus de {FENETRE_JOURS_MAX} jours")]
    FenetreTropLongue,
    /// Inconsistent agenda.
    #[error(transparent)]
    Lieu(#[from] LieuInconnu),
}

impl Code for DisponibiliteInvalide {
    fn code(&self) -> &'static str {
        match self {
            DisponibiliteInvalide::Choix(e) => e.code(),
            DisponibiliteInvalide::FenetreTropLongue => "fenetre_trop_longue",
            DisponibiliteInvalide::Lieu(e) => e.code(),
        }
    }
}

/// The spécialité, type and slot length a request resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choix {
    pub specialite: Specialite,
    pub type_consultation: TypeConsultation,
    pub duree: DureeMinutes,
}

impl Agenda {
    /// Resolves spécialité (asked, else the motif's, else the first) and slot length (the motif's, else
    /// the spécialité and type's, else 30 minutes).
    pub(crate) fn choisir(
        &self,
        specialite: Option<Specialite>,
        type_consultation: TypeConsultation,
        motif: Option<&str>,
    ) -> Result<Choix, ChoixInvalide> {
        let motif = motif
            .map(|code| {
                self.motifs
                    .iter()
                    .find(|m| m.code == code && specialite.is_none_or(|s| s == m.specialite))
                    .ok_or_else(|| {
                        ChoixInvalide::MotifInconnu(code.chars().take(MOTIF_CODE_LONGUEUR_MAX).collect())
                    })
            })
            .transpose()?;
        let specialite = specialite
            .or(motif.map(|m| m.specialite))
            .or(self.specialites.first().copied())
            .unwrap_or(Specialite::MEDECINE_GENERALE);
        if !self.specialites.contains(&specialite) {
            return Err(ChoixInvalide::SpecialiteInconnue(specialite));
        }
        let duree = motif.and_then(|m| m.duree_minutes).unwrap_or_else(|| {
            self.durees
                .iter()
                .find(|d| d.specialite == specialite && d.type_consultation == type_consultation)
                .map_or(DureeMinutes::DEFAUT, |d| d.duree_minutes)
        });
        Ok(Choix {
            specialite,
            type_consultation,
            duree,
        })
    }

    /// The rules in force (the default week when none are set), each with its time zone.
    pub(crate) fn regles(&self) -> Result<Vec<(RegleHoraire, Lieu)>, LieuInconnu> {
        let horaires: std::borrow::Cow<'_, Horaires> = self
            .horaires
            .effectives(self.lieux.first().map(|l| l.structure_id));
        horaires
            .regles()
            .iter()
            .map(|r| {
                let lieu = self.lieu(r.structure_id).ok_or(LieuInconnu(r.structure_id))?;
                Ok((r.clone(), lieu))
            })
            .collect()
    }

    fn lieu(&self, structure_id: StructureId) -> Option<Lieu> {
        self.lieux
            .iter()
            .find(|l| l.structure_id == structure_id)
            .copied()
    }
}

/// Every free créneau whose start is in `fenetre`, sorted by start.
pub fn creneaux_libres(
    agenda: &Agenda,
    fenetre: Creneau,
    recherche: &Recherche,
    now: DateTime<Utc>,
) -> Result<Vec<CreneauLibre>, DisponibiliteInvalide> {
    if fenetre.duree() > Duration::days(FENETRE_JOURS_MAX) {
        return Err(DisponibiliteInvalide::FenetreTropLongue);
    }
    let choix = agenda.choisir(
        recherche.specialite,
        recherche.type_consultation,
        recherche.motif.as_deref(),
    )?;
    let mut slots = generer(agenda, &choix, fenetre)?;
    slots.retain(|s| dans_les_delais(agenda, s, recherche.origine, now).is_ok());
    retirer_occupes(agenda, &mut slots);
    Ok(slots.into_iter().map(|s| s.libre).collect())
}

/// A generated slot and the time zone of its rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub libre: CreneauLibre,
    pub fuseau: Fuseau,
}

/// The slots of the rules offering `choix` whose start is in `fenetre`, sorted by start, ignoring
/// bounds and busy intervals.
pub(crate) fn generer(agenda: &Agenda, choix: &Choix, fenetre: Creneau) -> Result<Vec<Slot>, LieuInconnu> {
    let mut regles: Vec<(RegleHoraire, Lieu, (NaiveDate, NaiveDate))> = agenda
        .regles()?
        .into_iter()
        .filter(|(regle, _)| regle.propose(choix.specialite, choix.type_consultation))
        .map(|(regle, lieu)| {
            let dates = dates_touchees(lieu, fenetre);
            (regle, lieu, dates)
        })
        .collect();
    // Day after day, each day's rules by local start: the slots come out in order (but across zones
    // or overlapping rules), so the sort below meets one sorted run and only checks it. Rule after rule,
    // the month was a run per rule to merge, a tenth of the answer's time.
    regles.sort_by_key(|(regle, _, _)| regle.debut);
    let (Some(premier), Some(dernier)) = (
        regles.iter().map(|(_, _, (p, _))| *p).min(),
        regles.iter().map(|(_, _, (_, d))| *d).max(),
    ) else {
        return Ok(Vec::new());
    };
    let mut slots = Vec::new();
    for date in premier.iter_days().take_while(|d| *d <= dernier) {
        for (regle, lieu, (p, d)) in &regles {
            if (*p..=*d).contains(&date) && regle.en_vigueur(date) {
                slots_du_jour(regle, *lieu, date, choix, fenetre, &mut slots);
            }
        }
    }
    slots.sort_by_key(|s| (s.libre.debut, s.libre.structure_id));
    Ok(slots)
}

/// The local dates of `lieu` on which a slot starting in `fenetre` may lie: from the day before the
/// window's first local date (a fall-back hour can put a slot that starts inside the window on the
/// previous local date) to its last.
fn dates_touchees(lieu: Lieu, fenetre: Creneau) -> (NaiveDate, NaiveDate) {
    let premier = lieu
        .fuseau
        .local(fenetre.debut())
        .date()
        .pred_opt()
        .unwrap_or(NaiveDate::MIN);
    (premier, lieu.fuseau.local(fenetre.fin()).date())
}

/// How many créneaux the horaires offer whose start is in `fenetre` (≤ 31 days), booked or not, outside
/// the periods off: the denominator of a fill rate. Each rule counts once, at the slot length of its
/// first spécialité and first type, so a rule open to both types is not counted twice.
pub fn creneaux_offerts(agenda: &Agenda, fenetre: Creneau) -> Result<usize, DisponibiliteInvalide> {
    if fenetre.duree() > Duration::days(FENETRE_JOURS_MAX) {
        return Err(DisponibiliteInvalide::FenetreTropLongue);
    }
    let mut slots = Vec::new();
    for (regle, lieu) in agenda.regles()? {
        let Some(&type_consultation) = regle.types.first() else {
            continue;
        };
        let specialite = regle
            .specialites
            .as_ref()
            .and_then(|s| s.iter().find(|s| agenda.specialites.contains(s)))
            .or(agenda.specialites.first())
            .copied();
        let Ok(choix) = agenda.choisir(specialite, type_consultation, None) else {
            continue;
        };
        slots_de_la_regle(&regle, lieu, &choix, fenetre, &mut slots);
    }
    Ok(slots
        .iter()
        .filter(|s| {
            let c = s.libre.creneau();
            !agenda.indisponibilites.iter().any(|i| i.chevauche(&c))
        })
        .count())
}

/// The slots of one rule whose start is in `fenetre`, every local date the window touches.
fn slots_de_la_regle(regle: &RegleHoraire, lieu: Lieu, choix: &Choix, fenetre: Creneau, out: &mut Vec<Slot>) {
    let (premier, dernier) = dates_touchees(lieu, fenetre);
    for date in premier.iter_days().take_while(|d| *d <= dernier) {
        if regle.en_vigueur(date) {
            slots_du_jour(regle, lieu, date, choix, fenetre, out);
        }
    }
}

/// One rule on one local date.
fn slots_du_jour(
    regle: &RegleHoraire,
    lieu: Lieu,
    date: NaiveDate,
    choix: &Choix,
    fenetre: Creneau,
    out: &mut Vec<Slot>,
) {
    let fuseau = lieu.fuseau;
    let debut_local = date.and_time(regle.debut.temps());
    let fin_local = date.and_time(regle.fin.temps());
    let fin_regle = fuseau.instant_fin(fin_local);
    if fin_regle <= fenetre.debut() {
        return;
    }
    let pas = choix.duree.duree();
    // Fast path: one offset over the whole rule (no DST change inside it), so no per-slot zone lookup
    // and the walk is in UTC.
    let decalage = match (fuseau.decalage(debut_local), fuseau.decalage(fin_local)) {
        (Some(a), Some(b)) if a == b => Some(a),
        _ => None,
    };
    let slot = |debut, fin| Slot {
        libre: CreneauLibre {
            debut,
            fin,
            specialite: choix.specialite,
            type_consultation: choix.type_consultation,
            structure_id: lieu.structure_id,
        },
        fuseau,
    };
    if let Some(d) = decalage {
        // The same walk in UTC: with one offset, `local + pas <= fin_local` is `debut + pas <= fin` in
        // UTC, each slot starts where the previous one ended, and once a slot ends past the rule or
        // starts past the window every later one does too. One instant addition a slot instead of four
        // date-time ones (a tenth of a month's answer).
        let mut debut = (debut_local - d).and_utc();
        let limite = (fin_local - d).and_utc().min(fin_regle);
        loop {
            let fin = debut + pas;
            if fin > limite || debut >= fenetre.fin() {
                break;
            }
            if debut >= fenetre.debut() {
                out.push(slot(debut, fin));
            }
            debut = fin;
        }
        return;
    }
    let mut fin_precedente = DateTime::<Utc>::MIN_UTC;
    let mut local = debut_local;
    while local + pas <= fin_local {
        if let Some(debut) = fuseau.instant(local) {
            let fin = debut + pas;
            if debut >= fin_precedente && fin <= fin_regle {
                fin_precedente = fin;
                if debut >= fenetre.fin() {
                    break;
                }
                if debut >= fenetre.debut() {
                    out.push(slot(debut, fin));
                }
            }
        }
        local += pas;
    }
}

/// Whether a slot may be booked now with that origine: after now + préavis (online) or from the start
/// of the local day (hors plateforme), and before now + horizon.
pub(crate) fn dans_les_delais(
    agenda: &Agenda,
    slot: &Slot,
    origine: Origine,
    now: DateTime<Utc>,
) -> Result<(), HorsDelai> {
    let debut = slot.libre.debut;
    let au_plus_tot = match origine {
        Origine::Plateforme => now + agenda.reglages.preavis(),
        Origine::HorsPlateforme => debut_du_jour(slot.fuseau, now),
    };
    if debut < au_plus_tot {
        return Err(HorsDelai::TropTot(au_plus_tot));
    }
    let au_plus_tard = now + agenda.reglages.horizon();
    if debut >= au_plus_tard {
        return Err(HorsDelai::TropTard(au_plus_tard));
    }
    Ok(())
}

/// Outside the booking delays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum HorsDelai {
    /// Before now + préavis (or before today, hors plateforme).
    #[error("trop tôt : réservable à partir de {0}")]
    TropTot(DateTime<Utc>),
    /// After the booking horizon.
    #[error("trop loin : réservable jusqu'au {0} seulement")]
    TropTard(DateTime<Utc>),
}

/// The instant the local day of `now` began in that zone.
fn debut_du_jour(fuseau: Fuseau, now: DateTime<Utc>) -> DateTime<Utc> {
    let minuit = fuseau.local(now).date().and_time(chrono::NaiveTime::MIN);
    // A zone whose day starts inside a DST gap starts it when the gap ends.
    fuseau
        .instant(minuit)
        .unwrap_or_else(|| fuseau.instant_fin(minuit))
}

/// Drops the slots that overlap an indisponibilité or a rdv, in one sweep over the window's busy
/// intervals (both lists sorted by start).
fn retirer_occupes(agenda: &Agenda, slots: &mut Vec<Slot>) {
    let (Some(premier), Some(dernier)) = (slots.first(), slots.last()) else {
        return;
    };
    let fin = slots
        .iter()
        .map(|s| s.libre.fin)
        .max()
        .unwrap_or(dernier.libre.fin);
    let fenetre = Creneau::de_confiance(premier.libre.debut, fin);
    let indisponibles: Vec<Creneau> = agenda
        .indisponibilites
        .iter()
        .chain(&agenda.occupes.longs)
        .filter(|i| i.chevauche(&fenetre))
        .copied()
        .collect();
    let courts = agenda.occupes.courts_vers(fenetre.debut(), fenetre.fin());
    let mut bas = 0;
    slots.retain(|s| {
        let c = s.libre.creneau();
        if indisponibles.iter().any(|i| i.chevauche(&c)) {
            return false;
        }
        // Intervals are at most DUREE_MAX long: one starting that much before this slot ends before it,
        // and before every later slot too.
        while courts
            .get(bas)
            .is_some_and(|b| b.debut() + duree_max() <= c.debut())
        {
            bas += 1;
        }
        !courts
            .get(bas..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.debut() < c.fin())
            .any(|b| b.chevauche(&c))
    });
}

#[cfg(test)]
mod tests;

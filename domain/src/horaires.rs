//! Horaires: a praticien's weekly opening rules, per structure, in wall-clock time.
//!
//! A rule says "on this day of the week, from `debut` to `fin` local time, at this structure, these
//! types (and optionally only these spécialités), between these dates". A set of rules is checked as a
//! whole: rules never overlap, since one praticien cannot be in two places at once.

use chrono::{NaiveDate, NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;
use crate::consultation::TypeConsultation;
use crate::ids::StructureId;
use crate::specialite::Specialite;

/// Most rules one praticien may have (a week of split days at several structures fits easily).
pub const REGLES_MAX: usize = 200;

/// A day of the week, in French as in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Jour {
    Lundi,
    Mardi,
    Mercredi,
    Jeudi,
    Vendredi,
    Samedi,
    Dimanche,
}

impl From<Weekday> for Jour {
    fn from(w: Weekday) -> Self {
        match w {
            Weekday::Mon => Jour::Lundi,
            Weekday::Tue => Jour::Mardi,
            Weekday::Wed => Jour::Mercredi,
            Weekday::Thu => Jour::Jeudi,
            Weekday::Fri => Jour::Vendredi,
            Weekday::Sat => Jour::Samedi,
            Weekday::Sun => Jour::Dimanche,
        }
    }
}

/// A wall-clock time to the minute, written `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Heure(NaiveTime);

impl Heure {
    /// `h:m`, if it is a time of day.
    pub fn hm(h: u32, m: u32) -> Option<Self> {
        NaiveTime::from_hms_opt(h, m, 0).map(Heure)
    }

    /// `h:m` for constants: in a `const` item an impossible time fails the build. Only call it there:
    /// at run time it would panic, where [`Heure::hm`] returns `None`.
    pub const fn const_hm(h: u32, m: u32) -> Self {
        match NaiveTime::from_hms_opt(h, m, 0) {
            Some(t) => Heure(t),
            None => panic!("heure impossible"),
        }
    }

    /// Parses `HH:MM`.
    pub fn parse(s: &str) -> Result<Self, HorairesInvalides> {
        NaiveTime::parse_from_str(s, "%H:%M")
            .map(Heure)
            .map_err(|_| HorairesInvalides::Heure(s.to_owned()))
    }

    /// As a chrono time.
    pub fn temps(self) -> NaiveTime {
        self.0
    }
}

impl Serialize for Heure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:02}:{:02}", self.0.hour(), self.0.minute()))
    }
}

impl<'de> Deserialize<'de> for Heure {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Heure::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One weekly rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegleHoraire {
    /// Day of the week.
    pub jour: Jour,
    /// Local start.
    pub debut: Heure,
    /// Local end (exclusive), the same day.
    pub fin: Heure,
    /// Where: its time zone is the rule's.
    pub structure_id: StructureId,
    /// Types offered.
    pub types: Vec<TypeConsultation>,
    /// Only these spécialités, when set; every spécialité of the praticien otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specialites: Option<Vec<Specialite>>,
    /// First day in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valable_du: Option<NaiveDate>,
    /// Last day in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valable_au: Option<NaiveDate>,
}

impl RegleHoraire {
    /// Whether the rule applies on that local date.
    pub fn en_vigueur(&self, date: NaiveDate) -> bool {
        Jour::from(chrono::Datelike::weekday(&date)) == self.jour
            && self.valable_du.is_none_or(|du| du <= date)
            && self.valable_au.is_none_or(|au| date <= au)
    }

    /// Whether the rule offers that spécialité and type.
    pub fn propose(&self, specialite: Specialite, type_consultation: TypeConsultation) -> bool {
        self.types.contains(&type_consultation) && self.accepte_specialite(specialite)
    }

    /// Whether the rule is open to that spécialité (whatever the type).
    pub fn accepte_specialite(&self, specialite: Specialite) -> bool {
        self.specialites.as_ref().is_none_or(|s| s.contains(&specialite))
    }

    fn chevauche(&self, autre: &RegleHoraire) -> bool {
        // An absent bound is open: `None` sorts first, so `max` of the starts is right as is.
        let debut = self.valable_du.max(autre.valable_du);
        let fin = match (self.valable_au, autre.valable_au) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let periodes = match (debut, fin) {
            (Some(d), Some(f)) => d <= f,
            _ => true,
        };
        self.jour == autre.jour && self.debut < autre.fin && autre.debut < self.fin && periodes
    }
}

/// Why a set of horaires was refused; names the rule (0-based index) at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HorairesInvalides {
    /// Not `HH:MM`.
    #[error("heure invalide : {0:?} (attendu HH:MM)")]
    Heure(String),
    /// More than [`REGLES_MAX`] rules.
    #[error("trop de règles : {0} (au plus {REGLES_MAX})")]
    TropDeRegles(usize),
    /// `fin` not after `debut`.
    #[error("règle {0} : la fin doit être postérieure au début")]
    RegleVide(usize),
    /// No type offered, or an empty spécialité list.
    #[error("règle {0} : au moins un type et, si la liste est donnée, une spécialité")]
    RegleSansType(usize),
    /// `valable_au` before `valable_du`.
    #[error("règle {0} : valable_au précède valable_du")]
    Periode(usize),
    /// Two rules share a moment.
    #[error("les règles {0} et {1} se chevauchent")]
    Chevauchement(usize, usize),
}

impl Code for HorairesInvalides {
    fn code(&self) -> &'static str {
        match self {
            HorairesInvalides::Chevauchement(..) => "horaires_chevauchants",
            _ => "horaires_invalides",
        }
    }
}

/// A checked set of rules: each non-empty, none overlapping another.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<RegleHoraire>", into = "Vec<RegleHoraire>")]
pub struct Horaires(Vec<RegleHoraire>);

impl Horaires {
    /// Checks each rule and that no two overlap. Empty is allowed: see [`Horaires::effectives`].
    pub fn new(mut regles: Vec<RegleHoraire>) -> Result<Self, HorairesInvalides> {
        if regles.len() > REGLES_MAX {
            return Err(HorairesInvalides::TropDeRegles(regles.len()));
        }
        for (i, r) in regles.iter_mut().enumerate() {
            if r.fin <= r.debut {
                return Err(HorairesInvalides::RegleVide(i));
            }
            r.types.sort_unstable();
            r.types.dedup();
            if r.types.is_empty() || r.specialites.as_ref().is_some_and(Vec::is_empty) {
                return Err(HorairesInvalides::RegleSansType(i));
            }
            if let (Some(du), Some(au)) = (r.valable_du, r.valable_au)
                && au < du
            {
                return Err(HorairesInvalides::Periode(i));
            }
        }
        for (i, a) in regles.iter().enumerate() {
            if let Some(j) = regles[i + 1..].iter().position(|b| a.chevauche(b)) {
                return Err(HorairesInvalides::Chevauchement(i, i + 1 + j));
            }
        }
        Ok(Horaires(regles))
    }

    /// DOMAIN.md's default for a praticien with none: Monday to Friday, 08:00 to 19:00, présentiel, in
    /// the first structure.
    pub fn semaine_par_defaut(structure_id: StructureId) -> Self {
        // Constants, so `const_hm` runs at compile time: an impossible time fails the build.
        const DEBUT: Heure = Heure::const_hm(8, 0);
        const FIN: Heure = Heure::const_hm(19, 0);
        let (debut, fin) = (DEBUT, FIN);
        let jours = [
            Jour::Lundi,
            Jour::Mardi,
            Jour::Mercredi,
            Jour::Jeudi,
            Jour::Vendredi,
        ];
        Horaires(
            jours
                .into_iter()
                .map(|jour| RegleHoraire {
                    jour,
                    debut,
                    fin,
                    structure_id,
                    types: vec![TypeConsultation::Presentiel],
                    specialites: None,
                    valable_du: None,
                    valable_au: None,
                })
                .collect(),
        )
    }

    /// The rules in force: these, or the default week in `premiere_structure` when there are none.
    pub fn effectives(&self, premiere_structure: Option<StructureId>) -> std::borrow::Cow<'_, Horaires> {
        match (self.0.is_empty(), premiere_structure) {
            (true, Some(s)) => std::borrow::Cow::Owned(Horaires::semaine_par_defaut(s)),
            _ => std::borrow::Cow::Borrowed(self),
        }
    }

    /// The rules.
    pub fn regles(&self) -> &[RegleHoraire] {
        &self.0
    }
}

impl TryFrom<Vec<RegleHoraire>> for Horaires {
    type Error = HorairesInvalides;

    fn try_from(regles: Vec<RegleHoraire>) -> Result<Self, HorairesInvalides> {
        Horaires::new(regles)
    }
}

impl From<Horaires> for Vec<RegleHoraire> {
    fn from(h: Horaires) -> Self {
        h.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn regle(jour: Jour, debut: (u32, u32), fin: (u32, u32)) -> RegleHoraire {
        RegleHoraire {
            jour,
            debut: Heure::hm(debut.0, debut.1).unwrap(),
            fin: Heure::hm(fin.0, fin.1).unwrap(),
            structure_id: StructureId(Uuid::nil()),
            types: vec![TypeConsultation::Presentiel],
            specialites: None,
            valable_du: None,
            valable_au: None,
        }
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[track_caller]
    fn check(regles: Vec<RegleHoraire>, attendu: Result<(), &str>) {
        let obtenu = Horaires::new(regles).map(|_| ()).map_err(|e| e.to_string());
        match (obtenu, attendu) {
            (Ok(()), Ok(())) => {}
            (Err(e), Err(fragment)) => assert!(e.contains(fragment), "{e} should mention {fragment}"),
            (obtenu, attendu) => panic!("got {obtenu:?}, expected {attendu:?}"),
        }
    }

    #[test]
    fn rule_sets() {
        check(
            vec![
                regle(Jour::Lundi, (8, 0), (12, 0)),
                regle(Jour::Lundi, (14, 0), (18, 0)),
            ],
            Ok(()),
        );
        check(
            vec![
                regle(Jour::Lundi, (8, 0), (12, 0)),
                regle(Jour::Lundi, (12, 0), (18, 0)),
            ],
            Ok(()),
        );
        check(
            vec![
                regle(Jour::Lundi, (8, 0), (12, 0)),
                regle(Jour::Mardi, (8, 0), (12, 0)),
            ],
            Ok(()),
        );
        check(
            vec![
                regle(Jour::Lundi, (8, 0), (12, 0)),
                regle(Jour::Lundi, (11, 0), (18, 0)),
            ],
            Err("0 et 1 se chevauchent"),
        );
        check(vec![regle(Jour::Lundi, (12, 0), (12, 0))], Err("règle 0"));
        let mut sans_type = regle(Jour::Lundi, (8, 0), (12, 0));
        sans_type.types.clear();
        check(vec![sans_type], Err("au moins un type"));
        let mut periode = regle(Jour::Lundi, (8, 0), (12, 0));
        periode.valable_du = Some(date("2026-06-01"));
        periode.valable_au = Some(date("2026-05-01"));
        check(vec![periode], Err("valable_au"));
        check(
            (0..=REGLES_MAX)
                .map(|_| regle(Jour::Lundi, (8, 0), (9, 0)))
                .collect(),
            Err("trop de règles"),
        );
    }

    #[test]
    fn overlapping_times_in_disjoint_periods_are_fine() {
        let mut hiver = regle(Jour::Lundi, (8, 0), (12, 0));
        hiver.valable_au = Some(date("2026-03-31"));
        let mut ete = regle(Jour::Lundi, (9, 0), (13, 0));
        ete.valable_du = Some(date("2026-04-01"));
        check(vec![hiver.clone(), ete.clone()], Ok(()));
        ete.valable_du = Some(date("2026-03-31"));
        check(vec![hiver, ete.clone()], Err("chevauchent"));
        let permanent = regle(Jour::Lundi, (10, 0), (11, 0));
        check(vec![ete, permanent], Err("chevauchent"));
    }

    #[test]
    fn en_vigueur_follows_day_and_period() {
        let mut r = regle(Jour::Lundi, (8, 0), (12, 0));
        r.valable_du = Some(date("2026-11-02"));
        r.valable_au = Some(date("2026-11-30"));
        assert!(!r.en_vigueur(date("2026-10-26")));
        assert!(r.en_vigueur(date("2026-11-02")));
        assert!(!r.en_vigueur(date("2026-11-03")));
        assert!(r.en_vigueur(date("2026-11-30")));
        assert!(!r.en_vigueur(date("2026-12-07")));
    }

    #[test]
    fn default_week_is_monday_to_friday_8_to_19() {
        let s = StructureId(Uuid::nil());
        let h = Horaires::default();
        let eff = h.effectives(Some(s));
        assert_eq!(eff.regles().len(), 5);
        assert!(
            eff.regles()
                .iter()
                .all(|r| r.debut == Heure::hm(8, 0).unwrap() && r.fin == Heure::hm(19, 0).unwrap())
        );
        assert!(
            !eff.regles()
                .iter()
                .any(|r| r.jour == Jour::Samedi || r.jour == Jour::Dimanche)
        );
    }

    #[test]
    fn json_shape_is_the_api_one() {
        let json = r#"[{"jour":"dimanche","debut":"01:00","fin":"04:00",
            "structure_id":"00000000-0000-0000-0000-000000000000","types":["presentiel"]}]"#;
        let h: Horaires = serde_json::from_str(json).unwrap();
        assert_eq!(h.regles()[0].jour, Jour::Dimanche);
        let back = serde_json::to_string(&h).unwrap();
        assert!(back.contains(r#""debut":"01:00""#), "{back}");
        assert!(serde_json::from_str::<Horaires>(&json.replace("04:00", "25:00")).is_err());
    }
}

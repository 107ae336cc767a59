//! Time: instants are UTC, créneaux are half-open `[debut, fin)`, durations are bounded minutes, and
//! wall-clock rules live in an IANA time zone ([`Fuseau`]).

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Code;

/// Shortest consultation a praticien may configure.
pub const DUREE_MIN_MINUTES: u16 = 5;
/// Longest consultation (and so the longest busy interval an rdv can make).
pub const DUREE_MAX_MINUTES: u16 = 480;

/// A time interval `[debut, fin)` in UTC, never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Creneau {
    debut: DateTime<Utc>,
    fin: DateTime<Utc>,
}

/// Why a time value was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TempsInvalide {
    /// `fin` is not after `debut`.
    #[error("la fin ({fin}) doit être postérieure au début ({debut})")]
    CreneauVide {
        /// The start given.
        debut: DateTime<Utc>,
        /// The end given.
        fin: DateTime<Utc>,
    },
    /// A duration outside [`DUREE_MIN_MINUTES`]..=[`DUREE_MAX_MINUTES`].
    #[error("durée de {0} minutes hors des bornes ({DUREE_MIN_MINUTES} à {DUREE_MAX_MINUTES} minutes)")]
    DureeHorsBornes(u32),
    /// Not an IANA time zone name.
    #[error("fuseau horaire inconnu : {0:?}")]
    FuseauInconnu(String),
}

impl Code for TempsInvalide {
    fn code(&self) -> &'static str {
        match self {
            TempsInvalide::CreneauVide { .. } => "creneau_invalide",
            TempsInvalide::DureeHorsBornes(_) => "duree_invalide",
            TempsInvalide::FuseauInconnu(_) => "fuseau_inconnu",
        }
    }
}

impl Creneau {
    /// `[debut, fin)`, refused when empty or reversed.
    pub fn new(debut: DateTime<Utc>, fin: DateTime<Utc>) -> Result<Self, TempsInvalide> {
        if fin <= debut {
            return Err(TempsInvalide::CreneauVide { debut, fin });
        }
        Ok(Self { debut, fin })
    }

    /// `[debut, debut + duree)`.
    pub fn depuis(debut: DateTime<Utc>, duree: DureeMinutes) -> Self {
        Self {
            debut,
            fin: debut + duree.duree(),
        }
    }

    /// `[debut, fin)` from bounds this crate computed itself, so already ordered.
    pub(crate) fn de_confiance(debut: DateTime<Utc>, fin: DateTime<Utc>) -> Self {
        debug_assert!(debut < fin, "créneau vide construit par le domaine");
        Self { debut, fin }
    }

    /// First instant inside.
    pub fn debut(&self) -> DateTime<Utc> {
        self.debut
    }

    /// First instant after.
    pub fn fin(&self) -> DateTime<Utc> {
        self.fin
    }

    /// Real-time length.
    pub fn duree(&self) -> Duration {
        self.fin - self.debut
    }

    /// Whether the two intervals share at least one instant (touching ends do not overlap).
    pub fn chevauche(&self, autre: &Creneau) -> bool {
        self.debut < autre.fin && autre.debut < self.fin
    }

    /// Whether `instant` is inside.
    pub fn contient(&self, instant: DateTime<Utc>) -> bool {
        self.debut <= instant && instant < self.fin
    }
}

impl<'de> Deserialize<'de> for Creneau {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Brut {
            debut: DateTime<Utc>,
            fin: DateTime<Utc>,
        }
        let brut = Brut::deserialize(d)?;
        Creneau::new(brut.debut, brut.fin).map_err(serde::de::Error::custom)
    }
}

/// A consultation length in minutes, within [`DUREE_MIN_MINUTES`]..=[`DUREE_MAX_MINUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct DureeMinutes(u16);

impl DureeMinutes {
    /// The default slot length (DOMAIN.md: 30 minutes).
    pub const DEFAUT: DureeMinutes = DureeMinutes(30);

    /// Checks the bounds.
    pub fn new(minutes: u32) -> Result<Self, TempsInvalide> {
        if (u32::from(DUREE_MIN_MINUTES)..=u32::from(DUREE_MAX_MINUTES)).contains(&minutes) {
            // The bound above makes the narrowing exact.
            Ok(Self(minutes as u16))
        } else {
            Err(TempsInvalide::DureeHorsBornes(minutes))
        }
    }

    /// The number of minutes.
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// As a chrono duration.
    pub fn duree(self) -> Duration {
        Duration::minutes(i64::from(self.0))
    }
}

impl<'de> Deserialize<'de> for DureeMinutes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        DureeMinutes::new(u32::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A structure's IANA time zone, in which its horaires are wall-clock times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fuseau(Tz);

impl Fuseau {
    /// Metropolitan France, the default.
    pub const PARIS: Fuseau = Fuseau(Tz::Europe__Paris);

    /// Parses an IANA name such as `Europe/Paris` or `Indian/Reunion`.
    pub fn parse(nom: &str) -> Result<Self, TempsInvalide> {
        nom.parse::<Tz>()
            .map(Fuseau)
            .map_err(|_| TempsInvalide::FuseauInconnu(nom.to_owned()))
    }

    /// The IANA name.
    pub fn nom(self) -> &'static str {
        self.0.name()
    }

    /// The underlying zone.
    pub fn tz(self) -> Tz {
        self.0
    }

    /// The instant of a wall-clock time, DOMAIN.md's way: a local time that does not exist (spring
    /// forward) has none; one that exists twice (fall back) is its first occurrence.
    pub fn instant(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.0
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The instant a wall-clock *end* stands for: its last occurrence when repeated, and the end of the
    /// gap when it falls inside one (the clock jumped past it).
    pub fn instant_fin(self, local: NaiveDateTime) -> DateTime<Utc> {
        // A gap is at most a few hours long (two-hour jumps are the largest on record).
        const SAUT_MAX_MINUTES: i64 = 4 * 60;
        for avance in 0..=SAUT_MAX_MINUTES {
            if let Some(t) = self
                .0
                .from_local_datetime(&(local + Duration::minutes(avance)))
                .latest()
            {
                return t.with_timezone(&Utc);
            }
        }
        // Unreachable with real zone data; fall back on the standard offset rather than fail.
        Utc.from_utc_datetime(&local)
    }

    /// The UTC offset at a wall-clock time, when that time exists exactly once.
    pub(crate) fn decalage(self, local: NaiveDateTime) -> Option<Duration> {
        let offset = self.0.offset_from_local_datetime(&local).single()?;
        Some(Duration::seconds(i64::from(offset.fix().local_minus_utc())))
    }

    /// The wall-clock time of an instant here.
    pub fn local(self, instant: DateTime<Utc>) -> NaiveDateTime {
        instant.with_timezone(&self.0).naive_local()
    }
}

impl Default for Fuseau {
    fn default() -> Self {
        Fuseau::PARIS
    }
}

impl Serialize for Fuseau {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.nom())
    }
}

impl<'de> Deserialize<'de> for Fuseau {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let nom = String::deserialize(d)?;
        Fuseau::parse(&nom).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn creneau_refuses_empty_and_reversed() {
        let t = utc("2026-03-29T07:30:00Z");
        assert!(Creneau::new(t, t).is_err());
        assert!(Creneau::new(t, t - Duration::minutes(1)).is_err());
        assert_eq!(
            Creneau::new(t, t + Duration::minutes(30)).unwrap().duree(),
            Duration::minutes(30)
        );
    }

    #[test]
    fn touching_creneaux_do_not_overlap() {
        let t = utc("2026-03-29T07:30:00Z");
        let a = Creneau::depuis(t, DureeMinutes::DEFAUT);
        let b = Creneau::depuis(a.fin(), DureeMinutes::DEFAUT);
        assert!(!a.chevauche(&b));
        assert!(a.chevauche(&Creneau::depuis(t + Duration::minutes(29), DureeMinutes::DEFAUT)));
    }

    #[test]
    fn duree_bounds() {
        assert!(DureeMinutes::new(4).is_err());
        assert!(DureeMinutes::new(5).is_ok());
        assert!(DureeMinutes::new(480).is_ok());
        assert_eq!(DureeMinutes::new(481).unwrap_err().code(), "duree_invalide");
    }

    #[test]
    fn creneau_json_rejects_reversed() {
        let bad = r#"{"debut":"2026-01-01T10:00:00Z","fin":"2026-01-01T09:00:00Z"}"#;
        assert!(serde_json::from_str::<Creneau>(bad).is_err());
    }

    #[test]
    fn paris_spring_forward_has_no_0230() {
        let paris = Fuseau::PARIS;
        assert_eq!(paris.instant(local("2027-03-28 02:30")), None);
        assert_eq!(
            paris.instant_fin(local("2027-03-28 02:30")),
            utc("2027-03-28T01:00:00Z")
        );
    }

    #[test]
    fn paris_fall_back_takes_first_occurrence_for_start_last_for_end() {
        let paris = Fuseau::PARIS;
        assert_eq!(
            paris.instant(local("2027-10-31 02:30")),
            Some(utc("2027-10-31T00:30:00Z"))
        );
        assert_eq!(
            paris.instant_fin(local("2027-10-31 02:30")),
            utc("2027-10-31T01:30:00Z")
        );
    }

    #[test]
    fn reunion_has_no_dst() {
        let reunion = Fuseau::parse("Indian/Reunion").unwrap();
        let jour = NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
        let t = jour.and_hms_opt(2, 30, 0).unwrap();
        assert_eq!(reunion.instant(t), Some(utc("2027-03-27T22:30:00Z")));
        assert_eq!(
            Fuseau::parse("Mars/Olympus").unwrap_err().code(),
            "fuseau_inconnu"
        );
    }
}

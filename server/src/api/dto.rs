//! Wire types shared by several resources, and their conversions to and from the domain.
//!
//! Conversions from the wire parse through the domain's constructors, so a value that reaches a
//! handler's logic is valid; every refusal is a 422 naming the field and carrying the domain's code.

use chrono::{DateTime, NaiveDate, Utc};
use domain::Code;
use domain::consultation::{Origine, TypeConsultation};
use domain::disponibilite::{Agenda, DureeConsultation, MOTIF_CODE_LONGUEUR_MAX, MOTIFS_MAX, Motif};
use domain::horaires::{Heure, Horaires, Jour, RegleHoraire};
use domain::ids::StructureId;
use domain::reglages::{PolitiqueAnnulationTardive, Reglages, ReglagesBruts};
use domain::specialite::Specialite;
use domain::temps::{Creneau, DureeMinutes};
use poem_openapi::{Enum, Object};
use uuid::Uuid;

use super::probleme::ErreurApi;

/// `presentiel` or `teleconsultation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum TypeDto {
    /// At the structure.
    Presentiel,
    /// By video.
    Teleconsultation,
}

impl From<TypeDto> for TypeConsultation {
    fn from(t: TypeDto) -> Self {
        match t {
            TypeDto::Presentiel => TypeConsultation::Presentiel,
            TypeDto::Teleconsultation => TypeConsultation::Teleconsultation,
        }
    }
}

impl From<TypeConsultation> for TypeDto {
    fn from(t: TypeConsultation) -> Self {
        match t {
            TypeConsultation::Presentiel => TypeDto::Presentiel,
            TypeConsultation::Teleconsultation => TypeDto::Teleconsultation,
        }
    }
}

/// `plateforme` (online) or `hors_plateforme` (recorded by the cabinet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OrigineDto {
    /// Online.
    Plateforme,
    /// Phone, desk, walk-in.
    HorsPlateforme,
}

impl From<OrigineDto> for Origine {
    fn from(o: OrigineDto) -> Self {
        match o {
            OrigineDto::Plateforme => Origine::Plateforme,
            OrigineDto::HorsPlateforme => Origine::HorsPlateforme,
        }
    }
}

impl From<Origine> for OrigineDto {
    fn from(o: Origine) -> Self {
        match o {
            Origine::Plateforme => OrigineDto::Plateforme,
            Origine::HorsPlateforme => OrigineDto::HorsPlateforme,
        }
    }
}

/// A spécialité with its label.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct SpecialiteDto {
    /// Stable code.
    pub code: String,
    /// French label.
    pub libelle: String,
}

impl From<Specialite> for SpecialiteDto {
    fn from(s: Specialite) -> Self {
        Self {
            code: s.code().to_owned(),
            libelle: s.libelle().to_owned(),
        }
    }
}

/// A spécialité code of the reference list, or 422 `specialite_inconnue`.
pub fn specialite(code: &str) -> Result<Specialite, ErreurApi> {
    Specialite::parse(code).map_err(|e| ErreurApi::non_traitable(&e))
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum JourDto {
    Lundi,
    Mardi,
    Mercredi,
    Jeudi,
    Vendredi,
    Samedi,
    Dimanche,
}

impl From<JourDto> for Jour {
    fn from(j: JourDto) -> Self {
        match j {
            JourDto::Lundi => Jour::Lundi,
            JourDto::Mardi => Jour::Mardi,
            JourDto::Mercredi => Jour::Mercredi,
            JourDto::Jeudi => Jour::Jeudi,
            JourDto::Vendredi => Jour::Vendredi,
            JourDto::Samedi => Jour::Samedi,
            JourDto::Dimanche => Jour::Dimanche,
        }
    }
}

impl From<Jour> for JourDto {
    fn from(j: Jour) -> Self {
        match j {
            Jour::Lundi => JourDto::Lundi,
            Jour::Mardi => JourDto::Mardi,
            Jour::Mercredi => JourDto::Mercredi,
            Jour::Jeudi => JourDto::Jeudi,
            Jour::Vendredi => JourDto::Vendredi,
            Jour::Samedi => JourDto::Samedi,
            Jour::Dimanche => JourDto::Dimanche,
        }
    }
}

/// One weekly rule of the horaires.
#[derive(Debug, Clone, Object)]
pub struct RegleDto {
    /// Day of the week.
    pub jour: JourDto,
    /// Local start, `HH:MM`.
    pub debut: String,
    /// Local end, `HH:MM`, the same day.
    pub fin: String,
    /// Where (its time zone applies).
    pub structure_id: Uuid,
    /// Types offered.
    pub types: Vec<TypeDto>,
    /// Only these spécialités, when given.
    #[oai(skip_serializing_if_is_none)]
    pub specialites: Option<Vec<String>>,
    /// First day in force.
    #[oai(skip_serializing_if_is_none)]
    pub valable_du: Option<NaiveDate>,
    /// Last day in force.
    #[oai(skip_serializing_if_is_none)]
    pub valable_au: Option<NaiveDate>,
}

/// Checks rules into horaires; every structure must be one of `structures`.
pub fn horaires(regles: &[RegleDto], structures: &[StructureId]) -> Result<Horaires, ErreurApi> {
    let regles = regles
        .iter()
        .map(|r| {
            let structure_id = StructureId(r.structure_id);
            if !structures.contains(&structure_id) {
                return Err(ErreurApi::new(
                    422,
                    "horaires_invalides",
                    format!(
                        "la structure {} n'est pas un lieu d'exercice du praticien",
                        r.structure_id
                    ),
                ));
            }
            Ok(RegleHoraire {
                jour: r.jour.into(),
                debut: Heure::parse(&r.debut).map_err(|e| ErreurApi::non_traitable(&e))?,
                fin: Heure::parse(&r.fin).map_err(|e| ErreurApi::non_traitable(&e))?,
                structure_id,
                types: r.types.iter().copied().map(Into::into).collect(),
                specialites: r
                    .specialites
                    .as_ref()
                    .map(|s| s.iter().map(|c| specialite(c)).collect())
                    .transpose()?,
                valable_du: r.valable_du,
                valable_au: r.valable_au,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Horaires::new(regles).map_err(|e| ErreurApi::non_traitable(&e))
}

impl From<&RegleHoraire> for RegleDto {
    fn from(r: &RegleHoraire) -> Self {
        let hm = |h: Heure| h.temps().format("%H:%M").to_string();
        Self {
            jour: r.jour.into(),
            debut: hm(r.debut),
            fin: hm(r.fin),
            structure_id: r.structure_id.0,
            types: r.types.iter().copied().map(Into::into).collect(),
            specialites: r
                .specialites
                .as_ref()
                .map(|s| s.iter().map(|s| s.code().to_owned()).collect()),
            valable_du: r.valable_du,
            valable_au: r.valable_au,
        }
    }
}

/// The late-cancel policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PolitiqueDto {
    /// Allowed and recorded.
    Signalee,
    /// Refused online.
    Refusee,
}

/// A praticien's booking policy.
#[derive(Debug, Clone, Object)]
pub struct ReglagesDto {
    /// Only patients of the patientèle may book.
    pub patients_connus_uniquement: bool,
    /// Cancellation delay in hours (0 to 168).
    pub delai_annulation_heures: u16,
    /// What a late cancellation does.
    pub annulation_tardive: PolitiqueDto,
    /// Minimum notice of an online booking, in minutes (0 to 20 160).
    pub preavis_minutes: u32,
    /// How far ahead one may book, in days (1 to 730).
    pub horizon_jours: u16,
    /// Reminder before a rdv, in hours (0: none; up to 168).
    pub rappel_heures: u16,
}

impl TryFrom<&ReglagesDto> for Reglages {
    type Error = ErreurApi;

    fn try_from(r: &ReglagesDto) -> Result<Self, ErreurApi> {
        Reglages::new(ReglagesBruts {
            patients_connus_uniquement: r.patients_connus_uniquement,
            delai_annulation_heures: r.delai_annulation_heures,
            annulation_tardive: match r.annulation_tardive {
                PolitiqueDto::Signalee => PolitiqueAnnulationTardive::Signalee,
                PolitiqueDto::Refusee => PolitiqueAnnulationTardive::Refusee,
            },
            preavis_minutes: r.preavis_minutes,
            horizon_jours: r.horizon_jours,
            rappel_heures: r.rappel_heures,
        })
        .map_err(|e| ErreurApi::non_traitable(&e))
    }
}

impl From<&Reglages> for ReglagesDto {
    fn from(r: &Reglages) -> Self {
        let v = r.valeurs();
        Self {
            patients_connus_uniquement: v.patients_connus_uniquement,
            delai_annulation_heures: v.delai_annulation_heures,
            annulation_tardive: match v.annulation_tardive {
                PolitiqueAnnulationTardive::Signalee => PolitiqueDto::Signalee,
                PolitiqueAnnulationTardive::Refusee => PolitiqueDto::Refusee,
            },
            preavis_minutes: v.preavis_minutes,
            horizon_jours: v.horizon_jours,
            rappel_heures: v.rappel_heures,
        }
    }
}

/// A motif de visite.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct MotifDto {
    /// Stable code, unique for the praticien.
    pub code: String,
    /// Label.
    pub libelle: String,
    /// Spécialité code.
    pub specialite: String,
    /// Length in minutes, when not the spécialité's.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duree_minutes: Option<u32>,
}

/// Checks motifs.
pub fn motifs(motifs: &[MotifDto]) -> Result<Vec<Motif>, ErreurApi> {
    if motifs.len() > MOTIFS_MAX {
        return Err(ErreurApi::new(
            422,
            "motifs_invalides",
            format!("au plus {MOTIFS_MAX} motifs"),
        ));
    }
    motifs
        .iter()
        .map(|m| {
            let code = m.code.trim();
            if code.is_empty() || code.len() > MOTIF_CODE_LONGUEUR_MAX {
                return Err(ErreurApi::new(
                    422,
                    "motifs_invalides",
                    "code de motif vide ou trop long",
                ));
            }
            Ok(Motif {
                code: code.to_owned(),
                libelle: super::comptes::champ("libelle", &m.libelle)?,
                specialite: specialite(&m.specialite)?,
                duree_minutes: m
                    .duree_minutes
                    .map(DureeMinutes::new)
                    .transpose()
                    .map_err(|e| ErreurApi::non_traitable(&e))?,
            })
        })
        .collect()
}

impl From<&Motif> for MotifDto {
    fn from(m: &Motif) -> Self {
        Self {
            code: m.code.clone(),
            libelle: m.libelle.clone(),
            specialite: m.specialite.code().to_owned(),
            duree_minutes: m.duree_minutes.map(|d| u32::from(d.minutes())),
        }
    }
}

/// A time interval.
#[derive(Debug, Clone, Object)]
pub struct IntervalleDto {
    /// Start (UTC).
    pub debut: DateTime<Utc>,
    /// End (UTC, exclusive).
    pub fin: DateTime<Utc>,
}

impl From<&Creneau> for IntervalleDto {
    fn from(c: &Creneau) -> Self {
        Self {
            debut: c.debut(),
            fin: c.fin(),
        }
    }
}

/// A structure and its time zone, as availability needs it.
#[derive(Debug, Clone, Object)]
pub struct LieuDto {
    /// The structure.
    pub structure_id: Uuid,
    /// Its IANA time zone.
    pub fuseau: String,
}

/// A slot length other than 30 minutes.
#[derive(Debug, Clone, Object)]
pub struct DureeDto {
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    #[oai(rename = "type")]
    pub type_consultation: TypeDto,
    /// Minutes.
    pub duree_minutes: u32,
}

impl From<&DureeConsultation> for DureeDto {
    fn from(d: &DureeConsultation) -> Self {
        Self {
            specialite: d.specialite.code().to_owned(),
            type_consultation: d.type_consultation.into(),
            duree_minutes: u32::from(d.duree_minutes.minutes()),
        }
    }
}

/// Everything a client needs to compute a praticien's créneaux offline (the domain's `Agenda`, in the
/// same JSON shape, so the wasm package reads it as is). No patient data.
#[derive(Debug, Clone, Object)]
pub struct CalendrierDto {
    /// Spécialité codes; the first is the default.
    pub specialites: Vec<String>,
    /// Structures and their time zones; the first hosts the default week.
    pub lieux: Vec<LieuDto>,
    /// Weekly rules (empty: Monday to Friday 08:00–19:00, présentiel, first structure).
    pub horaires: Vec<RegleDto>,
    /// Slot lengths other than 30 minutes.
    pub durees: Vec<DureeDto>,
    /// Motifs de visite.
    pub motifs: Vec<MotifDto>,
    /// Booking policy (préavis, horizon…).
    pub reglages: ReglagesDto,
    /// Periods off touching the window.
    pub indisponibilites: Vec<IntervalleDto>,
    /// Intervals held by rdvs touching the window.
    pub occupes: Vec<IntervalleDto>,
}

impl From<&Agenda> for CalendrierDto {
    fn from(a: &Agenda) -> Self {
        Self {
            specialites: a.specialites.iter().map(|s| s.code().to_owned()).collect(),
            lieux: a
                .lieux
                .iter()
                .map(|l| LieuDto {
                    structure_id: l.structure_id.0,
                    fuseau: l.fuseau.nom().to_owned(),
                })
                .collect(),
            horaires: a.horaires.regles().iter().map(RegleDto::from).collect(),
            durees: a.durees.iter().map(DureeDto::from).collect(),
            motifs: a.motifs.iter().map(MotifDto::from).collect(),
            reglages: ReglagesDto::from(&a.reglages),
            indisponibilites: a.indisponibilites.iter().map(IntervalleDto::from).collect(),
            occupes: a.occupes.tous().iter().map(IntervalleDto::from).collect(),
        }
    }
}

/// Declares a list page type `{ items, next_cursor }` for one item type.
macro_rules! page {
    ($nom:ident, $item:ty) => {
        /// A list page: `items`, and `next_cursor` unless it is the last.
        #[derive(Debug, Clone, poem_openapi::Object)]
        pub struct $nom {
            /// The items.
            pub items: Vec<$item>,
            /// Cursor of the next page (absent on the last).
            #[oai(skip_serializing_if_is_none)]
            pub next_cursor: Option<String>,
        }
    };
}
pub(crate) use page;

/// The `limit` of a list: default 20, 1 to 100.
pub fn limite(limit: Option<u32>) -> Result<usize, ErreurApi> {
    let n = limit.unwrap_or(20);
    if n == 0 || n as usize > crate::store::PAGE_ITEMS_MAX {
        return Err(ErreurApi::new(422, "limite_invalide", "limit : de 1 à 100"));
    }
    Ok(n as usize)
}

/// A domain error that is the client's, as a 422.
pub fn refus<E: Code + std::fmt::Display>(e: E) -> ErreurApi {
    ErreurApi::non_traitable(&e)
}

//! `GET /disponibilites`: the praticiens free on a given day at a given place, with their first
//! créneaux (the seed's "praticiens disponibles à une date donnée en fonction d'un lieu").
//!
//! The place (one ville or one structure) and the date are required. The praticiens of the place come
//! from the store's place indexes, by id; for each, its agenda is read for that local day and the
//! domain computes the free créneaux, so a request costs the praticiens of the place it reads (at most
//! [`PRATICIENS_EXAMINES_MAX`]), never the country. The day is the local date of each structure:
//! from its local midnight to the next, in its own time zone.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::Code;
use domain::consultation::{Origine, TypeConsultation};
use domain::disponibilite::{Recherche, creneaux_libres};
use domain::ids::StructureId;
use domain::specialite::Specialite;
use domain::temps::{Creneau, Fuseau};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use super::ApiTag;
use super::annuaire::StructureDto;
use super::dto::{SpecialiteDto, TypeDto, limite, page};
use super::etat::EtatPartage;
use super::praticiens::CreneauDto;
use super::probleme::ErreurApi;
use crate::modele::{Praticien, Structure};
use crate::store::redb::replier;
use crate::store::{Stockage, StoreError};

page!(PageDisponibles, PraticienDisponibleDto);

/// Most créneaux shown per praticien: the first ones of the day.
pub const CRENEAUX_PAR_PRATICIEN_MAX: usize = 4;
/// Most praticiens one request examines (reads the agenda of). A place with more, few of them free,
/// gives a short page (possibly empty) with a `next_cursor` to go on from.
pub const PRATICIENS_EXAMINES_MAX: usize = 200;
/// How far from today (either way) the date may be.
pub const DATE_ECART_JOURS_MAX: i64 = 731;
/// Longest `ville` accepted.
pub const VILLE_LONGUEUR_MAX: usize = 100;

/// A praticien as this list shows it: who, and where at that place.
#[derive(Debug, Clone, Object)]
pub struct PraticienResumeDto {
    /// Its id (its public profile: `/praticiens/{id}`).
    pub id: Uuid,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// "Dr"…
    #[oai(skip_serializing_if_is_none)]
    pub titre: Option<String>,
    /// Spécialités; the first is the default.
    pub specialites: Vec<SpecialiteDto>,
    /// Its structures at that place.
    pub structures: Vec<StructureDto>,
}

/// A praticien free that day, with its first créneaux there.
#[derive(Debug, Clone, Object)]
pub struct PraticienDisponibleDto {
    /// Who.
    pub praticien: PraticienResumeDto,
    /// Its first free créneaux that day at that place, by start (at most 4).
    pub creneaux: Vec<CreneauDto>,
}

/// The place asked for.
#[derive(Debug, Clone)]
enum Lieu {
    /// Every structure of a ville (folded by `replier`).
    Ville(String),
    /// One structure.
    Structure(StructureId),
}

impl Lieu {
    fn contient(&self, structure: &Structure) -> bool {
        match self {
            Lieu::Ville(v) => replier(&structure.ville) == *v,
            Lieu::Structure(id) => structure.id == *id,
        }
    }
}

/// What one request looks for.
#[derive(Debug, Clone)]
struct Demande {
    lieu: Lieu,
    date: NaiveDate,
    specialite: Option<Specialite>,
    type_consultation: TypeConsultation,
    now: DateTime<Utc>,
    limit: usize,
}

/// The day `date` in a time zone: from its local midnight to the next. A midnight that does not exist
/// (a zone jumping over it) starts at the first instant that does.
pub(super) fn journee(fuseau: Fuseau, date: NaiveDate) -> Option<Creneau> {
    let minuit = |d: NaiveDate| {
        let local = d.and_time(chrono::NaiveTime::MIN);
        fuseau.instant(local).unwrap_or_else(|| fuseau.instant_fin(local))
    };
    Creneau::new(minuit(date), minuit(date.succ_opt()?)).ok()
}

/// A praticien's structures at the place, each with its local day.
fn lieux_du_jour(
    s: &dyn Stockage,
    praticien: &Praticien,
    demande: &Demande,
    lues: &mut HashMap<StructureId, Option<Structure>>,
) -> Result<Vec<(Structure, Creneau)>, StoreError> {
    let mut out = Vec::new();
    for id in &praticien.structures {
        if matches!(demande.lieu, Lieu::Structure(lieu) if lieu != *id) {
            continue;
        }
        if !lues.contains_key(id) {
            lues.insert(*id, s.structure(*id)?);
        }
        if let Some(Some(structure)) = lues.get(id)
            && demande.lieu.contient(structure)
            && let Some(jour) = journee(structure.fuseau, demande.date)
        {
            out.push((structure.clone(), jour));
        }
    }
    Ok(out)
}

/// The first free créneaux of a praticien that day at the place (none: not free then).
fn premiers_creneaux(
    s: &dyn Stockage,
    praticien: &Praticien,
    lieux: &[(Structure, Creneau)],
    demande: &Demande,
) -> Result<Vec<CreneauDto>, StoreError> {
    let (Some(debut), Some(fin)) = (
        lieux.iter().map(|(_, j)| j.debut()).min(),
        lieux.iter().map(|(_, j)| j.fin()).max(),
    ) else {
        return Ok(Vec::new());
    };
    let fenetre = Creneau::new(debut, fin).map_err(|e| StoreError::Interne(e.to_string()))?;
    let (_, agenda) = s.agenda(praticien.id, fenetre)?;
    let recherche = Recherche {
        specialite: demande.specialite,
        type_consultation: demande.type_consultation,
        motif: None,
        origine: Origine::Plateforme,
    };
    let libres = match creneaux_libres(&agenda, fenetre, &recherche, demande.now) {
        Ok(libres) => libres,
        Err(e) if e.code() == "agenda_incoherent" => return Err(StoreError::Interne(e.to_string())),
        // Not this praticien's spécialité: nothing to offer.
        Err(_) => return Ok(Vec::new()),
    };
    Ok(libres
        .iter()
        .filter(|c| {
            lieux
                .iter()
                .any(|(st, jour)| st.id == c.structure_id && jour.contient(c.debut))
        })
        .take(CRENEAUX_PAR_PRATICIEN_MAX)
        .map(CreneauDto::from)
        .collect())
}

/// One page: the place's praticiens from the cursor, read a store page at a time (never more than the
/// items still missing, so the cursor given back is just after the last praticien examined).
fn chercher(
    s: &dyn Stockage,
    demande: &Demande,
    mut curseur: Option<String>,
) -> Result<PageDisponibles, StoreError> {
    let (ville, structure) = match &demande.lieu {
        Lieu::Ville(v) => (Some(v.as_str()), None),
        Lieu::Structure(id) => (None, Some(*id)),
    };
    let mut items = Vec::new();
    let mut examines = 0;
    let mut lues = HashMap::new();
    loop {
        let manquants = (demande.limit - items.len()).min(PRATICIENS_EXAMINES_MAX - examines);
        let page = s.praticiens_du_lieu(
            ville,
            structure,
            demande.specialite,
            curseur.as_deref(),
            manquants,
        )?;
        for praticien in page.items {
            examines += 1;
            let lieux = lieux_du_jour(s, &praticien, demande, &mut lues)?;
            let creneaux = premiers_creneaux(s, &praticien, &lieux, demande)?;
            if creneaux.is_empty() {
                continue;
            }
            items.push(PraticienDisponibleDto {
                praticien: PraticienResumeDto {
                    id: praticien.id.0,
                    nom: praticien.nom,
                    prenom: praticien.prenom,
                    titre: praticien.titre,
                    specialites: praticien
                        .specialites
                        .into_iter()
                        .map(SpecialiteDto::from)
                        .collect(),
                    structures: lieux.iter().map(|(st, _)| StructureDto::from(st)).collect(),
                },
                creneaux,
            });
        }
        match page.next_cursor {
            None => {
                return Ok(PageDisponibles {
                    items,
                    next_cursor: None,
                });
            }
            Some(suite) if items.len() >= demande.limit || examines >= PRATICIENS_EXAMINES_MAX => {
                return Ok(PageDisponibles {
                    items,
                    next_cursor: Some(suite),
                });
            }
            Some(suite) => curseur = Some(suite),
        }
    }
}

/// The place from `ville` or `structure`: exactly one of them.
fn lieu(ville: Option<String>, structure: Option<Uuid>) -> Result<Lieu, ErreurApi> {
    let ville = ville.filter(|v| !v.trim().is_empty());
    match (ville, structure) {
        (Some(_), Some(_)) => Err(ErreurApi::new(
            422,
            "lieu_ambigu",
            "ville ou structure, pas les deux",
        )),
        (None, None) => Err(ErreurApi::new(
            422,
            "lieu_requis",
            "le lieu est requis : ville ou structure",
        )),
        (Some(v), None) if v.chars().count() > VILLE_LONGUEUR_MAX => Err(ErreurApi::new(
            422,
            "ville_invalide",
            format!("ville : {VILLE_LONGUEUR_MAX} caractères au plus"),
        )),
        (Some(v), None) => Ok(Lieu::Ville(replier(&v))),
        (None, Some(id)) => Ok(Lieu::Structure(StructureId(id))),
    }
}

/// The who-is-free-where API.
#[derive(Debug)]
pub struct DisponibilitesApi {
    etat: EtatPartage,
}

impl DisponibilitesApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }
}

#[OpenApi(tag = "ApiTag::Disponibilites")]
impl DisponibilitesApi {
    /// Praticiens free on a day at a place, with their first créneaux
    ///
    /// `date` (a local date: each structure's own day, midnight to midnight in its time zone, within
    /// 731 days of today) and the place (`ville` or `structure`, not both) are required: 422
    /// `date_requise`, `lieu_requis`, `lieu_ambigu` otherwise. Only créneaux at structures of that
    /// place count; each praticien shows its first 4. Paginated over praticiens (by id); a request
    /// examines at most 200 praticiens, so a page may be short, even empty, and still have a
    /// `next_cursor`. An unknown spécialité gives an empty page.
    #[oai(
        path = "/disponibilites",
        method = "get",
        operation_id = "disponibilites_du_lieu"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn disponibilites(
        &self,
        date: Query<Option<NaiveDate>>,
        ville: Query<Option<String>>,
        structure: Query<Option<Uuid>>,
        specialite: Query<Option<String>>,
        #[oai(name = "type")] type_consultation: Query<Option<TypeDto>>,
        limit: Query<Option<u32>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<PageDisponibles>, ErreurApi> {
        let limit = limite(limit.0)?;
        let now = self.etat.maintenant();
        let Some(date) = date.0 else {
            return Err(ErreurApi::new(
                422,
                "date_requise",
                "la date est requise : date=AAAA-MM-JJ",
            ));
        };
        if (date - now.date_naive()).num_days().abs() > DATE_ECART_JOURS_MAX || date.succ_opt().is_none() {
            return Err(ErreurApi::new(
                422,
                "date_hors_limites",
                format!("date : à {DATE_ECART_JOURS_MAX} jours d'aujourd'hui au plus"),
            ));
        }
        let lieu = lieu(ville.0, structure.0)?;
        let specialite = match specialite.0.as_deref().map(Specialite::parse) {
            Some(Err(_)) => {
                return Ok(Json(PageDisponibles {
                    items: Vec::new(),
                    next_cursor: None,
                }));
            }
            Some(Ok(s)) => Some(s),
            None => None,
        };
        let demande = Demande {
            lieu,
            date,
            specialite,
            type_consultation: type_consultation
                .0
                .map_or(TypeConsultation::Presentiel, Into::into),
            now,
            limit,
        };
        let curseur = cursor.0;
        match self
            .etat
            .stocker_brut(move |s| chercher(s, &demande, curseur))
            .await?
        {
            Ok(page) => Ok(Json(page)),
            Err(StoreError::Introuvable("curseur")) => {
                Err(ErreurApi::invalide("curseur_invalide", "cursor invalide"))
            }
            Err(e) => Err(e.into()),
        }
    }
}

// The day arithmetic: a local day is 23 to 25 hours long.
#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[track_caller]
    fn check(fuseau: &str, date: &str, debut: &str, heures: i64) {
        let fuseau = Fuseau::parse(fuseau).unwrap();
        let jour = journee(fuseau, date.parse().unwrap()).unwrap();
        assert_eq!(jour.debut(), debut.parse::<DateTime<Utc>>().unwrap());
        assert_eq!(jour.duree(), Duration::hours(heures));
    }

    #[test]
    fn a_day_is_local_midnight_to_local_midnight() {
        check("Europe/Paris", "2026-12-07", "2026-12-06T23:00:00Z", 24);
        check("Europe/Paris", "2026-03-29", "2026-03-28T23:00:00Z", 23);
        check("Europe/Paris", "2026-10-25", "2026-10-24T22:00:00Z", 25);
        check("Indian/Reunion", "2026-12-07", "2026-12-06T20:00:00Z", 24);
        check("America/Martinique", "2026-12-07", "2026-12-07T04:00:00Z", 24);
    }

    #[test]
    fn the_place_is_one_ville_or_one_structure() {
        let code = |r: Result<Lieu, ErreurApi>| match r {
            Err(ErreurApi::NonTraitable(p)) => p.0.code.clone(),
            autre => format!("{autre:?}"),
        };
        assert_eq!(code(lieu(None, None)), "lieu_requis");
        assert_eq!(code(lieu(Some("  ".to_owned()), None)), "lieu_requis");
        assert_eq!(
            code(lieu(Some("Nancy".to_owned()), Some(Uuid::now_v7()))),
            "lieu_ambigu"
        );
        assert_eq!(code(lieu(Some("x".repeat(101)), None)), "ville_invalide");
        assert!(matches!(lieu(Some(" Nancy ".to_owned()), None), Ok(Lieu::Ville(v)) if v == "nancy"));
    }
}

//! The bilan and the statistiques of a praticien: what the day (or a period) added up to.
//!
//! Both read the praticien's and its associated personnel's data (`Ressource::Planning`, DOMAIN.md's
//! table; API.md lists the praticien alone for the statistiques, the domain's table rules). Periods are
//! local dates in the time zone of the praticien's first structure, both ends included, at most
//! [`domain::bilan::PERIODE_JOURS_MAX`] days. The sums are the domain's ([`domain::bilan`]); this module reads the
//! rdvs of the period through the `(praticien, debut)` index, 31 days at a time, so the cost follows
//! the rdvs of the period and never the praticien's history.

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::acces::{Action, Ressource, autoriser};
use domain::bilan::{self, Compteur, Consultation, Pas, Periode, Point};
use domain::disponibilite::{FENETRE_JOURS_MAX, creneaux_offerts};
use domain::ids::PraticienId;
use domain::temps::{Creneau, Fuseau};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

use super::ApiTag;
use super::disponibilites::journee;
use super::dto::TypeDto;
use super::etat::EtatPartage;
use super::probleme::ErreurApi;
use super::rdvs::StatutDto;
use crate::store::{Stockage, StoreError};

/// A count and what was paid for it.
#[derive(Debug, Clone, Copy, Object)]
pub struct CompteurDto {
    /// How many rdvs.
    pub nombre: u32,
    /// Paid for them, in euro cents.
    pub montant_centimes: u64,
}

impl From<Compteur> for CompteurDto {
    fn from(c: Compteur) -> Self {
        Self {
            nombre: c.nombre,
            montant_centimes: c.montant_centimes,
        }
    }
}

/// The count of one statut.
#[derive(Debug, Clone, Object)]
pub struct ParStatutDto {
    /// The statut.
    pub statut: StatutDto,
    /// How many rdvs, and paid for them (euro cents).
    #[oai(flatten)]
    pub compteur: CompteurDto,
}

/// The count of one type.
#[derive(Debug, Clone, Object)]
pub struct ParTypeDto {
    /// The type.
    #[oai(rename = "type")]
    pub type_consultation: TypeDto,
    /// How many rdvs, and paid for them (euro cents).
    #[oai(flatten)]
    pub compteur: CompteurDto,
}

/// The count of one spécialité.
#[derive(Debug, Clone, Object)]
pub struct ParSpecialiteDto {
    /// The spécialité's code.
    pub specialite: String,
    /// How many rdvs, and paid for them (euro cents).
    #[oai(flatten)]
    pub compteur: CompteurDto,
}

/// A praticien's bilan over a period.
#[derive(Debug, Clone, Object)]
pub struct BilanDto {
    /// First local day.
    pub debut: NaiveDate,
    /// Last local day, included.
    pub fin: NaiveDate,
    /// The time zone of the days (the praticien's first structure's).
    pub fuseau: String,
    /// Every rdv starting in the period, every statut; its amount is everything paid.
    pub total: CompteurDto,
    /// Per statut, every statut listed.
    pub par_statut: Vec<ParStatutDto>,
    /// Per type, both listed.
    pub par_type: Vec<ParTypeDto>,
    /// Per spécialité met in the period, by code.
    pub par_specialite: Vec<ParSpecialiteDto>,
    /// Honoured, not paid yet: payments to collect.
    pub honores_non_payes: CompteurDto,
    /// Paid, not transmitted yet: claims to send to the organismes sociaux.
    pub payes_non_transmis: CompteurDto,
}

/// The step of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PasDto {
    /// A point a day.
    Jour,
    /// A point a week, Monday to Sunday.
    Semaine,
    /// A point a calendar month.
    Mois,
}

impl From<PasDto> for Pas {
    fn from(p: PasDto) -> Self {
        match p {
            PasDto::Jour => Pas::Jour,
            PasDto::Semaine => Pas::Semaine,
            PasDto::Mois => Pas::Mois,
        }
    }
}

/// One point of the series.
#[derive(Debug, Clone, Object)]
pub struct PointDto {
    /// First local day.
    pub debut: NaiveDate,
    /// Last local day, included.
    pub fin: NaiveDate,
    /// Rdvs starting then, every statut.
    pub rdvs: u32,
    /// Honoured (`honore`, `paye`, `transmis`).
    pub honores: u32,
    /// No-shows.
    pub non_honores: u32,
    /// Cancelled in time, or by the cabinet.
    pub annulations: u32,
    /// Cancelled late by the patient.
    pub annulations_tardives: u32,
    /// Rdvs holding their créneau (every statut but the cancellations).
    pub reserves: u32,
    /// Créneaux the horaires offered, outside periods off, booked or not.
    pub creneaux_offerts: u32,
    /// `reserves ÷ creneaux_offerts`; absent when nothing was offered. Above 1 when rdvs were recorded
    /// outside the horaires.
    #[oai(skip_serializing_if_is_none)]
    pub taux_remplissage: Option<f64>,
    /// Paid for these rdvs, in euro cents.
    pub chiffre_affaires_centimes: u64,
}

impl From<Point> for PointDto {
    fn from(p: Point) -> Self {
        Self {
            debut: p.periode.debut,
            fin: p.periode.fin,
            rdvs: p.rdvs,
            honores: p.honores,
            non_honores: p.non_honores,
            annulations: p.annulations,
            annulations_tardives: p.annulations_tardives,
            reserves: p.reserves,
            creneaux_offerts: p.creneaux_offerts,
            taux_remplissage: p.taux_remplissage(),
            chiffre_affaires_centimes: p.chiffre_affaires_centimes,
        }
    }
}

/// A praticien's activity series.
#[derive(Debug, Clone, Object)]
pub struct StatistiquesDto {
    /// First local day.
    pub debut: NaiveDate,
    /// Last local day, included.
    pub fin: NaiveDate,
    /// The step.
    pub par: PasDto,
    /// The time zone of the days.
    pub fuseau: String,
    /// One point per day, week or month, the first and last cut to the period.
    pub points: Vec<PointDto>,
    /// The whole period as one point.
    pub total: PointDto,
}

/// How many days the statistiques cover when `debut` is not given (`fin` included).
pub const STATISTIQUES_JOURS_DEFAUT: u64 = 30;

/// The bilan and statistiques API.
#[derive(Debug)]
pub struct BilanApi {
    etat: EtatPartage,
}

impl BilanApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }

    /// Checks access, then answers the praticien's time zone (404 for an unknown praticien).
    async fn acceder(
        &self,
        jeton: &super::etat::JetonAcces,
        praticien: PraticienId,
    ) -> Result<Fuseau, ErreurApi> {
        let session = self.etat.session(jeton).await?;
        autoriser(&session.acteur, Action::Lire, &Ressource::Planning(praticien))
            .map_err(super::refus_acces)?;
        self.etat
            .stocker(move |s| fuseau(s, praticien))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("praticien"))
    }
}

/// The time zone of a praticien's first structure (Europe/Paris if it has none).
fn fuseau(s: &dyn Stockage, praticien: PraticienId) -> Result<Option<Fuseau>, StoreError> {
    let Some(p) = s.praticien(praticien)? else {
        return Ok(None);
    };
    let structure = match p.structures.first() {
        Some(&id) => s.structure(id)?,
        None => None,
    };
    match structure {
        Some(st) => Ok(Some(st.fuseau)),
        None => Fuseau::parse("Europe/Paris")
            .map(Some)
            .map_err(|e| StoreError::Interne(e.to_string())),
    }
}

/// `[debut, fin]` as a domain period, or 422.
fn periode(debut: NaiveDate, fin: NaiveDate) -> Result<Periode, ErreurApi> {
    Periode::new(debut, fin).map_err(|e| ErreurApi::non_traitable(&e))
}

/// The instants of local days `[debut, fin]`.
fn instants(fuseau: Fuseau, p: Periode) -> Result<Creneau, StoreError> {
    let debut = journee(fuseau, p.debut).map(|j| j.debut());
    let fin = journee(fuseau, p.fin).map(|j| j.fin());
    match (debut, fin) {
        (Some(d), Some(f)) => Creneau::new(d, f).map_err(|e| StoreError::Interne(e.to_string())),
        _ => Err(StoreError::Interne("période hors du calendrier".to_owned())),
    }
}

/// The rdvs starting in `p`, as the sums see them: read 31 days at a time, each rdv once.
fn consultations(
    s: &dyn Stockage,
    praticien: PraticienId,
    fuseau: Fuseau,
    p: Periode,
) -> Result<Vec<Consultation>, StoreError> {
    let tout = instants(fuseau, p)?;
    let pas = chrono::Duration::days(FENETRE_JOURS_MAX);
    let mut out = Vec::new();
    let mut debut = tout.debut();
    while debut < tout.fin() {
        let fin = (debut + pas).min(tout.fin());
        let fenetre = Creneau::new(debut, fin).map_err(|e| StoreError::Interne(e.to_string()))?;
        for r in s.rdvs_du_praticien(praticien, fenetre)? {
            // A rdv overlapping two windows is counted in the one where it starts.
            if fenetre.contient(r.creneau.debut()) {
                out.push(Consultation {
                    date: fuseau.local(r.creneau.debut()).date(),
                    specialite: r.specialite,
                    type_consultation: r.type_consultation,
                    statut: r.statut,
                    montant_centimes: r.paiement.map(|p| p.montant_centimes),
                });
            }
        }
        debut = fin;
    }
    Ok(out)
}

/// The créneaux offered in each point, reading one agenda per run of points spanning ≤ 31 days.
fn offerts(
    s: &dyn Stockage,
    praticien: PraticienId,
    fuseau: Fuseau,
    points: &[Periode],
) -> Result<Vec<u32>, StoreError> {
    let mut out = Vec::with_capacity(points.len());
    let mut i = 0;
    while let Some(&premier) = points.get(i) {
        let mut j = i + 1;
        while points
            .get(j)
            .is_some_and(|p| (p.fin - premier.debut).num_days() < FENETRE_JOURS_MAX)
        {
            j += 1;
        }
        let groupe = Periode {
            debut: premier.debut,
            fin: points.get(j - 1).map_or(premier.fin, |p| p.fin),
        };
        let (_, agenda) = s.agenda(praticien, instants(fuseau, groupe)?)?;
        for p in points.get(i..j).unwrap_or_default() {
            let n = creneaux_offerts(&agenda, instants(fuseau, *p)?)
                .map_err(|e| StoreError::Interne(e.to_string()))?;
            out.push(u32::try_from(n).unwrap_or(u32::MAX));
        }
        i = j;
    }
    Ok(out)
}

/// Today in `fuseau`.
fn aujourdhui(fuseau: Fuseau, now: DateTime<Utc>) -> NaiveDate {
    fuseau.local(now).date()
}

#[OpenApi(tag = "ApiTag::Espace")]
impl BilanApi {
    /// A praticien's bilan: counts and amounts of a day or a period
    ///
    /// Local days `debut` to `fin`, both included (today by default; `fin` defaults to `debut`), at
    /// most 366 days: the rdvs starting then per statut, type and spécialité, with what was paid, and
    /// what is left to follow up (honoured but unpaid, paid but not transmitted). The praticien and its
    /// associated personnel.
    #[oai(path = "/praticiens/:id/bilan", method = "get", operation_id = "bilan")]
    async fn bilan(
        &self,
        jeton: super::etat::JetonAcces,
        id: Path<Uuid>,
        debut: Query<Option<NaiveDate>>,
        fin: Query<Option<NaiveDate>>,
    ) -> Result<Json<BilanDto>, ErreurApi> {
        let praticien = PraticienId(id.0);
        let fuseau = self.acceder(&jeton, praticien).await?;
        let debut = debut
            .0
            .unwrap_or_else(|| aujourdhui(fuseau, self.etat.maintenant()));
        let p = periode(debut, fin.0.unwrap_or(debut))?;
        let rdvs = self
            .etat
            .stocker(move |s| consultations(s, praticien, fuseau, p))
            .await?;
        let b = bilan::bilan(&rdvs);
        Ok(Json(BilanDto {
            debut: p.debut,
            fin: p.fin,
            fuseau: fuseau.nom().to_owned(),
            total: b.total.into(),
            par_statut: b
                .par_statut
                .into_iter()
                .map(|(statut, c)| ParStatutDto {
                    statut: statut.into(),
                    compteur: c.into(),
                })
                .collect(),
            par_type: b
                .par_type
                .into_iter()
                .map(|(t, c)| ParTypeDto {
                    type_consultation: t.into(),
                    compteur: c.into(),
                })
                .collect(),
            par_specialite: b
                .par_specialite
                .into_iter()
                .map(|(sp, c)| ParSpecialiteDto {
                    specialite: sp.code().to_owned(),
                    compteur: c.into(),
                })
                .collect(),
            honores_non_payes: b.honores_non_payes.into(),
            payes_non_transmis: b.payes_non_transmis.into(),
        }))
    }

    /// A praticien's activity series
    ///
    /// One point per day, week (Monday–Sunday) or month over local days `debut` to `fin`, both included
    /// (by default the 30 days to today), at most 366 days: rdvs, honoured, no-shows, cancellations
    /// (late ones apart), créneaux offered and the fill rate, and revenue. The praticien and its
    /// associated personnel.
    #[oai(
        path = "/praticiens/:id/statistiques",
        method = "get",
        operation_id = "statistiques"
    )]
    async fn statistiques(
        &self,
        jeton: super::etat::JetonAcces,
        id: Path<Uuid>,
        debut: Query<Option<NaiveDate>>,
        fin: Query<Option<NaiveDate>>,
        par: Query<Option<PasDto>>,
    ) -> Result<Json<StatistiquesDto>, ErreurApi> {
        let praticien = PraticienId(id.0);
        let fuseau = self.acceder(&jeton, praticien).await?;
        let fin = fin
            .0
            .unwrap_or_else(|| aujourdhui(fuseau, self.etat.maintenant()));
        let debut = match debut.0 {
            Some(d) => d,
            None => fin
                .checked_sub_days(Days::new(STATISTIQUES_JOURS_DEFAUT - 1))
                .unwrap_or(fin),
        };
        let p = periode(debut, fin)?;
        let par = par.0.unwrap_or(PasDto::Jour);
        let points = p.decouper(par.into());
        let (serie, total) = self
            .etat
            .stocker(move |s| {
                let rdvs = consultations(s, praticien, fuseau, p)?;
                let offre = offerts(s, praticien, fuseau, &points)?;
                let total_offre: u32 = offre.iter().fold(0, |a, n| a.saturating_add(*n));
                let total = bilan::statistiques(&[p], &[total_offre], &rdvs);
                Ok((bilan::statistiques(&points, &offre, &rdvs), total))
            })
            .await?;
        let total = total
            .into_iter()
            .next()
            .ok_or_else(|| ErreurApi::interne("série vide"))?;
        Ok(Json(StatistiquesDto {
            debut: p.debut,
            fin: p.fin,
            par,
            fuseau: fuseau.nom().to_owned(),
            points: serie.into_iter().map(Into::into).collect(),
            total: total.into(),
        }))
    }
}

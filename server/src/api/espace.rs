//! The praticien's workspace: planning, horaires, réglages and patientèle.
//!
//! Access first, as everywhere: the planning is the praticien's and its associated personnel's
//! (`Ressource::Planning`); the horaires also the admin's (`Ressource::GestionPraticien`); the réglages
//! and the patientèle the praticien's alone (`Ressource::Reglages`, `Ressource::Patientele`). Input is
//! parsed by the domain (`dto::horaires`, `Reglages::try_from`), so a 422 carries the domain's code.
//!
//! The réglages carry the URL of the planning's iCalendar feed ([`super::agenda_ics`]), with its secret;
//! rotating the secret makes the old URL answer 404.
//!
//! Changing the horaires cancels nothing: the rdvs to come in the next 31 days that the new rules no
//! longer cover are listed in the answer for follow-up, with their statut unchanged.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use domain::acces::{Action, Ressource, autoriser};
use domain::disponibilite::{Agenda, FENETRE_JOURS_MAX};
use domain::horaires::Jour;
use domain::ids::{PatientId, PraticienId};
use domain::reglages::Reglages;
use domain::temps::Creneau;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::dto::{self, OrigineDto, ReglagesDto, RegleDto, TypeDto};
use super::etat::{EtatPartage, JetonAcces, Session};
use super::praticiens::fenetre;
use super::probleme::ErreurApi;
use super::rdvs::StatutDto;
use super::{ApiTag, agenda_ics};
use crate::modele::{Praticien, Rdv};
use crate::store::{Stockage, StoreError};

/// How far ahead a change of horaires looks for rdvs it leaves outside, in days.
pub const HORAIRES_SUIVI_JOURS: i64 = FENETRE_JOURS_MAX;

/// One rdv of the planning.
#[derive(Debug, Clone, Object)]
pub struct RdvPlanningDto {
    /// Its id (`/rdvs/{id}`).
    pub id: Uuid,
    /// Start (UTC).
    pub debut: DateTime<Utc>,
    /// End (UTC).
    pub fin: DateTime<Utc>,
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    #[oai(rename = "type")]
    pub type_consultation: TypeDto,
    /// Motif de visite, if given.
    #[oai(skip_serializing_if_is_none)]
    pub motif: Option<String>,
    /// For whom.
    pub patient_id: Uuid,
    /// The patient's family name.
    pub patient_nom: String,
    /// The patient's given name.
    pub patient_prenom: String,
    /// Statut.
    pub statut: StatutDto,
    /// Online or recorded by the cabinet.
    pub origine: OrigineDto,
    /// Where.
    pub structure_id: Uuid,
}

/// A praticien's planning over a window (bounded by the window, ≤ 31 days: no cursor).
#[derive(Debug, Clone, Object)]
pub struct PlanningDto {
    /// Every rdv overlapping the window (every statut), by start.
    pub items: Vec<RdvPlanningDto>,
}

/// A praticien's weekly rules.
#[derive(Debug, Clone, Object)]
pub struct HorairesDto {
    /// The rules (empty: the default week, Monday to Friday 08:00–19:00, présentiel, first structure).
    pub regles: Vec<RegleDto>,
}

/// The horaires saved, with the rdvs they leave outside.
#[derive(Debug, Clone, Object)]
pub struct HorairesModifiees {
    /// The rules now in force.
    pub regles: Vec<RegleDto>,
    /// The rdvs to come within the next 31 days (from now) that no new rule covers (its structure, day,
    /// validity, hours, type and spécialité), by start; they are not cancelled.
    pub rdvs_hors_horaires: Vec<super::indisponibilites::RdvASuivreDto>,
}

/// A patient of the patientèle.
#[derive(Debug, Clone, Object)]
pub struct PatientPatienteleDto {
    /// The patient.
    pub patient_id: Uuid,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// Since when the patient is in the patientèle.
    pub depuis: DateTime<Utc>,
}

dto::page!(PagePatientele, PatientPatienteleDto);

/// A patient to add to the patientèle.
#[derive(Debug, Clone, Object)]
pub struct AjoutPatientele {
    /// A known patient's id.
    pub patient_id: Uuid,
}

/// A praticien's réglages as read: the booking policy, with the link of its planning's iCalendar feed.
#[derive(Debug, Clone, Object)]
pub struct ReglagesLusDto {
    /// The booking policy.
    #[oai(flatten)]
    pub reglages: ReglagesDto,
    /// The planning's iCalendar feed (RFC 5545) for a calendar application to subscribe to. It carries a
    /// secret `jeton`: keep it private, rotate it with `POST /praticiens/{id}/reglages/jeton-ics`.
    /// Read-only (ignored in a `PUT`).
    #[oai(read_only)]
    pub planning_ics_url: String,
}

/// The link of the planning's iCalendar feed, with its new secret.
#[derive(Debug, Clone, Object)]
pub struct JetonIcsDto {
    /// The feed's URL; the previous one now answers 404.
    pub planning_ics_url: String,
}

/// Answer of an addition to the patientèle.
#[derive(Debug, ApiResponse)]
pub enum PatienteleAjoutee {
    /// In the patientèle (added now, or already there).
    #[oai(status = 201)]
    Ajoute(Json<PatientPatienteleDto>, #[oai(header = "Location")] String),
}

/// The workspace API.
#[derive(Debug)]
pub struct EspaceApi {
    etat: EtatPartage,
    /// The server's public base URL, for the feed's link (`TOUBEELIB_PUBLIC_URL`).
    url_publique: Option<String>,
}

impl EspaceApi {
    /// Over the shared state; links are absolute under `url_publique` if given.
    pub fn new(etat: EtatPartage, url_publique: Option<String>) -> Self {
        Self { etat, url_publique }
    }

    /// The réglages with the feed's link (its secret made on first read).
    async fn reglages_lus(&self, p: &Praticien) -> Result<ReglagesLusDto, ErreurApi> {
        let id = p.id;
        let frais = agenda_ics::nouveau_jeton_ics()?;
        let jeton = self.etat.stocker(move |s| s.jeton_ics(id, frais)).await?;
        Ok(ReglagesLusDto {
            reglages: ReglagesDto::from(&p.reglages),
            planning_ics_url: agenda_ics::url_planning_ics(self.url_publique.as_deref(), id, &jeton),
        })
    }

    /// The caller, if it may do `action` to `ressource`.
    async fn autorise(
        &self,
        jeton: &JetonAcces,
        action: Action,
        ressource: &Ressource<'_>,
    ) -> Result<Session, ErreurApi> {
        let session = self.etat.session(jeton).await?;
        autoriser(&session.acteur, action, ressource).map_err(super::refus_acces)?;
        Ok(session)
    }

    /// The praticien, or 404.
    async fn praticien(&self, id: PraticienId) -> Result<Praticien, ErreurApi> {
        self.etat
            .stocker(move |s| s.praticien(id))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("praticien"))
    }
}

/// A window of at most 31 days, or 422 `fenetre_trop_longue`.
fn fenetre_bornee(debut: DateTime<Utc>, fin: DateTime<Utc>) -> Result<Creneau, ErreurApi> {
    let f = fenetre(debut, fin)?;
    if f.duree() > Duration::days(FENETRE_JOURS_MAX) {
        return Err(ErreurApi::new(
            422,
            "fenetre_trop_longue",
            format!("fenêtre de plus de {FENETRE_JOURS_MAX} jours"),
        ));
    }
    Ok(f)
}

/// Whether a rule of the agenda's horaires in force covers the rdv: same structure, local day and
/// validity, `[debut, fin)` inside the rule's hours, its type and spécialité offered.
fn couvert(agenda: &Agenda, rdv: &Rdv) -> bool {
    let Some(lieu) = agenda.lieux.iter().find(|l| l.structure_id == rdv.structure_id) else {
        return false;
    };
    let debut = lieu.fuseau.local(rdv.creneau.debut());
    let fin = lieu.fuseau.local(rdv.creneau.fin());
    let premiere = agenda.lieux.first().map(|l| l.structure_id);
    agenda.horaires.effectives(premiere).regles().iter().any(|r| {
        r.structure_id == rdv.structure_id
            && r.jour == Jour::from(chrono::Datelike::weekday(&debut.date()))
            && r.en_vigueur(debut.date())
            && fin.date() == debut.date()
            && r.debut.temps() <= debut.time()
            && fin.time() <= r.fin.temps()
            && r.propose(rdv.specialite, rdv.type_consultation)
    })
}

/// The rdvs holding a créneau, starting from `now` to `now + 31 days`, that the agenda's horaires do not
/// cover, by start.
fn hors_horaires(
    s: &dyn Stockage,
    praticien: PraticienId,
    now: DateTime<Utc>,
) -> Result<Vec<Rdv>, StoreError> {
    let suivi = Creneau::new(now, now + Duration::days(HORAIRES_SUIVI_JOURS))
        .map_err(|e| StoreError::Interne(e.to_string()))?;
    let (_, agenda) = s.agenda(praticien, suivi)?;
    Ok(s.rdvs_du_praticien(praticien, suivi)?
        .into_iter()
        .filter(|r| r.statut.occupe_creneau() && r.creneau.debut() >= now && !couvert(&agenda, r))
        .collect())
}

/// Changes a praticien in one write transaction ([`Stockage::modifier_praticien_avec`]), so a concurrent
/// change of another field is never lost. A refusal of `changer` (a 422 of the domain, say) writes
/// nothing and comes back as the inner `Err`; the outer one is the store's.
fn changer_praticien(
    s: &dyn Stockage,
    id: PraticienId,
    mut changer: impl FnMut(&mut Praticien) -> Result<(), ErreurApi>,
) -> Result<Result<Praticien, ErreurApi>, StoreError> {
    let mut refus = None;
    let ecrit = s.modifier_praticien_avec(id, &mut |p| {
        changer(p).map_err(|e| {
            refus = Some(e);
            // Aborts the transaction; never answered: `refus` is.
            StoreError::Interne("modification refusée".to_owned())
        })
    });
    match refus {
        Some(e) => Ok(Err(e)),
        None => ecrit.map(Ok),
    }
}

#[OpenApi(tag = "ApiTag::Espace")]
impl EspaceApi {
    /// A praticien's planning over a window of at most 31 days
    ///
    /// Every rdv overlapping the window (every statut), by start, with the patient's name; optionally
    /// of one spécialité and/or type. The praticien itself and its associated personnel.
    #[oai(path = "/praticiens/:id/planning", method = "get", operation_id = "planning")]
    async fn planning(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        debut: Query<DateTime<Utc>>,
        fin: Query<DateTime<Utc>>,
        specialite: Query<Option<String>>,
        #[oai(name = "type")] type_consultation: Query<Option<TypeDto>>,
    ) -> Result<Json<PlanningDto>, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.autorise(&jeton, Action::Lire, &Ressource::Planning(praticien))
            .await?;
        let fenetre = fenetre_bornee(debut.0, fin.0)?;
        let specialite = specialite.0.as_deref().map(dto::specialite).transpose()?;
        let type_consultation = type_consultation
            .0
            .map(domain::consultation::TypeConsultation::from);
        let items = self
            .etat
            .stocker(move |s| {
                let mut patients = HashMap::new();
                let mut items = Vec::new();
                for r in s.rdvs_du_praticien(praticien, fenetre)? {
                    if specialite.is_some_and(|sp| sp != r.specialite)
                        || type_consultation.is_some_and(|t| t != r.type_consultation)
                    {
                        continue;
                    }
                    let (nom, prenom) = match patients.get(&r.patient_id) {
                        Some(n) => Clone::clone(n),
                        None => {
                            let n = s
                                .patient(r.patient_id)?
                                .map(|p| (p.nom, p.prenom))
                                .unwrap_or_default();
                            patients.insert(r.patient_id, n.clone());
                            n
                        }
                    };
                    items.push(RdvPlanningDto {
                        id: r.id.0,
                        debut: r.creneau.debut(),
                        fin: r.creneau.fin(),
                        specialite: r.specialite.code().to_owned(),
                        type_consultation: r.type_consultation.into(),
                        motif: r.motif,
                        patient_id: r.patient_id.0,
                        patient_nom: nom,
                        patient_prenom: prenom,
                        statut: r.statut.into(),
                        origine: r.origine.into(),
                        structure_id: r.structure_id.0,
                    });
                }
                Ok(items)
            })
            .await?;
        Ok(Json(PlanningDto { items }))
    }

    /// A praticien's weekly rules
    #[oai(path = "/praticiens/:id/horaires", method = "get", operation_id = "horaires")]
    async fn horaires(&self, jeton: JetonAcces, id: Path<Uuid>) -> Result<Json<HorairesDto>, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.autorise(&jeton, Action::Lire, &Ressource::GestionPraticien(praticien))
            .await?;
        let p = self.praticien(praticien).await?;
        Ok(Json(HorairesDto {
            regles: p.horaires.regles().iter().map(RegleDto::from).collect(),
        }))
    }

    /// Replace a praticien's weekly rules
    ///
    /// Checked by the domain: overlapping rules get 422 `horaires_chevauchants`, an empty or otherwise
    /// bad rule 422 `horaires_invalides`, as does a structure that is not the praticien's. No rule at all
    /// means the default week. Nothing is cancelled: the answer lists the rdvs to come within the next
    /// 31 days that the new rules do not cover.
    #[oai(
        path = "/praticiens/:id/horaires",
        method = "put",
        operation_id = "modifier_horaires"
    )]
    async fn modifier_horaires(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<HorairesDto>,
    ) -> Result<Json<HorairesModifiees>, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.autorise(&jeton, Action::Modifier, &Ressource::GestionPraticien(praticien))
            .await?;
        let demandees = corps.0.regles;
        let now = self.etat.maintenant();
        // Checked against the structures of the record being changed, in its write transaction.
        let (p, hors) = self
            .etat
            .stocker(move |s| {
                let p = match changer_praticien(s, praticien, |p| {
                    p.horaires = dto::horaires(&demandees, &p.structures)?;
                    Ok(())
                })? {
                    Ok(p) => p,
                    Err(refus) => return Ok(Err(refus)),
                };
                let hors = hors_horaires(s, praticien, now)?;
                Ok(Ok((p, hors)))
            })
            .await??;
        let regles = p.horaires.regles().iter().map(RegleDto::from).collect();
        tracing::info!(praticien = %praticien, hors_horaires = hors.len(), "horaires changed");
        Ok(Json(HorairesModifiees {
            regles,
            rdvs_hors_horaires: hors
                .into_iter()
                .map(|r| super::indisponibilites::RdvASuivreDto::from(&r))
                .collect(),
        }))
    }

    /// A praticien's réglages (booking policy)
    #[oai(path = "/praticiens/:id/reglages", method = "get", operation_id = "reglages")]
    async fn reglages(&self, jeton: JetonAcces, id: Path<Uuid>) -> Result<Json<ReglagesLusDto>, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.autorise(&jeton, Action::Lire, &Ressource::Reglages(praticien))
            .await?;
        let p = self.praticien(praticien).await?;
        Ok(Json(self.reglages_lus(&p).await?))
    }

    /// Replace a praticien's réglages
    ///
    /// Each field is bounded by the domain: out of bounds, 422 `reglage_invalide` naming the field.
    #[oai(
        path = "/praticiens/:id/reglages",
        method = "put",
        operation_id = "modifier_reglages"
    )]
    async fn modifier_reglages(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<ReglagesDto>,
    ) -> Result<Json<ReglagesLusDto>, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.autorise(&jeton, Action::Modifier, &Ressource::Reglages(praticien))
            .await?;
        let reglages = Reglages::try_from(&corps.0)?;
        let p = self
            .etat
            .stocker(move |s| {
                s.modifier_praticien_avec(praticien, &mut |p| {
                    p.reglages = reglages;
                    Ok(())
                })
            })
            .await?;
        tracing::info!(praticien = %praticien, "réglages changed");
        Ok(Json(self.reglages_lus(&p).await?))
    }

    /// Rotate the secret of a praticien's iCalendar feed
    ///
    /// A new secret replaces the old one: the previous `planning_ics_url` answers 404 from now on, the
    /// one returned here (and in the réglages) opens the feed. The praticien itself only.
    #[oai(
        path = "/praticiens/:id/reglages/jeton-ics",
        method = "post",
        operation_id = "tourner_jeton_ics"
    )]
    async fn tourner_jeton_ics(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
    ) -> Result<Json<JetonIcsDto>, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.autorise(&jeton, Action::Modifier, &Ressource::Reglages(praticien))
            .await?;
        let nouveau = agenda_ics::nouveau_jeton_ics()?;
        self.etat
            .stocker(move |s| s.tourner_jeton_ics(praticien, nouveau))
            .await?;
        tracing::info!(praticien = %praticien, "planning feed secret rotated");
        Ok(Json(JetonIcsDto {
            planning_ics_url: agenda_ics::url_planning_ics(self.url_publique.as_deref(), praticien, &nouveau),
        }))
    }

    /// A praticien's patientèle
    ///
    /// The patients added to it (by `POST`), by id, a page at a time; a patient who only has a rdv with
    /// the praticien is not listed here.
    #[oai(
        path = "/praticiens/:id/patientele",
        method = "get",
        operation_id = "patientele"
    )]
    async fn patientele(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        limit: Query<Option<u32>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<PagePatientele>, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.autorise(&jeton, Action::Lire, &Ressource::Patientele(praticien))
            .await?;
        let limit = dto::limite(limit.0)?;
        let cursor = cursor.0;
        let (items, next_cursor) = self
            .etat
            .stocker(move |s| {
                let page = s.patientele(praticien, cursor.as_deref(), limit)?;
                let items = page
                    .items
                    .into_iter()
                    .map(|(patient, depuis)| {
                        let p = s.patient(patient)?.ok_or(StoreError::Introuvable("patient"))?;
                        Ok(PatientPatienteleDto {
                            patient_id: patient.0,
                            nom: p.nom,
                            prenom: p.prenom,
                            depuis,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                Ok((items, page.next_cursor))
            })
            .await?;
        Ok(Json(PagePatientele { items, next_cursor }))
    }

    /// Add a known patient to a praticien's patientèle
    ///
    /// 404 for an unknown patient; adding one already there changes nothing (same answer).
    #[oai(
        path = "/praticiens/:id/patientele",
        method = "post",
        operation_id = "ajouter_a_la_patientele"
    )]
    async fn ajouter_a_la_patientele(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<AjoutPatientele>,
    ) -> Result<PatienteleAjoutee, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.autorise(&jeton, Action::Creer, &Ressource::Patientele(praticien))
            .await?;
        let patient = PatientId(corps.0.patient_id);
        let now = self.etat.maintenant();
        let (p, depuis) = self
            .etat
            .stocker(move |s| {
                let p = s.patient(patient)?.ok_or(StoreError::Introuvable("patient"))?;
                let depuis = s.ajouter_a_la_patientele(praticien, patient, now)?;
                Ok((p, depuis))
            })
            .await?;
        tracing::info!(praticien = %praticien, "patient added to the patientèle");
        Ok(PatienteleAjoutee::Ajoute(
            Json(PatientPatienteleDto {
                patient_id: patient.0,
                nom: p.nom,
                prenom: p.prenom,
                depuis,
            }),
            format!("/praticiens/{praticien}/patientele"),
        ))
    }
}

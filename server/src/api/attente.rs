//! The waiting list (API.md "Liste d'attente"): a patient waits for an earlier créneau with a praticien,
//! sees or leaves its entry, and takes the créneau it is offered.
//!
//! Only the patient self (`Ressource::ListeAttente(patient)`): anyone else gets 403, no token 401. A
//! freed créneau is offered by the store in the transaction that frees it and held for the patient
//! (`TOUBEELIB_HOLD_MINUTES`, default 15): others get 409 `creneau_indisponible` meanwhile. Refusals:
//! 422 `specialite_inconnue`, `type_non_propose`, `date_invalide`, `date_passee`; 409 `deja_en_attente`,
//! `trop_d_attentes` (at most
//! [`crate::attente::ATTENTES_OUVERTES_PAR_PATIENT_MAX`] open entries); taking the offer: 409
//! `offre_expiree`, `aucune_offre`, `attente_close`, or the booking rules' own code.

use chrono::{DateTime, NaiveDate, Utc};
use domain::acces::{Acteur, Action, Ressource, autoriser};
use domain::attente::verifier_attente;
use domain::consultation::TypeConsultation;
use domain::ids::{PatientId, PraticienId, RdvId};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::ApiTag;
use super::dto::{TypeDto, specialite};
use super::etat::{EtatPartage, JetonAcces, Session};
use super::probleme::ErreurApi;
use super::rdvs::{RdvCree, RdvsApi};
use crate::attente::{Attente, EtatAttente};

/// A request to wait for an earlier créneau.
#[derive(Debug, Object)]
pub struct NouvelleAttenteDto {
    /// Spécialité code (one the praticien practises).
    pub specialite: String,
    /// `presentiel` or `teleconsultation` (one the praticien offers).
    #[oai(rename = "type")]
    pub type_consultation: String,
    /// The latest acceptable date (`YYYY-MM-DD`, inclusive), today or later.
    pub avant: String,
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum EtatAttenteDto {
    /// Waiting (an offer that lapsed is a wait again).
    EnAttente,
    /// A créneau is held for the patient until `offre.expire_le`.
    Offre,
    /// The offer was taken (`rdv_id`).
    Acceptee,
    /// The patient left the list.
    Retiree,
    /// Its `avant` date passed while it waited: closed, it no longer counts towards the patient's
    /// open entries.
    Expiree,
}

/// The créneau held for the patient.
#[derive(Debug, Clone, Object)]
pub struct OffreDto {
    /// Start (UTC).
    pub debut: DateTime<Utc>,
    /// End (UTC).
    pub fin: DateTime<Utc>,
    /// Where.
    pub structure_id: Uuid,
    /// The hold ends then: take it before with `POST /liste-attente/{id}/acceptation`.
    pub expire_le: DateTime<Utc>,
}

/// A waiting-list entry.
#[derive(Debug, Clone, Object)]
pub struct AttenteDto {
    /// Its id.
    pub id: Uuid,
    /// With whom.
    pub praticien_id: Uuid,
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    #[oai(rename = "type")]
    pub type_consultation: TypeDto,
    /// The latest acceptable date (inclusive).
    pub avant: NaiveDate,
    /// Waiting since.
    pub cree_le: DateTime<Utc>,
    /// Where it stands.
    pub etat: EtatAttenteDto,
    /// The créneau held, when `etat` is `offre`.
    #[oai(skip_serializing_if_is_none)]
    pub offre: Option<OffreDto>,
    /// The rdv booked, when `etat` is `acceptee`.
    #[oai(skip_serializing_if_is_none)]
    pub rdv_id: Option<Uuid>,
}

fn dto(a: &Attente, now: DateTime<Utc>) -> AttenteDto {
    let (etat, offre, rdv_id) = match a.etat_a(now) {
        EtatAttente::EnAttente => (EtatAttenteDto::EnAttente, None, None),
        EtatAttente::Offre {
            creneau,
            structure,
            expire_le,
        } => (
            EtatAttenteDto::Offre,
            Some(OffreDto {
                debut: creneau.debut(),
                fin: creneau.fin(),
                structure_id: structure.0,
                expire_le,
            }),
            None,
        ),
        EtatAttente::Acceptee(rdv) => (EtatAttenteDto::Acceptee, None, Some(rdv.0)),
        EtatAttente::Retiree => (EtatAttenteDto::Retiree, None, None),
        EtatAttente::Expiree => (EtatAttenteDto::Expiree, None, None),
    };
    AttenteDto {
        id: a.id,
        praticien_id: a.praticien.0,
        specialite: a.specialite.code().to_owned(),
        type_consultation: a.type_consultation.into(),
        avant: a.avant,
        cree_le: a.cree_le,
        etat,
        offre,
        rdv_id,
    }
}

/// Answer of a registration.
#[derive(Debug, ApiResponse)]
pub enum AttenteCreee {
    /// Waiting, at the end of the praticien's queue.
    #[oai(status = 201)]
    Cree(Json<AttenteDto>, #[oai(header = "Location")] String),
}

/// Answer of a withdrawal.
#[derive(Debug, ApiResponse)]
pub enum AttenteRetiree {
    /// Left the list (a créneau held goes to the next patient).
    #[oai(status = 204)]
    Retiree,
}

/// The waiting-list API.
#[derive(Debug)]
pub struct AttenteApi {
    etat: EtatPartage,
    rdvs: RdvsApi,
}

impl AttenteApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        let rdvs = RdvsApi::new(std::sync::Arc::clone(&etat));
        Self { etat, rdvs }
    }

    /// The entry, if it exists and the caller may do `action` to it.
    async fn charger(&self, session: &Session, id: Uuid, action: Action) -> Result<Attente, ErreurApi> {
        let attente = self
            .etat
            .stocker(move |s| s.attente(id))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("liste d'attente"))?;
        autoriser(&session.acteur, action, &Ressource::ListeAttente(attente.patient))
            .map_err(super::refus_acces)?;
        Ok(attente)
    }
}

fn type_consultation(texte: &str) -> Result<TypeConsultation, ErreurApi> {
    TypeConsultation::TOUS
        .into_iter()
        .find(|t| t.as_str() == texte)
        .ok_or_else(|| ErreurApi::new(422, "type_invalide", "type : presentiel ou teleconsultation"))
}

#[OpenApi(tag = "ApiTag::ListeAttente")]
impl AttenteApi {
    /// Wait for an earlier créneau
    ///
    /// The patient self joins the praticien's queue; when a matching créneau frees up (cancellation,
    /// move, removed period off), the longest-waiting patient is offered it and it is held for them.
    #[oai(
        path = "/praticiens/:id/liste-attente",
        method = "post",
        operation_id = "attendre"
    )]
    async fn attendre(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<NouvelleAttenteDto>,
    ) -> Result<AttenteCreee, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let patient = match session.acteur {
            Acteur::Patient { id } => id,
            _ => PatientId(Uuid::nil()),
        };
        autoriser(&session.acteur, Action::Creer, &Ressource::ListeAttente(patient))
            .map_err(super::refus_acces)?;
        let n = corps.0;
        let specialite = specialite(&n.specialite)?;
        let type_consultation = type_consultation(&n.type_consultation)?;
        let avant: NaiveDate = n
            .avant
            .parse()
            .map_err(|_| ErreurApi::new(422, "date_invalide", "avant : une date AAAA-MM-JJ"))?;
        let praticien_id = PraticienId(id.0);
        let praticien = self
            .etat
            .stocker(move |s| s.praticien(praticien_id))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("praticien"))?;
        let regles = praticien.horaires.regles();
        let types: Vec<TypeConsultation> = TypeConsultation::TOUS
            .into_iter()
            .filter(|t| {
                // No rules: the default week, présentiel.
                if regles.is_empty() {
                    *t == TypeConsultation::Presentiel
                } else {
                    regles.iter().any(|r| r.types.contains(t))
                }
            })
            .collect();
        let now = self.etat.maintenant();
        let aujourdhui = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
        verifier_attente(
            &praticien.specialites,
            &types,
            specialite,
            type_consultation,
            avant,
            aujourdhui,
        )
        .map_err(|e| ErreurApi::non_traitable(&e))?;
        let attente = Attente {
            id: Uuid::now_v7(),
            patient,
            praticien: praticien_id,
            specialite,
            type_consultation,
            avant,
            cree_le: now,
            etat: EtatAttente::EnAttente,
        };
        let a = attente.clone();
        self.etat.stocker(move |s| s.creer_attente(&a)).await?;
        tracing::info!(attente = %attente.id, praticien = %praticien_id, "waiting-list entry created");
        let location = format!("/liste-attente/{}", attente.id);
        Ok(AttenteCreee::Cree(Json(dto(&attente, now)), location))
    }

    /// One waiting-list entry
    #[oai(path = "/liste-attente/:id", method = "get", operation_id = "attente")]
    async fn lire(&self, jeton: JetonAcces, id: Path<Uuid>) -> Result<Json<AttenteDto>, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let attente = self.charger(&session, id.0, Action::Lire).await?;
        Ok(Json(dto(&attente, self.etat.maintenant())))
    }

    /// Leave the waiting list
    ///
    /// A créneau held for the patient goes to the next one at once. Leaving again answers 204.
    #[oai(
        path = "/liste-attente/:id",
        method = "delete",
        operation_id = "retirer_attente"
    )]
    async fn retirer(&self, jeton: JetonAcces, id: Path<Uuid>) -> Result<AttenteRetiree, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let attente = self.charger(&session, id.0, Action::Supprimer).await?;
        let now = self.etat.maintenant();
        self.etat
            .stocker(move |s| s.retirer_attente(attente.id, now))
            .await?;
        Ok(AttenteRetiree::Retiree)
    }

    /// Take the créneau offered
    ///
    /// Books the held créneau for the patient under the booking rules and closes the entry, in one
    /// transaction. A lapsed hold is 409 `offre_expiree`.
    #[oai(
        path = "/liste-attente/:id/acceptation",
        method = "post",
        operation_id = "accepter_offre"
    )]
    async fn accepter(&self, jeton: JetonAcces, id: Path<Uuid>) -> Result<RdvCree, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let attente = self.charger(&session, id.0, Action::Modifier).await?;
        let now = self.etat.maintenant();
        let (rdv_id, par) = (RdvId(Uuid::now_v7()), session.compte);
        let rdv = self
            .etat
            .stocker(move |s| s.accepter_offre(attente.id, rdv_id, par, now))
            .await?;
        tracing::info!(rdv = %rdv.id, attente = %id.0, "waiting-list offer taken");
        let location = format!("/rdvs/{}", rdv.id);
        let corps = self.rdvs.dto(&session, rdv).await?;
        Ok(RdvCree::Cree(Json(corps), location))
    }
}

//! A praticien's periods off (indisponibilités: congés, formation…): list, add, remove.
//!
//! Managed by the praticien, its associated personnel and the admin (`Ressource::GestionPraticien`).
//! Adding one cancels nothing: the rdvs it overlaps keep their statut and are listed in the answer for
//! follow-up, to callers who may read the praticien's planning (the admin, who may not, gets their
//! count only). From then
//! on the agenda holds the period, so its créneaux are neither offered nor bookable (409
//! `creneau_indisponible`, the domain's rule); removing it frees them again.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use domain::acces::{Action, Ressource, autoriser};
use domain::disponibilite::FENETRE_JOURS_MAX;
use domain::ids::PraticienId;
use domain::temps::Creneau;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Object, OpenApi};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ApiTag;
use super::dto::TypeDto;
use super::etat::{EtatPartage, JetonAcces, Session};
use super::praticiens::fenetre;
use super::probleme::ErreurApi;
use super::rdvs::{CLE_IDEMPOTENCE_LONGUEUR_MAX, StatutDto};
use crate::modele::{Indisponibilite, Rdv};
use crate::store::{ReponseMemorisee, StoreError};

/// Longest period off, in days.
pub const INDISPONIBILITE_JOURS_MAX: i64 = 366;
/// Longest motif, in characters.
pub const MOTIF_LONGUEUR_MAX: usize = 200;
/// Most overlapped rdvs listed in a creation's answer (`rdvs_total` counts them all).
pub const RDVS_LISTES_MAX: usize = 500;

/// A period off.
#[derive(Debug, Clone, Object)]
pub struct IndisponibiliteDto {
    /// Its id.
    pub id: Uuid,
    /// Start (UTC).
    pub debut: DateTime<Utc>,
    /// End (UTC, exclusive).
    pub fin: DateTime<Utc>,
    /// Why, if said.
    #[oai(skip_serializing_if_is_none)]
    pub motif: Option<String>,
}

impl From<&Indisponibilite> for IndisponibiliteDto {
    fn from(i: &Indisponibilite) -> Self {
        Self {
            id: i.id,
            debut: i.creneau.debut(),
            fin: i.creneau.fin(),
            motif: i.motif.clone(),
        }
    }
}

/// The periods off touching a window (bounded by the window, ≤ 31 days: no cursor).
#[derive(Debug, Clone, Object)]
pub struct ListeIndisponibilites {
    /// By start.
    pub items: Vec<IndisponibiliteDto>,
}

/// A new period off.
#[derive(Debug, Clone, Object)]
pub struct NouvelleIndisponibilite {
    /// Start (RFC 3339).
    pub debut: DateTime<Utc>,
    /// End (RFC 3339, exclusive), at most 366 days after the start.
    pub fin: DateTime<Utc>,
    /// Why (congés, formation…), at most 200 characters.
    pub motif: Option<String>,
}

/// A rdv a change of the praticien's schedule (a period off, new horaires) leaves to follow up: it is
/// kept as it is, not cancelled.
#[derive(Debug, Clone, Object)]
pub struct RdvASuivreDto {
    /// Its id (`/rdvs/{id}`).
    pub id: Uuid,
    /// For whom.
    pub patient_id: Uuid,
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    #[oai(rename = "type")]
    pub type_consultation: TypeDto,
    /// Start (UTC).
    pub debut: DateTime<Utc>,
    /// End (UTC).
    pub fin: DateTime<Utc>,
    /// Statut (unchanged).
    pub statut: StatutDto,
    /// Where.
    pub structure_id: Uuid,
}

impl From<&crate::modele::Rdv> for RdvASuivreDto {
    fn from(r: &crate::modele::Rdv) -> Self {
        Self {
            id: r.id.0,
            patient_id: r.patient_id.0,
            specialite: r.specialite.code().to_owned(),
            type_consultation: r.type_consultation.into(),
            debut: r.creneau.debut(),
            fin: r.creneau.fin(),
            statut: r.statut.into(),
            structure_id: r.structure_id.0,
        }
    }
}

/// A created period off, with the rdvs it overlaps.
#[derive(Debug, Clone, Object)]
pub struct IndisponibiliteCreee {
    /// Its id.
    pub id: Uuid,
    /// Start (UTC).
    pub debut: DateTime<Utc>,
    /// End (UTC, exclusive).
    pub fin: DateTime<Utc>,
    /// Why, if said.
    #[oai(skip_serializing_if_is_none)]
    pub motif: Option<String>,
    /// The rdvs holding a créneau inside it, by start (at most 500), left as they are for follow-up;
    /// empty for callers who may not read the praticien's planning.
    pub rdvs: Vec<RdvASuivreDto>,
    /// How many rdvs hold a créneau inside it, in all.
    pub rdvs_total: u32,
}

/// Answer of a creation.
#[derive(Debug, ApiResponse)]
pub enum IndisponibiliteAjoutee {
    /// Created (or the same Idempotency-Key replayed).
    #[oai(status = 201)]
    Cree(Json<IndisponibiliteCreee>, #[oai(header = "Location")] String),
}

/// Answer of a removal.
#[derive(Debug, ApiResponse)]
pub enum IndisponibiliteSupprimee {
    /// Removed: its créneaux are free again.
    #[oai(status = 204)]
    Supprimee,
}

/// The indisponibilités API.
#[derive(Debug)]
pub struct IndisponibilitesApi {
    etat: EtatPartage,
}

impl IndisponibilitesApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }

    /// The caller, if it may do `action` to the praticien's periods off.
    async fn gerant(
        &self,
        jeton: &JetonAcces,
        action: Action,
        praticien: PraticienId,
    ) -> Result<Session, ErreurApi> {
        let session = self.etat.session(jeton).await?;
        autoriser(&session.acteur, action, &Ressource::GestionPraticien(praticien))
            .map_err(super::refus_acces)?;
        Ok(session)
    }
}

/// The rdvs holding a créneau inside `periode`, by start: read 31 days at a time (the store's bound).
fn rdvs_chevauches(
    s: &dyn crate::store::Stockage,
    praticien: PraticienId,
    periode: Creneau,
) -> Result<Vec<Rdv>, StoreError> {
    let pas = Duration::days(FENETRE_JOURS_MAX);
    let mut vus = BTreeMap::new();
    let mut debut = periode.debut();
    while debut < periode.fin() {
        let fin = (debut + pas).min(periode.fin());
        let morceau = Creneau::new(debut, fin).map_err(|e| StoreError::Interne(e.to_string()))?;
        for rdv in s.rdvs_du_praticien(praticien, morceau)? {
            if rdv.statut.occupe_creneau() {
                vus.insert((rdv.creneau.debut(), rdv.id), rdv);
            }
        }
        debut = fin;
    }
    Ok(vus.into_values().collect())
}

/// A checked Idempotency-Key, or 400.
fn cle_valide(cle: Option<&str>) -> Result<Option<String>, ErreurApi> {
    match cle {
        Some(c) if c.is_empty() || c.len() > CLE_IDEMPOTENCE_LONGUEUR_MAX => Err(ErreurApi::invalide(
            "idempotency_key_invalide",
            "Idempotency-Key : 1 à 255 caractères",
        )),
        autre => Ok(autre.map(str::to_owned)),
    }
}

#[OpenApi(tag = "ApiTag::Indisponibilites")]
impl IndisponibilitesApi {
    /// A praticien's periods off touching a window of at most 31 days
    #[oai(
        path = "/praticiens/:id/indisponibilites",
        method = "get",
        operation_id = "indisponibilites"
    )]
    async fn lister(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        debut: Query<DateTime<Utc>>,
        fin: Query<DateTime<Utc>>,
    ) -> Result<Json<ListeIndisponibilites>, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.gerant(&jeton, Action::Lire, praticien).await?;
        let fenetre = fenetre(debut.0, fin.0)?;
        if fenetre.duree() > Duration::days(FENETRE_JOURS_MAX) {
            return Err(ErreurApi::new(
                422,
                "fenetre_trop_longue",
                format!("fenêtre de plus de {FENETRE_JOURS_MAX} jours"),
            ));
        }
        let items = self
            .etat
            .stocker(move |s| s.indisponibilites(praticien, fenetre))
            .await?;
        Ok(Json(ListeIndisponibilites {
            items: items.iter().map(IndisponibiliteDto::from).collect(),
        }))
    }

    /// Add a period off
    ///
    /// At most 366 days long. The rdvs it overlaps are not cancelled: they are listed in the answer for
    /// follow-up. An `Idempotency-Key` makes a retry return the first answer.
    #[oai(
        path = "/praticiens/:id/indisponibilites",
        method = "post",
        operation_id = "ajouter_indisponibilite"
    )]
    async fn ajouter(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<NouvelleIndisponibilite>,
        #[oai(name = "Idempotency-Key")] cle: Header<Option<String>>,
    ) -> Result<IndisponibiliteAjoutee, ErreurApi> {
        let praticien = PraticienId(id.0);
        let session = self.gerant(&jeton, Action::Creer, praticien).await?;
        let n = corps.0;
        let cle = cle_valide(cle.0.as_deref())?;
        let empreinte: [u8; 32] = Sha256::digest(
            format!(
                "POST /praticiens/{praticien}/indisponibilites|{}|{}|{:?}",
                n.debut.timestamp_millis(),
                n.fin.timestamp_millis(),
                n.motif
            )
            .as_bytes(),
        )
        .into();
        let compte = session.compte;
        if let Some(cle) = cle.clone() {
            let memo = self
                .etat
                .stocker(move |s| s.reponse_memorisee(compte, &cle))
                .await?;
            if let Some(memo) = memo {
                if memo.empreinte != empreinte {
                    return Err(ErreurApi::from(StoreError::IdempotenceReutilisee));
                }
                let valeur = serde_json::from_str(&memo.corps).map_err(ErreurApi::interne)?;
                let creee = IndisponibiliteCreee::parse_from_json(Some(valeur))
                    .map_err(|e| ErreurApi::interne(e.into_message()))?;
                let location = format!("/praticiens/{praticien}/indisponibilites/{}", creee.id);
                return Ok(IndisponibiliteAjoutee::Cree(Json(creee), location));
            }
        }

        let periode = fenetre(n.debut, n.fin)?;
        if periode.duree() > Duration::days(INDISPONIBILITE_JOURS_MAX) {
            return Err(ErreurApi::new(
                422,
                "indisponibilite_trop_longue",
                format!("indisponibilité de plus de {INDISPONIBILITE_JOURS_MAX} jours"),
            ));
        }
        let motif = n.motif.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
        if motif
            .as_ref()
            .is_some_and(|m| m.chars().count() > MOTIF_LONGUEUR_MAX)
        {
            return Err(ErreurApi::new(
                422,
                "motif_invalide",
                format!("motif : {MOTIF_LONGUEUR_MAX} caractères au plus"),
            ));
        }
        let iid = Uuid::now_v7();
        let ecrit = motif.clone();
        let rdvs = self
            .etat
            .stocker(move |s| {
                s.ajouter_indisponibilite(praticien, iid, periode, ecrit)?;
                rdvs_chevauches(s, praticien, periode)
            })
            .await?;
        tracing::info!(praticien = %praticien, indisponibilite = %iid, rdvs = rdvs.len(), "indisponibilité added");
        let rdvs_total = u32::try_from(rdvs.len()).unwrap_or(u32::MAX);
        // The rdvs themselves only for whoever may read the planning (not the admin).
        let rdvs = if autoriser(&session.acteur, Action::Lire, &Ressource::Planning(praticien)).is_ok() {
            rdvs
        } else {
            Vec::new()
        };
        let creee = IndisponibiliteCreee {
            id: iid,
            debut: periode.debut(),
            fin: periode.fin(),
            motif,
            rdvs_total,
            rdvs: rdvs
                .into_iter()
                .take(RDVS_LISTES_MAX)
                .map(|r| RdvASuivreDto::from(&r))
                .collect(),
        };
        if let Some(cle) = cle {
            let corps = creee
                .to_json()
                .map(|v| v.to_string())
                .ok_or_else(|| ErreurApi::interne("indisponibilité : JSON vide"))?;
            let reponse = ReponseMemorisee {
                empreinte,
                statut: 201,
                corps,
            };
            let now = self.etat.maintenant();
            self.etat
                .stocker(move |s| s.memoriser_reponse(compte, &cle, &reponse, now))
                .await?;
        }
        let location = format!("/praticiens/{praticien}/indisponibilites/{iid}");
        Ok(IndisponibiliteAjoutee::Cree(Json(creee), location))
    }

    /// Remove a period off: its créneaux are free again
    #[oai(
        path = "/praticiens/:id/indisponibilites/:iid",
        method = "delete",
        operation_id = "supprimer_indisponibilite"
    )]
    async fn supprimer(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        iid: Path<Uuid>,
    ) -> Result<IndisponibiliteSupprimee, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.gerant(&jeton, Action::Supprimer, praticien).await?;
        let iid = iid.0;
        self.etat
            .stocker(move |s| s.supprimer_indisponibilite(praticien, iid))
            .await?;
        tracing::info!(praticien = %praticien, indisponibilite = %iid, "indisponibilité removed");
        Ok(IndisponibiliteSupprimee::Supprimee)
    }
}

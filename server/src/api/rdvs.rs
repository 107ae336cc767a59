//! Rendez-vous: book, read, move, cancel, follow up, and a patient's list.
//!
//! Every operation asks the access rules first (`domain::acces::autoriser`), then lets the store run
//! the domain's rule inside one write transaction. A single rdv carries `links` to the actions the
//! caller may take now.

use chrono::{DateTime, Utc};
use domain::Code;
use domain::acces::{Acteur, Action, Liens, Ressource, autoriser};
use domain::annulation::{Auteur, decider_annulation};
use domain::consultation::Origine;
use domain::ids::{PatientId, PraticienId, RdvId};
use domain::reglages::Reglages;
use domain::reservation::Reservation;
use domain::statut::Statut;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ApiTag;
use super::dto::{OrigineDto, TypeDto, limite, page, specialite};
use super::etat::{EtatPartage, JetonAcces, Session};
use super::probleme::ErreurApi;
use crate::modele::{ModePaiement, Paiement, Rdv, Transmission};
use crate::store::{
    ChangementStatut, CleIdempotence, NouvelleReservation, Periode, ReponseMemorisee, Reserve, Stockage,
    StoreError,
};

page!(PageRdvs, RdvDto);

/// Longest Idempotency-Key accepted.
pub const CLE_IDEMPOTENCE_LONGUEUR_MAX: usize = 255;
/// Longest organisme name.
pub const ORGANISME_LONGUEUR_MAX: usize = 100;
/// Largest payment one consultation records, in euro cents (10 000 €): anything above is a typo.
pub const MONTANT_MAX_CENTIMES: u32 = 1_000_000;

/// The statut of a rdv.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StatutDto {
    /// Booked, to come.
    Prevu,
    /// Honoured.
    Honore,
    /// Not honoured.
    NonHonore,
    /// Cancelled.
    Annule,
    /// Cancelled late.
    AnnuleTardivement,
    /// Paid.
    Paye,
    /// Sent to the organismes sociaux.
    Transmis,
}

impl From<Statut> for StatutDto {
    fn from(s: Statut) -> Self {
        match s {
            Statut::Prevu => StatutDto::Prevu,
            Statut::Honore => StatutDto::Honore,
            Statut::NonHonore => StatutDto::NonHonore,
            Statut::Annule => StatutDto::Annule,
            Statut::AnnuleTardivement => StatutDto::AnnuleTardivement,
            Statut::Paye => StatutDto::Paye,
            Statut::Transmis => StatutDto::Transmis,
        }
    }
}

/// How a consultation was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ModeDto {
    /// Bank card.
    Carte,
    /// Cheque.
    Cheque,
    /// Cash.
    Especes,
    /// Tiers payant.
    TiersPayant,
    /// Transfer.
    Virement,
}

/// One step of the history.
#[derive(Debug, Clone, Object)]
pub struct EvenementDto {
    /// Statut reached.
    pub statut: StatutDto,
    /// What happened (`reserve`, `deplace`, `annule`…).
    pub action: String,
    /// The account that did it.
    pub par: Uuid,
    /// When.
    pub le: DateTime<Utc>,
}

/// A payment.
#[derive(Debug, Clone, Object)]
pub struct PaiementDto {
    /// Euro cents.
    pub montant_centimes: u32,
    /// Mode.
    pub mode: ModeDto,
    /// When.
    pub le: DateTime<Utc>,
}

/// A transmission.
#[derive(Debug, Clone, Object)]
pub struct TransmissionDto {
    /// When.
    pub le: DateTime<Utc>,
    /// To whom.
    #[oai(skip_serializing_if_is_none)]
    pub organisme: Option<String>,
}

/// Related resources and the actions the caller may take now.
#[derive(Debug, Clone, Object)]
pub struct LiensRdv {
    /// This rdv.
    #[oai(rename = "self")]
    pub self_: String,
    /// The praticien's profile.
    pub praticien: String,
    /// `POST` here to cancel, when the caller may now.
    #[oai(skip_serializing_if_is_none)]
    pub annuler: Option<String>,
    /// `PATCH` here to move, when the caller may now.
    #[oai(skip_serializing_if_is_none)]
    pub deplacer: Option<String>,
    /// `POST` here to change the statut, when the caller may.
    #[oai(skip_serializing_if_is_none)]
    pub statut: Option<String>,
}

/// A rendez-vous.
#[derive(Debug, Clone, Object)]
pub struct RdvDto {
    /// Its id.
    pub id: Uuid,
    /// With whom.
    pub praticien_id: Uuid,
    /// For whom.
    pub patient_id: Uuid,
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    #[oai(rename = "type")]
    pub type_consultation: TypeDto,
    /// Motif de visite.
    #[oai(skip_serializing_if_is_none)]
    pub motif: Option<String>,
    /// Start (UTC).
    pub debut: DateTime<Utc>,
    /// End (UTC).
    pub fin: DateTime<Utc>,
    /// Statut.
    pub statut: StatutDto,
    /// Online or recorded by the cabinet.
    pub origine: OrigineDto,
    /// Where.
    pub structure_id: Uuid,
    /// Every change, oldest first.
    pub historique: Vec<EvenementDto>,
    /// Payment.
    #[oai(skip_serializing_if_is_none)]
    pub paiement: Option<PaiementDto>,
    /// Transmission.
    #[oai(skip_serializing_if_is_none)]
    pub transmission: Option<TransmissionDto>,
    /// Links.
    pub links: LiensRdv,
}

/// A booking.
#[derive(Debug, Object)]
pub struct NouveauRdv {
    /// With whom.
    pub praticien_id: Uuid,
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    #[oai(rename = "type")]
    pub type_consultation: TypeDto,
    /// Start of the créneau (RFC 3339).
    pub debut: DateTime<Utc>,
    /// Motif de visite code.
    pub motif: Option<String>,
    /// For whom (required for praticien and personnel; a patient books for self).
    pub patient_id: Option<Uuid>,
    /// `plateforme` (default) or `hors_plateforme` (praticien and personnel only).
    pub origine: Option<OrigineDto>,
}

/// A move or a change of type.
#[derive(Debug, Object)]
pub struct ModificationRdv {
    /// New start.
    pub debut: Option<DateTime<Utc>>,
    /// New type.
    #[oai(rename = "type")]
    pub type_consultation: Option<TypeDto>,
}

/// A statut change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum NouveauStatutDto {
    /// The patient came.
    Honore,
    /// The patient did not come.
    NonHonore,
    /// Paid (needs `montant` and `mode`).
    Paye,
    /// Sent to the organismes sociaux.
    Transmis,
}

/// The body of `POST /rdvs/{id}/statut`.
#[derive(Debug, Object)]
pub struct ChangementStatutDto {
    /// The statut to reach.
    pub statut: NouveauStatutDto,
    /// Euro cents (for `paye`).
    pub montant: Option<u32>,
    /// Mode (for `paye`).
    pub mode: Option<ModeDto>,
    /// Organisme (for `transmis`).
    pub organisme: Option<String>,
    /// When it was paid or transmitted (`paye`, `transmis`), if not now: recorded after the fact, never
    /// in the future nor before the rdv's start.
    pub le: Option<DateTime<Utc>>,
}

/// Which rdvs of a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PeriodeDto {
    /// Past, most recent first.
    Passes,
    /// To come, soonest first.
    AVenir,
}

/// Answer of a booking.
#[derive(Debug, ApiResponse)]
pub enum RdvCree {
    /// Booked (or the same Idempotency-Key replayed).
    #[oai(status = 201)]
    Cree(Json<RdvDto>, #[oai(header = "Location")] String),
}

/// The rdvs API.
#[derive(Debug)]
pub struct RdvsApi {
    etat: EtatPartage,
}

fn auteur(acteur: &Acteur) -> Auteur {
    match acteur {
        Acteur::Praticien { .. } => Auteur::Praticien,
        Acteur::Personnel { .. } => Auteur::Personnel,
        _ => Auteur::Patient,
    }
}

fn ressource(rdv: &Rdv) -> Ressource<'static> {
    Ressource::Rdv {
        patient: rdv.patient_id,
        praticien: rdv.praticien_id,
    }
}

impl RdvsApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }

    /// The rdv, if it exists and the caller may do `action` to it.
    async fn charger(&self, session: &Session, id: Uuid, action: Action) -> Result<Rdv, ErreurApi> {
        let id = RdvId(id);
        let rdv = self
            .etat
            .stocker(move |s| s.rdv(id))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("rendez-vous"))?;
        autoriser(&session.acteur, action, &ressource(&rdv)).map_err(super::refus_acces)?;
        Ok(rdv)
    }

    /// The rdv as the caller sees it, with the links it may follow now.
    pub(super) async fn dto(&self, session: &Session, rdv: Rdv) -> Result<RdvDto, ErreurApi> {
        let praticien = rdv.praticien_id;
        let reglages = self.etat.stocker(move |s| reglages_de(s, praticien)).await?;
        Ok(self.dto_avec(session, rdv, &reglages))
    }

    /// [`RdvsApi::dto`] with the praticien's réglages already read (a booking reads them in its own
    /// blocking call, which spares a hop to the blocking pool on the API's hottest write).
    fn dto_avec(&self, session: &Session, rdv: Rdv, reglages: &Reglages) -> RdvDto {
        let now = self.etat.maintenant();
        let peut = |action| autoriser(&session.acteur, action, &ressource(&rdv)).is_ok();
        let annulable = decider_annulation(
            rdv.statut,
            rdv.creneau.debut(),
            auteur(&session.acteur),
            reglages,
            now,
        )
        .is_ok();
        let chemin = format!("/rdvs/{}", rdv.id);
        let links = LiensRdv {
            praticien: format!("/praticiens/{}", rdv.praticien_id),
            annuler: (annulable && peut(Action::Annuler)).then(|| format!("{chemin}/annulation")),
            deplacer: (annulable && peut(Action::Modifier)).then(|| chemin.clone()),
            statut: peut(Action::ChangerStatut).then(|| format!("{chemin}/statut")),
            self_: chemin,
        };
        vers_dto(rdv, links)
    }
}

/// The réglages of `praticien` (the defaults if it is gone), which decide the links of its rdvs.
fn reglages_de(s: &dyn Stockage, praticien: PraticienId) -> Result<Reglages, StoreError> {
    Ok(s.praticien(praticien)?.map(|p| p.reglages).unwrap_or_default())
}

/// The API's rdv shape, with `links` (each caller decides which actions it offers).
pub(super) fn vers_dto(rdv: Rdv, links: LiensRdv) -> RdvDto {
    RdvDto {
        id: rdv.id.0,
        praticien_id: rdv.praticien_id.0,
        patient_id: rdv.patient_id.0,
        specialite: rdv.specialite.code().to_owned(),
        type_consultation: rdv.type_consultation.into(),
        motif: rdv.motif,
        debut: rdv.creneau.debut(),
        fin: rdv.creneau.fin(),
        statut: rdv.statut.into(),
        origine: rdv.origine.into(),
        structure_id: rdv.structure_id.0,
        historique: rdv
            .historique
            .into_iter()
            .map(|e| EvenementDto {
                statut: e.statut.into(),
                action: e.action,
                par: e.par.0,
                le: e.le,
            })
            .collect(),
        paiement: rdv.paiement.map(|p| PaiementDto {
            montant_centimes: p.montant_centimes,
            mode: match p.mode {
                ModePaiement::Carte => ModeDto::Carte,
                ModePaiement::Cheque => ModeDto::Cheque,
                ModePaiement::Especes => ModeDto::Especes,
                ModePaiement::TiersPayant => ModeDto::TiersPayant,
                ModePaiement::Virement => ModeDto::Virement,
            },
            le: p.le,
        }),
        transmission: rdv.transmission.map(|t| TransmissionDto {
            le: t.le,
            organisme: t.organisme,
        }),
        links,
    }
}

/// The SHA-256 of what makes two booking requests the same.
fn empreinte_reservation(n: &NouveauRdv) -> [u8; 32] {
    let texte = format!(
        "POST /rdvs|{}|{}|{:?}|{}|{:?}|{:?}|{:?}",
        n.praticien_id,
        n.specialite,
        n.type_consultation,
        n.debut.timestamp_millis(),
        n.motif,
        n.patient_id,
        n.origine
    );
    Sha256::digest(texte.as_bytes()).into()
}

#[OpenApi(tag = "ApiTag::Rdvs")]
impl RdvsApi {
    /// Book a créneau
    ///
    /// A patient books for self, online; a praticien or personnel books for `patient_id`, online or
    /// `hors_plateforme`. Refusals are 409 with the DOMAIN.md code. An `Idempotency-Key` makes a retry
    /// return the first answer.
    #[oai(path = "/rdvs", method = "post", operation_id = "reserver")]
    async fn reserver(
        &self,
        jeton: JetonAcces,
        corps: Json<NouveauRdv>,
        #[oai(name = "Idempotency-Key")] cle: Header<Option<String>>,
    ) -> Result<RdvCree, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let n = corps.0;
        let patient_id = match (&session.acteur, n.patient_id) {
            (Acteur::Patient { id }, None) => *id,
            (Acteur::Patient { .. }, Some(p)) => PatientId(p),
            (_, Some(p)) => PatientId(p),
            (_, None) => return Err(ErreurApi::new(422, "patient_requis", "patient_id est requis")),
        };
        let praticien_id = PraticienId(n.praticien_id);
        autoriser(
            &session.acteur,
            Action::Creer,
            &Ressource::Rdv {
                patient: patient_id,
                praticien: praticien_id,
            },
        )
        .map_err(super::refus_acces)?;
        let origine: Origine = n.origine.map_or(Origine::Plateforme, Into::into);
        if origine == Origine::HorsPlateforme && matches!(session.acteur, Acteur::Patient { .. }) {
            return Err(ErreurApi::new(
                403,
                "acces_refuse",
                "un patient réserve en ligne uniquement",
            ));
        }
        let idempotence = cle_valide(cle.0.as_deref())?.map(|c| CleIdempotence {
            compte: session.compte,
            cle: c,
            empreinte: empreinte_reservation(&n),
        });
        let demande = NouvelleReservation {
            rdv_id: RdvId(Uuid::now_v7()),
            praticien_id,
            patient_id,
            reservation: Reservation {
                specialite: specialite(&n.specialite)?,
                type_consultation: n.type_consultation.into(),
                debut: n.debut,
                motif: n.motif,
                origine,
            },
            par: session.compte,
            idempotence,
        };
        let now = self.etat.maintenant();
        let (reserve, reglages) = self
            .etat
            .guichet
            .reserver(demande, now)?
            .await
            .map_err(|_| ErreurApi::interne("le guichet des réservations n'a pas répondu"))??;
        let rdv = match reserve {
            Reserve::Nouveau(rdv) => {
                tracing::info!(rdv = %rdv.id, praticien = %rdv.praticien_id, "rdv booked");
                rdv
            }
            Reserve::Rejoue(rdv) => rdv,
        };
        let location = format!("/rdvs/{}", rdv.id);
        Ok(RdvCree::Cree(
            Json(self.dto_avec(&session, rdv, &reglages)),
            location,
        ))
    }

    /// One rdv
    #[oai(path = "/rdvs/:id", method = "get", operation_id = "rdv")]
    async fn rdv(&self, jeton: JetonAcces, id: Path<Uuid>) -> Result<Json<RdvDto>, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let rdv = self.charger(&session, id.0, Action::Lire).await?;
        Ok(Json(self.dto(&session, rdv).await?))
    }

    /// Move a rdv or change its type
    ///
    /// A move books the new créneau and frees the old one in one transaction, under the booking rules
    /// and the 24-hour rule; the rdv keeps its id and history.
    #[oai(path = "/rdvs/:id", method = "patch", operation_id = "deplacer")]
    async fn deplacer(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<ModificationRdv>,
        #[oai(name = "Idempotency-Key")] cle: Header<Option<String>>,
    ) -> Result<Json<RdvDto>, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let rdv = self.charger(&session, id.0, Action::Modifier).await?;
        let requete = format!(
            "PATCH /rdvs/{}|{:?}|{:?}",
            rdv.id, corps.0.debut, corps.0.type_consultation
        );
        if let Some(deja) = self.deja_fait(&session, cle.0.as_deref(), &requete).await? {
            return Ok(Json(self.dto(&session, deja).await?));
        }
        if corps.0.debut.is_none() && corps.0.type_consultation.is_none() {
            return Err(ErreurApi::new(
                422,
                "modification_vide",
                "rien à modifier : debut ou type",
            ));
        }
        let demande = Reservation {
            specialite: rdv.specialite,
            type_consultation: corps
                .0
                .type_consultation
                .map_or(rdv.type_consultation, Into::into),
            debut: corps.0.debut.unwrap_or(rdv.creneau.debut()),
            motif: rdv.motif.clone(),
            origine: match session.acteur {
                Acteur::Patient { .. } => Origine::Plateforme,
                _ => Origine::HorsPlateforme,
            },
        };
        let (id, qui, par, now) = (
            rdv.id,
            auteur(&session.acteur),
            session.compte,
            self.etat.maintenant(),
        );
        let deplace = match self
            .etat
            .stocker_brut(move |s| s.deplacer(id, &demande, qui, par, now))
            .await?
        {
            Ok(r) => r,
            Err(e) => return Err(self.avec_telephone(e, &rdv).await),
        };
        self.retenir(&session, cle.0.as_deref(), &requete, deplace.id)
            .await?;
        Ok(Json(self.dto(&session, deplace).await?))
    }

    /// Cancel a rdv
    ///
    /// A patient cancelling inside the praticien's delay (24 h by default) gets `annule_tardivement`, or
    /// 409 `annulation_tardive_refusee` with the structure's phone number under the `refusee` policy.
    #[oai(path = "/rdvs/:id/annulation", method = "post", operation_id = "annuler")]
    async fn annuler(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] cle: Header<Option<String>>,
    ) -> Result<Json<RdvDto>, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let rdv = self.charger(&session, id.0, Action::Annuler).await?;
        let requete = format!("POST /rdvs/{}/annulation", rdv.id);
        if let Some(deja) = self.deja_fait(&session, cle.0.as_deref(), &requete).await? {
            return Ok(Json(self.dto(&session, deja).await?));
        }
        let (id, qui, par, now) = (
            rdv.id,
            auteur(&session.acteur),
            session.compte,
            self.etat.maintenant(),
        );
        let annule = match self
            .etat
            .stocker_brut(move |s| s.annuler(id, qui, par, now))
            .await?
        {
            Ok(r) => r,
            Err(e) => return Err(self.avec_telephone(e, &rdv).await),
        };
        tracing::info!(rdv = %annule.id, statut = annule.statut.as_str(), "rdv cancelled");
        self.retenir(&session, cle.0.as_deref(), &requete, annule.id)
            .await?;
        Ok(Json(self.dto(&session, annule).await?))
    }

    /// Follow up a consultation: honoured or not, paid, transmitted
    #[oai(path = "/rdvs/:id/statut", method = "post", operation_id = "changer_statut")]
    async fn statut(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<ChangementStatutDto>,
        #[oai(name = "Idempotency-Key")] cle: Header<Option<String>>,
    ) -> Result<Json<RdvDto>, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let rdv = self.charger(&session, id.0, Action::ChangerStatut).await?;
        let now = self.etat.maintenant();
        let c = corps.0;
        let requete = format!(
            "POST /rdvs/{}/statut|{:?}|{:?}|{:?}|{:?}|{:?}",
            rdv.id, c.statut, c.montant, c.mode, c.organisme, c.le
        );
        if let Some(deja) = self.deja_fait(&session, cle.0.as_deref(), &requete).await? {
            return Ok(Json(self.dto(&session, deja).await?));
        }
        let le = match c.le {
            Some(le) if le > now || le < rdv.creneau.debut() => {
                return Err(ErreurApi::new(
                    422,
                    "date_invalide",
                    "le : ni dans le futur, ni avant le début du rendez-vous",
                ));
            }
            Some(le) => le,
            None => now,
        };
        let changement = match c.statut {
            NouveauStatutDto::Honore => ChangementStatut::Honore,
            NouveauStatutDto::NonHonore => ChangementStatut::NonHonore,
            NouveauStatutDto::Paye => {
                let (Some(montant), Some(mode)) = (c.montant, c.mode) else {
                    return Err(ErreurApi::new(
                        422,
                        "paiement_incomplet",
                        "paye : montant et mode sont requis",
                    ));
                };
                if montant > MONTANT_MAX_CENTIMES {
                    return Err(ErreurApi::new(
                        422,
                        "montant_invalide",
                        format!("montant : {MONTANT_MAX_CENTIMES} centimes au plus"),
                    ));
                }
                ChangementStatut::Paye(Paiement {
                    montant_centimes: montant,
                    mode: match mode {
                        ModeDto::Carte => ModePaiement::Carte,
                        ModeDto::Cheque => ModePaiement::Cheque,
                        ModeDto::Especes => ModePaiement::Especes,
                        ModeDto::TiersPayant => ModePaiement::TiersPayant,
                        ModeDto::Virement => ModePaiement::Virement,
                    },
                    le,
                })
            }
            NouveauStatutDto::Transmis => {
                if c.organisme
                    .as_ref()
                    .is_some_and(|o| o.chars().count() > ORGANISME_LONGUEUR_MAX)
                {
                    return Err(ErreurApi::new(
                        422,
                        "organisme_invalide",
                        "organisme : 100 caractères au plus",
                    ));
                }
                ChangementStatut::Transmis(Transmission {
                    le,
                    organisme: c.organisme,
                })
            }
        };
        let (id, par) = (rdv.id, session.compte);
        let rdv = self
            .etat
            .stocker(move |s| s.changer_statut(id, &changement, par, now))
            .await?;
        self.retenir(&session, cle.0.as_deref(), &requete, rdv.id).await?;
        Ok(Json(self.dto(&session, rdv).await?))
    }

    /// A patient's rdvs, past or to come
    ///
    /// The caller sees only the rdvs it may open one by one.
    #[oai(path = "/patients/:id/rdvs", method = "get", operation_id = "rdvs_du_patient")]
    async fn rdvs_du_patient(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        periode: Query<Option<PeriodeDto>>,
        limit: Query<Option<u32>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<PageRdvs>, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let patient = PatientId(id.0);
        let limit = limite(limit.0)?;
        let (existe, patientele, avec_rdv) = self
            .etat
            .stocker(move |s| {
                let existe = s.patient(patient)?.is_some();
                let (a, b) = s.liens(patient)?;
                Ok((existe, a, b))
            })
            .await?;
        if !existe {
            return Err(ErreurApi::introuvable("patient"));
        }
        let liens = Liens {
            patientele: &patientele,
            rdv: &avec_rdv,
        };
        autoriser(
            &session.acteur,
            Action::Lire,
            &Ressource::DossierAdministratif { patient, liens },
        )
        .map_err(super::refus_acces)?;
        let periode = match periode.0.unwrap_or(PeriodeDto::AVenir) {
            PeriodeDto::Passes => Periode::Passes,
            PeriodeDto::AVenir => Periode::AVenir,
        };
        let (now, cursor) = (self.etat.maintenant(), cursor.0);
        let page = self
            .etat
            .stocker(move |s| s.rdvs_du_patient(patient, periode, now, cursor.as_deref(), limit))
            .await
            .map_err(|e| match e {
                ErreurApi::Introuvable(_) => ErreurApi::invalide("curseur_invalide", "cursor invalide"),
                autre => autre,
            })?;
        let mut items = Vec::with_capacity(page.items.len());
        for rdv in page
            .items
            .into_iter()
            .filter(|r| autoriser(&session.acteur, Action::Lire, &ressource(r)).is_ok())
        {
            items.push(self.dto(&session, rdv).await?);
        }
        Ok(Json(PageRdvs {
            items,
            next_cursor: page.next_cursor,
        }))
    }
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

/// What an Idempotency-Key remembers of a write on a rdv: which rdv it was.
#[derive(serde::Serialize, serde::Deserialize)]
struct Memoire {
    rdv_id: Uuid,
}

impl RdvsApi {
    /// With an Idempotency-Key already used for the same request: the rdv it wrote (its current state);
    /// used for another request: 422 `idempotency_key_reused`.
    async fn deja_fait(
        &self,
        session: &Session,
        cle: Option<&str>,
        requete: &str,
    ) -> Result<Option<Rdv>, ErreurApi> {
        let Some(cle) = cle_valide(cle)? else {
            return Ok(None);
        };
        let empreinte: [u8; 32] = Sha256::digest(requete.as_bytes()).into();
        let compte = session.compte;
        let Some(memo) = self
            .etat
            .stocker(move |s| s.reponse_memorisee(compte, &cle))
            .await?
        else {
            return Ok(None);
        };
        if memo.empreinte != empreinte {
            return Err(ErreurApi::from(StoreError::IdempotenceReutilisee));
        }
        let Memoire { rdv_id } = serde_json::from_str(&memo.corps).map_err(ErreurApi::interne)?;
        let id = RdvId(rdv_id);
        self.etat.stocker(move |s| s.rdv(id)).await
    }

    /// Remembers, for 24 hours, that this key wrote this rdv.
    async fn retenir(
        &self,
        session: &Session,
        cle: Option<&str>,
        requete: &str,
        rdv: RdvId,
    ) -> Result<(), ErreurApi> {
        let Some(cle) = cle_valide(cle)? else {
            return Ok(());
        };
        let reponse = ReponseMemorisee {
            empreinte: Sha256::digest(requete.as_bytes()).into(),
            statut: 200,
            corps: serde_json::to_string(&Memoire { rdv_id: rdv.0 }).map_err(ErreurApi::interne)?,
        };
        let (compte, now) = (session.compte, self.etat.maintenant());
        self.etat
            .stocker(move |s| s.memoriser_reponse(compte, &cle, &reponse, now))
            .await
    }

    /// A refused late cancellation tells the patient which number to call.
    async fn avec_telephone(&self, e: StoreError, rdv: &Rdv) -> ErreurApi {
        let tardive = matches!(&e, StoreError::Annulation(r) if r.code() == "annulation_tardive_refusee")
            || matches!(&e, StoreError::Deplacement(r) if r.code() == "annulation_tardive_refusee");
        let mut erreur = ErreurApi::from(e);
        let structure_id = rdv.structure_id;
        if tardive
            && let ErreurApi::Conflit(p) = &mut erreur
            && let Ok(Some(structure)) = self.etat.stocker(move |s| s.structure(structure_id)).await
        {
            p.0.detail = format!("{} : {}", p.0.detail, structure.telephone.as_str());
            p.0.telephone = Some(structure.telephone.as_str().to_owned());
        }
        erreur
    }
}

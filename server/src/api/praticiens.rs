//! Praticiens: the public directory, the admin's creation, and availability (`disponibilites`, and
//! `calendrier` for clients that compute the same créneaux offline).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::Code;
use domain::consultation::TypeConsultation;
use domain::disponibilite::{CreneauLibre, Recherche, creneaux_libres};
use domain::identifiants::{Email, Rpps};
use domain::ids::{PraticienId, StructureId};
use domain::reglages::Reglages;
use domain::temps::Creneau;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::ApiTag;
use super::annuaire::{StructureDto, admin};
use super::comptes::champ;
use super::dto::{
    CalendrierDto, MotifDto, ReglagesDto, RegleDto, SpecialiteDto, TypeDto, horaires, limite, motifs, refus,
    specialite,
};
use super::etat::{EtatPartage, JetonAcces};
use super::json_direct::{JsonDirect, JsonEcrit};
use super::probleme::ErreurApi;
use crate::auth::MotDePasse;
use crate::modele::{Compte, CompteId, Honoraire, MoyenPaiement, Praticien, Role, Secteur};
use crate::search::{ErreurRecherche, Texte};
use crate::store::{FiltrePraticiens, Stockage, StoreError};

// Written by serde (`JsonDirect`): search results are the hottest answer of the API.
/// A list page: `items`, and `next_cursor` unless it is the last.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct PagePraticiens {
    /// The items.
    pub items: Vec<PraticienDto>,
    /// Cursor of the next page (absent on the last).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Most spécialités, structures or honoraires one praticien may list.
pub const LISTE_PRATICIEN_MAX: usize = 20;

/// Conventionnement secteur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SecteurDto {
    /// Secteur 1.
    #[oai(rename = "1")]
    #[serde(rename = "1")]
    Secteur1,
    /// Secteur 2.
    #[oai(rename = "2")]
    #[serde(rename = "2")]
    Secteur2,
    /// Non conventionné.
    NonConventionne,
}

/// A fee.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct HonoraireDto {
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub type_consultation: TypeDto,
    /// Euro cents.
    pub montant_centimes: u32,
    /// Secteur.
    pub secteur: SecteurDto,
}

/// A payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum MoyenPaiementDto {
    /// Carte Vitale, tiers payant.
    CarteVitale,
    /// Bank card.
    CarteBancaire,
    /// Cheque.
    Cheque,
    /// Cash.
    Especes,
    /// Transfer.
    Virement,
}

/// A praticien's public profile.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct PraticienDto {
    /// Its id.
    pub id: Uuid,
    /// RPPS number (public, as in the national directory).
    pub rpps: String,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// "Dr"…
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub titre: Option<String>,
    /// Spécialités; the first is the default.
    pub specialites: Vec<SpecialiteDto>,
    /// Motifs de visite.
    pub motifs: Vec<MotifDto>,
    /// Places of practice.
    pub structures: Vec<StructureDto>,
    /// Fees.
    pub honoraires: Vec<HonoraireDto>,
    /// Types offered in its horaires.
    pub types: Vec<TypeDto>,
    /// Payment methods.
    pub moyens_paiement: Vec<MoyenPaiementDto>,
    /// Accepts new patients.
    pub nouveaux_patients: bool,
}

/// A new praticien (admin).
#[derive(Debug, Object)]
pub struct NouveauPraticien {
    /// 11 digits, Luhn-checked.
    pub rpps: String,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// "Dr"…
    pub titre: Option<String>,
    /// Sign-in email.
    pub email: String,
    /// Initial password.
    pub password: String,
    /// Spécialité codes (at least one).
    pub specialites: Vec<String>,
    /// Structure ids (at least one).
    pub structures: Vec<Uuid>,
    /// Fees.
    pub honoraires: Option<Vec<HonoraireDto>>,
    /// Motifs de visite.
    pub motifs: Option<Vec<MotifDto>>,
    /// Payment methods.
    pub moyens_paiement: Option<Vec<MoyenPaiementDto>>,
    /// Accepts new patients (default true).
    pub nouveaux_patients: Option<bool>,
    /// Weekly rules (default: Monday to Friday 08:00–19:00 at the first structure).
    pub horaires: Option<Vec<RegleDto>>,
    /// Booking policy (default: DOMAIN.md's).
    pub reglages: Option<ReglagesDto>,
}

/// Answer of a creation.
#[derive(Debug, ApiResponse)]
pub enum PraticienCree {
    /// Created.
    #[oai(status = 201)]
    Cree(Json<PraticienDto>, #[oai(header = "Location")] String),
}

/// A free créneau.
#[derive(Debug, Clone, Object)]
pub struct CreneauDto {
    /// Start (UTC).
    pub debut: DateTime<Utc>,
    /// End (UTC).
    pub fin: DateTime<Utc>,
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    #[oai(rename = "type")]
    pub type_consultation: TypeDto,
    /// Where.
    pub structure_id: Uuid,
}

impl From<&CreneauLibre> for CreneauDto {
    fn from(c: &CreneauLibre) -> Self {
        Self {
            debut: c.debut,
            fin: c.fin,
            specialite: c.specialite.code().to_owned(),
            type_consultation: c.type_consultation.into(),
            structure_id: c.structure_id.0,
        }
    }
}

/// Every free créneau of the window (bounded by the window: ≤ 31 days, no cursor).
#[derive(Debug, Clone, Object)]
pub struct Disponibilites {
    /// The créneaux, by start.
    pub items: Vec<CreneauDto>,
}

/// The JSON of [`Disponibilites`] for `libres`, written straight into bytes. A month of créneaux is
/// up to ~100 KB: through `CreneauDto` and serde it cost an allocation per créneau and an escaping
/// pass over every string (instants, codes, ids) that never needs one. The instants, type names and
/// ids here are ASCII by construction; the spécialité code goes through serde_json's escaping all the
/// same. A test keeps these bytes equal to poem-openapi's form of the same `Disponibilites`.
pub fn ecrire_creneaux(libres: &[CreneauLibre]) -> Vec<u8> {
    /// Bytes of one créneau, ids and codes included: sizes the buffer once.
    const OCTETS_PAR_CRENEAU: usize = 180;
    let mut sortie = Vec::with_capacity(16 + libres.len() * OCTETS_PAR_CRENEAU);
    sortie.extend_from_slice(b"{\"items\":[");
    let mut horodateur = super::json_direct::Horodateur::default();
    // A praticien's créneaux are at one or two places: each id is written once, then copied.
    let mut lieu: Option<(StructureId, [u8; uuid::fmt::Hyphenated::LENGTH])> = None;
    for (i, c) in libres.iter().enumerate() {
        if i > 0 {
            sortie.push(b',');
        }
        sortie.extend_from_slice(b"{\"debut\":\"");
        horodateur.ecrire(&mut sortie, &c.debut);
        sortie.extend_from_slice(b"\",\"fin\":\"");
        horodateur.ecrire(&mut sortie, &c.fin);
        sortie.extend_from_slice(b"\",\"specialite\":");
        // A `&str` always serialises.
        let _ = serde_json::to_writer(&mut sortie, c.specialite.code());
        sortie.extend_from_slice(match c.type_consultation {
            TypeConsultation::Presentiel => b",\"type\":\"presentiel\",\"structure_id\":\"",
            TypeConsultation::Teleconsultation => b",\"type\":\"teleconsultation\",\"structure_id\":\"",
        });
        let id = match lieu {
            Some((structure, id)) if structure == c.structure_id => id,
            _ => {
                let mut id = [0u8; uuid::fmt::Hyphenated::LENGTH];
                c.structure_id.0.hyphenated().encode_lower(&mut id);
                lieu = Some((c.structure_id, id));
                id
            }
        };
        sortie.extend_from_slice(&id);
        sortie.extend_from_slice(b"\"}");
    }
    sortie.extend_from_slice(b"]}");
    sortie
}

/// The praticiens API.
#[derive(Debug)]
pub struct PraticiensApi {
    etat: EtatPartage,
}

impl PraticiensApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }

    async fn profil(&self, p: Praticien) -> Result<PraticienDto, ErreurApi> {
        let mut un = self.profils(vec![p]).await?;
        un.pop().ok_or_else(|| ErreurApi::interne("profil manquant"))
    }

    /// Public profiles, in order, with their structures read in one blocking call.
    async fn profils(&self, praticiens: Vec<Praticien>) -> Result<Vec<PraticienDto>, ErreurApi> {
        self.etat.stocker(move |s| profils_depuis(s, &praticiens)).await
    }

    /// A search with `q`: the index ranks, the store gives each profile, in rank order.
    async fn rechercher(
        &self,
        texte: Texte,
        filtre: FiltrePraticiens,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<JsonDirect<PagePraticiens>, ErreurApi> {
        // One blocking hop: the index ranks, the store reads the page in one transaction.
        let recherche = std::sync::Arc::clone(&self.etat.recherche);
        let store = std::sync::Arc::clone(&self.etat.store);
        let span = tracing::Span::current();
        let (resultats, items) = tokio::task::spawn_blocking(move || {
            span.in_scope(|| {
                let resultats = recherche
                    .chercher(&texte, &filtre, cursor.as_deref(), limit)
                    .map_err(|e| match e {
                        ErreurRecherche::CurseurInvalide => {
                            ErreurApi::invalide("curseur_invalide", "cursor invalide")
                        }
                        autre => ErreurApi::interne(&autre),
                    })?;
                // A hit removed from the store since the last commit is skipped.
                let items: Vec<PraticienDto> = store
                    .praticiens_et_lieux(&resultats.ids)?
                    .into_iter()
                    .map(|(p, lieux)| profil(&p, lieux.iter().map(StructureDto::from).collect()))
                    .collect();
                Ok::<_, ErreurApi>((resultats, items))
            })
        })
        .await
        .map_err(ErreurApi::interne)??;
        Ok(JsonDirect(PagePraticiens {
            items,
            next_cursor: resultats.next_cursor,
        }))
    }
}

/// Public profiles of `praticiens`, each structure read once.
fn profils_depuis(s: &dyn Stockage, praticiens: &[Praticien]) -> Result<Vec<PraticienDto>, StoreError> {
    let mut lues: HashMap<StructureId, Option<StructureDto>> = HashMap::new();
    praticiens
        .iter()
        .map(|p| {
            let mut lieux = Vec::with_capacity(p.structures.len());
            for id in &p.structures {
                let dto = match lues.get(id) {
                    Some(dto) => dto.clone(),
                    None => {
                        let dto = s.structure(*id)?.as_ref().map(StructureDto::from);
                        lues.insert(*id, dto.clone());
                        dto
                    }
                };
                lieux.extend(dto);
            }
            Ok(profil(p, lieux))
        })
        .collect()
}

/// The types a praticien's horaires offer (the default week: présentiel).
fn types_offerts(p: &Praticien) -> Vec<TypeDto> {
    if p.horaires.regles().is_empty() {
        return vec![TypeDto::Presentiel];
    }
    TypeConsultation::TOUS
        .into_iter()
        .filter(|t| p.horaires.regles().iter().any(|r| r.types.contains(t)))
        .map(TypeDto::from)
        .collect()
}

fn profil(p: &Praticien, structures: Vec<StructureDto>) -> PraticienDto {
    PraticienDto {
        id: p.id.0,
        rpps: p.rpps.as_str().to_owned(),
        nom: p.nom.clone(),
        prenom: p.prenom.clone(),
        titre: p.titre.clone(),
        specialites: p.specialites.iter().copied().map(SpecialiteDto::from).collect(),
        motifs: p.motifs.iter().map(MotifDto::from).collect(),
        structures,
        honoraires: p
            .honoraires
            .iter()
            .map(|h| HonoraireDto {
                specialite: h.specialite.code().to_owned(),
                type_consultation: h.type_consultation.into(),
                montant_centimes: h.montant_centimes,
                secteur: match h.secteur {
                    Secteur::Secteur1 => SecteurDto::Secteur1,
                    Secteur::Secteur2 => SecteurDto::Secteur2,
                    Secteur::NonConventionne => SecteurDto::NonConventionne,
                },
            })
            .collect(),
        types: types_offerts(p),
        moyens_paiement: p
            .moyens_paiement
            .iter()
            .map(|m| match m {
                MoyenPaiement::CarteVitale => MoyenPaiementDto::CarteVitale,
                MoyenPaiement::CarteBancaire => MoyenPaiementDto::CarteBancaire,
                MoyenPaiement::Cheque => MoyenPaiementDto::Cheque,
                MoyenPaiement::Especes => MoyenPaiementDto::Especes,
                MoyenPaiement::Virement => MoyenPaiementDto::Virement,
            })
            .collect(),
        nouveaux_patients: p.nouveaux_patients && !p.reglages.patients_connus_uniquement(),
    }
}

/// `[debut, fin)` from query parameters, or 422.
pub fn fenetre(debut: DateTime<Utc>, fin: DateTime<Utc>) -> Result<Creneau, ErreurApi> {
    Creneau::new(debut, fin).map_err(refus)
}

/// The réglages of a new praticien: a praticien who takes no new patients takes known patients only.
fn reglages_initiaux(
    dto: Option<&ReglagesDto>,
    nouveaux_patients: Option<bool>,
) -> Result<Reglages, ErreurApi> {
    let reglages = dto.map(Reglages::try_from).transpose()?.unwrap_or_default();
    if nouveaux_patients == Some(false) {
        let mut bruts = *reglages.valeurs();
        bruts.patients_connus_uniquement = true;
        return Reglages::new(bruts).map_err(refus);
    }
    Ok(reglages)
}

fn borne<T>(nom: &str, v: &[T]) -> Result<(), ErreurApi> {
    if v.len() > LISTE_PRATICIEN_MAX {
        return Err(ErreurApi::new(
            422,
            "liste_trop_longue",
            format!("{nom} : au plus {LISTE_PRATICIEN_MAX}"),
        ));
    }
    Ok(())
}

#[OpenApi(tag = "ApiTag::Praticiens")]
impl PraticiensApi {
    /// Search praticiens by text, spécialité, ville, structure and type
    ///
    /// `q` (≤ 200 characters, ≤ 10 terms) searches names, spécialités, structures and villes, accent-
    /// and case-insensitive, by prefix and typo-tolerant, best matches first; without `q`, praticiens
    /// come by name. The filters combine with it. An unknown spécialité gives an empty page.
    #[oai(path = "/praticiens", method = "get", operation_id = "praticiens")]
    // One argument per query parameter of the contract (API.md), as poem-openapi declares them.
    #[allow(clippy::too_many_arguments)]
    async fn praticiens(
        &self,
        q: Query<Option<String>>,
        specialite: Query<Option<String>>,
        ville: Query<Option<String>>,
        structure: Query<Option<Uuid>>,
        #[oai(name = "type")] type_consultation: Query<Option<TypeDto>>,
        limit: Query<Option<u32>>,
        cursor: Query<Option<String>>,
    ) -> Result<JsonDirect<PagePraticiens>, ErreurApi> {
        let limit = limite(limit.0)?;
        let texte =
            q.0.as_deref()
                .map(Texte::parse)
                .transpose()
                .map_err(|e| ErreurApi::new(422, e.code(), e.to_string()))?
                .flatten();
        let specialite = match specialite.0.as_deref().map(domain::specialite::Specialite::parse) {
            Some(Err(_)) => {
                return Ok(JsonDirect(PagePraticiens {
                    items: Vec::new(),
                    next_cursor: None,
                }));
            }
            Some(Ok(s)) => Some(s),
            None => None,
        };
        let filtre = FiltrePraticiens {
            specialite,
            ville: ville.0,
            structure: structure.0.map(StructureId),
            type_consultation: type_consultation.0.map(Into::into),
        };
        let cursor = cursor.0;
        if let Some(texte) = texte {
            return self.rechercher(texte, filtre, cursor, limit).await;
        }
        let page = self
            .etat
            .stocker(move |s| s.praticiens(&filtre, cursor.as_deref(), limit))
            .await
            .map_err(|e| match e {
                ErreurApi::Introuvable(_) => ErreurApi::invalide("curseur_invalide", "cursor invalide"),
                autre => autre,
            })?;
        Ok(JsonDirect(PagePraticiens {
            items: self.profils(page.items).await?,
            next_cursor: page.next_cursor,
        }))
    }

    /// A praticien's public profile
    #[oai(path = "/praticiens/:id", method = "get", operation_id = "praticien")]
    async fn praticien(&self, id: Path<Uuid>) -> Result<Json<PraticienDto>, ErreurApi> {
        let id = PraticienId(id.0);
        let p = self
            .etat
            .stocker(move |s| s.praticien(id))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("praticien"))?;
        Ok(Json(self.profil(p).await?))
    }

    /// Create a praticien and its account (admin)
    #[oai(path = "/praticiens", method = "post", operation_id = "creer_praticien")]
    async fn creer_praticien(
        &self,
        jeton: JetonAcces,
        corps: Json<NouveauPraticien>,
    ) -> Result<PraticienCree, ErreurApi> {
        admin(&self.etat, &jeton).await?;
        let n = corps.0;
        borne("specialites", &n.specialites)?;
        borne("structures", &n.structures)?;
        borne("honoraires", n.honoraires.as_deref().unwrap_or_default())?;
        let specialites = n
            .specialites
            .iter()
            .map(|c| specialite(c))
            .collect::<Result<Vec<_>, _>>()?;
        let structures: Vec<StructureId> = n.structures.iter().copied().map(StructureId).collect();
        if specialites.is_empty() || structures.is_empty() {
            return Err(ErreurApi::new(
                422,
                "praticien_invalide",
                "au moins une spécialité et une structure",
            ));
        }
        let verifiees = structures.clone();
        self.etat
            .stocker(move |s| {
                for id in &verifiees {
                    if s.structure(*id)?.is_none() {
                        return Ok(Some(*id));
                    }
                }
                Ok(None)
            })
            .await?
            .map_or(Ok(()), |id| {
                Err(ErreurApi::new(
                    422,
                    "structure_inconnue",
                    format!("structure {id} inconnue"),
                ))
            })?;
        let honoraires = n
            .honoraires
            .unwrap_or_default()
            .iter()
            .map(|h| {
                Ok(Honoraire {
                    specialite: specialite(&h.specialite)?,
                    type_consultation: h.type_consultation.into(),
                    montant_centimes: h.montant_centimes,
                    secteur: match h.secteur {
                        SecteurDto::Secteur1 => Secteur::Secteur1,
                        SecteurDto::Secteur2 => Secteur::Secteur2,
                        SecteurDto::NonConventionne => Secteur::NonConventionne,
                    },
                })
            })
            .collect::<Result<Vec<_>, ErreurApi>>()?;
        let motifs = motifs(n.motifs.as_deref().unwrap_or_default())?;
        if let Some(m) = motifs.iter().find(|m| !specialites.contains(&m.specialite)) {
            return Err(ErreurApi::new(
                422,
                "motifs_invalides",
                format!("motif {} : spécialité non exercée", m.code),
            ));
        }
        let email = Email::parse(&n.email).map_err(refus)?;
        let mdp =
            MotDePasse::nouveau(&n.password).map_err(|e| ErreurApi::new(422, e.code(), e.to_string()))?;
        let praticien = Praticien {
            id: PraticienId(Uuid::now_v7()),
            rpps: Rpps::parse(&n.rpps).map_err(refus)?,
            nom: champ("nom", &n.nom)?,
            prenom: champ("prenom", &n.prenom)?,
            titre: n.titre.as_deref().map(|t| champ("titre", t)).transpose()?,
            email: email.clone(),
            specialites,
            horaires: horaires(n.horaires.as_deref().unwrap_or_default(), &structures)?,
            structures,
            honoraires,
            motifs,
            durees: Vec::new(),
            moyens_paiement: n
                .moyens_paiement
                .unwrap_or_default()
                .iter()
                .map(|m| match m {
                    MoyenPaiementDto::CarteVitale => MoyenPaiement::CarteVitale,
                    MoyenPaiementDto::CarteBancaire => MoyenPaiement::CarteBancaire,
                    MoyenPaiementDto::Cheque => MoyenPaiement::Cheque,
                    MoyenPaiementDto::Especes => MoyenPaiement::Especes,
                    MoyenPaiementDto::Virement => MoyenPaiement::Virement,
                })
                .collect(),
            nouveaux_patients: n.nouveaux_patients.unwrap_or(true),
            reglages: reglages_initiaux(n.reglages.as_ref(), n.nouveaux_patients)?,
        };
        let hash = self.etat.hacheur.hacher(&mdp).await?;
        let compte = Compte {
            id: CompteId(Uuid::now_v7()),
            email,
            mot_de_passe_hash: hash,
            role: Role::Praticien(praticien.id),
            cree_le: self.etat.maintenant(),
        };
        let p = praticien.clone();
        self.etat.stocker(move |s| s.creer_praticien(&compte, &p)).await?;
        self.etat
            .recherche
            .signaler(crate::search::Changement::Praticien(praticien.id));
        let location = format!("/praticiens/{}", praticien.id);
        Ok(PraticienCree::Cree(Json(self.profil(praticien).await?), location))
    }

    /// Free créneaux of a praticien over a window of at most 31 days
    ///
    /// Defaults: the praticien's first spécialité (or the motif's), `presentiel`.
    #[oai(
        path = "/praticiens/:id/disponibilites",
        method = "get",
        operation_id = "disponibilites"
    )]
    async fn disponibilites(
        &self,
        id: Path<Uuid>,
        debut: Query<DateTime<Utc>>,
        fin: Query<DateTime<Utc>>,
        specialite: Query<Option<String>>,
        #[oai(name = "type")] type_consultation: Query<Option<TypeDto>>,
        motif: Query<Option<String>>,
    ) -> Result<JsonEcrit<Disponibilites>, ErreurApi> {
        let fenetre = fenetre(debut.0, fin.0)?;
        let recherche = Recherche {
            specialite: specialite.0.as_deref().map(self::specialite).transpose()?,
            type_consultation: type_consultation
                .0
                .map_or(TypeConsultation::Presentiel, Into::into),
            motif: motif.0,
            origine: domain::consultation::Origine::Plateforme,
        };
        let id = PraticienId(id.0);
        // The hottest read of the API, bounded by the window: no hop to the blocking pool.
        let (_, agenda) = self.etat.lire_sur_place(|s| s.agenda(id, fenetre))?;
        let libres = creneaux_libres(&agenda, fenetre, &recherche, self.etat.maintenant()).map_err(|e| {
            if e.code() == "agenda_incoherent" {
                ErreurApi::interne(&e)
            } else {
                ErreurApi::non_traitable(&e)
            }
        })?;
        Ok(JsonEcrit::new(ecrire_creneaux(&libres)))
    }

    /// What a client needs to compute the same créneaux offline
    ///
    /// Horaires, durations, policy, and the busy intervals touching the window; no patient data.
    #[oai(
        path = "/praticiens/:id/calendrier",
        method = "get",
        operation_id = "calendrier"
    )]
    async fn calendrier(
        &self,
        id: Path<Uuid>,
        debut: Query<DateTime<Utc>>,
        fin: Query<DateTime<Utc>>,
    ) -> Result<Json<CalendrierDto>, ErreurApi> {
        let fenetre = fenetre(debut.0, fin.0)?;
        if fenetre.duree() > chrono::Duration::days(domain::disponibilite::FENETRE_JOURS_MAX) {
            return Err(ErreurApi::new(
                422,
                "fenetre_trop_longue",
                "fenêtre de plus de 31 jours",
            ));
        }
        let id = PraticienId(id.0);
        let (_, agenda) = self.etat.lire_sur_place(|s| s.agenda(id, fenetre))?;
        Ok(Json(CalendrierDto::from(&agenda)))
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON as _;

    use super::*;
    use crate::api::annuaire::TypeStructureDto;

    fn structure() -> StructureDto {
        StructureDto {
            id: Uuid::now_v7(),
            nom: "Maison médicale « Les Tilleuls »".to_owned(),
            type_structure: TypeStructureDto::CentreDeSante,
            adresse: "3 place Stanislas".to_owned(),
            code_postal: "54000".to_owned(),
            ville: "Nancy".to_owned(),
            telephone: "+33383000000".to_owned(),
            fuseau: "Europe/Paris".to_owned(),
        }
    }

    fn profil(titre: Option<&str>, duree: Option<u32>, secteur: SecteurDto) -> PraticienDto {
        PraticienDto {
            id: Uuid::now_v7(),
            rpps: "10003456789".to_owned(),
            nom: "Lefèvre".to_owned(),
            prenom: "Zoé \"Zaza\"".to_owned(),
            titre: titre.map(str::to_owned),
            specialites: vec![SpecialiteDto {
                code: "cardiologie".to_owned(),
                libelle: "Cardiologie".to_owned(),
            }],
            motifs: vec![MotifDto {
                code: "suivi".to_owned(),
                libelle: "Suivi".to_owned(),
                specialite: "cardiologie".to_owned(),
                duree_minutes: duree,
            }],
            structures: vec![structure()],
            honoraires: vec![HonoraireDto {
                specialite: "cardiologie".to_owned(),
                type_consultation: TypeDto::Teleconsultation,
                montant_centimes: 5_000,
                secteur,
            }],
            types: vec![TypeDto::Presentiel, TypeDto::Teleconsultation],
            moyens_paiement: vec![
                MoyenPaiementDto::CarteVitale,
                MoyenPaiementDto::CarteBancaire,
                MoyenPaiementDto::Cheque,
                MoyenPaiementDto::Especes,
                MoyenPaiementDto::Virement,
            ],
            nouveaux_patients: false,
        }
    }

    #[test]
    fn creneaux_written_by_hand_say_exactly_what_their_schema_says() {
        use domain::specialite::Specialite;
        let debut: DateTime<Utc> = "2026-12-08T07:30:00Z".parse().unwrap();
        let lieu = StructureId(Uuid::now_v7());
        let libres = [
            CreneauLibre {
                debut,
                fin: debut + chrono::Duration::minutes(30),
                specialite: Specialite::MEDECINE_GENERALE,
                type_consultation: TypeConsultation::Presentiel,
                structure_id: lieu,
            },
            CreneauLibre {
                debut: debut + chrono::Duration::milliseconds(1),
                fin: debut + chrono::Duration::days(400),
                specialite: Specialite::parse("cardiologie").unwrap(),
                type_consultation: TypeConsultation::Teleconsultation,
                structure_id: StructureId(Uuid::now_v7()),
            },
            // The next créneau at the first place, starting when the first ends.
            CreneauLibre {
                debut: debut + chrono::Duration::minutes(30),
                fin: debut + chrono::Duration::minutes(60),
                specialite: Specialite::MEDECINE_GENERALE,
                type_consultation: TypeConsultation::Presentiel,
                structure_id: lieu,
            },
        ];
        for libres in [&libres[..], &libres[..1], &[]] {
            let ecrit: serde_json::Value = serde_json::from_slice(&ecrire_creneaux(libres)).unwrap();
            let schema = Disponibilites {
                items: libres.iter().map(CreneauDto::from).collect(),
            };
            assert_eq!(ecrit, schema.to_json().unwrap(), "{ecrit}");
        }
    }

    #[test]
    fn search_pages_written_by_serde_say_exactly_what_their_schema_says() {
        for next_cursor in [None, Some("cmFuZzoyMA".to_owned())] {
            let page = PagePraticiens {
                items: vec![
                    profil(Some("Dr"), Some(45), SecteurDto::Secteur1),
                    profil(None, None, SecteurDto::Secteur2),
                    profil(Some("Pr"), None, SecteurDto::NonConventionne),
                ],
                next_cursor,
            };
            let par_serde = serde_json::to_value(&page).unwrap();
            assert_eq!(par_serde, page.to_json().unwrap(), "{par_serde}");
        }
    }
}

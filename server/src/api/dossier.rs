//! A patient's dossier, partie administrative: `GET` and `PATCH /patients/{id}`, and the praticiens the
//! patient consulted, `GET /patients/{id}/praticiens`.
//!
//! **Who** (DOMAIN.md, through [`autoriser`]): the patient reads and changes their own dossier; a
//! linked praticien (patientèle or a rdv) and the personnel associated with a praticien the patient has
//! or had a rdv with read it and correct its NIR; the admin and everyone else get 403 `acces_refuse`
//! (401 without a token). An unknown patient is 404 once the caller is signed in. `GET
//! /patients/{id}/praticiens` is the patient's alone ([`Ressource::EspacePatient`]).
//!
//! **Field rules** ([`autoriser_champ`]), for each field whose value changes: the patient writes every
//! field but a NIR already set; a linked praticien or associated personnel writes the NIR alone (sets,
//! corrects or clears it, from the carte Vitale), everything else being the patient's word. A refused
//! field is 403 `champ_protege` whose `detail` names it, and nothing is written. The account's role and
//! ids are not fields of the dossier: the body holds the fields below and nothing else, an unknown key
//! (`role`, `compte_id`…) is 400 `requete_invalide`, never silently ignored.
//!
//! **PATCH is merge-style**: a field absent is left as it is, `null` clears an optional one (`nir`,
//! `adresse`, `medecin_traitant`) and is 422 `champ_invalide` on a required one; a value replaces the
//! field. A value equal to the stored one is no change and needs no right (so a client may send back
//! the fields it read, a set NIR included). Every value goes through the domain: `nir` (key 97,
//! Corsica) → 422 `nir_invalide`; `telephones` (1 to [`TELEPHONES_MAX`], each normalised to E.164,
//! duplicates dropped) → 422 `telephone_invalide` or `champ_invalide`; `email` → 422 `email_invalide`;
//! names and address trimmed, 1 to 200 characters ([`CHAMP_LONGUEUR_MAX`]) → 422 `champ_invalide`;
//! `date_naissance` neither in the future nor before [`NAISSANCE_ANNEE_MIN`] → 422
//! `date_naissance_invalide`. Each `detail` starts with the field's name. The change is one write
//! transaction ([`crate::store::Stockage::modifier_patient`]): an email another account has is 409
//! `email_deja_utilise`, and the patient's sign-in email follows the dossier's; a médecin traitant
//! given as a praticien not in the directory is 422 `praticien_inconnu`.
//!
//! **Médecin traitant**: `{ "praticien_id": uuid }` (a praticien of the directory) or
//! `{ "texte": "Dr Dupont, Nancy" }` (anyone else, 1 to 200 characters), exactly one of the two (422
//! `medecin_traitant_invalide` otherwise). It is stored in the patient's record, version 2
//! (`PatientV2`, table `patients_v2`, schema 4, migrated from `patients_v1` on open): the field changed
//! shape, and the store's rule for that is a new record version; a side table would have split one
//! field of the dossier over two tables, every read of a patient joining them and every write keeping
//! them in step.
//!
//! **Praticiens consultés**: those with whom a rdv was honoured (`honore`, `paye` or `transmis`), not a
//! booked, cancelled or missed one, each with its public summary and the start of the latest
//! consultation, most recent first.
//!
//! **Logs**: each read of a partie administrative by a praticien or personnel is logged with the reader's
//! id and the patient's id, and each change with the account, its role and the fields' names; never a
//! value (the NIR's `Debug` is redacted, and so are these DTOs').

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use domain::Code;
use domain::acces::{
    Acteur, Action, ChampAdministratif, Liens, Refus, Ressource, autoriser, autoriser_champ,
};
use domain::identifiants::{Email, Nir, Telephone};
use domain::ids::{PatientId, PraticienId};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

#[cfg(doc)]
use super::comptes::CHAMP_LONGUEUR_MAX;
use super::comptes::{CanalDto, champ};
use super::dto::SpecialiteDto;
use super::etat::{EtatPartage, JetonAcces, Session};
use super::probleme::ErreurApi;
use super::{ApiTag, refus_acces};
use crate::modele::{Canal, MedecinTraitant, Patient, Praticien};
use crate::store::StoreError;

/// Most phone numbers a dossier holds.
pub const TELEPHONES_MAX: usize = 3;

/// Earliest year of birth accepted.
pub const NAISSANCE_ANNEE_MIN: i32 = 1900;

/// A médecin traitant, on the wire: exactly one of the two keys.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(deny_unknown_fields)]
pub struct MedecinTraitantDto {
    /// A praticien of the directory.
    #[oai(skip_serializing_if_is_none)]
    pub praticien_id: Option<Uuid>,
    /// Anyone else, as free text (`Dr Dupont, Nancy`), at most 200 characters.
    #[oai(skip_serializing_if_is_none)]
    pub texte: Option<String>,
}

impl From<&MedecinTraitant> for MedecinTraitantDto {
    fn from(m: &MedecinTraitant) -> Self {
        match m {
            MedecinTraitant::Praticien(id) => Self {
                praticien_id: Some(id.0),
                texte: None,
            },
            MedecinTraitant::Texte(texte) => Self {
                praticien_id: None,
                texte: Some(texte.clone()),
            },
        }
    }
}

/// A dossier's partie administrative.
#[derive(Clone, Object)]
pub struct DossierAdministratifDto {
    /// The patient's id.
    pub id: Uuid,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// `YYYY-MM-DD`.
    pub date_naissance: NaiveDate,
    /// Email, the patient's sign-in email too.
    pub email: String,
    /// Phone numbers in E.164 (`+33612345678`), the first is the main one.
    pub telephones: Vec<String>,
    /// Social security number, 15 characters without spaces.
    #[oai(skip_serializing_if_is_none)]
    pub nir: Option<String>,
    /// Postal address.
    #[oai(skip_serializing_if_is_none)]
    pub adresse: Option<String>,
    /// Médecin traitant.
    #[oai(skip_serializing_if_is_none)]
    pub medecin_traitant: Option<MedecinTraitantDto>,
    /// `email` or `sms`.
    pub canal_prefere: CanalDto,
}

/// Redacted: personal data, the NIR first, must not reach a log line through `{:?}`.
impl std::fmt::Debug for DossierAdministratifDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DossierAdministratifDto")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl From<&Patient> for DossierAdministratifDto {
    fn from(p: &Patient) -> Self {
        Self {
            id: p.id.0,
            nom: p.nom.clone(),
            prenom: p.prenom.clone(),
            date_naissance: p.date_naissance,
            email: p.email.as_str().to_owned(),
            telephones: p.telephones.iter().map(|t| t.as_str().to_owned()).collect(),
            nir: p.nir.as_ref().map(|n| n.as_str().to_owned()),
            adresse: p.adresse.clone(),
            medecin_traitant: p.medecin_traitant.as_ref().map(MedecinTraitantDto::from),
            canal_prefere: match p.canal_prefere {
                Canal::Email => CanalDto::Email,
                Canal::Sms => CanalDto::Sms,
            },
        }
    }
}

/// A change of a partie administrative, merge-style: an absent field is left as it is, `null` clears
/// an optional one. Any other key is refused.
#[derive(Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ModificationDossier {
    /// Social security number (15 characters, spaces allowed, key checked); `null` clears it. Once set,
    /// only a linked praticien or associated personnel changes it.
    pub nir: MaybeUndefined<String>,
    /// Family name.
    pub nom: MaybeUndefined<String>,
    /// Given name.
    pub prenom: MaybeUndefined<String>,
    /// `YYYY-MM-DD`, from 1900 to today.
    pub date_naissance: MaybeUndefined<NaiveDate>,
    /// Postal address; `null` clears it.
    pub adresse: MaybeUndefined<String>,
    /// 1 to 3 phone numbers (French or international), stored in E.164; replaces the list.
    pub telephones: MaybeUndefined<Vec<String>>,
    /// Email; the patient then signs in with it.
    pub email: MaybeUndefined<String>,
    /// `{ "praticien_id" }` or `{ "texte" }`; `null` clears it.
    pub medecin_traitant: MaybeUndefined<MedecinTraitantDto>,
    /// `email` or `sms`.
    pub canal_prefere: MaybeUndefined<CanalDto>,
}

/// Redacted: personal data, the NIR first, must not reach a log line through `{:?}`.
impl std::fmt::Debug for ModificationDossier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModificationDossier").finish_non_exhaustive()
    }
}

/// A praticien the patient consulted, with its public summary.
#[derive(Debug, Clone, Object)]
pub struct PraticienConsulteDto {
    /// Its id (`GET /praticiens/{id}` for the whole profile).
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
    /// Start of the latest honoured rdv with them.
    pub derniere_consultation: DateTime<Utc>,
}

impl PraticienConsulteDto {
    fn new(p: &Praticien, derniere_consultation: DateTime<Utc>) -> Self {
        Self {
            id: p.id.0,
            nom: p.nom.clone(),
            prenom: p.prenom.clone(),
            titre: p.titre.clone(),
            specialites: p.specialites.iter().copied().map(SpecialiteDto::from).collect(),
            derniere_consultation,
        }
    }
}

/// The praticiens a patient consulted, the latest consultation first.
#[derive(Debug, Clone, Object)]
pub struct PraticiensConsultes {
    /// The items.
    pub items: Vec<PraticienConsulteDto>,
}

/// A checked change: for each field, `None` if absent, else its new value.
#[derive(Default)]
struct Modification {
    nir: Option<Option<Nir>>,
    nom: Option<String>,
    prenom: Option<String>,
    date_naissance: Option<NaiveDate>,
    adresse: Option<Option<String>>,
    telephones: Option<Vec<Telephone>>,
    email: Option<Email>,
    medecin_traitant: Option<Option<MedecinTraitant>>,
    canal_prefere: Option<Canal>,
}

/// A 422 from a domain refusal of `champ`, the field named first in `detail`.
fn refus_du_champ<E: Code + std::fmt::Display>(champ: &str, e: &E) -> ErreurApi {
    ErreurApi::new(422, e.code(), format!("{champ} : {e}"))
}

/// A 422 `champ_invalide` for `champ`.
fn champ_invalide(champ: &str, pourquoi: &str) -> ErreurApi {
    ErreurApi::new(422, "champ_invalide", format!("{champ} : {pourquoi}"))
}

/// A field that `null` may not clear: absent → `None`, a value → `Some(value)`.
fn obligatoire<T>(nom: &str, valeur: MaybeUndefined<T>) -> Result<Option<T>, ErreurApi> {
    match valeur {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Err(champ_invalide(nom, "ne peut pas être effacé")),
        MaybeUndefined::Value(v) => Ok(Some(v)),
    }
}

/// A field that `null` clears: absent → `None`, `null` → `Some(None)`, a value → `Some(Some(value))`.
fn facultatif<T>(valeur: MaybeUndefined<T>) -> Option<Option<T>> {
    match valeur {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl Modification {
    /// Checks every field present through the domain; `aujourdhui` bounds the date of birth.
    fn depuis(m: ModificationDossier, aujourdhui: NaiveDate) -> Result<Self, ErreurApi> {
        let nir = facultatif(m.nir)
            .map(|n| n.map(|n| Nir::parse(&n)).transpose())
            .transpose()
            .map_err(|e| refus_du_champ("nir", &e))?;
        let nom = obligatoire("nom", m.nom)?.map(|n| champ("nom", &n)).transpose()?;
        let prenom = obligatoire("prenom", m.prenom)?
            .map(|p| champ("prenom", &p))
            .transpose()?;
        let date_naissance = obligatoire("date_naissance", m.date_naissance)?;
        if let Some(d) = date_naissance
            && (d > aujourdhui || d.year() < NAISSANCE_ANNEE_MIN)
        {
            return Err(ErreurApi::new(
                422,
                "date_naissance_invalide",
                format!("date_naissance : entre {NAISSANCE_ANNEE_MIN}-01-01 et aujourd'hui"),
            ));
        }
        let adresse = facultatif(m.adresse)
            .map(|a| a.map(|a| champ("adresse", &a)).transpose())
            .transpose()?;
        let telephones = obligatoire("telephones", m.telephones)?
            .map(|t| telephones(&t))
            .transpose()?;
        let email = obligatoire("email", m.email)?
            .map(|e| Email::parse(&e).map_err(|e| refus_du_champ("email", &e)))
            .transpose()?;
        let medecin_traitant = facultatif(m.medecin_traitant)
            .map(|m| m.map(medecin_traitant).transpose())
            .transpose()?;
        let canal_prefere = obligatoire("canal_prefere", m.canal_prefere)?.map(Canal::from);
        Ok(Self {
            nir,
            nom,
            prenom,
            date_naissance,
            adresse,
            telephones,
            email,
            medecin_traitant,
            canal_prefere,
        })
    }

    /// Applies the change to `patient` as stored, under the field rules: a field whose value changes
    /// is one `acteur` may write, or the refusal.
    fn appliquer(&self, acteur: &Acteur, patient: &mut Patient) -> Result<Vec<&'static str>, Refus> {
        let nir_renseigne = patient.nir.is_some();
        let mut changes = Vec::new();
        let mut champ = |champ: ChampAdministratif| -> Result<(), Refus> {
            autoriser_champ(acteur, champ, nir_renseigne)?;
            changes.push(champ.nom());
            Ok(())
        };
        use ChampAdministratif as C;
        changer(&mut champ, C::Nir, &self.nir, &mut patient.nir)?;
        changer(&mut champ, C::Nom, &self.nom, &mut patient.nom)?;
        changer(&mut champ, C::Prenom, &self.prenom, &mut patient.prenom)?;
        changer(
            &mut champ,
            C::DateNaissance,
            &self.date_naissance,
            &mut patient.date_naissance,
        )?;
        changer(&mut champ, C::Adresse, &self.adresse, &mut patient.adresse)?;
        changer(
            &mut champ,
            C::Telephones,
            &self.telephones,
            &mut patient.telephones,
        )?;
        changer(&mut champ, C::Email, &self.email, &mut patient.email)?;
        changer(
            &mut champ,
            C::MedecinTraitant,
            &self.medecin_traitant,
            &mut patient.medecin_traitant,
        )?;
        changer(
            &mut champ,
            C::CanalPrefere,
            &self.canal_prefere,
            &mut patient.canal_prefere,
        )?;
        Ok(changes)
    }
}

/// Writes `nouveau`, if given and different from `actuel`, once `autoriser` let its field change.
fn changer<T: PartialEq + Clone>(
    autoriser: &mut impl FnMut(ChampAdministratif) -> Result<(), Refus>,
    champ: ChampAdministratif,
    nouveau: &Option<T>,
    actuel: &mut T,
) -> Result<(), Refus> {
    match nouveau {
        Some(valeur) if valeur != actuel => {
            autoriser(champ)?;
            *actuel = valeur.clone();
            Ok(())
        }
        _ => Ok(()),
    }
}

/// 1 to [`TELEPHONES_MAX`] numbers, each parsed to E.164, duplicates dropped (the first kept).
fn telephones(saisis: &[String]) -> Result<Vec<Telephone>, ErreurApi> {
    if saisis.is_empty() || saisis.len() > TELEPHONES_MAX {
        return Err(champ_invalide(
            "telephones",
            &format!("de 1 à {TELEPHONES_MAX} numéros"),
        ));
    }
    let mut numeros: Vec<Telephone> = Vec::with_capacity(saisis.len());
    for (i, saisi) in saisis.iter().enumerate() {
        let numero = Telephone::parse(saisi).map_err(|e| refus_du_champ(&format!("telephones[{i}]"), &e))?;
        if !numeros.contains(&numero) {
            numeros.push(numero);
        }
    }
    Ok(numeros)
}

/// Exactly one of `praticien_id` and `texte`; the text trimmed, 1 to [`CHAMP_LONGUEUR_MAX`] characters.
/// Whether the praticien is in the directory is the store's check, in the write's transaction.
fn medecin_traitant(m: MedecinTraitantDto) -> Result<MedecinTraitant, ErreurApi> {
    match (m.praticien_id, m.texte) {
        (Some(id), None) => Ok(MedecinTraitant::Praticien(PraticienId(id))),
        (None, Some(texte)) => Ok(MedecinTraitant::Texte(champ("medecin_traitant.texte", &texte)?)),
        _ => Err(ErreurApi::new(
            422,
            "medecin_traitant_invalide",
            "medecin_traitant : soit praticien_id (un praticien de l'annuaire), soit texte, l'un des deux",
        )),
    }
}

/// Logs a read of a partie administrative by someone other than the patient: who, whose; no value.
fn journaliser_lecture(acteur: &Acteur, patient: PatientId) {
    match acteur {
        Acteur::Praticien { id } => {
            tracing::info!(praticien = %id, patient = %patient, "partie administrative lue");
        }
        Acteur::Personnel { id, .. } => {
            tracing::info!(personnel = %id, patient = %patient, "partie administrative lue");
        }
        Acteur::Anonyme | Acteur::Patient { .. } | Acteur::Admin => {}
    }
}

/// The dossier API.
#[derive(Debug)]
pub struct DossierApi {
    etat: EtatPartage,
}

impl DossierApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }

    /// The caller, if the patient exists (404) and the caller may do `action` to its partie
    /// administrative (401, 403).
    async fn autorise(
        &self,
        jeton: &JetonAcces,
        action: Action,
        patient: PatientId,
    ) -> Result<(Session, Patient), ErreurApi> {
        let session = self.etat.session(jeton).await?;
        let (dossier, patientele, avec_rdv) = self
            .etat
            .stocker(move |s| {
                let dossier = s.patient(patient)?;
                let (patientele, avec_rdv) = s.liens(patient)?;
                Ok((dossier, patientele, avec_rdv))
            })
            .await?;
        let dossier = dossier.ok_or_else(|| ErreurApi::introuvable("patient"))?;
        let liens = Liens {
            patientele: &patientele,
            rdv: &avec_rdv,
        };
        autoriser(
            &session.acteur,
            action,
            &Ressource::DossierAdministratif { patient, liens },
        )
        .map_err(refus_acces)?;
        Ok((session, dossier))
    }
}

#[OpenApi(tag = "ApiTag::Dossier")]
impl DossierApi {
    /// A patient's partie administrative
    ///
    /// The patient's own, a linked praticien's (patientèle or rdv) or, for the personnel of a praticien
    /// the patient has or had a rdv with, theirs; a read by a praticien or personnel is logged.
    #[oai(
        path = "/patients/:id",
        method = "get",
        operation_id = "dossier_administratif"
    )]
    async fn dossier(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
    ) -> Result<Json<DossierAdministratifDto>, ErreurApi> {
        let patient = PatientId(id.0);
        let (session, dossier) = self.autorise(&jeton, Action::Lire, patient).await?;
        journaliser_lecture(&session.acteur, patient);
        Ok(Json(DossierAdministratifDto::from(&dossier)))
    }

    /// Change a patient's partie administrative
    ///
    /// Merge-style: an absent field is left as it is, `null` clears `nir`, `adresse` or
    /// `medecin_traitant`. The patient changes every field but a NIR already set; a linked praticien or
    /// associated personnel changes the NIR only (403 `champ_protege` otherwise). 409
    /// `email_deja_utilise`, 422 `praticien_inconnu` for a médecin traitant outside the directory.
    /// Answers the dossier as stored.
    #[oai(
        path = "/patients/:id",
        method = "patch",
        operation_id = "modifier_dossier_administratif"
    )]
    async fn modifier(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<ModificationDossier>,
    ) -> Result<Json<DossierAdministratifDto>, ErreurApi> {
        let patient = PatientId(id.0);
        let (session, _) = self.autorise(&jeton, Action::Modifier, patient).await?;
        let modification = Modification::depuis(corps.0, self.etat.maintenant().date_naive())?;
        let acteur = session.acteur.clone();
        let (resultat, refus, changes) = self
            .etat
            .stocker(move |s| {
                let mut refus = None;
                let mut changes = Vec::new();
                let resultat = s.modifier_patient(patient, &mut |dossier| {
                    changes = modification.appliquer(&acteur, dossier).map_err(|r| {
                        refus = Some(r);
                        StoreError::Conflit("champ_protege")
                    })?;
                    Ok(())
                });
                Ok((resultat, refus, changes))
            })
            .await?;
        if let Some(r) = refus {
            return Err(refus_acces(r));
        }
        let dossier = resultat.map_err(|e| match e {
            StoreError::Introuvable("praticien") => ErreurApi::new(
                422,
                "praticien_inconnu",
                "medecin_traitant.praticien_id : aucun praticien de l'annuaire n'a cet identifiant",
            ),
            StoreError::Conflit("email_deja_utilise") => ErreurApi::new(
                409,
                "email_deja_utilise",
                "email : cette adresse est déjà celle d'un autre compte",
            ),
            autre => ErreurApi::from(autre),
        })?;
        tracing::info!(
            patient = %patient,
            compte = %session.compte.0,
            role = session.acteur.role(),
            champs = ?changes,
            "partie administrative modifiée"
        );
        Ok(Json(DossierAdministratifDto::from(&dossier)))
    }

    /// The praticiens a patient consulted
    ///
    /// Those with whom a rdv was honoured (`honore`, `paye`, `transmis`), with their public summary and
    /// the start of the latest consultation, most recent first. The patient's own only.
    #[oai(
        path = "/patients/:id/praticiens",
        method = "get",
        operation_id = "praticiens_consultes"
    )]
    async fn praticiens_consultes(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
    ) -> Result<Json<PraticiensConsultes>, ErreurApi> {
        let patient = PatientId(id.0);
        let session = self.etat.session(&jeton).await?;
        autoriser(&session.acteur, Action::Lire, &Ressource::EspacePatient(patient)).map_err(refus_acces)?;
        let consultes = self
            .etat
            .stocker(move |s| s.praticiens_consultes(patient))
            .await?;
        Ok(Json(PraticiensConsultes {
            items: consultes
                .iter()
                .map(|(p, derniere)| PraticienConsulteDto::new(p, *derniere))
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::comptes::CHAMP_LONGUEUR_MAX;

    fn aujourdhui() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn vide() -> ModificationDossier {
        ModificationDossier {
            nir: MaybeUndefined::Undefined,
            nom: MaybeUndefined::Undefined,
            prenom: MaybeUndefined::Undefined,
            date_naissance: MaybeUndefined::Undefined,
            adresse: MaybeUndefined::Undefined,
            telephones: MaybeUndefined::Undefined,
            email: MaybeUndefined::Undefined,
            medecin_traitant: MaybeUndefined::Undefined,
            canal_prefere: MaybeUndefined::Undefined,
        }
    }

    #[track_caller]
    fn refus(m: ModificationDossier, code: &str, champ: &str) {
        match Modification::depuis(m, aujourdhui()) {
            Err(ErreurApi::NonTraitable(p)) => {
                assert_eq!(p.0.code, code);
                assert!(p.0.detail.starts_with(champ), "{}", p.0.detail);
            }
            autre => panic!("422 {code} attendu, obtenu {:?}", autre.err()),
        }
    }

    fn patient() -> Patient {
        Patient {
            id: PatientId(Uuid::from_u128(1)),
            nom: "Martin".to_owned(),
            prenom: "Camille".to_owned(),
            date_naissance: NaiveDate::from_ymd_opt(1990, 4, 12).unwrap(),
            email: Email::parse("camille@exemple.fr").unwrap(),
            telephones: vec![Telephone::parse("06 12 34 56 78").unwrap()],
            nir: None,
            adresse: None,
            medecin_traitant: None,
            canal_prefere: Canal::Email,
        }
    }

    #[test]
    fn every_field_is_checked_and_named_in_the_refusal() {
        refus(
            ModificationDossier {
                nir: MaybeUndefined::Value("1 80 05 75 123 456 00".to_owned()),
                ..vide()
            },
            "nir_invalide",
            "nir",
        );
        refus(
            ModificationDossier {
                nom: MaybeUndefined::Null,
                ..vide()
            },
            "champ_invalide",
            "nom",
        );
        refus(
            ModificationDossier {
                telephones: MaybeUndefined::Value(vec!["06 12".to_owned()]),
                ..vide()
            },
            "telephone_invalide",
            "telephones[0]",
        );
        refus(
            ModificationDossier {
                telephones: MaybeUndefined::Value(vec!["0612345678".to_owned(); 4]),
                ..vide()
            },
            "champ_invalide",
            "telephones",
        );
        refus(
            ModificationDossier {
                date_naissance: MaybeUndefined::Value(NaiveDate::from_ymd_opt(1899, 12, 31).unwrap()),
                ..vide()
            },
            "date_naissance_invalide",
            "date_naissance",
        );
        refus(
            ModificationDossier {
                date_naissance: MaybeUndefined::Value(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()),
                ..vide()
            },
            "date_naissance_invalide",
            "date_naissance",
        );
        refus(
            ModificationDossier {
                email: MaybeUndefined::Value("pas-une-adresse".to_owned()),
                ..vide()
            },
            "email_invalide",
            "email",
        );
        refus(
            ModificationDossier {
                medecin_traitant: MaybeUndefined::Value(MedecinTraitantDto {
                    praticien_id: Some(Uuid::from_u128(3)),
                    texte: Some("Dr Dupont".to_owned()),
                }),
                ..vide()
            },
            "medecin_traitant_invalide",
            "medecin_traitant",
        );
        refus(
            ModificationDossier {
                adresse: MaybeUndefined::Value("x".repeat(CHAMP_LONGUEUR_MAX + 1)),
                ..vide()
            },
            "champ_invalide",
            "adresse",
        );
    }

    #[test]
    fn unchanged_values_are_no_change_and_need_no_right() {
        let mut p = patient();
        let nir = Nir::parse("1 80 05 75 123 456 27").unwrap();
        p.nir = Some(nir.clone());
        let m = Modification {
            nir: Some(Some(nir)),
            nom: Some("Martin".to_owned()),
            telephones: Some(vec![Telephone::parse("+33 6 12 34 56 78").unwrap()]),
            ..Modification::default()
        };
        let praticien = Acteur::Praticien {
            id: PraticienId(Uuid::from_u128(2)),
        };
        let avant = p.clone();
        assert_eq!(m.appliquer(&praticien, &mut p), Ok(vec![]));
        assert_eq!(p, avant);
        assert_eq!(m.appliquer(&Acteur::Patient { id: p.id }, &mut p), Ok(vec![]));
    }

    #[test]
    fn a_set_nir_is_the_cabinets_to_correct_and_nothing_else_is() {
        let mut p = patient();
        p.nir = Some(Nir::parse("1 80 05 75 123 456 27").unwrap());
        let correction = Modification {
            nir: Some(Some(Nir::parse("2 80 05 75 123 456 74").unwrap())),
            ..Modification::default()
        };
        let soi = Acteur::Patient { id: p.id };
        assert_eq!(
            correction.appliquer(&soi, &mut p.clone()),
            Err(Refus::NirRenseigne)
        );
        let praticien = Acteur::Praticien {
            id: PraticienId(Uuid::from_u128(2)),
        };
        let mut corrige = p.clone();
        assert_eq!(correction.appliquer(&praticien, &mut corrige), Ok(vec!["nir"]));
        assert_eq!(corrige.nir, correction.nir.clone().flatten());
        let adresse = Modification {
            adresse: Some(Some("1 rue Haute".to_owned())),
            ..Modification::default()
        };
        assert_eq!(
            adresse.appliquer(&praticien, &mut p.clone()),
            Err(Refus::ChampDuPatient { champ: "adresse" })
        );
        assert_eq!(adresse.appliquer(&soi, &mut p), Ok(vec!["adresse"]));
    }
}

//! The praticien's planning as an iCalendar feed (RFC 5545), for a calendar application to subscribe to:
//! `GET /praticiens/{id}/planning.ics?jeton=`.
//!
//! A calendar application cannot sign in, so the URL is the credential: it carries a secret `jeton`,
//! 32 random bytes in base64url, kept per praticien by the store, compared in constant time and never
//! logged. Once it matches, the caller stands for the praticien and the access rules are asked as for
//! the praticien's own planning. A missing, malformed, wrong or rotated `jeton` and an unknown praticien
//! all get the same 404, so the answer does not tell a feed exists. The praticien reads the URL in its
//! réglages and rotates the secret with `POST /praticiens/{id}/reglages/jeton-ics` ([`super::espace`]).
//!
//! What the feed shows is what a calendar on a phone may show: the patient's initials, never a name, a
//! motif or anything medical. Rdvs from [`FLUX_JOURS_PASSES`] days back to [`FLUX_JOURS_A_VENIR`] ahead,
//! every statut, the cancelled ones as `STATUS:CANCELLED`; each rdv keeps its `UID` across edits.

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use domain::acces::{Acteur, Action, Ressource, autoriser};
use domain::consultation::TypeConsultation;
use domain::disponibilite::FENETRE_JOURS_MAX;
use domain::ids::{PatientId, PraticienId, StructureId};
use domain::statut::Statut;
use domain::temps::Creneau;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::ApiTag;
use super::etat::EtatPartage;
use super::probleme::ErreurApi;
use crate::ical::{Calendrier, Evenement, StatutEvenement};
use crate::modele::{Praticien, Rdv};
use crate::store::{Stockage, StoreError};

/// How far back the feed goes, in days.
pub const FLUX_JOURS_PASSES: i64 = 30;
/// How far ahead the feed goes, in days.
pub const FLUX_JOURS_A_VENIR: i64 = 90;
/// How often a subscriber is asked to fetch the feed again, in minutes.
pub const FLUX_RAFRAICHIR_MINUTES: u32 = 60;
/// `Cache-Control` of the feed: a URL holding a secret is for no shared cache.
pub const FLUX_CACHE_CONTROL: &str = "private, max-age=300";
/// Octets of a feed secret.
pub const JETON_ICS_OCTETS: usize = 32;
/// Longest `jeton` parameter decoded (ours are 43 characters).
const JETON_ICS_LONGUEUR_MAX: usize = 64;

/// A new feed secret from the operating system's random source.
pub fn nouveau_jeton_ics() -> Result<[u8; JETON_ICS_OCTETS], ErreurApi> {
    let mut jeton = [0; JETON_ICS_OCTETS];
    getrandom::fill(&mut jeton).map_err(ErreurApi::interne)?;
    Ok(jeton)
}

/// The feed's URL: absolute under the server's public base URL if it has one, else a path.
pub fn url_planning_ics(
    base: Option<&str>,
    praticien: PraticienId,
    jeton: &[u8; JETON_ICS_OCTETS],
) -> String {
    format!(
        "{}/praticiens/{praticien}/planning.ics?jeton={}",
        base.unwrap_or(""),
        URL_SAFE_NO_PAD.encode(jeton)
    )
}

/// The secret a `jeton` parameter stands for, if it is one (base64url, 32 bytes).
fn decoder_jeton(texte: &str) -> Option<[u8; JETON_ICS_OCTETS]> {
    if texte.len() > JETON_ICS_LONGUEUR_MAX {
        return None;
    }
    URL_SAFE_NO_PAD.decode(texte).ok()?.try_into().ok()
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
fn egaux(a: &[u8; JETON_ICS_OCTETS], b: &[u8; JETON_ICS_OCTETS]) -> bool {
    a.iter()
        .zip(b)
        .fold(0u8, |difference, (x, y)| difference | (x ^ y))
        == 0
}

/// The feed's answer.
#[derive(Debug, ApiResponse)]
pub enum FluxIcs {
    /// The planning as an iCalendar document.
    #[oai(status = 200, content_type = "text/calendar; charset=utf-8")]
    Calendrier(PlainText<String>, #[oai(header = "Cache-Control")] String),
}

/// The iCalendar feed API.
#[derive(Debug)]
pub struct AgendaIcsApi {
    etat: EtatPartage,
}

impl AgendaIcsApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }
}

/// The one answer to every refused feed request.
fn introuvable() -> ErreurApi {
    ErreurApi::introuvable("calendrier")
}

#[OpenApi(tag = "ApiTag::Espace")]
impl AgendaIcsApi {
    /// A praticien's planning as an iCalendar feed
    ///
    /// For calendar applications: no bearer token, the secret `jeton` of the URL given in the réglages
    /// (`planning_ics_url`) is the credential. Rdvs from 30 days back to 90 days ahead, every statut (the
    /// cancelled ones `STATUS:CANCELLED`), times in UTC, each with a `UID` that stays across edits; the
    /// patient appears by initials only. A missing, wrong or rotated `jeton` gets 404, as does an
    /// unknown praticien.
    #[oai(
        path = "/praticiens/:id/planning.ics",
        method = "get",
        operation_id = "planning_ics"
    )]
    async fn planning_ics(&self, id: Path<Uuid>, jeton: Query<Option<String>>) -> Result<FluxIcs, ErreurApi> {
        let praticien = PraticienId(id.0);
        let presente = jeton
            .0
            .as_deref()
            .and_then(decoder_jeton)
            .ok_or_else(introuvable)?;
        let frais = nouveau_jeton_ics()?;
        let attendu = match self
            .etat
            .stocker_brut(move |s| s.jeton_ics(praticien, frais))
            .await?
        {
            Ok(j) => j,
            Err(StoreError::Introuvable(_)) => return Err(introuvable()),
            Err(e) => return Err(e.into()),
        };
        if !egaux(&attendu, &presente) {
            tracing::info!(praticien = %praticien, "planning feed refused: wrong jeton");
            return Err(introuvable());
        }
        // The secret stands for the praticien itself.
        autoriser(
            &Acteur::Praticien { id: praticien },
            Action::Lire,
            &Ressource::Planning(praticien),
        )
        .map_err(super::refus_acces)?;
        let now = self.etat.maintenant();
        let calendrier = match self
            .etat
            .stocker_brut(move |s| calendrier(s, praticien, now))
            .await?
        {
            Ok(c) => c,
            Err(StoreError::Introuvable(_)) => return Err(introuvable()),
            Err(e) => return Err(e.into()),
        };
        tracing::info!(
            praticien = %praticien,
            evenements = calendrier.evenements.len(),
            "planning feed read"
        );
        Ok(FluxIcs::Calendrier(
            PlainText(calendrier.ecrire()),
            FLUX_CACHE_CONTROL.to_owned(),
        ))
    }
}

/// The praticien's calendar around `now`: the rdvs of [`FLUX_JOURS_PASSES`] days back to
/// [`FLUX_JOURS_A_VENIR`] ahead, read in windows of at most [`FENETRE_JOURS_MAX`] days, by start.
fn calendrier(
    s: &dyn Stockage,
    praticien: PraticienId,
    now: DateTime<Utc>,
) -> Result<Calendrier, StoreError> {
    let p = s
        .praticien(praticien)?
        .ok_or(StoreError::Introuvable("praticien"))?;
    let fin = now + Duration::days(FLUX_JOURS_A_VENIR);
    let mut debut = now - Duration::days(FLUX_JOURS_PASSES);
    let mut vus = HashSet::new();
    let mut initiales_de: HashMap<PatientId, String> = HashMap::new();
    let mut lieux: HashMap<StructureId, Option<String>> = HashMap::new();
    let mut evenements = Vec::new();
    // (30 + 90) / 31 rounded up: four windows.
    while debut < fin {
        let bout = fin.min(debut + Duration::days(FENETRE_JOURS_MAX));
        let fenetre = Creneau::new(debut, bout).map_err(|e| StoreError::Interne(e.to_string()))?;
        for r in s.rdvs_du_praticien(praticien, fenetre)? {
            // A rdv across two windows is in both.
            if !vus.insert(r.id) {
                continue;
            }
            let initiales = match initiales_de.get(&r.patient_id) {
                Some(i) => i.clone(),
                None => {
                    let i = s
                        .patient(r.patient_id)?
                        .map_or_else(|| "Patient".to_owned(), |p| initiales(&p.prenom, &p.nom));
                    initiales_de.insert(r.patient_id, i.clone());
                    i
                }
            };
            let lieu = match lieux.get(&r.structure_id) {
                Some(l) => l.clone(),
                None => {
                    let l = s
                        .structure(r.structure_id)?
                        .map(|st| format!("{}, {}, {} {}", st.nom, st.adresse, st.code_postal, st.ville));
                    lieux.insert(r.structure_id, l.clone());
                    l
                }
            };
            evenements.push(evenement(&r, &initiales, lieu, now));
        }
        debut = bout;
    }
    Ok(Calendrier {
        nom: nom_du_calendrier(&p),
        methode: None,
        rafraichir_minutes: Some(FLUX_RAFRAICHIR_MINUTES),
        evenements,
    })
}

/// `Toubeelib – Dr Claire Martin`.
fn nom_du_calendrier(p: &Praticien) -> String {
    let titre = p.titre.as_deref().map(|t| format!("{t} ")).unwrap_or_default();
    format!("Toubeelib – {titre}{} {}", p.prenom, p.nom)
}

/// `C. M.` for Camille Martin: the first letter of each name, capitalised; `Patient` if neither has one.
pub fn initiales(prenom: &str, nom: &str) -> String {
    let lettres: Vec<String> = [prenom, nom]
        .iter()
        .filter_map(|n| n.chars().find(|c| c.is_alphabetic()))
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect();
    if lettres.is_empty() {
        "Patient".to_owned()
    } else {
        lettres.join(" ")
    }
}

/// One rdv as an event: initials and type in the title, the structure as the place.
fn evenement(r: &Rdv, initiales: &str, lieu: Option<String>, now: DateTime<Utc>) -> Evenement {
    let annule = matches!(r.statut, Statut::Annule | Statut::AnnuleTardivement);
    let type_consultation = match r.type_consultation {
        TypeConsultation::Presentiel => "présentiel",
        TypeConsultation::Teleconsultation => "téléconsultation",
    };
    let prefixe = if annule { "Annulé : " } else { "" };
    let modifie_le = r.historique.last().map(|e| e.le);
    Evenement {
        uid: format!("{}@toubeelib", r.id.0),
        // With no METHOD, DTSTAMP is the event's last revision (RFC 5545 §3.8.7.2): the feed is stable.
        horodatage: modifie_le.unwrap_or(now),
        debut: r.creneau.debut(),
        fin: r.creneau.fin(),
        resume: format!("{prefixe}Consultation – {initiales} ({type_consultation})"),
        lieu,
        statut: if annule {
            StatutEvenement::Annule
        } else {
            StatutEvenement::Confirme
        },
        sequence: u32::try_from(r.historique.len().saturating_sub(1)).unwrap_or(u32::MAX),
        modifie_le,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_keep_only_the_first_letter_of_each_name() {
        assert_eq!(initiales("Marie", "Dupont"), "M. D.");
        assert_eq!(initiales("élodie", "d'Artagnan"), "É. D.");
        assert_eq!(initiales("Jean-Pierre", ""), "J.");
        assert_eq!(initiales("", " "), "Patient");
    }

    #[test]
    fn a_jeton_round_trips_through_its_url_and_only_an_equal_one_matches() {
        let jeton = [7u8; JETON_ICS_OCTETS];
        let url = url_planning_ics(Some("https://t.example"), PraticienId(Uuid::nil()), &jeton);
        let (chemin, texte) = url.split_once("?jeton=").unwrap();
        assert_eq!(
            chemin,
            "https://t.example/praticiens/00000000-0000-0000-0000-000000000000/planning.ics"
        );
        assert_eq!(decoder_jeton(texte), Some(jeton));
        assert!(egaux(&jeton, &decoder_jeton(texte).unwrap()));
        let mut autre = jeton;
        autre[31] ^= 1;
        assert!(!egaux(&jeton, &autre));
        assert_eq!(decoder_jeton("court"), None);
        assert_eq!(decoder_jeton(&"A".repeat(200)), None);
        assert!(url_planning_ics(None, PraticienId(Uuid::nil()), &jeton).starts_with("/praticiens/"));
    }
}

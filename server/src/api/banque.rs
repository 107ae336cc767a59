//! A praticien's bank data ("données bancaires"): IBAN, BIC and account holder.
//!
//! Read and changed by the praticien, its associated personnel and the admin only
//! (`Ressource::GestionPraticien`), through these two operations alone: the data is in no profile, no
//! list, no search index and no log line (the log names the praticien and the account, never the
//! number). The IBAN and the BIC are parsed by the domain ([`Iban`], [`Bic`]): a refusal is a 422 with
//! the domain's code (`iban_invalide`, `bic_invalide`) whose `detail` starts with the field's name, as
//! every 422 of the API does.

use chrono::{DateTime, SubsecRound as _, Utc};
use domain::Code;
use domain::acces::{Action, Ressource, autoriser};
use domain::identifiants::{Bic, Iban};
use domain::ids::PraticienId;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use super::ApiTag;
use super::etat::{EtatPartage, JetonAcces, Session};
use super::probleme::ErreurApi;
use crate::modele::DonneesBancaires;

/// Longest account holder's name, in characters.
pub const TITULAIRE_LONGUEUR_MAX: usize = 140;

/// A praticien's bank data, as the people allowed to manage it read it.
#[derive(Clone, Object)]
pub struct DonneesBancairesDto {
    /// The IBAN, upper case, without spaces (`FR7630006000011234567890189`).
    pub iban: String,
    /// The bank's BIC, 8 or 11 characters, upper case.
    pub bic: String,
    /// The account holder's name.
    pub titulaire: String,
    /// When it was last changed (UTC, to the millisecond).
    pub modifie_le: DateTime<Utc>,
}

/// Redacted: the number must not reach a log line through `{:?}`.
impl std::fmt::Debug for DonneesBancairesDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DonneesBancairesDto")
            .field("modifie_le", &self.modifie_le)
            .finish_non_exhaustive()
    }
}

impl From<&DonneesBancaires> for DonneesBancairesDto {
    fn from(d: &DonneesBancaires) -> Self {
        Self {
            iban: d.iban.as_str().to_owned(),
            bic: d.bic.as_str().to_owned(),
            titulaire: d.titulaire.clone(),
            modifie_le: d.modifie_le,
        }
    }
}

/// New bank data for a praticien, replacing any.
#[derive(Clone, Object)]
pub struct ModificationDonneesBancaires {
    /// The IBAN (ISO 13616): spaces allowed, any case; checked against its country's length and its
    /// mod-97 key.
    pub iban: String,
    /// The bank's BIC (ISO 9362): 8 or 11 characters, spaces allowed, any case.
    pub bic: String,
    /// The account holder's name: trimmed, 1 to 140 characters.
    pub titulaire: String,
}

/// Redacted: the number must not reach a log line through `{:?}`.
impl std::fmt::Debug for ModificationDonneesBancaires {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModificationDonneesBancaires")
            .finish_non_exhaustive()
    }
}

/// The bank data API.
#[derive(Debug)]
pub struct BanqueApi {
    etat: EtatPartage,
}

impl BanqueApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }

    /// The caller, if it may do `action` to the praticien's bank data.
    async fn autorise(
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

/// A 422 from a domain refusal of `champ`, the field named first in `detail`.
fn refus_du_champ<E: Code + std::fmt::Display>(champ: &str, e: &E) -> ErreurApi {
    ErreurApi::new(422, e.code(), format!("{champ} : {e}"))
}

/// The account holder's name: trimmed, 1 to [`TITULAIRE_LONGUEUR_MAX`] characters, no control
/// character; otherwise 422 `champ_invalide`.
fn titulaire(valeur: &str) -> Result<String, ErreurApi> {
    let v = valeur.trim();
    let longueur = v.chars().count();
    if longueur == 0 || longueur > TITULAIRE_LONGUEUR_MAX || v.chars().any(char::is_control) {
        return Err(ErreurApi::new(
            422,
            "champ_invalide",
            format!("titulaire : entre 1 et {TITULAIRE_LONGUEUR_MAX} caractères, sans caractère de contrôle"),
        ));
    }
    Ok(v.to_owned())
}

#[OpenApi(tag = "ApiTag::Espace")]
impl BanqueApi {
    /// A praticien's bank data
    ///
    /// The IBAN in full, the BIC, the account holder and when they were last changed. The praticien
    /// itself, its associated personnel and the admin only. 404 `donnees_bancaires_absentes` while none
    /// is recorded; 404 `introuvable` for an unknown praticien.
    #[oai(
        path = "/praticiens/:id/donnees-bancaires",
        method = "get",
        operation_id = "donnees_bancaires"
    )]
    async fn donnees_bancaires(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
    ) -> Result<Json<DonneesBancairesDto>, ErreurApi> {
        let praticien = PraticienId(id.0);
        self.autorise(&jeton, Action::Lire, praticien).await?;
        let donnees = self
            .etat
            .stocker(move |s| s.donnees_bancaires(praticien))
            .await?
            .ok_or_else(|| {
                ErreurApi::new(
                    404,
                    "donnees_bancaires_absentes",
                    "aucune donnée bancaire enregistrée pour ce praticien",
                )
            })?;
        Ok(Json(DonneesBancairesDto::from(&donnees)))
    }

    /// Record or replace a praticien's bank data
    ///
    /// The praticien itself, its associated personnel and the admin only. The IBAN is checked (known
    /// country, its length, the mod-97 key) and the BIC's shape: otherwise 422 `iban_invalide` or
    /// `bic_invalide`, whose `detail` starts with the field's name; an empty or too long `titulaire`
    /// is 422 `champ_invalide`. Answers the data as stored (IBAN and BIC upper case, without spaces).
    #[oai(
        path = "/praticiens/:id/donnees-bancaires",
        method = "put",
        operation_id = "modifier_donnees_bancaires"
    )]
    async fn modifier_donnees_bancaires(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<ModificationDonneesBancaires>,
    ) -> Result<Json<DonneesBancairesDto>, ErreurApi> {
        let praticien = PraticienId(id.0);
        let session = self.autorise(&jeton, Action::Modifier, praticien).await?;
        let m = corps.0;
        let donnees = DonneesBancaires {
            iban: Iban::parse(&m.iban).map_err(|e| refus_du_champ("iban", &e))?,
            bic: Bic::parse(&m.bic).map_err(|e| refus_du_champ("bic", &e))?,
            titulaire: titulaire(&m.titulaire)?,
            // What the store keeps, so that this answer and a later read agree.
            modifie_le: self.etat.maintenant().trunc_subsecs(3),
            modifie_par: session.compte,
        };
        let reponse = DonneesBancairesDto::from(&donnees);
        self.etat
            .stocker(move |s| s.modifier_donnees_bancaires(praticien, &donnees))
            .await?;
        tracing::info!(praticien = %praticien, compte = %session.compte.0, "données bancaires changed");
        Ok(Json(reponse))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titulaire_is_trimmed_and_bounded() {
        assert_eq!(titulaire("  Dr Claire Martin ").unwrap(), "Dr Claire Martin");
        assert_eq!(
            titulaire(&"é".repeat(TITULAIRE_LONGUEUR_MAX))
                .unwrap()
                .chars()
                .count(),
            TITULAIRE_LONGUEUR_MAX
        );
        for refuse in [
            String::new(),
            "   ".to_owned(),
            "x".repeat(TITULAIRE_LONGUEUR_MAX + 1),
            "Claire\nMartin".to_owned(),
        ] {
            assert!(
                matches!(titulaire(&refuse), Err(ErreurApi::NonTraitable(_))),
                "{refuse:?}"
            );
        }
    }

    #[test]
    fn a_refusal_names_its_field_first_and_keeps_the_domains_code() {
        let e = Iban::parse("FR76 3000 6000 0112 3456 7890 188").unwrap_err();
        let ErreurApi::NonTraitable(p) = refus_du_champ("iban", &e) else {
            panic!("422 attendu");
        };
        assert_eq!(p.code, "iban_invalide");
        assert!(p.detail.starts_with("iban : "), "{}", p.detail);
        assert!(!p.detail.contains("3000"), "{}", p.detail);
    }

    #[test]
    fn debug_of_the_wire_types_hides_the_number() {
        let dto = DonneesBancairesDto {
            iban: "FR7630006000011234567890189".to_owned(),
            bic: "BNPAFRPP".to_owned(),
            titulaire: "Dr Claire Martin".to_owned(),
            modifie_le: DateTime::UNIX_EPOCH,
        };
        assert!(!format!("{dto:?}").contains("3000"));
        let corps = ModificationDonneesBancaires {
            iban: dto.iban.clone(),
            bic: dto.bic.clone(),
            titulaire: dto.titulaire.clone(),
        };
        assert!(!format!("{corps:?}").contains("3000"));
    }
}

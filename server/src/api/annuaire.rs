//! The directory: spécialités, structures, and the admin's creation of structures and personnel.

use domain::acces::{Action, Ressource, autoriser};
use domain::identifiants::{Email, Telephone};
use domain::ids::{PersonnelId, PraticienId, StructureId};
use domain::specialite::Specialite;
use domain::temps::Fuseau;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::ApiTag;
use super::comptes::champ;
use super::dto::{SpecialiteDto, limite, page, refus};
use super::etat::{EtatPartage, JetonAcces, Session};
use super::probleme::ErreurApi;
use crate::auth::MotDePasse;
use crate::modele::{Compte, CompteId, Personnel, Role, Structure, TypeStructure};

page!(PageSpecialites, SpecialiteDto);
page!(PageStructures, StructureDto);

/// Most praticiens one personnel may work for.
pub const PRATICIENS_PAR_PERSONNEL_MAX: usize = 100;

/// The kind of a structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum TypeStructureDto {
    /// Maison médicale.
    MaisonMedicale,
    /// Cabinet.
    Cabinet,
    /// Centre de santé.
    CentreDeSante,
}

impl From<TypeStructureDto> for TypeStructure {
    fn from(t: TypeStructureDto) -> Self {
        match t {
            TypeStructureDto::MaisonMedicale => TypeStructure::MaisonMedicale,
            TypeStructureDto::Cabinet => TypeStructure::Cabinet,
            TypeStructureDto::CentreDeSante => TypeStructure::CentreDeSante,
        }
    }
}

impl From<TypeStructure> for TypeStructureDto {
    fn from(t: TypeStructure) -> Self {
        match t {
            TypeStructure::MaisonMedicale => TypeStructureDto::MaisonMedicale,
            TypeStructure::Cabinet => TypeStructureDto::Cabinet,
            TypeStructure::CentreDeSante => TypeStructureDto::CentreDeSante,
        }
    }
}

/// A place of practice.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct StructureDto {
    /// Its id.
    pub id: Uuid,
    /// Name.
    pub nom: String,
    /// Kind.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub type_structure: TypeStructureDto,
    /// Street address.
    pub adresse: String,
    /// Postal code.
    pub code_postal: String,
    /// Town.
    pub ville: String,
    /// Phone, E.164.
    pub telephone: String,
    /// IANA time zone of its horaires.
    pub fuseau: String,
}

impl From<&Structure> for StructureDto {
    fn from(s: &Structure) -> Self {
        Self {
            id: s.id.0,
            nom: s.nom.clone(),
            type_structure: s.type_structure.into(),
            adresse: s.adresse.clone(),
            code_postal: s.code_postal.clone(),
            ville: s.ville.clone(),
            telephone: s.telephone.as_str().to_owned(),
            fuseau: s.fuseau.nom().to_owned(),
        }
    }
}

/// A new structure.
#[derive(Debug, Object)]
pub struct NouvelleStructure {
    /// Name.
    pub nom: String,
    /// Kind.
    #[oai(rename = "type")]
    pub type_structure: TypeStructureDto,
    /// Street address.
    pub adresse: String,
    /// Postal code (5 digits).
    pub code_postal: String,
    /// Town.
    pub ville: String,
    /// Phone.
    pub telephone: String,
    /// IANA time zone (default `Europe/Paris`).
    pub fuseau: Option<String>,
}

/// A new personnel account.
#[derive(Debug, Object)]
pub struct NouveauPersonnel {
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// Sign-in email.
    pub email: String,
    /// Initial password.
    pub password: String,
    /// Where it works.
    pub structure_id: Uuid,
    /// The praticiens it works for (of that structure).
    pub praticiens: Vec<Uuid>,
}

/// Personnel, as created.
#[derive(Debug, Object)]
pub struct PersonnelDto {
    /// Its id.
    pub id: Uuid,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// Email.
    pub email: String,
    /// Where it works.
    pub structure_id: Uuid,
    /// The praticiens it works for.
    pub praticiens: Vec<Uuid>,
}

/// Answer of a structure creation.
#[derive(Debug, ApiResponse)]
pub enum StructureCreee {
    /// Created.
    #[oai(status = 201)]
    Cree(Json<StructureDto>, #[oai(header = "Location")] String),
}

/// Answer of a personnel creation.
#[derive(Debug, ApiResponse)]
pub enum PersonnelCree {
    /// Created.
    #[oai(status = 201)]
    Cree(Json<PersonnelDto>, #[oai(header = "Location")] String),
}

/// The directory API.
#[derive(Debug)]
pub struct AnnuaireApi {
    etat: EtatPartage,
}

impl AnnuaireApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }
}

/// The caller, if allowed to administer the directory.
pub async fn admin(etat: &EtatPartage, jeton: &JetonAcces) -> Result<Session, ErreurApi> {
    let session = etat.session(jeton).await?;
    autoriser(&session.acteur, Action::Creer, &Ressource::Annuaire).map_err(super::refus_acces)?;
    Ok(session)
}

#[OpenApi(tag = "ApiTag::Annuaire")]
impl AnnuaireApi {
    /// The reference list of spécialités
    #[oai(path = "/specialites", method = "get", operation_id = "specialites")]
    async fn specialites(&self) -> Result<Json<PageSpecialites>, ErreurApi> {
        Ok(Json(PageSpecialites {
            items: Specialite::toutes().map(SpecialiteDto::from).collect(),
            next_cursor: None,
        }))
    }

    /// Places of practice, optionally of one ville
    #[oai(path = "/structures", method = "get", operation_id = "structures")]
    async fn structures(
        &self,
        ville: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> Result<Json<PageStructures>, ErreurApi> {
        let limit = limite(limit.0)?;
        let ville = ville.0;
        let items = self
            .etat
            .stocker(move |s| s.structures(ville.as_deref(), limit))
            .await?;
        Ok(Json(PageStructures {
            items: items.iter().map(StructureDto::from).collect(),
            next_cursor: None,
        }))
    }

    /// Create a place of practice (admin)
    #[oai(path = "/structures", method = "post", operation_id = "creer_structure")]
    async fn creer_structure(
        &self,
        jeton: JetonAcces,
        corps: Json<NouvelleStructure>,
    ) -> Result<StructureCreee, ErreurApi> {
        admin(&self.etat, &jeton).await?;
        let n = corps.0;
        let code_postal = n.code_postal.trim().to_owned();
        if code_postal.len() != 5 || !code_postal.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ErreurApi::new(
                422,
                "code_postal_invalide",
                "code_postal : 5 chiffres",
            ));
        }
        let structure = Structure {
            id: StructureId(Uuid::now_v7()),
            nom: champ("nom", &n.nom)?,
            type_structure: n.type_structure.into(),
            adresse: champ("adresse", &n.adresse)?,
            code_postal,
            ville: champ("ville", &n.ville)?,
            telephone: Telephone::parse(&n.telephone).map_err(refus)?,
            fuseau: n
                .fuseau
                .as_deref()
                .map(Fuseau::parse)
                .transpose()
                .map_err(refus)?
                .unwrap_or_default(),
        };
        let s = structure.clone();
        self.etat.stocker(move |st| st.creer_structure(&s)).await?;
        self.etat
            .recherche
            .signaler(crate::search::Changement::Structure(structure.id));
        Ok(StructureCreee::Cree(
            Json(StructureDto::from(&structure)),
            format!("/structures/{}", structure.id),
        ))
    }

    /// Create a personnel account (admin)
    #[oai(path = "/personnels", method = "post", operation_id = "creer_personnel")]
    async fn creer_personnel(
        &self,
        jeton: JetonAcces,
        corps: Json<NouveauPersonnel>,
    ) -> Result<PersonnelCree, ErreurApi> {
        admin(&self.etat, &jeton).await?;
        let n = corps.0;
        if n.praticiens.len() > PRATICIENS_PAR_PERSONNEL_MAX {
            return Err(ErreurApi::new(
                422,
                "praticiens_invalides",
                format!("au plus {PRATICIENS_PAR_PERSONNEL_MAX} praticiens"),
            ));
        }
        let email = Email::parse(&n.email).map_err(refus)?;
        let mdp =
            MotDePasse::nouveau(&n.password).map_err(|e| ErreurApi::new(422, e.code(), e.to_string()))?;
        let structure_id = StructureId(n.structure_id);
        let praticiens: Vec<PraticienId> = n.praticiens.iter().copied().map(PraticienId).collect();
        let verifies = praticiens.clone();
        self.etat
            .stocker(move |s| {
                if s.structure(structure_id)?.is_none() {
                    return Err(crate::store::StoreError::Introuvable("structure"));
                }
                for p in &verifies {
                    match s.praticien(*p)? {
                        Some(pr) if pr.structures.contains(&structure_id) => {}
                        _ => {
                            return Err(crate::store::StoreError::Introuvable(
                                "praticien de cette structure",
                            ));
                        }
                    }
                }
                Ok(())
            })
            .await
            .map_err(|e| match e {
                ErreurApi::Introuvable(p) => ErreurApi::new(422, "reference_inconnue", p.0.detail),
                autre => autre,
            })?;
        let personnel = Personnel {
            id: PersonnelId(Uuid::now_v7()),
            nom: champ("nom", &n.nom)?,
            prenom: champ("prenom", &n.prenom)?,
            email: email.clone(),
            structure_id,
            praticiens,
        };
        let hash = self.etat.hacheur.hacher(&mdp).await?;
        let compte = Compte {
            id: CompteId(Uuid::now_v7()),
            email,
            mot_de_passe_hash: hash,
            role: Role::Personnel(personnel.id),
            cree_le: self.etat.maintenant(),
        };
        let p = personnel.clone();
        self.etat.stocker(move |s| s.creer_personnel(&compte, &p)).await?;
        Ok(PersonnelCree::Cree(
            Json(PersonnelDto {
                id: personnel.id.0,
                nom: personnel.nom,
                prenom: personnel.prenom,
                email: personnel.email.as_str().to_owned(),
                structure_id: personnel.structure_id.0,
                praticiens: personnel.praticiens.iter().map(|p| p.0).collect(),
            }),
            format!("/personnels/{}", personnel.id),
        ))
    }
}

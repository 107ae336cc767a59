//! Accounts: register, sign in, refresh, sign out, who am I, change password, the TOTP second factor,
//! and a structure's sign-in policy.
//!
//! Sign-in answers an unknown email exactly like a wrong password (same status, body, and an argon2
//! verification against a dummy hash, so the same time); repeated failures lock the email and the
//! client address out for a while (429 + Retry-After).
//!
//! Second factor: an account may enrol a TOTP key (`POST /me/totp`, then `/me/totp/activation` with a
//! code). Once active, sign-in checks the password first (a wrong one answers as without a factor, so
//! nothing tells whether one is active), then wants `totp`: none is 401 `totp_requis`, a wrong or
//! replayed code 401 `totp_invalide`, counted as a failure by the lockout. A structure may require a
//! factor of its praticiens and personnel (`PUT /structures/{id}/securite`): until theirs is active,
//! every endpoint but `/me`, `/me/totp…` and `/auth/*` answers 403 `totp_obligatoire` (`Etat::session`).

use std::net::{IpAddr, Ipv4Addr};

use chrono::{DateTime, NaiveDate, Utc};
use domain::acces::{Action, Ressource, autoriser};
use domain::identifiants::{Email, Telephone};
use domain::ids::{PatientId, StructureId};
use poem::web::RemoteAddr;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::ApiTag;
use super::etat::{EtatPartage, JetonAcces};
use super::probleme::ErreurApi;
use crate::auth::{MotDePasse, REFRESH_TTL, SecretTotp, empreinte, nouveau_jeton};
use crate::modele::{Canal, Compte, CompteId, Patient, Role};
use crate::store::{JetonRafraichissement, Rotation, StoreError};

/// Oldest age accepted for a date of birth, in years.
pub const AGE_ANS_MAX: u64 = 130;

/// Longest name or address accepted in a form field.
pub const CHAMP_LONGUEUR_MAX: usize = 200;

/// A new patient account.
#[derive(Debug, Object)]
pub struct Inscription {
    /// Sign-in email.
    pub email: String,
    /// At least 12 characters, not a common password.
    pub password: String,
    /// Family name.
    pub nom: String,
    /// Given name.
    pub prenom: String,
    /// `YYYY-MM-DD`.
    pub date_naissance: NaiveDate,
    /// Phone number (French or international).
    pub telephone: String,
    /// Social security number (15 characters, key checked).
    pub nir: Option<String>,
    /// Postal address.
    pub adresse: Option<String>,
    /// `email` (default) or `sms`.
    pub canal_prefere: Option<CanalDto>,
}

/// The notification channel, on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum CanalDto {
    /// Email.
    Email,
    /// SMS.
    Sms,
}

impl From<CanalDto> for Canal {
    fn from(c: CanalDto) -> Self {
        match c {
            CanalDto::Email => Canal::Email,
            CanalDto::Sms => Canal::Sms,
        }
    }
}

/// Email and password.
#[derive(Debug, Object)]
pub struct Connexion {
    /// Sign-in email.
    pub email: String,
    /// Password.
    pub password: String,
    /// The current code of the second factor (6 digits), once one is active.
    pub totp: Option<String>,
}

/// A refresh token.
#[derive(Debug, Object)]
pub struct Rafraichissement {
    /// The opaque refresh token, as issued: 43 base64url characters. The pattern also refuses a JSON
    /// number or boolean, which poem-openapi would otherwise read as its text.
    #[oai(validator(pattern = "^[A-Za-z0-9_-]{43}$"))]
    pub refresh_token: String,
}

/// Access and refresh tokens.
#[derive(Debug, Object)]
pub struct JetonsDto {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single use: present it to `/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// Who the caller is.
#[derive(Debug, Object)]
pub struct Moi {
    /// The account id.
    pub id: Uuid,
    /// Sign-in email.
    pub email: String,
    /// `patient`, `praticien`, `personnel` or `admin`.
    pub role: String,
    /// The patient, for a patient account.
    #[oai(skip_serializing_if_is_none)]
    pub patient_id: Option<Uuid>,
    /// The praticien, for a praticien account.
    #[oai(skip_serializing_if_is_none)]
    pub praticien_id: Option<Uuid>,
    /// The personnel, for a personnel account.
    #[oai(skip_serializing_if_is_none)]
    pub personnel_id: Option<Uuid>,
}

/// A password change.
#[derive(Debug, Object)]
pub struct ChangementMotDePasse {
    /// The current password.
    pub ancien: String,
    /// The new one (same policy as at registration).
    pub nouveau: String,
    /// The caller's refresh token, whose family stays signed in; every other family is revoked.
    pub refresh_token: Option<String>,
}

/// A new TOTP key, to enter into an authenticator app and confirm with a code. `Debug` redacts it.
#[derive(Object)]
pub struct InscriptionTotp {
    /// The secret, base32 without padding (32 characters), for typing in.
    pub secret: String,
    /// The same secret as an `otpauth://totp/…` URI, for a QR code.
    pub otpauth_uri: String,
}

impl std::fmt::Debug for InscriptionTotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InscriptionTotp(***)")
    }
}

/// A code of the second factor.
#[derive(Debug, Object)]
pub struct CodeTotp {
    /// 6 digits, as the authenticator app shows them.
    pub code: String,
}

/// A structure's sign-in policy.
#[derive(Debug, Object)]
pub struct SecuriteStructure {
    /// Its praticiens and personnel must activate a TOTP second factor before using the API.
    pub totp_obligatoire: bool,
}

/// Answers carrying tokens.
#[derive(Debug, ApiResponse)]
pub enum ReponseJetons {
    /// Tokens.
    #[oai(status = 200)]
    Ok(Json<JetonsDto>),
    /// Account created, with its tokens.
    #[oai(status = 201)]
    Cree(Json<JetonsDto>, #[oai(header = "Location")] String),
}

/// Answers with no body.
#[derive(Debug, ApiResponse)]
pub enum ReponseVide {
    /// Done.
    #[oai(status = 204)]
    Fait,
}

/// The accounts API.
#[derive(Debug)]
pub struct ComptesApi {
    etat: EtatPartage,
}

impl ComptesApi {
    /// Over the shared state.
    pub fn new(etat: EtatPartage) -> Self {
        Self { etat }
    }

    /// A new token pair for `compte`, starting a refresh family.
    async fn jetons(&self, compte: &Compte, now: DateTime<Utc>) -> Result<JetonsDto, ErreurApi> {
        let (access_token, expires_in) = self
            .etat
            .jetons
            .emettre(compte, now)
            .map_err(ErreurApi::interne)?;
        let (refresh_token, hash) = nouveau_jeton().map_err(ErreurApi::interne)?;
        let jeton = JetonRafraichissement {
            empreinte: hash,
            compte: compte.id,
            famille: Uuid::now_v7(),
            expire_le: now + REFRESH_TTL,
        };
        self.etat.stocker(move |s| s.enregistrer_jeton(&jeton)).await?;
        Ok(JetonsDto {
            access_token,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in,
        })
    }
}

/// A required text field: trimmed, non-empty, bounded.
pub fn champ(nom: &str, valeur: &str) -> Result<String, ErreurApi> {
    let v = valeur.trim();
    if v.is_empty() || v.chars().count() > CHAMP_LONGUEUR_MAX {
        return Err(ErreurApi::new(
            422,
            "champ_invalide",
            format!("{nom} : entre 1 et {CHAMP_LONGUEUR_MAX} caractères"),
        ));
    }
    Ok(v.to_owned())
}

fn identifiants_invalides() -> ErreurApi {
    ErreurApi::non_authentifie("identifiants_invalides", "email ou mot de passe incorrect")
}

fn adresse_client(remote: &RemoteAddr) -> IpAddr {
    remote
        .as_socket_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip())
}

fn totp_invalide(status: u16) -> ErreurApi {
    ErreurApi::new(
        status,
        "totp_invalide",
        "code du second facteur incorrect ou déjà utilisé",
    )
}

/// Now in Unix seconds, the clock of TOTP codes.
fn secondes_unix(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp()).unwrap_or(0)
}

/// The store's refusals of a second-factor change, in words.
fn refus_totp(e: StoreError) -> ErreurApi {
    match e {
        StoreError::Conflit("totp_deja_actif") => ErreurApi::new(
            409,
            "totp_deja_actif",
            "un second facteur est déjà actif : retirez-le d'abord",
        ),
        StoreError::Conflit("totp_non_demande") => ErreurApi::new(
            409,
            "totp_non_demande",
            "aucun second facteur en attente : demandez-en un (POST /me/totp)",
        ),
        StoreError::Conflit("totp_remplace") => ErreurApi::new(
            409,
            "totp_remplace",
            "un autre secret a été demandé depuis : confirmez avec un code de celui-ci",
        ),
        e => ErreurApi::from(e),
    }
}

#[OpenApi(tag = "ApiTag::Comptes")]
impl ComptesApi {
    /// Create a patient account and its dossier
    #[oai(path = "/auth/register", method = "post", operation_id = "register")]
    async fn register(&self, corps: Json<Inscription>) -> Result<ReponseJetons, ErreurApi> {
        let i = corps.0;
        let email = Email::parse(&i.email).map_err(|e| ErreurApi::non_traitable(&e))?;
        let telephone = Telephone::parse(&i.telephone).map_err(|e| ErreurApi::non_traitable(&e))?;
        let nir = i
            .nir
            .as_deref()
            .map(domain::identifiants::Nir::parse)
            .transpose()
            .map_err(|e| ErreurApi::non_traitable(&e))?;
        let mdp =
            MotDePasse::nouveau(&i.password).map_err(|e| ErreurApi::new(422, e.code(), e.to_string()))?;
        let now = self.etat.maintenant();
        let plus_ancienne = now
            .date_naive()
            .checked_sub_days(chrono::Days::new(AGE_ANS_MAX * 366))
            .unwrap_or(NaiveDate::MIN);
        if i.date_naissance > now.date_naive() || i.date_naissance < plus_ancienne {
            return Err(ErreurApi::new(
                422,
                "date_naissance_invalide",
                "date de naissance hors des bornes",
            ));
        }
        let patient = Patient {
            id: PatientId(Uuid::now_v7()),
            nom: champ("nom", &i.nom)?,
            prenom: champ("prenom", &i.prenom)?,
            date_naissance: i.date_naissance,
            email: email.clone(),
            telephones: vec![telephone],
            nir,
            adresse: i.adresse.as_deref().map(|a| champ("adresse", a)).transpose()?,
            medecin_traitant: None,
            canal_prefere: i.canal_prefere.map(Canal::from).unwrap_or_default(),
        };
        let hash = self.etat.hacheur.hacher(&mdp).await.map_err(ErreurApi::from)?;
        let compte = Compte {
            id: CompteId(Uuid::now_v7()),
            email,
            mot_de_passe_hash: hash,
            role: Role::Patient(patient.id),
            cree_le: now,
        };
        let (c, p) = (compte.clone(), patient.clone());
        self.etat.stocker(move |s| s.creer_patient(&c, &p)).await?;
        tracing::info!(compte = %compte.id.0, patient = %patient.id, "patient registered");
        let jetons = self.jetons(&compte, now).await?;
        Ok(ReponseJetons::Cree(
            Json(jetons),
            format!("/patients/{}", patient.id),
        ))
    }

    /// Sign in with email and password
    ///
    /// With an active second factor, the body also carries `totp`, a code not used before: without
    /// it 401 `totp_requis`, a wrong or replayed one 401 `totp_invalide` (a failed attempt).
    #[oai(path = "/auth/signin", method = "post", operation_id = "signin")]
    async fn signin(&self, corps: Json<Connexion>, remote: &RemoteAddr) -> Result<ReponseJetons, ErreurApi> {
        let now = self.etat.maintenant();
        let ip = adresse_client(remote);
        let cle = corps.0.email.trim().to_lowercase();
        if let Err(attente) = self.etat.limiteur.verifier(&cle, ip, now) {
            return Err(ErreurApi::attendre(
                429,
                "trop_de_tentatives",
                "trop de tentatives de connexion : réessayez plus tard",
                attente.as_secs().max(1),
            ));
        }
        // A full hashing queue refuses before the account is read: a flood's overflow costs no store
        // read (and an unknown email learns nothing more than a known one).
        self.etat.hacheur.refuser_si_plein()?;
        let mdp = MotDePasse::existant(&corps.0.password).map_err(|_| identifiants_invalides());
        let compte = match Email::parse(&cle) {
            Ok(email) => self.etat.stocker(move |s| s.compte_par_email(&email)).await?,
            Err(_) => None,
        };
        let valide = match &mdp {
            Ok(m) => {
                self.etat
                    .hacheur
                    .verifier(m, compte.as_ref().map(|c| c.mot_de_passe_hash.as_str()))
                    .await?
            }
            Err(_) => false,
        };
        match compte {
            Some(compte) if valide => {
                let id = compte.id;
                let facteur = self.etat.stocker(move |s| s.second_facteur(id)).await?;
                if let Some(facteur) = facteur.filter(|f| f.actif) {
                    let Some(code) = corps.0.totp.as_deref() else {
                        // The password was right: not a failure, and not a success either, which would
                        // clear the email's count before codes are tried.
                        return Err(ErreurApi::non_authentifie(
                            "totp_requis",
                            "code du second facteur requis (champ totp)",
                        ));
                    };
                    let pas = SecretTotp::depuis_octets(facteur.secret).verifier(
                        code,
                        secondes_unix(now),
                        Some(facteur.dernier_pas),
                    );
                    let accepte = match pas {
                        Some(pas) => self.etat.stocker(move |s| s.accepter_pas_totp(id, pas)).await?,
                        None => false,
                    };
                    if !accepte {
                        self.etat.limiteur.echec(&cle, ip, now);
                        return Err(totp_invalide(401));
                    }
                }
                self.etat.limiteur.succes(&cle);
                Ok(ReponseJetons::Ok(Json(self.jetons(&compte, now).await?)))
            }
            _ => {
                self.etat.limiteur.echec(&cle, ip, now);
                Err(identifiants_invalides())
            }
        }
    }

    /// Rotate a refresh token
    ///
    /// The presented token is used up; a token presented twice revokes its whole family.
    #[oai(path = "/auth/refresh", method = "post", operation_id = "refresh")]
    async fn refresh(&self, corps: Json<Rafraichissement>) -> Result<ReponseJetons, ErreurApi> {
        let now = self.etat.maintenant();
        let presente = empreinte(&corps.0.refresh_token);
        let (refresh_token, nouveau) = nouveau_jeton().map_err(ErreurApi::interne)?;
        let rotation = self
            .etat
            .stocker(move |s| s.tourner_jeton(presente, nouveau, now + REFRESH_TTL, now))
            .await?;
        let compte = match rotation {
            Rotation::Tournee { compte } => self.etat.stocker(move |s| s.compte(compte)).await?,
            Rotation::Reutilisee => {
                tracing::warn!("refresh token reused: its family is revoked");
                None
            }
            Rotation::Invalide => None,
        };
        let compte = compte.ok_or_else(|| {
            ErreurApi::non_authentifie("refresh_invalide", "jeton de rafraîchissement invalide")
        })?;
        let (access_token, expires_in) = self
            .etat
            .jetons
            .emettre(&compte, now)
            .map_err(ErreurApi::interne)?;
        Ok(ReponseJetons::Ok(Json(JetonsDto {
            access_token,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in,
        })))
    }

    /// Sign out: revoke the refresh token's family
    #[oai(path = "/auth/signout", method = "post", operation_id = "signout")]
    async fn signout(
        &self,
        jeton: JetonAcces,
        corps: Json<Rafraichissement>,
    ) -> Result<ReponseVide, ErreurApi> {
        self.etat.session_avant_second_facteur(&jeton).await?;
        let hash = empreinte(&corps.0.refresh_token);
        self.etat.stocker(move |s| s.revoquer_famille(hash)).await?;
        Ok(ReponseVide::Fait)
    }

    /// Who am I
    #[oai(path = "/me", method = "get", operation_id = "me")]
    async fn me(&self, jeton: JetonAcces) -> Result<Json<Moi>, ErreurApi> {
        let session = self.etat.session_avant_second_facteur(&jeton).await?;
        let id = session.compte;
        let compte = self
            .etat
            .stocker(move |s| s.compte(id))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("compte"))?;
        let mut moi = Moi {
            id: compte.id.0,
            email: compte.email.as_str().to_owned(),
            role: session.acteur.role().to_owned(),
            patient_id: None,
            praticien_id: None,
            personnel_id: None,
        };
        match compte.role {
            Role::Patient(p) => moi.patient_id = Some(p.0),
            Role::Praticien(p) => moi.praticien_id = Some(p.0),
            Role::Personnel(p) => moi.personnel_id = Some(p.0),
            Role::Admin => {}
        }
        Ok(Json(moi))
    }

    /// Change my password
    ///
    /// Revokes every refresh-token family of the account but the caller's own (when given).
    #[oai(
        path = "/me/mot-de-passe",
        method = "post",
        operation_id = "changer_mot_de_passe"
    )]
    async fn changer_mot_de_passe(
        &self,
        jeton: JetonAcces,
        corps: Json<ChangementMotDePasse>,
    ) -> Result<ReponseVide, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let id = session.compte;
        let compte = self
            .etat
            .stocker(move |s| s.compte(id))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("compte"))?;
        let ancien = MotDePasse::existant(&corps.0.ancien)
            .map_err(|e| ErreurApi::new(422, e.code(), e.to_string()))?;
        if !self
            .etat
            .hacheur
            .verifier(&ancien, Some(&compte.mot_de_passe_hash))
            .await?
        {
            return Err(ErreurApi::new(
                422,
                "ancien_mot_de_passe_incorrect",
                "l'ancien mot de passe est incorrect",
            ));
        }
        let nouveau = MotDePasse::nouveau(&corps.0.nouveau)
            .map_err(|e| ErreurApi::new(422, e.code(), e.to_string()))?;
        let hash = self.etat.hacheur.hacher(&nouveau).await?;
        let garde = corps.0.refresh_token.as_deref().map(empreinte);
        self.etat
            .stocker(move |s| {
                let sauf = match garde {
                    Some(h) => s.famille(h)?,
                    None => None,
                };
                s.changer_mot_de_passe(id, &hash, sauf)
            })
            .await?;
        Ok(ReponseVide::Fait)
    }

    /// Enrol a TOTP second factor: a new secret and its otpauth URI
    ///
    /// The factor is pending until confirmed with a code (`/me/totp/activation`); asking again
    /// replaces a pending secret. 409 `totp_deja_actif` if one is active.
    #[oai(path = "/me/totp", method = "post", operation_id = "inscrire_totp")]
    async fn inscrire_totp(&self, jeton: JetonAcces) -> Result<Json<InscriptionTotp>, ErreurApi> {
        let session = self.etat.session_avant_second_facteur(&jeton).await?;
        autoriser(&session.acteur, Action::Modifier, &Ressource::Compte).map_err(super::refus_acces)?;
        let id = session.compte;
        let now = self.etat.maintenant();
        let secret = SecretTotp::generer().map_err(ErreurApi::interne)?;
        let octets = secret.octets();
        let compte = self
            .etat
            .stocker_brut(move |s| {
                let compte = s.compte(id)?.ok_or(StoreError::Introuvable("compte"))?;
                s.preparer_second_facteur(id, octets, now)?;
                Ok(compte)
            })
            .await?
            .map_err(refus_totp)?;
        tracing::info!(compte = %id.0, "second facteur demandé");
        Ok(Json(InscriptionTotp {
            secret: secret.base32(),
            otpauth_uri: secret.uri(compte.email.as_str()),
        }))
    }

    /// Activate the pending second factor with a code of it
    ///
    /// From then on sign-in wants a code (`totp`). 422 `totp_invalide` for a wrong code.
    #[oai(path = "/me/totp/activation", method = "post", operation_id = "activer_totp")]
    async fn activer_totp(&self, jeton: JetonAcces, corps: Json<CodeTotp>) -> Result<ReponseVide, ErreurApi> {
        let session = self.etat.session_avant_second_facteur(&jeton).await?;
        autoriser(&session.acteur, Action::Modifier, &Ressource::Compte).map_err(super::refus_acces)?;
        let id = session.compte;
        let now = self.etat.maintenant();
        let facteur = self.etat.stocker(move |s| s.second_facteur(id)).await?;
        let facteur = match facteur {
            None => return Err(refus_totp(StoreError::Conflit("totp_non_demande"))),
            Some(f) if f.actif => return Err(refus_totp(StoreError::Conflit("totp_deja_actif"))),
            Some(f) => f,
        };
        let pas = SecretTotp::depuis_octets(facteur.secret)
            .verifier(&corps.0.code, secondes_unix(now), None)
            .ok_or_else(|| totp_invalide(422))?;
        let secret = facteur.secret;
        self.etat
            .stocker_brut(move |s| s.activer_second_facteur(id, secret, pas))
            .await?
            .map_err(refus_totp)?;
        tracing::info!(compte = %id.0, "second facteur activé");
        Ok(ReponseVide::Fait)
    }

    /// Remove the active second factor, with a current code of it
    ///
    /// A wrong code is 422 `totp_invalide` and counts, like a failed sign-in, towards the lockout of
    /// the account's email (429), so a stolen access token cannot guess its way to removing the factor.
    #[oai(path = "/me/totp", method = "delete", operation_id = "retirer_totp")]
    async fn retirer_totp(
        &self,
        jeton: JetonAcces,
        corps: Json<CodeTotp>,
        remote: &RemoteAddr,
    ) -> Result<ReponseVide, ErreurApi> {
        let session = self.etat.session_avant_second_facteur(&jeton).await?;
        autoriser(&session.acteur, Action::Modifier, &Ressource::Compte).map_err(super::refus_acces)?;
        let id = session.compte;
        let now = self.etat.maintenant();
        let ip = adresse_client(remote);
        let (compte, facteur) = self
            .etat
            .stocker(move |s| {
                let compte = s.compte(id)?.ok_or(StoreError::Introuvable("compte"))?;
                Ok((compte, s.second_facteur(id)?))
            })
            .await?;
        let cle = compte.email.as_str().to_owned();
        if let Err(attente) = self.etat.limiteur.verifier(&cle, ip, now) {
            return Err(ErreurApi::attendre(
                429,
                "trop_de_tentatives",
                "trop de tentatives : réessayez plus tard",
                attente.as_secs().max(1),
            ));
        }
        let facteur = facteur
            .filter(|f| f.actif)
            .ok_or_else(|| ErreurApi::introuvable("second facteur actif"))?;
        let pas = SecretTotp::depuis_octets(facteur.secret).verifier(
            &corps.0.code,
            secondes_unix(now),
            Some(facteur.dernier_pas),
        );
        let retire = match pas {
            Some(pas) => {
                self.etat
                    .stocker(move |s| s.retirer_second_facteur(id, pas))
                    .await?
            }
            None => false,
        };
        if !retire {
            self.etat.limiteur.echec(&cle, ip, now);
            return Err(totp_invalide(422));
        }
        tracing::info!(compte = %id.0, "second facteur retiré");
        Ok(ReponseVide::Fait)
    }

    /// Set a structure's sign-in policy (admin)
    ///
    /// With `totp_obligatoire`, its praticiens and personnel get 403 `totp_obligatoire` from every
    /// endpoint but `/me`, `/me/totp…` and `/auth/*` until their second factor is active. Patients are
    /// never concerned.
    #[oai(
        path = "/structures/:id/securite",
        method = "put",
        operation_id = "modifier_securite_structure"
    )]
    async fn modifier_securite_structure(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<SecuriteStructure>,
    ) -> Result<Json<SecuriteStructure>, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        autoriser(&session.acteur, Action::Modifier, &Ressource::Annuaire).map_err(super::refus_acces)?;
        let structure = StructureId(id.0);
        let totp_obligatoire = corps.0.totp_obligatoire;
        let par = session.compte;
        let now = self.etat.maintenant();
        self.etat
            .stocker(move |s| s.modifier_securite_structure(structure, totp_obligatoire, par, now))
            .await?;
        tracing::info!(structure = %structure, totp_obligatoire, "politique de connexion de la structure modifiée");
        Ok(Json(SecuriteStructure { totp_obligatoire }))
    }
}

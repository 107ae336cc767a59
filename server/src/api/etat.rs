//! What every operation shares: the store, the token and password machinery, the clock, and the
//! resolution of an access token into the domain's [`Acteur`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::acces::Acteur;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::api::probleme::ErreurApi;
use crate::auth::{Hacheur, Jetons, Limiteur};
use crate::modele::{CompteId, Role};
use crate::store::{Stockage, StoreError};

/// `Authorization: Bearer <access token>` (a JWT, 15 minutes).
#[derive(Debug, SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT")]
pub struct JetonAcces(pub Bearer);

/// The state of the server, shared by every operation.
pub struct Etat {
    /// The store.
    pub store: Arc<dyn Stockage>,
    /// The booking writer: `POST /rdvs` books through it.
    pub guichet: crate::guichet::Guichet,
    /// Access tokens.
    pub jetons: Jetons,
    /// Password hashing (bounded pool).
    pub hacheur: Hacheur,
    /// Sign-in lockout.
    pub limiteur: Limiteur,
    /// The praticien search index (one reader; its writer follows directory writes).
    pub recherche: Arc<crate::search::Recherche>,
    /// The notification channels and their states (the worker's, read by `/health`).
    pub notifications: Arc<crate::notifications::Notifications>,
    /// New messages to the open event streams, ended at shutdown.
    pub diffusion: Arc<crate::messagerie::Diffusion>,
}

impl std::fmt::Debug for Etat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Etat").finish_non_exhaustive()
    }
}

/// The signed-in caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its account.
    pub compte: CompteId,
    /// As the access rules see it.
    pub acteur: Acteur,
}

impl Etat {
    /// Now (the one place the server reads the clock for the rules).
    pub fn maintenant(&self) -> DateTime<Utc> {
        crate::horloge::maintenant()
    }

    /// Runs blocking store work off the async runtime, inside the request's tracing span.
    pub async fn stocker<T, F>(&self, travail: F) -> Result<T, ErreurApi>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Stockage) -> Result<T, StoreError> + Send + 'static,
    {
        self.stocker_brut(travail).await?.map_err(ErreurApi::from)
    }

    /// A bounded read on the calling async worker, without the hop to the blocking pool: only for a
    /// read of a few pages whose size the request bounds (a session's account, one praticien's agenda
    /// over at most 31 days), where the hop (a thread woken and two context switches) cost more than
    /// the read itself. Any write, or a read that grows with the data, goes through [`Etat::stocker`].
    pub fn lire_sur_place<T>(
        &self,
        lecture: impl FnOnce(&dyn Stockage) -> Result<T, StoreError>,
    ) -> Result<T, ErreurApi> {
        lecture(self.store.as_ref()).map_err(ErreurApi::from)
    }

    /// Like [`Etat::stocker`], but hands the store's own error back for the caller to refine.
    pub async fn stocker_brut<T, F>(&self, travail: F) -> Result<Result<T, StoreError>, ErreurApi>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Stockage) -> Result<T, StoreError> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| travail(store.as_ref())))
            .await
            .map_err(ErreurApi::interne)
    }

    /// Checks the access token and loads who it stands for; an account deleted since is refused, and
    /// so (403 `totp_obligatoire`) is a praticien or personnel of a structure that requires a second
    /// factor while theirs is not active.
    pub async fn session(&self, jeton: &JetonAcces) -> Result<Session, ErreurApi> {
        self.session_selon(jeton, true).await
    }

    /// Like [`Etat::session`], without the structure's second-factor rule: for `/me`, `/me/totp…` and
    /// `/auth/*`, the way to satisfy it.
    pub async fn session_avant_second_facteur(&self, jeton: &JetonAcces) -> Result<Session, ErreurApi> {
        self.session_selon(jeton, false).await
    }

    /// The session; with `exiger_totp`, the structure's second-factor rule applies. The rule is read
    /// from the store on every request (one read transaction, which stops at an empty table while no
    /// structure requires a second factor) rather than carried in the token, so an activation or an
    /// admin's change applies at once.
    async fn session_selon(&self, jeton: &JetonAcces, exiger_totp: bool) -> Result<Session, ErreurApi> {
        let revendications = self
            .jetons
            .verifier(&jeton.0.token, self.maintenant())
            .map_err(|e| ErreurApi::non_authentifie(e.code(), e.to_string()))?;
        let compte = revendications.compte;
        // A few point reads (the account, its personnel, the structure's rule): on the worker, so an
        // authenticated request makes one hop to the blocking pool less.
        let (acteur, totp_manquant) = self
            .lire_sur_place(move |s| {
                let Some(c) = s.compte(compte)? else {
                    return Ok(None);
                };
                let acteur = match c.role {
                    Role::Patient(id) => Acteur::Patient { id },
                    Role::Praticien(id) => Acteur::Praticien { id },
                    Role::Admin => Acteur::Admin,
                    Role::Personnel(id) => match s.personnel(id)? {
                        Some(p) => Acteur::Personnel {
                            id,
                            praticiens: p.praticiens,
                        },
                        None => return Ok(None),
                    },
                };
                let totp_manquant = exiger_totp && s.totp_manquant(compte, c.role)?;
                Ok(Some((acteur, totp_manquant)))
            })?
            .ok_or_else(|| ErreurApi::non_authentifie("jeton_invalide", "ce compte n'existe plus"))?;
        if totp_manquant {
            return Err(ErreurApi::new(
                403,
                "totp_obligatoire",
                "votre structure exige un second facteur : activez-le (POST /me/totp, puis /me/totp/activation)",
            ));
        }
        Ok(Session { compte, acteur })
    }
}

/// Shorthand for the shared state in operations.
pub type EtatPartage = Arc<Etat>;

//! Errors as the client sees them: `application/problem+json` (RFC 9457) with a machine-readable `code`.
//!
//! Policy (Vaultwarden's "the client sees a message, the log sees the cause"): a 4xx says what is wrong
//! with the request in French and carries the domain's `code`; a 500 says nothing internal and logs the
//! cause. Every operation returns `Result<_, ErreurApi>`, so every status below is in the OpenAPI document.
//! Errors raised by poem itself (unparsable JSON, a path that does not exist, a wrong method) are turned
//! into the same shape by [`depuis_poem`], installed as the app's catch-all.

use domain::Code;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::store::StoreError;

/// The media type of every error body.
pub const PROBLEME_JSON: &str = "application/problem+json";

/// An RFC 9457 problem.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct Probleme {
    /// A URI naming the kind of problem (`urn:toubeelib:probleme:<code>`).
    #[oai(rename = "type")]
    pub type_uri: String,
    /// A short French summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What is wrong with this request, in French.
    pub detail: String,
    /// The machine-readable reason (`creneau_indisponible`, `non_authentifie`…).
    pub code: String,
    /// For `annulation_tardive_refusee`: the structure's phone number to call.
    #[oai(skip_serializing_if_is_none)]
    pub telephone: Option<String>,
    /// For 429 and 503: seconds to wait before retrying.
    #[oai(skip_serializing_if_is_none)]
    pub retry_after: Option<u64>,
}

/// Every error answer of the API.
#[derive(Debug, ApiResponse)]
pub enum ErreurApi {
    /// Malformed request: unparsable JSON, wrong types, a bad parameter.
    #[oai(status = 400, content_type = "application/problem+json")]
    Invalide(Json<Probleme>),
    /// No valid access token; `WWW-Authenticate` names the scheme (RFC 6750), with
    /// `error="invalid_token"` when a token was sent and refused.
    #[oai(status = 401, content_type = "application/problem+json")]
    NonAuthentifie(Json<Probleme>, #[oai(header = "WWW-Authenticate")] String),
    /// Signed in, but not allowed.
    #[oai(status = 403, content_type = "application/problem+json")]
    Interdit(Json<Probleme>),
    /// Unknown resource.
    #[oai(status = 404, content_type = "application/problem+json")]
    Introuvable(Json<Probleme>),
    /// Conflict with the current state (créneau taken, late cancellation refused, email in use…).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflit(Json<Probleme>),
    /// Body over the limit.
    #[oai(status = 413, content_type = "application/problem+json")]
    TropGros(Json<Probleme>),
    /// A media type not accepted (an upload that is not a PDF, PNG or JPEG, by its bytes).
    #[oai(status = 415, content_type = "application/problem+json")]
    TypeNonSupporte(Json<Probleme>),
    /// Well-formed but invalid (window too long, bad identifier, weak password…).
    #[oai(status = 422, content_type = "application/problem+json")]
    NonTraitable(Json<Probleme>),
    /// Too many attempts.
    #[oai(status = 429, content_type = "application/problem+json")]
    TropDeTentatives(Json<Probleme>, #[oai(header = "Retry-After")] u64),
    /// Internal error; the log holds the cause.
    #[oai(status = 500, content_type = "application/problem+json")]
    Interne(Json<Probleme>),
    /// Overloaded; retry later.
    #[oai(status = 503, content_type = "application/problem+json")]
    Indisponible(Json<Probleme>, #[oai(header = "Retry-After")] u64),
}

/// Code of a 401 when no token was sent at all (any other 401 code refuses a token that was sent).
const CODE_SANS_JETON: &str = "non_authentifie";

/// The `WWW-Authenticate` challenge of a 401 with `code` (RFC 6750 §3).
fn defi_bearer(code: &str) -> String {
    if code == CODE_SANS_JETON {
        "Bearer realm=\"toubeelib\"".to_owned()
    } else {
        "Bearer realm=\"toubeelib\", error=\"invalid_token\"".to_owned()
    }
}

/// The French title of a status.
fn titre(status: u16) -> &'static str {
    match status {
        400 => "Requête invalide",
        401 => "Authentification requise",
        403 => "Accès refusé",
        404 => "Ressource introuvable",
        405 => "Méthode non autorisée",
        409 => "Conflit",
        413 => "Requête trop volumineuse",
        415 => "Type de contenu non pris en charge",
        422 => "Données invalides",
        429 => "Trop de tentatives",
        503 => "Service indisponible",
        _ => "Erreur interne",
    }
}

/// A problem body.
pub fn probleme(status: u16, code: &str, detail: impl Into<String>) -> Probleme {
    Probleme {
        type_uri: format!("urn:toubeelib:probleme:{code}"),
        title: titre(status).to_owned(),
        status,
        detail: detail.into(),
        code: code.to_owned(),
        telephone: None,
        retry_after: None,
    }
}

impl ErreurApi {
    /// The error for `status` (one of the declared ones; anything else is a 500).
    pub fn new(status: u16, code: &str, detail: impl Into<String>) -> Self {
        Self::depuis(probleme(status, code, detail))
    }

    /// Wraps a problem in the variant of its status.
    pub fn depuis(p: Probleme) -> Self {
        let attente = p.retry_after.unwrap_or(1);
        match p.status {
            400 => Self::Invalide(Json(p)),
            401 => {
                let defi = defi_bearer(&p.code);
                Self::NonAuthentifie(Json(p), defi)
            }
            403 => Self::Interdit(Json(p)),
            404 => Self::Introuvable(Json(p)),
            409 => Self::Conflit(Json(p)),
            413 => Self::TropGros(Json(p)),
            415 => Self::TypeNonSupporte(Json(p)),
            422 => Self::NonTraitable(Json(p)),
            429 => Self::TropDeTentatives(Json(p), attente),
            503 => Self::Indisponible(Json(p), attente),
            _ => Self::Interne(Json(p)),
        }
    }

    /// 400 for a malformed parameter or body.
    pub fn invalide(code: &str, detail: impl Into<String>) -> Self {
        Self::new(400, code, detail)
    }

    /// 401.
    pub fn non_authentifie(code: &str, detail: impl Into<String>) -> Self {
        Self::new(401, code, detail)
    }

    /// 404 naming what was not found.
    pub fn introuvable(quoi: &str) -> Self {
        Self::new(404, "introuvable", format!("{quoi} introuvable"))
    }

    /// 422 for a well-formed but invalid value, from a domain error.
    pub fn non_traitable<E: Code + std::fmt::Display>(e: &E) -> Self {
        Self::new(422, e.code(), e.to_string())
    }

    /// 409 for a conflict with the stored state, from a domain error.
    pub fn conflit<E: Code + std::fmt::Display>(e: &E) -> Self {
        Self::new(409, e.code(), e.to_string())
    }

    /// 500: logs the cause, says nothing internal.
    pub fn interne(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(500, "erreur_interne", "erreur interne : réessayez plus tard")
    }

    /// 429 or 503 with the seconds to wait.
    pub fn attendre(status: u16, code: &str, detail: impl Into<String>, secondes: u64) -> Self {
        let mut p = probleme(status, code, detail);
        p.retry_after = Some(secondes.max(1));
        Self::depuis(p)
    }
}

impl From<StoreError> for ErreurApi {
    fn from(e: StoreError) -> Self {
        match &e {
            // The booking rules name a créneau, spécialité, motif or patient state: a conflict with
            // what is stored (DOMAIN.md codes), except an inconsistent agenda, which is ours.
            StoreError::Reservation(r) if r.code() == "agenda_incoherent" => Self::interne(&e),
            StoreError::Reservation(r) => Self::conflit(r),
            StoreError::Deplacement(r) if r.code() == "agenda_incoherent" => Self::interne(&e),
            StoreError::Deplacement(r) => Self::conflit(r),
            StoreError::Annulation(r) => Self::conflit(r),
            StoreError::Transition(r) => Self::conflit(r),
            StoreError::Introuvable(quoi) => Self::introuvable(quoi),
            StoreError::Conflit(code) => Self::new(409, code, e.to_string()),
            StoreError::IdempotenceReutilisee => Self::new(422, "idempotency_key_reused", e.to_string()),
            StoreError::Interne(_) => Self::interne(&e),
            StoreError::Sature => Self::attendre(503, "service_sature", e.to_string(), 1),
        }
    }
}

/// Turns an error raised outside the operations (poem's own: parsing, routing, size limit) into a
/// problem, keeping its status.
pub fn depuis_poem(err: poem::Error) -> Response {
    // An operation's own `ErreurApi` travels as an error holding its finished problem response.
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let (code, detail) = match status {
        StatusCode::BAD_REQUEST => ("requete_invalide", err.to_string()),
        StatusCode::UNAUTHORIZED => ("non_authentifie", "jeton d'accès manquant ou invalide".to_owned()),
        StatusCode::NOT_FOUND => ("introuvable", "aucune ressource à cette adresse".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => ("methode_non_autorisee", "méthode non autorisée ici".to_owned()),
        StatusCode::PAYLOAD_TOO_LARGE => ("corps_trop_volumineux", err.to_string()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("type_de_contenu_invalide", err.to_string()),
        s if s.is_server_error() => {
            tracing::error!(error = %err, status = s.as_u16(), "internal error");
            (
                "erreur_interne",
                "erreur interne : réessayez plus tard".to_owned(),
            )
        }
        _ => ("requete_invalide", err.to_string()),
    };
    let corps = probleme(status.as_u16(), code, detail);
    let json = serde_json::to_vec(&ProblemeJson::from(&corps)).unwrap_or_default();
    let reponse = Response::builder().status(status).content_type(PROBLEME_JSON);
    // A body refused unread leaves bytes on the connection: close it, so that no client reuses it.
    let reponse = if status == StatusCode::PAYLOAD_TOO_LARGE {
        reponse.header("connection", "close")
    } else if status == StatusCode::UNAUTHORIZED {
        reponse.header("www-authenticate", defi_bearer(code))
    } else {
        reponse
    };
    reponse.body(json).into_response()
}

/// The same problem through serde (poem's catch-all works below poem-openapi's payloads).
#[derive(serde::Serialize)]
struct ProblemeJson<'a> {
    #[serde(rename = "type")]
    type_uri: &'a str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
}

impl<'a> From<&'a Probleme> for ProblemeJson<'a> {
    fn from(p: &'a Probleme) -> Self {
        Self {
            type_uri: &p.type_uri,
            title: &p.title,
            status: p.status,
            detail: &p.detail,
            code: &p.code,
        }
    }
}

impl From<crate::auth::ErreurAuth> for ErreurApi {
    fn from(e: crate::auth::ErreurAuth) -> Self {
        use crate::auth::ErreurAuth;
        match e {
            ErreurAuth::JetonInvalide | ErreurAuth::JetonExpire => {
                Self::non_authentifie(e.code(), e.to_string())
            }
            ErreurAuth::Sature => Self::attendre(503, e.code(), e.to_string(), 2),
            autre => Self::interne(autre),
        }
    }
}

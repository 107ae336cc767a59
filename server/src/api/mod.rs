//! The HTTP API: the OpenAPI service and the routes around it.
//!
//! Every endpoint is declared through poem-openapi, so the document served at `/openapi.json` (and
//! rendered at `/docs`) is generated from the code and cannot drift from it. One module per resource
//! of the API; this module assembles them and wraps them in the cross-cutting layers: request ids and
//! logs, CORS, the body limit, and problem+json for every error poem raises itself.

pub mod agenda_ics;
pub mod annuaire;
pub mod attente;
pub mod banque;
pub mod bilan;
pub mod comptes;
pub mod disponibilites;
pub mod document;
pub mod documents;
pub mod dossier;
pub mod dto;
pub mod espace;
pub mod etat;
pub mod health;
pub mod indisponibilites;
pub mod json_direct;
pub mod limites;
pub mod messagerie;
pub mod metriques;
pub mod praticiens;
pub mod probleme;
pub mod rdvs;
pub mod sauvegarde;
pub mod web;

use std::sync::Arc;

use domain::Code;
use domain::acces::Refus;
use poem::middleware::Cors;
use poem::{Endpoint, EndpointExt as _, Route};
use poem_openapi::{OpenApiService, Tags};

use self::agenda_ics::AgendaIcsApi;
use self::annuaire::AnnuaireApi;
use self::attente::AttenteApi;
use self::banque::BanqueApi;
use self::bilan::BilanApi;
use self::comptes::ComptesApi;
use self::disponibilites::DisponibilitesApi;
use self::documents::DocumentsApi;
use self::dossier::DossierApi;
use self::espace::EspaceApi;
use self::etat::Etat;
use self::health::HealthApi;
use self::indisponibilites::IndisponibilitesApi;
use self::messagerie::MessagerieApi;
use self::metriques::MetriquesApi;
use self::praticiens::PraticiensApi;
use self::probleme::ErreurApi;
use self::rdvs::RdvsApi;
use self::sauvegarde::SauvegardeApi;
use crate::config::Config;

/// Title of the OpenAPI document.
pub const API_TITLE: &str = "Toubeelib";

/// Path of the OpenAPI document (JSON).
pub const OPENAPI_PATH: &str = "/openapi.json";

/// Path of the interactive documentation (Swagger UI).
pub const DOCS_PATH: &str = "/docs";

/// Groups of operations, as they appear in the OpenAPI document.
#[derive(Debug, Tags)]
pub enum ApiTag {
    /// Liveness, readiness and the API document.
    Operations,
    /// Accounts and tokens.
    Comptes,
    /// Spécialités, structures, personnel.
    Annuaire,
    /// Praticiens and their availability.
    Praticiens,
    /// Rendez-vous.
    Rdvs,
    /// Who is free on a day at a place.
    Disponibilites,
    /// A praticien's periods off.
    Indisponibilites,
    /// A praticien's workspace: planning, horaires, réglages, patientèle.
    Espace,
    /// A patient's dossier: partie administrative, praticiens consultés.
    Dossier,
    /// A patient's partie médicale: consultations, documents, the access log of its reads, the RGPD
    /// export.
    DossierMedical,
    /// A patient waiting for an earlier créneau with a praticien, and the créneau offered.
    ListeAttente,
    /// Conversations between a patient and a linked praticien, their messages and event streams.
    Messagerie,
}

/// Every API of the server.
pub type Apis = (
    HealthApi,
    ComptesApi,
    AnnuaireApi,
    PraticiensApi,
    RdvsApi,
    DisponibilitesApi,
    IndisponibilitesApi,
    BanqueApi,
    EspaceApi,
    BilanApi,
    AgendaIcsApi,
    DossierApi,
    DocumentsApi,
    AttenteApi,
    MessagerieApi,
    // poem-openapi implements `OpenApi` for tuples of at most 16: the operators' APIs go in one.
    (SauvegardeApi, MetriquesApi),
);

/// A refusal of the access rules: 401 when nobody is signed in, 403 otherwise.
pub fn refus_acces(r: Refus) -> ErreurApi {
    match r {
        Refus::NonAuthentifie => ErreurApi::non_authentifie(r.code(), r.to_string()),
        _ => ErreurApi::new(403, r.code(), r.to_string()),
    }
}

/// The OpenAPI service holding every endpoint of the server.
pub fn openapi_service(config: &Config, etat: Arc<Etat>) -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            HealthApi::new(config.data_dir.clone(), Arc::clone(&etat)),
            ComptesApi::new(Arc::clone(&etat)),
            AnnuaireApi::new(Arc::clone(&etat)),
            PraticiensApi::new(Arc::clone(&etat)),
            RdvsApi::new(Arc::clone(&etat)),
            DisponibilitesApi::new(Arc::clone(&etat)),
            IndisponibilitesApi::new(Arc::clone(&etat)),
            BanqueApi::new(Arc::clone(&etat)),
            EspaceApi::new(Arc::clone(&etat), config.public_url.clone()),
            BilanApi::new(Arc::clone(&etat)),
            AgendaIcsApi::new(Arc::clone(&etat)),
            DossierApi::new(Arc::clone(&etat)),
            DocumentsApi::new(
                Arc::clone(&etat),
                crate::documents::Coffre::new(config.data_dir.join(crate::documents::DOSSIER_DOCUMENTS)),
            ),
            AttenteApi::new(Arc::clone(&etat)),
            MessagerieApi::new(Arc::clone(&etat)),
            (
                SauvegardeApi::new(Arc::clone(&etat), config.data_dir.clone()),
                MetriquesApi::new(etat, config.metrics_token.clone()),
            ),
        ),
        API_TITLE,
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Toubeelib: rendez-vous médicaux d'une maison médicale. Errors are application/problem+json \
         with a machine-readable `code`. Limits: JSON bodies ≤ 64 KiB, uploads ≤ 10 MiB, windows ≤ 31 \
         days, pages ≤ 100 items.",
    )
}

/// CORS from `TOUBEELIB_CORS_ORIGINS`: comma-separated origins, `*` for any (development). With none
/// configured the layer is left out entirely (poem's `Cors` with an empty list would allow any origin).
fn cors(origines: &[String]) -> Cors {
    let cors = Cors::new()
        .allow_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allow_headers(["authorization", "content-type", "idempotency-key"])
        .expose_headers(["location", "retry-after", "x-request-id"]);
    if origines.iter().any(|o| o == "*") {
        cors
    } else {
        cors.allow_origins(origines.iter().map(String::as_str))
    }
}

/// The path templates of the OpenAPI document (the metrics' route labels).
fn chemins(service: &OpenApiService<Apis, ()>) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(&service.spec())
        .ok()
        .and_then(|doc| doc.get("paths")?.as_object().map(|p| p.keys().cloned().collect()))
        .unwrap_or_default()
}

/// The whole HTTP application: API routes, the document, its UI, and the cross-cutting layers.
pub fn app(config: &Config, etat: Arc<Etat>) -> impl Endpoint + 'static {
    let service = openapi_service(config, etat);
    crate::metriques::globales().connaitre_routes(crate::metriques::Gabarits::depuis(chemins(&service)));
    let document = document::completer(&service.spec());
    let methodes = Arc::new(document::Methodes::depuis(&document));
    let spec = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(document.clone())
    });
    let docs = service.swagger_ui();
    Route::new()
        .at(OPENAPI_PATH, spec)
        .nest(DOCS_PATH, docs)
        .at(web::ROUTE_FICHIERS, poem::get(web::fichier))
        .nest("/", service.around(web::page_a_la_racine))
        .with_if(!config.cors_origins.is_empty(), cors(&config.cors_origins))
        .around(limites::limiter_corps)
        .catch_all_error(|e| async move { probleme::depuis_poem(e) })
        .around(move |ep, req| document::annoncer_methodes(ep, Arc::clone(&methodes), req))
        .around(limites::identifiant_requete)
}

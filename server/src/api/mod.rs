//! The HTTP API: the OpenAPI service and the routes around it.
//!
//! Every endpoint is declared through poem-openapi, so the document served at `/openapi.json` (and
//! rendered at `/docs`) is generated from the code and cannot drift from it. One module per resource
//! of the API; this module only assembles them.

pub mod health;

use poem::middleware::Tracing;
use poem::{Endpoint, EndpointExt as _, Route};
use poem_openapi::{OpenApiService, Tags};

use crate::config::Config;

use self::health::HealthApi;

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
}

/// Every API of the server; becomes a tuple `(HealthApi, RdvsApi, ..)` as resources are added
/// (poem-openapi implements `OpenApi` for tuples of two or more).
pub type Apis = HealthApi;

/// The OpenAPI service holding every endpoint of the server.
pub fn openapi_service(config: &Config) -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        HealthApi::new(config.data_dir.clone()),
        API_TITLE,
        env!("CARGO_PKG_VERSION"),
    )
}

/// The whole HTTP application: API routes, the document, its UI, and request logging.
pub fn app(config: &Config) -> impl Endpoint + 'static {
    let service = openapi_service(config);
    let spec = service.spec_endpoint();
    let docs = service.swagger_ui();
    Route::new()
        .at(OPENAPI_PATH, spec)
        .nest(DOCS_PATH, docs)
        .nest("/", service)
        .with(Tracing)
}

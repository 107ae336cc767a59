//! The web app at `/`: plain HTML, CSS and ES modules from `web/`, and the wasm package that computes
//! créneaux in the browser, all embedded in the binary by `build.rs`.
//!
//! Outside the OpenAPI service on purpose: these are files, not API operations. The app's assets
//! live under [`PREFIXE`], which no API path uses, so they can never shadow an endpoint. The files
//! are not fingerprinted, so every answer carries an `ETag` and `Cache-Control: no-cache`: the
//! browser keeps them and revalidates with a 304, and a new binary is picked up at once. The HTML
//! carries a strict Content-Security-Policy: scripts and the wasm module from this origin only
//! (`'wasm-unsafe-eval'` lets the browser compile it), no inline script or style, requests to this
//! origin only.

use std::sync::Arc;

use poem::http::{Method, StatusCode, header};
use poem::web::Path;
use poem::{Endpoint, IntoResponse, Request, Response, handler};
use poem_openapi::payload::Json;

use super::probleme::{ErreurApi, probleme};

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// Where the app's assets are served (`/app/main.js`, `/app/pkg/toubeelib_domain_bg.wasm`).
pub const PREFIXE: &str = "/app";

/// The route of the assets: [`PREFIXE`] and the file's path.
pub const ROUTE_FICHIERS: &str = "/app/*chemin";

/// Sub-path of [`PREFIXE`] holding the wasm package's files.
const PKG: &str = "pkg/";

/// The page's Content-Security-Policy.
pub const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                       img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; \
                       base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Seconds a client waits before asking again for a wasm package that was not built.
const REESSAYER_S: u64 = 300;

/// Wraps the API service (nested at `/`) so that `GET /` is the app's page. A route of its own
/// would not do: poem's router prefers the nest's catch-all over a static `/` beside it.
pub async fn page_a_la_racine<E: Endpoint>(api: Arc<E>, req: Request) -> poem::Result<Response> {
    if req.uri().path() == "/" && matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(page(&req));
    }
    api.call(req).await.map(IntoResponse::into_response)
}

/// The app's page, `index.html`.
pub fn page(req: &Request) -> Response {
    match FICHIERS.iter().find(|(chemin, ..)| *chemin == "index.html") {
        Some(&(_, type_contenu, etag, octets)) => servir(req, type_contenu, etag, octets),
        None => introuvable("index.html"),
    }
}

/// `GET /app/*chemin`: a file of `web/`, or of the wasm package under `pkg/`.
#[handler]
pub fn fichier(req: &Request, Path(chemin): Path<String>) -> Response {
    if let Some(nom) = chemin.strip_prefix(PKG) {
        return match WASM.iter().find(|(n, ..)| *n == nom) {
            Some(&(_, type_contenu, etag, Some(octets))) => servir(req, type_contenu, etag, octets),
            Some((nom, ..)) => ErreurApi::Indisponible(
                Json(probleme(
                    503,
                    "paquet_wasm_absent",
                    format!(
                        "{nom} n'a pas été intégré à ce binaire : construisez le paquet wasm \
                         (scripts/wasm-package) puis le serveur"
                    ),
                )),
                REESSAYER_S,
            )
            .into_response(),
            None => introuvable(&chemin),
        };
    }
    match FICHIERS.iter().find(|(c, ..)| *c == chemin) {
        Some(&(_, type_contenu, etag, octets)) => servir(req, type_contenu, etag, octets),
        None => introuvable(&chemin),
    }
}

/// The file, or 304 when the client already holds this version.
fn servir(req: &Request, type_contenu: &str, etag: &str, octets: &'static [u8]) -> Response {
    let deja = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim() == etag || e.trim() == "*"));
    let reponse = Response::builder()
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "no-referrer");
    let reponse = if type_contenu.starts_with("text/html") {
        reponse
            .header(header::CONTENT_SECURITY_POLICY, CSP)
            .header(header::X_FRAME_OPTIONS, "DENY")
    } else {
        reponse
    };
    if deja {
        reponse.status(StatusCode::NOT_MODIFIED).finish()
    } else {
        reponse.content_type(type_contenu).body(octets)
    }
}

fn introuvable(chemin: &str) -> Response {
    ErreurApi::Introuvable(Json(probleme(
        404,
        "introuvable",
        format!("aucun fichier de l'application web à {PREFIXE}/{chemin}"),
    )))
    .into_response()
}

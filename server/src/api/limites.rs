//! Cross-cutting request layers: the body limit and the request id.

use poem::http::{HeaderValue, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use tokio::io::AsyncReadExt as _;
use tracing::Instrument as _;

/// Largest JSON body accepted (API.md: 64 KiB); larger gets 413 before anything is parsed.
pub const CORPS_JSON_MAX: u64 = 64 * 1024;

/// Header carrying the request id, echoed in every answer and in every log line of the request.
pub const EN_TETE_ID_REQUETE: &str = "x-request-id";

fn trop_gros() -> poem::Error {
    poem::Error::from_string(
        format!("le corps de la requête dépasse {} Kio", CORPS_JSON_MAX / 1024),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
}

/// Refuses bodies over [`CORPS_JSON_MAX`]: by `Content-Length` when given, else by reading at most one
/// byte more than the limit.
pub async fn limiter_corps<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let annonce = req.header("content-length").map(|v| v.trim().parse::<u64>());
    match annonce {
        Some(Ok(n)) if n > CORPS_JSON_MAX => return Err(trop_gros()),
        Some(Ok(_)) => {}
        Some(Err(_)) => {
            return Err(poem::Error::from_string(
                "Content-Length invalide",
                StatusCode::BAD_REQUEST,
            ));
        }
        None => {
            let mut lu = Vec::new();
            req.take_body()
                .into_async_read()
                .take(CORPS_JSON_MAX + 1)
                .read_to_end(&mut lu)
                .await
                .map_err(|e| {
                    poem::Error::from_string(format!("corps illisible : {e}"), StatusCode::BAD_REQUEST)
                })?;
            if lu.len() as u64 > CORPS_JSON_MAX {
                return Err(trop_gros());
            }
            req.set_body(Body::from(lu));
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// Gives every request an id (the client's `x-request-id` when it is a short token, else a new UUID
/// v7), runs it inside a span holding that id, the method and the path, logs its status and duration,
/// and returns the id in the answer. The query string is never logged: it may carry a secret (the
/// `jeton` of the planning's iCalendar feed).
pub async fn identifiant_requete<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let id = req
        .header(EN_TETE_ID_REQUETE)
        .filter(|v| {
            !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    let span = tracing::info_span!(
        "requete",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let debut = std::time::Instant::now();
    let resultat = next.call(req).instrument(span.clone()).await;
    let duree_ms = debut.elapsed().as_secs_f64() * 1000.0;
    let mut reponse = match resultat {
        Ok(r) => r.into_response(),
        Err(e) => {
            span.in_scope(|| tracing::info!(status = e.status().as_u16(), duree_ms, "erreur"));
            return Err(e);
        }
    };
    span.in_scope(|| tracing::info!(status = reponse.status().as_u16(), duree_ms, "reponse"));
    if let Ok(valeur) = HeaderValue::from_str(&id) {
        reponse.headers_mut().insert(EN_TETE_ID_REQUETE, valeur);
    }
    Ok(reponse)
}

//! Cross-cutting request layers: the body limit and the request id.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use poem::http::{HeaderValue, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use tokio::io::{AsyncRead, AsyncReadExt as _, ReadBuf};
use tracing::Instrument as _;

use crate::documents::DOCUMENT_OCTETS_MAX;

/// Largest JSON body accepted (API.md: 64 KiB); larger gets 413 before anything is parsed.
pub const CORPS_JSON_MAX: u64 = 64 * 1024;

/// Largest body of an upload (`POST /patients/{id}/documents`, multipart): the document itself
/// ([`DOCUMENT_OCTETS_MAX`]) and, within [`CORPS_JSON_MAX`], its envelope (boundaries, `type`, `titre`).
pub const CORPS_TELEVERSEMENT_MAX: u64 = DOCUMENT_OCTETS_MAX + CORPS_JSON_MAX;

/// The request's id, as [`identifiant_requete`] chose it, in the request's extensions: the access log
/// of the partie médicale records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdRequete(pub String);

/// In an upload's extensions: set once its body went past [`CORPS_TELEVERSEMENT_MAX`] while the
/// operation read it, so that the operation answers 413 rather than "unreadable body".
#[derive(Debug, Clone, Default)]
pub struct CorpsDepasse(Arc<AtomicBool>);

impl CorpsDepasse {
    /// Whether the body went past its limit.
    pub fn atteint(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A body that fails, and says so in its [`CorpsDepasse`], one byte past `reste`: the limit of a body
/// that is streamed, never buffered.
struct LectureBornee<R> {
    interieur: R,
    reste: u64,
    depasse: CorpsDepasse,
}

impl<R: AsyncRead + Unpin> AsyncRead for LectureBornee<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let avant = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.interieur).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let lus = (buf.filled().len() - avant) as u64;
                if lus > this.reste {
                    this.depasse.0.store(true, Ordering::Relaxed);
                    return Poll::Ready(Err(std::io::Error::other("corps de la requête trop volumineux")));
                }
                this.reste -= lus;
                Poll::Ready(Ok(()))
            }
            autre => autre,
        }
    }
}

/// Header carrying the request id, echoed in every answer and in every log line of the request.
pub const EN_TETE_ID_REQUETE: &str = "x-request-id";

fn trop_gros(max: u64) -> poem::Error {
    poem::Error::from_string(
        format!("le corps de la requête dépasse {} Kio", max / 1024),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
}

/// Refuses bodies over [`CORPS_JSON_MAX`]: by `Content-Length` when given, else by reading at most one
/// byte more than the limit. An upload's body ([`CORPS_TELEVERSEMENT_MAX`]) is refused by its
/// `Content-Length`, else streamed to the operation through a reader that fails one byte past the limit.
pub async fn limiter_corps<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let televersement = super::documents::est_televersement(req.method(), req.uri().path());
    let max = if televersement {
        CORPS_TELEVERSEMENT_MAX
    } else {
        CORPS_JSON_MAX
    };
    let annonce = req.header("content-length").map(|v| v.trim().parse::<u64>());
    match annonce {
        Some(Ok(n)) if n > max => return Err(trop_gros(max)),
        Some(Ok(_)) => {}
        Some(Err(_)) => {
            return Err(poem::Error::from_string(
                "Content-Length invalide",
                StatusCode::BAD_REQUEST,
            ));
        }
        None if televersement => {}
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
                return Err(trop_gros(CORPS_JSON_MAX));
            }
            req.set_body(Body::from(lu));
        }
    }
    if televersement {
        let depasse = CorpsDepasse::default();
        req.extensions_mut().insert(depasse.clone());
        let interieur = req.take_body().into_async_read();
        req.set_body(Body::from_async_read(LectureBornee {
            interieur,
            reste: max,
            depasse,
        }));
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// Gives every request an id (the client's `x-request-id` when it is a short token, else a new UUID
/// v7), runs it inside a span holding that id, the method and the path, logs its status and duration,
/// and returns the id in the answer. The query string is never logged: it may carry a secret (the
/// `jeton` of the planning's iCalendar feed).
pub async fn identifiant_requete<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
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
    req.extensions_mut().insert(IdRequete(id.clone()));
    let (methode, chemin) = (req.method().clone(), req.uri().path().to_owned());
    let debut = std::time::Instant::now();
    let resultat = next.call(req).instrument(span.clone()).await;
    // Whole microseconds: a float's long run of digits would read like a NIR to the log checks.
    let duree_us = u64::try_from(debut.elapsed().as_micros()).unwrap_or(u64::MAX);
    let mut reponse = match resultat {
        Ok(r) => r.into_response(),
        Err(e) => {
            span.in_scope(|| tracing::info!(status = e.status().as_u16(), duree_us, "erreur"));
            crate::metriques::globales().enregistrer(
                methode.as_str(),
                &chemin,
                e.status().as_u16(),
                debut.elapsed(),
            );
            return Err(e);
        }
    };
    span.in_scope(|| tracing::info!(status = reponse.status().as_u16(), duree_us, "reponse"));
    crate::metriques::globales().enregistrer(
        methode.as_str(),
        &chemin,
        reponse.status().as_u16(),
        debut.elapsed(),
    );
    if let Ok(valeur) = HeaderValue::from_str(&id) {
        reponse.headers_mut().insert(EN_TETE_ID_REQUETE, valeur);
    }
    Ok(reponse)
}

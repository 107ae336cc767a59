//! A JSON answer written straight by serde, for the hottest list (search results).
//!
//! poem-openapi's `Json<T>` first builds a `serde_json::Value` tree of the whole answer (a map per
//! object, a string per field), then writes it: on a page of 20 public profiles that was a third of
//! the CPU of a search. [`JsonDirect`] documents exactly the same schema (`T`'s) and writes `T`
//! with its `serde::Serialize`, which must say what its `poem_openapi::Object` says: each type
//! using it has a test comparing both serialisations.

use poem::http::{StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;

/// The content type of every JSON answer.
const JSON: &str = "application/json; charset=utf-8";

/// A `200 application/json` answer of `T`, serialised by serde.
#[derive(Debug, Clone)]
pub struct JsonDirect<T>(pub T);

impl<T: Type> Payload for JsonDirect<T> {
    const CONTENT_TYPE: &'static str = JSON;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: serde::Serialize + Send> IntoResponse for JsonDirect<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(corps) => Response::builder().content_type(JSON).body(corps),
            Err(e) => {
                tracing::error!(cause = %e, "JSON answer not serialisable");
                Response::builder()
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
                    .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                    .body("erreur interne")
            }
        }
    }
}

impl<T: Type + serde::Serialize + Send> ApiResponse for JsonDirect<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: <Self as Payload>::CONTENT_TYPE,
                    schema: <Self as Payload>::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

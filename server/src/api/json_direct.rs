//! A JSON answer written straight by serde, for the hottest lists (search results, free créneaux).
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

/// Writes an instant exactly as poem-openapi's `Json` does (`DateTime::to_rfc3339`:
/// `2026-12-08T07:30:00+00:00`), for `#[serde(serialize_with)]`. A month of créneaux is about a thousand
/// instants, and chrono's formatter (a character at a time) was their answer's largest cost; whole
/// seconds of years 0 to 9999 are written here digit by digit, anything else by chrono.
pub fn instant<S: serde::Serializer>(
    instant: &chrono::DateTime<chrono::Utc>,
    serialiseur: S,
) -> Result<S::Ok, S::Error> {
    use chrono::{Datelike, Timelike};
    let annee = instant.year();
    if instant.nanosecond() != 0 || !(0..=9999).contains(&annee) {
        return serialiseur.serialize_str(&instant.to_rfc3339());
    }
    let mut texte = *b"0000-00-00T00:00:00+00:00";
    let mut chiffres = |debut: usize, valeur: u32, largeur: usize| {
        let mut v = valeur;
        for i in (debut..debut + largeur).rev() {
            // `v % 10` is a digit: the cast cannot truncate.
            texte[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    chiffres(0, annee.unsigned_abs(), 4);
    chiffres(5, instant.month(), 2);
    chiffres(8, instant.day(), 2);
    chiffres(11, instant.hour(), 2);
    chiffres(14, instant.minute(), 2);
    chiffres(17, instant.second(), 2);
    // Only ASCII digits and separators were written.
    serialiseur.serialize_str(std::str::from_utf8(&texte).map_err(serde::ser::Error::custom)?)
}

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

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, TimeZone, Utc};

    #[derive(serde::Serialize)]
    struct Enveloppe(#[serde(serialize_with = "super::instant")] DateTime<Utc>);

    #[test]
    fn instants_are_written_as_poem_openapi_writes_them() {
        let mut cas: Vec<DateTime<Utc>> = vec![
            Utc.with_ymd_and_hms(2026, 12, 8, 7, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap() + Duration::milliseconds(250),
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 6, 1, 12, 0, 0).unwrap(),
        ];
        let mut t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        for _ in 0..2000 {
            t += Duration::seconds(15_817);
            cas.push(t);
        }
        for instant in cas {
            let ecrit = serde_json::to_string(&Enveloppe(instant)).unwrap();
            assert_eq!(ecrit, format!("\"{}\"", instant.to_rfc3339()));
        }
    }
}

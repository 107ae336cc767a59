//! JSON answers written without poem-openapi's `Value` tree, for the hottest lists: search results by
//! serde ([`JsonDirect`]), free créneaux by hand ([`JsonEcrit`], [`Horodateur`]).
//!
//! poem-openapi's `Json<T>` first builds a `serde_json::Value` tree of the whole answer (a map per
//! object, a string per field), then writes it: on a page of 20 public profiles that was a third of
//! the CPU of a search. [`JsonDirect`] documents exactly the same schema (`T`'s) and writes `T`
//! with its `serde::Serialize`, which must say what its `poem_openapi::Object` says: each type
//! using it has a test comparing both serialisations.

use std::marker::PhantomData;

use poem::http::{StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;

/// Writes instants as poem-openapi's `Json` does (`DateTime::to_rfc3339`:
/// `2026-12-08T07:30:00+00:00`), remembering the date of the last one. A month of
/// créneaux is about a thousand instants on thirty-odd dates, and chrono's formatter (a character at a
/// time) was their answer's largest cost: whole seconds of years 0 to 9999 are written here from the
/// Unix time, two digits at a time, the date computed once per day; anything else by chrono.
#[derive(Debug, Default)]
pub struct Horodateur {
    /// The last date written: its day since 1970-01-01 and its `YYYY-MM-DD`.
    date: Option<(i64, [u8; 10])>,
    /// The last instant written, in Unix seconds, and its text: a créneau's end is often the next
    /// one's start.
    dernier: Option<(i64, [u8; 25])>,
}

impl Horodateur {
    /// Appends `instant`, without quotes.
    pub fn ecrire(&mut self, sortie: &mut Vec<u8>, instant: &chrono::DateTime<chrono::Utc>) {
        /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds.
        const PREMIERE: i64 = -62_167_219_200;
        const DERNIERE: i64 = 253_402_300_799;
        use chrono::Timelike;
        let secondes = instant.timestamp();
        if instant.nanosecond() != 0 || !(PREMIERE..=DERNIERE).contains(&secondes) {
            sortie.extend_from_slice(instant.to_rfc3339().as_bytes());
            return;
        }
        if let Some((s, texte)) = &self.dernier
            && *s == secondes
        {
            sortie.extend_from_slice(texte);
            return;
        }
        let (jours, dans_le_jour) = (secondes.div_euclid(86_400), secondes.rem_euclid(86_400));
        let date = match self.date {
            Some((jour, date)) if jour == jours => date,
            _ => {
                let (annee, mois, jour) = civil(jours);
                let mut date = *b"0000-00-00";
                date[..2].copy_from_slice(deux_chiffres(annee / 100));
                date[2..4].copy_from_slice(deux_chiffres(annee % 100));
                date[5..7].copy_from_slice(deux_chiffres(mois));
                date[8..].copy_from_slice(deux_chiffres(jour));
                self.date = Some((jours, date));
                date
            }
        };
        let mut texte = *b"0000-00-00T00:00:00+00:00";
        texte[..10].copy_from_slice(&date);
        texte[11..13].copy_from_slice(deux_chiffres(dans_le_jour / 3_600));
        texte[14..16].copy_from_slice(deux_chiffres(dans_le_jour / 60 % 60));
        texte[17..19].copy_from_slice(deux_chiffres(dans_le_jour % 60));
        self.dernier = Some((secondes, texte));
        sortie.extend_from_slice(&texte);
    }
}

/// The two decimal digits of `n` (0 to 99).
fn deux_chiffres(n: i64) -> &'static [u8] {
    const PAIRES: &[u8; 200] =
        b"00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    // Callers pass 0..=99 (a year's halves, a month, a day, hours, minutes, seconds).
    let i = usize::try_from(n.clamp(0, 99)).unwrap_or(0) * 2;
    &PAIRES[i..i + 2]
}

/// The proleptic Gregorian (year, month, day) of a day counted from 1970-01-01: Howard Hinnant's
/// `civil_from_days`, integer arithmetic on 400-year eras.
fn civil(jours: i64) -> (i64, i64, i64) {
    let z = jours + 719_468;
    let ere = z.div_euclid(146_097);
    let jour_de_l_ere = z.rem_euclid(146_097);
    let annee_de_l_ere =
        (jour_de_l_ere - jour_de_l_ere / 1_460 + jour_de_l_ere / 36_524 - jour_de_l_ere / 146_096) / 365;
    let jour_de_l_annee = jour_de_l_ere - (365 * annee_de_l_ere + annee_de_l_ere / 4 - annee_de_l_ere / 100);
    let m = (5 * jour_de_l_annee + 2) / 153;
    let jour = jour_de_l_annee - (153 * m + 2) / 5 + 1;
    let mois = if m < 10 { m + 3 } else { m - 9 };
    let annee = annee_de_l_ere + ere * 400 + i64::from(mois <= 2);
    (annee, mois, jour)
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
        meta_200::<T>()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// A `200 application/json` answer documented as `T`, whose body was written by hand (the free
/// créneaux: [`super::praticiens::ecrire_creneaux`]). The writer's test compares its bytes with `T`'s
/// poem-openapi form.
#[derive(Debug, Clone)]
pub struct JsonEcrit<T> {
    corps: Vec<u8>,
    schema: PhantomData<fn() -> T>,
}

impl<T> JsonEcrit<T> {
    /// A body already written as `T`'s JSON.
    pub fn new(corps: Vec<u8>) -> Self {
        Self {
            corps,
            schema: PhantomData,
        }
    }
}

impl<T: Type> Payload for JsonEcrit<T> {
    const CONTENT_TYPE: &'static str = JSON;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> IntoResponse for JsonEcrit<T> {
    fn into_response(self) -> Response {
        Response::builder().content_type(JSON).body(self.corps)
    }
}

impl<T: Type + Send> ApiResponse for JsonEcrit<T> {
    fn meta() -> MetaResponses {
        meta_200::<T>()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// The one `200 application/json` response of `T`, as both payloads document it.
fn meta_200<T: Type>() -> MetaResponses {
    MetaResponses {
        responses: vec![MetaResponse {
            description: "",
            status: Some(200),
            status_range: None,
            content: vec![MetaMediaType {
                content_type: JSON,
                schema: T::schema_ref(),
            }],
            headers: vec![],
        }],
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};

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
        // Every 1 March and 28 February around leap and century years, and a day a week over 2 000 years.
        for annee in [1600, 1700, 1900, 1999, 2000, 2024, 2100, 2400] {
            cas.push(Utc.with_ymd_and_hms(annee, 2, 28, 23, 59, 59).unwrap());
            cas.push(Utc.with_ymd_and_hms(annee, 3, 1, 0, 0, 0).unwrap());
        }
        let mut t = Utc.with_ymd_and_hms(1000, 1, 1, 12, 34, 56).unwrap();
        while t.year() < 3000 {
            cas.push(t);
            t += Duration::days(7) + Duration::seconds(3_601);
        }
        // Alone, and in turn through one writer that remembers the last date.
        let mut horodateur = super::Horodateur::default();
        for instant in cas {
            let mut ecrit = Vec::new();
            super::Horodateur::default().ecrire(&mut ecrit, &instant);
            assert_eq!(String::from_utf8(ecrit).unwrap(), instant.to_rfc3339());
            let mut ecrit = Vec::new();
            horodateur.ecrire(&mut ecrit, &instant);
            assert_eq!(String::from_utf8(ecrit).unwrap(), instant.to_rfc3339());
        }
    }
}

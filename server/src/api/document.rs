//! The OpenAPI document as served: poem-openapi's, completed with what its derive leaves unsaid, and
//! the `Allow` header of a 405, taken from the same document.
//!
//! poem-openapi names unsigned integers `uint16`, `uint32`… (formats no client knows) with no bounds,
//! names dates `naive-date` rather than OpenAPI's `date`, and does not say that an object declared
//! `deny_unknown_fields` refuses other properties, nor the bounds of a header checked by hand. A client (or a fuzzer) reading the document would
//! send `-1`, any string for a date, or extra fields, all schema-valid, all refused with 400. The
//! server's behaviour is right; the document is completed here so that it says so.

use std::sync::Arc;

use poem::http::header::ALLOW;
use poem::http::{HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse as _, Request, Response};
use serde_json::{Value, json};

use super::rdvs::CLE_IDEMPOTENCE_LONGUEUR_MAX;

/// The request bodies declared `#[oai(deny_unknown_fields)]`: their schema says
/// `additionalProperties: false`.
const OBJETS_FERMES: &[&str] = &["ModificationDossier", "MedecinTraitantDto"];

/// The document `spec` (poem-openapi's JSON) completed; unchanged if it does not parse.
pub fn completer(spec: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    completer_schemas(&mut doc);
    borner_cles_idempotence(&mut doc);
    fermer_formulaires(&mut doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for nom in OBJETS_FERMES {
            if let Some(Value::Object(schema)) = schemas.get_mut(*nom) {
                schema.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
        }
    }
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| spec.to_owned())
}

/// Every schema in `valeur`, at any depth: unsigned integers get their bounds, dates OpenAPI's format.
fn completer_schemas(valeur: &mut Value) {
    match valeur {
        Value::Object(objet) => {
            let borne_max = match objet.get("format").and_then(Value::as_str) {
                Some("uint8") => Some(json!(u8::MAX)),
                Some("uint16") => Some(json!(u16::MAX)),
                Some("uint32") => Some(json!(u32::MAX)),
                Some("uint64") => Some(json!(u64::MAX)),
                _ => None,
            };
            if let Some(max) = borne_max
                && objet.get("type").and_then(Value::as_str) == Some("integer")
            {
                objet.entry("minimum").or_insert(json!(0));
                objet.entry("maximum").or_insert(max);
            }
            if objet.get("format").and_then(Value::as_str) == Some("naive-date") {
                objet.insert("format".to_owned(), json!("date"));
            }
            objet.values_mut().for_each(completer_schemas);
        }
        Value::Array(elements) => elements.iter_mut().for_each(completer_schemas),
        _ => {}
    }
}

/// The multipart bodies (the one upload, `documents.rs`): a part of another name is refused with 400.
fn fermer_formulaires(doc: &mut Value) {
    let Some(chemins) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let formulaires = chemins
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|operations| operations.values_mut())
        .filter_map(|operation| operation.pointer_mut("/requestBody/content/multipart~1form-data/schema"));
    for formulaire in formulaires {
        if let Value::Object(schema) = formulaire {
            schema.insert("additionalProperties".to_owned(), Value::Bool(false));
        }
    }
}

/// The `Idempotency-Key` headers: their length, as `cle_valide` checks it (with its own `code`, hence
/// not a poem-openapi validator, whose refusal would be a bare `requete_invalide`).
fn borner_cles_idempotence(doc: &mut Value) {
    let Some(chemins) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let parametres = chemins
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|operations| operations.values_mut())
        .filter_map(|operation| operation.get_mut("parameters")?.as_array_mut())
        .flatten();
    for parametre in parametres {
        if parametre.get("name").and_then(Value::as_str) == Some("Idempotency-Key")
            && let Some(Value::Object(schema)) = parametre.get_mut("schema")
        {
            schema.insert("minLength".to_owned(), json!(1));
            schema.insert("maxLength".to_owned(), json!(CLE_IDEMPOTENCE_LONGUEUR_MAX));
        }
    }
}

/// The methods of each path template of the document, for the `Allow` header of a 405 (RFC 9110
/// §15.5.6: a 405 lists the methods the resource supports).
#[derive(Debug, Default)]
pub struct Methodes(crate::gabarits::Gabarits<HeaderValue>);

impl Methodes {
    /// From the document's `paths`.
    pub fn depuis(spec: &str) -> Self {
        let doc = serde_json::from_str::<Value>(spec).unwrap_or(Value::Null);
        let Some(chemins) = doc.get("paths").and_then(Value::as_object) else {
            return Self::default();
        };
        Self(crate::gabarits::Gabarits::depuis(chemins.iter().filter_map(
            |(chemin, operations)| {
                let mut methodes: Vec<String> = operations
                    .as_object()?
                    .keys()
                    .filter_map(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
                    .map(|m| m.to_string())
                    .collect();
                // poem answers HEAD wherever it answers GET.
                if methodes.iter().any(|m| m == "GET") {
                    methodes.push("HEAD".to_owned());
                }
                methodes.sort();
                let allow = HeaderValue::from_str(&methodes.join(", ")).ok()?;
                Some((chemin.clone(), allow))
            },
        )))
    }

    /// The `Allow` value of the template `chemin` matches.
    fn allow(&self, chemin: &str) -> Option<&HeaderValue> {
        self.0.trouver(chemin)
    }
}

/// Around the whole application: a 405 gets the `Allow` header of its path.
pub async fn annoncer_methodes<E: Endpoint>(
    ep: Arc<E>,
    methodes: Arc<Methodes>,
    req: Request,
) -> poem::Result<Response> {
    let allow = methodes.allow(req.uri().path()).cloned();
    let mut reponse = ep
        .call(req)
        .await
        .map(|r| r.into_response())
        .unwrap_or_else(|e| e.into_response());
    if reponse.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = allow
    {
        reponse.headers_mut().insert(ALLOW, allow);
    }
    Ok(reponse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_integers_get_their_bounds_and_dates_their_format() {
        let spec = r#"{"components":{"schemas":{
            "A":{"type":"object","properties":{
                "n":{"type":"integer","format":"uint16"},
                "d":{"type":"string","format":"naive-date"}}},
            "ModificationDossier":{"type":"object","properties":{}}}}}"#;
        let doc: Value = serde_json::from_str(&completer(spec)).unwrap();
        let n = &doc["components"]["schemas"]["A"]["properties"]["n"];
        assert_eq!((&n["minimum"], &n["maximum"]), (&json!(0), &json!(65535)));
        assert_eq!(
            doc["components"]["schemas"]["A"]["properties"]["d"]["format"],
            "date"
        );
        assert_eq!(
            doc["components"]["schemas"]["ModificationDossier"]["additionalProperties"],
            false
        );
    }

    #[test]
    fn a_path_gets_the_methods_of_its_most_literal_template() {
        let methodes = Methodes::depuis(
            r#"{"paths":{"/me/totp":{"post":{},"delete":{}},"/me/{x}":{"get":{}},"/rdvs/{id}":{"get":{},"patch":{}}}}"#,
        );
        let allow = |chemin| {
            methodes
                .allow(chemin)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(allow("/me/totp").as_deref(), Some("DELETE, POST"));
        assert_eq!(allow("/rdvs/42").as_deref(), Some("GET, HEAD, PATCH"));
        assert_eq!(allow("/rdvs/"), None);
        assert_eq!(allow("/inconnu"), None);
    }
}

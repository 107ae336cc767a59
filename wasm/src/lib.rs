//! The domain rules for JavaScript: a thin skin over the `domain` crate.
//!
//! DTOs cross the boundary through `serde_wasm_bindgen` in the same JSON shapes as the HTTP API (an
//! agenda is a `/praticiens/{id}/calendrier` answer), so a front-end computes créneaux and checks a
//! booking offline with the server's exact answers. Every domain error reaches JavaScript as an
//! `Error` whose `code` property is the API's machine-readable code.

use chrono::{DateTime, Utc};
use domain::Code;
use domain::disponibilite::{Agenda, Recherche, creneaux_libres};
use domain::identifiants::{Email, Nir, Rpps, Telephone};
use domain::reservation::{Reservation, SituationPatient, valider_reservation};
use domain::temps::Creneau;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A JavaScript `Error` carrying the domain's `code`.
fn erreur(code: &str, message: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&e, &JsValue::from_str("code"), &JsValue::from_str(code));
    e.into()
}

fn refus<E: Code + std::fmt::Display>(e: E) -> JsValue {
    erreur(e.code(), &e.to_string())
}

fn lire<T: serde::de::DeserializeOwned>(valeur: JsValue, quoi: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(valeur).map_err(|e| erreur("entree_invalide", &format!("{quoi} : {e}")))
}

fn ecrire<T: Serialize>(valeur: &T) -> Result<JsValue, JsValue> {
    valeur
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| erreur("sortie_invalide", &e.to_string()))
}

fn instant(s: &str) -> Result<DateTime<Utc>, JsValue> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            erreur(
                "date_invalide",
                &format!("{s:?} n'est pas une date RFC 3339 : {e}"),
            )
        })
}

/// Free créneaux of `agenda` (a `/calendrier` answer) with start in `[debut, fin)`, as the server
/// computes them at `now`.
#[wasm_bindgen(js_name = creneauxLibres)]
pub fn creneaux_libres_js(
    agenda: JsValue,
    debut: &str,
    fin: &str,
    recherche: JsValue,
    now: &str,
) -> Result<JsValue, JsValue> {
    let agenda: Agenda = lire(agenda, "agenda")?;
    let recherche: Recherche = if recherche.is_undefined() || recherche.is_null() {
        Recherche::default()
    } else {
        lire(recherche, "recherche")?
    };
    let fenetre = Creneau::new(instant(debut)?, instant(fin)?).map_err(refus)?;
    let libres = creneaux_libres(&agenda, fenetre, &recherche, instant(now)?).map_err(refus)?;
    ecrire(&libres)
}

/// The server's verdict on a booking: the créneau to record, or an `Error` with the refusal's `code`.
#[wasm_bindgen(js_name = validerReservation)]
pub fn valider_reservation_js(
    agenda: JsValue,
    demande: JsValue,
    patient: JsValue,
    now: &str,
) -> Result<JsValue, JsValue> {
    let agenda: Agenda = lire(agenda, "agenda")?;
    let demande: Reservation = lire(demande, "demande")?;
    let patient: SituationPatient = lire(patient, "patient")?;
    ecrire(&valider_reservation(&agenda, &demande, &patient, instant(now)?).map_err(refus)?)
}

/// The normalised RPPS, or an `Error` with code `rpps_invalide`.
#[wasm_bindgen(js_name = verifierRpps)]
pub fn verifier_rpps(rpps: &str) -> Result<String, JsValue> {
    Rpps::parse(rpps).map(|r| r.as_str().to_owned()).map_err(refus)
}

/// The normalised NIR, or an `Error` with code `nir_invalide`.
#[wasm_bindgen(js_name = verifierNir)]
pub fn verifier_nir(nir: &str) -> Result<String, JsValue> {
    Nir::parse(nir).map(|n| n.as_str().to_owned()).map_err(refus)
}

/// The phone number in E.164, or an `Error` with code `telephone_invalide`.
#[wasm_bindgen(js_name = verifierTelephone)]
pub fn verifier_telephone(telephone: &str) -> Result<String, JsValue> {
    Telephone::parse(telephone)
        .map(|t| t.as_str().to_owned())
        .map_err(refus)
}

/// The normalised email, or an `Error` with code `email_invalide`.
#[wasm_bindgen(js_name = verifierEmail)]
pub fn verifier_email(email: &str) -> Result<String, JsValue> {
    Email::parse(email).map(|e| e.as_str().to_owned()).map_err(refus)
}

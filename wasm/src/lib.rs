//! The domain rules for JavaScript: a thin skin over the `domain` crate.
//!
//! DTOs cross the boundary through `serde_wasm_bindgen` in the same JSON shapes as the HTTP API (an
//! agenda is a `/praticiens/{id}/calendrier` answer), so a front-end computes créneaux, checks a
//! booking and weighs a cancellation offline with the server's exact answers. Every domain error
//! reaches JavaScript as an `Error` whose `code` property is the API's machine-readable code. The
//! TypeScript shapes below ([`TYPES`]) are written by hand beside the functions: keep them in step with
//! the serde shapes (the parity test in `wasm/tests/parite.mjs` feeds them every variant).

use chrono::{DateTime, Utc};
use domain::Code;
use domain::annulation::{Auteur, decider_annulation};
use domain::disponibilite::{Agenda, Recherche, creneaux_libres};
use domain::identifiants::{Email, Nir, Rpps, Telephone};
use domain::reglages::Reglages;
use domain::reservation::{Reservation, SituationPatient, valider_reservation};
use domain::statut::Statut;
use domain::temps::Creneau;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// The TypeScript shapes of every input and output, emitted into the package's `.d.ts`.
#[wasm_bindgen(typescript_custom_section)]
pub const TYPES: &'static str = r#"
/** An instant, RFC 3339 (`2026-03-29T07:30:00Z`; an offset such as `+02:00` is accepted on input). Outputs are UTC with `Z`. */
export type Instant = string;
/** A spécialité code of `GET /specialites`, e.g. `"medecine_generale"`. */
export type Specialite = string;
export type TypeConsultation = "presentiel" | "teleconsultation";
/** `hors_plateforme`: recorded by the praticien or personnel (no préavis, today's started créneaux kept). */
export type Origine = "plateforme" | "hors_plateforme";
export type Jour = "lundi" | "mardi" | "mercredi" | "jeudi" | "vendredi" | "samedi" | "dimanche";
export type Statut = "prevu" | "honore" | "non_honore" | "annule" | "annule_tardivement" | "paye" | "transmis";
/** Who cancels: the access rules have already said they may. */
export type Auteur = "patient" | "praticien" | "personnel";
export type PolitiqueAnnulationTardive = "signalee" | "refusee";

/** A half-open interval `[debut, fin)`, `fin` after `debut`. */
export interface Intervalle { debut: Instant; fin: Instant; }

/** A praticien's booking policy (`reglages` of a `/calendrier` answer); every field is required. */
export interface Reglages {
  patients_connus_uniquement: boolean;
  /** 0 to 168. A patient cancelling less than this before `debut` cancels late. */
  delai_annulation_heures: number;
  annulation_tardive: PolitiqueAnnulationTardive;
  /** 0 to 20 160. */
  preavis_minutes: number;
  /** 1 to 730. */
  horizon_jours: number;
  /** 0 to 168. */
  rappel_heures: number;
}

/** One weekly rule, in the wall-clock time of its structure's `fuseau`. */
export interface RegleHoraire {
  jour: Jour;
  /** `HH:MM`. */
  debut: string;
  /** `HH:MM`, exclusive, the same day. */
  fin: string;
  structure_id: string;
  types: TypeConsultation[];
  specialites?: Specialite[];
  /** `YYYY-MM-DD`, first day in force. */
  valable_du?: string;
  /** `YYYY-MM-DD`, last day in force. */
  valable_au?: string;
}

/**
 * A `GET /praticiens/{id}/calendrier?debut=&fin=` answer, as is. Time zones: the package knows France's
 * (Europe/Paris and the overseas ones) and UTC; another `fuseau` is refused with code `entree_invalide`.
 */
export interface Calendrier {
  specialites: Specialite[];
  lieux: { structure_id: string; fuseau: string }[];
  horaires?: RegleHoraire[];
  durees?: { specialite: Specialite; type: TypeConsultation; duree_minutes: number }[];
  motifs?: { code: string; libelle: string; specialite: Specialite; duree_minutes?: number | null }[];
  reglages?: Reglages;
  indisponibilites?: Intervalle[];
  occupes?: Intervalle[];
}

/** What créneaux are asked for, as `/disponibilites`' query (which always searches `plateforme`). */
export interface Recherche {
  /** Default: the motif's, else the praticien's first. */
  specialite?: Specialite | null;
  /** Default `presentiel`. */
  type?: TypeConsultation;
  motif?: string | null;
  /** Default `plateforme`. */
  origine?: Origine;
}

/** A free créneau, as in `/disponibilites`' `items`. */
export interface CreneauLibre {
  debut: Instant;
  fin: Instant;
  specialite: Specialite;
  type: TypeConsultation;
  structure_id: string;
}

/** A booking request, as `POST /rdvs` takes it (without the praticien, which the calendrier is). */
export interface Reservation {
  specialite: Specialite;
  type: TypeConsultation;
  debut: Instant;
  motif?: string | null;
  origine?: Origine;
}

/** What the booking rules need of the patient. */
export interface SituationPatient {
  /** In the praticien's patientèle. */
  connu: boolean;
  /** The patient's rdvs holding a créneau, with any praticien. */
  rdvs?: Intervalle[];
}

/** The rdv to cancel: a `GET /rdvs/{id}` answer fits as is (other fields are ignored). */
export interface RdvAAnnuler { debut: Instant; statut: Statut; }

/** What `POST /rdvs/{id}/annulation` sent at `now` will do. */
export interface EvaluationAnnulation {
  /** `annule`: in time, or by the praticien / personnel. `annule_tardivement`: late, recorded (policy `signalee`). */
  statut: "annule" | "annule_tardivement";
  /** `debut` − `delai_annulation_heures`: until this instant a patient cancels in time. */
  limite: Instant;
}

/**
 * What every function throws on refusal: a JavaScript `Error` whose `code` is the HTTP API's
 * problem+json `code` (e.g. `creneau_indisponible`), and `message` a French sentence.
 * `entree_invalide`: an argument does not have its documented shape; `date_invalide`: not RFC 3339.
 */
export interface ErreurDomaine extends Error { code: string; }
"#;

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

/// The free créneaux whose start is in `[debut, fin)` (31 days at most), sorted by start: exactly
/// what `GET /praticiens/{id}/disponibilites` answers at `now`.
///
/// @throws {ErreurDomaine} `fenetre_trop_longue`, `specialite_inconnue`, `motif_inconnu`,
/// `creneau_invalide` (`fin` not after `debut`), `agenda_incoherent`, `entree_invalide`, `date_invalide`.
#[wasm_bindgen(js_name = creneauxLibres, unchecked_return_type = "CreneauLibre[]")]
pub fn creneaux_libres_js(
    #[wasm_bindgen(unchecked_param_type = "Calendrier")] agenda: JsValue,
    debut: &str,
    fin: &str,
    #[wasm_bindgen(unchecked_param_type = "Recherche | null | undefined")] recherche: JsValue,
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

#[cfg(feature = "bench")]
#[wasm_bindgen]
extern "C" {
    /// The host's monotonic clock, in milliseconds (node and browsers have `performance`).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn maintenant_ms() -> f64;
}

/// Mean milliseconds of each phase of `creneauxLibres` over `iterations` runs: reading the calendrier
/// (`entree`), the rules (`calcul`), writing the créneaux (`sortie`). For BENCHMARKS.md only.
#[cfg(feature = "bench")]
#[wasm_bindgen(js_name = decomposerCreneauxLibres)]
pub fn decomposer_creneaux_libres(
    agenda: JsValue,
    debut: &str,
    fin: &str,
    now: &str,
    iterations: u32,
) -> Result<JsValue, JsValue> {
    let n = f64::from(iterations.max(1));
    let fenetre = Creneau::new(instant(debut)?, instant(fin)?).map_err(refus)?;
    let now = instant(now)?;
    let t0 = maintenant_ms();
    let mut lu: Agenda = lire(agenda.clone(), "agenda")?;
    for _ in 1..iterations {
        lu = lire(agenda.clone(), "agenda")?;
    }
    let t1 = maintenant_ms();
    let mut libres = Vec::new();
    for _ in 0..iterations {
        libres = creneaux_libres(&lu, fenetre, &Recherche::default(), now).map_err(refus)?;
    }
    let t2 = maintenant_ms();
    for _ in 0..iterations {
        ecrire(&libres)?;
    }
    let t3 = maintenant_ms();
    // The same through JSON text: JSON.stringify / JSON.parse on the JS side, serde_json in wasm.
    let texte = |e: serde_json::Error| erreur("entree_invalide", &e.to_string());
    for _ in 0..iterations {
        let json = js_sys::JSON::stringify(&agenda)?;
        std::hint::black_box(serde_json::from_str::<Agenda>(&String::from(json)).map_err(texte)?);
    }
    let t4 = maintenant_ms();
    for _ in 0..iterations {
        js_sys::JSON::parse(&serde_json::to_string(&libres).map_err(texte)?)?;
    }
    let t5 = maintenant_ms();
    #[derive(Serialize)]
    struct Phases {
        entree: f64,
        calcul: f64,
        sortie: f64,
        entree_json: f64,
        sortie_json: f64,
        creneaux: usize,
    }
    ecrire(&Phases {
        entree: (t1 - t0) / n,
        calcul: (t2 - t1) / n,
        sortie: (t3 - t2) / n,
        entree_json: (t4 - t3) / n,
        sortie_json: (t5 - t4) / n,
        creneaux: libres.len(),
    })
}

/// The server's verdict on booking `demande` at `now`: the créneau it would record (end and
/// structure included).
///
/// @throws {ErreurDomaine} the first rule that fails, as `POST /rdvs` would say it:
/// `specialite_inconnue`, `motif_inconnu`, `patient_inconnu`, `type_non_propose`, `hors_delai`,
/// `creneau_indisponible`, `patient_deja_pris`; or `entree_invalide`, `date_invalide`.
#[wasm_bindgen(js_name = validerReservation, unchecked_return_type = "CreneauLibre")]
pub fn valider_reservation_js(
    #[wasm_bindgen(unchecked_param_type = "Calendrier")] agenda: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Reservation")] demande: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SituationPatient")] patient: JsValue,
    now: &str,
) -> Result<JsValue, JsValue> {
    let agenda: Agenda = lire(agenda, "agenda")?;
    let demande: Reservation = lire(demande, "demande")?;
    let patient: SituationPatient = lire(patient, "patient")?;
    ecrire(&valider_reservation(&agenda, &demande, &patient, instant(now)?).map_err(refus)?)
}

/// The part of a rdv (a `/rdvs/{id}` answer fits as is) a cancellation depends on.
#[derive(Debug, Deserialize)]
struct RdvAAnnuler {
    debut: DateTime<Utc>,
    statut: Statut,
}

/// What a cancellation sent now will do: the rdv's new statut, and until when a patient cancels in time.
#[derive(Debug, Serialize)]
struct EvaluationAnnulation {
    statut: Statut,
    limite: DateTime<Utc>,
}

/// What cancelling `rdv` by `auteur` at `now` will do under the 24-hour rule, before sending it: the
/// same decision `POST /rdvs/{id}/annulation` takes. `reglages` is the praticien's (a `/calendrier`
/// answer's `reglages`).
///
/// A patient at least `delai_annulation_heures` before `debut` gets `annule`; later, policy `signalee`
/// gives `annule_tardivement` and `refusee` throws `annulation_tardive_refusee` (the patient must call
/// the structure). The praticien and personnel always get `annule`.
///
/// @throws {ErreurDomaine} `annulation_tardive_refusee`; `rdv_commence` (a patient, at or after
/// `debut`); `transition_invalide` (the rdv is not `prevu`); `entree_invalide` (a `rdv`, `auteur` or
/// `reglages` of another shape, or a réglage out of its bounds); `date_invalide`.
#[wasm_bindgen(js_name = evaluerAnnulation, unchecked_return_type = "EvaluationAnnulation")]
pub fn evaluer_annulation(
    #[wasm_bindgen(unchecked_param_type = "RdvAAnnuler")] rdv: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Auteur")] auteur: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Reglages")] reglages: JsValue,
    now: &str,
) -> Result<JsValue, JsValue> {
    let rdv: RdvAAnnuler = lire(rdv, "rdv")?;
    let auteur: Auteur = lire(auteur, "auteur")?;
    let reglages: Reglages = lire(reglages, "reglages")?;
    let statut =
        decider_annulation(rdv.statut, rdv.debut, auteur, &reglages, instant(now)?).map_err(refus)?;
    ecrire(&EvaluationAnnulation {
        statut,
        limite: rdv.debut - reglages.delai_annulation(),
    })
}

/// The normalised RPPS (white space removed).
///
/// @throws {ErreurDomaine} `rpps_invalide`.
#[wasm_bindgen(js_name = verifierRpps)]
pub fn verifier_rpps(rpps: &str) -> Result<String, JsValue> {
    Rpps::parse(rpps).map(|r| r.as_str().to_owned()).map_err(refus)
}

/// The normalised NIR (numéro de sécurité sociale).
///
/// @throws {ErreurDomaine} `nir_invalide`.
#[wasm_bindgen(js_name = verifierNir)]
pub fn verifier_nir(nir: &str) -> Result<String, JsValue> {
    Nir::parse(nir).map(|n| n.as_str().to_owned()).map_err(refus)
}

/// The phone number in E.164 (`+33…`).
///
/// @throws {ErreurDomaine} `telephone_invalide`.
#[wasm_bindgen(js_name = verifierTelephone)]
pub fn verifier_telephone(telephone: &str) -> Result<String, JsValue> {
    Telephone::parse(telephone)
        .map(|t| t.as_str().to_owned())
        .map_err(refus)
}

/// The normalised email.
///
/// @throws {ErreurDomaine} `email_invalide`.
#[wasm_bindgen(js_name = verifierEmail)]
pub fn verifier_email(email: &str) -> Result<String, JsValue> {
    Email::parse(email).map(|e| e.as_str().to_owned()).map_err(refus)
}

//! Bad input (API.md, "Conventions"): each gets the 4xx that says what is wrong, as a problem+json with
//! its `code`, never a 500, and leaves the store as it was.

use e2e::{Body, Patient, Praticien, TestApp, UtcTime, booking, instant, string};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

/// A UUID no resource has.
const INCONNU: &str = "01900000-0000-7000-8000-000000000000";

/// JSON bodies larger than this are refused with 413.
const BODY_BYTES_MAX: usize = 64 * 1024;

/// One bad request, the statuses and codes it may get (any code when `codes` is empty).
struct Cas {
    nom: &'static str,
    requete: RequestBuilder,
    statuts: &'static [u16],
    codes: &'static [&'static str],
}

/// What the bad requests must not change: the patient's rdvs and the praticien's free créneaux.
async fn etat(app: &TestApp, patient: &Patient, praticien: &Praticien, fenetre: (UtcTime, UtcTime)) -> Value {
    json!({
        "rdvs": app.rdvs_a_venir(patient.token(), &patient.id).await,
        "disponibilites": app.disponibilites(&praticien.id, fenetre.0, fenetre.1).await,
    })
}

#[tokio::test]
async fn bad_input_gets_a_problem_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Lyon").await;
    let praticien = app.create_praticien(&admin, &structure, json!({})).await;
    let patient = app.register_patient().await;
    let now = UtcTime::now();
    let fenetre = (now.plus_days(2), now.plus_days(9));
    let libres = app.disponibilites(&praticien.id, fenetre.0, fenetre.1).await;
    assert!(libres.len() >= 2, "{libres:?}");
    // One rdv already booked, so that the requests aimed at it have something to spoil.
    let rdv = app
        .book(patient.token(), &praticien.id, &libres[0])
        .await
        .assert_status(201);
    let rdv_id = string(&rdv, "id");
    let libre = &libres[1];
    let hors_grille = instant(libre, "debut").plus_minutes(10).to_string();

    let token = patient.token();
    let post = |path: &str, body: Value| app.request(Method::POST, path, token, Body::Json(body));
    let raw = |method: Method, path: &str, bytes: Vec<u8>| {
        let body = Body::Raw {
            content_type: "application/json",
            bytes,
        };
        app.request(method, path, token, body)
    };
    let get = |path: String| app.request(Method::GET, &path, token, Body::Empty);
    let reservation = |modifier: &dyn Fn(&mut Value)| {
        let mut body = booking(&praticien.id, libre);
        modifier(&mut body);
        body
    };
    let disponibilites = |id: &str, debut: &str, fin: &str| {
        get(format!("/praticiens/{id}/disponibilites?debut={debut}&fin={fin}"))
    };
    let mut trop_gros = reservation(&|_| {});
    trop_gros["motif"] = Value::from("a".repeat(BODY_BYTES_MAX + 1024));
    let trop_gros = serde_json::to_vec(&trop_gros).expect("JSON");
    let mut inscription_trop_grosse = TestApp::registration("gros@e2e.toubeelib.fr");
    inscription_trop_grosse["nom"] = Value::from("a".repeat(BODY_BYTES_MAX + 1024));
    let inscription_trop_grosse = serde_json::to_vec(&inscription_trop_grosse).expect("JSON");
    let (debut, fin) = (fenetre.0.to_string(), fenetre.1.to_string());
    let trop_loin = fenetre.0.plus_days(32).to_string();

    let cas = vec![
        Cas {
            nom: "malformed JSON",
            requete: raw(Method::POST, "/rdvs", br#"{"praticien_id": ""#.to_vec()),
            statuts: &[400],
            codes: &[],
        },
        Cas {
            nom: "wrong JSON types",
            requete: post(
                "/rdvs",
                json!({ "praticien_id": 42, "specialite": true, "type": [], "debut": 7 }),
            ),
            statuts: &[400, 422],
            codes: &[],
        },
        Cas {
            nom: "missing fields",
            requete: post("/rdvs", json!({ "praticien_id": praticien.id })),
            statuts: &[400, 422],
            codes: &[],
        },
        Cas {
            nom: "unknown type de consultation",
            requete: post("/rdvs", reservation(&|b| b["type"] = json!("visio"))),
            statuts: &[400, 422],
            codes: &[],
        },
        Cas {
            nom: "unknown praticien in a booking",
            requete: post("/rdvs", reservation(&|b| b["praticien_id"] = json!(INCONNU))),
            statuts: &[404],
            codes: &[],
        },
        Cas {
            nom: "unknown praticien's profile",
            requete: get(format!("/praticiens/{INCONNU}")),
            statuts: &[404],
            codes: &[],
        },
        Cas {
            nom: "unknown praticien's disponibilités",
            requete: disponibilites(INCONNU, &debut, &fin),
            statuts: &[404],
            codes: &[],
        },
        Cas {
            nom: "unknown rdv",
            requete: get(format!("/rdvs/{INCONNU}")),
            statuts: &[404],
            codes: &[],
        },
        Cas {
            nom: "cancelling an unknown rdv",
            requete: post(&format!("/rdvs/{INCONNU}/annulation"), json!({})),
            statuts: &[404],
            codes: &[],
        },
        Cas {
            nom: "non-UUID rdv id",
            requete: get("/rdvs/pas-un-uuid".to_owned()),
            statuts: &[400, 404],
            codes: &[],
        },
        Cas {
            nom: "non-UUID praticien id",
            requete: disponibilites("pas-un-uuid", &debut, &fin),
            statuts: &[400, 404],
            codes: &[],
        },
        Cas {
            nom: "impossible date in a booking",
            requete: post(
                "/rdvs",
                reservation(&|b| b["debut"] = json!("2026-02-30T10:00:00Z")),
            ),
            statuts: &[400, 422],
            codes: &[],
        },
        Cas {
            nom: "impossible date in a window",
            requete: disponibilites(&praticien.id, "2026-02-30T10:00:00Z", "2026-03-02T10:00:00Z"),
            statuts: &[400, 422],
            codes: &[],
        },
        Cas {
            nom: "disponibilités window over 31 days",
            requete: disponibilites(&praticien.id, &debut, &trop_loin),
            statuts: &[422],
            codes: &["fenetre_trop_longue"],
        },
        Cas {
            nom: "calendrier window over 31 days",
            requete: get(format!(
                "/praticiens/{}/calendrier?debut={debut}&fin={trop_loin}",
                praticien.id
            )),
            statuts: &[422],
            codes: &["fenetre_trop_longue"],
        },
        Cas {
            nom: "booking body over 64 KiB",
            requete: raw(Method::POST, "/rdvs", trop_gros),
            statuts: &[413],
            codes: &[],
        },
        Cas {
            nom: "registration body over 64 KiB",
            requete: raw(Method::POST, "/auth/register", inscription_trop_grosse),
            statuts: &[413],
            codes: &[],
        },
        Cas {
            nom: "créneau off the slot grid",
            requete: post("/rdvs", reservation(&|b| b["debut"] = json!(hors_grille))),
            statuts: &[409],
            codes: &["creneau_indisponible"],
        },
        Cas {
            nom: "spécialité the praticien does not practise",
            requete: post("/rdvs", reservation(&|b| b["specialite"] = json!("cardiologie"))),
            statuts: &[409, 422],
            codes: &["specialite_inconnue"],
        },
        Cas {
            nom: "type the praticien does not offer",
            requete: post("/rdvs", reservation(&|b| b["type"] = json!("teleconsultation"))),
            statuts: &[409, 422],
            codes: &["type_non_propose", "creneau_indisponible"],
        },
        Cas {
            nom: "malformed JSON in a move",
            requete: raw(Method::PATCH, &format!("/rdvs/{rdv_id}"), b"{\"debut\":".to_vec()),
            statuts: &[400],
            codes: &[],
        },
        Cas {
            nom: "move off the slot grid",
            requete: app.request(
                Method::PATCH,
                &format!("/rdvs/{rdv_id}"),
                token,
                Body::Json(json!({ "debut": hors_grille })),
            ),
            statuts: &[409],
            codes: &["creneau_indisponible"],
        },
    ];

    let avant = etat(&app, &patient, &praticien, fenetre).await;
    for Cas {
        nom,
        requete,
        statuts,
        codes,
    } in cas
    {
        let reply = app.send(requete).await;
        assert_ne!(reply.status(), 500, "{nom}: {}", reply.text());
        // The case's name first, so a failed assertion below says which row of the table failed.
        eprintln!("case {nom:?}: {} {}", reply.status(), reply.text());
        reply.assert_problem_among(statuts, codes);
        let apres = etat(&app, &patient, &praticien, fenetre).await;
        assert_eq!(apres, avant, "{nom} changed the store");
    }
}

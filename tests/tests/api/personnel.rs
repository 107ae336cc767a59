//! Personnel médical (DOMAIN.md access table): books hors plateforme for the patients of its
//! praticiens, follows their rdvs, and reaches nothing of another praticien.

use e2e::{TestApp, UtcTime, access_token, string};
use serde_json::json;

#[tokio::test]
async fn personnel_books_hors_plateforme_for_its_praticien_and_nothing_else() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Nancy").await;
    let sien = app.create_praticien(&admin, &structure, json!({})).await;
    let autre = app.create_praticien(&admin, &structure, json!({})).await;
    let personnel = json!({
        "nom": "Thiébaut", "prenom": "Valérie", "email": "secretariat@e2e.toubeelib.fr",
        "password": "Secretariat-e2e-2026", "structure_id": structure, "praticiens": [sien.id],
    });
    app.post_json("/personnels", Some(&admin), &personnel)
        .await
        .assert_status(201);
    let jeton = access_token(
        &app.signin("secretariat@e2e.toubeelib.fr", "Secretariat-e2e-2026")
            .await
            .assert_status(200),
    );
    let patient = app.register_patient().await;
    let now = UtcTime::now();

    // Hors plateforme, for the patient, with its praticien: booked, and the patient sees it.
    let creneau = app
        .first_free_creneau(&sien.id, now.plus_days(2), now.plus_days(9))
        .await;
    let mut corps = e2e::booking(&sien.id, &creneau);
    corps["patient_id"] = json!(patient.id);
    corps["origine"] = json!("hors_plateforme");
    let rdv = app
        .post_json("/rdvs", Some(&jeton), &corps)
        .await
        .assert_status(201);
    assert_eq!(rdv["origine"], "hors_plateforme");
    assert!(
        rdv["links"]["statut"].is_string(),
        "personnel follows the statut: {rdv}"
    );
    let vus = app.rdvs_a_venir(patient.token(), &patient.id).await;
    assert_eq!(vus.len(), 1);

    // The other praticien: no booking, no reading of its patient's rdv.
    // A week later: the patient is busy at the first créneau.
    let creneau = app
        .first_free_creneau(&autre.id, now.plus_days(10), now.plus_days(17))
        .await;
    let mut corps = e2e::booking(&autre.id, &creneau);
    corps["patient_id"] = json!(patient.id);
    app.post_json("/rdvs", Some(&jeton), &corps)
        .await
        .assert_problem(403, "acces_refuse");
    let chez_l_autre = app
        .book(patient.token(), &autre.id, &creneau)
        .await
        .assert_status(201);
    app.get_as(&format!("/rdvs/{}", string(&chez_l_autre, "id")), Some(&jeton))
        .await
        .assert_problem(403, "acces_refuse");
    // Its list of the patient's rdvs holds only its praticien's.
    let liste = app
        .get_as(
            &format!("/patients/{}/rdvs?periode=a_venir", patient.id),
            Some(&jeton),
        )
        .await
        .assert_status(200);
    let items = liste["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{liste}");
    assert_eq!(items[0]["praticien_id"], sien.id.as_str());
}

#[tokio::test]
async fn cors_answers_preflight_only_for_configured_origins() {
    let ouvert = TestApp::builder()
        .env("TOUBEELIB_CORS_ORIGINS", "https://app.toubeelib.example")
        .spawn()
        .await;
    let preflight = |app: &TestApp, origine: &str| {
        app.client()
            .request(reqwest::Method::OPTIONS, app.url("/rdvs"))
            .header("Origin", origine)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
    };
    let reponse = preflight(&ouvert, "https://app.toubeelib.example")
        .await
        .expect("preflight");
    assert!(reponse.status().is_success(), "{}", reponse.status());
    assert_eq!(
        reponse.headers()["access-control-allow-origin"],
        "https://app.toubeelib.example"
    );
    let ailleurs = preflight(&ouvert, "https://evil.example")
        .await
        .expect("preflight");
    assert!(ailleurs.headers().get("access-control-allow-origin").is_none());

    let ferme = TestApp::spawn().await;
    let reponse = ferme.get("/specialites").await;
    assert!(reponse.headers().get("access-control-allow-origin").is_none());
    let reponse = preflight(&ferme, "https://app.toubeelib.example")
        .await
        .expect("preflight");
    assert!(reponse.headers().get("access-control-allow-origin").is_none());
}

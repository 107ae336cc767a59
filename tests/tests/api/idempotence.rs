//! Retried writes (API.md, "Conventions"): the same `Idempotency-Key` with the same body answers the
//! first answer again, with another body 422 `idempotency_key_reused`.

use e2e::{Body, TestApp, UtcTime, booking, string};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_retried_booking_with_its_key_books_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Metz").await;
    let praticien = app.create_praticien(&admin, &structure, json!({})).await;
    let patient = app.register_patient().await;
    let now = UtcTime::now();
    let libres = app
        .disponibilites(&praticien.id, now.plus_days(2), now.plus_days(9))
        .await;
    let corps = booking(&praticien.id, &libres[0]);
    let reserver = |corps: serde_json::Value| {
        let requete = app
            .request(Method::POST, "/rdvs", patient.token(), Body::Json(corps))
            .header("Idempotency-Key", "reservation-1");
        app.send(requete)
    };

    let premier = reserver(corps.clone()).await.assert_status(201);
    let second = reserver(corps).await.assert_status(201);

    assert_eq!(string(&premier, "id"), string(&second, "id"));
    assert_eq!(app.rdvs_a_venir(patient.token(), &patient.id).await.len(), 1);
    reserver(booking(&praticien.id, &libres[1]))
        .await
        .assert_problem(422, "idempotency_key_reused");
    assert_eq!(app.rdvs_a_venir(patient.token(), &patient.id).await.len(), 1);
}

#[tokio::test]
async fn a_retried_cancellation_with_its_key_answers_the_cancelled_rdv() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Metz").await;
    let praticien = app.create_praticien(&admin, &structure, json!({})).await;
    let patient = app.register_patient().await;
    let now = UtcTime::now();
    let creneau = app
        .first_free_creneau(&praticien.id, now.plus_days(3), now.plus_days(10))
        .await;
    let rdv = app
        .book(patient.token(), &praticien.id, &creneau)
        .await
        .assert_status(201);
    let chemin = format!("/rdvs/{}/annulation", string(&rdv, "id"));
    let annuler = |cle: &str| {
        let requete = app
            .request(Method::POST, &chemin, patient.token(), Body::Json(json!({})))
            .header("Idempotency-Key", cle);
        app.send(requete)
    };

    assert_eq!(
        annuler("annulation-1").await.assert_status(200)["statut"],
        "annule"
    );
    assert_eq!(
        annuler("annulation-1").await.assert_status(200)["statut"],
        "annule"
    );
    // Without the key, a second cancellation is a conflict with the state.
    annuler("annulation-2")
        .await
        .assert_problem(409, "transition_invalide");
}

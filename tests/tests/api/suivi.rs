//! The follow-up of a consultation (DOMAIN.md "Statut"): honoured once started, then paid, then
//! transmitted, by the praticien; every other transition refused; and a password change.

use e2e::{
    PATIENT_PASSWORD, PRATICIEN_PASSWORD, TestApp, UtcTime, access_token, horaires_chaque_jour, string,
};
use serde_json::json;

#[tokio::test]
async fn praticien_records_a_walk_in_then_honore_paye_transmis() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // A structure on UTC, so that the test knows the local slot grid: every half hour from 00:00.
    let structure = json!({
        "nom": "Centre de santé de garde", "type": "centre_de_sante", "adresse": "1 rue de la Gare",
        "code_postal": "54000", "ville": "Nancy", "telephone": "03 83 00 00 00", "fuseau": "Etc/UTC",
    });
    let structure = string(
        &app.post_json("/structures", Some(&admin), &structure)
            .await
            .assert_status(201),
        "id",
    );
    let horaires = horaires_chaque_jour(&structure, "00:00", "23:30");
    let praticien = app
        .create_praticien(&admin, &structure, json!({ "horaires": horaires }))
        .await;
    let medecin = access_token(
        &app.signin(&praticien.email, PRATICIEN_PASSWORD)
            .await
            .assert_status(200),
    );
    let patient = app.register_patient().await;

    // A rdv to come cannot be honoured yet.
    let now = UtcTime::now();
    let plus_tard = app
        .first_free_creneau(&praticien.id, now.plus_days(2), now.plus_days(3))
        .await;
    let a_venir = app
        .book(patient.token(), &praticien.id, &plus_tard)
        .await
        .assert_status(201);
    app.post_json(
        &format!("/rdvs/{}/statut", string(&a_venir, "id")),
        Some(&medecin),
        &json!({ "statut": "honore" }),
    )
    .await
    .assert_problem(409, "transition_invalide");

    // A walk-in recorded after the fact: the half hour that has started, today.
    let rdv = app.walk_in(&medecin, &praticien.id, &patient.id).await;
    let statut = format!("/rdvs/{}/statut", string(&rdv, "id"));

    app.post_json(&statut, patient.token(), &json!({ "statut": "honore" }))
        .await
        .assert_problem(403, "acces_refuse");
    assert_eq!(
        app.post_json(&statut, Some(&medecin), &json!({ "statut": "honore" }))
            .await
            .assert_status(200)["statut"],
        "honore"
    );
    app.post_json(&statut, Some(&medecin), &json!({ "statut": "paye" }))
        .await
        .assert_problem(422, "paiement_incomplet");
    let paye = app
        .post_json(
            &statut,
            Some(&medecin),
            &json!({ "statut": "paye", "montant": 3000, "mode": "carte" }),
        )
        .await
        .assert_status(200);
    assert_eq!(paye["paiement"]["montant_centimes"], 3000, "{paye}");
    let transmis = app
        .post_json(
            &statut,
            Some(&medecin),
            &json!({ "statut": "transmis", "organisme": "CPAM de Meurthe-et-Moselle" }),
        )
        .await
        .assert_status(200);
    assert_eq!(transmis["statut"], "transmis");
    let etapes: Vec<_> = transmis["historique"]
        .as_array()
        .expect("historique")
        .iter()
        .map(|e| e["statut"].clone())
        .collect();
    assert_eq!(
        etapes,
        [json!("prevu"), json!("honore"), json!("paye"), json!("transmis")]
    );
    app.post_json(&statut, Some(&medecin), &json!({ "statut": "honore" }))
        .await
        .assert_problem(409, "transition_invalide");
}

#[tokio::test]
async fn a_password_change_keeps_the_callers_session_and_revokes_the_others() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;
    let ailleurs = app
        .signin(&patient.email, PATIENT_PASSWORD)
        .await
        .assert_status(200);
    let nouveau = "Un-nouveau-mot-de-passe-2026";
    let corps = |ancien: &str| json!({ "ancien": ancien, "nouveau": nouveau, "refresh_token": patient.refresh_token });
    app.post_json(
        "/me/mot-de-passe",
        patient.token(),
        &corps("pas-le-bon-mot-de-passe"),
    )
    .await
    .assert_problem(422, "ancien_mot_de_passe_incorrect");
    app.post_json("/me/mot-de-passe", patient.token(), &corps(PATIENT_PASSWORD))
        .await
        .assert_status(204);

    let rafraichir = |jeton: String| json!({ "refresh_token": jeton });
    app.post_json(
        "/auth/refresh",
        None,
        &rafraichir(string(&ailleurs, "refresh_token")),
    )
    .await
    .assert_status(401);
    app.post_json("/auth/refresh", None, &rafraichir(patient.refresh_token.clone()))
        .await
        .assert_status(200);
    app.signin(&patient.email, PATIENT_PASSWORD)
        .await
        .assert_status(401);
    app.signin(&patient.email, nouveau).await.assert_status(200);
}

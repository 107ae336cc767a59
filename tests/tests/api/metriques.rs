//! `GET /metrics` (issue 10): Prometheus text behind its own token; requests counted by route
//! template (never a raw path or id), bookings, the outbox, failed sign-ins.

use e2e::{TestApp, UtcTime};

const JETON: &str = "e2e-metriques-jeton";

/// The value of the sample `serie` (its whole name and labels) in `texte`.
fn valeur(texte: &str, serie: &str) -> Option<f64> {
    e2e::metrique(texte, serie)
}

#[tokio::test]
async fn the_scrape_counts_routes_bookings_and_failures_by_template_behind_its_token() {
    let app = TestApp::builder()
        .env("TOUBEELIB_METRICS_TOKEN", JETON)
        .spawn()
        .await;
    let admin = app.admin_token().await;
    let praticien = app.cabinet_ouvert(&admin, "09:00", "12:00").await;
    let patient = app.register_patient().await;
    let now = UtcTime::now();
    let creneau = app
        .first_free_creneau(&praticien.id, now.plus_days(1), now.plus_days(8))
        .await;
    app.book(patient.token(), &praticien.id, &creneau)
        .await
        .assert_status(201);
    app.get_as(&format!("/praticiens/{}", praticien.id), None)
        .await
        .assert_status(200);
    app.signin(&patient.email, "pas-le-bon-mot-de-passe")
        .await
        .assert_status(401);
    app.get_as("/wp-admin/setup.php", None).await.assert_status(404);

    app.get_as("/metrics", None)
        .await
        .assert_problem(401, "non_authentifie");
    app.get_as("/metrics", Some("un-autre-jeton"))
        .await
        .assert_problem(401, "jeton_invalide");
    let scrape = app.get_as("/metrics", Some(JETON)).await;
    assert_eq!(scrape.status(), 200, "{}", scrape.text());
    assert_eq!(
        scrape.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let texte = scrape.text();
    for (serie, attendu) in [
        (
            r#"toubeelib_requetes_total{route="/rdvs",method="POST",status="201"}"#,
            1.0,
        ),
        (
            r#"toubeelib_requetes_total{route="/praticiens/{id}",method="GET",status="200"}"#,
            1.0,
        ),
        (
            r#"toubeelib_requetes_total{route="/auth/signin",method="POST",status="401"}"#,
            1.0,
        ),
        (
            r#"toubeelib_requetes_total{route="autre",method="GET",status="404"}"#,
            1.0,
        ),
        (
            r#"toubeelib_requete_duree_secondes_count{route="/rdvs",method="POST",status="201"}"#,
            1.0,
        ),
        ("toubeelib_reservations_total", 1.0),
        ("toubeelib_connexions_echouees_total", 1.0),
    ] {
        assert_eq!(valeur(texte, serie), Some(attendu), "{serie}\n{texte}");
    }
    assert!(valeur(texte, "toubeelib_outbox_en_attente").is_some(), "{texte}");
    assert!(!texte.contains(&praticien.id), "a raw id reached a label");
    assert!(!texte.contains("wp-admin"), "a raw path reached a label");
}

#[tokio::test]
async fn without_a_token_configured_there_is_no_metrics_endpoint() {
    let app = TestApp::spawn().await;
    app.get_as("/metrics", Some("n-importe-quoi"))
        .await
        .assert_problem(404, "introuvable");
}

//! Accounts: registration, token refresh with rotation and reuse detection, sign-out, and sign-in
//! throttling that does not reveal which emails exist.

use e2e::{PATIENT_PASSWORD, TestApp, string};
use serde_json::{Value, json};

/// Failed sign-ins of one email after which even the right password is refused for a while.
const FAILED_SIGNINS_MAX: usize = 5;

/// `POST /auth/refresh` with this refresh token.
async fn refresh(app: &TestApp, refresh_token: &str) -> e2e::Reply {
    app.post_json("/auth/refresh", None, &json!({ "refresh_token": refresh_token }))
        .await
}

/// Asserts a token answer: a bearer access token, a refresh token, a positive lifetime.
#[track_caller]
fn assert_tokens(tokens: &Value) {
    assert_eq!(tokens["token_type"], "Bearer", "{tokens}");
    assert!(!string(tokens, "access_token").is_empty(), "{tokens}");
    assert!(!string(tokens, "refresh_token").is_empty(), "{tokens}");
    assert!(tokens["expires_in"].as_u64().is_some_and(|s| s > 0), "{tokens}");
}

#[tokio::test]
async fn registration_returns_tokens_and_me_names_the_patient() {
    let app = TestApp::spawn().await;

    let tokens = app
        .post_json(
            "/auth/register",
            None,
            &TestApp::registration("camille.martin@e2e.toubeelib.fr"),
        )
        .await
        .assert_status(201);

    assert_tokens(&tokens);
    let me = app.me(&string(&tokens, "access_token")).await;
    assert_eq!(me["email"], "camille.martin@e2e.toubeelib.fr", "{me}");
    assert_eq!(me["role"], "patient", "{me}");
    assert!(me["id"].is_string(), "{me}");
    assert!(me["patient_id"].is_string(), "{me}");
    let signin = app
        .signin("camille.martin@e2e.toubeelib.fr", PATIENT_PASSWORD)
        .await
        .assert_status(200);
    assert_tokens(&signin);
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_its_whole_family() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;
    let r1 = patient.refresh_token.clone();

    let rotated = refresh(&app, &r1).await.assert_status(200);
    assert_tokens(&rotated);
    let r2 = string(&rotated, "refresh_token");
    assert_ne!(r2, r1, "refresh must rotate the refresh token");
    let me = app.me(&string(&rotated, "access_token")).await;
    assert_eq!(me["patient_id"], patient.id.as_str(), "{me}");

    // R1 again: a replay. It is refused, and so is R2, its successor in the same family.
    refresh(&app, &r1).await.assert_problem_among(&[401], &[]);
    refresh(&app, &r2).await.assert_problem_among(&[401], &[]);
}

#[tokio::test]
async fn signout_revokes_the_refresh_token() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;

    let reply = app
        .post_json(
            "/auth/signout",
            patient.token(),
            &json!({ "refresh_token": patient.refresh_token }),
        )
        .await;

    reply.assert_status(204);
    refresh(&app, &patient.refresh_token)
        .await
        .assert_problem_among(&[401], &[]);
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_email_with_429_and_retry_after() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;

    for attempt in 1..=FAILED_SIGNINS_MAX {
        let reply = app.signin(&patient.email, "pas-le-bon-mot-de-passe").await;
        assert_eq!(reply.status(), 401, "wrong password #{attempt}: {}", reply.text());
    }
    let reply = app.signin(&patient.email, &patient.password).await;

    reply.assert_problem_among(&[429], &[]);
    let retry_after = reply
        .header("retry-after")
        .unwrap_or_else(|| panic!("a 429 must say when to retry (Retry-After): {}", reply.text()));
    let secs: u64 = retry_after
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After is not a number of seconds: {retry_after:?}"));
    assert!(secs > 0, "Retry-After: {secs}");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_401() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;

    let wrong_password = app.signin(&patient.email, "pas-le-bon-mot-de-passe").await;
    let unknown_email = app
        .signin("personne@e2e.toubeelib.fr", "pas-le-bon-mot-de-passe")
        .await;

    let wrong_password = wrong_password.assert_problem_among(&[401], &[]);
    let unknown_email = unknown_email.assert_problem_among(&[401], &[]);
    // A per-request field (`instance`, a request id) may differ; what describes the failure may not.
    for field in ["type", "title", "status", "detail", "code"] {
        assert_eq!(
            wrong_password[field], unknown_email[field],
            "`{field}` tells an unknown email from a wrong password:\n{wrong_password}\n{unknown_email}"
        );
    }
    let keys = |problem: &Value| {
        problem
            .as_object()
            .map(|fields| fields.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(keys(&wrong_password), keys(&unknown_email));
}

/// Failures from one client address before it is locked (server: `ECHECS_MAX_PAR_ADRESSE`).
const FAILED_SIGNINS_PER_ADDRESS_MAX: usize = 20;

#[tokio::test]
async fn one_address_guessing_many_emails_is_locked_with_429_even_for_a_good_password() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;
    // Each email stays under its own limit; the address (127.0.0.1) reaches its own.
    for attempt in 1..=FAILED_SIGNINS_PER_ADDRESS_MAX {
        let email = format!("devine-{attempt}@e2e.toubeelib.fr");
        let reply = app.signin(&email, "pas-le-bon-mot-de-passe").await;
        assert_eq!(reply.status(), 401, "guess #{attempt}: {}", reply.text());
    }
    let reply = app.signin(&patient.email, &patient.password).await;
    reply.assert_problem_among(&[429], &[]);
    assert!(reply.header("retry-after").is_some(), "{}", reply.text());
}

/// The argon2id verifications the server ran so far, from `/metrics`.
async fn verifications(app: &TestApp) -> f64 {
    let scrape = app.get_as("/metrics", Some(JETON_METRIQUES)).await;
    assert_eq!(scrape.status(), 200, "{}", scrape.text());
    scrape
        .text()
        .lines()
        .find_map(|l| {
            l.strip_prefix("toubeelib_verifications_mot_de_passe_total ")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no verification counter in\n{}", scrape.text()))
}

/// The metrics token of [`an_unknown_email_costs_one_argon2id_verification_like_a_wrong_password`].
const JETON_METRIQUES: &str = "e2e-auth-metriques";

/// Enumeration by timing: an unknown email runs one argon2id verification (against a dummy hash),
/// exactly as a wrong password does, so both cost the same time by construction. Counted, not timed:
/// a timing assertion on two shared cores gave gaps of 4 to 21 % either way for the same work.
#[tokio::test]
async fn an_unknown_email_costs_one_argon2id_verification_like_a_wrong_password() {
    let app = TestApp::builder()
        .env("TOUBEELIB_METRICS_TOKEN", JETON_METRIQUES)
        .spawn()
        .await;
    let patient = app.register_patient().await;
    let avant = verifications(&app).await;
    app.signin(&patient.email, "pas-le-bon-mot-de-passe")
        .await
        .assert_status(401);
    let apres_mauvais = verifications(&app).await;
    app.signin("personne@e2e.toubeelib.fr", "pas-le-bon-mot-de-passe")
        .await
        .assert_status(401);
    let apres_inconnu = verifications(&app).await;
    assert_eq!(apres_mauvais - avant, 1.0, "a wrong password is one verification");
    assert_eq!(
        apres_inconnu - apres_mauvais,
        1.0,
        "an unknown email is one verification too"
    );
}

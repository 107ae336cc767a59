//! A sign-in flood (issue 9): argon2 work is bounded by its threads and a short queue, what overflows
//! is refused at once with 503 and `Retry-After`, the rest of the API answers meanwhile, and sign-in
//! works again once the flood has passed.

use e2e::{Reply, TestApp, metrique};
use serde_json::json;
use tokio::task::JoinSet;

const JETON: &str = "e2e-afflux-jeton";

#[tokio::test]
async fn a_sign_in_flood_is_refused_at_once_past_the_queue_and_the_api_keeps_answering() {
    let app = TestApp::builder()
        .env("TOUBEELIB_METRICS_TOKEN", JETON)
        .spawn()
        .await;
    let patient = app.register_patient().await;
    // Far more sign-ins at once than this machine's hashing threads and their queue (16 per core) hold.
    let coeurs = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let afflux = (coeurs * 17 * 4).max(200);
    let corps = json!({ "email": patient.email, "password": patient.password });
    let mut connexions = JoinSet::new();
    for i in 0..afflux {
        let requete = app.client().post(app.url("/auth/signin")).json(&corps);
        connexions.spawn(async move {
            let nom = format!("POST /auth/signin ({i})");
            match requete.send().await {
                Ok(reponse) => Ok(Reply::read(nom, reponse).await),
                Err(e) => Err(format!("{nom} failed: {e}")),
            }
        });
    }
    // While the flood is in, the rest of the API answers (its latency is measured in BENCHMARKS.md).
    app.get_as("/health", None).await.assert_status(200);

    let (mut acceptees, mut refusees) = (0u64, 0u64);
    while let Some(fini) = connexions.join_next().await {
        let reponse = match fini.expect("a sign-in task panicked") {
            Ok(reponse) => reponse,
            Err(e) => panic!("{e}\n--- server stderr ---\n{}", app.logs()),
        };
        match reponse.status() {
            200 => acceptees += 1,
            _ => {
                reponse.assert_problem(503, "service_sature");
                let attente: u64 = reponse
                    .header("retry-after")
                    .and_then(|v| v.parse().ok())
                    .expect("a 503 says when to retry");
                assert!(attente >= 1, "Retry-After: {attente}");
                refusees += 1;
            }
        }
    }
    assert!(refusees >= 1, "{afflux} sign-ins at once, none refused");
    assert!(acceptees >= 1, "{afflux} sign-ins at once, none accepted");

    // The flood has passed: the queue is empty again, and the same account signs in (no lockout: a
    // refused hash is not a failed password).
    app.signin(&patient.email, &patient.password)
        .await
        .assert_status(200);
    let scrape = app.get_as("/metrics", Some(JETON)).await;
    let texte = scrape.text();
    assert_eq!(
        metrique::<u64>(texte, "toubeelib_hachages_refuses_total"),
        Some(refusees),
        "{texte}"
    );
}

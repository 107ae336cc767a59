//! Who may see and do what (DOMAIN.md, "access rules"): a patient reaches only their own rdvs, and an
//! anonymous caller reaches no account data.

use e2e::{Patient, TestApp, UtcTime, booking, instant, string};
use serde_json::{Value, json};

/// A server, two patients, and a rdv of the first one with a praticien, two days or more ahead.
struct Scene {
    app: TestApp,
    proprietaire: Patient,
    autre: Patient,
    praticien_id: String,
    creneau: Value,
    rdv_id: String,
}

impl Scene {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.admin_token().await;
        let structure = app.create_structure(&admin, "Lyon").await;
        let praticien = app.create_praticien(&admin, &structure, json!({})).await;
        let proprietaire = app.register_patient().await;
        let autre = app.register_patient().await;
        let now = UtcTime::now();
        let creneau = app
            .first_free_creneau(&praticien.id, now.plus_days(2), now.plus_days(9))
            .await;
        let rdv = app
            .book(proprietaire.token(), &praticien.id, &creneau)
            .await
            .assert_status(201);
        Self {
            rdv_id: string(&rdv, "id"),
            app,
            proprietaire,
            autre,
            praticien_id: praticien.id,
            creneau,
        }
    }

    /// Asserts the rdv is still the owner's, `prevu`, on its créneau, which stays taken.
    async fn assert_rdv_untouched(&self) {
        let rdv = self
            .app
            .get_as(&format!("/rdvs/{}", self.rdv_id), self.proprietaire.token())
            .await
            .assert_status(200);
        assert_eq!(rdv["statut"], "prevu", "{rdv}");
        assert_eq!(rdv["patient_id"], self.proprietaire.id.as_str(), "{rdv}");
        assert_eq!(instant(&rdv, "debut"), instant(&self.creneau, "debut"), "{rdv}");
        let debut = instant(&self.creneau, "debut");
        let libres = self
            .app
            .disponibilites(&self.praticien_id, debut, debut.plus_minutes(30))
            .await;
        assert!(libres.is_empty(), "the créneau was freed: {libres:?}");
    }
}

#[tokio::test]
async fn patient_cannot_read_another_patients_rdv() {
    let scene = Scene::new().await;

    let reply = scene
        .app
        .get_as(&format!("/rdvs/{}", scene.rdv_id), scene.autre.token())
        .await;

    let problem = reply.assert_problem(403, "acces_refuse");
    assert!(
        !problem.to_string().contains(&scene.proprietaire.id),
        "the refusal leaks the owner: {problem}"
    );
}

#[tokio::test]
async fn patient_cannot_cancel_another_patients_rdv() {
    let scene = Scene::new().await;

    let reply = scene.app.cancel(scene.autre.token(), &scene.rdv_id).await;

    reply.assert_problem(403, "acces_refuse");
    scene.assert_rdv_untouched().await;
}

#[tokio::test]
async fn patient_cannot_move_another_patients_rdv() {
    let scene = Scene::new().await;
    let now = UtcTime::now();
    let ailleurs = scene
        .app
        .disponibilites(&scene.praticien_id, now.plus_days(2), now.plus_days(9))
        .await
        .into_iter()
        .next()
        .expect("a free créneau");

    let reply = scene
        .app
        .patch_json(
            &format!("/rdvs/{}", scene.rdv_id),
            scene.autre.token(),
            &json!({ "debut": ailleurs["debut"] }),
        )
        .await;

    reply.assert_problem(403, "acces_refuse");
    scene.assert_rdv_untouched().await;
}

#[tokio::test]
async fn patient_cannot_list_another_patients_rdvs() {
    let scene = Scene::new().await;

    let reply = scene
        .app
        .get_as(
            &format!("/patients/{}/rdvs?periode=a_venir", scene.proprietaire.id),
            scene.autre.token(),
        )
        .await;

    reply.assert_problem(403, "acces_refuse");
}

#[tokio::test]
async fn anonymous_calls_get_401() {
    let scene = Scene::new().await;
    let app = &scene.app;
    let now = UtcTime::now();
    let libre = app
        .first_free_creneau(&scene.praticien_id, now.plus_days(2), now.plus_days(9))
        .await;

    app.post_json("/rdvs", None, &booking(&scene.praticien_id, &libre))
        .await
        .assert_problem(401, "non_authentifie");
    app.get_as(&format!("/rdvs/{}", scene.rdv_id), None)
        .await
        .assert_problem(401, "non_authentifie");
    app.get_as("/me", None)
        .await
        .assert_problem(401, "non_authentifie");
    app.cancel(None, &scene.rdv_id)
        .await
        .assert_problem(401, "non_authentifie");

    scene.assert_rdv_untouched().await;
    let libres = app
        .disponibilites(&scene.praticien_id, now.plus_days(2), now.plus_days(9))
        .await;
    assert_eq!(
        libres.first(),
        Some(&libre),
        "an anonymous booking took a créneau"
    );
}

#[tokio::test]
async fn forged_bearer_token_gets_401() {
    let scene = Scene::new().await;
    let app = &scene.app;
    // A well-formed JWT signed with a key the server does not hold.
    let forged = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
                  eyJzdWIiOiIwMTkwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDAiLCJleHAiOjQxMDI0NDQ4MDB9.\
                  c2lnbmF0dXJlLWZhdXNzZS1zaWduYXR1cmUtZmF1c3Nl";

    app.get_as("/me", Some(forged))
        .await
        .assert_problem_among(&[401], &[]);
    app.get_as(&format!("/rdvs/{}", scene.rdv_id), Some("pas-un-jeton"))
        .await
        .assert_problem_among(&[401], &[]);
    app.cancel(Some(forged), &scene.rdv_id)
        .await
        .assert_problem_among(&[401], &[]);

    scene.assert_rdv_untouched().await;
}

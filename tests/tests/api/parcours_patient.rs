//! The patient journey: register, search by spécialité and ville, disponibilités, book, move, cancel on
//! time, and cancel late under each late-cancellation policy (DOMAIN.md, "the 24-hour rule").

use e2e::{
    Praticien, SEARCH_WAIT, TestApp, UtcTime, horaires_chaque_jour, instant, poll_until, reglages, string,
};
use serde_json::{Value, json};

/// The ids of a list of items.
fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|items| items.iter().map(|item| string(item, "id")).collect())
        .unwrap_or_default()
}

/// The starts of a list of créneaux, as instants.
fn debuts(creneaux: &[Value]) -> Vec<UtcTime> {
    creneaux.iter().map(|c| instant(c, "debut")).collect()
}

/// Asserts `rdv` is a `prevu` rdv of this patient and praticien on `creneau`.
#[track_caller]
fn assert_rdv_on(rdv: &Value, patient_id: &str, praticien: &Praticien, creneau: &Value) {
    assert_eq!(rdv["patient_id"], patient_id, "{rdv}");
    assert_eq!(rdv["praticien_id"], praticien.id.as_str(), "{rdv}");
    assert_eq!(rdv["specialite"], creneau["specialite"], "{rdv}");
    assert_eq!(rdv["type"], creneau["type"], "{rdv}");
    assert_eq!(rdv["structure_id"], praticien.structure_id.as_str(), "{rdv}");
    assert_eq!(instant(rdv, "debut"), instant(creneau, "debut"), "{rdv}");
    assert_eq!(instant(rdv, "fin"), instant(creneau, "fin"), "{rdv}");
    assert_eq!(rdv["statut"], "prevu", "{rdv}");
}

#[tokio::test]
async fn patient_registers_searches_books_moves_and_cancels_on_time() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let lyon = app.create_structure(&admin, "Lyon").await;
    let marseille = app.create_structure(&admin, "Marseille").await;
    let generaliste = app
        .create_praticien(&admin, &lyon, json!({ "nom": "Lefebvre" }))
        .await;
    // The wrong spécialité in the right ville, the right one elsewhere: neither may come up.
    let cardiologue = app
        .create_praticien(&admin, &lyon, json!({ "specialites": ["cardiologie"] }))
        .await;
    let ailleurs = app.create_praticien(&admin, &marseille, json!({})).await;

    // Register.
    let patient = app.register_patient().await;

    // Search, once the index holds all three (it commits in batches).
    let tous = [&generaliste.id, &cardiologue.id, &ailleurs.id];
    poll_until("the new praticiens are searchable", SEARCH_WAIT, async || {
        let page = app.get_as("/praticiens?limit=100", None).await.assert_status(200);
        let trouves = ids(&page["items"]);
        if tous.iter().all(|id| trouves.contains(id)) {
            Ok(())
        } else {
            Err(format!("GET /praticiens: {page}"))
        }
    })
    .await;
    let resultats = app
        .get_as("/praticiens?specialite=medecine_generale&ville=Lyon", None)
        .await
        .assert_status(200);
    assert_eq!(
        ids(&resultats["items"]),
        vec![generaliste.id.clone()],
        "{resultats}"
    );
    let trouve = &resultats["items"][0];
    assert_eq!(trouve["nom"], "Lefebvre", "{trouve}");
    assert_eq!(trouve["specialites"][0]["code"], "medecine_generale", "{trouve}");
    assert_eq!(
        trouve["specialites"][0]["libelle"], "Médecine générale",
        "{trouve}"
    );
    let profil = app
        .get_as(&format!("/praticiens/{}", generaliste.id), None)
        .await
        .assert_status(200);
    assert_eq!(profil["id"], generaliste.id.as_str(), "{profil}");

    // Disponibilités: the default week (Monday to Friday, 08:00–19:00) has créneaux in any 7 days.
    let now = UtcTime::now();
    let (debut, fin) = (now.plus_days(2), now.plus_days(9));
    let libres = app.disponibilites(&generaliste.id, debut, fin).await;
    assert!(libres.len() > 4, "{libres:?}");
    for c in &libres {
        assert_eq!(instant(c, "fin").minutes_since(instant(c, "debut")), 30, "{c}");
        assert_eq!(c["specialite"], "medecine_generale", "{c}");
        assert_eq!(c["type"], "presentiel", "{c}");
        assert_eq!(c["structure_id"], lyon.as_str(), "{c}");
    }
    let (premier, autre) = (libres[0].clone(), libres[3].clone());

    // Book.
    let reply = app.book(patient.token(), &generaliste.id, &premier).await;
    let rdv = reply.assert_status(201);
    let rdv_id = string(&rdv, "id");
    let location = reply.header("location").unwrap_or_default();
    assert!(
        location.ends_with(&format!("/rdvs/{rdv_id}")),
        "Location: {location:?}"
    );
    assert_rdv_on(&rdv, &patient.id, &generaliste, &premier);
    assert!(rdv["links"]["self"].is_string(), "{rdv}");
    assert!(
        rdv["links"]["annuler"].is_string(),
        "a rdv that can be cancelled links `annuler`: {rdv}"
    );
    assert!(!rdv["historique"].as_array().is_none_or(Vec::is_empty), "{rdv}");
    let lu = app
        .get_as(&format!("/rdvs/{rdv_id}"), patient.token())
        .await
        .assert_status(200);
    assert_rdv_on(&lu, &patient.id, &generaliste, &premier);
    let a_venir = app.rdvs_a_venir(patient.token(), &patient.id).await;
    assert_eq!(ids(&Value::from(a_venir)), vec![rdv_id.clone()]);

    // The créneau is gone, the others stay.
    let apres = debuts(&app.disponibilites(&generaliste.id, debut, fin).await);
    assert!(
        !apres.contains(&instant(&premier, "debut")),
        "booked créneau still free"
    );
    assert!(apres.contains(&instant(&autre, "debut")));
    assert_eq!(apres.len(), libres.len() - 1);

    // Move: same rdv, new créneau; the old one is free again.
    let deplace = app
        .patch_json(
            &format!("/rdvs/{rdv_id}"),
            patient.token(),
            &json!({ "debut": autre["debut"] }),
        )
        .await
        .assert_status(200);
    assert_eq!(
        deplace["id"],
        rdv_id.as_str(),
        "a move keeps the rdv's id: {deplace}"
    );
    assert_rdv_on(&deplace, &patient.id, &generaliste, &autre);
    let historique = |rdv: &Value| rdv["historique"].as_array().map_or(0, Vec::len);
    assert!(
        historique(&deplace) >= historique(&rdv),
        "a move keeps the history: {deplace}"
    );
    let apres = debuts(&app.disponibilites(&generaliste.id, debut, fin).await);
    assert!(
        apres.contains(&instant(&premier, "debut")),
        "the old créneau is not free again"
    );
    assert!(
        !apres.contains(&instant(&autre, "debut")),
        "the new créneau is still free"
    );

    // Cancel at least 24 h ahead: `annule`, and the créneau is free again.
    let annule = app.cancel(patient.token(), &rdv_id).await.assert_status(200);
    assert_eq!(annule["id"], rdv_id.as_str(), "{annule}");
    assert_eq!(annule["statut"], "annule", "{annule}");
    assert!(
        annule["links"]["annuler"].is_null(),
        "a cancelled rdv offers no `annuler`: {annule}"
    );
    let relu = app
        .get_as(&format!("/rdvs/{rdv_id}"), patient.token())
        .await
        .assert_status(200);
    assert_eq!(relu["statut"], "annule", "{relu}");
    let apres = debuts(&app.disponibilites(&generaliste.id, debut, fin).await);
    assert_eq!(apres, debuts(&libres), "every créneau is free again");
}

/// A server with a praticien who works every day, 00:00–23:30, under `politique`, a patient, and the
/// first free créneau between 1 h and 20 h from now (so less than 24 h ahead whenever the test runs).
async fn rdv_in_less_than_24_hours(politique: &str) -> (TestApp, e2e::Patient, Praticien, Value, Value) {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Nancy").await;
    let praticien = app
        .create_praticien(
            &admin,
            &structure,
            json!({
                "horaires": horaires_chaque_jour(&structure, "00:00", "23:30"),
                "reglages": reglages(politique, 90),
            }),
        )
        .await;
    let patient = app.register_patient().await;
    let now = UtcTime::now();
    let creneau = app
        .first_free_creneau(&praticien.id, now.plus_hours(1), now.plus_hours(20))
        .await;
    let rdv = app
        .book(patient.token(), &praticien.id, &creneau)
        .await
        .assert_status(201);
    (app, patient, praticien, creneau, rdv)
}

#[tokio::test]
async fn late_cancellation_is_recorded_as_annule_tardivement_when_signalee() {
    let (app, patient, praticien, creneau, rdv) = rdv_in_less_than_24_hours("signalee").await;
    let debut = instant(&creneau, "debut");

    let annule = app
        .cancel(patient.token(), &string(&rdv, "id"))
        .await
        .assert_status(200);

    assert_eq!(annule["statut"], "annule_tardivement", "{annule}");
    let libres = debuts(
        &app.disponibilites(&praticien.id, debut, debut.plus_minutes(30))
            .await,
    );
    assert_eq!(libres, [debut], "a late-cancelled créneau is free again");
}

#[tokio::test]
async fn late_cancellation_is_refused_when_policy_is_refusee() {
    let (app, patient, praticien, creneau, rdv) = rdv_in_less_than_24_hours("refusee").await;
    let rdv_id = string(&rdv, "id");
    let debut = instant(&creneau, "debut");

    app.cancel(patient.token(), &rdv_id)
        .await
        .assert_problem(409, "annulation_tardive_refusee");

    let lu = app
        .get_as(&format!("/rdvs/{rdv_id}"), patient.token())
        .await
        .assert_status(200);
    assert_eq!(
        lu["statut"], "prevu",
        "a refused cancellation leaves the rdv: {lu}"
    );
    let libres = app
        .disponibilites(&praticien.id, debut, debut.plus_minutes(30))
        .await;
    assert!(libres.is_empty(), "the créneau must stay taken: {libres:?}");

    // The policy only covers late cancellations: two days ahead, the same patient cancels online.
    let now = UtcTime::now();
    let loin = app
        .first_free_creneau(&praticien.id, now.plus_days(2), now.plus_days(3))
        .await;
    let rdv = app
        .book(patient.token(), &praticien.id, &loin)
        .await
        .assert_status(201);
    let annule = app
        .cancel(patient.token(), &string(&rdv, "id"))
        .await
        .assert_status(200);
    assert_eq!(annule["statut"], "annule", "{annule}");
}

//! Indisponibilités (issue 5, point 3): a period off removes its créneaux and refuses bookings into it,
//! lists the rdvs it overlaps without cancelling them, and frees its créneaux once removed; only the
//! praticien, its personnel and the admin manage them.

use e2e::{PRATICIEN_PASSWORD, Praticien, TestApp, UtcTime, horaires_chaque_jour, instant, string};
use reqwest::Method;
use serde_json::{Value, json};

/// The day three days from now, at 00:00 UTC.
fn jour_j() -> UtcTime {
    let (y, m, d) = UtcTime::now().plus_days(3).ymd();
    UtcTime::date(y, m, d)
}

/// A praticien open every day 09:00–12:00 (Paris): six créneaux a day.
async fn praticien(app: &TestApp, admin: &str, structure: &str) -> Praticien {
    app.create_praticien(
        admin,
        structure,
        json!({ "horaires": horaires_chaque_jour(structure, "09:00", "12:00") }),
    )
    .await
}

fn debuts(creneaux: &[Value]) -> Vec<UtcTime> {
    creneaux.iter().map(|c| instant(c, "debut")).collect()
}

#[tokio::test]
async fn an_indisponibilite_hides_its_creneaux_lists_the_rdvs_it_overlaps_and_goes_away() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = praticien(&app, &admin, &nancy).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    let patient = app.register_patient().await;
    let (debut, fin) = (jour_j(), jour_j().plus_days(1));
    let creneaux = app.disponibilites(&p.id, debut, fin).await;
    assert_eq!(creneaux.len(), 6);

    // A rdv on the first créneau, then a period off over the first three.
    let rdv = app
        .book(patient.token(), &p.id, &creneaux[0])
        .await
        .assert_status(201);
    let rdv_id = string(&rdv, "id");
    let chemin = format!("/praticiens/{}/indisponibilites", p.id);
    let corps = json!({
        "debut": creneaux[0]["debut"],
        "fin": creneaux[3]["debut"],
        "motif": "formation",
    });
    let reply = app.post_json(&chemin, Some(&moi), &corps).await;
    let creee = reply.assert_status(201);
    let iid = string(&creee, "id");
    assert_eq!(reply.header("location"), Some(format!("{chemin}/{iid}").as_str()));
    assert_eq!(creee["motif"], "formation");
    assert_eq!(instant(&creee, "debut"), instant(&creneaux[0], "debut"));
    assert_eq!(instant(&creee, "fin"), instant(&creneaux[3], "debut"));
    // The rdv it overlaps is listed for follow-up, with its patient, and left as it was.
    let rdvs = creee["rdvs"].as_array().expect("rdvs");
    assert_eq!(rdvs.len(), 1, "{creee}");
    assert_eq!(creee["rdvs_total"], 1);
    assert_eq!(rdvs[0]["id"], rdv_id.as_str());
    assert_eq!(rdvs[0]["patient_id"], patient.id.as_str());
    assert_eq!(rdvs[0]["statut"], "prevu");
    let encore = app
        .get_as(&format!("/rdvs/{rdv_id}"), patient.token())
        .await
        .assert_status(200);
    assert_eq!(encore["statut"], "prevu", "{encore}");

    // Its créneaux vanish; booking into it is refused.
    let restants = app.disponibilites(&p.id, debut, fin).await;
    assert_eq!(debuts(&restants), debuts(&creneaux[3..]));
    app.book(patient.token(), &p.id, &creneaux[1])
        .await
        .assert_problem(409, "creneau_indisponible");

    // Listed over a window; the window is bounded.
    let liste = app
        .get_as(&format!("{chemin}?debut={debut}&fin={fin}"), Some(&moi))
        .await
        .assert_status(200);
    let items = liste["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{liste}");
    assert_eq!(items[0]["id"], iid.as_str());
    assert_eq!(items[0]["motif"], "formation");
    let ailleurs = app
        .get_as(
            &format!("{chemin}?debut={}&fin={}", fin.plus_days(1), fin.plus_days(2)),
            Some(&moi),
        )
        .await
        .assert_status(200);
    assert_eq!(ailleurs["items"], json!([]));
    app.get_as(
        &format!("{chemin}?debut={debut}&fin={}", debut.plus_days(32)),
        Some(&moi),
    )
    .await
    .assert_problem(422, "fenetre_trop_longue");

    // Removed: its créneaux are back (the booked one stays booked) and bookable.
    app.delete_as(&format!("{chemin}/{iid}"), Some(&moi))
        .await
        .assert_status(204);
    let rendus = app.disponibilites(&p.id, debut, fin).await;
    assert_eq!(debuts(&rendus), debuts(&creneaux[1..]));
    app.book(patient.token(), &p.id, &creneaux[2])
        .await
        .assert_status(201);
    app.delete_as(&format!("{chemin}/{iid}"), Some(&moi))
        .await
        .assert_problem(404, "introuvable");
    let vide = app
        .get_as(&format!("{chemin}?debut={debut}&fin={fin}"), Some(&moi))
        .await
        .assert_status(200);
    assert_eq!(vide["items"], json!([]));
}

#[tokio::test]
async fn only_the_praticien_its_personnel_and_the_admin_manage_its_indisponibilites() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = praticien(&app, &admin, &nancy).await;
    let autre = praticien(&app, &admin, &nancy).await;
    let sien = app.create_personnel(&admin, &nancy, &[&p.id]).await;
    let d_autrui = app.create_personnel(&admin, &nancy, &[&autre.id]).await;
    let autre_praticien = app.token_for(&autre.email, PRATICIEN_PASSWORD).await;
    let patient = app.register_patient().await;
    let debut = jour_j();
    let creneau = app.first_free_creneau(&p.id, debut, debut.plus_days(1)).await;
    app.book(patient.token(), &p.id, &creneau)
        .await
        .assert_status(201);
    let chemin = format!("/praticiens/{}/indisponibilites", p.id);
    let corps = json!({ "debut": debut.to_string(), "fin": debut.plus_days(1).to_string() });
    let liste = format!("{chemin}?debut={debut}&fin={}", debut.plus_days(1));

    // Another praticien's personnel, another praticien, a patient: 403; nobody: 401.
    for token in [&d_autrui, &autre_praticien, &patient.access_token] {
        app.post_json(&chemin, Some(token), &corps)
            .await
            .assert_problem(403, "acces_refuse");
        app.get_as(&liste, Some(token))
            .await
            .assert_problem(403, "acces_refuse");
    }
    app.post_json(&chemin, None, &corps).await.assert_status(401);

    // Its personnel adds one and sees the rdv's patient.
    let creee = app
        .post_json(&chemin, Some(&sien), &corps)
        .await
        .assert_status(201);
    assert_eq!(creee["rdvs"][0]["patient_id"], patient.id.as_str(), "{creee}");
    let iid = string(&creee, "id");
    for token in [&d_autrui, &autre_praticien, &patient.access_token] {
        app.delete_as(&format!("{chemin}/{iid}"), Some(token))
            .await
            .assert_problem(403, "acces_refuse");
    }
    // Through another praticien's path, it is not found.
    app.delete_as(
        &format!("/praticiens/{}/indisponibilites/{iid}", autre.id),
        Some(&admin),
    )
    .await
    .assert_problem(404, "introuvable");
    app.get_as(&liste, Some(&sien)).await.assert_status(200);

    // The admin manages them too, but reads no rdv (DOMAIN.md's access table): their count only.
    let par_admin = app
        .post_json(&chemin, Some(&admin), &corps)
        .await
        .assert_status(201);
    assert_eq!(par_admin["rdvs_total"], 1);
    assert_eq!(par_admin["rdvs"], json!([]), "{par_admin}");
    app.delete_as(&format!("{chemin}/{}", string(&par_admin, "id")), Some(&admin))
        .await
        .assert_status(204);
    app.delete_as(&format!("{chemin}/{iid}"), Some(&sien))
        .await
        .assert_status(204);
    app.post_json(
        &format!("/praticiens/{}/indisponibilites", uuid_inconnu()),
        Some(&admin),
        &corps,
    )
    .await
    .assert_problem(404, "introuvable");
}

fn uuid_inconnu() -> &'static str {
    "0190a5a0-0000-7000-8000-000000000000"
}

#[tokio::test]
async fn an_indisponibilite_is_checked_and_replayed_under_its_idempotency_key() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = praticien(&app, &admin, &nancy).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    let chemin = format!("/praticiens/{}/indisponibilites", p.id);
    let debut = jour_j();

    let cas = [
        (
            json!({ "debut": debut.to_string(), "fin": debut.to_string() }),
            422,
        ),
        (
            json!({ "debut": debut.plus_days(1).to_string(), "fin": debut.to_string() }),
            422,
        ),
        (
            json!({ "debut": debut.to_string(), "fin": debut.plus_days(367).to_string() }),
            422,
        ),
        (
            json!({ "debut": debut.to_string(), "fin": debut.plus_days(1).to_string(), "motif": "x".repeat(201) }),
            422,
        ),
        (json!({ "debut": "demain", "fin": debut.to_string() }), 400),
    ];
    for (corps, status) in cas {
        let reply = app.post_json(&chemin, Some(&moi), &corps).await;
        assert_eq!(reply.status(), status, "{corps}: {}", reply.text());
    }
    app.post_json(
        &chemin,
        Some(&moi),
        &json!({ "debut": debut.to_string(), "fin": debut.plus_days(367).to_string() }),
    )
    .await
    .assert_problem(422, "indisponibilite_trop_longue");
    // A year is allowed.
    let an = app
        .post_json(
            &chemin,
            Some(&moi),
            &json!({ "debut": debut.plus_days(30).to_string(), "fin": debut.plus_days(396).to_string() }),
        )
        .await
        .assert_status(201);
    assert_eq!(an["rdvs"], json!([]));

    // The same key and body: the first answer again, one period only; another body: 422.
    let corps =
        json!({ "debut": debut.to_string(), "fin": debut.plus_hours(4).to_string(), "motif": "congés" });
    let envoyer = |corps: Value| {
        app.send(
            app.request(Method::POST, &chemin, Some(&moi), e2e::Body::Json(corps))
                .header("Idempotency-Key", "conges-1"),
        )
    };
    let premier = envoyer(corps.clone()).await.assert_status(201);
    let second = envoyer(corps.clone()).await.assert_status(201);
    assert_eq!(premier, second);
    let liste = app
        .get_as(
            &format!("{chemin}?debut={debut}&fin={}", debut.plus_days(1)),
            Some(&moi),
        )
        .await
        .assert_status(200);
    assert_eq!(liste["items"].as_array().map(Vec::len), Some(1), "{liste}");
    let mut autre = corps;
    autre["motif"] = json!("formation");
    envoyer(autre).await.assert_problem(422, "idempotency_key_reused");
}

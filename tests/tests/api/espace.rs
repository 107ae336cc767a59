//! The praticien's workspace (issue 5, points 1, 2, 4 and 5): planning, horaires with validity periods,
//! réglages and patientèle, and who may reach them.

use e2e::{PRATICIEN_PASSWORD, Praticien, TestApp, UtcTime, horaires_chaque_jour, instant, reglages, string};
use serde_json::{Value, json};

/// The day `n` days from now, at 00:00 UTC.
fn jour(n: i64) -> UtcTime {
    let (y, m, d) = UtcTime::now().plus_days(n).ymd();
    UtcTime::date(y, m, d)
}

/// `YYYY-MM-DD` of the day `n` days from now (UTC).
fn date(n: i64) -> String {
    let (y, m, d) = UtcTime::now().plus_days(n).ymd();
    format!("{y:04}-{m:02}-{d:02}")
}

/// A praticien open every day 09:00–12:00 (Paris), with `extra` keys.
async fn praticien(app: &TestApp, admin: &str, structure: &str, extra: Value) -> Praticien {
    let mut corps = json!({ "horaires": horaires_chaque_jour(structure, "09:00", "12:00") });
    if let (Some(c), Some(e)) = (corps.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    app.create_praticien(admin, structure, corps).await
}

/// Every day `debut`–`fin` in `structure`, présentiel, valid from `du` to `au`.
fn regles_valables(structure: &str, debut: &str, fin: &str, du: &str, au: &str) -> Vec<Value> {
    let mut regles = horaires_chaque_jour(structure, debut, fin);
    for r in regles.as_array_mut().expect("rules") {
        r["valable_du"] = json!(du);
        r["valable_au"] = json!(au);
    }
    regles.as_array().expect("rules").clone()
}

#[tokio::test]
async fn horaires_with_a_validity_period_change_creneaux_only_inside_it_and_list_rdvs_left_outside() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = praticien(&app, &admin, &nancy, json!({})).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    let patient = app.register_patient().await;
    let chemin = format!("/praticiens/{}/horaires", p.id);

    let lues = app.get_as(&chemin, Some(&moi)).await.assert_status(200);
    assert_eq!(lues["regles"].as_array().map(Vec::len), Some(7), "{lues}");

    // A rdv at 09:00 in three days, then horaires from 10:00, plus afternoons valid only next week.
    let premier = app.first_free_creneau(&p.id, jour(3), jour(4)).await;
    let rdv = app
        .book(patient.token(), &p.id, &premier)
        .await
        .assert_status(201);
    let rdv_id = string(&rdv, "id");
    let mut regles = horaires_chaque_jour(&nancy, "10:00", "12:00")
        .as_array()
        .expect("rules")
        .clone();
    regles.extend(regles_valables(&nancy, "14:00", "15:00", &date(7), &date(13)));
    let modifiees = app
        .put_json(&chemin, Some(&moi), &json!({ "regles": regles }))
        .await
        .assert_status(200);
    assert_eq!(
        modifiees["regles"].as_array().map(Vec::len),
        Some(14),
        "{modifiees}"
    );
    let hors = modifiees["rdvs_hors_horaires"]
        .as_array()
        .expect("rdvs_hors_horaires");
    assert_eq!(hors.len(), 1, "{modifiees}");
    assert_eq!(hors[0]["id"], rdv_id.as_str());
    assert_eq!(hors[0]["statut"], "prevu");
    let encore = app
        .get_as(&format!("/rdvs/{rdv_id}"), patient.token())
        .await
        .assert_status(200);
    assert_eq!(encore["statut"], "prevu", "{encore}");
    let relues = app.get_as(&chemin, Some(&moi)).await.assert_status(200);
    assert_eq!(relues["regles"], modifiees["regles"]);

    // Outside next week: 10:00–12:00 only (four créneaux); inside it, two more in the afternoon.
    assert_eq!(app.disponibilites(&p.id, jour(3), jour(4)).await.len(), 4);
    assert_eq!(app.disponibilites(&p.id, jour(8), jour(9)).await.len(), 6);
    assert_eq!(app.disponibilites(&p.id, jour(15), jour(16)).await.len(), 4);

    // The rdv left outside stays in the planning.
    let planning = app
        .get_as(
            &format!("/praticiens/{}/planning?debut={}&fin={}", p.id, jour(3), jour(4)),
            Some(&moi),
        )
        .await
        .assert_status(200);
    assert_eq!(planning["items"][0]["id"], rdv_id.as_str(), "{planning}");
}

#[tokio::test]
async fn bad_horaires_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let metz = app.create_structure(&admin, "Metz").await;
    let p = praticien(&app, &admin, &nancy, json!({})).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    let chemin = format!("/praticiens/{}/horaires", p.id);
    let regle = |debut: &str, fin: &str, structure: &str| json!({ "jour": "lundi", "debut": debut, "fin": fin, "structure_id": structure, "types": ["presentiel"] });

    let chevauchantes =
        json!({ "regles": [regle("09:00", "12:00", &nancy), regle("11:00", "13:00", &nancy)] });
    app.put_json(&chemin, Some(&moi), &chevauchantes)
        .await
        .assert_problem(422, "horaires_chevauchants");
    let vide = json!({ "regles": [regle("12:00", "12:00", &nancy)] });
    app.put_json(&chemin, Some(&moi), &vide)
        .await
        .assert_problem(422, "horaires_invalides");
    let ailleurs = json!({ "regles": [regle("09:00", "12:00", &metz)] });
    app.put_json(&chemin, Some(&moi), &ailleurs)
        .await
        .assert_problem(422, "horaires_invalides");

    let lues = app.get_as(&chemin, Some(&moi)).await.assert_status(200);
    assert_eq!(lues["regles"].as_array().map(Vec::len), Some(7), "{lues}");
}

#[tokio::test]
async fn reglages_round_trip_and_a_value_out_of_bounds_names_its_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = praticien(&app, &admin, &nancy, json!({})).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    let chemin = format!("/praticiens/{}/reglages", p.id);

    let defaut = app.get_as(&chemin, Some(&moi)).await.assert_status(200);
    assert_eq!(defaut["delai_annulation_heures"], 24, "{defaut}");

    let mut voulus = reglages("refusee", 60);
    voulus["patients_connus_uniquement"] = json!(true);
    voulus["preavis_minutes"] = json!(120);
    voulus["rappel_heures"] = json!(48);
    let ecrits = app
        .put_json(&chemin, Some(&moi), &voulus)
        .await
        .assert_status(200);
    // The answer adds the read-only link of the planning feed.
    assert!(
        ecrits["planning_ics_url"]
            .as_str()
            .is_some_and(|u| u.contains("planning.ics?jeton=")),
        "{ecrits}"
    );
    voulus["planning_ics_url"] = ecrits["planning_ics_url"].clone();
    assert_eq!(ecrits, voulus);
    assert_eq!(app.get_as(&chemin, Some(&moi)).await.assert_status(200), voulus);

    let probleme = app
        .put_json(&chemin, Some(&moi), &reglages("signalee", 0))
        .await
        .assert_problem(422, "reglage_invalide");
    assert!(
        string(&probleme, "detail").contains("horizon_jours"),
        "{probleme}"
    );
    assert_eq!(app.get_as(&chemin, Some(&moi)).await.assert_status(200), voulus);

    // The réglages are the praticien's alone.
    let secretariat = app.create_personnel(&admin, &nancy, &[&p.id]).await;
    app.get_as(&chemin, Some(&secretariat)).await.assert_status(403);
    app.get_as(&chemin, None).await.assert_status(401);
}

#[tokio::test]
async fn personnel_of_one_praticien_cannot_reach_anothers_planning_or_horaires() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let a = praticien(&app, &admin, &nancy, json!({})).await;
    let b = praticien(&app, &admin, &nancy, json!({})).await;
    let secretariat_a = app.create_personnel(&admin, &nancy, &[&a.id]).await;
    let fenetre = format!("debut={}&fin={}", jour(1), jour(8));

    app.get_as(
        &format!("/praticiens/{}/planning?{fenetre}", a.id),
        Some(&secretariat_a),
    )
    .await
    .assert_status(200);
    app.get_as(&format!("/praticiens/{}/horaires", a.id), Some(&secretariat_a))
        .await
        .assert_status(200);

    app.get_as(
        &format!("/praticiens/{}/planning?{fenetre}", b.id),
        Some(&secretariat_a),
    )
    .await
    .assert_status(403);
    app.get_as(&format!("/praticiens/{}/horaires", b.id), Some(&secretariat_a))
        .await
        .assert_status(403);
    let regles = json!({ "regles": horaires_chaque_jour(&nancy, "08:00", "09:00") });
    app.put_json(
        &format!("/praticiens/{}/horaires", b.id),
        Some(&secretariat_a),
        &regles,
    )
    .await
    .assert_status(403);

    // A window beyond 31 days is refused.
    let moi = app.token_for(&a.email, PRATICIEN_PASSWORD).await;
    app.get_as(
        &format!("/praticiens/{}/planning?debut={}&fin={}", a.id, jour(1), jour(40)),
        Some(&moi),
    )
    .await
    .assert_problem(422, "fenetre_trop_longue");
}

#[tokio::test]
async fn known_patients_only_refuses_a_stranger_until_added_to_the_patientele() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let mut politique = reglages("signalee", 90);
    politique["patients_connus_uniquement"] = json!(true);
    let p = praticien(&app, &admin, &nancy, json!({ "reglages": politique })).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    let patient = app.register_patient().await;
    let chemin = format!("/praticiens/{}/patientele", p.id);
    let creneau = app.first_free_creneau(&p.id, jour(2), jour(3)).await;

    app.book(patient.token(), &p.id, &creneau)
        .await
        .assert_problem(409, "patient_inconnu");
    let vide = app.get_as(&chemin, Some(&moi)).await.assert_status(200);
    assert_eq!(vide["items"], json!([]), "{vide}");

    let reply = app
        .post_json(&chemin, Some(&moi), &json!({ "patient_id": patient.id }))
        .await;
    let ajoute = reply.assert_status(201);
    assert_eq!(reply.header("location"), Some(chemin.as_str()));
    assert_eq!(ajoute["patient_id"], patient.id.as_str());
    assert_eq!(ajoute["nom"], "Martin");
    // Adding again changes nothing.
    let encore = app
        .post_json(&chemin, Some(&moi), &json!({ "patient_id": patient.id }))
        .await
        .assert_status(201);
    assert_eq!(encore["depuis"], ajoute["depuis"]);
    app.post_json(
        &chemin,
        Some(&moi),
        &json!({ "patient_id": "018f0000-0000-7000-8000-000000000000" }),
    )
    .await
    .assert_problem(404, "introuvable");
    let liste = app.get_as(&chemin, Some(&moi)).await.assert_status(200);
    let items = liste["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{liste}");
    assert_eq!(items[0]["patient_id"], patient.id.as_str());
    assert_eq!(items[0]["prenom"], "Camille");

    // Now known, the patient books; the planning shows the rdv with the patient's name.
    let rdv = app
        .book(patient.token(), &p.id, &creneau)
        .await
        .assert_status(201);
    let planning = app
        .get_as(
            &format!("/praticiens/{}/planning?debut={}&fin={}", p.id, jour(2), jour(3)),
            Some(&moi),
        )
        .await
        .assert_status(200);
    let items = planning["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{planning}");
    assert_eq!(items[0]["id"], rdv["id"]);
    assert_eq!(items[0]["patient_id"], patient.id.as_str());
    assert_eq!(items[0]["patient_nom"], "Martin");
    assert_eq!(items[0]["patient_prenom"], "Camille");
    assert_eq!(items[0]["specialite"], "medecine_generale");
    assert_eq!(items[0]["type"], "presentiel");
    assert_eq!(items[0]["statut"], "prevu");
    assert_eq!(items[0]["origine"], "plateforme");
    assert_eq!(instant(&items[0], "debut"), instant(&creneau, "debut"));
    // Filters: another type gives nothing.
    let filtre = app
        .get_as(
            &format!(
                "/praticiens/{}/planning?debut={}&fin={}&type=teleconsultation",
                p.id,
                jour(2),
                jour(3)
            ),
            Some(&moi),
        )
        .await
        .assert_status(200);
    assert_eq!(filtre["items"], json!([]), "{filtre}");

    // The patientèle is the praticien's alone.
    app.get_as(&chemin, patient.token()).await.assert_status(403);
}

#[tokio::test]
async fn concurrent_changes_of_horaires_and_reglages_both_land() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = praticien(&app, &admin, &nancy, json!({})).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    let (horaires, reglages_du) = (
        format!("/praticiens/{}/horaires", p.id),
        format!("/praticiens/{}/reglages", p.id),
    );

    // Each round, the admin changes the horaires while the praticien changes its réglages, both at
    // once: each change is read, applied and written in one transaction, so neither undoes the other.
    for tour in 0..20u16 {
        let regles =
            json!({ "regles": horaires_chaque_jour(&nancy, "08:00", &format!("{:02}:00", 9 + tour % 10)) });
        let mut voulus = reglages("signalee", 30 + tour);
        voulus["preavis_minutes"] = json!(tour + 1);
        let (h, r) = tokio::join!(
            app.put_json(&horaires, Some(&admin), &regles),
            app.put_json(&reglages_du, Some(&moi), &voulus),
        );
        let h = h.assert_status(200);
        r.assert_status(200);
        assert_eq!(h["rdvs_hors_horaires"], json!([]), "{h}");

        let lues = app.get_as(&horaires, Some(&moi)).await.assert_status(200);
        assert_eq!(lues["regles"], h["regles"], "tour {tour}");
        let mut lus = app.get_as(&reglages_du, Some(&moi)).await.assert_status(200);
        if let Some(lus) = lus.as_object_mut() {
            lus.remove("planning_ics_url");
        }
        assert_eq!(lus, voulus, "tour {tour}");
    }
}

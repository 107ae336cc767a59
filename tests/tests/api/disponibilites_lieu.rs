//! `GET /disponibilites`: the praticiens free on a given day at a given place (issue 4), anonymous,
//! with their first créneaux; a fully booked day or a day off drops a praticien.

use std::collections::BTreeSet;

use e2e::{PRATICIEN_PASSWORD, Praticien, TestApp, UtcTime, access_token, horaires_chaque_jour, string};
use serde_json::{Value, json};

/// `YYYY-MM-DD` of an instant's UTC date.
fn jour(t: UtcTime) -> String {
    let (y, m, d) = t.ymd();
    format!("{y:04}-{m:02}-{d:02}")
}

/// A praticien of `structure` open every day 09:00–10:00 (Paris): two créneaux a day.
async fn praticien_d_une_heure(app: &TestApp, admin: &str, structure: &str, nom: &str) -> Praticien {
    app.create_praticien(
        admin,
        structure,
        json!({ "nom": nom, "horaires": horaires_chaque_jour(structure, "09:00", "10:00") }),
    )
    .await
}

/// Every praticien of `GET /disponibilites?{query}`, page after page of `limit`, with its créneaux;
/// checks each item's shape on the way.
async fn disponibles(app: &TestApp, query: &str, limit: u32) -> Vec<(String, Vec<Value>)> {
    let mut vus = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/disponibilites?{query}&limit={limit}&cursor={c}"),
            None => format!("/disponibilites?{query}&limit={limit}"),
        };
        let page = app.get_as(&path, None).await.assert_status(200);
        let items = page["items"].as_array().expect("items").clone();
        assert!(items.len() <= limit as usize, "GET {path}: {page}");
        for item in items {
            let praticien = &item["praticien"];
            assert!(praticien["nom"].is_string(), "{item}");
            assert!(praticien["specialites"].is_array(), "{item}");
            let creneaux = item["creneaux"].as_array().expect("creneaux").clone();
            assert!(
                (1..=4).contains(&creneaux.len()),
                "between 1 and 4 créneaux: {item}"
            );
            vus.push((string(praticien, "id"), creneaux));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return vus,
        }
    }
}

fn ids(liste: &[(String, Vec<Value>)]) -> BTreeSet<String> {
    liste.iter().map(|(id, _)| id.clone()).collect()
}

#[tokio::test]
async fn disponibilites_lists_the_praticiens_of_the_place_free_that_day() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let nancy_bis = app.create_structure(&admin, "Nancy").await;
    let lyon = app.create_structure(&admin, "Lyon").await;
    let libre = praticien_d_une_heure(&app, &admin, &nancy, "Libre").await;
    let complet = praticien_d_une_heure(&app, &admin, &nancy, "Complet").await;
    let en_conge = praticien_d_une_heure(&app, &admin, &nancy_bis, "Conge").await;
    let voisin = praticien_d_une_heure(&app, &admin, &nancy_bis, "Voisin").await;
    let lyonnais = praticien_d_une_heure(&app, &admin, &lyon, "Lyonnais").await;

    let (y, m, d) = UtcTime::now().plus_days(3).ymd();
    let debut = UtcTime::date(y, m, d);
    let date = jour(debut);
    let query = format!("date={date}&ville=NANCY");

    // Every praticien of Nancy is free that day, each with its two créneaux at its Nancy structure.
    let avant = disponibles(&app, &query, 20).await;
    let nancy_tous: BTreeSet<String> = [&libre, &complet, &en_conge, &voisin]
        .iter()
        .map(|p| p.id.clone())
        .collect();
    assert_eq!(ids(&avant), nancy_tous);
    for (id, creneaux) in &avant {
        assert_eq!(creneaux.len(), 2, "{id}: {creneaux:?}");
        for c in creneaux {
            assert!([&nancy, &nancy_bis].contains(&&string(c, "structure_id")), "{c}");
            let t = e2e::instant(c, "debut");
            assert!(t >= debut.plus_hours(-2) && t < debut.plus_days(1), "{c}");
        }
    }
    // One praticien per page walks to the same set.
    assert_eq!(ids(&disponibles(&app, &query, 1).await), nancy_tous);

    // `complet`'s day fully booked; `en_conge` off that day.
    let patient = app.register_patient().await;
    for creneau in app.disponibilites(&complet.id, debut, debut.plus_days(1)).await {
        app.book(patient.token(), &complet.id, &creneau)
            .await
            .assert_status(201);
    }
    let jeton = access_token(
        &app.signin(&en_conge.email, PRATICIEN_PASSWORD)
            .await
            .assert_status(200),
    );
    app.post_json(
        &format!("/praticiens/{}/indisponibilites", en_conge.id),
        Some(&jeton),
        &json!({
            "debut": debut.plus_days(-1).to_string(),
            "fin": debut.plus_days(2).to_string(),
            "motif": "congés",
        }),
    )
    .await
    .assert_status(201);

    let apres = disponibles(&app, &query, 20).await;
    assert_eq!(
        ids(&apres),
        [&libre, &voisin].iter().map(|p| p.id.clone()).collect()
    );
    // The day before is still free for `complet`.
    let veille = disponibles(
        &app,
        &format!("date={}&ville=nancy", jour(debut.plus_days(-1))),
        20,
    )
    .await;
    assert!(ids(&veille).contains(&complet.id), "{veille:?}");

    // One structure only.
    let bis = disponibles(&app, &format!("date={date}&structure={nancy_bis}"), 20).await;
    assert_eq!(ids(&bis), BTreeSet::from([voisin.id.clone()]));
    let a_lyon = disponibles(&app, &format!("date={date}&ville=Lyon"), 20).await;
    assert_eq!(ids(&a_lyon), BTreeSet::from([lyonnais.id.clone()]));
    assert!(
        disponibles(&app, &format!("date={date}&ville=Brest"), 20)
            .await
            .is_empty()
    );

    // Filters: a spécialité none of them practises, teleconsultation (none offers it).
    assert!(
        disponibles(&app, &format!("{query}&specialite=cardiologie"), 20)
            .await
            .is_empty()
    );
    assert!(
        disponibles(&app, &format!("{query}&type=teleconsultation"), 20)
            .await
            .is_empty()
    );
    assert_eq!(
        ids(&disponibles(&app, &format!("{query}&specialite=medecine_generale"), 20).await),
        ids(&apres)
    );
    // An unknown spécialité: an empty page, as in the directory.
    assert!(
        disponibles(&app, &format!("{query}&specialite=inconnue"), 20)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn disponibilites_requires_a_date_and_one_place() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let date = jour(UtcTime::now().plus_days(2));

    let cas = [
        ("/disponibilites?ville=Nancy".to_owned(), 422, "date_requise"),
        (format!("/disponibilites?date={date}"), 422, "lieu_requis"),
        (format!("/disponibilites?date={date}&ville="), 422, "lieu_requis"),
        (
            format!("/disponibilites?date={date}&ville=Nancy&structure={nancy}"),
            422,
            "lieu_ambigu",
        ),
        (
            "/disponibilites?date=2999-01-01&ville=Nancy".to_owned(),
            422,
            "date_hors_limites",
        ),
        (
            format!("/disponibilites?date={date}&ville=Nancy&limit=0"),
            422,
            "limite_invalide",
        ),
        (
            format!("/disponibilites?date={date}&ville=Nancy&cursor=pas-un-curseur"),
            400,
            "curseur_invalide",
        ),
    ];
    for (path, status, code) in cas {
        app.get_as(&path, None).await.assert_problem(status, code);
    }
    // Malformed values are 400s, not 500s.
    for path in [
        "/disponibilites?date=07/12/2026&ville=Nancy".to_owned(),
        format!("/disponibilites?date={date}&structure=pas-un-uuid"),
        format!("/disponibilites?date={date}&ville=Nancy&type=visio"),
    ] {
        let reply = app.get_as(&path, None).await;
        assert_eq!(reply.status(), 400, "GET {path}: {}", reply.text());
    }
    // Anonymous is enough; an empty place gives an empty page.
    let page = app
        .get_as(&format!("/disponibilites?date={date}&structure={nancy}"), None)
        .await
        .assert_status(200);
    assert_eq!(page["items"], json!([]), "{page}");
    assert!(page.get("next_cursor").is_none_or(Value::is_null), "{page}");

    // The contract is in the OpenAPI document.
    let document = app.get_as("/openapi.json", None).await.assert_status(200);
    let operation = &document["paths"]["/disponibilites"]["get"];
    assert!(operation["responses"]["200"].is_object(), "{operation}");
    assert!(operation["responses"]["422"].is_object(), "{operation}");
}

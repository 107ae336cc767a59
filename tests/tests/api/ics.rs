//! The praticien's planning as an iCalendar feed (issue 5, point 9): the URL in the réglages, a feed a
//! real RFC 5545 parser reads and that matches the planning, initials only, a rotatable secret.

use std::collections::BTreeMap;

use e2e::{
    Body, PRATICIEN_PASSWORD, Praticien, TestApp, UtcTime, access_token, horaires_chaque_jour, instant,
    string,
};
use icalendar::{
    CalendarComponent, CalendarDateTime, Component as _, DatePerhapsTime, Event, EventLike as _, EventStatus,
};
use reqwest::Method;
use serde_json::{Value, json};

/// The feed's reach, as the server's constants (30 days back, 90 ahead).
const JOURS_PASSES: i64 = 30;
const JOURS_A_VENIR: i64 = 90;

/// The day `n` days from now, at 00:00 UTC.
fn jour(n: i64) -> UtcTime {
    let (y, m, d) = UtcTime::now().plus_days(n).ymd();
    UtcTime::date(y, m, d)
}

/// A praticien open every day 09:00–12:00 (Paris) at a structure of Nancy, and its access token.
async fn praticien(app: &TestApp, admin: &str) -> (Praticien, String) {
    let nancy = app.create_structure(admin, "Nancy").await;
    let p = app
        .create_praticien(
            admin,
            &nancy,
            json!({ "horaires": horaires_chaque_jour(&nancy, "09:00", "12:00") }),
        )
        .await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    (p, moi)
}

/// A patient named Élodie Dupont-Moretti, signed in: its access token.
async fn patiente(app: &TestApp) -> String {
    let email = format!("elodie-{}@e2e.toubeelib.fr", e2e::unique());
    let mut corps = TestApp::registration(&email);
    corps["nom"] = json!("Dupont-Moretti");
    corps["prenom"] = json!("Élodie");
    let tokens = app
        .post_json("/auth/register", None, &corps)
        .await
        .assert_status(201);
    access_token(&tokens)
}

/// Books the first free créneau of day `n` for the token's holder; the rdv's id.
async fn reserver(app: &TestApp, token: &str, praticien: &str, n: i64) -> String {
    let creneau = app.first_free_creneau(praticien, jour(n), jour(n + 1)).await;
    let rdv = app
        .book(Some(token), praticien, &creneau)
        .await
        .assert_status(201);
    string(&rdv, "id")
}

/// The réglages' `planning_ics_url`, as a path of the server under test.
async fn url_du_flux(app: &TestApp, moi: &str, praticien: &str) -> String {
    let reglages = app
        .get_as(&format!("/praticiens/{praticien}/reglages"), Some(moi))
        .await
        .assert_status(200);
    string(&reglages, "planning_ics_url")
}

/// The planning's items over the feed's reach, read in windows of 31 days, by id.
async fn planning(app: &TestApp, moi: &str, praticien: &str) -> BTreeMap<String, Value> {
    let mut items = BTreeMap::new();
    let mut debut = jour(-JOURS_PASSES + 1);
    let fin = jour(JOURS_A_VENIR - 1);
    while debut.unix_secs() < fin.unix_secs() {
        let bout = debut.plus_days(31);
        let chemin = format!("/praticiens/{praticien}/planning?debut={debut}&fin={bout}");
        let page = app.get_as(&chemin, Some(moi)).await.assert_status(200);
        for item in page["items"].as_array().expect("items") {
            items.insert(string(item, "id"), item.clone());
        }
        debut = bout;
    }
    items
}

/// Fetches the feed: asserts a 200 `text/calendar` whose lines are CRLF-terminated and at most 75
/// octets, parses it with the `icalendar` crate, and returns its events by UID, with the raw text.
async fn lire_flux(app: &TestApp, url: &str) -> (BTreeMap<String, Event>, String) {
    let reponse = app.get_as(url, None).await;
    assert_eq!(reponse.status(), 200, "GET {url}: {}", reponse.text());
    let type_mime = reponse.header("content-type").unwrap_or("");
    assert!(
        type_mime.starts_with("text/calendar") && type_mime.contains("charset=utf-8"),
        "content-type {type_mime:?}"
    );
    let texte = reponse.text().to_owned();
    assert!(texte.starts_with("BEGIN:VCALENDAR\r\n"), "{texte}");
    assert!(texte.ends_with("END:VCALENDAR\r\n"), "{texte}");
    for ligne in texte.trim_end_matches("\r\n").split("\r\n") {
        assert!(!ligne.contains('\n'), "a bare LF in {ligne:?}");
        assert!(ligne.len() <= 75, "a line of {} octets: {ligne:?}", ligne.len());
    }
    let calendrier: icalendar::Calendar = texte.parse().unwrap_or_else(|e| panic!("{e}\n{texte}"));
    assert_eq!(calendrier.property_value("VERSION"), Some("2.0"));
    assert_eq!(
        calendrier.property_value("PRODID"),
        Some("-//Toubeelib//Planning//FR")
    );
    assert!(
        calendrier.get_name().is_some_and(|n| n.contains("Durand")),
        "{texte}"
    );
    let mut evenements = BTreeMap::new();
    for composant in &calendrier.components {
        if let CalendarComponent::Event(e) = composant {
            let uid = e.get_uid().expect("UID").to_owned();
            assert!(
                evenements.insert(uid, e.clone()).is_none(),
                "a UID twice: {texte}"
            );
        }
    }
    (evenements, texte)
}

/// `DTSTART`/`DTEND` as an instant; they must be UTC DATE-TIMEs.
#[track_caller]
fn utc(d: Option<DatePerhapsTime>) -> UtcTime {
    match d {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => UtcTime::parse_or_panic(&t.to_rfc3339()),
        autre => panic!("not a UTC DATE-TIME: {autre:?}"),
    }
}

#[tokio::test]
async fn the_planning_feed_parses_as_icalendar_matches_the_planning_and_shows_initials_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (p, moi) = praticien(&app, &admin).await;
    let elodie = patiente(&app).await;
    // Two days apart, and one beyond the first 31-day window of the feed.
    let premier = reserver(&app, &elodie, &p.id, 2).await;
    let annule = reserver(&app, &elodie, &p.id, 3).await;
    let lointain = reserver(&app, &elodie, &p.id, 40).await;
    app.cancel(Some(&elodie), &annule).await.assert_status(200);

    let url = url_du_flux(&app, &moi, &p.id).await;
    assert!(
        url.starts_with(&format!("/praticiens/{}/planning.ics?jeton=", p.id)),
        "{url}"
    );
    let (evenements, texte) = lire_flux(&app, &url).await;
    let planning = planning(&app, &moi, &p.id).await;

    // One VEVENT per rdv of the planning, with its times.
    assert_eq!(planning.len(), 3, "{planning:?}");
    assert_eq!(evenements.len(), planning.len(), "{texte}");
    for (id, item) in &planning {
        let e = evenements
            .get(&format!("{id}@toubeelib"))
            .unwrap_or_else(|| panic!("no VEVENT for rdv {id}: {texte}"));
        assert_eq!(utc(e.get_start()), instant(item, "debut"), "{texte}");
        assert_eq!(utc(e.get_end()), instant(item, "fin"), "{texte}");
        let resume = e.get_summary().expect("SUMMARY");
        assert!(resume.contains("É. D."), "{resume}");
        assert!(resume.contains("présentiel"), "{resume}");
        for nom in [string(item, "patient_nom"), string(item, "patient_prenom")] {
            assert!(!texte.contains(&nom), "the feed holds {nom:?}: {texte}");
        }
        assert!(e.get_location().is_some_and(|l| l.contains("Nancy")), "{texte}");
        let statut = if id == &annule {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        };
        assert_eq!(e.get_status(), Some(statut), "rdv {id}: {texte}");
    }
    assert!(planning.contains_key(&premier) && planning.contains_key(&lointain));
    assert_eq!(
        evenements[&format!("{annule}@toubeelib")].get_sequence(),
        Some(1),
        "{texte}"
    );

    // Stable: the same UIDs (and the same text) on a second fetch.
    let (encore, texte_encore) = lire_flux(&app, &url).await;
    assert_eq!(
        encore.keys().collect::<Vec<_>>(),
        evenements.keys().collect::<Vec<_>>()
    );
    assert_eq!(texte_encore, texte);
    assert_eq!(url_du_flux(&app, &moi, &p.id).await, url);
}

#[tokio::test]
async fn a_rotated_jeton_closes_the_old_url_and_the_new_one_opens_the_feed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (p, moi) = praticien(&app, &admin).await;
    let elodie = patiente(&app).await;
    let rdv = reserver(&app, &elodie, &p.id, 2).await;
    let ancienne = url_du_flux(&app, &moi, &p.id).await;
    lire_flux(&app, &ancienne).await;

    let chemin = format!("/praticiens/{}/reglages/jeton-ics", p.id);
    let tournee = app
        .send(app.request(Method::POST, &chemin, Some(&moi), Body::Empty))
        .await
        .assert_status(200);
    let nouvelle = string(&tournee, "planning_ics_url");
    assert_ne!(nouvelle, ancienne);
    assert_eq!(url_du_flux(&app, &moi, &p.id).await, nouvelle);

    let refus = app
        .get_as(&ancienne, None)
        .await
        .assert_problem(404, "introuvable");
    let (evenements, _) = lire_flux(&app, &nouvelle).await;
    assert!(evenements.contains_key(&format!("{rdv}@toubeelib")));

    // Wrong, missing or malformed jeton, unknown praticien: the same 404 as a rotated jeton.
    let jeton = nouvelle.split_once("?jeton=").map(|(_, j)| j).expect("jeton");
    let mut faux = jeton.to_owned();
    faux.replace_range(0..1, if jeton.starts_with('A') { "B" } else { "A" });
    let base = format!("/praticiens/{}/planning.ics", p.id);
    for url in [
        format!("{base}?jeton={faux}"),
        base.clone(),
        format!("{base}?jeton=pas-un-jeton"),
        format!("/praticiens/{}/planning.ics?jeton={jeton}", uuid_inconnu()),
    ] {
        let autre = app.get_as(&url, None).await.assert_problem(404, "introuvable");
        assert_eq!(autre, refus, "{url}");
    }
    // The secret is in every feed URL, and in no log line (request logs carry the path only).
    let logs = app.logs();
    assert!(logs.contains("planning.ics"), "requests are logged:\n{logs}");
    for secret in [jeton, faux.as_str()] {
        assert!(!logs.contains(secret), "a feed jeton in the logs:\n{logs}");
    }
}

/// A praticien id that exists nowhere.
fn uuid_inconnu() -> &'static str {
    "0190a0a0-0000-7000-8000-000000000000"
}

#[tokio::test]
async fn only_the_praticien_itself_can_rotate_its_feed_jeton() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (p, moi) = praticien(&app, &admin).await;
    let (_, autre) = praticien(&app, &admin).await;
    let elodie = patiente(&app).await;
    let url = url_du_flux(&app, &moi, &p.id).await;
    let chemin = format!("/praticiens/{}/reglages/jeton-ics", p.id);

    for (qui, token) in [
        ("a patient", &elodie),
        ("another praticien", &autre),
        ("the admin", &admin),
    ] {
        let reponse = app
            .send(app.request(Method::POST, &chemin, Some(token), Body::Empty))
            .await;
        assert_eq!(reponse.status(), 403, "{qui}: {}", reponse.text());
        reponse.assert_problem_among(&[403], &[]);
    }
    app.send(app.request(Method::POST, &chemin, None, Body::Empty))
        .await
        .assert_problem(401, "non_authentifie");
    // Nobody else can read the URL either, and the feed still opens with it.
    app.get_as(&format!("/praticiens/{}/reglages", p.id), Some(&elodie))
        .await
        .assert_status(403);
    assert_eq!(url_du_flux(&app, &moi, &p.id).await, url);
    lire_flux(&app, &url).await;
}

#[tokio::test]
async fn with_a_public_url_the_feed_link_is_absolute() {
    let app = TestApp::builder()
        .env("TOUBEELIB_PUBLIC_URL", "https://toubeelib.example.fr/")
        .spawn()
        .await;
    let admin = app.admin_token().await;
    let (p, moi) = praticien(&app, &admin).await;
    let url = url_du_flux(&app, &moi, &p.id).await;
    let chemin = url
        .strip_prefix("https://toubeelib.example.fr")
        .unwrap_or_else(|| panic!("not absolute: {url}"));
    assert!(chemin.starts_with(&format!("/praticiens/{}/planning.ics?jeton=", p.id)));
    lire_flux(&app, chemin).await;
}

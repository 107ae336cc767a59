//! The waiting list (DOMAIN.md "Liste d'attente"): a freed créneau is offered to the longest-waiting
//! patient and held for them, then to the next one; taking it books it.
//!
//! The praticien works one hour a day (two créneaux) and books one day ahead, so that once patient A
//! holds every créneau, B and C can only wait for one of A's.

use std::time::Duration;

use e2e::{Praticien, TestApp, UtcTime, horaires_chaque_jour, instant, poll_until, reglages, string};
use serde_json::{Value, json};

/// A praticien at a structure on UTC, open one hour a day starting two hours from now, booking at most
/// one day ahead; with every créneau it offers (at least one), as `/disponibilites` lists them.
async fn cabinet_plein(app: &TestApp) -> (Praticien, Vec<Value>) {
    let admin = app.admin_token().await;
    let structure = json!({
        "nom": "Cabinet du Parc", "type": "cabinet", "adresse": "2 allée du Parc",
        "code_postal": "54000", "ville": "Nancy", "telephone": "03 83 00 00 01", "fuseau": "Etc/UTC",
    });
    let structure = string(
        &app.post_json("/structures", Some(&admin), &structure)
            .await
            .assert_status(201),
        "id",
    );
    let heure = (UtcTime::now().unix_secs() / 3600 + 2) % 24;
    let horaires = horaires_chaque_jour(
        &structure,
        &format!("{heure:02}:00"),
        &format!("{:02}:00", heure + 1).replace("24:00", "23:59"),
    );
    let praticien = app
        .create_praticien(
            &admin,
            &structure,
            json!({ "horaires": horaires, "reglages": reglages("signalee", 1) }),
        )
        .await;
    let now = UtcTime::now();
    let creneaux = app.disponibilites(&praticien.id, now, now.plus_days(3)).await;
    assert!(!creneaux.is_empty(), "the praticien offers no créneau");
    (praticien, creneaux)
}

/// `avant` three days from now.
fn dans_trois_jours() -> String {
    let (y, m, d) = UtcTime::now().plus_days(3).ymd();
    format!("{y:04}-{m:02}-{d:02}")
}

fn demande() -> Value {
    json!({ "specialite": "medecine_generale", "type": "presentiel", "avant": dans_trois_jours() })
}

/// Patient A books every créneau, then cancels the first: the rdv cancelled and the créneau freed.
async fn a_prend_tout(
    app: &TestApp,
    praticien: &Praticien,
    creneaux: &[Value],
) -> (e2e::Patient, Vec<String>) {
    let a = app.register_patient().await;
    let mut rdvs = Vec::new();
    for c in creneaux {
        rdvs.push(string(
            &app.book(a.token(), &praticien.id, c).await.assert_status(201),
            "id",
        ));
    }
    let now = UtcTime::now();
    assert!(
        app.disponibilites(&praticien.id, now, now.plus_days(3))
            .await
            .is_empty()
    );
    (a, rdvs)
}

/// Registers a wait of `patient` with `praticien`; its `/liste-attente/{id}` path.
async fn attendre(app: &TestApp, patient: &e2e::Patient, praticien: &Praticien) -> String {
    let chemin = format!("/praticiens/{}/liste-attente", praticien.id);
    let reply = app.post_json(&chemin, patient.token(), &demande()).await;
    let corps = reply.assert_status(201);
    assert_eq!(corps["etat"], "en_attente", "{corps}");
    let location = reply
        .header("location")
        .unwrap_or_else(|| panic!("no Location: {corps}"))
        .to_owned();
    assert_eq!(location, format!("/liste-attente/{}", string(&corps, "id")));
    location
}

/// The waiting list's scene: A holds every créneau; B, then C, wait; A cancels the first, so B holds it.
struct Scene {
    praticien: Praticien,
    creneaux: Vec<Value>,
    b: e2e::Patient,
    c: e2e::Patient,
    attente_b: String,
    attente_c: String,
}

async fn scene(app: &TestApp) -> Scene {
    let (praticien, creneaux) = cabinet_plein(app).await;
    let (a, rdvs) = a_prend_tout(app, &praticien, &creneaux).await;
    let (b, c) = (app.register_patient().await, app.register_patient().await);
    let attente_b = attendre(app, &b, &praticien).await;
    let attente_c = attendre(app, &c, &praticien).await;
    app.cancel(a.token(), &rdvs[0]).await.assert_status(200);
    Scene {
        praticien,
        creneaux,
        b,
        c,
        attente_b,
        attente_c,
    }
}

#[tokio::test]
async fn a_freed_creneau_is_held_for_the_longest_waiting_patient_who_takes_it() {
    let app = TestApp::spawn().await;
    let (praticien, creneaux) = cabinet_plein(&app).await;
    let (a, rdvs) = a_prend_tout(&app, &praticien, &creneaux).await;
    let (b, c) = (app.register_patient().await, app.register_patient().await);
    let attente_b = attendre(&app, &b, &praticien).await;
    let attente_c = attendre(&app, &c, &praticien).await;

    // Only the patient self sees or leaves an entry.
    app.get_as(&attente_b, None)
        .await
        .assert_problem(401, "non_authentifie");
    app.get_as(&attente_b, c.token())
        .await
        .assert_problem(403, "acces_refuse");
    app.delete_as(&attente_b, c.token())
        .await
        .assert_problem(403, "acces_refuse");
    app.post_json(&format!("{attente_b}/acceptation"), c.token(), &json!({}))
        .await
        .assert_problem(403, "acces_refuse");
    // Nothing offered yet.
    app.post_json(&format!("{attente_b}/acceptation"), b.token(), &json!({}))
        .await
        .assert_problem(409, "aucune_offre");

    // A cancels: B, who waits longest, is offered the créneau and it is held for B.
    app.cancel(a.token(), &rdvs[0]).await.assert_status(200);
    let entree = app.get_as(&attente_b, b.token()).await.assert_status(200);
    assert_eq!(entree["etat"], "offre", "{entree}");
    assert_eq!(instant(&entree["offre"], "debut"), instant(&creneaux[0], "debut"));
    assert!(instant(&entree["offre"], "expire_le").minutes_since(UtcTime::now()) >= 14);
    let entree_c = app.get_as(&attente_c, c.token()).await.assert_status(200);
    assert_eq!(entree_c["etat"], "en_attente", "{entree_c}");

    // C can neither see nor book it during the hold.
    let now = UtcTime::now();
    assert!(
        app.disponibilites(&praticien.id, now, now.plus_days(3))
            .await
            .is_empty()
    );
    app.book(c.token(), &praticien.id, &creneaux[0])
        .await
        .assert_problem(409, "creneau_indisponible");

    // B takes it: booked for B, the entry closed.
    let reply = app
        .post_json(&format!("{attente_b}/acceptation"), b.token(), &json!({}))
        .await;
    let rdv = reply.assert_status(201);
    assert_eq!(rdv["patient_id"], json!(b.id));
    assert_eq!(rdv["statut"], "prevu");
    assert_eq!(instant(&rdv, "debut"), instant(&creneaux[0], "debut"));
    assert_eq!(
        reply.header("location"),
        Some(format!("/rdvs/{}", string(&rdv, "id")).as_str())
    );
    let entree = app.get_as(&attente_b, b.token()).await.assert_status(200);
    assert_eq!(entree["etat"], "acceptee", "{entree}");
    assert_eq!(entree["rdv_id"], rdv["id"]);
    app.post_json(&format!("{attente_b}/acceptation"), b.token(), &json!({}))
        .await
        .assert_problem(409, "attente_close");
    app.book(c.token(), &praticien.id, &creneaux[0])
        .await
        .assert_problem(409, "creneau_indisponible");

    // C leaves the list.
    app.delete_as(&attente_c, c.token()).await.assert_status(204);
    let entree_c = app.get_as(&attente_c, c.token()).await.assert_status(200);
    assert_eq!(entree_c["etat"], "retiree", "{entree_c}");
}

#[tokio::test]
async fn a_lapsed_hold_passes_to_the_next_waiting_patient() {
    // Seconds, not minutes: `TOUBEELIB_HOLD_SECONDS` exists for tests.
    let app = TestApp::builder()
        .env("TOUBEELIB_HOLD_SECONDS", "3")
        .spawn()
        .await;
    let (praticien, creneaux) = cabinet_plein(&app).await;
    let (a, rdvs) = a_prend_tout(&app, &praticien, &creneaux).await;
    let (b, c) = (app.register_patient().await, app.register_patient().await);
    let attente_b = attendre(&app, &b, &praticien).await;
    let attente_c = attendre(&app, &c, &praticien).await;

    app.cancel(a.token(), &rdvs[0]).await.assert_status(200);
    let entree = app.get_as(&attente_b, b.token()).await.assert_status(200);
    assert_eq!(entree["etat"], "offre", "{entree}");

    // B lets it lapse: C is offered it.
    let entree_c = poll_until(
        "C offered the créneau B let lapse",
        Duration::from_secs(10),
        async || {
            let e = app.get_as(&attente_c, c.token()).await.assert_status(200);
            if e["etat"] == "offre" {
                Ok(e)
            } else {
                Err(e.to_string())
            }
        },
    )
    .await;
    assert_eq!(
        instant(&entree_c["offre"], "debut"),
        instant(&creneaux[0], "debut")
    );
    app.post_json(&format!("{attente_b}/acceptation"), b.token(), &json!({}))
        .await
        .assert_problem(409, "offre_expiree");
    let entree = app.get_as(&attente_b, b.token()).await.assert_status(200);
    assert_eq!(entree["etat"], "en_attente", "{entree}");
    app.book(b.token(), &praticien.id, &creneaux[0])
        .await
        .assert_problem(409, "creneau_indisponible");

    // C takes it within its own hold.
    let rdv = app
        .post_json(&format!("{attente_c}/acceptation"), c.token(), &json!({}))
        .await
        .assert_status(201);
    assert_eq!(rdv["patient_id"], json!(c.id));
}

#[tokio::test]
async fn a_patient_leaving_hands_the_held_creneau_to_the_next_one_at_once() {
    let app = TestApp::spawn().await;
    let Scene {
        b,
        c,
        attente_b,
        attente_c,
        ..
    } = scene(&app).await;

    app.delete_as(&attente_b, b.token()).await.assert_status(204);
    app.delete_as(&attente_b, b.token()).await.assert_status(204);
    let entree_c = app.get_as(&attente_c, c.token()).await.assert_status(200);
    assert_eq!(entree_c["etat"], "offre", "{entree_c}");
    app.post_json(&format!("{attente_c}/acceptation"), c.token(), &json!({}))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn the_holder_booking_the_held_creneau_directly_closes_the_entry_with_that_rdv() {
    let app = TestApp::spawn().await;
    let Scene {
        praticien,
        creneaux,
        b,
        c,
        attente_b,
        attente_c,
        ..
    } = scene(&app).await;

    // B books the held créneau through POST /rdvs, as a front-end showing it free for B may.
    let rdv = app
        .book(b.token(), &praticien.id, &creneaux[0])
        .await
        .assert_status(201);
    let entree = app.get_as(&attente_b, b.token()).await.assert_status(200);
    assert_eq!(entree["etat"], "acceptee", "{entree}");
    assert_eq!(entree["rdv_id"], rdv["id"]);
    // B cancels it again: the créneau goes to C, the next waiting, not back to B.
    app.cancel(b.token(), &string(&rdv, "id"))
        .await
        .assert_status(200);
    let entree_c = app.get_as(&attente_c, c.token()).await.assert_status(200);
    assert_eq!(entree_c["etat"], "offre", "{entree_c}");
}

#[tokio::test]
async fn a_wait_whose_date_passed_reads_expiree_and_no_longer_holds_its_place() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut app = TestApp::builder().data_dir(data.path()).spawn().await;
    let (praticien, _) = cabinet_plein(&app).await;
    let b = app.register_patient().await;
    let attente_b = attendre(&app, &b, &praticien).await;
    app.terminate().await.expect("SIGTERM");

    // Five days later (the test clock), `avant` (three days from the start) is over everywhere.
    let plus_tard = TestApp::builder()
        .data_dir(data.path())
        .env("TOUBEELIB_TEST_CLOCK_OFFSET_SECONDS", (5 * 86_400).to_string())
        .spawn()
        .await;
    let jeton = plus_tard.token_for(&b.email, &b.password).await;
    let entree = plus_tard
        .get_as(&attente_b, Some(&jeton))
        .await
        .assert_status(200);
    assert_eq!(entree["etat"], "expiree", "{entree}");
    // The same praticien again, to a later date: the expired entry does not answer deja_en_attente.
    let (y, m, d) = UtcTime::now().plus_days(9).ymd();
    let demande = json!({
        "specialite": "medecine_generale", "type": "presentiel", "avant": format!("{y:04}-{m:02}-{d:02}"),
    });
    let chemin = format!("/praticiens/{}/liste-attente", praticien.id);
    let nouvelle = plus_tard
        .post_json(&chemin, Some(&jeton), &demande)
        .await
        .assert_status(201);
    assert_eq!(nouvelle["etat"], "en_attente", "{nouvelle}");
}

#[tokio::test]
async fn a_wait_needs_a_known_specialite_an_offered_type_and_a_date_to_come() {
    let app = TestApp::spawn().await;
    let (praticien, _) = cabinet_plein(&app).await;
    let patient = app.register_patient().await;
    let chemin = format!("/praticiens/{}/liste-attente", praticien.id);
    let (y, m, d) = UtcTime::now().plus_days(-2).ymd();
    let cas = [
        ("specialite", json!("astrologie"), "specialite_inconnue"),
        ("specialite", json!("cardiologie"), "specialite_inconnue"),
        ("type", json!("teleconsultation"), "type_non_propose"),
        ("type", json!("visio"), "type_invalide"),
        ("avant", json!("demain"), "date_invalide"),
        ("avant", json!(format!("{y:04}-{m:02}-{d:02}")), "date_passee"),
    ];
    for (champ, valeur, code) in cas {
        let mut corps = demande();
        corps[champ] = valeur;
        app.post_json(&chemin, patient.token(), &corps)
            .await
            .assert_problem(422, code);
    }
    app.post_json(&chemin, None, &demande())
        .await
        .assert_problem(401, "non_authentifie");
    let admin = app.admin_token().await;
    app.post_json(&chemin, Some(&admin), &demande())
        .await
        .assert_problem(403, "acces_refuse");
    app.post_json(&chemin, patient.token(), &demande())
        .await
        .assert_status(201);
    app.post_json(&chemin, patient.token(), &demande())
        .await
        .assert_problem(409, "deja_en_attente");
}

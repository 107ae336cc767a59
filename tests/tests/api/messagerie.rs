//! The messagerie (API.md "Messagerie"): a patient and a linked praticien open one conversation, write,
//! read (which marks read) and follow it live as server-sent events; nobody else reaches it, and no
//! message text reaches the logs.

use std::time::{Duration, Instant};

use e2e::smtp::{MailRecu, SmtpServer};
use e2e::{Body, PRATICIEN_PASSWORD, TestApp, UtcTime, poll_until, string, unique};
use reqwest::Method;
use serde_json::{Value, json};

/// How long a sent message may take to reach an open event stream.
const LIVRAISON_MAX: Duration = Duration::from_secs(1);

/// A patient with a rdv with `praticien` (so they are linked); the patient's token and id.
struct Monde {
    app: TestApp,
    admin: String,
    structure: String,
    praticien: e2e::Praticien,
    medecin: String,
    patient: e2e::Patient,
}

async fn monde() -> Monde {
    monde_de(TestApp::spawn().await).await
}

/// [`monde`] on a server already started.
async fn monde_de(app: TestApp) -> Monde {
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Nancy").await;
    let praticien = app.create_praticien(&admin, &structure, json!({})).await;
    let medecin = app.token_for(&praticien.email, PRATICIEN_PASSWORD).await;
    let patient = app.register_patient().await;
    let now = UtcTime::now();
    let creneau = app
        .first_free_creneau(&praticien.id, now.plus_days(1), now.plus_days(15))
        .await;
    app.book(patient.token(), &praticien.id, &creneau)
        .await
        .assert_status(201);
    Monde {
        app,
        admin,
        structure,
        praticien,
        medecin,
        patient,
    }
}

/// The patient opens the conversation with the praticien; its id.
async fn ouvrir(m: &Monde) -> String {
    let reply = m
        .app
        .post_json(
            "/conversations",
            m.patient.token(),
            &json!({ "praticien_id": m.praticien.id }),
        )
        .await;
    let conversation = reply.assert_status(201);
    let id = string(&conversation, "id");
    assert_eq!(
        reply.header("location"),
        Some(format!("/conversations/{id}/messages").as_str())
    );
    id
}

/// The conversation as `token`'s holder lists it.
async fn dans_la_liste(app: &TestApp, token: &str, id: &str) -> Value {
    let liste = app.get_as("/conversations", Some(token)).await.assert_status(200);
    liste["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("conversation {id} not listed: {liste}"))
}

/// Opens the event stream of a conversation (the answer's head only).
async fn flux(app: &TestApp, id: &str, token: Option<&str>) -> reqwest::Response {
    app.request(
        Method::GET,
        &format!("/conversations/{id}/events"),
        token,
        Body::Empty,
    )
    .send()
    .await
    .expect("GET /conversations/{id}/events")
}

/// Reads the stream until a whole `message` event arrives or `echeance` passes; its `data` as JSON.
async fn prochain_message(flux: &mut reqwest::Response, echeance: Instant) -> Option<Value> {
    let mut lu = String::new();
    loop {
        if let Some(fin) = lu.find("\n\n") {
            let evenement = lu[..fin].to_owned();
            lu.drain(..fin + 2);
            // A `message` event: the SSE default type, which poem leaves implicit (no `event:` line).
            let autre_type = evenement
                .lines()
                .any(|l| l.starts_with("event: ") && l != "event: message");
            if !autre_type && evenement.lines().any(|l| l.starts_with("data: ")) {
                let data: String = evenement
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                return Some(serde_json::from_str(&data).expect("data: is JSON"));
            }
            continue;
        }
        let reste = echeance.checked_duration_since(Instant::now())?;
        let morceau = tokio::time::timeout(reste, flux.chunk()).await.ok()?;
        lu.push_str(&String::from_utf8_lossy(&morceau.ok()??));
    }
}

#[tokio::test]
async fn patient_and_linked_praticien_write_and_read_and_the_unread_count_follows() {
    let m = monde().await;
    let app = &m.app;
    let id = ouvrir(&m).await;
    let encore = app
        .post_json(
            "/conversations",
            m.patient.token(),
            &json!({ "praticien_id": m.praticien.id }),
        )
        .await
        .assert_status(200);
    assert_eq!(
        string(&encore, "id"),
        id,
        "opening twice answers the same conversation"
    );
    let par_le_medecin = app
        .post_json(
            "/conversations",
            Some(&m.medecin),
            &json!({ "patient_id": m.patient.id }),
        )
        .await
        .assert_status(200);
    assert_eq!(string(&par_le_medecin, "id"), id);
    assert_eq!(par_le_medecin["interlocuteur"], "Camille Martin");

    let messages = format!("/conversations/{id}/messages");
    let texte = format!("J'ai encore mal au genou depuis lundi ({})", unique());
    let envoye = app
        .post_json(
            &messages,
            m.patient.token(),
            &json!({ "texte": format!("  {texte}\n ") }),
        )
        .await
        .assert_status(201);
    assert_eq!(envoye["texte"], texte.as_str(), "trimmed");
    assert_eq!(envoye["auteur"], "patient");

    let vue = dans_la_liste(app, &m.medecin, &id).await;
    assert_eq!(vue["non_lus"], 1, "{vue}");
    assert_eq!(vue["derniere_activite"], envoye["le"], "{vue}");
    assert_eq!(vue["interlocuteur"], "Camille Martin");
    let vue_patient = dans_la_liste(app, m.patient.access_token.as_str(), &id).await;
    assert_eq!(vue_patient["non_lus"], 0, "the sender has read its own message");
    assert_eq!(vue_patient["interlocuteur"], "Dr Alex Durand");

    let lus = app.get_as(&messages, Some(&m.medecin)).await.assert_status(200);
    assert_eq!(lus["items"][0]["id"], envoye["id"], "{lus}");
    assert_eq!(lus["items"][0]["texte"], texte.as_str());
    assert_eq!(
        dans_la_liste(app, &m.medecin, &id).await["non_lus"],
        0,
        "reading marks read"
    );

    // The answer, then both in the list, the latest first.
    let reponse = app
        .post_json(&messages, Some(&m.medecin), &json!({ "texte": "Venez à 14h." }))
        .await
        .assert_status(201);
    assert_eq!(reponse["auteur"], "praticien");
    assert_eq!(
        dans_la_liste(app, m.patient.access_token.as_str(), &id).await["non_lus"],
        1
    );
    let page = app
        .get_as(&format!("{messages}?limit=1"), m.patient.token())
        .await
        .assert_status(200);
    assert_eq!(page["items"][0]["id"], reponse["id"], "latest first: {page}");
    let suite = app
        .get_as(
            &format!("{messages}?limit=1&cursor={}", string(&page, "next_cursor")),
            m.patient.token(),
        )
        .await
        .assert_status(200);
    assert_eq!(suite["items"][0]["id"], envoye["id"], "{suite}");
    assert!(suite.get("next_cursor").is_none(), "{suite}");
}

#[tokio::test]
async fn an_unlinked_praticien_cannot_be_written_to() {
    let m = monde().await;
    let autre = m.app.create_praticien(&m.admin, &m.structure, json!({})).await;
    m.app
        .post_json(
            "/conversations",
            m.patient.token(),
            &json!({ "praticien_id": autre.id }),
        )
        .await
        .assert_problem(403, "acces_refuse");
    let medecin = m.app.token_for(&autre.email, PRATICIEN_PASSWORD).await;
    m.app
        .post_json(
            "/conversations",
            Some(&medecin),
            &json!({ "patient_id": m.patient.id }),
        )
        .await
        .assert_problem(403, "acces_refuse");
    // The wrong field for the caller's role.
    m.app
        .post_json(
            "/conversations",
            m.patient.token(),
            &json!({ "patient_id": m.patient.id }),
        )
        .await
        .assert_problem(422, "champ_invalide");
}

#[tokio::test]
async fn an_event_stream_receives_the_other_partys_message_within_a_second() {
    let m = monde().await;
    let app = &m.app;
    let id = ouvrir(&m).await;
    let mut ecoute = flux(app, &id, Some(&m.medecin)).await;
    assert_eq!(ecoute.status(), 200);
    let type_contenu = ecoute
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(type_contenu.starts_with("text/event-stream"), "{type_contenu}");

    let texte = format!("Résultats reçus ? ({})", unique());
    let debut = Instant::now();
    let envoye = app
        .post_json(
            &format!("/conversations/{id}/messages"),
            m.patient.token(),
            &json!({ "texte": texte }),
        )
        .await
        .assert_status(201);
    let recu = prochain_message(&mut ecoute, debut + LIVRAISON_MAX)
        .await
        .unwrap_or_else(|| panic!("no event within {LIVRAISON_MAX:?}\n{}", app.logs()));
    assert_eq!(recu, envoye, "the event carries the message JSON");

    // A second client on the same conversation gets the next one too.
    let mut second = flux(app, &id, m.patient.token()).await;
    assert_eq!(second.status(), 200);
    let debut = Instant::now();
    let reponse = app
        .post_json(
            &format!("/conversations/{id}/messages"),
            Some(&m.medecin),
            &json!({ "texte": "Oui, tout va bien." }),
        )
        .await
        .assert_status(201);
    for flux in [&mut ecoute, &mut second] {
        let recu = prochain_message(flux, debut + LIVRAISON_MAX)
            .await
            .expect("second message within a second");
        assert_eq!(recu["id"], reponse["id"]);
    }
}

/// How soon after SIGTERM an open stream must end: well inside the server's 10 s grace period, which
/// a stream left open would use up whole.
const FIN_DES_FLUX_MAX: Duration = Duration::from_secs(5);

#[tokio::test]
async fn sigterm_ends_the_open_event_streams_and_the_server_stops_without_waiting_for_them() {
    let mut m = monde().await;
    let id = ouvrir(&m).await;
    let mut ecoute = flux(&m.app, &id, Some(&m.medecin)).await;
    assert_eq!(ecoute.status(), 200);
    m.app.send_sigterm().expect("SIGTERM");
    let debut = Instant::now();
    loop {
        let reste = FIN_DES_FLUX_MAX
            .checked_sub(debut.elapsed())
            .unwrap_or_else(|| panic!("the stream is still open {FIN_DES_FLUX_MAX:?} after SIGTERM"));
        match tokio::time::timeout(reste, ecoute.chunk()).await {
            // A keep-alive comment, or nothing yet: read on.
            Ok(Ok(Some(_))) => {}
            Ok(Ok(None) | Err(_)) => break,
            Err(_) => panic!("the stream is still open {FIN_DES_FLUX_MAX:?} after SIGTERM"),
        }
    }
    let statut = m.app.wait_for_exit().await.expect("exit");
    assert!(statut.success(), "{statut:?}\n{}", m.app.logs());
}

#[tokio::test]
async fn nobody_else_reaches_a_conversation_its_messages_or_its_stream() {
    let m = monde().await;
    let app = &m.app;
    let id = ouvrir(&m).await;
    let texte = format!("Confidentiel {}", unique());
    app.post_json(
        &format!("/conversations/{id}/messages"),
        m.patient.token(),
        &json!({ "texte": texte }),
    )
    .await
    .assert_status(201);

    let autre_patient = app.register_patient().await;
    let autre_praticien = app.create_praticien(&m.admin, &m.structure, json!({})).await;
    let autre_medecin = app.token_for(&autre_praticien.email, PRATICIEN_PASSWORD).await;
    // Personnel associated with the praticien itself: still not a party.
    let secretariat = app
        .create_personnel(&m.admin, &m.structure, &[m.praticien.id.as_str()])
        .await;
    for (qui, jeton) in [
        ("another patient", autre_patient.access_token.as_str()),
        ("another praticien", autre_medecin.as_str()),
        ("personnel", secretariat.as_str()),
        ("admin", m.admin.as_str()),
    ] {
        let messages = format!("/conversations/{id}/messages");
        app.get_as(&messages, Some(jeton))
            .await
            .assert_problem(403, "acces_refuse");
        app.post_json(&messages, Some(jeton), &json!({ "texte": "Bonjour" }))
            .await
            .assert_problem(403, "acces_refuse");
        let ecoute = flux(app, &id, Some(jeton)).await;
        assert_eq!(ecoute.status(), 403, "{qui} on the stream");
        let liste = app.get_as("/conversations", Some(jeton)).await;
        if qui.contains("patient") || qui.contains("praticien") {
            assert_eq!(liste.assert_status(200)["items"], json!([]), "{qui}");
        } else {
            liste.assert_problem(403, "acces_refuse");
        }
    }
    assert_eq!(flux(app, &id, None).await.status(), 401);
    app.get_as(
        &format!("/conversations/{}/messages", uuid_inconnu()),
        Some(&m.medecin),
    )
    .await
    .assert_problem(404, "introuvable");
    assert!(!app.logs().contains(&texte), "a message text reached the logs");
}

#[tokio::test]
async fn a_message_is_plain_text_of_at_most_4000_characters() {
    let m = monde().await;
    let app = &m.app;
    let id = ouvrir(&m).await;
    let messages = format!("/conversations/{id}/messages");
    for texte in [
        "é".repeat(4001),
        "   ".to_owned(),
        "a\u{0}b".to_owned(),
        "\u{1b}[2J".to_owned(),
    ] {
        app.post_json(&messages, m.patient.token(), &json!({ "texte": texte }))
            .await
            .assert_problem(422, "texte_invalide");
    }
    let long = "é".repeat(4000);
    let html = "<script>alert(1)</script>\nà bientôt";
    for texte in [long.as_str(), html] {
        let envoye = app
            .post_json(&messages, m.patient.token(), &json!({ "texte": texte }))
            .await
            .assert_status(201);
        assert_eq!(envoye["texte"], texte, "kept as is");
    }
    let lus = app.get_as(&messages, Some(&m.medecin)).await.assert_status(200);
    assert_eq!(
        lus["items"].as_array().map(Vec::len),
        Some(2),
        "refused messages wrote nothing"
    );
    assert!(
        !app.logs().contains("alert(1)"),
        "a message text reached the logs"
    );
}

fn uuid_inconnu() -> String {
    format!("00000000-0000-7000-8000-{:012x}", unique())
}

/// A new-message mail (the patient also had its booking confirmed).
fn nouveau_message(m: &MailRecu) -> bool {
    m.entete("Subject")
        .is_some_and(|s| s.starts_with("Nouveau message"))
}

fn mails_pour(smtp: &SmtpServer, email: &str) -> Vec<MailRecu> {
    smtp.pour(email, nouveau_message)
}

async fn attendre_mails(smtp: &SmtpServer, email: &str, n: usize) -> Vec<MailRecu> {
    smtp.attendre(email, n, Duration::from_secs(20), nouveau_message)
        .await
}

#[tokio::test]
async fn a_new_message_tells_the_other_party_by_mail_once_per_unread_run_and_never_its_text() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder()
        .env("TOUBEELIB_SMTP_URL", smtp.url())
        .env(
            "TOUBEELIB_MAIL_FROM",
            "Toubeelib <ne-pas-repondre@toubeelib.example>",
        )
        .env("TOUBEELIB_OUTBOX_RETRY_MS", "100")
        .spawn()
        .await;
    let m = monde_de(app).await;
    let app = &m.app;
    let id = ouvrir(&m).await;
    let messages = format!("/conversations/{id}/messages");
    let secret = format!("Mon traitement me fatigue ({})", unique());
    let ecrire = |token: Option<String>, texte: String| {
        let chemin = messages.clone();
        async move {
            app.post_json(&chemin, token.as_deref(), &json!({ "texte": texte }))
                .await
                .assert_status(201)
        }
    };

    // Two messages in a row: the praticien hears of them once.
    ecrire(m.patient.token().map(str::to_owned), secret.clone()).await;
    ecrire(
        m.patient.token().map(str::to_owned),
        "Et j'ai mal dormi.".to_owned(),
    )
    .await;
    let recus = attendre_mails(&smtp, &m.praticien.email, 1).await;
    let sujet = recus[0].entete("Subject").unwrap_or_default();
    assert!(sujet.contains("Nouveau message de Camille Martin"), "{sujet}");
    assert!(
        !recus[0].donnees.contains("traitement"),
        "the text stays in the messagerie: {}",
        recus[0].donnees
    );

    // The praticien reads, then answers: the patient is told, by its own channel.
    app.get_as(&messages, Some(&m.medecin)).await.assert_status(200);
    ecrire(Some(m.medecin.clone()), "Venez me voir cette semaine.".to_owned()).await;
    let au_patient = attendre_mails(&smtp, &m.patient.email, 1).await;
    let sujet = au_patient[0].entete("Subject").unwrap_or_default();
    assert!(sujet.contains("Nouveau message de Dr Alex Durand"), "{sujet}");
    assert!(
        !au_patient[0].donnees.contains("semaine"),
        "{}",
        au_patient[0].donnees
    );

    // Having read, the praticien hears of the next message.
    ecrire(m.patient.token().map(str::to_owned), "Merci, à jeudi.".to_owned()).await;
    attendre_mails(&smtp, &m.praticien.email, 2).await;
    // Settled: only the reminder of the rdv booked by `monde` waits.
    poll_until("only the reminder pending", Duration::from_secs(20), || async {
        let h: Value = app.get("/health").await.json().await.expect("health");
        if h["notifications"]["pending"] == 1 {
            Ok(())
        } else {
            Err(h.to_string())
        }
    })
    .await;
    assert_eq!(mails_pour(&smtp, &m.praticien.email).len(), 2);
}

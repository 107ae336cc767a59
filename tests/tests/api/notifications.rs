//! Notifications (issue 7): the outbox delivers to a real SMTP receiver and a real HTTP webhook on
//! 127.0.0.1; the invitation parses as iCalendar; a relay that is down, then a SIGKILL, lose nothing
//! and send nothing twice.

use std::time::Duration;

use e2e::smtp::{MailRecu, SmtpServer};
use e2e::webhook::WebhookServer;
use e2e::{TestApp, UtcTime, access_token, horaires_chaque_jour, poll_until, string};
use icalendar::{CalendarComponent, Component as _};
use serde_json::{Value, json};

/// Longest wait for a notification to arrive.
const ARRIVEE: Duration = Duration::from_secs(20);
/// The retry base of the servers under test (ms): short, so a relay back up is seen at once.
const RETRY_MS: &str = "100";

fn jour(n: i64) -> UtcTime {
    let (y, m, d) = UtcTime::now().plus_days(n).ymd();
    UtcTime::date(y, m, d)
}

async fn serveur(smtp: &SmtpServer, data: Option<&std::path::Path>) -> TestApp {
    serveur_a(smtp, data, 0).await
}

/// [`serveur`] with its clock moved `decalage_s` seconds forward (the test-only clock offset).
async fn serveur_a(smtp: &SmtpServer, data: Option<&std::path::Path>, decalage_s: i64) -> TestApp {
    let mut b = TestApp::builder()
        .env("TOUBEELIB_SMTP_URL", smtp.url())
        .env(
            "TOUBEELIB_MAIL_FROM",
            "Toubeelib <ne-pas-repondre@toubeelib.example>",
        )
        .env("TOUBEELIB_OUTBOX_RETRY_MS", RETRY_MS);
    if decalage_s != 0 {
        b = b.env("TOUBEELIB_TEST_CLOCK_OFFSET_SECONDS", decalage_s.to_string());
    }
    if let Some(d) = data {
        b = b.data_dir(d);
    }
    b.spawn().await
}

/// A praticien open every day 09:00–12:00 at Nancy; its id.
async fn praticien(app: &TestApp) -> String {
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    app.create_praticien(
        &admin,
        &nancy,
        json!({ "horaires": horaires_chaque_jour(&nancy, "09:00", "12:00") }),
    )
    .await
    .id
}

/// A new patient preferring `canal`: (email, token).
async fn patient(app: &TestApp, canal: &str) -> (String, String) {
    let email = format!("notif-{}@e2e.toubeelib.fr", e2e::unique());
    let mut corps = TestApp::registration(&email);
    corps["canal_prefere"] = json!(canal);
    let tokens = app
        .post_json("/auth/register", None, &corps)
        .await
        .assert_status(201);
    (email, access_token(&tokens))
}

/// Books the first free créneau of day `n`; the rdv's id.
async fn reserver(app: &TestApp, token: &str, praticien: &str, n: i64) -> String {
    let creneau = app.first_free_creneau(praticien, jour(n), jour(n + 1)).await;
    let rdv = app
        .book(Some(token), praticien, &creneau)
        .await
        .assert_status(201);
    string(&rdv, "id")
}

fn pour(smtp: &SmtpServer, email: &str) -> Vec<MailRecu> {
    smtp.pour(email, |_| true)
}

async fn attendre_mails(smtp: &SmtpServer, email: &str, n: usize) -> Vec<MailRecu> {
    smtp.attendre(email, n, ARRIVEE, |_| true).await
}

/// The invitation of a mail: parsed, with its METHOD and its one event's UID.
fn invitation(mail: &MailRecu) -> (String, String, String) {
    let parties = mail.parties("text/calendar");
    assert_eq!(parties.len(), 1, "one text/calendar part: {}", mail.donnees);
    let (type_mime, texte) = &parties[0];
    let calendrier: icalendar::Calendar = texte.parse().unwrap_or_else(|e| panic!("{e}\n{texte}"));
    let methode = calendrier.property_value("METHOD").expect("METHOD").to_owned();
    assert!(
        type_mime
            .to_ascii_lowercase()
            .contains(&format!("method={}", methode.to_ascii_lowercase())),
        "{type_mime}"
    );
    let evenements: Vec<_> = calendrier
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(evenements.len(), 1, "{texte}");
    let uid = evenements[0].get_uid().expect("UID").to_owned();
    (methode, uid, texte.clone())
}

async fn sante(app: &TestApp) -> Value {
    app.get("/health").await.json().await.expect("health json")
}

#[tokio::test]
async fn a_booking_mails_an_invitation_and_its_cancellation_mails_the_cancel_with_the_same_uid() {
    let smtp = SmtpServer::start().await;
    let app = serveur(&smtp, None).await;
    let p = praticien(&app).await;
    let (email, token) = patient(&app, "email").await;

    let rdv = reserver(&app, &token, &p, 2).await;
    let mails = attendre_mails(&smtp, &email, 1).await;
    let confirmation = &mails[0];
    let (methode, uid, ics) = invitation(confirmation);
    assert_eq!(methode, "REQUEST", "{ics}");
    assert_eq!(uid, format!("{rdv}@toubeelib"));
    assert!(ics.contains("STATUS:CONFIRMED"), "{ics}");
    let textes = confirmation.parties("text/plain");
    let texte = &textes.first().expect("a text/plain part").1;
    for attendu in [
        "Durand",
        "Maison médicale de Nancy",
        "12 rue de la République",
        "54000 Nancy",
        "en présentiel",
    ] {
        assert!(texte.contains(attendu), "{attendu} missing from {texte}");
    }
    assert!(!confirmation.parties("text/html").is_empty(), "no HTML part");
    let message_id = confirmation.entete("Message-ID").expect("Message-ID");
    assert!(message_id.ends_with("@toubeelib>"), "{message_id}");

    app.cancel(Some(&token), &rdv).await.assert_status(200);
    let mails = attendre_mails(&smtp, &email, 2).await;
    let (methode, uid_annule, ics) = invitation(&mails[1]);
    assert_eq!(methode, "CANCEL", "{ics}");
    assert_eq!(uid_annule, uid);
    assert!(ics.contains("STATUS:CANCELLED"), "{ics}");
    assert_ne!(mails[1].entete("Message-ID"), Some(message_id));

    let h = sante(&app).await;
    assert_eq!(h["notifications"]["email"]["state"], "ok", "{h}");
    assert_eq!(h["notifications"]["sms"]["state"], "non_configure", "{h}");
}

#[tokio::test]
async fn a_patient_preferring_sms_gets_the_webhook() {
    let smtp = SmtpServer::start().await;
    let webhook = WebhookServer::start().await;
    let app = TestApp::builder()
        .env("TOUBEELIB_SMS_WEBHOOK_URL", webhook.url())
        .env("TOUBEELIB_OUTBOX_RETRY_MS", RETRY_MS)
        .spawn()
        .await;
    let p = praticien(&app).await;
    let (email, token) = patient(&app, "sms").await;

    reserver(&app, &token, &p, 2).await;
    let corps = poll_until("one SMS", ARRIVEE, || async {
        let b = webhook.bodies();
        if b.is_empty() {
            Err("none yet".to_owned())
        } else {
            Ok(b)
        }
    })
    .await;
    let sms: Value = serde_json::from_str(&corps[0]).expect("JSON body");
    assert_eq!(sms["to"], "+33612345678", "{sms}");
    let texte = sms["text"].as_str().expect("text");
    assert!(texte.contains("confirmé") && texte.contains("Durand"), "{texte}");
    assert!(pour(&smtp, &email).is_empty());
    let h = sante(&app).await;
    assert_eq!(h["notifications"]["email"]["state"], "non_configure", "{h}");
    assert_eq!(h["notifications"]["sms"]["state"], "ok", "{h}");
}

#[tokio::test]
async fn with_the_relay_down_bookings_succeed_and_each_mail_arrives_once_when_it_is_back() {
    let mut smtp = SmtpServer::down().await;
    let app = serveur(&smtp, None).await;
    let p = praticien(&app).await;
    let (email, token) = patient(&app, "email").await;
    let mut rdvs = Vec::new();
    for n in [2, 3, 4] {
        rdvs.push(reserver(&app, &token, &p, n).await);
    }
    poll_until("the mail channel in error", ARRIVEE, || async {
        let h = sante(&app).await;
        // Three confirmations and, later, three reminders.
        if h["notifications"]["email"]["state"] == "en_erreur" && h["notifications"]["pending"] == 6 {
            Ok(())
        } else {
            Err(h.to_string())
        }
    })
    .await;

    smtp.up().await;
    let mails = attendre_mails(&smtp, &email, 3).await;
    // A few retry periods more: nothing arrives twice.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails_apres = pour(&smtp, &email);
    assert_eq!(
        mails_apres.len(),
        3,
        "{:?}",
        mails_apres
            .iter()
            .map(|m| m.entete("Message-ID"))
            .collect::<Vec<_>>()
    );
    let mut uids: Vec<String> = mails.iter().map(|m| invitation(m).1).collect();
    uids.sort();
    let mut attendus: Vec<String> = rdvs.iter().map(|r| format!("{r}@toubeelib")).collect();
    attendus.sort();
    assert_eq!(uids, attendus);
    let h = sante(&app).await;
    // What waits is the reminders, 24 h before each rdv.
    assert_eq!(h["notifications"]["pending"], 3, "{h}");
    assert_eq!(h["notifications"]["email"]["state"], "ok", "{h}");
}

#[tokio::test]
async fn pending_mails_survive_a_sigkill_and_arrive_once_after_the_restart() {
    let mut smtp = SmtpServer::down().await;
    let data = tempfile::tempdir().expect("tempdir");
    let mut app = serveur(&smtp, Some(data.path())).await;
    let p = praticien(&app).await;
    let (email, token) = patient(&app, "email").await;
    reserver(&app, &token, &p, 2).await;
    reserver(&app, &token, &p, 3).await;
    app.kill().await.expect("SIGKILL");

    smtp.up().await;
    let app = serveur(&smtp, Some(data.path())).await;
    let mails = attendre_mails(&smtp, &email, 2).await;
    assert_eq!(mails.len(), 2);
    // Once accepted, a mail is marked sent: a second restart sends nothing again.
    let mut app = app;
    poll_until("only the reminders waiting", ARRIVEE, || async {
        let h = sante(&app).await;
        if h["notifications"]["pending"] == 2 {
            Ok(())
        } else {
            Err(h.to_string())
        }
    })
    .await;
    app.restart().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(pour(&smtp, &email).len(), 2);
    let mut ids: Vec<_> = mails.iter().filter_map(|m| m.entete("Message-ID")).collect();
    ids.dedup();
    assert_eq!(ids.len(), 2);
}

/// The subject of the reminder mails (`notifications/textes.rs`).
const SUJET_RAPPEL: &str = "Rappel de rendez-vous";

fn rappels(smtp: &SmtpServer, email: &str) -> Vec<MailRecu> {
    pour(smtp, email)
        .into_iter()
        .filter(|m| m.entete("Subject").is_some_and(|s| s.contains(SUJET_RAPPEL)))
        .collect()
}

#[tokio::test]
async fn a_reminder_is_sent_inside_its_delay_and_not_for_a_cancelled_rdv() {
    let smtp = SmtpServer::start().await;
    let data = tempfile::tempdir().expect("tempdir");
    let mut app = serveur(&smtp, Some(data.path())).await;
    let p = praticien(&app).await;
    let (email, token) = patient(&app, "email").await;
    // Two rdvs the day after tomorrow, then the later one cancelled: both reminders are queued for
    // 24 h before their start (the default réglage), the cancelled one's must never leave.
    let garde = app.first_free_creneau(&p, jour(2), jour(3)).await;
    app.book(Some(&token), &p, &garde).await.assert_status(201);
    let annule = app.first_free_creneau(&p, jour(2), jour(3)).await;
    let rdv_annule = string(
        &app.book(Some(&token), &p, &annule).await.assert_status(201),
        "id",
    );
    app.cancel(Some(&token), &rdv_annule).await.assert_status(200);
    attendre_mails(&smtp, &email, 3).await;
    assert!(rappels(&smtp, &email).is_empty(), "no reminder before its time");
    app.terminate().await.expect("SIGTERM");

    // The same data, a server whose clock is a minute past the later reminder's time: both
    // reminders are due, the first rdv is still ahead.
    let debut_annule = UtcTime::parse_or_panic(&string(&annule, "debut"));
    let debut_garde = UtcTime::parse_or_panic(&string(&garde, "debut"));
    let decalage = debut_annule.plus_hours(-24).unix_secs() - UtcTime::now().unix_secs() + 60;
    assert!(UtcTime::now().unix_secs() + decalage < debut_garde.unix_secs());
    let plus_tard = serveur_a(&smtp, Some(data.path()), decalage).await;
    let recus = poll_until("one reminder", ARRIVEE, || async {
        let r = rappels(&smtp, &email);
        if r.is_empty() {
            Err("none yet".to_owned())
        } else {
            Ok(r)
        }
    })
    .await;
    poll_until("the outbox empty", ARRIVEE, || async {
        let h = sante(&plus_tard).await;
        if h["notifications"]["pending"] == 0 {
            Ok(())
        } else {
            Err(h.to_string())
        }
    })
    .await;
    // Settled: the cancelled rdv's reminder was dropped, not sent.
    let recus_apres = rappels(&smtp, &email);
    assert_eq!(
        recus_apres.len(),
        1,
        "{:?}",
        recus_apres.iter().map(|m| &m.donnees).collect::<Vec<_>>()
    );
    let texte = &recus[0].parties("text/plain")[0].1;
    assert!(texte.contains("Durand"), "{texte}");
    // The kept rdv is the day's first créneau (09:00 local); the cancelled one came after it.
    let sujet = recus[0].entete("Subject").unwrap_or_default();
    assert!(
        sujet.contains("9 h 00"),
        "the reminder is of the kept rdv: {sujet}"
    );
}

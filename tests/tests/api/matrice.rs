//! The access matrix as data (DOMAIN.md "Who may see and do what"): every role × every resource and
//! verb, with the status expected, walked against the running binary; then every list a role may read
//! is checked item by item: it never holds what that role could not open one by one.
//!
//! Writes that would change what later cells see are sent so that, once access is granted, the rules
//! refuse them for another reason (a move to a time that is no créneau: 409; `honore` before the rdv:
//! 409); a cell's expected status therefore tells "access granted" (that 409) from "refused" (403/401).
//! A write that must succeed (a booking, a cancellation) gets its own créneau or rdv per role.

use e2e::{PRATICIEN_PASSWORD, Patient, Praticien, TestApp, UtcTime, access_token, booking, string};
use reqwest::Method;
use serde_json::{Value, json};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qui {
    Anonyme,
    /// The patient the data is about.
    Patient,
    AutrePatient,
    /// Praticien A: the patient has rdvs with it.
    PraticienLie,
    /// Praticien B: no tie to the patient.
    PraticienNonLie,
    /// Personnel associated with A.
    PersonnelAssocie,
    /// Personnel associated with B only.
    AutrePersonnel,
    Admin,
}

const TOUS: [Qui; 8] = [
    Qui::Anonyme,
    Qui::Patient,
    Qui::AutrePatient,
    Qui::PraticienLie,
    Qui::PraticienNonLie,
    Qui::PersonnelAssocie,
    Qui::AutrePersonnel,
    Qui::Admin,
];

/// Statuses in [`TOUS`] order.
type Attendus = [u16; 8];

/// Everyone, even anonymous.
const PUBLIC: Attendus = [200; 8];
/// The patient's own data (its dossier administratif and lists): the patient, the linked praticien, the
/// associated personnel.
const DOSSIER: Attendus = [401, 200, 403, 200, 403, 200, 403, 403];
/// A praticien's planning, bilan, statistiques: A and its personnel.
const CABINET: Attendus = [401, 403, 403, 200, 403, 200, 403, 403];
/// A praticien's management (horaires, indisponibilités, bank data): A, its personnel, the admin.
const GESTION: Attendus = [401, 403, 403, 200, 403, 200, 403, 200];
/// A praticien's own settings (réglages, patientèle, feed secret): A alone.
const PRATICIEN_SEUL: Attendus = [401, 403, 403, 200, 403, 403, 403, 403];
/// The partie médicale: the patient and its linked praticien, never personnel nor admin.
const MEDICAL: Attendus = [401, 200, 403, 200, 403, 403, 403, 403];
/// The patient's own views of itself (praticiens consultés, access log, export).
const PATIENT_SEUL: Attendus = [401, 200, 403, 403, 403, 403, 403, 403];
/// The directory's administration: the admin.
const ADMIN: Attendus = [401, 403, 403, 403, 403, 403, 403, 201];

/// One cell row: a request and what each role gets.
struct Ligne {
    methode: Method,
    chemin: String,
    /// The body for each role (the same for all, or one per role).
    corps: Corps,
    attendus: Attendus,
}

enum Corps {
    Aucun,
    Json(Value),
    ParRole(Vec<Value>),
    /// A document form (multipart), the same for all.
    Document,
}

const LIMITE: &str = "e2e-matrice-limite";
const MULTIPART: &str = "multipart/form-data; boundary=e2e-matrice-limite";

/// A one-line PDF as a `multipart/form-data` form: `type`, `titre`, `file`.
fn formulaire() -> Vec<u8> {
    let mut corps = Vec::new();
    for (nom, valeur) in [("type", "compte_rendu"), ("titre", "Compte rendu")] {
        corps.extend(
            format!("--{LIMITE}\r\nContent-Disposition: form-data; name=\"{nom}\"\r\n\r\n{valeur}\r\n")
                .as_bytes(),
        );
    }
    corps.extend(
        format!(
            "--{LIMITE}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cr.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--{LIMITE}--\r\n"
        )
        .as_bytes(),
    );
    corps
}

struct Monde {
    app: TestApp,
    jetons: Vec<Option<String>>,
    a: Praticien,
    b: Praticien,
    patient: Patient,
    /// A rdv of the patient with A, to come.
    rdv: String,
    /// One rdv per role, to cancel.
    a_annuler: Vec<String>,
    /// One free créneau of A per role, to book for the patient.
    a_reserver: Vec<Value>,
    /// A document A filed in the patient's dossier.
    document: String,
    /// The conversation of the patient with A.
    conversation: String,
    /// The patient's waiting-list entry with A (`/liste-attente/{id}`).
    attente: String,
}

impl Monde {
    fn jeton(&self, qui: Qui) -> Option<&str> {
        let i = TOUS.iter().position(|q| *q == qui).unwrap_or(0);
        self.jetons.get(i).and_then(Option::as_deref)
    }

    async fn ouvrir() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.admin_token().await;
        let structure = app.create_structure(&admin, "Nancy").await;
        let a = app.create_praticien(&admin, &structure, json!({})).await;
        let b = app.create_praticien(&admin, &structure, json!({})).await;
        let mut personnels = Vec::new();
        for (nom, praticien) in [("associe", &a.id), ("autre", &b.id)] {
            let email = format!("personnel-{nom}@e2e.toubeelib.fr");
            let corps = json!({
                "nom": "Thiébaut", "prenom": "Valérie", "email": email,
                "password": "Personnel-e2e-2026", "structure_id": structure, "praticiens": [praticien],
            });
            app.post_json("/personnels", Some(&admin), &corps)
                .await
                .assert_status(201);
            personnels.push(access_token(
                &app.signin(&email, "Personnel-e2e-2026").await.assert_status(200),
            ));
        }
        let patient = app.register_patient().await;
        let autre = app.register_patient().await;
        let jeton_praticien = |p: &Praticien| {
            let app = &app;
            let email = p.email.clone();
            async move { access_token(&app.signin(&email, PRATICIEN_PASSWORD).await.assert_status(200)) }
        };
        let jeton_a = jeton_praticien(&a).await;
        let jeton_b = jeton_praticien(&b).await;
        let jetons = vec![
            None,
            Some(patient.access_token.clone()),
            Some(autre.access_token.clone()),
            Some(jeton_a),
            Some(jeton_b),
            Some(personnels[0].clone()),
            Some(personnels[1].clone()),
            Some(admin),
        ];
        // A's free créneaux over the coming week: one rdv to read, eight to cancel, eight to book.
        let now = UtcTime::now();
        let creneaux = app
            .disponibilites(&a.id, now.plus_days(2), now.plus_days(9))
            .await;
        assert!(creneaux.len() >= 17, "not enough créneaux: {}", creneaux.len());
        let mut rdvs = Vec::new();
        for c in creneaux.iter().take(9) {
            rdvs.push(string(
                &app.book(patient.token(), &a.id, c).await.assert_status(201),
                "id",
            ));
        }
        let rdv = rdvs.remove(0);
        let a_reserver = creneaux.iter().skip(9).take(8).cloned().collect();
        let document = string(
            &app.post_raw(
                &format!("/patients/{}/documents", patient.id),
                jetons[3].as_deref(),
                MULTIPART,
                formulaire(),
            )
            .await
            .assert_status(201),
            "id",
        );
        let conversation = string(
            &app.post_json(
                "/conversations",
                patient.token(),
                &json!({ "praticien_id": a.id }),
            )
            .await
            .assert_status(201),
            "id",
        );
        let attente = string(
            &app.post_json(
                &format!("/praticiens/{}/liste-attente", a.id),
                patient.token(),
                &attente_jusqua(now.plus_days(20)),
            )
            .await
            .assert_status(201),
            "id",
        );
        Self {
            app,
            jetons,
            a,
            b,
            patient,
            rdv,
            a_annuler: rdvs,
            a_reserver,
            document,
            conversation,
            attente,
        }
    }

    fn lignes(&self) -> Vec<Ligne> {
        let (a, p, rdv) = (&self.a.id, &self.patient.id, &self.rdv);
        let now = UtcTime::now();
        let (debut, fin) = (now.to_string(), now.plus_days(7).to_string());
        let fenetre = format!("debut={debut}&fin={fin}");
        let get = |chemin: String, attendus: Attendus| Ligne {
            methode: Method::GET,
            chemin,
            corps: Corps::Aucun,
            attendus,
        };
        let avec = |methode: Method, chemin: String, corps: Value, attendus: Attendus| Ligne {
            methode,
            chemin,
            corps: Corps::Json(corps),
            attendus,
        };
        // A move to 10:07, which is no créneau: granted → 409, refused → 403.
        let pas_un_creneau = now.plus_days(3).plus_minutes(7).to_string();
        // For the patient: a booking of its own, online; for the others, for that patient, at the desk.
        let reserver: Vec<Value> = self
            .a_reserver
            .iter()
            .zip(TOUS)
            .map(|(c, qui)| {
                let mut corps = booking(a, c);
                corps["patient_id"] = json!(p);
                if !matches!(qui, Qui::Patient | Qui::AutrePatient) {
                    corps["origine"] = json!("hors_plateforme");
                }
                corps
            })
            .collect();
        // One period off per role, so that each granted one is new.
        let conges: Vec<Value> = (0..TOUS.len())
            .map(|i| {
                let debut = now.plus_days(60 + i as i64);
                json!({ "debut": debut.to_string(), "fin": debut.plus_hours(1).to_string() })
            })
            .collect();
        let unique = e2e::unique();
        vec![
            // The public directory.
            get(format!("/praticiens/{a}"), PUBLIC),
            get(format!("/praticiens/{a}/calendrier?{fenetre}"), PUBLIC),
            get(format!("/praticiens/{a}/disponibilites?{fenetre}"), PUBLIC),
            get("/praticiens?q=durand".to_owned(), PUBLIC),
            get("/praticiens?ville=Nancy".to_owned(), PUBLIC),
            get("/specialites".to_owned(), PUBLIC),
            get("/structures?ville=Nancy".to_owned(), PUBLIC),
            get(
                format!("/disponibilites?date={}&ville=Nancy", &debut[..10]),
                PUBLIC,
            ),
            // Accounts and the directory's administration.
            get("/me".to_owned(), [401, 200, 200, 200, 200, 200, 200, 200]),
            avec(
                Method::POST,
                "/structures".to_owned(),
                json!({
                    "nom": format!("Cabinet {unique}"), "type": "cabinet", "adresse": "1 rue Haute",
                    "code_postal": "54000", "ville": "Nancy", "telephone": "03 83 00 00 01",
                }),
                ADMIN,
            ),
            avec(
                Method::POST,
                "/personnels".to_owned(),
                json!({
                    "nom": "Martin", "prenom": "Léa", "email": format!("matrice-{unique}@e2e.toubeelib.fr"),
                    "password": "Personnel-e2e-2026", "structure_id": self.a_structure(), "praticiens": [a],
                }),
                ADMIN,
            ),
            // Rdvs.
            get(format!("/rdvs/{rdv}"), DOSSIER),
            avec(
                Method::PATCH,
                format!("/rdvs/{rdv}"),
                json!({ "debut": pas_un_creneau }),
                [401, 409, 403, 409, 403, 409, 403, 403],
            ),
            avec(
                Method::POST,
                format!("/rdvs/{rdv}/statut"),
                json!({ "statut": "honore" }),
                [401, 403, 403, 409, 403, 409, 403, 403],
            ),
            Ligne {
                methode: Method::POST,
                chemin: "/rdvs".to_owned(),
                corps: Corps::ParRole(reserver),
                attendus: [401, 201, 403, 201, 403, 201, 403, 403],
            },
            get(format!("/patients/{p}/rdvs?periode=a_venir"), DOSSIER),
            // A's workspace.
            get(format!("/praticiens/{a}/planning?{fenetre}"), CABINET),
            get(format!("/praticiens/{a}/bilan"), CABINET),
            get(format!("/praticiens/{a}/statistiques"), CABINET),
            get(format!("/praticiens/{a}/horaires"), GESTION),
            get(format!("/praticiens/{a}/indisponibilites?{fenetre}"), GESTION),
            Ligne {
                methode: Method::POST,
                chemin: format!("/praticiens/{a}/indisponibilites"),
                corps: Corps::ParRole(conges),
                attendus: [401, 403, 403, 201, 403, 201, 403, 201],
            },
            Ligne {
                methode: Method::DELETE,
                chemin: format!("/praticiens/{a}/indisponibilites/0190a0a0-0000-7000-8000-000000000000"),
                corps: Corps::Aucun,
                attendus: [401, 403, 403, 404, 403, 404, 403, 404],
            },
            avec(
                Method::PUT,
                format!("/praticiens/{a}/donnees-bancaires"),
                json!({ "iban": "FR7630006000011234567890189", "bic": "BNPAFRPP", "titulaire": "Dr Alex Durand" }),
                GESTION,
            ),
            get(format!("/praticiens/{a}/donnees-bancaires"), GESTION),
            get(format!("/praticiens/{a}/reglages"), PRATICIEN_SEUL),
            get(format!("/praticiens/{a}/patientele"), PRATICIEN_SEUL),
            avec(
                Method::POST,
                format!("/praticiens/{a}/patientele"),
                json!({ "patient_id": p }),
                [401, 403, 403, 201, 403, 403, 403, 403],
            ),
            avec(
                Method::POST,
                format!("/praticiens/{a}/reglages/jeton-ics"),
                json!({}),
                PRATICIEN_SEUL,
            ),
            // The dossier patient (issue 6): its partie administrative, its partie médicale, its
            // documents, who read them, its export, and each account's second factor.
            get(format!("/patients/{p}"), DOSSIER),
            // Each role another address (a value equal to the stored one is no change and needs no right).
            Ligne {
                methode: Method::PATCH,
                chemin: format!("/patients/{p}"),
                corps: Corps::ParRole(
                    (1..=TOUS.len())
                        .map(|i| json!({ "adresse": format!("{i} rue des Tilleuls, 54000 Nancy") }))
                        .collect(),
                ),
                attendus: [401, 200, 403, 403, 403, 403, 403, 403],
            },
            get(format!("/patients/{p}/dossier-medical"), MEDICAL),
            Ligne {
                methode: Method::POST,
                chemin: format!("/patients/{p}/documents"),
                corps: Corps::Document,
                attendus: [401, 403, 403, 201, 403, 403, 403, 403],
            },
            get(format!("/documents/{}", self.document), MEDICAL),
            get(format!("/patients/{p}/praticiens"), PATIENT_SEUL),
            get(format!("/patients/{p}/acces"), PATIENT_SEUL),
            get(format!("/patients/{p}/export"), PATIENT_SEUL),
            avec(
                Method::POST,
                "/me/totp".to_owned(),
                json!({}),
                [401, 200, 200, 200, 200, 200, 200, 200],
            ),
            // The messagerie (issue 7): patients and praticiens only; a conversation, its two parties.
            get(
                "/conversations".to_owned(),
                [401, 200, 200, 200, 200, 403, 403, 403],
            ),
            get(format!("/conversations/{}/messages", self.conversation), MEDICAL),
            // The waiting list (issue 7): a patient joins for itself; an entry is its patient's alone.
            avec(
                Method::POST,
                format!("/praticiens/{}/liste-attente", self.b.id),
                attente_jusqua(now.plus_days(20)),
                [401, 201, 201, 403, 403, 403, 403, 403],
            ),
            get(format!("/liste-attente/{}", self.attente), PATIENT_SEUL),
            avec(
                Method::POST,
                format!("/liste-attente/{}/acceptation", self.attente),
                json!({}),
                [401, 409, 403, 403, 403, 403, 403, 403],
            ),
            Ligne {
                methode: Method::DELETE,
                chemin: format!("/liste-attente/{}", self.attente),
                corps: Corps::Aucun,
                attendus: [401, 204, 403, 403, 403, 403, 403, 403],
            },
            // The platform's backup: the admin alone.
            get(
                "/admin/backup".to_owned(),
                [401, 403, 403, 403, 403, 403, 403, 200],
            ),
            // B's planning: nobody of A's side.
            get(
                format!("/praticiens/{}/planning?{fenetre}", self.b.id),
                [401, 403, 403, 403, 200, 403, 200, 403],
            ),
        ]
    }

    fn a_structure(&self) -> &str {
        &self.a.structure_id
    }
}

/// A waiting-list request for any général créneau in présentiel up to `avant`.
fn attente_jusqua(avant: UtcTime) -> Value {
    let (y, m, d) = avant.ymd();
    json!({ "specialite": "medecine_generale", "type": "presentiel", "avant": format!("{y:04}-{m:02}-{d:02}") })
}

/// Sends one cell.
async fn envoyer(m: &Monde, ligne: &Ligne, i: usize, qui: Qui) -> (u16, Value) {
    let corps = match &ligne.corps {
        Corps::Aucun => None,
        Corps::Json(v) => Some(v.clone()),
        Corps::ParRole(v) => v.get(i).cloned(),
        Corps::Document => None,
    };
    let body = match (&ligne.corps, corps) {
        (Corps::Document, _) => e2e::Body::Raw {
            content_type: MULTIPART,
            bytes: formulaire(),
        },
        (_, Some(v)) => e2e::Body::Json(v),
        (_, None) => e2e::Body::Empty,
    };
    let reponse = m
        .app
        .send(
            m.app
                .request(ligne.methode.clone(), &ligne.chemin, m.jeton(qui), body),
        )
        .await;
    let json = if reponse.text().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(reponse.text()).unwrap_or(Value::Null)
    };
    (reponse.status(), json)
}

#[tokio::test]
async fn every_role_gets_exactly_its_rights_on_every_resource_and_lists_leak_nothing() {
    let m = Monde::ouvrir().await;
    let mut ecarts = Vec::new();
    let mut cellules = 0;
    for ligne in m.lignes() {
        for (i, qui) in TOUS.iter().enumerate() {
            let (statut, corps) = envoyer(&m, &ligne, i, *qui).await;
            cellules += 1;
            let attendu = ligne.attendus[i];
            if statut != attendu {
                ecarts.push(format!(
                    "{} {} as {qui:?}: {statut}, expected {attendu}: {corps}",
                    ligne.methode, ligne.chemin
                ));
            }
        }
    }
    // Cancelling: one rdv per role.
    for (i, qui) in TOUS.iter().enumerate() {
        let Some(rdv) = m.a_annuler.get(i) else {
            continue;
        };
        let attendu = [401, 200, 403, 200, 403, 200, 403, 403][i];
        let statut = m.app.cancel(m.jeton(*qui), rdv).await.status();
        cellules += 1;
        if statut != attendu {
            ecarts.push(format!(
                "POST /rdvs/{rdv}/annulation as {qui:?}: {statut}, expected {attendu}"
            ));
        }
    }
    println!("access matrix: {cellules} cells, {} roles", TOUS.len());
    assert!(
        ecarts.is_empty(),
        "{} cells differ:\n{}",
        ecarts.len(),
        ecarts.join("\n")
    );

    // Lists: every item a role reads in a list, it can open alone.
    let now = UtcTime::now();
    let fenetre = format!("debut={}&fin={}", now, now.plus_days(9));
    let listes = [
        format!("/patients/{}/rdvs?periode=a_venir&limit=100", m.patient.id),
        format!("/praticiens/{}/planning?{fenetre}", m.a.id),
        format!("/praticiens/{}/planning?{fenetre}", m.b.id),
    ];
    let mut vues = 0;
    for liste in &listes {
        for qui in TOUS {
            let r = m.app.get_as(liste, m.jeton(qui)).await;
            if r.status() != 200 {
                continue;
            }
            for item in r.json()["items"].as_array().into_iter().flatten() {
                let id = string(item, "id");
                let seul = m.app.get_as(&format!("/rdvs/{id}"), m.jeton(qui)).await.status();
                vues += 1;
                assert_eq!(
                    seul, 200,
                    "{liste} as {qui:?} lists rdv {id}, which it cannot open"
                );
            }
        }
    }
    // The patients a patientèle lists, each dossier opened alone by whoever read the list.
    for qui in TOUS {
        let r = m
            .app
            .get_as(&format!("/praticiens/{}/patientele", m.a.id), m.jeton(qui))
            .await;
        if r.status() != 200 {
            continue;
        }
        for item in r.json()["items"].as_array().into_iter().flatten() {
            let id = string(item, "patient_id");
            let seul = m
                .app
                .get_as(&format!("/patients/{id}"), m.jeton(qui))
                .await
                .status();
            vues += 1;
            assert_eq!(
                seul, 200,
                "the patientèle as {qui:?} lists patient {id}, whose dossier it cannot open"
            );
        }
    }
    // The documents a dossier médical lists, each opened alone by whoever read the list.
    for qui in TOUS {
        let r = m
            .app
            .get_as(
                &format!("/patients/{}/dossier-medical", m.patient.id),
                m.jeton(qui),
            )
            .await;
        if r.status() != 200 {
            continue;
        }
        for d in r.json()["documents"].as_array().into_iter().flatten() {
            let id = string(d, "id");
            let seul = m
                .app
                .get_as(&format!("/documents/{id}"), m.jeton(qui))
                .await
                .status();
            vues += 1;
            assert_eq!(
                seul, 200,
                "the dossier médical as {qui:?} lists document {id}, which it cannot open"
            );
        }
    }
    println!("lists: {vues} items checked one by one");
    assert!(vues > 0, "no list item checked");
}

//! A day of a maison médicale (issue 5): the personnel books hors plateforme, the praticien marks who
//! came, the personnel records payments and the transmission, and the bilan and the statistiques add
//! up to exactly those counts and amounts. The personnel reaches nothing of another praticien.
//!
//! The server's clock cannot be set, so the structure's time zone is chosen from the current UTC hour
//! to make it about 18:00 there: the morning's créneaux have started and can be honoured, the evening's
//! are still to come.

use e2e::{
    PRATICIEN_PASSWORD, Praticien, TestApp, UtcTime, access_token, booking, horaires_chaque_jour, reglages,
    string,
};
use serde_json::{Value, json};

/// A structure whose local time is about 18:00 now: its zone, and its UTC offset in hours.
fn fuseau_du_soir(now: UtcTime) -> (String, i64) {
    let heure_utc = now.unix_secs().rem_euclid(86_400) / 3600;
    let mut decalage = 18 - heure_utc;
    if decalage > 14 {
        decalage -= 24;
    }
    if decalage < -12 {
        decalage += 24;
    }
    // POSIX sign: Etc/GMT-5 is UTC+5.
    let nom = match decalage {
        0 => "Etc/GMT".to_owned(),
        d if d > 0 => format!("Etc/GMT-{d}"),
        d => format!("Etc/GMT+{}", -d),
    };
    (nom, decalage)
}

struct Cabinet {
    app: TestApp,
    admin: String,
    structure: String,
    praticien: Praticien,
    medecin: String,
    secretariat: String,
    /// Local midnight of today, as a UTC instant.
    minuit: UtcTime,
    /// Today's local date, `YYYY-MM-DD`.
    aujourdhui: String,
}

impl Cabinet {
    async fn ouvrir() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.admin_token().await;
        let now = UtcTime::now();
        let (fuseau, decalage) = fuseau_du_soir(now);
        let structure = json!({
            "nom": "Maison médicale du Soir", "type": "maison_medicale", "adresse": "3 place Stanislas",
            "code_postal": "54000", "ville": "Nancy", "telephone": "03 83 00 00 00", "fuseau": fuseau,
        });
        let structure = string(
            &app.post_json("/structures", Some(&admin), &structure)
                .await
                .assert_status(201),
            "id",
        );
        let mut horaires = horaires_chaque_jour(&structure, "00:00", "23:30");
        for regle in horaires.as_array_mut().expect("rules") {
            regle["types"] = json!(["presentiel", "teleconsultation"]);
        }
        let praticien = app
            .create_praticien(
                &admin,
                &structure,
                json!({ "horaires": horaires, "reglages": reglages("signalee", 60) }),
            )
            .await;
        let medecin = access_token(
            &app.signin(&praticien.email, PRATICIEN_PASSWORD)
                .await
                .assert_status(200),
        );
        let personnel = json!({
            "nom": "Thiébaut", "prenom": "Valérie", "email": "accueil@e2e.toubeelib.fr",
            "password": "Accueil-e2e-2026", "structure_id": structure, "praticiens": [praticien.id],
        });
        app.post_json("/personnels", Some(&admin), &personnel)
            .await
            .assert_status(201);
        let secretariat = access_token(
            &app.signin("accueil@e2e.toubeelib.fr", "Accueil-e2e-2026")
                .await
                .assert_status(200),
        );
        let local = now.plus_hours(decalage);
        let (y, m, d) = local.ymd();
        let minuit = UtcTime::date(y, m, d).plus_hours(-decalage);
        Self {
            app,
            admin,
            structure,
            praticien,
            medecin,
            secretariat,
            minuit,
            aujourdhui: format!("{y:04}-{m:02}-{d:02}"),
        }
    }

    /// The personnel books, hors plateforme, today at local `heure`:00 for a new patient.
    async fn au_guichet(&self, heure: i64, type_consultation: &str) -> String {
        let patient = self.app.register_patient().await;
        let creneau = json!({
            "debut": self.minuit.plus_hours(heure).to_string(),
            "specialite": "medecine_generale",
            "type": type_consultation,
        });
        let mut corps = booking(&self.praticien.id, &creneau);
        corps["patient_id"] = json!(patient.id);
        corps["origine"] = json!("hors_plateforme");
        let rdv = self
            .app
            .post_json("/rdvs", Some(&self.secretariat), &corps)
            .await
            .assert_status(201);
        assert_eq!(rdv["origine"], "hors_plateforme", "{rdv}");
        string(&rdv, "id")
    }

    async fn statut(&self, jeton: &str, rdv: &str, corps: Value) -> Value {
        self.app
            .post_json(&format!("/rdvs/{rdv}/statut"), Some(jeton), &corps)
            .await
            .assert_status(200)
    }
}

/// The entry of `liste` whose `cle` is `valeur`.
fn ligne<'a>(liste: &'a Value, cle: &str, valeur: &str) -> &'a Value {
    liste
        .as_array()
        .and_then(|l| l.iter().find(|x| x[cle] == valeur))
        .unwrap_or_else(|| panic!("no {cle} = {valeur} in {liste}"))
}

#[track_caller]
fn compte(v: &Value, nombre: u64, montant_centimes: u64) {
    assert_eq!(
        (v["nombre"].as_u64(), v["montant_centimes"].as_u64()),
        (Some(nombre), Some(montant_centimes)),
        "{v}"
    );
}

#[tokio::test]
async fn a_day_of_the_maison_medicale_adds_up_in_the_bilan_and_the_statistics() {
    let c = Cabinet::ouvrir().await;
    let app = &c.app;

    // The morning at the desk: four walk-ins, one by video.
    let r9 = c.au_guichet(9, "presentiel").await;
    let r10 = c.au_guichet(10, "presentiel").await;
    let r11 = c.au_guichet(11, "presentiel").await;
    let r14 = c.au_guichet(14, "teleconsultation").await;
    // An online booking for tonight, cancelled by the patient within 24 hours: a late cancellation.
    let patient = app.register_patient().await;
    let ce_soir = json!({
        "debut": c.minuit.plus_hours(22).to_string(), "specialite": "medecine_generale", "type": "presentiel",
    });
    let soir = string(
        &app.book(patient.token(), &c.praticien.id, &ce_soir)
            .await
            .assert_status(201),
        "id",
    );
    assert_eq!(
        app.cancel(patient.token(), &soir).await.assert_status(200)["statut"],
        "annule_tardivement"
    );

    // The praticien marks who came; the personnel records payments and one transmission.
    for rdv in [&r9, &r10, &r14] {
        c.statut(&c.medecin, rdv, json!({ "statut": "honore" })).await;
    }
    c.statut(&c.medecin, &r11, json!({ "statut": "non_honore" }))
        .await;
    let paye = c
        .statut(
            &c.secretariat,
            &r9,
            json!({ "statut": "paye", "montant": 3000, "mode": "carte" }),
        )
        .await;
    assert_eq!(paye["paiement"]["mode"], "carte", "{paye}");
    c.statut(
        &c.secretariat,
        &r10,
        json!({ "statut": "paye", "montant": 2650, "mode": "especes",
                "le": c.minuit.plus_hours(10).plus_minutes(25).to_string() }),
    )
    .await;
    let transmis = c
        .statut(
            &c.secretariat,
            &r9,
            json!({ "statut": "transmis", "organisme": "CPAM de Meurthe-et-Moselle" }),
        )
        .await;
    assert_eq!(
        transmis["transmission"]["organisme"],
        "CPAM de Meurthe-et-Moselle"
    );
    let par: Vec<&str> = transmis["historique"]
        .as_array()
        .expect("historique")
        .iter()
        .map(|e| e["statut"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(par, ["prevu", "honore", "paye", "transmis"], "{transmis}");

    // The bilan of today, as the personnel reads it at closing time (today by default).
    let bilan = app
        .get_as(
            &format!("/praticiens/{}/bilan", c.praticien.id),
            Some(&c.secretariat),
        )
        .await
        .assert_status(200);
    assert_eq!(bilan["debut"], c.aujourdhui.as_str(), "{bilan}");
    assert_eq!(bilan["fin"], c.aujourdhui.as_str());
    compte(&bilan["total"], 5, 5650);
    let statuts = &bilan["par_statut"];
    compte(ligne(statuts, "statut", "transmis"), 1, 3000);
    compte(ligne(statuts, "statut", "paye"), 1, 2650);
    compte(ligne(statuts, "statut", "honore"), 1, 0);
    compte(ligne(statuts, "statut", "non_honore"), 1, 0);
    compte(ligne(statuts, "statut", "annule_tardivement"), 1, 0);
    compte(ligne(statuts, "statut", "prevu"), 0, 0);
    compte(ligne(&bilan["par_type"], "type", "presentiel"), 4, 5650);
    compte(ligne(&bilan["par_type"], "type", "teleconsultation"), 1, 0);
    compte(
        ligne(&bilan["par_specialite"], "specialite", "medecine_generale"),
        5,
        5650,
    );
    compte(&bilan["honores_non_payes"], 1, 0);
    compte(&bilan["payes_non_transmis"], 1, 2650);
    // The praticien reads the same figures.
    let du_medecin = app
        .get_as(
            &format!(
                "/praticiens/{}/bilan?debut={d}&fin={d}",
                c.praticien.id,
                d = c.aujourdhui
            ),
            Some(&c.medecin),
        )
        .await
        .assert_status(200);
    assert_eq!(du_medecin, bilan);

    // The statistics of the day: the same counts, the créneaux offered (00:00–23:30: 47 half hours).
    let stats = app
        .get_as(
            &format!(
                "/praticiens/{}/statistiques?debut={d}&fin={d}&par=jour",
                c.praticien.id,
                d = c.aujourdhui
            ),
            Some(&c.medecin),
        )
        .await
        .assert_status(200);
    let points = stats["points"].as_array().expect("points");
    assert_eq!(points.len(), 1, "{stats}");
    let jour = &points[0];
    for (cle, attendu) in [
        ("rdvs", 5),
        ("honores", 3),
        ("non_honores", 1),
        ("annulations", 0),
        ("annulations_tardives", 1),
        ("reserves", 4),
        ("creneaux_offerts", 47),
        ("chiffre_affaires_centimes", 5650),
    ] {
        assert_eq!(jour[cle].as_u64(), Some(attendu), "{cle}: {jour}");
    }
    let taux = jour["taux_remplissage"].as_f64().expect("taux_remplissage");
    assert!((taux - 4.0 / 47.0).abs() < 1e-9, "{taux}");
    assert_eq!(stats["total"]["rdvs"], 5);

    // Over the month by week, today's rdvs are counted once, in today's week.
    let (y, m) = (&c.aujourdhui[..4], &c.aujourdhui[5..7]);
    let mois = app
        .get_as(
            &format!(
                "/praticiens/{}/statistiques?debut={y}-{m}-01&fin={}&par=semaine",
                c.praticien.id, c.aujourdhui
            ),
            Some(&c.secretariat),
        )
        .await
        .assert_status(200);
    let semaines = mois["points"].as_array().expect("points");
    let rdvs: u64 = semaines.iter().filter_map(|p| p["rdvs"].as_u64()).sum();
    let ca: u64 = semaines
        .iter()
        .filter_map(|p| p["chiffre_affaires_centimes"].as_u64())
        .sum();
    assert_eq!((rdvs, ca), (5, 5650), "{mois}");
    assert_eq!(
        semaines.last().map(|p| p["fin"].clone()),
        Some(json!(c.aujourdhui))
    );
}

#[tokio::test]
async fn follow_up_refuses_a_date_to_come_and_an_absurd_amount_and_periods_are_bounded() {
    let c = Cabinet::ouvrir().await;
    let app = &c.app;
    let rdv = c.au_guichet(9, "presentiel").await;
    c.statut(&c.medecin, &rdv, json!({ "statut": "honore" })).await;
    let statut = format!("/rdvs/{rdv}/statut");
    let demain = UtcTime::now().plus_days(1).to_string();
    app.post_json(
        &statut,
        Some(&c.secretariat),
        &json!({ "statut": "paye", "montant": 3000, "mode": "cheque", "le": demain }),
    )
    .await
    .assert_problem(422, "date_invalide");
    app.post_json(
        &statut,
        Some(&c.secretariat),
        &json!({ "statut": "paye", "montant": 3000, "mode": "cheque",
                 "le": c.minuit.plus_hours(8).to_string() }),
    )
    .await
    .assert_problem(422, "date_invalide");
    app.post_json(
        &statut,
        Some(&c.secretariat),
        &json!({ "statut": "paye", "montant": 100_000_000, "mode": "cheque" }),
    )
    .await
    .assert_problem(422, "montant_invalide");

    let bilan = format!("/praticiens/{}/bilan", c.praticien.id);
    app.get_as(
        &format!("{bilan}?debut=2026-03-02&fin=2026-03-01"),
        Some(&c.medecin),
    )
    .await
    .assert_problem(422, "periode_invalide");
    app.get_as(
        &format!(
            "/praticiens/{}/statistiques?debut=2025-01-01&fin=2026-03-01",
            c.praticien.id
        ),
        Some(&c.medecin),
    )
    .await
    .assert_problem(422, "periode_trop_longue");
    app.get_as(&format!("{bilan}?debut=hier"), Some(&c.medecin))
        .await
        .assert_problem_among(&[400, 422], &[]);
    // An empty year is zeros, not an error, and a year by month is twelve or thirteen points.
    let annee = app
        .get_as(
            &format!(
                "/praticiens/{}/statistiques?debut=2025-01-01&fin=2025-12-31&par=mois",
                c.praticien.id
            ),
            Some(&c.medecin),
        )
        .await
        .assert_status(200);
    assert_eq!(annee["points"].as_array().map(Vec::len), Some(12), "{annee}");
    assert_eq!(annee["total"]["rdvs"], 0);
    assert_eq!(annee["points"][1]["creneaux_offerts"], 28 * 47);
}

#[tokio::test]
async fn personnel_of_one_praticien_reaches_nothing_of_another() {
    let c = Cabinet::ouvrir().await;
    let app = &c.app;
    let autre = app.create_praticien(&c.admin, &c.structure, json!({})).await;
    let patient = app.register_patient().await;
    let now = UtcTime::now();
    let creneau = app
        .first_free_creneau(&autre.id, now.plus_days(2), now.plus_days(9))
        .await;
    let rdv = string(
        &app.book(patient.token(), &autre.id, &creneau)
            .await
            .assert_status(201),
        "id",
    );
    let debut = now.to_string();
    let fin = now.plus_days(7).to_string();
    for chemin in [
        format!("/praticiens/{}/planning?debut={debut}&fin={fin}", autre.id),
        format!("/praticiens/{}/bilan", autre.id),
        format!("/praticiens/{}/statistiques", autre.id),
        format!("/praticiens/{}/horaires", autre.id),
        format!(
            "/praticiens/{}/indisponibilites?debut={debut}&fin={fin}",
            autre.id
        ),
        format!("/rdvs/{rdv}"),
    ] {
        let r = app.get_as(&chemin, Some(&c.secretariat)).await;
        assert!(
            r.status() == 403 && r.json()["code"] == "acces_refuse",
            "GET {chemin} by another praticien's personnel: {} {}",
            r.status(),
            r.text()
        );
    }
    app.post_json(
        &format!("/rdvs/{rdv}/statut"),
        Some(&c.secretariat),
        &json!({ "statut": "non_honore" }),
    )
    .await
    .assert_problem(403, "acces_refuse");
    app.cancel(Some(&c.secretariat), &rdv)
        .await
        .assert_problem(403, "acces_refuse");
    // A patient has no bilan; nobody anonymous either.
    app.get_as(&format!("/praticiens/{}/bilan", c.praticien.id), patient.token())
        .await
        .assert_problem(403, "acces_refuse");
    app.get_as(&format!("/praticiens/{}/statistiques", c.praticien.id), None)
        .await
        .assert_status(401);
}

//! A patient's dossier, partie administrative (issue 6, point 1) and the praticiens the patient consulted:
//! who reads it, who changes which field, and how each field is checked.

use e2e::{PRATICIEN_PASSWORD, Patient, Praticien, TestApp, UtcTime, string};
use serde_json::{Value, json};

/// A NIR and its key (97 − 13 digits mod 97), with spaces as people write it.
const NIR: &str = "1 80 05 75 123 456 27";
/// [`NIR`] as stored: 15 characters, no spaces.
const NIR_STOCKE: &str = "180057512345627";
/// Another valid NIR, the correction.
const AUTRE_NIR: &str = "2 80 05 75 123 456 74";
/// [`NIR`] with a wrong key.
const NIR_FAUX: &str = "1 80 05 75 123 456 28";

/// `/patients/{id}`.
fn chemin(patient: &Patient) -> String {
    format!("/patients/{}", patient.id)
}

/// The patient books the first free créneau of `praticien` between 2 and 9 days from now: they are
/// linked.
async fn lier_par_rdv(app: &TestApp, patient: &Patient, praticien: &Praticien) -> Value {
    let now = UtcTime::now();
    let creneau = app
        .first_free_creneau(&praticien.id, now.plus_days(2), now.plus_days(9))
        .await;
    app.book(patient.token(), &praticien.id, &creneau)
        .await
        .assert_status(201)
}

#[tokio::test]
async fn patient_reads_and_patches_own_dossier_each_field_checked() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;
    let moi = patient.token();
    let chemin = chemin(&patient);

    let lu = app.get_as(&chemin, moi).await.assert_status(200);
    assert_eq!(lu["id"], patient.id.as_str());
    assert_eq!(lu["nom"], "Martin");
    assert_eq!(lu["prenom"], "Camille");
    assert_eq!(lu["date_naissance"], "1990-04-12");
    assert_eq!(lu["email"], patient.email.as_str());
    assert_eq!(lu["telephones"], json!(["+33612345678"]));
    assert_eq!(lu["canal_prefere"], "email");
    assert!(lu.get("nir").is_none(), "{lu}");

    // A wrong key is refused, naming the field; nothing else of the body is written.
    let refus = app
        .patch_json(&chemin, moi, &json!({ "nir": NIR_FAUX, "nom": "Autre" }))
        .await
        .assert_problem(422, "nir_invalide");
    assert!(string(&refus, "detail").starts_with("nir"), "{refus}");
    let refus = app
        .patch_json(&chemin, moi, &json!({ "telephones": ["06 12"] }))
        .await
        .assert_problem(422, "telephone_invalide");
    assert!(string(&refus, "detail").starts_with("telephones"), "{refus}");
    let quatre = json!({ "telephones": ["0611223344", "0611223345", "0611223346", "0611223347"] });
    app.patch_json(&chemin, moi, &quatre)
        .await
        .assert_problem(422, "champ_invalide");
    app.patch_json(&chemin, moi, &json!({ "email": "pas-une-adresse" }))
        .await
        .assert_problem(422, "email_invalide");
    app.patch_json(&chemin, moi, &json!({ "date_naissance": "1899-12-31" }))
        .await
        .assert_problem(422, "date_naissance_invalide");
    let demain = {
        let (y, m, d) = UtcTime::now().plus_days(2).ymd();
        format!("{y:04}-{m:02}-{d:02}")
    };
    app.patch_json(&chemin, moi, &json!({ "date_naissance": demain }))
        .await
        .assert_problem(422, "date_naissance_invalide");
    app.patch_json(&chemin, moi, &json!({ "nom": null }))
        .await
        .assert_problem(422, "champ_invalide");
    app.patch_json(&chemin, moi, &json!({ "nom": "   " }))
        .await
        .assert_problem(422, "champ_invalide");
    // Role and account fields are not the dossier's: an unknown key is refused.
    app.patch_json(&chemin, moi, &json!({ "role": "admin" }))
        .await
        .assert_problem(400, "requete_invalide");
    assert_eq!(app.get_as(&chemin, moi).await.assert_status(200), lu);

    let change = app
        .patch_json(
            &chemin,
            moi,
            &json!({
                "nir": NIR,
                "prenom": "  Camille-Anne ",
                "date_naissance": "1991-05-13",
                "telephones": ["06 11 22 33 44", "+44 20 7946 0958", "0611223344"],
                "adresse": "3 place Stanislas, 54000 Nancy",
                "canal_prefere": "sms",
            }),
        )
        .await
        .assert_status(200);
    assert_eq!(change["nir"], NIR_STOCKE);
    assert_eq!(change["prenom"], "Camille-Anne");
    assert_eq!(change["date_naissance"], "1991-05-13");
    assert_eq!(
        change["telephones"],
        json!(["+33611223344", "+442079460958"]),
        "E.164, duplicates dropped: {change}"
    );
    assert_eq!(change["adresse"], "3 place Stanislas, 54000 Nancy");
    assert_eq!(change["canal_prefere"], "sms");
    assert_eq!(change["nom"], "Martin", "absent fields are left as they are");
    assert_eq!(app.get_as(&chemin, moi).await.assert_status(200), change);

    // `null` clears an optional field.
    let sans_adresse = app
        .patch_json(&chemin, moi, &json!({ "adresse": null }))
        .await
        .assert_status(200);
    assert!(sans_adresse.get("adresse").is_none(), "{sans_adresse}");
    assert_eq!(sans_adresse["nir"], NIR_STOCKE);
}

#[tokio::test]
async fn a_set_nir_is_corrected_by_a_linked_praticien_or_its_personnel_not_by_the_patient() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Nancy").await;
    let medecin = app.create_praticien(&admin, &structure, json!({})).await;
    let cabinet = app.token_for(&medecin.email, PRATICIEN_PASSWORD).await;
    let secretariat = app.create_personnel(&admin, &structure, &[&medecin.id]).await;
    let patient = app.register_patient().await;
    let chemin = chemin(&patient);

    app.patch_json(&chemin, patient.token(), &json!({ "nir": NIR }))
        .await
        .assert_status(200);
    // Sending back the NIR it has (spaced or not) is no change; another one is refused to the patient.
    let lu = app.get_as(&chemin, patient.token()).await.assert_status(200);
    let renvoye = json!({ "nir": lu["nir"], "nom": lu["nom"], "telephones": lu["telephones"] });
    assert_eq!(
        app.patch_json(&chemin, patient.token(), &renvoye)
            .await
            .assert_status(200),
        lu
    );
    let refus = app
        .patch_json(&chemin, patient.token(), &json!({ "nir": AUTRE_NIR }))
        .await
        .assert_problem(403, "champ_protege");
    assert!(string(&refus, "detail").contains("nir"), "{refus}");
    app.patch_json(&chemin, patient.token(), &json!({ "nir": null }))
        .await
        .assert_problem(403, "champ_protege");

    // Not linked yet: no access at all.
    app.patch_json(&chemin, Some(&cabinet), &json!({ "nir": AUTRE_NIR }))
        .await
        .assert_problem(403, "acces_refuse");

    lier_par_rdv(&app, &patient, &medecin).await;
    let corrige = app
        .patch_json(&chemin, Some(&cabinet), &json!({ "nir": AUTRE_NIR }))
        .await
        .assert_status(200);
    assert_eq!(corrige["nir"], "280057512345674");
    // The NIR alone: the rest is the patient's word.
    let refus = app
        .patch_json(
            &chemin,
            Some(&cabinet),
            &json!({ "adresse": "1 rue Haute, Nancy" }),
        )
        .await
        .assert_problem(403, "champ_protege");
    assert!(string(&refus, "detail").contains("adresse"), "{refus}");
    app.patch_json(&chemin, Some(&secretariat), &json!({ "email": "x@exemple.fr" }))
        .await
        .assert_problem(403, "champ_protege");
    let remis = app
        .patch_json(&chemin, Some(&secretariat), &json!({ "nir": NIR }))
        .await
        .assert_status(200);
    assert_eq!(remis["nir"], NIR_STOCKE);
    assert_eq!(
        app.get_as(&chemin, patient.token()).await.assert_status(200)["nir"],
        NIR_STOCKE
    );
    // The patient still changes everything else.
    app.patch_json(&chemin, patient.token(), &json!({ "nom": "Martin-Durand" }))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn only_the_patient_its_linked_praticiens_and_their_personnel_read_the_dossier() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Nancy").await;
    let sien = app.create_praticien(&admin, &structure, json!({})).await;
    let par_patientele = app.create_praticien(&admin, &structure, json!({})).await;
    let autre = app.create_praticien(&admin, &structure, json!({})).await;
    let patient = app.register_patient().await;
    let autre_patient = app.register_patient().await;
    lier_par_rdv(&app, &patient, &sien).await;
    let jeton_patientele = app.token_for(&par_patientele.email, PRATICIEN_PASSWORD).await;
    app.post_json(
        &format!("/praticiens/{}/patientele", par_patientele.id),
        Some(&jeton_patientele),
        &json!({ "patient_id": patient.id }),
    )
    .await
    .assert_status(201);
    let chemin = chemin(&patient);

    let lecteurs = [
        app.token_for(&sien.email, PRATICIEN_PASSWORD).await,
        jeton_patientele.clone(),
        app.create_personnel(&admin, &structure, &[&sien.id]).await,
    ];
    for lecteur in &lecteurs {
        let lu = app.get_as(&chemin, Some(lecteur)).await.assert_status(200);
        assert_eq!(lu["id"], patient.id.as_str());
        assert_eq!(lu["telephones"], json!(["+33612345678"]));
    }
    let refuses = [
        app.token_for(&autre.email, PRATICIEN_PASSWORD).await,
        autre_patient.access_token.clone(),
        app.create_personnel(&admin, &structure, &[&autre.id]).await,
        // Personnel reaches the patients of its praticiens' rdvs, not of their patientèle.
        app.create_personnel(&admin, &structure, &[&par_patientele.id])
            .await,
        admin.clone(),
    ];
    for refuse in &refuses {
        app.get_as(&chemin, Some(refuse))
            .await
            .assert_problem(403, "acces_refuse");
        app.patch_json(&chemin, Some(refuse), &json!({ "nir": NIR }))
            .await
            .assert_problem(403, "acces_refuse");
    }
    app.get_as(&chemin, None)
        .await
        .assert_problem(401, "non_authentifie");
    app.patch_json(&chemin, None, &json!({ "nom": "Personne" }))
        .await
        .assert_problem(401, "non_authentifie");
    app.get_as("/patients/018f0000-0000-7000-8000-000000000000", patient.token())
        .await
        .assert_problem(404, "introuvable");

    // Reads by the cabinet are logged with who and whose, never a value of the dossier.
    app.patch_json(&chemin, patient.token(), &json!({ "nir": NIR }))
        .await
        .assert_status(200);
    app.get_as(&chemin, Some(&lecteurs[0])).await.assert_status(200);
    let logs = app.logs();
    assert!(
        logs.contains("partie administrative lue"),
        "no read logged:\n{logs}"
    );
    assert!(logs.contains(&sien.id), "the reader is not named:\n{logs}");
    assert!(!logs.contains(NIR_STOCKE), "a NIR reached the logs:\n{logs}");
    assert!(!logs.contains("+33612345678"), "a phone number reached the logs");
}

#[tokio::test]
async fn medecin_traitant_is_a_praticien_of_the_directory_or_free_text() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Nancy").await;
    let medecin = app.create_praticien(&admin, &structure, json!({})).await;
    let patient = app.register_patient().await;
    let chemin = chemin(&patient);
    let moi = patient.token();

    let choisi = app
        .patch_json(
            &chemin,
            moi,
            &json!({ "medecin_traitant": { "praticien_id": medecin.id } }),
        )
        .await
        .assert_status(200);
    assert_eq!(choisi["medecin_traitant"], json!({ "praticien_id": medecin.id }));
    app.patch_json(
        &chemin,
        moi,
        &json!({ "medecin_traitant": { "praticien_id": "018f0000-0000-7000-8000-000000000000" } }),
    )
    .await
    .assert_problem(422, "praticien_inconnu");
    app.patch_json(
        &chemin,
        moi,
        &json!({ "medecin_traitant": { "praticien_id": medecin.id, "texte": "Dr Dupont" } }),
    )
    .await
    .assert_problem(422, "medecin_traitant_invalide");
    app.patch_json(&chemin, moi, &json!({ "medecin_traitant": {} }))
        .await
        .assert_problem(422, "medecin_traitant_invalide");
    app.patch_json(
        &chemin,
        moi,
        &json!({ "medecin_traitant": { "texte": "x".repeat(201) } }),
    )
    .await
    .assert_problem(422, "champ_invalide");
    assert_eq!(
        app.get_as(&chemin, moi).await.assert_status(200)["medecin_traitant"],
        json!({ "praticien_id": medecin.id })
    );

    let texte = app
        .patch_json(
            &chemin,
            moi,
            &json!({ "medecin_traitant": { "texte": " Dr Dupont, Nancy " } }),
        )
        .await
        .assert_status(200);
    assert_eq!(texte["medecin_traitant"], json!({ "texte": "Dr Dupont, Nancy" }));
    let sans = app
        .patch_json(&chemin, moi, &json!({ "medecin_traitant": null }))
        .await
        .assert_status(200);
    assert!(sans.get("medecin_traitant").is_none(), "{sans}");
}

#[tokio::test]
async fn an_email_change_moves_the_sign_in_and_a_taken_email_is_409() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;
    let autre = app.register_patient().await;
    let chemin = chemin(&patient);

    app.patch_json(&chemin, patient.token(), &json!({ "email": autre.email }))
        .await
        .assert_problem(409, "email_deja_utilise");
    app.patch_json(
        &chemin,
        patient.token(),
        &json!({ "email": "admin@test.toubeelib.fr" }),
    )
    .await
    .assert_problem(409, "email_deja_utilise");

    let nouvelle = format!("nouvelle-{}@e2e.toubeelib.fr", e2e::unique());
    let change = app
        .patch_json(
            &chemin,
            patient.token(),
            &json!({ "email": nouvelle.to_uppercase() }),
        )
        .await
        .assert_status(200);
    assert_eq!(change["email"], nouvelle.as_str());
    let jeton = app.token_for(&nouvelle, &patient.password).await;
    assert_eq!(app.me(&jeton).await["email"], nouvelle.as_str());
    app.signin(&patient.email, &patient.password)
        .await
        .assert_problem(401, "identifiants_invalides");
    // The old address is free again.
    app.patch_json(
        &format!("/patients/{}", autre.id),
        autre.token(),
        &json!({ "email": patient.email }),
    )
    .await
    .assert_status(200);
}

#[tokio::test]
async fn praticiens_consultes_are_those_of_honoured_rdvs_shown_to_the_patient_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // A structure on UTC, so that the test knows the slot grid: every half hour from 00:00.
    let structure = json!({
        "nom": "Centre de santé de garde", "type": "centre_de_sante", "adresse": "1 rue de la Gare",
        "code_postal": "54000", "ville": "Nancy", "telephone": "03 83 00 00 00", "fuseau": "Etc/UTC",
    });
    let structure = string(
        &app.post_json("/structures", Some(&admin), &structure)
            .await
            .assert_status(201),
        "id",
    );
    let horaires = e2e::horaires_chaque_jour(&structure, "00:00", "23:30");
    let consulte = app
        .create_praticien(&admin, &structure, json!({ "horaires": horaires }))
        .await;
    let seulement_prevu = app.create_praticien(&admin, &structure, json!({})).await;
    let medecin = app.token_for(&consulte.email, PRATICIEN_PASSWORD).await;
    let patient = app.register_patient().await;
    let chemin = format!("/patients/{}/praticiens", patient.id);

    let vide = app.get_as(&chemin, patient.token()).await.assert_status(200);
    assert_eq!(vide["items"], json!([]), "{vide}");

    // A walk-in recorded by the praticien for the half hour that has started, then honoured.
    let rdv = app.walk_in(&medecin, &consulte.id, &patient.id).await;
    let debut = e2e::instant(&rdv, "debut");
    app.post_json(
        &format!("/rdvs/{}/statut", string(&rdv, "id")),
        Some(&medecin),
        &json!({ "statut": "honore" }),
    )
    .await
    .assert_status(200);
    // Booked, to come: not consulted yet.
    lier_par_rdv(&app, &patient, &seulement_prevu).await;

    let liste = app.get_as(&chemin, patient.token()).await.assert_status(200);
    let items = liste["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{liste}");
    assert_eq!(items[0]["id"], consulte.id.as_str());
    assert_eq!(items[0]["nom"], "Durand");
    assert_eq!(items[0]["prenom"], "Alex");
    assert_eq!(items[0]["titre"], "Dr");
    assert_eq!(items[0]["specialites"][0]["code"], "medecine_generale");
    assert_eq!(e2e::instant(&items[0], "derniere_consultation"), debut, "{liste}");

    // The patient's alone: not even its praticien reads it.
    app.get_as(&chemin, Some(&medecin))
        .await
        .assert_problem(403, "acces_refuse");
    let autre = app.register_patient().await;
    app.get_as(&chemin, autre.token())
        .await
        .assert_problem(403, "acces_refuse");
    app.get_as(&chemin, Some(&admin))
        .await
        .assert_problem(403, "acces_refuse");
    app.get_as(&chemin, None)
        .await
        .assert_problem(401, "non_authentifie");
}

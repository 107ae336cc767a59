//! A praticien's bank data (issue 5, point 11): the praticien, its associated personnel and the admin
//! read and change it; nobody else reaches it, and it shows in no profile, search result nor log line.

use e2e::{PRATICIEN_PASSWORD, Praticien, TestApp, encode, poll_until, string};
use serde_json::{Value, json};

/// A valid French IBAN, as a person types it, and what the server keeps.
const IBAN_SAISI: &str = "fr76 3000 6000 0112 3456 7890 189";
const IBAN: &str = "FR7630006000011234567890189";
/// Its digits past the country and key: what must not leak anywhere else.
const NUMERO: &str = "30006000011234567890189";
/// A valid German IBAN.
const IBAN_ALLEMAND: &str = "DE89370400440532013000";

fn chemin(p: &Praticien) -> String {
    format!("/praticiens/{}/donnees-bancaires", p.id)
}

fn corps(iban: &str, bic: &str, titulaire: &str) -> Value {
    json!({ "iban": iban, "bic": bic, "titulaire": titulaire })
}

#[tokio::test]
async fn praticien_records_and_reads_its_bank_data_normalised() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = app.create_praticien(&admin, &nancy, json!({})).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;

    app.get_as(&chemin(&p), Some(&moi))
        .await
        .assert_problem(404, "donnees_bancaires_absentes");

    let ecrites = app
        .put_json(
            &chemin(&p),
            Some(&moi),
            &corps(IBAN_SAISI, " bnpa frpp xxx", "  Dr Alex Durand "),
        )
        .await
        .assert_status(200);
    assert_eq!(ecrites["iban"], IBAN, "{ecrites}");
    assert_eq!(ecrites["bic"], "BNPAFRPPXXX", "{ecrites}");
    assert_eq!(ecrites["titulaire"], "Dr Alex Durand", "{ecrites}");
    string(&ecrites, "modifie_le");

    let lues = app.get_as(&chemin(&p), Some(&moi)).await.assert_status(200);
    assert_eq!(lues, ecrites);
}

#[tokio::test]
async fn associated_personnel_reads_and_edits_and_admin_reads() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = app.create_praticien(&admin, &nancy, json!({})).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    let secretariat = app.create_personnel(&admin, &nancy, &[&p.id]).await;

    app.put_json(
        &chemin(&p),
        Some(&moi),
        &corps(IBAN, "BNPAFRPP", "Dr Alex Durand"),
    )
    .await
    .assert_status(200);
    let lues = app
        .get_as(&chemin(&p), Some(&secretariat))
        .await
        .assert_status(200);
    assert_eq!(lues["iban"], IBAN, "{lues}");

    let changees = app
        .put_json(
            &chemin(&p),
            Some(&secretariat),
            &corps(IBAN_ALLEMAND, "COBADEFFXXX", "Alex Durand"),
        )
        .await
        .assert_status(200);
    assert_eq!(changees["iban"], IBAN_ALLEMAND, "{changees}");
    assert_eq!(
        app.get_as(&chemin(&p), Some(&moi)).await.assert_status(200),
        changees
    );
    assert_eq!(
        app.get_as(&chemin(&p), Some(&admin)).await.assert_status(200),
        changees
    );

    // The admin reaches every praticien, and hears of one that does not exist.
    app.get_as(
        "/praticiens/00000000-0000-7000-8000-000000000000/donnees-bancaires",
        Some(&admin),
    )
    .await
    .assert_problem(404, "introuvable");
}

#[tokio::test]
async fn personnel_of_praticien_a_cannot_reach_praticien_bs_bank_data() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let a = app.create_praticien(&admin, &nancy, json!({})).await;
    let b = app.create_praticien(&admin, &nancy, json!({})).await;
    let secretariat_a = app.create_personnel(&admin, &nancy, &[&a.id]).await;
    let jeton_a = app.token_for(&a.email, PRATICIEN_PASSWORD).await;
    let jeton_b = app.token_for(&b.email, PRATICIEN_PASSWORD).await;
    let patient = app.register_patient().await;
    let de_b = corps(IBAN, "BNPAFRPP", "Dr Alex Durand");
    let ecrites = app
        .put_json(&chemin(&b), Some(&jeton_b), &de_b)
        .await
        .assert_status(200);

    let autre = corps(IBAN_ALLEMAND, "COBADEFF", "Quelqu'un d'autre");
    for (qui, jeton) in [
        ("personnel of A", secretariat_a.as_str()),
        ("praticien A", jeton_a.as_str()),
        ("a patient", patient.access_token.as_str()),
    ] {
        let lu = app.get_as(&chemin(&b), Some(jeton)).await;
        lu.assert_problem(403, "acces_refuse");
        assert!(!lu.text().contains(NUMERO), "{qui}: {}", lu.text());
        app.put_json(&chemin(&b), Some(jeton), &autre)
            .await
            .assert_problem(403, "acces_refuse");
    }
    app.get_as(&chemin(&b), None)
        .await
        .assert_problem(401, "non_authentifie");
    app.put_json(&chemin(&b), None, &autre).await.assert_status(401);

    // B's data is as B left it.
    assert_eq!(
        app.get_as(&chemin(&b), Some(&jeton_b)).await.assert_status(200),
        ecrites
    );
}

#[tokio::test]
async fn a_bad_iban_key_or_bic_is_422_naming_its_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = app.create_praticien(&admin, &nancy, json!({})).await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    let ecrites = app
        .put_json(
            &chemin(&p),
            Some(&moi),
            &corps(IBAN, "BNPAFRPP", "Dr Alex Durand"),
        )
        .await
        .assert_status(200);

    // The last digit mistyped: the mod-97 key no longer matches.
    let probleme = app
        .put_json(
            &chemin(&p),
            Some(&moi),
            &corps("FR76 3000 6000 0112 3456 7890 188", "BNPAFRPP", "Dr Alex Durand"),
        )
        .await
        .assert_problem(422, "iban_invalide");
    let detail = string(&probleme, "detail");
    assert!(detail.starts_with("iban"), "{probleme}");
    assert!(!detail.contains("3000"), "{probleme}");

    // An IBAN of another country's length, and an unknown country.
    for iban in ["FR76 3000 6000 0112 3456 7890 18", "US12 3456 7890 1234 5678 90"] {
        app.put_json(
            &chemin(&p),
            Some(&moi),
            &corps(iban, "BNPAFRPP", "Dr Alex Durand"),
        )
        .await
        .assert_problem(422, "iban_invalide");
    }

    let probleme = app
        .put_json(
            &chemin(&p),
            Some(&moi),
            &corps(IBAN, "BNP1FRPP", "Dr Alex Durand"),
        )
        .await
        .assert_problem(422, "bic_invalide");
    assert!(string(&probleme, "detail").starts_with("bic"), "{probleme}");

    let probleme = app
        .put_json(&chemin(&p), Some(&moi), &corps(IBAN, "BNPAFRPP", "   "))
        .await
        .assert_problem(422, "champ_invalide");
    assert!(string(&probleme, "detail").starts_with("titulaire"), "{probleme}");

    assert_eq!(
        app.get_as(&chemin(&p), Some(&moi)).await.assert_status(200),
        ecrites
    );
}

#[tokio::test]
async fn bank_data_never_shows_in_profile_list_search_or_logs() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let p = app
        .create_praticien(&admin, &nancy, json!({ "nom": "Bancarel" }))
        .await;
    let moi = app.token_for(&p.email, PRATICIEN_PASSWORD).await;
    app.put_json(
        &chemin(&p),
        Some(&moi),
        &corps(IBAN_SAISI, "BNPAFRPP", "Dr Alex Bancarel"),
    )
    .await
    .assert_status(200);
    // A refused attempt, whose number must not be logged either.
    app.put_json(
        &chemin(&p),
        Some(&moi),
        &corps(
            "FR76 3000 6000 0112 3456 7890 188",
            "BNPAFRPP",
            "Dr Alex Bancarel",
        ),
    )
    .await
    .assert_status(422);

    let profil = app.get_as(&format!("/praticiens/{}", p.id), None).await;
    profil.assert_status(200);
    assert!(!profil.text().contains(NUMERO), "{}", profil.text());

    let liste = app.get_as("/praticiens?ville=Nancy", None).await;
    let page = liste.assert_status(200);
    assert!(
        page["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i["id"] == p.id.as_str())),
        "{page}"
    );
    assert!(!liste.text().contains(NUMERO), "{}", liste.text());

    let recherche = format!("/praticiens?q={}&limit=100", encode("bancarel"));
    let trouve = poll_until("the praticien is searchable", e2e::SEARCH_WAIT, async || {
        let reponse = app.get_as(&recherche, None).await;
        let page = reponse.assert_status(200);
        let ids: Vec<String> = page["items"]
            .as_array()
            .map(|items| items.iter().map(|i| string(i, "id")).collect())
            .unwrap_or_default();
        if ids.contains(&p.id) {
            Ok(reponse)
        } else {
            Err(format!("{page}"))
        }
    })
    .await;
    assert!(!trouve.text().contains(NUMERO), "{}", trouve.text());

    let logs = app.logs();
    for fragment in [NUMERO, "3000 6000", "0112 3456", "3000600001123456789018"] {
        assert!(!logs.contains(fragment), "{fragment} in the logs:\n{logs}");
    }
}

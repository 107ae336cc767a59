//! The TOTP second factor (issue 6, point 6): enrolment and activation, sign-in that wants a fresh
//! code once a factor is active, replay and lockout, removal, and the structure's policy that holds
//! its praticiens and personnel at 403 `totp_obligatoire` until theirs is active. The codes are
//! computed here as an authenticator app would (RFC 6238: HMAC-SHA1, 6 digits, 30 s).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use e2e::{Body, PRATICIEN_PASSWORD, Praticien, Reply, TestApp, access_token, encode, string};
use hmac::{Hmac, Mac as _};
use reqwest::Method;
use serde_json::{Value, json};
use sha1::Sha1;

/// Failed sign-ins of one email after which even the right password and code are refused for a while.
const FAILED_SIGNINS_MAX: usize = 5;

/// A window for the planning: any will do, the check comes first.
const PLANNING: &str = "debut=2030-01-07T00:00:00Z&fin=2030-01-08T00:00:00Z";

/// Decodes RFC 4648 base32 without padding, as an authenticator app reads the secret.
fn base32(texte: &str) -> Vec<u8> {
    let mut octets = Vec::new();
    let (mut tampon, mut bits) = (0u32, 0u32);
    for c in texte.bytes() {
        let valeur = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {texte:?}"),
        };
        tampon = (tampon << 5) | u32::from(valeur);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            octets.push(u8::try_from((tampon >> bits) & 0xff).expect("8 bits"));
            tampon &= (1 << bits) - 1;
        }
    }
    octets
}

/// The code of `secret` (base32) for time step `pas`.
fn code(secret: &str, pas: u64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(&base32(secret)).expect("HMAC takes any key length");
    mac.update(&pas.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let decalage = usize::from(h[19] & 0x0f);
    let binaire = u32::from_be_bytes([
        h[decalage] & 0x7f,
        h[decalage + 1],
        h[decalage + 2],
        h[decalage + 3],
    ]);
    format!("{:06}", binaire % 1_000_000)
}

fn pas_courant() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        / 30
}

/// An authenticator app, remembering the last step whose code was used: each code it gives is of a
/// step the server has not accepted yet and still within its one step of skew.
struct Appli {
    secret: String,
    dernier: Option<u64>,
}

impl Appli {
    fn new(secret: &str) -> Self {
        Self {
            secret: secret.to_owned(),
            dernier: None,
        }
    }

    async fn code_frais(&mut self) -> String {
        let mut pas = self.dernier.map_or(pas_courant(), |d| (d + 1).max(pas_courant()));
        while pas > pas_courant() + 1 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            pas = self.dernier.map_or(pas_courant(), |d| (d + 1).max(pas_courant()));
        }
        self.dernier = Some(pas);
        code(&self.secret, pas)
    }

    /// A well-formed code that is no code of the secret around now.
    fn code_faux(&self) -> String {
        let proches: Vec<String> = (pas_courant() - 3..=pas_courant() + 3)
            .map(|p| code(&self.secret, p))
            .collect();
        (0..)
            .map(|n: u32| format!("{n:06}"))
            .find(|c| !proches.contains(c))
            .expect("7 codes leave others free")
    }
}

async fn signin(app: &TestApp, email: &str, password: &str, totp: Option<&str>) -> Reply {
    let mut corps = json!({ "email": email, "password": password });
    if let Some(totp) = totp {
        corps["totp"] = json!(totp);
    }
    app.post_json("/auth/signin", None, &corps).await
}

async fn envoyer(app: &TestApp, methode: Method, chemin: &str, jeton: &str, corps: Value) -> Reply {
    app.send(app.request(methode, chemin, Some(jeton), Body::Json(corps)))
        .await
}

/// `POST /me/totp`, which must answer 200: the secret and its URI.
async fn inscrire(app: &TestApp, jeton: &str) -> (String, String) {
    let reponse = app
        .send(app.request(Method::POST, "/me/totp", Some(jeton), Body::Empty))
        .await
        .assert_status(200);
    (string(&reponse, "secret"), string(&reponse, "otpauth_uri"))
}

async fn activer(app: &TestApp, jeton: &str, code: &str) -> Reply {
    envoyer(
        app,
        Method::POST,
        "/me/totp/activation",
        jeton,
        json!({ "code": code }),
    )
    .await
}

/// Enrols and activates a factor; the app that holds it.
async fn activer_un_facteur(app: &TestApp, jeton: &str) -> Appli {
    let (secret, _) = inscrire(app, jeton).await;
    let mut appli = Appli::new(&secret);
    let code = appli.code_frais().await;
    activer(app, jeton, &code).await.assert_status(204);
    appli
}

#[tokio::test]
async fn patient_with_an_active_totp_signs_in_only_with_a_fresh_code() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;
    let jeton = patient.access_token.as_str();

    // Enrolment: a base32 secret and its otpauth URI; asking again replaces the pending one.
    let (premier, _) = inscrire(&app, jeton).await;
    let (secret, uri) = inscrire(&app, jeton).await;
    assert_ne!(secret, premier);
    assert_eq!(secret.len(), 32, "{secret}");
    assert_eq!(base32(&secret).len(), 20);
    assert_eq!(
        uri,
        format!(
            "otpauth://totp/Toubeelib:{}?secret={secret}&issuer=Toubeelib&algorithm=SHA1&digits=6&period=30",
            encode(&patient.email)
        )
    );
    // Pending only: sign-in does not ask for a code yet.
    signin(&app, &patient.email, &patient.password, None)
        .await
        .assert_status(200);

    // Activation: a wrong code (or one of the replaced secret) is refused, the right one activates.
    let mut appli = Appli::new(&secret);
    activer(&app, jeton, &appli.code_faux())
        .await
        .assert_problem(422, "totp_invalide");
    activer(&app, jeton, &code(&premier, pas_courant()))
        .await
        .assert_problem(422, "totp_invalide");
    activer(&app, jeton, &appli.code_frais().await)
        .await
        .assert_status(204);
    app.send(app.request(Method::POST, "/me/totp", Some(jeton), Body::Empty))
        .await
        .assert_problem(409, "totp_deja_actif");

    // Sign-in: the password first, as before; then the code.
    signin(&app, &patient.email, "Pas-le-bon-mot-de-passe-2026", None)
        .await
        .assert_problem(401, "identifiants_invalides");
    signin(
        &app,
        &patient.email,
        "Pas-le-bon-mot-de-passe-2026",
        Some(&appli.code_frais().await),
    )
    .await
    .assert_problem(401, "identifiants_invalides");
    signin(&app, &patient.email, &patient.password, None)
        .await
        .assert_problem(401, "totp_requis");
    signin(&app, &patient.email, &patient.password, Some(&appli.code_faux()))
        .await
        .assert_problem(401, "totp_invalide");
    let frais = appli.code_frais().await;
    let jetons = signin(&app, &patient.email, &patient.password, Some(&frais))
        .await
        .assert_status(200);
    let me = app.me(&access_token(&jetons)).await;
    assert_eq!(me["email"], patient.email.as_str(), "{me}");

    // The same code twice: the second is a replay.
    signin(&app, &patient.email, &patient.password, Some(&frais))
        .await
        .assert_problem(401, "totp_invalide");

    let logs = app.logs();
    for fuite in [&secret, &premier, &uri] {
        assert!(!logs.contains(fuite.as_str()), "the server logged a TOTP secret");
    }
}

#[tokio::test]
async fn wrong_totp_codes_count_towards_the_sign_in_lockout() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;
    let mut appli = activer_un_facteur(&app, &patient.access_token).await;

    for _ in 0..FAILED_SIGNINS_MAX {
        signin(&app, &patient.email, &patient.password, Some(&appli.code_faux()))
            .await
            .assert_problem(401, "totp_invalide");
    }
    let bloque = signin(
        &app,
        &patient.email,
        &patient.password,
        Some(&appli.code_frais().await),
    )
    .await;
    bloque.assert_problem(429, "trop_de_tentatives");
    assert!(bloque.header("retry-after").is_some());
}

#[tokio::test]
async fn a_totp_is_removed_only_with_a_fresh_code() {
    let app = TestApp::spawn().await;
    let patient = app.register_patient().await;
    let jeton = patient.access_token.as_str();
    envoyer(
        &app,
        Method::DELETE,
        "/me/totp",
        jeton,
        json!({ "code": "123456" }),
    )
    .await
    .assert_problem(404, "introuvable");
    let mut appli = activer_un_facteur(&app, jeton).await;

    envoyer(
        &app,
        Method::DELETE,
        "/me/totp",
        jeton,
        json!({ "code": appli.code_faux() }),
    )
    .await
    .assert_problem(422, "totp_invalide");
    let frais = appli.code_frais().await;
    envoyer(&app, Method::DELETE, "/me/totp", jeton, json!({ "code": frais }))
        .await
        .assert_status(204);
    signin(&app, &patient.email, &patient.password, None)
        .await
        .assert_status(200);
}

async fn securite(app: &TestApp, jeton: &str, structure: &str, obligatoire: bool) -> Reply {
    envoyer(
        app,
        Method::PUT,
        &format!("/structures/{structure}/securite"),
        jeton,
        json!({ "totp_obligatoire": obligatoire }),
    )
    .await
}

fn planning(p: &Praticien) -> String {
    format!("/praticiens/{}/planning?{PLANNING}", p.id)
}

#[tokio::test]
async fn praticien_of_a_structure_requiring_totp_is_held_at_403_until_it_enrols() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let nancy = app.create_structure(&admin, "Nancy").await;
    let lyon = app.create_structure(&admin, "Lyon").await;
    let p = app.create_praticien(&admin, &nancy, json!({})).await;
    let ailleurs = app.create_praticien(&admin, &lyon, json!({})).await;
    let secretariat = format!("secretariat-{}@e2e.toubeelib.fr", e2e::unique());
    app.post_json(
        "/personnels",
        Some(&admin),
        &json!({
            "nom": "Thiébaut", "prenom": "Valérie", "email": secretariat, "password": "Secretariat-e2e-2026",
            "structure_id": nancy, "praticiens": [p.id],
        }),
    )
    .await
    .assert_status(201);
    let patient = app.register_patient().await;

    // Only the admin sets the policy, of a structure that exists.
    securite(&app, &patient.access_token, &nancy, true)
        .await
        .assert_problem_among(&[403], &[]);
    securite(&app, &admin, &uuid_inconnu(), true)
        .await
        .assert_problem(404, "introuvable");
    let politique = securite(&app, &admin, &nancy, true).await.assert_status(200);
    assert_eq!(politique, json!({ "totp_obligatoire": true }));

    // Sign-in still gives tokens; everything but /me and /me/totp… answers 403 until the factor is active.
    let jeton = access_token(
        &signin(&app, &p.email, PRATICIEN_PASSWORD, None)
            .await
            .assert_status(200),
    );
    app.get_as(&planning(&p), Some(&jeton))
        .await
        .assert_problem(403, "totp_obligatoire");
    app.get_as(&format!("/praticiens/{}/reglages", p.id), Some(&jeton))
        .await
        .assert_problem(403, "totp_obligatoire");
    assert_eq!(app.me(&jeton).await["praticien_id"], p.id.as_str());
    let (secret, _) = inscrire(&app, &jeton).await;
    app.get_as(&planning(&p), Some(&jeton))
        .await
        .assert_problem(403, "totp_obligatoire");
    let mut appli = Appli::new(&secret);
    activer(&app, &jeton, &appli.code_frais().await)
        .await
        .assert_status(204);
    // The same access token: the rule is read at each request, not carried in the token.
    app.get_as(&planning(&p), Some(&jeton)).await.assert_status(200);
    signin(&app, &p.email, PRATICIEN_PASSWORD, None)
        .await
        .assert_problem(401, "totp_requis");
    let jetons = signin(
        &app,
        &p.email,
        PRATICIEN_PASSWORD,
        Some(&appli.code_frais().await),
    )
    .await
    .assert_status(200);
    app.get_as(&planning(&p), Some(&access_token(&jetons)))
        .await
        .assert_status(200);

    // The personnel of that structure is held too; a praticien elsewhere and patients are not.
    let personnel = access_token(
        &signin(&app, &secretariat, "Secretariat-e2e-2026", None)
            .await
            .assert_status(200),
    );
    app.get_as(&planning(&p), Some(&personnel))
        .await
        .assert_problem(403, "totp_obligatoire");
    let autre = access_token(
        &signin(&app, &ailleurs.email, PRATICIEN_PASSWORD, None)
            .await
            .assert_status(200),
    );
    app.get_as(&planning(&ailleurs), Some(&autre))
        .await
        .assert_status(200);
    app.get_as(&format!("/patients/{}/rdvs", patient.id), patient.token())
        .await
        .assert_status(200);

    // Lifted: the personnel goes on without a factor.
    let politique = securite(&app, &admin, &nancy, false).await.assert_status(200);
    assert_eq!(politique, json!({ "totp_obligatoire": false }));
    app.get_as(&planning(&p), Some(&personnel))
        .await
        .assert_status(200);

    assert!(!app.logs().contains(&secret), "the server logged a TOTP secret");
}

fn uuid_inconnu() -> String {
    "0191d6a8-0000-7000-8000-000000000000".to_owned()
}

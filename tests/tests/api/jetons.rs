//! Hostile access tokens (issue 10): each one is signed by hand with the server's own key (set through
//! `TOUBEELIB_JWT_SECRET`), so a refusal is the verifier's, never a bad signature by accident; a
//! well-formed one is accepted first, to prove the forging is right.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use e2e::{TestApp, UtcTime, access_token, string};
use hmac::{Hmac, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;

/// The key the server under test signs with (≥ 32 bytes).
const SECRET: &str = "e2e-jetons-hostiles-cle-de-signature-32+";

/// A JWT of `entete` and `corps` signed with HMAC-SHA-256 under `cle`.
fn signer(entete: &Value, corps: &Value, cle: &[u8]) -> String {
    let tete = URL_SAFE_NO_PAD.encode(entete.to_string());
    let charge = URL_SAFE_NO_PAD.encode(corps.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(cle).expect("HMAC takes any key length");
    mac.update(format!("{tete}.{charge}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{tete}.{charge}.{signature}")
}

/// The claims of a valid access token of `compte` (a patient) taken from a real one, valid for 10 minutes.
fn revendications(vrai: &str) -> Value {
    let charge = vrai.split('.').nth(1).expect("a JWT has a payload");
    let mut c: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(charge).expect("base64url")).expect("JSON");
    let now = UtcTime::now().unix_secs();
    c["iat"] = json!(now);
    c["exp"] = json!(now + 600);
    c
}

#[tokio::test]
async fn forged_expired_misaddressed_and_orphan_tokens_are_refused_with_401() {
    let app = TestApp::builder()
        .env("TOUBEELIB_JWT_SECRET", SECRET)
        .spawn()
        .await;
    let patient = app.register_patient().await;
    let hs256 = json!({ "alg": "HS256", "typ": "JWT" });
    let base = revendications(&patient.access_token);
    let me = |jeton: String| {
        let app = &app;
        async move { app.get_as("/me", Some(&jeton)).await }
    };

    // The forging is right: the same claims, re-signed with the key, are accepted.
    me(signer(&hs256, &base, SECRET.as_bytes()))
        .await
        .assert_status(200);

    let avec = |champ: &str, valeur: Value| {
        let mut c = base.clone();
        c[champ] = valeur;
        c
    };
    let now = UtcTime::now().unix_secs();
    let mut refuses = vec![
        ("alg none, no signature", {
            let tete = URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT" }).to_string());
            let charge = URL_SAFE_NO_PAD.encode(base.to_string());
            format!("{tete}.{charge}.")
        }),
        (
            "alg None, signed",
            signer(&json!({ "alg": "None" }), &base, SECRET.as_bytes()),
        ),
        // HS/RS swap: a token announcing RS256, MAC'd with the key as an RSA public key would be.
        (
            "alg RS256",
            signer(&json!({ "alg": "RS256", "typ": "JWT" }), &base, SECRET.as_bytes()),
        ),
        (
            "alg HS512",
            signer(&json!({ "alg": "HS512", "typ": "JWT" }), &base, SECRET.as_bytes()),
        ),
        (
            "another key",
            signer(&hs256, &base, b"une-autre-cle-de-signature-de-32-octets"),
        ),
        (
            "wrong aud",
            signer(&hs256, &avec("aud", json!("autre-api")), SECRET.as_bytes()),
        ),
        (
            "wrong iss",
            signer(&hs256, &avec("iss", json!("autre-emetteur")), SECRET.as_bytes()),
        ),
        ("no exp", {
            let mut c = base.clone();
            c.as_object_mut().expect("claims").remove("exp");
            signer(&hs256, &c, SECRET.as_bytes())
        }),
        ("an account that does not exist (or was deleted)", {
            signer(
                &hs256,
                &avec("sub", json!("0190a0a0-0000-7000-8000-00000000dead")),
                SECRET.as_bytes(),
            )
        }),
        (
            "the admin's role claimed by a patient",
            signer(&hs256, &avec("role", json!("admin")), SECRET.as_bytes()),
        ),
        (
            "a typ other than access",
            signer(&hs256, &avec("typ", json!("refresh")), SECRET.as_bytes()),
        ),
        ("not a JWT", "pas-un-jeton".to_owned()),
    ];
    refuses.push((
        "expired a second ago",
        signer(&hs256, &avec("exp", json!(now - 1)), SECRET.as_bytes()),
    ));
    for (quoi, jeton) in refuses {
        let reponse = me(jeton).await;
        assert_eq!(reponse.status(), 401, "{quoi}: {}", reponse.text());
        let code = string(&reponse.json(), "code");
        assert!(
            code.starts_with("jeton_") || code == "non_authentifie",
            "{quoi}: {code}"
        );
        assert!(
            reponse.header("www-authenticate").is_some(),
            "{quoi}: no WWW-Authenticate"
        );
    }

    // No token at all: the challenge names the scheme, without an error.
    let sans = app.get_as("/me", None).await;
    sans.assert_problem(401, "non_authentifie");
    assert_eq!(
        sans.header("www-authenticate"),
        Some("Bearer realm=\"toubeelib\"")
    );

    // A refresh token is no access token.
    let jetons = app
        .post_json(
            "/auth/signin",
            None,
            &json!({ "email": patient.email, "password": patient.password }),
        )
        .await
        .assert_status(200);
    let rafraichissement = string(&jetons, "refresh_token");
    me(rafraichissement).await.assert_status(401);
    // And the real one still works.
    me(access_token(&jetons)).await.assert_status(200);
}

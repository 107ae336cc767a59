//! The web app at `/`, served from the binary: its page under a strict CSP, its assets and the wasm
//! package with the content types a browser insists on (`instantiateStreaming` needs
//! `application/wasm`; module scripts need a JavaScript type under `nosniff`).

use e2e::TestApp;

fn entete(response: &reqwest::Response, nom: &str) -> String {
    response
        .headers()
        .get(nom)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn root_serves_the_web_app_under_a_strict_content_security_policy() {
    let app = TestApp::spawn().await;

    let response = app.get("/").await;

    assert_eq!(response.status(), 200);
    assert!(entete(&response, "content-type").starts_with("text/html"));
    let csp = entete(&response, "content-security-policy");
    assert!(csp.contains("default-src 'none'"), "CSP: {csp}");
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "CSP: {csp}");
    assert!(!csp.contains("unsafe-inline"), "CSP: {csp}");
    assert_eq!(entete(&response, "x-content-type-options"), "nosniff");
    let page = response.text().await.expect("the page");
    assert!(page.contains("<html lang=\"fr\">"), "{page}");
    assert!(page.contains("/app/app.js"), "{page}");
}

#[tokio::test]
async fn the_wasm_package_and_the_scripts_are_served_with_their_content_types() {
    let app = TestApp::spawn().await;

    let wasm = app.get("/app/pkg/toubeelib_domain_bg.wasm").await;
    assert_eq!(
        wasm.status(),
        200,
        "the wasm package is not in the binary: run scripts/wasm-package, then cargo build -p server"
    );
    assert_eq!(entete(&wasm, "content-type"), "application/wasm");
    let octets = wasm.bytes().await.expect("the module");
    assert_eq!(&octets[..4], b"\0asm", "not a wasm module");

    for script in ["/app/pkg/toubeelib_domain.js", "/app/app.js"] {
        let response = app.get(script).await;
        assert_eq!(response.status(), 200, "{script}");
        assert!(
            entete(&response, "content-type").starts_with("text/javascript"),
            "{script}"
        );
    }
}

#[tokio::test]
async fn an_unchanged_asset_is_revalidated_with_a_304() {
    let app = TestApp::spawn().await;

    let premiere = app.get("/app/style.css").await;
    assert_eq!(premiere.status(), 200);
    assert_eq!(entete(&premiere, "cache-control"), "no-cache");
    let etag = entete(&premiere, "etag");
    assert!(!etag.is_empty(), "no ETag");

    let seconde = app
        .client()
        .get(app.url("/app/style.css"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("the request");
    assert_eq!(seconde.status(), 304);
}

#[tokio::test]
async fn an_unknown_asset_is_a_404_problem() {
    let app = TestApp::spawn().await;

    let response = app.get("/app/nope.js").await;

    assert_eq!(response.status(), 404);
    assert_eq!(entete(&response, "content-type"), e2e::PROBLEM_JSON);
}

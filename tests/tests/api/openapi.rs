//! The OpenAPI document and its interactive UI.

use e2e::TestApp;
use serde_json::Value;

#[tokio::test]
async fn openapi_document_lists_health() {
    let app = TestApp::spawn().await;

    let response = app.get("/openapi.json").await;

    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3."),
        "{document}"
    );
    let health = &document["paths"]["/health"]["get"];
    assert!(health.is_object(), "no GET /health in {document}");
    assert!(health["responses"]["200"].is_object(), "{health}");
    assert!(health["responses"]["503"].is_object(), "{health}");
}

/// The contract the front-ends rely on: any change to a path, a status, a field or a limit shows here
/// in review (`cargo insta review`, or `INSTA_UPDATE=always cargo test -p e2e openapi`).
#[tokio::test]
async fn openapi_document_is_the_reviewed_contract() {
    let app = TestApp::spawn().await;
    let document: Value = app.get("/openapi.json").await.json().await.unwrap();

    // Every operation documents its error answers as problem+json.
    for (chemin, operations) in document["paths"].as_object().unwrap() {
        for (methode, operation) in operations.as_object().unwrap() {
            if chemin == "/health" {
                continue;
            }
            let erreur = &operation["responses"]["400"]["content"]["application/problem+json"];
            assert!(erreur.is_object(), "{methode} {chemin}: no problem+json 400");
        }
    }
    insta::assert_snapshot!("openapi", serde_json::to_string_pretty(&document).unwrap());
}

#[tokio::test]
async fn docs_serve_the_interactive_ui() {
    let app = TestApp::spawn().await;

    let response = app.get("/docs").await;

    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/html"),
        "content-type: {content_type}"
    );
}

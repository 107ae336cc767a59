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

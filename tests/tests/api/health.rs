//! `GET /health`.

use e2e::TestApp;
use serde_json::Value;

#[tokio::test]
async fn health_answers_ok() {
    let app = TestApp::spawn().await;

    let response = app.get("/health").await;

    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "content-type: {content_type}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["storage"], "ok");
    assert_eq!(body["index"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn health_is_degraded_when_the_data_directory_is_gone() {
    let app = TestApp::spawn().await;
    std::fs::remove_dir_all(app.data_dir()).unwrap();

    let response = app.get("/health").await;

    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["storage"], "unavailable");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

//! The demo maison médicale: what a fresh clone shows with the README's serve command.

use std::collections::BTreeSet;
use std::path::Path;

use e2e::{DEMO_PASSWORD, SEARCH_WAIT, TestApp, encode, poll_until, string};
use serde_json::Value;

/// Praticiens the demo dataset holds at least.
const DEMO_PRATICIENS_MIN: usize = 40;
/// Villes its structures are in, at least.
const DEMO_VILLES_MIN: usize = 4;
/// Pages read at most while walking a list (100 items each).
const PAGES_MAX: usize = 50;
/// The demo patient to sign in as when `data/demo.json` cannot be read.
const DEMO_PATIENT_EMAIL: &str = "patient.demo@toubeelib.fr";

/// Every item of a list, following `next_cursor` with 100 items a page.
async fn all_items(app: &TestApp, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..PAGES_MAX {
        let page_path = match &cursor {
            Some(cursor) => format!("{path}?limit=100&cursor={}", encode(cursor)),
            None => format!("{path}?limit=100"),
        };
        let page = app.get_as(&page_path, None).await.assert_status(200);
        let page_items = page["items"]
            .as_array()
            .unwrap_or_else(|| panic!("GET {page_path}: no `items`: {page}"));
        assert!(page_items.len() <= 100, "GET {page_path}: over 100 items");
        items.extend(page_items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
    panic!("GET {path}: still a next_cursor after {PAGES_MAX} pages");
}

/// A patient account of the dataset the binary embeds (`data/demo.json`, whose accounts the README
/// lists), else the README's demo patient.
fn demo_patient_email() -> String {
    let dataset = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/demo.json");
    std::fs::read_to_string(dataset)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|demo| demo["patients"][0]["email"].as_str().map(str::to_owned))
        .unwrap_or_else(|| DEMO_PATIENT_EMAIL.to_owned())
}

/// Waits for the demo's praticiens to be searchable; returns them all.
async fn demo_praticiens(app: &TestApp) -> Vec<Value> {
    poll_until("the demo praticiens are listed", SEARCH_WAIT, async || {
        let praticiens = all_items(app, "/praticiens").await;
        if praticiens.len() >= DEMO_PRATICIENS_MIN {
            Ok(praticiens)
        } else {
            Err(format!("{} praticiens", praticiens.len()))
        }
    })
    .await
}

#[tokio::test]
async fn demo_seed_brings_up_the_maison_medicale() {
    let app = TestApp::builder().seed_demo().spawn().await;

    let praticiens = demo_praticiens(&app).await;
    let ids: BTreeSet<String> = praticiens.iter().map(|p| string(p, "id")).collect();
    assert_eq!(ids.len(), praticiens.len(), "a praticien on two pages");
    let structures = all_items(&app, "/structures").await;
    let villes: BTreeSet<String> = structures.iter().map(|s| string(s, "ville")).collect();
    assert!(villes.len() >= DEMO_VILLES_MIN, "villes: {villes:?}");

    let email = demo_patient_email();
    let tokens = app.signin(&email, DEMO_PASSWORD).await.assert_status(200);
    let me = app.me(&string(&tokens, "access_token")).await;
    assert_eq!(me["role"], "patient", "{email}: {me}");
}

#[tokio::test]
async fn readme_serve_command_without_seed_flag_loads_the_demo() {
    // `serve --addr … --data …` and nothing else, on an empty data directory.
    let app = TestApp::builder().without_seed_flag().spawn().await;

    let praticiens = demo_praticiens(&app).await;

    assert!(praticiens.len() >= DEMO_PRATICIENS_MIN);
}

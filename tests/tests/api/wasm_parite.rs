//! The npm package `toubeelib-domain` against the real server (issue 8): from `/calendrier` it computes
//! the very créneaux `/disponibilites` serves, for every demo praticien, under node. The package must
//! have been built (`scripts/wasm-package`, before this in `scripts/test-all`): without it the test
//! fails and says so, rather than passing on nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::{SEARCH_WAIT, TestApp, encode, poll_until, string};
use serde_json::json;

/// The demo holds at least this many praticiens (as `demo.rs` checks).
const DEMO_PRATICIENS_MIN: usize = 40;
/// Pages of 100 read at most while listing the praticiens.
const PAGES_MAX: usize = 50;

fn wasm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm")
}

/// Every praticien id, once the search index lists the demo's.
async fn demo_praticiens(app: &TestApp) -> Vec<String> {
    poll_until("the demo praticiens are listed", SEARCH_WAIT, async || {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..PAGES_MAX {
            let path = match &cursor {
                Some(c) => format!("/praticiens?limit=100&cursor={}", encode(c)),
                None => "/praticiens?limit=100".to_owned(),
            };
            let page = app.get_as(&path, None).await.assert_status(200);
            let items = page["items"].as_array().cloned().unwrap_or_default();
            ids.extend(items.iter().map(|p| string(p, "id")));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        if ids.len() >= DEMO_PRATICIENS_MIN {
            Ok(ids)
        } else {
            Err(format!("{} praticiens", ids.len()))
        }
    })
    .await
}

#[tokio::test]
async fn wasm_package_computes_the_servers_creneaux_for_every_demo_praticien() {
    let glue = wasm_dir().join("pkg/node/toubeelib_domain.js");
    assert!(
        glue.is_file(),
        "{} is missing: build the npm package first with scripts/wasm-package",
        glue.display()
    );
    let app = TestApp::builder().seed_demo().spawn().await;
    let praticiens = demo_praticiens(&app).await;

    let script = wasm_dir().join("tests/calendrier.mjs");
    let base = app.base_url();
    // Off the runtime: the harness reads the server's output on it meanwhile.
    let sortie = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(base)
            .args(praticiens)
            .output()
    })
    .await
    .expect("the node task")
    .unwrap_or_else(|e| panic!("cannot run `node` (Node.js 20 is needed for this test): {e}"));
    let stdout = String::from_utf8_lossy(&sortie.stdout);
    let stderr = String::from_utf8_lossy(&sortie.stderr);
    assert!(
        sortie.status.success(),
        "wasm/tests/calendrier.mjs: {}\n{stdout}{stderr}",
        sortie.status
    );
    println!("{stdout}");
}

/// The package keeps only France's time zones (a build-time filter of its own); the server, built
/// natively in the same workspace, must still know every IANA zone.
#[tokio::test]
async fn server_still_accepts_a_time_zone_the_wasm_package_leaves_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let structure = app
        .post_json(
            "/structures",
            Some(&admin),
            &json!({
                "nom": "Cabinet de Manhattan",
                "type": "maison_medicale",
                "adresse": "1 rue de la République",
                "code_postal": "75011",
                "ville": "Paris",
                "telephone": "03 83 00 00 00",
                "fuseau": "America/New_York",
            }),
        )
        .await
        .assert_status(201);
    assert_eq!(structure["fuseau"], "America/New_York", "{structure}");
}

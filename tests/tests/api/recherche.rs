//! `GET /praticiens?q=`: full-text search of the directory, on the demo maison médicale.
//!
//! Expectations are read from `data/demo.json` (the dataset the binary embeds), so they follow it.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use e2e::{SEARCH_WAIT, TestApp, encode, poll_until, string};
use serde_json::{Value, json};

/// A directory write must be searchable within this (issue 4).
const VISIBLE_WITHIN: Duration = Duration::from_secs(1);

/// The embedded demo dataset.
struct Demo(Value);

impl Demo {
    fn charger() -> Self {
        let chemin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/demo.json");
        let texte = std::fs::read_to_string(&chemin)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", chemin.display()));
        Self(serde_json::from_str(&texte).unwrap_or_else(|e| panic!("{} is not JSON: {e}", chemin.display())))
    }

    fn structure(&self, id: &str) -> &Value {
        tableau(&self.0, "structures")
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no structure {id} in the demo"))
    }

    /// The ids of the demo praticiens for which `garde(praticien, its structures)` holds.
    fn praticiens(&self, garde: impl Fn(&Value, &[&Value]) -> bool) -> BTreeSet<String> {
        tableau(&self.0, "praticiens")
            .iter()
            .filter(|p| {
                let structures: Vec<&Value> = tableau(p, "structures")
                    .iter()
                    .map(|id| self.structure(id.as_str().unwrap_or_default()))
                    .collect();
                garde(p, &structures)
            })
            .map(|p| string(p, "id"))
            .collect()
    }

    fn de_specialite(&self, code: &str) -> BTreeSet<String> {
        self.praticiens(|p, _| tableau(p, "specialites").iter().any(|s| s == code))
    }

    fn de_ville(&self, ville: &str) -> BTreeSet<String> {
        self.praticiens(|_, structures| structures.iter().any(|s| s["ville"] == ville))
    }

    fn de_structure(&self, fragment: &str) -> BTreeSet<String> {
        self.praticiens(|_, structures| {
            structures
                .iter()
                .any(|s| s["nom"].as_str().is_some_and(|n| n.contains(fragment)))
        })
    }

    fn structure_id(&self, fragment: &str) -> String {
        let s = tableau(&self.0, "structures")
            .iter()
            .find(|s| s["nom"].as_str().is_some_and(|n| n.contains(fragment)))
            .unwrap_or_else(|| panic!("no structure named like {fragment:?}"));
        string(s, "id")
    }
}

/// The array `cle` of `v`; panics, showing `v`, if there is none.
#[track_caller]
fn tableau<'a>(v: &'a Value, cle: &str) -> &'a Vec<Value> {
    v[cle]
        .as_array()
        .unwrap_or_else(|| panic!("no `{cle}` array in {v}"))
}

/// The ids `GET /praticiens?{query}` answers, in order.
async fn chercher(app: &TestApp, query: &str) -> Vec<String> {
    let page = app
        .get_as(&format!("/praticiens?{query}"), None)
        .await
        .assert_status(200);
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("GET /praticiens?{query}: no `items`: {page}"))
        .iter()
        .map(|p| string(p, "id"))
        .collect()
}

fn q(texte: &str) -> String {
    format!("q={}&limit=100", encode(texte))
}

/// The first `attendus.len()` results are exactly `attendus`.
#[track_caller]
fn check_premiers(quoi: &str, trouves: &[String], attendus: &BTreeSet<String>) {
    assert!(
        !attendus.is_empty(),
        "{quoi}: nothing expected, the demo changed?"
    );
    assert!(
        trouves.len() >= attendus.len(),
        "{quoi}: {} results, {} expected first: {trouves:?}",
        trouves.len(),
        attendus.len()
    );
    let premiers: BTreeSet<String> = trouves[..attendus.len()].iter().cloned().collect();
    assert_eq!(
        &premiers, attendus,
        "{quoi}: the right praticiens are not first: {trouves:?}"
    );
}

#[tokio::test]
async fn search_finds_the_specialite_however_it_is_typed() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let demo = Demo::charger();

    let cardiologues = demo.de_specialite("cardiologie");
    for texte in ["cardio", "Cardiologie", "cardiolgue", "cardiologue", "CARDI"] {
        check_premiers(texte, &chercher(&app, &q(texte)).await, &cardiologues);
    }
    let generalistes = demo.de_specialite("medecine_generale");
    for texte in ["médecine générale", "MEDECINE GENERALE", "medecine generale"] {
        let trouves = chercher(&app, &q(texte)).await;
        check_premiers(texte, &trouves, &generalistes);
    }
    // Folded the same way, they are the same search.
    assert_eq!(
        chercher(&app, &q("médecine générale")).await,
        chercher(&app, &q("MEDECINE GENERALE")).await
    );
}

#[tokio::test]
async fn search_finds_structures_and_villes_even_misspelt() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let demo = Demo::charger();

    check_premiers(
        "Krutenau",
        &chercher(&app, &q("Krutenau")).await,
        &demo.de_structure("Krutenau"),
    );
    check_premiers(
        "Cabinet médical Stanislas",
        &chercher(&app, &q("Cabinet médical Stanislas")).await,
        &demo.de_structure("Stanislas"),
    );
    check_premiers(
        "Nanci",
        &chercher(&app, &q("Nanci")).await,
        &demo.de_ville("Nancy"),
    );
    // "un cardiologue à Nancy", typed in a hurry: every term counts.
    let a_nancy: BTreeSet<String> = demo
        .de_specialite("cardiologie")
        .intersection(&demo.de_ville("Nancy"))
        .cloned()
        .collect();
    let trouves = chercher(&app, &q("un cardiolgue à nanci")).await;
    assert_eq!(
        trouves.iter().cloned().collect::<BTreeSet<_>>(),
        a_nancy,
        "{trouves:?}"
    );
    // A name.
    let mathieu = demo.praticiens(|p, _| p["nom"] == "Mathieu");
    check_premiers("Mathieu", &chercher(&app, &q("mathieu")).await, &mathieu);
}

#[tokio::test]
async fn filters_work_alone_and_with_q() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let demo = Demo::charger();
    let cardiologues = demo.de_specialite("cardiologie");
    let a_strasbourg = demo.de_ville("Strasbourg");

    // Alone (the listing).
    let trouves = chercher(&app, "specialite=cardiologie&ville=strasbourg").await;
    let attendus: BTreeSet<String> = cardiologues.intersection(&a_strasbourg).cloned().collect();
    assert_eq!(trouves.iter().cloned().collect::<BTreeSet<_>>(), attendus);

    // With q: the filters hold, and ville is folded.
    let trouves = chercher(&app, &format!("{}&ville=STRASBOURG", q("cardio"))).await;
    assert_eq!(trouves.iter().cloned().collect::<BTreeSet<_>>(), attendus);
    let trouves = chercher(&app, &format!("{}&specialite=cardiologie", q("Nanci"))).await;
    let attendus: BTreeSet<String> = cardiologues
        .intersection(&demo.de_ville("Nancy"))
        .cloned()
        .collect();
    assert_eq!(trouves.iter().cloned().collect::<BTreeSet<_>>(), attendus);
    let pontiffroy = demo.structure_id("Pontiffroy");
    let trouves = chercher(
        &app,
        &format!("{}&structure={pontiffroy}", q("médecine générale")),
    )
    .await;
    let attendus: BTreeSet<String> = demo
        .de_specialite("medecine_generale")
        .intersection(&demo.de_structure("Pontiffroy"))
        .cloned()
        .collect();
    assert_eq!(trouves.iter().cloned().collect::<BTreeSet<_>>(), attendus);
    let en_video = demo.praticiens(|p, structures| {
        structures.iter().any(|s| s["ville"] == "Nancy")
            && p["horaires"].as_array().is_some_and(|h| {
                h.iter().any(|r| {
                    r["types"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|t| t == "teleconsultation"))
                })
            })
    });
    let trouves = chercher(&app, &format!("{}&type=teleconsultation", q("nancy"))).await;
    assert_eq!(trouves.iter().cloned().collect::<BTreeSet<_>>(), en_video);

    // An unknown spécialité: an empty page, with or without q.
    for query in [
        "specialite=inconnue".to_owned(),
        format!("{}&specialite=inconnue", q("cardio")),
    ] {
        let page = app
            .get_as(&format!("/praticiens?{query}"), None)
            .await
            .assert_status(200);
        assert_eq!(page["items"], json!([]), "{query}: {page}");
        assert!(page.get("next_cursor").is_none(), "{query}: {page}");
    }
}

#[tokio::test]
async fn search_pages_with_its_own_cursor_and_bounds_q() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let demo = Demo::charger();

    let tous = chercher(&app, &q("nancy")).await;
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..tous.len() {
        let mut path = "/praticiens?q=nancy&limit=3".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", encode(c)));
        }
        let page = app.get_as(&path, None).await.assert_status(200);
        pages.extend(page["items"].as_array().unwrap().iter().map(|p| string(p, "id")));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, tous, "pages of 3 differ from one page of 100");
    assert_eq!(
        tous.iter().cloned().collect::<BTreeSet<_>>(),
        demo.de_ville("Nancy")
    );

    app.get_as(&format!("/praticiens?{}", q(&"a".repeat(201))), None)
        .await
        .assert_problem(422, "recherche_trop_longue");
    app.get_as(
        &format!(
            "/praticiens?{}",
            q("un deux trois quatre cinq six sept huit neuf dix onze")
        ),
        None,
    )
    .await
    .assert_problem(422, "recherche_trop_de_termes");
    app.get_as("/praticiens?q=nancy&cursor=pas-un-curseur", None)
        .await
        .assert_problem(400, "curseur_invalide");
    // A blank q is the listing.
    assert_eq!(
        chercher(&app, "q=%20%20&limit=100").await,
        chercher(&app, "limit=100").await
    );
}

#[tokio::test]
async fn search_answers_the_same_after_the_index_is_deleted() {
    let mut app = TestApp::builder().seed_demo().spawn().await;
    let requetes = [
        q("cardio"),
        q("médecine générale"),
        q("Nanci"),
        q("Krutenau"),
        format!("{}&type=teleconsultation", q("lyon")),
    ];
    let mut avant = Vec::new();
    for r in &requetes {
        avant.push(chercher(&app, r).await);
    }

    app.terminate().await.unwrap();
    let index = app.data_dir().join("index");
    assert!(index.is_dir(), "no index at {}", index.display());
    std::fs::remove_dir_all(&index).unwrap();
    app.restart().await;

    assert!(index.is_dir(), "the index was not rebuilt");
    for (r, avant) in requetes.iter().zip(&avant) {
        assert_eq!(&chercher(&app, r).await, avant, "{r}");
    }
    let health = app.get_as("/health", None).await.assert_status(200);
    assert_eq!(health["index"], "ok", "{health}");
}

#[tokio::test]
async fn a_new_praticien_is_found_by_name_within_a_second() {
    let app = TestApp::builder().seed_demo().spawn().await;
    let demo = Demo::charger();
    let admin = app.admin_token().await;
    let structure = demo.structure_id("Trois-Maisons");

    assert!(chercher(&app, &q("Quenardel")).await.is_empty());
    let praticien = app
        .create_praticien(
            &admin,
            &structure,
            json!({ "nom": "Quenardel", "prenom": "Anaïs", "specialites": ["dermatologie"] }),
        )
        .await;
    let cree = Instant::now();
    let trouves = poll_until("the new praticien is searchable", SEARCH_WAIT, async || {
        let trouves = chercher(&app, &q("quenardel")).await;
        if trouves.contains(&praticien.id) {
            Ok(trouves)
        } else {
            Err(format!("{trouves:?}"))
        }
    })
    .await;
    let delai = cree.elapsed();
    assert!(
        delai <= VISIBLE_WITHIN,
        "searchable after {} ms",
        delai.as_millis()
    );
    assert_eq!(trouves, std::slice::from_ref(&praticien.id));
    // Found the other ways too: a typo, the trade, the ville.
    assert_eq!(
        chercher(&app, &q("Quenardelle")).await,
        std::slice::from_ref(&praticien.id)
    );
    let dermatologues = chercher(&app, &format!("{}&ville=Nancy", q("dermatologue"))).await;
    assert!(dermatologues.contains(&praticien.id), "{dermatologues:?}");
}

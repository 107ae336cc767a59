use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::consultation::TypeConsultation;
use domain::horaires::Horaires;
use domain::identifiants::{Email, Rpps, Telephone};
use domain::ids::{PraticienId, StructureId};
use domain::reglages::Reglages;
use domain::specialite::Specialite;
use domain::temps::Fuseau;
use tempfile::TempDir;
use uuid::Uuid;

use super::analyse::{Texte, TexteInvalide, distance_toleree, jetons, replier};
use super::requete::{RESULTATS_MAX, curseur, rang};
use super::*;
use crate::modele::{Compte, CompteId, Praticien, Role, Structure, TypeStructure};
use crate::store::redb::RedbStore;

// --- analysis

#[track_caller]
fn check_jetons(texte: &str, attendus: &[&str]) {
    assert_eq!(jetons(texte), attendus, "{texte:?}");
}

#[test]
fn analysis_folds_case_and_accents() {
    check_jetons("médecine générale", &["medecine", "generale"]);
    check_jetons("MEDECINE GENERALE", &["medecine", "generale"]);
    check_jetons("Médecine Générale", &["medecine", "generale"]);
    check_jetons("Maïeutique (sage-femme)", &["maieutique", "sage", "femme"]);
    check_jetons("Cœur d’Élise", &["coeur", "d", "elise"]);
    check_jetons(&"x".repeat(analyse::JETON_OCTETS_MAX + 1), &[]);
    assert_eq!(replier("  Saint-Étienne "), "saint-etienne");
    assert_eq!(replier("NANCY"), replier("Nancy"));
}

#[track_caller]
fn check_distance(terme: &str, attendue: u8) {
    assert_eq!(distance_toleree(terme), attendue, "{terme:?}");
}

#[test]
fn fuzzy_distance_grows_with_term_length() {
    check_distance("orl", 0);
    check_distance("dr", 0);
    check_distance("nanc", 1);
    check_distance("nanci", 1);
    check_distance("cardiol", 1);
    check_distance("cardiolo", 2);
    check_distance("cardiolgue", 2);
    // Characters, not bytes.
    check_distance("éléa", 1);
}

#[track_caller]
fn check_texte(q: &str, attendu: Result<Option<&[&str]>, TexteInvalide>) {
    let obtenu = Texte::parse(q).map(|t| t.map(|t| t.termes().to_vec()));
    let attendu = attendu.map(|o| o.map(|v| v.iter().map(|s| (*s).to_owned()).collect()));
    assert_eq!(obtenu, attendu, "{q:?}");
}

#[test]
fn search_text_is_bounded_and_drops_empty_words() {
    check_texte("", Ok(None));
    check_texte("   ", Ok(None));
    check_texte("un cardiologue à Nancy", Ok(Some(&["cardiologue", "nancy"])));
    check_texte("Nancy nancy NANCY", Ok(Some(&["nancy"])));
    check_texte("de la", Ok(Some(&["de", "la"])));
    check_texte("!!!", Ok(Some(&[])));
    check_texte(&"a".repeat(analyse::RECHERCHE_CARACTERES_MAX), Ok(Some(&[])));
    check_texte(
        &"é".repeat(analyse::RECHERCHE_CARACTERES_MAX + 1),
        Err(TexteInvalide::TropLong),
    );
    check_texte(
        "a b c d e f g h i j",
        Ok(Some(&["b", "c", "e", "f", "g", "h", "i", "j"])),
    );
    check_texte("a b c d e f g h i j k", Err(TexteInvalide::TropDeTermes));
}

#[test]
fn cursors_round_trip_and_foreign_ones_are_refused() {
    assert_eq!(rang(&curseur(0)), Some(0));
    assert_eq!(rang(&curseur(40)), Some(40));
    assert_eq!(rang(&curseur(RESULTATS_MAX + 1)), None);
    for etranger in ["", "!!", "cmFuZzp4", "bm9tOjQw", &"A".repeat(100)] {
        assert_eq!(rang(etranger), None, "{etranger:?}");
    }
}

// --- an index over a real store

struct Banc {
    _dossier: TempDir,
    chemin: std::path::PathBuf,
    store: Arc<dyn Stockage>,
    structure: Structure,
    n: u64,
}

impl Banc {
    fn new() -> Self {
        let dossier = tempfile::tempdir().unwrap();
        let chemin = dossier.path().to_owned();
        let store: Arc<dyn Stockage> = Arc::new(RedbStore::open(&chemin).unwrap());
        let structure = Structure {
            id: StructureId(Uuid::now_v7()),
            nom: "Maison de santé des Trois-Maisons".to_owned(),
            type_structure: TypeStructure::MaisonMedicale,
            adresse: "12 rue du Faubourg".to_owned(),
            code_postal: "54000".to_owned(),
            ville: "Nancy".to_owned(),
            telephone: Telephone::parse("03 83 00 00 00").unwrap(),
            fuseau: Fuseau::PARIS,
        };
        store.creer_structure(&structure).unwrap();
        Self {
            _dossier: dossier,
            chemin,
            store,
            structure,
            n: 0,
        }
    }

    /// A praticien written to the store only (the index is not told).
    fn praticien(&mut self, nom: &str, specialite: Specialite) -> PraticienId {
        self.n += 1;
        let n = self.n;
        let rpps = (0..10)
            .find_map(|cle| Rpps::parse(&format!("{:010}{cle}", 1_000_000_000 + n)).ok())
            .unwrap();
        let email = Email::parse(&format!("praticien{n}@exemple.fr")).unwrap();
        let p = Praticien {
            id: PraticienId(Uuid::now_v7()),
            rpps,
            nom: nom.to_owned(),
            prenom: "Camille".to_owned(),
            titre: Some("Dr".to_owned()),
            email: email.clone(),
            specialites: vec![specialite],
            structures: vec![self.structure.id],
            honoraires: Vec::new(),
            motifs: Vec::new(),
            durees: Vec::new(),
            moyens_paiement: Vec::new(),
            nouveaux_patients: true,
            horaires: Horaires::default(),
            reglages: Reglages::default(),
        };
        let compte = Compte {
            id: CompteId(Uuid::now_v7()),
            email,
            mot_de_passe_hash: "x".to_owned(),
            role: Role::Praticien(p.id),
            cree_le: chrono::Utc::now(),
        };
        self.store.creer_praticien(&compte, &p).unwrap();
        p.id
    }

    fn ouvrir(&self) -> (Recherche, Ouverture) {
        Recherche::ouvrir(&self.chemin, Arc::clone(&self.store)).unwrap()
    }
}

fn chercher(r: &Recherche, q: &str) -> Vec<PraticienId> {
    chercher_avec(r, q, &FiltrePraticiens::default())
}

fn chercher_avec(r: &Recherche, q: &str, filtre: &FiltrePraticiens) -> Vec<PraticienId> {
    let texte = Texte::parse(q).unwrap().unwrap();
    r.chercher(&texte, filtre, None, 100).unwrap().ids
}

#[test]
fn exact_matches_rank_before_prefix_and_fuzzy_ones() {
    let mut banc = Banc::new();
    let marin = banc.praticien("Marin", Specialite::MEDECINE_GENERALE);
    let martine = banc.praticien("Martine", Specialite::MEDECINE_GENERALE);
    let martin = banc.praticien("Martin", Specialite::MEDECINE_GENERALE);
    let (r, _) = banc.ouvrir();

    // Exact, then prefix (martin… ), then one edit away.
    assert_eq!(chercher(&r, "martin"), [martin, martine, marin]);
    assert_eq!(chercher(&r, "MARTÎN"), [martin, martine, marin]);
    r.fermer();
}

#[test]
fn speciality_words_prefixes_trades_and_typos_find_the_speciality() {
    let mut banc = Banc::new();
    let generaliste = banc.praticien("Laurent", Specialite::MEDECINE_GENERALE);
    let cardio = banc.praticien("Mathieu", Specialite::parse("cardiologie").unwrap());
    let (r, _) = banc.ouvrir();

    for q in ["cardio", "Cardiologie", "cardiologue", "cardiolgue", "CARDI"] {
        assert_eq!(chercher(&r, q), [cardio], "{q}");
    }
    for q in ["médecine générale", "MEDECINE GENERALE", "généraliste"] {
        assert_eq!(chercher(&r, q), [generaliste], "{q}");
    }
    // Every term must match; empty words are dropped; a ville with a typo.
    assert_eq!(chercher(&r, "un cardiologue à Nanci"), [cardio]);
    assert_eq!(chercher(&r, "cardiologue lyon"), Vec::<PraticienId>::new());
    // Filters combine with the text.
    let a_nancy = FiltrePraticiens {
        ville: Some("NANCY".to_owned()),
        ..FiltrePraticiens::default()
    };
    assert_eq!(chercher_avec(&r, "Trois-Maisons", &a_nancy).len(), 2);
    let cardiologie = FiltrePraticiens {
        specialite: Some(Specialite::parse("cardiologie").unwrap()),
        type_consultation: Some(TypeConsultation::Presentiel),
        ..FiltrePraticiens::default()
    };
    assert_eq!(chercher_avec(&r, "nancy", &cardiologie), [cardio]);
    let teleconsultation = FiltrePraticiens {
        type_consultation: Some(TypeConsultation::Teleconsultation),
        ..FiltrePraticiens::default()
    };
    assert!(chercher_avec(&r, "nancy", &teleconsultation).is_empty());
    r.fermer();
}

#[test]
fn pages_follow_the_rank_order() {
    let mut banc = Banc::new();
    for nom in ["Arnaud", "Bernard", "Carpentier", "Dupont", "Etienne"] {
        banc.praticien(nom, Specialite::MEDECINE_GENERALE);
    }
    let (r, _) = banc.ouvrir();
    let texte = Texte::parse("nancy").unwrap().unwrap();
    let tous = r
        .chercher(&texte, &FiltrePraticiens::default(), None, 100)
        .unwrap();
    assert_eq!(tous.ids.len(), 5);
    assert_eq!(tous.next_cursor, None);

    let mut vus = Vec::new();
    let mut curseur: Option<String> = None;
    for _ in 0..5 {
        let page = r
            .chercher(&texte, &FiltrePraticiens::default(), curseur.as_deref(), 2)
            .unwrap();
        vus.extend(page.ids);
        curseur = page.next_cursor;
        if curseur.is_none() {
            break;
        }
    }
    // Equal scores rank by name.
    assert_eq!(vus, tous.ids);
    assert!(matches!(
        r.chercher(&texte, &FiltrePraticiens::default(), Some("bm9u"), 2),
        Err(ErreurRecherche::CurseurInvalide)
    ));
    r.fermer();
}

#[test]
fn a_stale_missing_or_damaged_index_is_rebuilt_and_a_current_one_is_not() {
    let mut banc = Banc::new();
    banc.praticien("Laurent", Specialite::MEDECINE_GENERALE);
    let (r, ouverture) = banc.ouvrir();
    assert!(
        matches!(ouverture, Ouverture::Reconstruit { ref raison, praticiens: 1, .. } if raison == "absent")
    );
    r.fermer();

    let (r, ouverture) = banc.ouvrir();
    assert!(matches!(ouverture, Ouverture::AJour { .. }), "{ouverture:?}");
    r.fermer();

    // A write the index was not told about: the generations differ.
    let girard = banc.praticien("Girard", Specialite::MEDECINE_GENERALE);
    let (r, ouverture) = banc.ouvrir();
    assert!(
        matches!(ouverture, Ouverture::Reconstruit { ref raison, praticiens: 2, .. } if raison.starts_with("périmé")),
        "{ouverture:?}"
    );
    assert_eq!(chercher(&r, "girard"), [girard]);
    r.fermer();

    // Damaged: its meta file is garbage.
    std::fs::write(
        banc.chemin.join(DOSSIER_INDEX).join("meta.json"),
        b"{ pas du json",
    )
    .unwrap();
    let (r, ouverture) = banc.ouvrir();
    assert!(
        matches!(ouverture, Ouverture::Reconstruit { ref raison, .. } if raison.starts_with("illisible")),
        "{ouverture:?}"
    );
    assert_eq!(chercher(&r, "girard"), [girard]);
    r.fermer();
}

#[test]
fn a_signalled_change_is_searchable_within_a_second_and_a_clean_close_stamps_it() {
    let mut banc = Banc::new();
    let (r, _) = banc.ouvrir();
    assert!(chercher(&r, "hoarau").is_empty());

    let debut = Instant::now();
    let id = banc.praticien("Hoarau", Specialite::parse("pediatrie").unwrap());
    r.signaler(Changement::Praticien(id));
    while chercher(&r, "hoarau").is_empty() {
        assert!(
            debut.elapsed() < Duration::from_secs(1),
            "not searchable after 1 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(chercher(&r, "pédiatre"), [id]);

    // Before a clean close, the stamp of a batch is partial: a crash now would mean a rebuild.
    let dossier = banc.chemin.join(DOSSIER_INDEX);
    let tampon = Tampon::lire(&Index::open_in_dir(&dossier).unwrap()).unwrap();
    assert!(!tampon.complet);
    r.fermer();
    assert_eq!(r.etat(), EtatIndex::Arrete);
    let tampon = Tampon::lire(&Index::open_in_dir(&dossier).unwrap()).unwrap();
    assert!(tampon.complet);
    assert_eq!(tampon.generation, banc.store.generation_annuaire().unwrap());

    let (r, ouverture) = banc.ouvrir();
    assert!(matches!(ouverture, Ouverture::AJour { .. }), "{ouverture:?}");
    assert_eq!(chercher(&r, "hoarau"), [id]);
    r.fermer();
}

#[test]
fn an_interrupted_index_is_rebuilt() {
    let mut banc = Banc::new();
    let (r, _) = banc.ouvrir();
    let id = banc.praticien("Hoarau", Specialite::MEDECINE_GENERALE);
    r.signaler(Changement::Praticien(id));
    let debut = Instant::now();
    while chercher(&r, "hoarau").is_empty() {
        assert!(
            debut.elapsed() < Duration::from_secs(1),
            "not searchable after 1 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A crash: the last commit is a batch's, whatever the generations say.
    let dossier = banc.chemin.join(DOSSIER_INDEX);
    let tampon = Tampon::lire(&Index::open_in_dir(&dossier).unwrap()).unwrap();
    assert_eq!(tampon.generation, banc.store.generation_annuaire().unwrap());
    r.fermer();
    let index = Index::open_in_dir(&dossier).unwrap();
    let mut writer: IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, ECRIVAIN_OCTETS).unwrap();
    let mut commit = writer.prepare_commit().unwrap();
    commit.set_payload(&tampon.encoder());
    commit.commit().unwrap();
    drop(writer);

    let (r, ouverture) = banc.ouvrir();
    assert!(
        matches!(ouverture, Ouverture::Reconstruit { ref raison, .. } if raison.starts_with("interrompu")),
        "{ouverture:?}"
    );
    r.fermer();
}

/// Every ranked hit for `q`, walking whole segments or stopping early where a segment is in name
/// order.
fn meilleurs(
    r: &Recherche,
    q: &str,
    filtre: &FiltrePraticiens,
    n: usize,
    arret: bool,
) -> Vec<(f32, u32, u32)> {
    let texte = Texte::parse(q).unwrap().unwrap();
    let plan = moteur::Plan::new(&r.champs, &texte, filtre).unwrap();
    let searcher = r.lecteur.searcher();
    moteur::meilleurs(
        searcher.segment_readers(),
        &r.champs,
        &r.automates,
        &plan,
        n,
        |_, s| arret && r.trie(s),
    )
    .unwrap()
    .iter()
    .map(|t| (t.score, t.segment, t.doc))
    .collect()
}

#[test]
fn stopping_early_in_name_ordered_segments_finds_exactly_what_a_full_walk_finds() {
    let mut banc = Banc::new();
    let noms = [
        "Martin",
        "Bernard",
        "Martineau",
        "Marin",
        "Dubois",
        "Thomas",
        "Robert",
        "Richard",
    ];
    let specialites: Vec<Specialite> = ["medecine_generale", "cardiologie", "pediatrie"]
        .iter()
        .map(|c| Specialite::parse(c).unwrap())
        .collect();
    for i in 0..240 {
        banc.praticien(noms[i * 7 % noms.len()], specialites[i % 3]);
    }
    let (r, _) = banc.ouvrir();
    let searcher = r.lecteur.searcher();
    assert!(
        searcher.segment_readers().iter().all(|s| r.trie(s)),
        "a rebuild writes its documents in name order"
    );
    // Later writes land in a new segment, in id order: walked whole, merged with the sorted one.
    for i in 0..20 {
        let id = banc.praticien(noms[(i * 3 + 1) % noms.len()], specialites[(i + 1) % 3]);
        r.signaler(Changement::Praticien(id));
    }
    let debut = Instant::now();
    while r.lecteur.searcher().num_docs() < 260 {
        assert!(debut.elapsed() < Duration::from_secs(5), "writes not committed");
        std::thread::sleep(Duration::from_millis(20));
    }
    let nancy = FiltrePraticiens {
        ville: Some("nancy".to_owned()),
        ..FiltrePraticiens::default()
    };
    for q in [
        "medecine generale",
        "cardio",
        "martin",
        "mar",
        "marin",
        "cardiolgue",
        "martin cardiologie",
        "pediatre nancy",
        "maison",
        "dr",
    ] {
        for n in [1, 5, 21, 101, 400] {
            for filtre in [&FiltrePraticiens::default(), &nancy] {
                let complet = meilleurs(&r, q, filtre, n, false);
                assert!(!complet.is_empty(), "{q}: nothing found");
                assert_eq!(meilleurs(&r, q, filtre, n, true), complet, "{q}, n = {n}");
            }
        }
    }
    r.fermer();
}

//! From a search text and filters to a tantivy query, and the opaque cursor of a result page.
//!
//! Every term must match (a praticien found for "cardio nancy" is a cardiologue in Nancy). A term
//! matches a field exactly, as a prefix (type-ahead: `cardi`), or within the edits its length allows
//! (`cardiolgue`, `Nanci`), all on the one `tout` field. Scores are constants, not BM25: a term scores
//! its kind of match (exact > prefix > fuzzy) plus, when it is exact in a weighted field, that field's
//! weight (the best field, the others a little), so the ranking is a stated rule rather than
//! term statistics, and equal scores fall back to the name order.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tantivy::Term;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::IndexRecordOption;

use super::analyse::{Texte, distance_toleree, replier};
use super::schema::Champs;
use crate::store::FiltrePraticiens;

/// Weight of a term found as is.
pub const POIDS_EXACT: f32 = 1.0;
/// Weight of a term found as the start of a longer one.
pub const POIDS_PREFIXE: f32 = 0.7;
/// Weight of a term found within its tolerated edits.
pub const POIDS_FLOU: f32 = 0.5;
/// Share of a term's score its other matching fields add (a ville also in the structure's name).
pub const DEPARTAGE_CHAMPS: f32 = 0.1;
/// Shortest term searched as a prefix: shorter ones would expand to too much of the dictionary.
pub const PREFIXE_CARACTERES_MIN: usize = 3;
/// How deep a search pages: results past this rank are not served (refine the query instead).
pub const RESULTATS_MAX: usize = 1_000;

/// The query for `texte` under `filtre`; `None` when the text has no term (it finds nothing).
pub fn requete(champs: &Champs, texte: &Texte, filtre: &FiltrePraticiens) -> Option<Box<dyn Query>> {
    if texte.termes().is_empty() {
        return None;
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = texte
        .termes()
        .iter()
        .map(|t| (Occur::Must, terme(champs, t)))
        .collect();
    clauses.extend(filtres(champs, filtre).into_iter().map(|q| (Occur::Must, q)));
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// One term: it must match `tout` exactly, as a prefix or within its tolerated edits (one dictionary
/// walk each), and an exact match in a weighted field adds that field's weight (plain term lookups).
/// So exact and field-specific matches rank first, and prefix or typo matches next.
fn terme(champs: &Champs, terme: &str) -> Box<dyn Query> {
    let t = Term::from_field_text(champs.tout, terme);
    let mut facons: Vec<Box<dyn Query>> = vec![constant(
        Box::new(TermQuery::new(t.clone(), IndexRecordOption::Basic)),
        POIDS_EXACT,
    )];
    if terme.chars().count() >= PREFIXE_CARACTERES_MIN {
        facons.push(constant(
            Box::new(FuzzyTermQuery::new_prefix(t.clone(), 0, true)),
            POIDS_PREFIXE,
        ));
    }
    let distance = distance_toleree(terme);
    if distance > 0 {
        facons.push(constant(
            Box::new(FuzzyTermQuery::new(t, distance, true)),
            POIDS_FLOU,
        ));
    }
    let par_champ: Vec<Box<dyn Query>> = champs
        .cherches()
        .into_iter()
        .map(|(champ, poids)| {
            let exact = TermQuery::new(Term::from_field_text(champ, terme), IndexRecordOption::Basic);
            constant(Box::new(exact), poids)
        })
        .collect();
    Box::new(BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(DisjunctionMaxQuery::new(facons)) as Box<dyn Query>,
        ),
        (
            Occur::Should,
            Box::new(DisjunctionMaxQuery::with_tie_breaker(par_champ, DEPARTAGE_CHAMPS)),
        ),
    ]))
}

/// The filters as exact terms that add nothing to the score.
pub fn filtres(champs: &Champs, filtre: &FiltrePraticiens) -> Vec<Box<dyn Query>> {
    let mut termes = Vec::new();
    if let Some(s) = filtre.specialite {
        termes.push(Term::from_field_text(champs.filtre_specialite, s.code()));
    }
    if let Some(v) = &filtre.ville {
        termes.push(Term::from_field_text(champs.filtre_ville, &replier(v)));
    }
    if let Some(s) = filtre.structure {
        termes.push(Term::from_field_text(champs.filtre_structure, &s.0.to_string()));
    }
    if let Some(t) = filtre.type_consultation {
        termes.push(Term::from_field_text(champs.filtre_type, t.as_str()));
    }
    termes
        .into_iter()
        .map(|t| constant(Box::new(TermQuery::new(t, IndexRecordOption::Basic)), 0.0))
        .collect()
}

fn constant(q: Box<dyn Query>, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(q, score))
}

/// The cursor of the page starting at rank `rang`: opaque to clients, so it may change shape.
pub fn curseur(rang: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("rang:{rang}"))
}

/// The rank a cursor of [`curseur`] points at; `None` for anything else (a cursor of the plain
/// listing, say), or a rank past [`RESULTATS_MAX`].
pub fn rang(curseur: &str) -> Option<usize> {
    if curseur.len() > 32 {
        return None;
    }
    let octets = URL_SAFE_NO_PAD.decode(curseur).ok()?;
    let texte = std::str::from_utf8(&octets).ok()?;
    let rang: usize = texte.strip_prefix("rang:")?.parse().ok()?;
    (rang <= RESULTATS_MAX).then_some(rang)
}

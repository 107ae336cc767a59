//! French-fit text analysis: the same chain for what is indexed and what is typed, so that
//! `médecine générale`, `MEDECINE GENERALE` and `Medecine Generale` are the same terms.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
    TokenStream as _,
};

/// Name under which the text fields' analyser is registered on the index.
pub const ANALYSEUR: &str = "fr_replie";

/// Longest token indexed or searched, in bytes (longer ones are noise: pasted URLs, ids).
pub const JETON_OCTETS_MAX: usize = 40;

/// Longest `q`, in characters (a 422 beyond).
pub const RECHERCHE_CARACTERES_MAX: usize = 200;

/// Most terms in `q` (a 422 beyond): each term costs one fuzzy and one prefix expansion per field.
pub const RECHERCHE_TERMES_MAX: usize = 10;

/// Words that carry nothing in a directory search ("un cardiologue à Nancy"): dropped from `q` unless
/// `q` holds nothing else. Indexed text keeps them, so a structure's full name still matches.
const MOTS_VIDES: &[&str] = &[
    "a", "au", "aux", "chez", "d", "dans", "de", "des", "du", "en", "et", "l", "la", "le", "les", "pour",
    "sur", "un", "une",
];

/// The analyser of the text fields: words (letters and digits), long ones dropped, lower-cased,
/// folded to ASCII (`é` → `e`, `œ` → `oe`).
pub fn analyseur() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(JETON_OCTETS_MAX))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The terms `analyseur` makes of `texte`, in order.
pub fn jetons(texte: &str) -> Vec<String> {
    let mut analyseur = analyseur();
    let mut flux = analyseur.token_stream(texte);
    let mut jetons = Vec::new();
    while flux.advance() {
        jetons.push(flux.token().text.clone());
    }
    jetons
}

/// A whole value folded the same way (trimmed, lower-cased, ASCII): the exact-match key of a ville.
pub fn replier(texte: &str) -> String {
    let mut analyseur = TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let mut flux = analyseur.token_stream(texte.trim());
    let mut replie = String::new();
    while flux.advance() {
        replie.push_str(&flux.token().text);
    }
    replie
}

/// How many edits a term may be away from an indexed one and still match, by its length: none up to
/// 3 characters (too many short words are one edit apart), 1 up to 7, 2 from 8 (`cardiolgue`).
pub fn distance_toleree(terme: &str) -> u8 {
    match terme.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Why a `q` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TexteInvalide {
    /// More than [`RECHERCHE_CARACTERES_MAX`] characters.
    #[error("q : au plus {RECHERCHE_CARACTERES_MAX} caractères")]
    TropLong,
    /// More than [`RECHERCHE_TERMES_MAX`] terms.
    #[error("q : au plus {RECHERCHE_TERMES_MAX} termes")]
    TropDeTermes,
}

impl TexteInvalide {
    /// The machine-readable reason of the 422.
    pub fn code(&self) -> &'static str {
        match self {
            TexteInvalide::TropLong => "recherche_trop_longue",
            TexteInvalide::TropDeTermes => "recherche_trop_de_termes",
        }
    }
}

/// A search text, analysed and bounded: its distinct terms, in the order typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texte {
    termes: Vec<String>,
}

impl Texte {
    /// `None` for a blank `q` (the plain listing answers then); otherwise the terms, without the
    /// [`MOTS_VIDES`] unless they are all there is. A `q` of punctuation only has no term and finds
    /// nothing.
    pub fn parse(q: &str) -> Result<Option<Self>, TexteInvalide> {
        if q.chars().count() > RECHERCHE_CARACTERES_MAX {
            return Err(TexteInvalide::TropLong);
        }
        if q.trim().is_empty() {
            return Ok(None);
        }
        let tous = jetons(q);
        if tous.len() > RECHERCHE_TERMES_MAX {
            return Err(TexteInvalide::TropDeTermes);
        }
        let pleins: Vec<&String> = tous
            .iter()
            .filter(|t| !MOTS_VIDES.contains(&t.as_str()))
            .collect();
        let retenus = if pleins.is_empty() {
            tous.iter().collect()
        } else {
            pleins
        };
        let mut termes: Vec<String> = Vec::with_capacity(retenus.len());
        for t in retenus {
            if !termes.contains(t) {
                termes.push(t.clone());
            }
        }
        Ok(Some(Self { termes }))
    }

    /// The terms.
    pub fn termes(&self) -> &[String] {
        &self.termes
    }
}

//! The search itself: every term of `q` and every filter must match; the best `n` documents by score,
//! then by name.
//!
//! A term matches a document when one of its words is the term (in one of the weighted fields), starts
//! with it (type-ahead) or is within its tolerated edits (typos). Its score is the best of what matched:
//! `1 + weight` of the best field holding it as is, else [`POIDS_PREFIXE`], else [`POIDS_FLOU`]; a
//! document's score is the sum over the terms. So the ranking is a stated rule, not term statistics.
//!
//! Built on tantivy's postings rather than its `Query` tree, for two reasons measured on the 100 000
//! praticien store (BENCHMARKS.md):
//! - a term's alternatives are a handful of posting lists merged by a small k-way union whose `seek`
//!   skips through each list, where tantivy's buffered union refills a 4 096-document window at every
//!   seek: the intersection of a rare term with a frequent one stays as cheap as the rare term;
//! - documents are indexed in name order (`tri`), so within a segment whose `tri` column is sorted the
//!   walk stops as soon as `n` documents hold the best score the terms can reach there: a query that
//!   matches a third of the country reads its first few hundred documents, not all of them.
//!
//! A segment that is not sorted (written by later updates, or merged out of order) is walked whole:
//! slower, never wrong.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::index::{InvertedIndexReader, SegmentId};
use tantivy::postings::SegmentPostings;
use tantivy::postings::TermInfo;
use tantivy::query::{BitSetDocSet, DfaWrapper, FuzzyTermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, SegmentReader, TERMINATED, Term};

use super::analyse::{Texte, distance_toleree, replier};
use super::schema::Champs;
use crate::store::FiltrePraticiens;

/// Score of a term found as the start of a longer word.
pub const POIDS_PREFIXE: f32 = 0.7;
/// Score of a term found within its tolerated edits.
pub const POIDS_FLOU: f32 = 0.5;
/// Shortest term searched as a prefix: shorter ones would expand to too much of the dictionary.
pub const PREFIXE_CARACTERES_MIN: usize = 3;
/// Most words one term expands to (prefix and typos together) in one segment; the rest are ignored.
pub const EXPANSIONS_MAX: usize = 1_024;
/// Up to this many expanded words, each keeps its own posting list (cheap seeks); beyond, a group's
/// lists are read once into a bitset.
pub const LISTES_SEPAREES_MAX: usize = 8;

/// Most (segment, term) expansions kept ([`Automates`]); the memo is cleared beyond. With
/// [`EXPANSIONS_MEMO_MAX`] words of 40 bytes each, at most about 10 MiB.
pub const AUTOMATES_MAX: usize = 4_096;
/// Expansions of more words than this are not kept (they are rare, and go to a bitset anyway).
pub const EXPANSIONS_MEMO_MAX: usize = 64;

/// What a term costs to prepare, kept across searches: per segment, the dictionary words it expands
/// to (building its Levenshtein automaton and walking the dictionary with it were a fifth of a
/// search's CPU). Segments never change, so an expansion stays true for its segment's life; people
/// type the same words (spécialités, villes, names), so it is hit often.
#[derive(Default)]
pub struct Automates {
    expansions: Mutex<HashMap<(SegmentId, String, u8), Arc<Expansions>>>,
}

impl std::fmt::Debug for Automates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Automates").finish_non_exhaustive()
    }
}

impl Automates {
    /// The words `texte` expands to in `segment`'s `tout` dictionary.
    fn expansions(
        &self,
        segment: &SegmentReader,
        tout: &InvertedIndexReader,
        champ: Field,
        texte: &str,
        distance: u8,
    ) -> tantivy::Result<Arc<Expansions>> {
        let cle = (segment.segment_id(), texte.to_owned(), distance);
        if let Some(e) = self
            .expansions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&cle)
        {
            return Ok(Arc::clone(e));
        }
        // Built on a miss only, and not kept: a distance-2 automaton weighs hundreds of KiB, and the
        // varied load made thousands of them (1.1 GiB); the expansion it yields is what is kept.
        let automate = match distance {
            0 => None,
            d => Some(FuzzyTermQuery::new(Term::from_field_text(champ, texte), d, true).automaton()?),
        };
        let mots = Arc::new(developper(tout, texte, distance, automate.as_ref())?);
        if mots.prefixes.len() + mots.flous.len() <= EXPANSIONS_MEMO_MAX {
            let mut memo = self.expansions.lock().unwrap_or_else(PoisonError::into_inner);
            if memo.len() >= AUTOMATES_MAX {
                memo.clear();
            }
            memo.insert(cle, Arc::clone(&mots));
        }
        Ok(mots)
    }
}

/// The other words of a segment's `tout` dictionary one term matches: those it starts, and those
/// within its edits (neither the term itself nor a word it starts).
#[derive(Debug, Default)]
struct Expansions {
    prefixes: Vec<TermInfo>,
    flous: Vec<TermInfo>,
}

/// Walks the dictionary: the words starting with `texte` (3 characters or more), then those within
/// `distance` edits, [`EXPANSIONS_MAX`] at most.
fn developper(
    tout: &InvertedIndexReader,
    texte: &str,
    distance: u8,
    automate: Option<&DfaWrapper>,
) -> tantivy::Result<Expansions> {
    let dictionnaire = tout.terms();
    let prefixe = texte.chars().count() >= PREFIXE_CARACTERES_MIN;
    let mut mots = Expansions::default();
    if prefixe {
        let mut flux = dictionnaire.range().gt(texte.as_bytes()).into_stream()?;
        while flux.advance()
            && flux.key().starts_with(texte.as_bytes())
            && mots.prefixes.len() < EXPANSIONS_MAX
        {
            mots.prefixes.push(flux.value().clone());
        }
    }
    if let (true, Some(automate)) = (distance > 0, automate) {
        let mut flux = dictionnaire.search(automate).into_stream()?;
        while flux.advance() && mots.prefixes.len() + mots.flous.len() < EXPANSIONS_MAX {
            let mot = flux.key();
            if mot != texte.as_bytes() && !(prefixe && mot.starts_with(texte.as_bytes())) {
                mots.flous.push(flux.value().clone());
            }
        }
    }
    Ok(mots)
}

/// One document found, with what ranks it.
#[derive(Debug, Clone, Copy)]
pub struct Trouve {
    /// Sum of its terms' scores.
    pub score: f32,
    /// Name order (the `tri` column).
    pub tri: u64,
    /// Its segment's ordinal in the searcher.
    pub segment: u32,
    /// Its id in that segment.
    pub doc: DocId,
}

impl Trouve {
    fn rang(&self) -> (f32, Reverse<u64>, Reverse<u32>, Reverse<DocId>) {
        (
            self.score,
            Reverse(self.tri),
            Reverse(self.segment),
            Reverse(self.doc),
        )
    }
}

impl PartialEq for Trouve {
    fn eq(&self, autre: &Self) -> bool {
        self.cmp(autre) == Ordering::Equal
    }
}

impl Eq for Trouve {}

impl PartialOrd for Trouve {
    fn partial_cmp(&self, autre: &Self) -> Option<Ordering> {
        Some(self.cmp(autre))
    }
}

/// Greater is better: higher score, then earlier name, then earlier segment and document.
impl Ord for Trouve {
    fn cmp(&self, autre: &Self) -> Ordering {
        let (a, b) = (self.rang(), autre.rang());
        a.0.total_cmp(&b.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    }
}

/// A posting source of one alternative of a term, with its score.
struct Enfant {
    liste: Box<dyn DocSet>,
    poids: f32,
}

/// The documents matching one term: the union of its alternatives, each seek skipping through every
/// list (no buffering), the score the best alternative holding the current document.
struct Terme {
    enfants: Vec<Enfant>,
    doc: DocId,
    /// The best score this term can give in this segment.
    plafond: f32,
}

impl Terme {
    fn new(enfants: Vec<Enfant>) -> Option<Self> {
        let enfants: Vec<Enfant> = enfants
            .into_iter()
            .filter(|e| e.liste.doc() != TERMINATED)
            .collect();
        let plafond = enfants.iter().map(|e| e.poids).fold(f32::NEG_INFINITY, f32::max);
        let doc = enfants.iter().map(|e| e.liste.doc()).min()?;
        Some(Self {
            enfants,
            doc,
            plafond,
        })
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn advance(&mut self) -> DocId {
        let courant = self.doc;
        let mut min = TERMINATED;
        for e in &mut self.enfants {
            let d = if e.liste.doc() == courant {
                e.liste.advance()
            } else {
                e.liste.doc()
            };
            min = min.min(d);
        }
        self.doc = min;
        min
    }

    fn seek(&mut self, cible: DocId) -> DocId {
        if self.doc >= cible {
            return self.doc;
        }
        let mut min = TERMINATED;
        for e in &mut self.enfants {
            let d = if e.liste.doc() < cible {
                e.liste.seek(cible)
            } else {
                e.liste.doc()
            };
            min = min.min(d);
        }
        self.doc = min;
        min
    }

    fn score(&self) -> f32 {
        self.enfants
            .iter()
            .filter(|e| e.liste.doc() == self.doc)
            .map(|e| e.poids)
            .fold(0.0, f32::max)
    }

    fn taille(&self) -> u32 {
        self.enfants.iter().map(|e| e.liste.size_hint()).sum()
    }
}

/// A document set the intersection walks: a term, or a filter's posting list.
enum Curseur {
    Terme(Terme),
    Filtre(Box<SegmentPostings>),
}

impl Curseur {
    fn doc(&self) -> DocId {
        match self {
            Curseur::Terme(t) => t.doc(),
            Curseur::Filtre(p) => p.doc(),
        }
    }

    fn advance(&mut self) -> DocId {
        match self {
            Curseur::Terme(t) => t.advance(),
            Curseur::Filtre(p) => p.advance(),
        }
    }

    fn seek(&mut self, cible: DocId) -> DocId {
        match self {
            Curseur::Terme(t) => t.seek(cible),
            Curseur::Filtre(p) if p.doc() >= cible => p.doc(),
            Curseur::Filtre(p) => p.seek(cible),
        }
    }

    fn taille(&self) -> u32 {
        match self {
            Curseur::Terme(t) => t.taille(),
            Curseur::Filtre(p) => p.size_hint(),
        }
    }
}

/// What a search looks for: its terms with their tolerated edits, and its filters as exact terms.
#[derive(Debug)]
pub struct Plan {
    termes: Vec<(String, u8)>,
    filtres: Vec<Term>,
}

impl Plan {
    /// The plan of `texte` under `filtre`; `None` when the text has no term.
    pub fn new(champs: &Champs, texte: &Texte, filtre: &FiltrePraticiens) -> Option<Self> {
        if texte.termes().is_empty() {
            return None;
        }
        let termes = texte
            .termes()
            .iter()
            .map(|t| (t.clone(), distance_toleree(t)))
            .collect();
        let mut filtres = Vec::new();
        if let Some(s) = filtre.specialite {
            filtres.push(Term::from_field_text(champs.filtre_specialite, s.code()));
        }
        if let Some(v) = &filtre.ville {
            filtres.push(Term::from_field_text(champs.filtre_ville, &replier(v)));
        }
        if let Some(s) = filtre.structure {
            filtres.push(Term::from_field_text(champs.filtre_structure, &s.0.to_string()));
        }
        if let Some(t) = filtre.type_consultation {
            filtres.push(Term::from_field_text(champs.filtre_type, t.as_str()));
        }
        Some(Self { termes, filtres })
    }
}

/// The best `n` documents of `segments` for `plan`, best first. `trie(i)` says whether segment `i`'s
/// documents are in `tri` order (then its walk may stop early).
pub fn meilleurs(
    segments: &[SegmentReader],
    champs: &Champs,
    automates: &Automates,
    plan: &Plan,
    n: usize,
    trie: impl Fn(u32, &SegmentReader) -> bool,
) -> tantivy::Result<Vec<Trouve>> {
    let mut tas: BinaryHeap<Reverse<Trouve>> = BinaryHeap::with_capacity(n + 1);
    if n == 0 {
        return Ok(Vec::new());
    }
    for (ord, segment) in segments.iter().enumerate() {
        let ord = u32::try_from(ord).unwrap_or(u32::MAX);
        let Some(mut curseurs) = curseurs(segment, champs, automates, plan)? else {
            continue;
        };
        let plafond: f32 = curseurs
            .iter()
            .map(|c| match c {
                Curseur::Terme(t) => t.plafond,
                Curseur::Filtre(_) => 0.0,
            })
            .sum();
        let tri = segment.fast_fields().u64("tri")?.first_or_default_col(u64::MAX);
        let vivants = segment.alive_bitset();
        let arret_possible = trie(ord, segment);
        // The smallest set leads the intersection.
        curseurs.sort_by_key(Curseur::taille);
        let mut doc = curseurs.first().map_or(TERMINATED, Curseur::doc);
        'docs: while doc != TERMINATED {
            for c in curseurs.iter_mut().skip(1) {
                let d = c.seek(doc);
                if d > doc {
                    doc = curseurs.first_mut().map_or(TERMINATED, |l| l.seek(d));
                    continue 'docs;
                }
            }
            if vivants.is_none_or(|v| v.is_alive(doc)) {
                let score: f32 = curseurs
                    .iter()
                    .map(|c| match c {
                        Curseur::Terme(t) => t.score(),
                        Curseur::Filtre(_) => 0.0,
                    })
                    .sum();
                let trouve = Trouve {
                    score,
                    tri: tri.get_val(doc),
                    segment: ord,
                    doc,
                };
                if tas.len() < n {
                    tas.push(Reverse(trouve));
                } else if tas.peek().is_some_and(|Reverse(pire)| trouve > *pire) {
                    tas.pop();
                    tas.push(Reverse(trouve));
                }
                // In name order, every later document of this segment ranks below the worst kept
                // one once that one holds the best score reachable here.
                if arret_possible
                    && tas.len() == n
                    && tas.peek().is_some_and(|Reverse(pire)| {
                        pire.score > plafond || (pire.score >= plafond && pire.tri <= trouve.tri)
                    })
                {
                    break;
                }
            }
            doc = curseurs.first_mut().map_or(TERMINATED, Curseur::advance);
        }
    }
    let mut tous: Vec<Trouve> = tas.into_iter().map(|Reverse(t)| t).collect();
    tous.sort_unstable_by(|a, b| b.cmp(a));
    Ok(tous)
}

/// The segment's cursors: one per term, one per filter; `None` when one of them matches nothing there.
fn curseurs(
    segment: &SegmentReader,
    champs: &Champs,
    automates: &Automates,
    plan: &Plan,
) -> tantivy::Result<Option<Vec<Curseur>>> {
    let mut curseurs = Vec::with_capacity(plan.termes.len() + plan.filtres.len());
    for filtre in &plan.filtres {
        match postings(segment, filtre.field(), filtre)? {
            Some(p) => curseurs.push(Curseur::Filtre(Box::new(p))),
            None => return Ok(None),
        }
    }
    for (texte, distance) in &plan.termes {
        match Terme::new(enfants(segment, champs, automates, texte, *distance)?) {
            Some(t) => curseurs.push(Curseur::Terme(t)),
            None => return Ok(None),
        }
    }
    Ok(Some(curseurs))
}

fn postings(segment: &SegmentReader, champ: Field, terme: &Term) -> tantivy::Result<Option<SegmentPostings>> {
    let index = segment.inverted_index(champ)?;
    match index.get_term_info(terme)? {
        Some(info) => Ok(Some(
            index.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?,
        )),
        None => Ok(None),
    }
}

/// A term's alternatives in one segment: as is in each weighted field, then the other words of the
/// `tout` dictionary that start with it or are within its edits.
fn enfants(
    segment: &SegmentReader,
    champs: &Champs,
    automates: &Automates,
    texte: &str,
    distance: u8,
) -> tantivy::Result<Vec<Enfant>> {
    let mut enfants = Vec::new();
    for (champ, poids) in champs.cherches() {
        if let Some(p) = postings(segment, champ, &Term::from_field_text(champ, texte))? {
            enfants.push(Enfant {
                liste: Box::new(p),
                poids: 1.0 + poids,
            });
        }
    }
    let tout = segment.inverted_index(champs.tout)?;
    let mots = automates.expansions(segment, &tout, champs.tout, texte, distance)?;
    let (prefixes, flous) = (mots.prefixes.clone(), mots.flous.clone());
    let separees = prefixes.len() + flous.len() <= LISTES_SEPAREES_MAX;
    for (groupe, poids) in [(prefixes, POIDS_PREFIXE), (flous, POIDS_FLOU)] {
        if groupe.is_empty() {
            continue;
        }
        if separees {
            for info in &groupe {
                enfants.push(Enfant {
                    liste: Box::new(tout.read_postings_from_terminfo(info, IndexRecordOption::Basic)?),
                    poids,
                });
            }
        } else {
            let mut ensemble = BitSet::with_max_value(segment.max_doc());
            for info in &groupe {
                let mut p = tout.read_postings_from_terminfo(info, IndexRecordOption::Basic)?;
                let mut d = p.doc();
                while d != TERMINATED {
                    ensemble.insert(d);
                    d = p.advance();
                }
            }
            enfants.push(Enfant {
                liste: Box::new(BitSetDocSet::from(ensemble)),
                poids,
            });
        }
    }
    Ok(enfants)
}

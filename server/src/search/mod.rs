//! Search: a tantivy index of praticiens in `DATA_DIR/index/`, a reader for the process's life.
//!
//! redb stays the source of truth; the index can always be rebuilt from it. Its commit payload keeps
//! the directory generation ([`Stockage::generation_annuaire`]) it was built from and whether that
//! stamp is complete; at start ([`Recherche::ouvrir`]) an index that is missing, unreadable, of another
//! shape or stale is rebuilt, and `toubeelib reindex` ([`reconstruire`]) does it offline.
//!
//! - [`analyse`]: the French-fit analysis (words, lower case, ASCII folding) and the bounded `q`.
//! - [`schema`]: the fields. [`document`]: a praticien as a document.
//! - [`moteur`]: exact, prefix and fuzzy matches, the ranking rule, the filters, the early stop.
//! - [`requete`]: the cursor of a result page.
//! - [`ecrivain`]: the one `IndexWriter`, on its own thread, committing in batches.
//!
//! Blocking: opening, searching and closing touch files; the API calls them in `spawn_blocking`.
//! Errors are [`ErreurRecherche`]; only a bad cursor is the caller's.

pub mod analyse;
pub mod document;
pub mod ecrivain;
pub mod moteur;
pub mod requete;
pub mod schema;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use domain::ids::{PraticienId, StructureId};
use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, SegmentReader, TantivyDocument};

pub use self::analyse::{Texte, TexteInvalide};
use self::ecrivain::{Ecrivain, Message, indexer_tout};
use self::schema::Champs;
use crate::store::{FiltrePraticiens, PAGE_ITEMS_MAX, Stockage, StoreError};

/// The index's directory, inside the data directory.
pub const DOSSIER_INDEX: &str = "index";

/// Version of the index's shape (fields, analysis, document): an index of another version is rebuilt.
pub const VERSION_INDEX: u32 = 3;

/// Indexing memory of the one writer, in bytes (tantivy's minimum is 15 MB).
pub const ECRIVAIN_OCTETS: usize = 32_000_000;

/// Most segments whose name order is remembered (a few in practice; the memo is cleared beyond).
pub const SEGMENTS_SUIVIS_MAX: usize = 1_024;

/// Most changes waiting for the writer; beyond, the writer resynchronises everything instead.
pub const CANAL_CAPACITE: usize = 4 * ecrivain::LOT_MESSAGES_MAX;

/// Why search failed. Only [`ErreurRecherche::CurseurInvalide`] is the caller's (a 422); the others
/// are logged and answered as a bare 500.
#[derive(Debug, thiserror::Error)]
pub enum ErreurRecherche {
    /// The cursor is not one a search gave.
    #[error("cursor invalide")]
    CurseurInvalide,
    /// tantivy failed (I/O, a damaged index, a lock held by another writer).
    #[error("index de recherche : {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index directory cannot be removed or created.
    #[error("dossier de l'index {} : {source}", chemin.display())]
    Dossier {
        /// The directory.
        chemin: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// The store failed while the index was being built.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The writer's thread cannot be started.
    #[error("l'écrivain de l'index ne démarre pas : {0}")]
    Tache(#[source] io::Error),
}

/// State of the index, for `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum EtatIndex {
    /// Up to date within a batch.
    Pret = 0,
    /// Being rebuilt; searches answer from the previous commit.
    Reconstruction = 1,
    /// The writer has stopped: searches answer, but no longer see writes.
    Arrete = 2,
}

/// What the handle and the writer's thread share.
#[derive(Debug)]
pub struct Partage {
    /// An [`EtatIndex`].
    etat: AtomicU8,
    /// The next batch rebuilds everything (a change was lost: full channel, failed batch).
    resynchroniser: AtomicBool,
}

/// The generation stamp of a commit, in its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tampon {
    /// [`VERSION_INDEX`] of the index that wrote it.
    pub version: u32,
    /// The store's directory generation read before the praticiens this commit holds.
    pub generation: u64,
    /// Whether every directory write up to `generation` is in the index (a rebuild without
    /// concurrent writes, or a clean shutdown); a batch's stamp is partial.
    pub complet: bool,
}

impl Tampon {
    fn complet(generation: u64) -> Self {
        Self {
            version: VERSION_INDEX,
            generation,
            complet: true,
        }
    }

    fn partiel(generation: u64) -> Self {
        Self {
            version: VERSION_INDEX,
            generation,
            complet: false,
        }
    }

    fn encoder(&self) -> String {
        // A struct of integers and a bool always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The stamp of an index's last commit; `None` without one or of another format.
    pub fn lire(index: &Index) -> Option<Self> {
        let metas = index.load_metas().ok()?;
        serde_json::from_str(metas.payload.as_deref()?).ok()
    }
}

/// Why the index was rebuilt at start, or that it was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ouverture {
    /// Up to date: opened as is.
    AJour {
        /// Its generation.
        generation: u64,
    },
    /// Rebuilt from the store.
    Reconstruit {
        /// Why.
        raison: String,
        /// Praticiens indexed.
        praticiens: u64,
        /// The store's generation it now holds.
        generation: u64,
        /// How long it took.
        ms: u128,
    },
}

/// The results of a search: praticien ids in rank order, and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resultats {
    /// Best first.
    pub ids: Vec<PraticienId>,
    /// Opaque cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// A change to the directory the index must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changement {
    /// A praticien was created or changed.
    Praticien(PraticienId),
    /// A structure was created or changed (its praticiens show its name and ville).
    Structure(StructureId),
}

/// The search handle: one reader for the process's life, and the door to the one writer.
pub struct Recherche {
    lecteur: IndexReader,
    champs: Champs,
    envoi: SyncSender<Message>,
    partage: Arc<Partage>,
    tache: Mutex<Option<JoinHandle<()>>>,
    /// Per segment, whether its documents are in name order ([`Recherche::trie`]).
    tries: Mutex<HashMap<SegmentId, bool>>,
    /// The typo automata of the terms searched.
    automates: moteur::Automates,
}

impl std::fmt::Debug for Recherche {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recherche")
            .field("etat", &self.etat())
            .finish_non_exhaustive()
    }
}

impl Recherche {
    /// Opens `data_dir/index`, rebuilding it from the store when it is missing, unreadable, of another
    /// shape, or stale; starts the writer's thread. Blocking; call it before serving.
    pub fn ouvrir(data_dir: &Path, store: Arc<dyn Stockage>) -> Result<(Self, Ouverture), ErreurRecherche> {
        let dossier = data_dir.join(DOSSIER_INDEX);
        let (schema, champs) = Champs::schema();
        let generation = store.generation_annuaire()?;
        let (writer, ouverture) = match ouvrir_existant(&dossier, &schema, generation) {
            Ok(writer) => (writer, Ouverture::AJour { generation }),
            Err(raison) => {
                let debut = Instant::now();
                let (writer, praticiens, generation) = reconstruire_dans(&dossier, store.as_ref())?;
                let ouverture = Ouverture::Reconstruit {
                    raison,
                    praticiens,
                    generation,
                    ms: debut.elapsed().as_millis(),
                };
                (writer, ouverture)
            }
        };
        let lecteur = writer
            .index()
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let partage = Arc::new(Partage {
            etat: AtomicU8::new(EtatIndex::Pret as u8),
            resynchroniser: AtomicBool::new(false),
        });
        let (envoi, reception) = sync_channel(CANAL_CAPACITE);
        let ecrivain = Ecrivain {
            writer,
            lecteur: lecteur.clone(),
            champs,
            store,
            partage: Arc::clone(&partage),
        };
        let du_fil = Arc::clone(&partage);
        let tache = std::thread::Builder::new()
            .name("toubeelib-index".to_owned())
            .spawn(move || {
                let _arret = MarqueArret(du_fil);
                ecrivain.tourner(reception);
            })
            .map_err(ErreurRecherche::Tache)?;
        Ok((
            Self {
                lecteur,
                champs,
                envoi,
                partage,
                tache: Mutex::new(Some(tache)),
                tries: Mutex::new(HashMap::new()),
                automates: moteur::Automates::default(),
            },
            ouverture,
        ))
    }

    /// The praticiens matching `texte` under `filtre`, best first, `limit` (≤ 100) from `curseur`.
    /// Blocking (one `searcher()`, reads the index files).
    pub fn chercher(
        &self,
        texte: &Texte,
        filtre: &FiltrePraticiens,
        curseur: Option<&str>,
        limit: usize,
    ) -> Result<Resultats, ErreurRecherche> {
        let rang = match curseur {
            None => 0,
            Some(c) => requete::rang(c).ok_or(ErreurRecherche::CurseurInvalide)?,
        };
        let vide = Resultats {
            ids: Vec::new(),
            next_cursor: None,
        };
        let limit = limit.clamp(1, PAGE_ITEMS_MAX);
        let Some(plan) = moteur::Plan::new(&self.champs, texte, filtre) else {
            return Ok(vide);
        };
        if rang >= requete::RESULTATS_MAX {
            return Ok(vide);
        }
        let searcher = self.lecteur.searcher();
        let segments = searcher.segment_readers();
        let trouves = moteur::meilleurs(
            segments,
            &self.champs,
            &self.automates,
            &plan,
            rang + limit + 1,
            |_, s| self.trie(s),
        )?;
        let suite = trouves.len() > rang + limit && rang + limit < requete::RESULTATS_MAX;
        let mut ids = Vec::with_capacity(limit);
        // The id columns of each segment a hit is in, opened once.
        let mut colonnes: HashMap<u32, (Column<u64>, Column<u64>)> = HashMap::new();
        for t in trouves.iter().skip(rang).take(limit) {
            let Some(segment) = segments.get(t.segment as usize) else {
                continue;
            };
            let (haut, bas) = match colonnes.entry(t.segment) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let f = segment.fast_fields();
                    v.insert((f.u64("id_haut")?, f.u64("id_bas")?))
                }
            };
            match (haut.first(t.doc), bas.first(t.doc)) {
                (Some(h), Some(b)) => ids.push(PraticienId(uuid::Uuid::from_u64_pair(h, b))),
                _ => tracing::warn!(doc = t.doc, "search index document without a praticien id"),
            }
        }
        Ok(Resultats {
            ids,
            next_cursor: suite.then(|| requete::curseur(rang + limit)),
        })
    }

    /// Whether the segment's documents are in name order (`tri` never decreases), so a search may stop
    /// early in it; checked once per segment (a segment never changes, bar deletions).
    fn trie(&self, segment: &SegmentReader) -> bool {
        let id = segment.segment_id();
        let mut tries = self.tries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&t) = tries.get(&id) {
            return t;
        }
        let trie = segment
            .fast_fields()
            .u64("tri")
            .map(|c| c.first_or_default_col(u64::MAX))
            .is_ok_and(|col| (1..segment.max_doc()).all(|d| col.get_val(d - 1) <= col.get_val(d)));
        if tries.len() >= SEGMENTS_SUIVIS_MAX {
            tries.clear();
        }
        tries.insert(id, trie);
        trie
    }

    /// Tells the writer about a change (non-blocking): visible in search after its batch commits.
    pub fn signaler(&self, changement: Changement) {
        let message = match changement {
            Changement::Praticien(p) => Message::Praticien(p),
            Changement::Structure(s) => Message::Structure(s),
        };
        match self.envoi.try_send(message) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                // The change is lost from the channel: have the writer rebuild everything. Set before
                // the wake-up, so whichever message the writer takes next, it sees the flag.
                self.partage.resynchroniser.store(true, Ordering::SeqCst);
                let _ = self.envoi.try_send(Message::Reveil);
                tracing::warn!("search index channel full: a full resynchronisation follows");
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::error!(
                    ?changement,
                    "search index writer stopped: the change is not indexed"
                );
            }
        }
    }

    /// The index's state.
    pub fn etat(&self) -> EtatIndex {
        match self.partage.etat.load(Ordering::SeqCst) {
            0 => EtatIndex::Pret,
            1 => EtatIndex::Reconstruction,
            _ => EtatIndex::Arrete,
        }
    }

    /// Applies the pending changes, stamps the generation as complete and stops the writer. Call it
    /// once requests have finished (graceful shutdown). Blocking.
    pub fn fermer(&self) {
        let tache = self.tache.lock().unwrap_or_else(PoisonError::into_inner).take();
        let Some(tache) = tache else {
            return;
        };
        if self.envoi.send(Message::Fermer).is_err() {
            tracing::warn!("search index writer already stopped");
        }
        if tache.join().is_err() {
            tracing::error!("search index writer panicked");
        }
    }
}

/// Marks the index stopped when the writer's thread ends, however it ends.
struct MarqueArret(Arc<Partage>);

impl Drop for MarqueArret {
    fn drop(&mut self) {
        self.0.etat.store(EtatIndex::Arrete as u8, Ordering::SeqCst);
    }
}

/// The existing index and its writer, if it is readable, of this shape, and stamped complete with
/// the store's `generation`; otherwise why not.
fn ouvrir_existant(
    dossier: &Path,
    schema: &tantivy::schema::Schema,
    generation: u64,
) -> Result<IndexWriter<TantivyDocument>, String> {
    if !dossier.is_dir() {
        return Err("absent".to_owned());
    }
    let index = Index::open_in_dir(dossier).map_err(|e| format!("illisible : {e}"))?;
    if index.schema() != *schema {
        return Err("d'un autre schéma".to_owned());
    }
    match Tampon::lire(&index) {
        Some(t) if t.version != VERSION_INDEX => return Err(format!("version {}", t.version)),
        Some(t) if !t.complet => return Err("interrompu (arrêt non propre)".to_owned()),
        Some(t) if t.generation != generation => {
            return Err(format!("périmé (génération {} ≠ {generation})", t.generation));
        }
        Some(_) => {}
        None => return Err("sans génération".to_owned()),
    }
    enregistrer_analyseur(&index);
    // Opening every segment now, so a damaged one means a rebuild rather than failed searches.
    index.reader().map_err(|e| format!("illisible : {e}"))?;
    index
        .writer_with_num_threads(1, ECRIVAIN_OCTETS)
        .map_err(|e| format!("verrouillé ou illisible : {e}"))
}

fn enregistrer_analyseur(index: &Index) {
    index
        .tokenizers()
        .register(analyse::ANALYSEUR, analyse::analyseur());
}

/// A new index in `dossier` (whatever was there is removed) holding every praticien of the store,
/// committed with a complete stamp: nothing writes to the store meanwhile (start-up, offline).
/// The writer, how many praticiens, and the generation.
fn reconstruire_dans(
    dossier: &Path,
    store: &dyn Stockage,
) -> Result<(IndexWriter<TantivyDocument>, u64, u64), ErreurRecherche> {
    let erreur_dossier = |source| ErreurRecherche::Dossier {
        chemin: dossier.to_owned(),
        source,
    };
    match std::fs::remove_dir_all(dossier) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(erreur_dossier(e)),
    }
    std::fs::create_dir_all(dossier).map_err(erreur_dossier)?;
    let (schema, champs) = Champs::schema();
    let index = Index::create_in_dir(dossier, schema)?;
    enregistrer_analyseur(&index);
    let mut writer: IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, ECRIVAIN_OCTETS)?;
    let generation = store.generation_annuaire()?;
    let praticiens = indexer_tout(&writer, &champs, store)?;
    let mut commit = writer.prepare_commit()?;
    commit.set_payload(&Tampon::complet(generation).encoder());
    commit.commit()?;
    Ok((writer, praticiens, generation))
}

/// What `toubeelib reindex` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reindexation {
    /// Praticiens indexed.
    pub praticiens: u64,
    /// The store's generation the index holds.
    pub generation: u64,
    /// How long it took.
    pub ms: u128,
}

/// Rebuilds `data_dir/index` from the store, offline (`toubeelib reindex`). Blocking.
pub fn reconstruire(data_dir: &Path, store: &dyn Stockage) -> Result<Reindexation, ErreurRecherche> {
    let debut = Instant::now();
    let (writer, praticiens, generation) = reconstruire_dans(&data_dir.join(DOSSIER_INDEX), store)?;
    writer.wait_merging_threads()?;
    Ok(Reindexation {
        praticiens,
        generation,
        ms: debut.elapsed().as_millis(),
    })
}

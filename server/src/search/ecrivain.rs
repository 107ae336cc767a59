//! The one `IndexWriter`, on its own thread: it takes "praticien P changed" messages from a bounded
//! channel and commits them in batches, at most one commit per [`LOT_DELAI`].
//!
//! A batch reads the store's directory generation before it reads any praticien, and stamps it on
//! its commit as *partial*: a write whose message is still in the channel may be older than that
//! generation. Only the last commit of a clean shutdown, made once every request has finished and
//! every message is applied, stamps the generation as *complete*; so a crash costs a rebuild at the
//! next start, and never leaves a stale index that looks fresh.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use domain::ids::{PraticienId, StructureId};
use tantivy::{IndexReader, IndexWriter, TantivyDocument, Term};

use super::document::{cle_de_tri, document};
use super::schema::Champs;
use super::{ErreurRecherche, EtatIndex, Partage, Tampon};
use crate::modele::{Praticien, Structure};
use crate::store::{PAGE_ITEMS_MAX, Page, Stockage, StoreError};

/// Longest a change waits for others before its batch is committed (then visible in search).
pub const LOT_DELAI: Duration = Duration::from_millis(200);

/// Most messages one batch takes; the rest wait for the next commit.
pub const LOT_MESSAGES_MAX: usize = 1_024;

/// What the writer is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// This praticien was created or changed.
    Praticien(PraticienId),
    /// This structure was created or changed: its praticiens are indexed again.
    Structure(StructureId),
    /// Look at the shared flags (a full resynchronisation was asked).
    Reveil,
    /// Apply what is pending, stamp the generation as complete, stop.
    Fermer,
}

/// The writer and what it needs.
pub struct Ecrivain {
    /// The index's only writer.
    pub writer: IndexWriter<TantivyDocument>,
    /// Reloaded after each commit, so the next `searcher()` sees it.
    pub lecteur: IndexReader,
    /// The fields.
    pub champs: Champs,
    /// Where praticiens are read from.
    pub store: Arc<dyn Stockage>,
    /// State shared with the handle.
    pub partage: Arc<Partage>,
}

impl std::fmt::Debug for Ecrivain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ecrivain").finish_non_exhaustive()
    }
}

/// What one batch changes.
#[derive(Debug, Default)]
struct Lot {
    praticiens: BTreeSet<PraticienId>,
    structures: BTreeSet<StructureId>,
    fermer: bool,
    messages: usize,
}

impl Lot {
    fn ajouter(&mut self, m: Message) {
        self.messages += 1;
        match m {
            Message::Praticien(p) => {
                self.praticiens.insert(p);
            }
            Message::Structure(s) => {
                self.structures.insert(s);
            }
            Message::Reveil => {}
            Message::Fermer => self.fermer = true,
        }
    }
}

impl Ecrivain {
    /// The writer's loop, until [`Message::Fermer`] or every sender is gone.
    pub fn tourner(mut self, recepteur: Receiver<Message>) {
        loop {
            let mut lot = Lot::default();
            match recepteur.recv() {
                Ok(m) => lot.ajouter(m),
                Err(_) => lot.fermer = true,
            }
            let echeance = Instant::now() + LOT_DELAI;
            while !lot.fermer && lot.messages < LOT_MESSAGES_MAX {
                let reste = echeance.saturating_duration_since(Instant::now());
                match recepteur.recv_timeout(reste) {
                    Ok(m) => lot.ajouter(m),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => lot.fermer = true,
                }
            }
            self.appliquer(&lot);
            if lot.fermer {
                self.fermer();
                return;
            }
        }
    }

    /// Applies a batch, or resynchronises everything if that was asked; an error asks for it.
    fn appliquer(&mut self, lot: &Lot) {
        let resultat = if self.partage.resynchroniser.swap(false, Ordering::SeqCst) {
            self.resynchroniser()
        } else if lot.praticiens.is_empty() && lot.structures.is_empty() {
            return;
        } else {
            self.indexer_lot(lot)
        };
        if let Err(e) = resultat {
            tracing::error!(error = %e, "search index update failed; a full resynchronisation follows");
            if let Err(e) = self.writer.rollback() {
                tracing::error!(error = %e, "search index rollback failed");
            }
            self.partage.resynchroniser.store(true, Ordering::SeqCst);
        }
    }

    fn indexer_lot(&mut self, lot: &Lot) -> Result<(), ErreurRecherche> {
        let generation = self.store.generation_annuaire()?;
        let mut ids = lot.praticiens.clone();
        for s in &lot.structures {
            // Through the `(structure, praticien)` index: the structure's praticiens, not the country.
            let store = self.store.as_ref();
            parcourir(
                |curseur| store.praticiens_du_lieu(None, Some(*s), None, curseur, PAGE_ITEMS_MAX),
                |p| {
                    ids.insert(p.id);
                    Ok(())
                },
            )?;
        }
        let mut structures = Structures::default();
        for id in &ids {
            self.writer
                .delete_term(Term::from_field_text(self.champs.id, &id.0.to_string()));
            if let Some(p) = self.store.praticien(*id)? {
                let lieux = structures.de(self.store.as_ref(), &p)?;
                self.writer.add_document(document(&self.champs, &p, &lieux))?;
            }
        }
        self.valider(Tampon::partiel(generation))?;
        tracing::debug!(praticiens = ids.len(), generation, "search index batch committed");
        Ok(())
    }

    /// Everything again from the store (after a full channel or a failed batch).
    fn resynchroniser(&mut self) -> Result<(), ErreurRecherche> {
        self.partage
            .etat
            .store(EtatIndex::Reconstruction as u8, Ordering::SeqCst);
        let debut = Instant::now();
        let resultat = (|| {
            let generation = self.store.generation_annuaire()?;
            self.writer.delete_all_documents()?;
            let n = indexer_tout(&self.writer, &self.champs, self.store.as_ref())?;
            self.valider(Tampon::partiel(generation))?;
            Ok::<_, ErreurRecherche>(n)
        })();
        self.partage.etat.store(EtatIndex::Pret as u8, Ordering::SeqCst);
        let n = resultat?;
        tracing::info!(
            praticiens = n,
            ms = debut.elapsed().as_millis(),
            "search index resynchronised"
        );
        Ok(())
    }

    fn valider(&mut self, tampon: Tampon) -> Result<(), ErreurRecherche> {
        let mut commit = self.writer.prepare_commit()?;
        commit.set_payload(&tampon.encoder());
        commit.commit()?;
        self.lecteur.reload()?;
        Ok(())
    }

    /// Last commit of a clean shutdown: every request has finished and every message is applied, so
    /// the generation read now is exactly what the index holds.
    fn fermer(mut self) {
        if self.partage.resynchroniser.swap(false, Ordering::SeqCst)
            && let Err(e) = self.resynchroniser()
        {
            tracing::error!(error = %e, "search index left partial: it is rebuilt at the next start");
            return;
        }
        let resultat = self
            .store
            .generation_annuaire()
            .map_err(ErreurRecherche::from)
            .and_then(|g| self.valider(Tampon::complet(g)).map(|()| g));
        match resultat {
            Ok(generation) => tracing::info!(generation, "search index closed"),
            Err(e) => {
                tracing::error!(error = %e, "search index left partial: it is rebuilt at the next start")
            }
        }
        if let Err(e) = self.writer.wait_merging_threads() {
            tracing::warn!(error = %e, "search index merges did not finish");
        }
    }
}

/// Structures read once per batch.
#[derive(Debug, Default)]
pub struct Structures(HashMap<StructureId, Option<Structure>>);

impl Structures {
    /// The structures of `p` that exist, in its order.
    pub fn de(&mut self, store: &dyn Stockage, p: &Praticien) -> Result<Vec<Structure>, ErreurRecherche> {
        let mut lieux = Vec::with_capacity(p.structures.len());
        for id in &p.structures {
            let s = match self.0.get(id) {
                Some(s) => s.clone(),
                None => {
                    let s = store.structure(*id)?;
                    self.0.insert(*id, s.clone());
                    s
                }
            };
            lieux.extend(s);
        }
        Ok(lieux)
    }
}

/// Adds every praticien of the store to the writer (not committed); how many.
pub fn indexer_tout(
    writer: &IndexWriter<TantivyDocument>,
    champs: &Champs,
    store: &dyn Stockage,
) -> Result<u64, ErreurRecherche> {
    // First the name order of every praticien (16 bytes + key each), then the documents in that
    // order: a segment written in name order lets a search stop early (see `moteur`).
    let mut ordre: Vec<(u64, PraticienId)> = Vec::new();
    let mut apres = None;
    loop {
        let lot = store.praticiens_par_id(apres, PAGE_ITEMS_MAX)?;
        let Some(dernier) = lot.last() else {
            break;
        };
        apres = Some(dernier.id);
        ordre.extend(lot.iter().map(|p| (cle_de_tri(&p.nom, &p.prenom), p.id)));
    }
    ordre.sort_unstable();
    let mut structures = Structures::default();
    let mut n = 0u64;
    for (_, id) in ordre {
        // Gone since the first pass (nothing writes during a rebuild, but be exact): skipped.
        let Some(p) = store.praticien(id)? else {
            continue;
        };
        let lieux = structures.de(store, &p)?;
        writer.add_document(document(champs, &p, &lieux))?;
        n += 1;
    }
    Ok(n)
}

/// Every praticien of a paged store listing, `page(cursor)` after page.
pub fn parcourir(
    mut page: impl FnMut(Option<&str>) -> Result<Page<Praticien>, StoreError>,
    mut f: impl FnMut(Praticien) -> Result<(), ErreurRecherche>,
) -> Result<(), ErreurRecherche> {
    let mut curseur: Option<String> = None;
    // Ends: each page starts strictly after the last one's final praticien.
    loop {
        let page = page(curseur.as_deref())?;
        for p in page.items {
            f(p)?;
        }
        match page.next_cursor {
            Some(c) => curseur = Some(c),
            None => return Ok(()),
        }
    }
}

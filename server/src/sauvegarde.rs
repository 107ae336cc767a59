//! Backups of a data directory, and their restoration.
//!
//! A backup is one tar archive: a manifest ([`MANIFESTE`]), a consistent snapshot of the store
//! (`toubeelib.redb`, copied in one read transaction while writes go on:
//! [`crate::store::Stockage::instantane`]) and the file of every document that snapshot records (files
//! are written before their record commits and never change, so the snapshot's documents are all there).
//! The search index is not in it (it is rebuilt from the store at start), nor the token signing key (a
//! restored server signs with a new one: sessions sign in again, refresh tokens in the store still work).
//!
//! Restoring unpacks into a fresh sibling directory, checks the store opens (migrating an older schema)
//! and every document file against its recorded SHA-256, and only then renames it into place: a failed
//! restore leaves no half-filled data directory behind.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::documents::{Coffre, DOSSIER_DOCUMENTS, DocumentId, ErreurCoffre};
use crate::store::redb::{FICHIER, RedbStore};
use crate::store::{Stockage, StoreError};

/// Name of the manifest in the archive.
pub const MANIFESTE: &str = "toubeelib-sauvegarde.json";
/// Version of the archive's layout; a restore refuses any other.
pub const FORMAT: u32 = 1;
/// Largest manifest read, in bytes.
const MANIFESTE_OCTETS_MAX: u64 = 64 * 1024;
/// Prefix of the temporary entries a backup or a restore makes beside the data they handle.
const PREFIXE_TEMPORAIRE: &str = ".sauvegarde-";

/// What an archive holds, written first in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifeste {
    /// [`FORMAT`].
    pub format: u32,
    /// Version of the server that wrote it.
    pub version: String,
    /// When the snapshot was taken.
    pub pris_le: DateTime<Utc>,
    /// Rows of the store, all tables together.
    pub lignes: u64,
    /// Rdvs in the snapshot.
    pub rdvs: u64,
    /// Document files in the archive.
    pub documents: u64,
    /// Documents recorded whose file was missing from the data directory (0 unless it was damaged).
    pub documents_absents: u64,
}

/// Why a backup or a restore failed.
#[derive(Debug, thiserror::Error)]
pub enum ErreurSauvegarde {
    /// Reading or writing files.
    #[error("entrée-sortie : {0}")]
    Io(#[from] io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A document file is not what its record says.
    #[error(transparent)]
    Document(#[from] ErreurCoffre),
    /// The target of a restore already holds data.
    #[error("{0} n'est pas vide : une restauration ne remplace pas des données")]
    CibleNonVide(PathBuf),
    /// The archive is not a backup of this format.
    #[error("archive invalide : {0}")]
    ArchiveInvalide(String),
}

/// Writes a backup of the store `store` (whose data directory is `data_dir`) to `vers`. Blocking: the
/// snapshot is a file in a temporary directory of `data_dir`, removed before this returns.
pub fn sauvegarder(
    store: &dyn Stockage,
    data_dir: &Path,
    vers: impl Write,
    now: DateTime<Utc>,
) -> Result<Manifeste, ErreurSauvegarde> {
    let temporaire = tempfile::Builder::new()
        .prefix(PREFIXE_TEMPORAIRE)
        .tempdir_in(data_dir)?;
    let copie = temporaire.path().join(FICHIER);
    let instantane = store.instantane(&copie)?;
    let documents = data_dir.join(DOSSIER_DOCUMENTS);
    let presents: Vec<Uuid> = instantane
        .documents
        .iter()
        .copied()
        .filter(|id| documents.join(id.to_string()).is_file())
        .collect();
    let manifeste = Manifeste {
        format: FORMAT,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        pris_le: now,
        lignes: instantane.lignes,
        rdvs: instantane.rdvs,
        documents: presents.len() as u64,
        documents_absents: (instantane.documents.len() - presents.len()) as u64,
    };
    let mut tar = tar::Builder::new(vers);
    // A redb file has holes: written sparse, its entry would not be a plain file (nor readable by
    // every tar).
    tar.sparse(false);
    let texte = serde_json::to_vec_pretty(&manifeste).map_err(io::Error::other)?;
    let mut entete = tar::Header::new_gnu();
    entete.set_size(texte.len() as u64);
    entete.set_mode(0o600);
    entete.set_mtime(u64::try_from(now.timestamp()).unwrap_or(0));
    entete.set_cksum();
    tar.append_data(&mut entete, MANIFESTE, texte.as_slice())?;
    tar.append_path_with_name(&copie, FICHIER)?;
    for id in &presents {
        let nom = format!("{DOSSIER_DOCUMENTS}/{id}");
        tar.append_path_with_name(documents.join(id.to_string()), &nom)?;
    }
    tar.into_inner()?.flush()?;
    if manifeste.documents_absents > 0 {
        tracing::warn!(
            absents = manifeste.documents_absents,
            "backup taken without the files of some recorded documents"
        );
    }
    Ok(manifeste)
}

/// What an archive entry is, by its exact name: nothing else is accepted (no path is ever joined
/// from an archive's text but a document's parsed UUID).
enum Entree {
    Manifeste,
    Store,
    Document(Uuid),
}

fn entree(nom: &str) -> Option<Entree> {
    match nom {
        MANIFESTE => Some(Entree::Manifeste),
        FICHIER => Some(Entree::Store),
        _ => {
            let texte = nom.strip_prefix(DOSSIER_DOCUMENTS)?.strip_prefix('/')?;
            // Only the canonical form the backup writes.
            let id = Uuid::parse_str(texte).ok().filter(|id| id.to_string() == texte)?;
            Some(Entree::Document(id))
        }
    }
}

/// Restores the backup `archive` into `data_dir`, which must be missing or empty; what it held.
/// Blocking.
pub fn restaurer(archive: impl Read, data_dir: &Path) -> Result<Manifeste, ErreurSauvegarde> {
    if data_dir.exists() && std::fs::read_dir(data_dir)?.next().is_some() {
        return Err(ErreurSauvegarde::CibleNonVide(data_dir.to_owned()));
    }
    let parent = match data_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let temporaire = tempfile::Builder::new()
        .prefix(PREFIXE_TEMPORAIRE)
        .tempdir_in(&parent)?;
    let manifeste = deballer(archive, temporaire.path())?;
    verifier(temporaire.path())?;
    if data_dir.exists() {
        // Empty (checked above): the rename needs it gone.
        std::fs::remove_dir(data_dir)?;
    }
    std::fs::rename(temporaire.keep(), data_dir)?;
    Ok(manifeste)
}

/// Unpacks the archive's known entries into `dossier`; its manifest.
fn deballer(archive: impl Read, dossier: &Path) -> Result<Manifeste, ErreurSauvegarde> {
    let invalide = |m: &str| ErreurSauvegarde::ArchiveInvalide(m.to_owned());
    let mut manifeste = None;
    let mut store = false;
    std::fs::create_dir(dossier.join(DOSSIER_DOCUMENTS))?;
    let mut tar = tar::Archive::new(archive);
    for fichier in tar.entries()? {
        let mut fichier = fichier?;
        if !fichier.header().entry_type().is_file() {
            return Err(invalide("une entrée n'est pas un fichier"));
        }
        let nom = fichier.path()?.to_string_lossy().into_owned();
        match entree(&nom) {
            Some(Entree::Manifeste) => {
                let mut texte = Vec::new();
                (&mut fichier)
                    .take(MANIFESTE_OCTETS_MAX)
                    .read_to_end(&mut texte)?;
                let m: Manifeste = serde_json::from_slice(&texte)
                    .map_err(|e| ErreurSauvegarde::ArchiveInvalide(format!("manifeste : {e}")))?;
                if m.format != FORMAT {
                    return Err(ErreurSauvegarde::ArchiveInvalide(format!(
                        "format {} (attendu : {FORMAT})",
                        m.format
                    )));
                }
                manifeste = Some(m);
            }
            Some(Entree::Store) => {
                copier_dans(&mut fichier, &dossier.join(FICHIER))?;
                store = true;
            }
            Some(Entree::Document(id)) => {
                let chemin = dossier.join(DOSSIER_DOCUMENTS).join(id.to_string());
                copier_dans(&mut fichier, &chemin)?;
            }
            None => {
                return Err(ErreurSauvegarde::ArchiveInvalide(format!(
                    "entrée inattendue : {nom:?}"
                )));
            }
        }
    }
    let manifeste = manifeste.ok_or_else(|| invalide("pas de manifeste"))?;
    if !store {
        return Err(invalide("pas de store"));
    }
    Ok(manifeste)
}

/// Writes `depuis` to a new file `chemin`, synced.
fn copier_dans(depuis: &mut impl Read, chemin: &Path) -> Result<(), ErreurSauvegarde> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // Health data: readable by the server's user only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut fichier = options.open(chemin)?;
    io::copy(depuis, &mut fichier)?;
    fichier.sync_all()?;
    Ok(())
}

/// Opens the unpacked store (migrating it if older) and checks every recorded document's file.
fn verifier(dossier: &Path) -> Result<(), ErreurSauvegarde> {
    let store = RedbStore::open(dossier)?;
    let coffre = Coffre::new(dossier.join(DOSSIER_DOCUMENTS));
    for id in store.ids_documents()? {
        let Some(document) = store.document(DocumentId(id))? else {
            continue;
        };
        coffre.lire(&document)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_names_a_backup_writes_are_entries() {
        assert!(matches!(entree(MANIFESTE), Some(Entree::Manifeste)));
        assert!(matches!(entree(FICHIER), Some(Entree::Store)));
        let id = Uuid::now_v7();
        assert!(matches!(entree(&format!("documents/{id}")), Some(Entree::Document(i)) if i == id));
        for autre in [
            "../toubeelib.redb",
            "/etc/passwd",
            "documents/../../etc/passwd",
            "documents/",
            "index/meta.json",
            "jwt.key",
        ] {
            assert!(entree(autre).is_none(), "{autre}");
        }
        // Only the canonical form: no upper case, no braces.
        assert!(entree(&format!("documents/{}", id.to_string().to_uppercase())).is_none());
    }

    #[test]
    fn an_archive_with_a_foreign_entry_or_no_store_is_refused_and_leaves_nothing() {
        let racine = tempfile::tempdir().unwrap();
        let mut octets = Vec::new();
        {
            let mut tar = tar::Builder::new(&mut octets);
            let manifeste = serde_json::to_vec(&Manifeste {
                format: FORMAT,
                version: "0".to_owned(),
                pris_le: DateTime::UNIX_EPOCH,
                lignes: 0,
                rdvs: 0,
                documents: 0,
                documents_absents: 0,
            })
            .unwrap();
            let mut entete = tar::Header::new_gnu();
            entete.set_size(manifeste.len() as u64);
            entete.set_cksum();
            tar.append_data(&mut entete, MANIFESTE, manifeste.as_slice())
                .unwrap();
            tar.finish().unwrap();
        }
        let cible = racine.path().join("data");
        let e = restaurer(octets.as_slice(), &cible).unwrap_err();
        assert!(matches!(e, ErreurSauvegarde::ArchiveInvalide(_)), "{e}");
        assert!(!cible.exists());
        assert_eq!(
            std::fs::read_dir(racine.path()).unwrap().count(),
            0,
            "no temporary left"
        );
    }
}

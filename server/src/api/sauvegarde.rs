//! `GET /admin/backup`: the platform's backup, taken while the server serves ([`crate::sauvegarde`]).
//!
//! The archive is written to an unnamed temporary file of the data directory (a consistent snapshot
//! first, then the documents it records), then streamed: the snapshot is taken in one read
//! transaction, so bookings go on meanwhile and the archive holds exactly what was committed when it
//! began.

use std::io::{Seek as _, SeekFrom};
use std::path::PathBuf;

use domain::acces::{Action, Ressource, autoriser};
use poem::Body;
use poem_openapi::payload::Binary;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTag;
use super::etat::{EtatPartage, JetonAcces};
use super::probleme::ErreurApi;

/// The backup archive.
#[derive(ApiResponse)]
pub enum ArchiveSauvegarde {
    /// A tar archive: `toubeelib-sauvegarde.json` (the manifest), `toubeelib.redb` (the store's
    /// snapshot) and `documents/<id>` (the files it records). Restore it with `toubeelib restore`.
    #[oai(status = 200, content_type = "application/x-tar")]
    Archive(
        Binary<Body>,
        /// `attachment; filename="toubeelib-<UTC time>.tar"`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

impl std::fmt::Debug for ArchiveSauvegarde {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ArchiveSauvegarde")
    }
}

/// The backup API.
#[derive(Debug)]
pub struct SauvegardeApi {
    etat: EtatPartage,
    data_dir: PathBuf,
}

impl SauvegardeApi {
    /// Over the store and its data directory (where the temporary archive is written).
    pub fn new(etat: EtatPartage, data_dir: PathBuf) -> Self {
        Self { etat, data_dir }
    }
}

#[OpenApi(tag = "ApiTag::Operations")]
impl SauvegardeApi {
    /// Back up the platform
    ///
    /// The admin only. A consistent snapshot of the store, taken while the server keeps serving, and
    /// the document files it records, as one tar archive; the search index (rebuilt at start) and the
    /// token signing key are not in it. `toubeelib restore --from FILE --data DIR` makes a new data
    /// directory of it; `toubeelib backup` writes the same archive offline.
    #[oai(path = "/admin/backup", method = "get", operation_id = "sauvegarde")]
    async fn sauvegarde(&self, jeton: JetonAcces) -> Result<ArchiveSauvegarde, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        autoriser(&session.acteur, Action::Lire, &Ressource::Sauvegarde).map_err(super::refus_acces)?;
        let (store, data_dir, now) = (
            std::sync::Arc::clone(&self.etat.store),
            self.data_dir.clone(),
            self.etat.maintenant(),
        );
        let (fichier, manifeste) = tokio::task::spawn_blocking(move || {
            let mut fichier = tempfile::tempfile_in(&data_dir)?;
            let manifeste = crate::sauvegarde::sauvegarder(
                store.as_ref(),
                &data_dir,
                std::io::BufWriter::new(&mut fichier),
                now,
            )?;
            fichier.seek(SeekFrom::Start(0))?;
            Ok::<_, crate::sauvegarde::ErreurSauvegarde>((fichier, manifeste))
        })
        .await
        .map_err(ErreurApi::interne)?
        .map_err(ErreurApi::interne)?;
        tracing::info!(
            rdvs = manifeste.rdvs,
            documents = manifeste.documents,
            lignes = manifeste.lignes,
            "backup served"
        );
        let corps = Body::from_async_read(tokio::fs::File::from_std(fichier));
        Ok(ArchiveSauvegarde::Archive(
            Binary(corps),
            format!(
                "attachment; filename=\"toubeelib-{}.tar\"",
                now.format("%Y%m%dT%H%M%SZ")
            ),
        ))
    }
}

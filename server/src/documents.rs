//! The partie médicale of a dossier: its documents (what they are, how their format is recognised,
//! where their bytes live) and the access log of its reads.
//!
//! A document's bytes are a file of the data directory, `DATA_DIR/documents/<id>`, named by the server
//! (the document's UUID v7, never the client's file name), and its metadata a redb record
//! ([`crate::store::Stockage::enregistrer_document`]). [`Coffre`] is the only code that touches those
//! files: it writes a temporary file, syncs it and renames it into place (then syncs the directory), so
//! a crash leaves either the whole document or no document; it checks the SHA-256 recorded at upload on
//! every read, so a changed or truncated file is an error, never bytes served as if they were the
//! document. The bytes never reach a log line: logs name the document's id, format and size.
//!
//! The format is what the bytes say (their magic number, [`Format::reconnaitre`]), not the file name nor
//! the declared content type.

use std::fmt;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use domain::ids::{PatientId, PraticienId};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::modele::{Compte, CompteId, Patient, Rdv};

/// Largest document accepted (API.md: uploads ≤ 10 MiB).
pub const DOCUMENT_OCTETS_MAX: u64 = 10 * 1024 * 1024;

/// Name prefix of a deposit's temporary file ([`Coffre::deposer`]), swept at start ([`Coffre::balayer`]).
const PREFIXE_DEPOT: &str = ".depot-";

/// Longest document title, in characters.
pub const TITRE_LONGUEUR_MAX: usize = 200;

/// The data directory's subdirectory holding the documents' bytes.
pub const DOSSIER_DOCUMENTS: &str = "documents";

/// A document's id (UUID v7), also the name of its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocumentId(pub Uuid);

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a document is (API.md: `compte_rendu`, `lettre`, `ordonnance`, `resultat`, `autre`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeDocument {
    /// Compte rendu (de consultation, d'examen…).
    CompteRendu,
    /// Lettre (to a confrère, of referral…).
    Lettre,
    /// Ordonnance.
    Ordonnance,
    /// Résultat (analyses, imagerie…).
    Resultat,
    /// Anything else.
    Autre,
}

impl TypeDocument {
    /// Every type, in the order of API.md.
    pub const TOUS: [TypeDocument; 5] = [
        TypeDocument::CompteRendu,
        TypeDocument::Lettre,
        TypeDocument::Ordonnance,
        TypeDocument::Resultat,
        TypeDocument::Autre,
    ];

    /// The stable code of the API.
    pub fn code(self) -> &'static str {
        match self {
            TypeDocument::CompteRendu => "compte_rendu",
            TypeDocument::Lettre => "lettre",
            TypeDocument::Ordonnance => "ordonnance",
            TypeDocument::Resultat => "resultat",
            TypeDocument::Autre => "autre",
        }
    }

    /// The type of a code, if it is one.
    pub fn parse(code: &str) -> Option<Self> {
        Self::TOUS.into_iter().find(|t| t.code() == code)
    }
}

/// A format the server accepts, as recognised from the bytes themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// PDF (`%PDF-`).
    Pdf,
    /// PNG (`\x89PNG\r\n\x1a\n`).
    Png,
    /// JPEG (`\xFF\xD8\xFF`).
    Jpeg,
}

impl Format {
    /// Bytes enough to recognise every format.
    pub const SIGNATURE_OCTETS: usize = 8;

    /// The format whose magic number starts `octets`, if any: the only test of what a file is.
    pub fn reconnaitre(octets: &[u8]) -> Option<Self> {
        if octets.starts_with(b"%PDF-") {
            Some(Format::Pdf)
        } else if octets.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if octets.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else {
            None
        }
    }

    /// Its media type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
        }
    }

    /// The file name extension a download gets.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Png => "png",
            Format::Jpeg => "jpg",
        }
    }
}

/// A document of a patient's partie médicale (its metadata; the bytes are in the [`Coffre`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Its id, also its file's name.
    pub id: DocumentId,
    /// Whose dossier.
    pub patient: PatientId,
    /// What it is.
    pub type_document: TypeDocument,
    /// Its title, as the praticien gave it.
    pub titre: String,
    /// Size in bytes.
    pub taille: u64,
    /// SHA-256 of the bytes, checked on every read.
    pub sha256: [u8; 32],
    /// Format, from the bytes.
    pub format: Format,
    /// The account that uploaded it.
    pub depose_par: CompteId,
    /// When (to the millisecond).
    pub le: DateTime<Utc>,
}

/// What a read of the partie médicale read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lecture {
    /// `GET /patients/{id}/dossier-medical`.
    DossierMedical,
    /// `GET /documents/{id}`.
    Document(DocumentId),
    /// `GET /patients/{id}/export`, which holds the partie médicale.
    Export,
}

impl Lecture {
    /// As the access log shows it: `dossier_medical`, `document:<id>`, `export`.
    pub fn code(&self) -> String {
        match self {
            Lecture::DossierMedical => "dossier_medical".to_owned(),
            Lecture::Document(id) => format!("document:{id}"),
            Lecture::Export => "export".to_owned(),
        }
    }
}

/// One entry of a patient's access log: who read what of the partie médicale, when, in which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acces {
    /// Its id (UUID v7).
    pub id: Uuid,
    /// Whose partie médicale.
    pub patient: PatientId,
    /// The account that read.
    pub qui: CompteId,
    /// Its role then (`patient`, `praticien`).
    pub role: String,
    /// What it read.
    pub quoi: Lecture,
    /// When (to the millisecond).
    pub le: DateTime<Utc>,
    /// The request's id (`x-request-id`), to find it in the server's logs.
    pub request_id: String,
}

/// An access-log entry as the patient reads it: the entry, with the name the directory now gives to
/// who read (a praticien's "Dr Camille Laurent", the patient's own name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntreeJournal {
    /// The entry as recorded.
    pub acces: Acces,
    /// Who read, by name, if the account still stands for someone.
    pub nom: Option<String>,
}

/// A praticien as a consultation names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NomPraticien {
    /// Its id.
    pub id: PraticienId,
    /// "Dr", "Pr"…
    pub titre: Option<String>,
    /// Given name.
    pub prenom: String,
    /// Family name.
    pub nom: String,
}

impl NomPraticien {
    /// "Dr Camille Laurent".
    pub fn complet(&self) -> String {
        let mut s = self.titre.clone().unwrap_or_default();
        for partie in [&self.prenom, &self.nom] {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(partie);
        }
        s
    }
}

/// A consultation of the partie médicale: a rdv that was honoured (then maybe paid, transmitted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consultation {
    /// The rdv.
    pub rdv: Rdv,
    /// With whom.
    pub praticien: NomPraticien,
}

/// A patient's partie médicale, most recent first, each list bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierMedical {
    /// Consultations, the latest first.
    pub consultations: Vec<Consultation>,
    /// Documents, the latest first.
    pub documents: Vec<Document>,
    /// Whether a list was cut at its bound.
    pub tronque: bool,
}

/// Everything held on a patient (RGPD portability), each list bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPatient {
    /// The patient's account (its password hash is never exported).
    pub compte: Compte,
    /// The partie administrative.
    pub patient: Patient,
    /// Every rdv, past and to come, by start.
    pub rdvs: Vec<Rdv>,
    /// The patientèles the patient is in: praticien, since when.
    pub patientele: Vec<(PraticienId, DateTime<Utc>)>,
    /// Documents, by upload time.
    pub documents: Vec<Document>,
    /// The access log, the latest first.
    pub acces: Vec<EntreeJournal>,
    /// Whether a list was cut at its bound.
    pub tronque: bool,
}

/// SHA-256 of `octets`.
pub fn empreinte(octets: &[u8]) -> [u8; 32] {
    Sha256::digest(octets).into()
}

/// Lower-case hexadecimal, as the API shows a SHA-256.
pub fn hex(octets: &[u8]) -> String {
    use fmt::Write as _;
    octets
        .iter()
        .fold(String::with_capacity(octets.len() * 2), |mut s, o| {
            let _ = write!(s, "{o:02x}");
            s
        })
}

/// Why the [`Coffre`] could not keep or give back a document.
#[derive(Debug, thiserror::Error)]
pub enum ErreurCoffre {
    /// The file system failed.
    #[error("documents : {0}")]
    Io(#[from] io::Error),
    /// No file for a recorded document.
    #[error("document {0} : fichier absent")]
    Absent(DocumentId),
    /// The file is not the bytes recorded at upload (size or SHA-256 differ).
    #[error("document {0} : le fichier ne correspond plus à son empreinte SHA-256")]
    Altere(DocumentId),
}

/// Why the start-up sweep of the documents' directory failed.
#[derive(Debug, thiserror::Error)]
pub enum ErreurBalayage {
    /// Reading or removing a file.
    #[error(transparent)]
    Coffre(#[from] ErreurCoffre),
    /// Asking the store whether a document is recorded.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The documents' bytes: one file per document in its directory, written whole or not at all, checked
/// against its SHA-256 on every read. Blocking: call it inside `spawn_blocking`.
#[derive(Debug, Clone)]
pub struct Coffre {
    dossier: PathBuf,
}

impl Coffre {
    /// Over `dossier` (`DATA_DIR/documents`), created on the first deposit.
    pub fn new(dossier: impl Into<PathBuf>) -> Self {
        Self {
            dossier: dossier.into(),
        }
    }

    /// Its directory.
    pub fn dossier(&self) -> &Path {
        &self.dossier
    }

    fn chemin(&self, id: DocumentId) -> PathBuf {
        self.dossier.join(id.0.to_string())
    }

    /// Writes a new document's bytes: a temporary file in the same directory, synced, renamed to the
    /// document's id (never over an existing file), then the directory synced, so that the rename itself
    /// survives a crash.
    pub fn deposer(&self, id: DocumentId, octets: &[u8]) -> Result<(), ErreurCoffre> {
        std::fs::create_dir_all(&self.dossier)?;
        let mut temporaire = tempfile::Builder::new()
            .prefix(PREFIXE_DEPOT)
            .tempfile_in(&self.dossier)?;
        temporaire.write_all(octets)?;
        temporaire.as_file().sync_all()?;
        temporaire
            .persist_noclobber(self.chemin(id))
            .map_err(|e| ErreurCoffre::Io(e.error))?;
        std::fs::File::open(&self.dossier)?.sync_all()?;
        Ok(())
    }

    /// The document's bytes, once their size and SHA-256 are checked against the record: never more than
    /// the record's size plus one byte is read.
    pub fn lire(&self, document: &Document) -> Result<Vec<u8>, ErreurCoffre> {
        let fichier = match std::fs::File::open(self.chemin(document.id)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ErreurCoffre::Absent(document.id)),
            Err(e) => return Err(e.into()),
        };
        let capacite = usize::try_from(document.taille).unwrap_or(0);
        let mut octets = Vec::with_capacity(capacite);
        fichier
            .take(document.taille.saturating_add(1))
            .read_to_end(&mut octets)?;
        if octets.len() as u64 != document.taille || empreinte(&octets) != document.sha256 {
            return Err(ErreurCoffre::Altere(document.id));
        }
        Ok(octets)
    }

    /// Removes what a crash left in the directory, before the server serves (no deposit is in flight):
    /// the temporary files of interrupted deposits, and the files of deposits whose record was never
    /// written (`enregistre` says whether an id has its record). Other names are left alone. Returns
    /// how many files were removed.
    pub fn balayer(
        &self,
        enregistre: impl Fn(DocumentId) -> Result<bool, crate::store::StoreError>,
    ) -> Result<usize, ErreurBalayage> {
        let entrees = match std::fs::read_dir(&self.dossier) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(ErreurCoffre::from(e).into()),
        };
        let mut retires = 0;
        for entree in entrees {
            let entree = entree.map_err(ErreurCoffre::from)?;
            let nom = entree.file_name();
            let Some(nom) = nom.to_str() else { continue };
            let orphelin = if nom.starts_with(PREFIXE_DEPOT) {
                true
            } else if let Ok(id) = Uuid::parse_str(nom) {
                !enregistre(DocumentId(id))?
            } else {
                false
            };
            if orphelin && entree.file_type().map_err(ErreurCoffre::from)?.is_file() {
                std::fs::remove_file(entree.path()).map_err(ErreurCoffre::from)?;
                retires += 1;
            }
        }
        Ok(retires)
    }

    /// Removes a document's file (a deposit whose record could not be written); absent is fine.
    pub fn retirer(&self, id: DocumentId) -> Result<(), ErreurCoffre> {
        match std::fs::remove_file(self.chemin(id)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(octets: &[u8], attendu: Option<Format>) {
        assert_eq!(Format::reconnaitre(octets), attendu, "{octets:?}");
    }

    #[test]
    fn the_format_is_the_magic_number_of_the_bytes() {
        check(b"%PDF-1.7\n%\xE2\xE3", Some(Format::Pdf));
        check(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some(Format::Png));
        check(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'], Some(Format::Jpeg));
        check(b"MZ\x90\0\x03\0\0\0", None);
        check(b"%PDF", None);
        check(b"\x89PNG\r\n", None);
        check(&[0xFF, 0xD8], None);
        check(b"", None);
        check(b"<html>%PDF-", None);
    }

    #[test]
    fn types_round_trip_through_their_codes() {
        for t in TypeDocument::TOUS {
            assert_eq!(TypeDocument::parse(t.code()), Some(t));
        }
        assert_eq!(TypeDocument::parse("radio"), None);
        assert_eq!(Lecture::DossierMedical.code(), "dossier_medical");
        let id = DocumentId(Uuid::from_u128(1));
        assert_eq!(
            Lecture::Document(id).code(),
            "document:00000000-0000-0000-0000-000000000001"
        );
    }

    fn document(octets: &[u8]) -> Document {
        Document {
            id: DocumentId(Uuid::now_v7()),
            patient: PatientId(Uuid::now_v7()),
            type_document: TypeDocument::Ordonnance,
            titre: "Ordonnance".to_owned(),
            taille: octets.len() as u64,
            sha256: empreinte(octets),
            format: Format::Pdf,
            depose_par: CompteId(Uuid::now_v7()),
            le: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_deposit_reads_back_the_same_bytes_and_leaves_no_temporary_file() {
        let racine = tempfile::tempdir().unwrap();
        let coffre = Coffre::new(racine.path().join(DOSSIER_DOCUMENTS));
        let octets = b"%PDF-1.4 contenu".to_vec();
        let doc = document(&octets);
        coffre.deposer(doc.id, &octets).unwrap();
        assert_eq!(coffre.lire(&doc).unwrap(), octets);
        let noms: Vec<_> = std::fs::read_dir(coffre.dossier())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(noms, vec![doc.id.to_string()]);
        // The same id twice is a bug, never an overwrite.
        assert!(coffre.deposer(doc.id, b"%PDF-autre").is_err());
        assert_eq!(coffre.lire(&doc).unwrap(), octets);
    }

    #[test]
    fn the_sweep_removes_interrupted_and_unrecorded_deposits_only() {
        let racine = tempfile::tempdir().unwrap();
        let coffre = Coffre::new(racine.path().join(DOSSIER_DOCUMENTS));
        assert_eq!(coffre.balayer(|_| Ok(true)).unwrap(), 0, "no directory yet");
        let (garde, orphelin) = (document(b"%PDF-1"), document(b"%PDF-2"));
        coffre.deposer(garde.id, b"%PDF-1").unwrap();
        coffre.deposer(orphelin.id, b"%PDF-2").unwrap();
        std::fs::write(coffre.dossier().join(".depot-abc123"), b"%PDF-moiti").unwrap();
        std::fs::write(coffre.dossier().join("LISEZ-MOI"), b"autre").unwrap();
        let retires = coffre.balayer(|id| Ok(id == garde.id)).unwrap();
        assert_eq!(retires, 2);
        let mut noms: Vec<_> = std::fs::read_dir(coffre.dossier())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        noms.sort();
        assert_eq!(noms, vec![garde.id.to_string(), "LISEZ-MOI".to_owned()]);
    }

    #[test]
    fn a_changed_truncated_or_missing_file_is_an_error_not_its_bytes() {
        let racine = tempfile::tempdir().unwrap();
        let coffre = Coffre::new(racine.path());
        let octets = b"%PDF-1.4 contenu".to_vec();
        let doc = document(&octets);
        coffre.deposer(doc.id, &octets).unwrap();
        let chemin = racine.path().join(doc.id.to_string());

        std::fs::write(&chemin, b"%PDF-1.4 CONTENU").unwrap();
        assert!(matches!(coffre.lire(&doc), Err(ErreurCoffre::Altere(_))));
        std::fs::write(&chemin, b"%PDF-1.4").unwrap();
        assert!(matches!(coffre.lire(&doc), Err(ErreurCoffre::Altere(_))));
        std::fs::write(&chemin, [octets.as_slice(), b"!"].concat()).unwrap();
        assert!(matches!(coffre.lire(&doc), Err(ErreurCoffre::Altere(_))));
        coffre.retirer(doc.id).unwrap();
        assert!(matches!(coffre.lire(&doc), Err(ErreurCoffre::Absent(_))));
        coffre.retirer(doc.id).unwrap();
    }

    #[test]
    fn a_name_reads_as_the_directory_writes_it() {
        let n = NomPraticien {
            id: PraticienId(Uuid::nil()),
            titre: Some("Dr".to_owned()),
            prenom: "Camille".to_owned(),
            nom: "Laurent".to_owned(),
        };
        assert_eq!(n.complet(), "Dr Camille Laurent");
        assert_eq!(NomPraticien { titre: None, ..n }.complet(), "Camille Laurent");
        assert_eq!(hex(&[0x00, 0xAB, 0x10]), "00ab10");
    }
}

//! A patient's partie médicale: `GET /patients/{id}/dossier-medical` (consultations and documents),
//! `POST /patients/{id}/documents` (upload), `GET /documents/{id}` (download), the access log of its
//! reads `GET /patients/{id}/acces`, and the RGPD export `GET /patients/{id}/export`.
//!
//! **Who** (DOMAIN.md, through [`autoriser`]): the partie médicale ([`Ressource::DossierMedical`]) is
//! read by the patient and the praticiens linked to them (patientèle or a rdv), and a document is added
//! by a linked praticien only; personnel and admin get 403 `acces_refuse` whatever the patient. The
//! access log and the export are the patient's alone ([`Ressource::EspacePatient`]).
//!
//! **Upload** (multipart `type`, `titre`, `file`): the caller is checked before a byte of the body is
//! read. The body is streamed, never buffered whole: its limit ([`CORPS_TELEVERSEMENT_MAX`], the
//! document plus 64 KiB of envelope) is enforced by `Content-Length` or while reading
//! ([`super::limites::limiter_corps`]), and the file itself is read up to [`DOCUMENT_OCTETS_MAX`] + 1
//! bytes: one more is 413 `document_trop_volumineux`, whatever it holds. Then the bytes must be a PDF,
//! PNG or JPEG by their magic number, never by the file name nor the declared type: anything else is
//! 415 `type_non_supporte`. A refused upload writes nothing. An accepted one is written to the data
//! directory under its id (temporary file, sync, rename: [`Coffre::deposer`]), then recorded with its
//! SHA-256 and the patient's notification in one redb transaction (a failed record removes the file).
//! The client's file name is ignored.
//!
//! **Reads** of the partie médicale (the dossier médical, a document, the export) are each appended to
//! the patient's access log — who (account and role), what (`dossier_medical`, `document:<id>`,
//! `export`), when, and the request id — after the data is read and before it is answered: a read that
//! cannot be logged is not served. The patient's own reads are logged too. The export is logged as
//! `export` once produced, so it holds the log as it was before that read. Reading the access log
//! itself is not a read of the partie médicale and is not logged.
//!
//! **Downloads** are checked against the SHA-256 recorded at upload: a file that no longer matches is a
//! 500 whose cause is logged (the document's id, never its content), never bytes served as the
//! document. No log line holds a document's content or title.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound as _, Utc};
use domain::acces::{Action, Liens, Ressource, autoriser};
use domain::ids::PatientId;
use poem::http::Method;
use poem::web::Multipart;
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, Payload as _};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::multipart::Upload;
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ApiResponse, Enum, ExtractParamOptions, Object, OpenApi, ResponseContent,
};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use uuid::Uuid;

use super::dossier::DossierAdministratifDto;
use super::dto::{TypeDto, limite, page};
use super::etat::{EtatPartage, JetonAcces, Session};
use super::limites::{CORPS_TELEVERSEMENT_MAX, CorpsDepasse, IdRequete};
use super::probleme::ErreurApi;
use super::rdvs::{LiensRdv, RdvDto, StatutDto};
use super::{ApiTag, refus_acces};
use crate::documents::{
    Acces, Coffre, Consultation, DOCUMENT_OCTETS_MAX, Document, DocumentId, EntreeJournal, ErreurCoffre,
    Format, Lecture, TITRE_LONGUEUR_MAX, TypeDocument, empreinte, hex,
};
use crate::modele::{Rdv, Role};

page!(PageAcces, AccesDto);

/// Longest `type` field read, in bytes (the longest code is 12).
pub const TYPE_OCTETS_MAX: u64 = 32;
/// Longest `titre` field read, in bytes (its characters, 4 bytes each at most).
pub const TITRE_OCTETS_MAX: u64 = TITRE_LONGUEUR_MAX as u64 * 4;

/// Whether a request is an upload (`POST /patients/{id}/documents`), whose body limit is the
/// document's, not the JSON one.
pub fn est_televersement(methode: &Method, chemin: &str) -> bool {
    let mut parties = chemin.split('/');
    *methode == Method::POST
        && parties.next() == Some("")
        && parties.next() == Some("patients")
        && parties.next().is_some_and(|id| !id.is_empty())
        && parties.next() == Some("documents")
        && parties.next().is_none()
}

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum TypeDocumentDto {
    /// Compte rendu (de consultation, d'examen…).
    CompteRendu,
    /// Lettre.
    Lettre,
    /// Ordonnance.
    Ordonnance,
    /// Résultat (analyses, imagerie…).
    Resultat,
    /// Anything else.
    Autre,
}

impl From<TypeDocument> for TypeDocumentDto {
    fn from(t: TypeDocument) -> Self {
        match t {
            TypeDocument::CompteRendu => Self::CompteRendu,
            TypeDocument::Lettre => Self::Lettre,
            TypeDocument::Ordonnance => Self::Ordonnance,
            TypeDocument::Resultat => Self::Resultat,
            TypeDocument::Autre => Self::Autre,
        }
    }
}

/// A document of the partie médicale.
#[derive(Clone, Object)]
pub struct DocumentDto {
    /// Its id: `GET /documents/{id}` downloads it.
    pub id: Uuid,
    /// What it is.
    #[oai(rename = "type")]
    pub type_document: TypeDocumentDto,
    /// Its title.
    pub titre: String,
    /// Size in bytes.
    pub taille: u64,
    /// SHA-256 of its bytes, lower-case hexadecimal.
    pub sha256: String,
    /// `application/pdf`, `image/png` or `image/jpeg`, from its bytes.
    pub mime: String,
    /// The account that uploaded it.
    pub depose_par: Uuid,
    /// When it was uploaded (UTC, to the millisecond).
    pub le: DateTime<Utc>,
}

/// Redacted: a title is medical data and must not reach a log line through `{:?}`.
impl std::fmt::Debug for DocumentDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentDto")
            .field("id", &self.id)
            .field("mime", &self.mime)
            .field("taille", &self.taille)
            .finish_non_exhaustive()
    }
}

impl From<&Document> for DocumentDto {
    fn from(d: &Document) -> Self {
        Self {
            id: d.id.0,
            type_document: d.type_document.into(),
            titre: d.titre.clone(),
            taille: d.taille,
            sha256: hex(&d.sha256),
            mime: d.format.mime().to_owned(),
            depose_par: d.depose_par.0,
            le: d.le,
        }
    }
}

/// The upload form, as the OpenAPI document shows it (the operation reads the fields itself, as they
/// stream in).
#[derive(Debug, poem_openapi::Multipart)]
#[allow(dead_code)] // Describes the form; never built.
struct FormulaireDocument {
    /// What it is.
    #[oai(rename = "type")]
    type_document: TypeDocumentDto,
    /// Its title, 1 to 200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    titre: String,
    /// The document: a PDF, PNG or JPEG (recognised by its bytes), at most 10 MiB.
    file: Upload,
}

/// The body of an upload: a `multipart/form-data` stream, read by the operation once the caller is
/// allowed, field by field and bounded.
pub struct CorpsTeleversement(Multipart);

impl std::fmt::Debug for CorpsTeleversement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorpsTeleversement").finish_non_exhaustive()
    }
}

impl<'a> ApiExtractor<'a> for CorpsTeleversement {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <FormulaireDocument as poem_openapi::payload::Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: Some("multipart/form-data: `type`, `titre`, `file` (≤ 10 MiB)"),
            content: vec![MetaMediaType {
                content_type: "multipart/form-data",
                schema: FormulaireDocument::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _options: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        // Lazy: nothing of the body is read here.
        Ok(Self(
            <Multipart as FromRequest>::from_request(request, body).await?,
        ))
    }
}

/// A document's bytes, answered with their own media type.
pub struct ContenuDocument {
    octets: Vec<u8>,
    format: Format,
}

impl std::fmt::Debug for ContenuDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContenuDocument")
            .field("format", &self.format)
            .field("taille", &self.octets.len())
            .finish_non_exhaustive()
    }
}

impl IntoResponse for ContenuDocument {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(self.format.mime())
            // Medical data: never cached by a shared cache, never sniffed into another type.
            .header("cache-control", "private, no-store")
            .header("x-content-type-options", "nosniff")
            .body(self.octets)
    }
}

impl ResponseContent for ContenuDocument {
    fn media_types() -> Vec<MetaMediaType> {
        [Format::Pdf, Format::Png, Format::Jpeg]
            .into_iter()
            .map(|f| MetaMediaType {
                content_type: f.mime(),
                schema: MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "binary"))),
            })
            .collect()
    }
}

/// Answer of a download.
#[derive(Debug, ApiResponse)]
pub enum Telechargement {
    /// The document's bytes, checked against their SHA-256, with their own media type.
    #[oai(status = 200)]
    Document(
        ContenuDocument,
        /// `attachment; filename="<titre>.<ext>"`, and `filename*` in UTF-8.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

/// Answer of an upload.
#[derive(Debug, ApiResponse)]
pub enum DocumentDepose {
    /// Stored; `Location` is where to download it.
    #[oai(status = 201)]
    Cree(Json<DocumentDto>, #[oai(header = "Location")] String),
}

/// A praticien, as a consultation names it.
#[derive(Debug, Clone, Object)]
pub struct PraticienNommeDto {
    /// Its id.
    pub id: Uuid,
    /// "Dr"…
    #[oai(skip_serializing_if_is_none)]
    pub titre: Option<String>,
    /// Given name.
    pub prenom: String,
    /// Family name.
    pub nom: String,
}

/// A consultation: a rdv that was honoured.
#[derive(Clone, Object)]
pub struct ConsultationDto {
    /// The rdv.
    pub rdv_id: Uuid,
    /// Start (UTC).
    pub debut: DateTime<Utc>,
    /// End (UTC).
    pub fin: DateTime<Utc>,
    /// With whom.
    pub praticien: PraticienNommeDto,
    /// Spécialité code.
    pub specialite: String,
    /// Type.
    #[oai(rename = "type")]
    pub type_consultation: TypeDto,
    /// Motif de visite.
    #[oai(skip_serializing_if_is_none)]
    pub motif: Option<String>,
    /// `honore`, `paye` or `transmis`.
    pub statut: StatutDto,
}

/// Redacted: a motif is medical data and must not reach a log line through `{:?}`.
impl std::fmt::Debug for ConsultationDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsultationDto")
            .field("rdv_id", &self.rdv_id)
            .finish_non_exhaustive()
    }
}

impl From<&Consultation> for ConsultationDto {
    fn from(c: &Consultation) -> Self {
        let rdv = &c.rdv;
        Self {
            rdv_id: rdv.id.0,
            debut: rdv.creneau.debut(),
            fin: rdv.creneau.fin(),
            praticien: PraticienNommeDto {
                id: c.praticien.id.0,
                titre: c.praticien.titre.clone(),
                prenom: c.praticien.prenom.clone(),
                nom: c.praticien.nom.clone(),
            },
            specialite: rdv.specialite.code().to_owned(),
            type_consultation: rdv.type_consultation.into(),
            motif: rdv.motif.clone(),
            statut: rdv.statut.into(),
        }
    }
}

/// A patient's partie médicale.
#[derive(Debug, Clone, Object)]
pub struct DossierMedicalDto {
    /// Whose.
    pub patient_id: Uuid,
    /// Honoured rdvs, the latest first (at most 1 000).
    pub consultations: Vec<ConsultationDto>,
    /// Documents, the latest first (at most 1 000).
    pub documents: Vec<DocumentDto>,
    /// `false` when a list was cut at its bound.
    pub complet: bool,
}

/// One read of the partie médicale, as the access log shows it.
#[derive(Debug, Clone, Object)]
pub struct AccesDto {
    /// The entry's id.
    pub id: Uuid,
    /// The account that read.
    pub qui: Uuid,
    /// Who that is now (`Dr Camille Laurent`, the patient's own name), if known.
    #[oai(skip_serializing_if_is_none)]
    pub nom: Option<String>,
    /// Its role then: `patient` or `praticien`.
    pub role: String,
    /// What it read: `dossier_medical`, `document:<id>` or `export`.
    pub quoi: String,
    /// When (UTC, to the millisecond).
    pub le: DateTime<Utc>,
    /// The request's `x-request-id`.
    pub request_id: String,
}

impl From<&EntreeJournal> for AccesDto {
    fn from(e: &EntreeJournal) -> Self {
        Self {
            id: e.acces.id,
            qui: e.acces.qui.0,
            nom: e.nom.clone(),
            role: e.acces.role.clone(),
            quoi: e.acces.quoi.code(),
            le: e.acces.le,
            request_id: e.acces.request_id.clone(),
        }
    }
}

/// The patient's account, as exported (never its password hash).
#[derive(Debug, Clone, Object)]
pub struct CompteExportDto {
    /// Its id.
    pub id: Uuid,
    /// Sign-in email.
    pub email: String,
    /// `patient`.
    pub role: String,
    /// Created at.
    pub cree_le: DateTime<Utc>,
}

/// A patientèle the patient is in.
#[derive(Debug, Clone, Object)]
pub struct PatienteleExportDto {
    /// The praticien.
    pub praticien_id: Uuid,
    /// Since when.
    pub depuis: DateTime<Utc>,
}

/// Everything held on a patient, one JSON document (RGPD, right to data portability).
#[derive(Clone, Object)]
pub struct ExportDto {
    /// When it was produced.
    pub genere_le: DateTime<Utc>,
    /// The account.
    pub compte: CompteExportDto,
    /// The partie administrative, every field (as `GET /patients/{id}` shows it).
    pub patient: DossierAdministratifDto,
    /// Every rdv, past and to come, by start, with its history, payment and transmission.
    pub rdvs: Vec<RdvDto>,
    /// The patientèles the patient is in.
    pub patientele: Vec<PatienteleExportDto>,
    /// Documents, by reference (`GET /documents/{id}`) with their SHA-256, in upload order.
    pub documents: Vec<DocumentDto>,
    /// The access log of the partie médicale, the latest first.
    pub acces: Vec<AccesDto>,
    /// `false` when a list was cut at its bound (10 000 items each).
    pub complet: bool,
}

/// Redacted: personal data, the NIR first, must not reach a log line through `{:?}`.
impl std::fmt::Debug for ExportDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportDto")
            .field("genere_le", &self.genere_le)
            .finish_non_exhaustive()
    }
}

/// A rdv as exported: the API's rdv shape, its links to itself and its praticien (no action).
fn rdv_exporte(rdv: &Rdv) -> RdvDto {
    let links = LiensRdv {
        self_: format!("/rdvs/{}", rdv.id),
        praticien: format!("/praticiens/{}", rdv.praticien_id),
        annuler: None,
        deplacer: None,
        statut: None,
    };
    super::rdvs::vers_dto(rdv.clone(), links)
}

/// `attachment; filename="<titre>.<ext>"; filename*=UTF-8''<titre>.<ext>`: the plain name keeps
/// ASCII letters, digits, spaces, `-` and `_` (anything else becomes `_`), the UTF-8 one is the title
/// without control characters nor path separators, percent-encoded (RFC 6266, RFC 8187).
pub fn disposition(titre: &str, format: Format) -> String {
    let ext = format.extension();
    let mut simple: String = titre
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if simple.trim_matches(['_', ' ']).is_empty() {
        simple = "document".to_owned();
    }
    let mut encode = String::new();
    for c in titre
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
    {
        let mut utf8 = [0u8; 4];
        for o in c.encode_utf8(&mut utf8).bytes() {
            if o.is_ascii_alphanumeric() || matches!(o, b'-' | b'.' | b'_' | b'~') {
                encode.push(char::from(o));
            } else {
                encode.push_str(&format!("%{o:02X}"));
            }
        }
    }
    if encode.is_empty() {
        encode = "document".to_owned();
    }
    format!("attachment; filename=\"{simple}.{ext}\"; filename*=UTF-8''{encode}.{ext}")
}

/// What an upload's fields said, once each is read within its bound.
struct Televersement {
    type_document: Option<String>,
    titre: Option<String>,
    fichier: Option<Vec<u8>>,
}

/// An upload's field, read to at most `max` + 1 bytes: more than `max` is `None`.
async fn lire_borne(lecteur: impl AsyncRead + Send, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let lecteur = std::pin::pin!(lecteur);
    let mut octets = Vec::new();
    lecteur.take(max + 1).read_to_end(&mut octets).await?;
    Ok((octets.len() as u64 <= max).then_some(octets))
}

/// 400 for a body that is not a readable multipart form, or 413 if it went past its limit meanwhile.
fn illisible(depasse: &CorpsDepasse, cause: impl std::fmt::Display) -> ErreurApi {
    if depasse.atteint() {
        ErreurApi::new(
            413,
            "corps_trop_volumineux",
            format!(
                "le corps de la requête dépasse {} Kio",
                CORPS_TELEVERSEMENT_MAX / 1024
            ),
        )
    } else {
        ErreurApi::invalide(
            "requete_invalide",
            format!("formulaire multipart illisible : {cause}"),
        )
    }
}

/// A field of the upload form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Champ {
    Type,
    Titre,
    Fichier,
}

impl Champ {
    /// Most bytes read of it.
    fn octets_max(self) -> u64 {
        match self {
            Champ::Type => TYPE_OCTETS_MAX,
            Champ::Titre => TITRE_OCTETS_MAX,
            Champ::Fichier => DOCUMENT_OCTETS_MAX,
        }
    }

    /// What it is past [`Champ::octets_max`].
    fn trop_long(self) -> ErreurApi {
        match self {
            Champ::Type => ErreurApi::new(422, "type_document_invalide", "type : trop long"),
            Champ::Titre => ErreurApi::new(422, "champ_invalide", "titre : trop long"),
            Champ::Fichier => ErreurApi::new(
                413,
                "document_trop_volumineux",
                format!(
                    "file : le document dépasse {} Mio",
                    DOCUMENT_OCTETS_MAX / (1024 * 1024)
                ),
            ),
        }
    }
}

/// Reads the form's fields, each within its bound: `type`, `titre`, `file`, once each, nothing else.
async fn lire_formulaire(
    multipart: &mut Multipart,
    depasse: &CorpsDepasse,
) -> Result<Televersement, ErreurApi> {
    let mut t = Televersement {
        type_document: None,
        titre: None,
        fichier: None,
    };
    while let Some(champ) = multipart.next_field().await.map_err(|e| illisible(depasse, e))? {
        let nom = champ.name().unwrap_or_default().to_owned();
        let quoi = match nom.as_str() {
            "type" if t.type_document.is_none() => Champ::Type,
            "titre" if t.titre.is_none() => Champ::Titre,
            "file" if t.fichier.is_none() => Champ::Fichier,
            "type" | "titre" | "file" => {
                return Err(ErreurApi::invalide(
                    "requete_invalide",
                    format!("{nom} : champ en double"),
                ));
            }
            _ => {
                return Err(ErreurApi::invalide(
                    "requete_invalide",
                    "champ inconnu : le formulaire a les champs type, titre et file",
                ));
            }
        };
        let octets = lire_borne(champ.into_async_read(), quoi.octets_max())
            .await
            .map_err(|e| illisible(depasse, e))?
            .ok_or_else(|| quoi.trop_long())?;
        let texte = |octets: Vec<u8>| {
            String::from_utf8(octets)
                .map_err(|_| ErreurApi::invalide("requete_invalide", format!("{nom} : texte non UTF-8")))
        };
        match quoi {
            Champ::Type => t.type_document = Some(texte(octets)?),
            Champ::Titre => t.titre = Some(texte(octets)?),
            Champ::Fichier => t.fichier = Some(octets),
        }
    }
    Ok(t)
}

/// Reads what is left of a refused upload, within the body's limit, so that the answer reaches a
/// client still sending (and the connection stays usable).
async fn vider(multipart: &mut Multipart) {
    while let Ok(Some(champ)) = multipart.next_field().await {
        let lecteur = std::pin::pin!(champ.into_async_read());
        if tokio::io::copy(&mut lecteur.take(CORPS_TELEVERSEMENT_MAX), &mut tokio::io::sink())
            .await
            .is_err()
        {
            return;
        }
    }
}

/// A document's title: trimmed, 1 to [`TITRE_LONGUEUR_MAX`] characters, no control character.
fn titre(valeur: &str) -> Result<String, ErreurApi> {
    let v = valeur.trim();
    let longueur = v.chars().count();
    if longueur == 0 || longueur > TITRE_LONGUEUR_MAX || v.chars().any(char::is_control) {
        return Err(ErreurApi::new(
            422,
            "champ_invalide",
            format!("titre : entre 1 et {TITRE_LONGUEUR_MAX} caractères, sans caractère de contrôle"),
        ));
    }
    Ok(v.to_owned())
}

/// What a checked upload holds.
struct DocumentRecu {
    type_document: TypeDocument,
    titre: String,
    octets: Vec<u8>,
    format: Format,
}

/// Checks the fields read: the file's size first (413), then the form (400, 422), then the file's
/// format (415).
fn verifier(t: Televersement) -> Result<DocumentRecu, ErreurApi> {
    let manquant = |champ: &str| ErreurApi::invalide("requete_invalide", format!("{champ} : champ requis"));
    let octets = t.fichier.ok_or_else(|| manquant("file"))?;
    let code = t.type_document.ok_or_else(|| manquant("type"))?;
    let titre = titre(&t.titre.ok_or_else(|| manquant("titre"))?)?;
    let type_document = TypeDocument::parse(code.trim()).ok_or_else(|| {
        ErreurApi::new(
            422,
            "type_document_invalide",
            "type : compte_rendu, lettre, ordonnance, resultat ou autre",
        )
    })?;
    let format = Format::reconnaitre(&octets).ok_or_else(|| {
        ErreurApi::new(
            415,
            "type_non_supporte",
            "file : seuls les PDF, PNG et JPEG sont acceptés (reconnus à leur contenu)",
        )
    })?;
    Ok(DocumentRecu {
        type_document,
        titre,
        octets,
        format,
    })
}

/// The partie médicale API.
#[derive(Debug)]
pub struct DocumentsApi {
    etat: EtatPartage,
    coffre: Arc<Coffre>,
}

impl DocumentsApi {
    /// Over the shared state, with the documents' files in `coffre`.
    pub fn new(etat: EtatPartage, coffre: Coffre) -> Self {
        Self {
            etat,
            coffre: Arc::new(coffre),
        }
    }

    /// Whether the caller may do `action` to the patient's partie médicale (its links read first).
    async fn autoriser_dossier(
        &self,
        session: &Session,
        action: Action,
        patient: PatientId,
    ) -> Result<(), ErreurApi> {
        let (patientele, rdv) = self.etat.stocker(move |s| s.liens(patient)).await?;
        autoriser(
            &session.acteur,
            action,
            &Ressource::DossierMedical {
                patient,
                liens: Liens {
                    patientele: &patientele,
                    rdv: &rdv,
                },
            },
        )
        .map_err(refus_acces)
    }

    /// Appends a read to the patient's access log.
    async fn journaliser(
        &self,
        session: &Session,
        patient: PatientId,
        quoi: Lecture,
        requete: &Request,
    ) -> Result<(), ErreurApi> {
        let acces = Acces {
            id: Uuid::now_v7(),
            patient,
            qui: session.compte,
            role: session.acteur.role().to_owned(),
            quoi,
            le: self.etat.maintenant().trunc_subsecs(3),
            request_id: requete
                .extensions()
                .get::<IdRequete>()
                .map_or_else(String::new, |id| id.0.clone()),
        };
        self.etat.stocker(move |s| s.journaliser_acces(&acces)).await?;
        tracing::info!(patient = %patient, compte = %session.compte.0, quoi = %quoi.code(), "lecture de la partie médicale");
        Ok(())
    }

    /// Runs file work off the async runtime, inside the request's span.
    async fn coffre<T, F>(&self, travail: F) -> Result<Result<T, ErreurCoffre>, ErreurApi>
    where
        T: Send + 'static,
        F: FnOnce(&Coffre) -> Result<T, ErreurCoffre> + Send + 'static,
    {
        let coffre = Arc::clone(&self.coffre);
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| travail(&coffre)))
            .await
            .map_err(ErreurApi::interne)
    }
}

#[OpenApi(tag = "ApiTag::DossierMedical")]
impl DocumentsApi {
    /// A patient's partie médicale
    ///
    /// Consultations (every honoured rdv: `honore`, `paye`, `transmis`, with its praticien, spécialité,
    /// type and motif) and documents, the latest first. The patient and the praticiens linked to them
    /// only: personnel and admin get 403 whatever the patient. Each read is appended to the patient's
    /// access log (`GET /patients/{id}/acces`) with the request's `x-request-id`.
    #[oai(
        path = "/patients/:id/dossier-medical",
        method = "get",
        operation_id = "dossier_medical"
    )]
    async fn dossier_medical(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        requete: &Request,
    ) -> Result<Json<DossierMedicalDto>, ErreurApi> {
        let patient = PatientId(id.0);
        let session = self.etat.session(&jeton).await?;
        self.autoriser_dossier(&session, Action::Lire, patient).await?;
        let dossier = self.etat.stocker(move |s| s.dossier_medical(patient)).await?;
        self.journaliser(&session, patient, Lecture::DossierMedical, requete)
            .await?;
        Ok(Json(DossierMedicalDto {
            patient_id: patient.0,
            consultations: dossier.consultations.iter().map(ConsultationDto::from).collect(),
            documents: dossier.documents.iter().map(DocumentDto::from).collect(),
            complet: !dossier.tronque,
        }))
    }

    /// Add a document to a patient's partie médicale
    ///
    /// `multipart/form-data` with `type` (`compte_rendu`, `lettre`, `ordonnance`, `resultat`,
    /// `autre`), `titre` (1 to 200 characters) and `file`: a PDF, PNG or JPEG, recognised by its bytes
    /// (not its name nor its declared type), at most 10 MiB. A praticien linked to the patient only.
    /// 413 `document_trop_volumineux` above 10 MiB (`corps_trop_volumineux` for a body above 10 MiB +
    /// 64 KiB), 415 `type_non_supporte` for anything but a PDF, PNG or JPEG; a refused upload stores
    /// nothing. The patient is notified that a document is available.
    #[oai(
        path = "/patients/:id/documents",
        method = "post",
        operation_id = "deposer_document"
    )]
    async fn deposer_document(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        requete: &Request,
        corps: CorpsTeleversement,
    ) -> Result<DocumentDepose, ErreurApi> {
        let patient = PatientId(id.0);
        let session = self.etat.session(&jeton).await?;
        self.autoriser_dossier(&session, Action::Creer, patient).await?;
        let depasse = requete
            .extensions()
            .get::<CorpsDepasse>()
            .cloned()
            .unwrap_or_default();
        let mut multipart = corps.0;
        let recu = match lire_formulaire(&mut multipart, &depasse).await.and_then(verifier) {
            Ok(recu) => recu,
            Err(e) => {
                vider(&mut multipart).await;
                return Err(e);
            }
        };
        let document = Document {
            id: DocumentId(Uuid::now_v7()),
            patient,
            type_document: recu.type_document,
            titre: recu.titre,
            taille: recu.octets.len() as u64,
            sha256: empreinte(&recu.octets),
            format: recu.format,
            depose_par: session.compte,
            // What the store keeps, so that this answer and a later read agree.
            le: self.etat.maintenant().trunc_subsecs(3),
        };
        let doc_id = document.id;
        // The bytes first, then the record: a crash in between leaves a file no record names, never a
        // record without its bytes.
        let octets = recu.octets;
        self.coffre(move |c| c.deposer(doc_id, &octets))
            .await?
            .map_err(ErreurApi::interne)?;
        let reponse = DocumentDto::from(&document);
        if let Err(e) = self
            .etat
            .stocker(move |s| s.enregistrer_document(&document, Uuid::now_v7()))
            .await
        {
            // Not recorded: its bytes must not stay.
            match self.coffre(move |c| c.retirer(doc_id)).await {
                Ok(Ok(())) => {}
                Ok(Err(cause)) => {
                    tracing::error!(document = %doc_id, cause = %cause, "fichier orphelin non retiré")
                }
                Err(_) => tracing::error!(document = %doc_id, "fichier orphelin non retiré"),
            }
            return Err(e);
        }
        tracing::info!(
            document = %doc_id,
            patient = %patient,
            compte = %session.compte.0,
            format = reponse.mime,
            taille = reponse.taille,
            "document déposé"
        );
        let location = format!("/documents/{doc_id}");
        Ok(DocumentDepose::Cree(Json(reponse), location))
    }

    /// Download a document
    ///
    /// Its bytes with their media type (`application/pdf`, `image/png`, `image/jpeg`) and
    /// `Content-Disposition: attachment` named after its title, once checked against the SHA-256
    /// recorded at upload. The patient and the praticiens linked to them only; each download is
    /// appended to the patient's access log.
    #[oai(
        path = "/documents/:id",
        method = "get",
        operation_id = "telecharger_document"
    )]
    async fn telecharger_document(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        requete: &Request,
    ) -> Result<Telechargement, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let doc_id = DocumentId(id.0);
        let document = self
            .etat
            .stocker(move |s| s.document(doc_id))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("document"))?;
        self.autoriser_dossier(&session, Action::Lire, document.patient)
            .await?;
        let (titre, format, patient) = (document.titre.clone(), document.format, document.patient);
        let octets = self
            .coffre(move |c| c.lire(&document))
            .await?
            .map_err(ErreurApi::interne)?;
        self.journaliser(&session, patient, Lecture::Document(doc_id), requete)
            .await?;
        Ok(Telechargement::Document(
            ContenuDocument { octets, format },
            disposition(&titre, format),
        ))
    }

    /// Who read a patient's partie médicale
    ///
    /// The access log, the latest first: who (account, name, role), what (`dossier_medical`,
    /// `document:<id>`, `export`), when, and the request id. The patient only. `limit` (1 to 100,
    /// default 20) and `cursor` as every list.
    #[oai(path = "/patients/:id/acces", method = "get", operation_id = "journal_acces")]
    async fn journal_acces(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        limit: Query<Option<u32>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<PageAcces>, ErreurApi> {
        let patient = PatientId(id.0);
        let session = self.etat.session(&jeton).await?;
        autoriser(&session.acteur, Action::Lire, &Ressource::EspacePatient(patient)).map_err(refus_acces)?;
        let limit = limite(limit.0)?;
        let cursor = cursor.0;
        let page = self
            .etat
            .stocker(move |s| s.journal_acces(patient, cursor.as_deref(), limit))
            .await?;
        Ok(Json(PageAcces {
            items: page.items.iter().map(AccesDto::from).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Everything held on a patient (RGPD portability)
    ///
    /// One JSON document: the account (email, role), the partie administrative (every field), every
    /// rdv past and to come with its history, payment and transmission, the patientèles the patient is
    /// in, the documents by reference with their SHA-256 (`GET /documents/{id}` for their bytes), and
    /// the access log. The patient only; each list holds at most 10 000 items (`complet: false` beyond).
    /// The export is itself a read of the partie médicale: it is logged as `export` once produced.
    #[oai(
        path = "/patients/:id/export",
        method = "get",
        operation_id = "export_patient"
    )]
    async fn export_patient(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        requete: &Request,
    ) -> Result<Json<ExportDto>, ErreurApi> {
        let patient = PatientId(id.0);
        let session = self.etat.session(&jeton).await?;
        autoriser(&session.acteur, Action::Lire, &Ressource::EspacePatient(patient)).map_err(refus_acces)?;
        let compte = session.compte;
        let export = self
            .etat
            .stocker(move |s| s.export_patient(patient, compte))
            .await?;
        self.journaliser(&session, patient, Lecture::Export, requete)
            .await?;
        let role = match export.compte.role {
            Role::Patient(_) => "patient",
            Role::Praticien(_) => "praticien",
            Role::Personnel(_) => "personnel",
            Role::Admin => "admin",
        };
        Ok(Json(ExportDto {
            genere_le: self.etat.maintenant(),
            compte: CompteExportDto {
                id: export.compte.id.0,
                email: export.compte.email.as_str().to_owned(),
                role: role.to_owned(),
                cree_le: export.compte.cree_le,
            },
            patient: DossierAdministratifDto::from(&export.patient),
            rdvs: export.rdvs.iter().map(rdv_exporte).collect(),
            patientele: export
                .patientele
                .iter()
                .map(|(praticien, depuis)| PatienteleExportDto {
                    praticien_id: praticien.0,
                    depuis: *depuis,
                })
                .collect(),
            documents: export.documents.iter().map(DocumentDto::from).collect(),
            acces: export.acces.iter().map(AccesDto::from).collect(),
            complet: !export.tronque,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_upload_route_gets_the_document_limit() {
        for (methode, chemin, attendu) in [
            (
                Method::POST,
                "/patients/00000000-0004-7000-8000-000000000001/documents",
                true,
            ),
            (Method::POST, "/patients/x/documents", true),
            (Method::GET, "/patients/x/documents", false),
            (Method::POST, "/patients//documents", false),
            (Method::POST, "/patients/x/documents/", false),
            (Method::POST, "/patients/x/documents/y", false),
            (Method::POST, "/patients/x", false),
            (Method::POST, "/rdvs", false),
            (Method::POST, "/x/patients/y/documents", false),
        ] {
            assert_eq!(est_televersement(&methode, chemin), attendu, "{methode} {chemin}");
        }
    }

    #[test]
    fn a_download_is_named_after_its_title_safely() {
        assert_eq!(
            disposition("Compte rendu d'échographie", Format::Pdf),
            "attachment; filename=\"Compte rendu d__chographie.pdf\"; \
             filename*=UTF-8''Compte%20rendu%20d%27%C3%A9chographie.pdf"
        );
        assert_eq!(
            disposition("../../etc/passwd\"\r\n", Format::Png),
            "attachment; filename=\"______etc_passwd___.png\"; filename*=UTF-8''....etcpasswd%22.png"
        );
        assert_eq!(
            disposition("\u{1F600}", Format::Jpeg),
            "attachment; filename=\"document.jpg\"; filename*=UTF-8''%F0%9F%98%80.jpg"
        );
    }

    fn recu(type_document: &str, titre: &str, fichier: &[u8]) -> Televersement {
        Televersement {
            type_document: Some(type_document.to_owned()),
            titre: Some(titre.to_owned()),
            fichier: Some(fichier.to_vec()),
        }
    }

    #[track_caller]
    fn check(t: Televersement, attendu: Result<(TypeDocument, &str, Format), (u16, &str)>) {
        match (verifier(t), attendu) {
            (Ok(d), Ok((type_document, titre, format))) => {
                assert_eq!(
                    (d.type_document, d.titre.as_str(), d.format),
                    (type_document, titre, format)
                );
            }
            (Err(e), Err((status, code))) => {
                let p = match e {
                    ErreurApi::Invalide(p)
                    | ErreurApi::NonTraitable(p)
                    | ErreurApi::TypeNonSupporte(p)
                    | ErreurApi::TropGros(p) => p.0,
                    autre => panic!("{autre:?}"),
                };
                assert_eq!((p.status, p.code.as_str()), (status, code), "{}", p.detail);
            }
            (obtenu, attendu) => panic!("{:?} / {attendu:?}", obtenu.map(|d| d.titre)),
        }
    }

    #[test]
    fn an_upload_is_checked_field_by_field_and_by_its_bytes() {
        let pdf = b"%PDF-1.4\n";
        check(
            recu("ordonnance", "  Ordonnance  ", pdf),
            Ok((TypeDocument::Ordonnance, "Ordonnance", Format::Pdf)),
        );
        check(
            recu("resultat", "Radio", b"\x89PNG\r\n\x1a\nIHDR"),
            Ok((TypeDocument::Resultat, "Radio", Format::Png)),
        );
        check(
            recu("ordonnance", "Ordonnance", b"MZ\x90\0"),
            Err((415, "type_non_supporte")),
        );
        check(
            recu("ordonnance", "Ordonnance", b""),
            Err((415, "type_non_supporte")),
        );
        check(recu("radio", "Radio", pdf), Err((422, "type_document_invalide")));
        check(recu("autre", "   ", pdf), Err((422, "champ_invalide")));
        check(recu("autre", &"é".repeat(201), pdf), Err((422, "champ_invalide")));
        check(recu("autre", "a\nb", pdf), Err((422, "champ_invalide")));
        for manque in 0..3 {
            let mut t = recu("autre", "Titre", pdf);
            match manque {
                0 => t.type_document = None,
                1 => t.titre = None,
                _ => t.fichier = None,
            }
            check(t, Err((400, "requete_invalide")));
        }
    }
}

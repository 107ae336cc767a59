//! The messagerie: `/conversations` between a patient and a linked praticien, their messages and a
//! server-sent event stream of new messages.
//!
//! Access goes through `Ressource::Conversation` (DOMAIN.md: its two parties only; personnel and admin
//! never): reading needs to be a party, opening and writing also need the praticien to be linked to the
//! patient (patientèle or a rdv), so a party keeps its history once the link is gone. An unknown
//! conversation is a 404, a known one of others a 403.
//!
//! A message is plain text (JSON, never interpreted as HTML): trimmed, 1 to
//! [`TEXTE_LONGUEUR_MAX`] characters, no control character but a line break, otherwise 422
//! `texte_invalide`. Its text may be medical: it reaches no log line (logs name the conversation and the
//! message id). A message is published to the event streams after its commit.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound as _, Utc};
use domain::acces::{Acteur, Action, Liens, Refus, Ressource, autoriser};
use domain::ids::{PatientId, PraticienId};
use futures_util::stream::{self, BoxStream, StreamExt as _};
use poem::web::sse::Event;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{EventStream, Json};
use poem_openapi::types::ToJSON as _;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::dto::{limite, page};
use super::etat::{EtatPartage, JetonAcces, Session};
use super::probleme::ErreurApi;
use super::{ApiTag, refus_acces};
use crate::messagerie::{
    Conversation, ConversationId, Diffusion, Membre, Message, Partie, ResumeConversation, Sature, texte,
};

page!(PageConversations, ConversationDto);
page!(PageMessages, MessageDto);

/// Interval of the keep-alive comments of an event stream.
pub const KEEP_ALIVE_SECONDES: u64 = 15;

/// `patient` or `praticien`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PartieDto {
    /// The patient.
    Patient,
    /// The praticien.
    Praticien,
}

impl From<Partie> for PartieDto {
    fn from(p: Partie) -> Self {
        match p {
            Partie::Patient => PartieDto::Patient,
            Partie::Praticien => PartieDto::Praticien,
        }
    }
}

/// A conversation, as one of its parties sees it.
#[derive(Debug, Clone, Object)]
pub struct ConversationDto {
    /// Id.
    pub id: Uuid,
    /// Its patient.
    pub patient_id: Uuid,
    /// Its praticien.
    pub praticien_id: Uuid,
    /// The other party's name (`Dr Anaïs Lefèvre`, `Lucas Martin`).
    pub interlocuteur: String,
    /// When it was opened (UTC).
    pub cree_le: DateTime<Utc>,
    /// Its last message, or its opening while it has none (UTC).
    pub derniere_activite: DateTime<Utc>,
    /// Messages of the other party the caller has not read.
    pub non_lus: u32,
}

impl From<ResumeConversation> for ConversationDto {
    fn from(r: ResumeConversation) -> Self {
        Self {
            id: r.conversation.id.0,
            patient_id: r.conversation.patient.0,
            praticien_id: r.conversation.praticien.0,
            interlocuteur: r.interlocuteur,
            cree_le: r.conversation.cree_le,
            derniere_activite: r.conversation.derniere_activite,
            non_lus: r.non_lus,
        }
    }
}

/// A message.
#[derive(Clone, Object)]
pub struct MessageDto {
    /// Id.
    pub id: Uuid,
    /// Its conversation.
    pub conversation_id: Uuid,
    /// Who wrote it.
    pub auteur: PartieDto,
    /// Plain text (never HTML), line breaks as `\n`.
    pub texte: String,
    /// When it was sent (UTC, to the millisecond).
    pub le: DateTime<Utc>,
}

/// Redacted: the text may be medical.
impl std::fmt::Debug for MessageDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageDto")
            .field("id", &self.id)
            .field("conversation_id", &self.conversation_id)
            .finish_non_exhaustive()
    }
}

impl From<&Message> for MessageDto {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id,
            conversation_id: m.conversation.0,
            auteur: m.auteur.into(),
            texte: m.texte.clone(),
            le: m.le,
        }
    }
}

/// Opening a conversation: a patient names the praticien, a praticien the patient.
#[derive(Debug, Clone, Object)]
pub struct OuvertureConversation {
    /// The praticien (when a patient opens it).
    pub praticien_id: Option<Uuid>,
    /// The patient (when a praticien opens it).
    pub patient_id: Option<Uuid>,
}

/// A new message.
#[derive(Clone, Object)]
pub struct NouveauMessage {
    /// Plain text: trimmed, 1 to 4 000 characters, no control character but a line break.
    pub texte: String,
}

/// Redacted: the text may be medical.
impl std::fmt::Debug for NouveauMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NouveauMessage").finish_non_exhaustive()
    }
}

/// The answer to opening a conversation.
#[derive(Debug, ApiResponse)]
pub enum ConversationOuverte {
    /// It was already open: the same conversation.
    #[oai(status = 200)]
    Existante(Json<ConversationDto>),
    /// Opened.
    #[oai(status = 201)]
    Creee(Json<ConversationDto>, #[oai(header = "Location")] String),
}

/// The answer to sending a message.
#[derive(Debug, ApiResponse)]
pub enum MessageEnvoye {
    /// Recorded, and published to the conversation's event streams.
    #[oai(status = 201)]
    Envoye(Json<MessageDto>),
}

/// The new messages of a conversation, as they are sent.
pub type FluxMessages = EventStream<BoxStream<'static, MessageDto>>;

/// The messagerie API, with the diffusion of new messages to the open streams.
#[derive(Debug)]
pub struct MessagerieApi {
    etat: EtatPartage,
    diffusion: Arc<Diffusion>,
}

impl MessagerieApi {
    /// Over the shared state and its diffusion.
    pub fn new(etat: EtatPartage) -> Self {
        Self {
            diffusion: Arc::clone(&etat.diffusion),
            etat,
        }
    }

    /// The patient's links (read only for a write: reading needs none).
    async fn liens(
        &self,
        action: Action,
        patient: PatientId,
    ) -> Result<(Vec<PraticienId>, Vec<PraticienId>), ErreurApi> {
        if action == Action::Lire {
            return Ok((Vec::new(), Vec::new()));
        }
        self.etat.stocker(move |s| s.liens(patient)).await
    }

    /// Whether `session` may do `action` to the conversation of `patient` and `praticien`.
    async fn autoriser(
        &self,
        session: &Session,
        action: Action,
        patient: PatientId,
        praticien: PraticienId,
    ) -> Result<(), ErreurApi> {
        let (patientele, rdv) = self.liens(action, patient).await?;
        autoriser(
            &session.acteur,
            action,
            &Ressource::Conversation {
                patient,
                praticien,
                liens: Liens {
                    patientele: &patientele,
                    rdv: &rdv,
                },
            },
        )
        .map_err(refus_acces)
    }

    /// The caller, the conversation and the caller's side in it, if it may do `action` to it: 401
    /// anonymous, 404 unknown, 403 for anyone but its two parties (or a write without the link).
    async fn conversation(
        &self,
        jeton: &JetonAcces,
        action: Action,
        id: Uuid,
    ) -> Result<(Session, Conversation, Partie), ErreurApi> {
        let session = self.etat.session(jeton).await?;
        let id = ConversationId(id);
        let conversation = self
            .etat
            .stocker(move |s| s.conversation(id))
            .await?
            .ok_or_else(|| ErreurApi::introuvable("conversation"))?;
        self.autoriser(&session, action, conversation.patient, conversation.praticien)
            .await?;
        let partie = membre(&session.acteur)
            .and_then(|m| conversation.partie_de(m))
            .ok_or_else(|| ErreurApi::interne("partie d'une conversation autorisée introuvable"))?;
        Ok((session, conversation, partie))
    }
}

/// The caller as a member of the messagerie: a patient or a praticien.
fn membre(acteur: &Acteur) -> Option<Membre> {
    match *acteur {
        Acteur::Patient { id } => Some(Membre::Patient(id)),
        Acteur::Praticien { id } => Some(Membre::Praticien(id)),
        _ => None,
    }
}

/// 403 for a role that has no messagerie (personnel, admin).
fn sans_messagerie(acteur: &Acteur) -> ErreurApi {
    refus_acces(Refus::RoleNonAutorise {
        role: acteur.role(),
        ressource: "conversation",
    })
}

/// 422 `champ_invalide` naming the field a caller of this role must give.
fn champ_attendu(champ: &str) -> ErreurApi {
    ErreurApi::new(422, "champ_invalide", format!("{champ} : obligatoire, et seul"))
}

#[OpenApi(tag = "ApiTag::Messagerie")]
impl MessagerieApi {
    /// The caller's conversations
    ///
    /// A patient's or a praticien's conversations, the latest activity first, each with the other
    /// party's name, its last activity and the caller's unread count. `limit` (1 to 100, default 20) and
    /// `cursor` as every list. Personnel and admin: 403.
    #[oai(path = "/conversations", method = "get", operation_id = "conversations")]
    async fn conversations(
        &self,
        jeton: JetonAcces,
        limit: Query<Option<u32>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<PageConversations>, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let membre = membre(&session.acteur).ok_or_else(|| sans_messagerie(&session.acteur))?;
        let limit = limite(limit.0)?;
        let cursor = cursor.0;
        let page = self
            .etat
            .stocker(move |s| s.conversations(membre, cursor.as_deref(), limit))
            .await?;
        // Every item is one of the caller's: the rules agree, and are asked all the same.
        let items = page
            .items
            .into_iter()
            .filter(|r| {
                autoriser(
                    &session.acteur,
                    Action::Lire,
                    &Ressource::Conversation {
                        patient: r.conversation.patient,
                        praticien: r.conversation.praticien,
                        liens: Liens::default(),
                    },
                )
                .is_ok()
            })
            .map(ConversationDto::from)
            .collect();
        Ok(Json(PageConversations {
            items,
            next_cursor: page.next_cursor,
        }))
    }

    /// Open a conversation
    ///
    /// A patient gives `praticien_id`, a praticien `patient_id`; the praticien must be linked to the
    /// patient (patientèle or a rdv), otherwise 403 `patient_non_relie`. One conversation per pair:
    /// opening it again answers the same one (200), a new one is 201 with its `Location`. Personnel and
    /// admin: 403.
    #[oai(
        path = "/conversations",
        method = "post",
        operation_id = "ouvrir_conversation"
    )]
    async fn ouvrir(
        &self,
        jeton: JetonAcces,
        corps: Json<OuvertureConversation>,
    ) -> Result<ConversationOuverte, ErreurApi> {
        let session = self.etat.session(&jeton).await?;
        let o = corps.0;
        let (patient, praticien) = match (membre(&session.acteur), o.patient_id, o.praticien_id) {
            (Some(Membre::Patient(patient)), None, Some(praticien)) => (patient, PraticienId(praticien)),
            (Some(Membre::Praticien(praticien)), Some(patient), None) => (PatientId(patient), praticien),
            (Some(Membre::Patient(_)), _, _) => return Err(champ_attendu("praticien_id")),
            (Some(Membre::Praticien(_)), _, _) => return Err(champ_attendu("patient_id")),
            (None, _, _) => return Err(sans_messagerie(&session.acteur)),
        };
        self.autoriser(&session, Action::Creer, patient, praticien)
            .await?;
        let pour = membre(&session.acteur)
            .map(Membre::partie)
            .ok_or_else(|| sans_messagerie(&session.acteur))?;
        let maintenant = self.etat.maintenant().trunc_subsecs(3);
        let nouvelle = Conversation {
            id: ConversationId(Uuid::now_v7()),
            patient,
            praticien,
            cree_le: maintenant,
            derniere_activite: maintenant,
        };
        let (resume, creee) = self
            .etat
            .stocker(move |s| s.ouvrir_conversation(&nouvelle, pour))
            .await?;
        let dto = ConversationDto::from(resume);
        if creee {
            tracing::info!(conversation = %dto.id, compte = %session.compte.0, "conversation ouverte");
            let location = format!("/conversations/{}/messages", dto.id);
            Ok(ConversationOuverte::Creee(Json(dto), location))
        } else {
            Ok(ConversationOuverte::Existante(Json(dto)))
        }
    }

    /// A conversation's messages
    ///
    /// The latest first, `limit` (1 to 100, default 20) and `cursor` (towards older messages) as every
    /// list. Reading marks the caller's unread messages read. Its two parties only (403 otherwise, 404
    /// for an unknown conversation).
    #[oai(
        path = "/conversations/:id/messages",
        method = "get",
        operation_id = "messages"
    )]
    async fn messages(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        limit: Query<Option<u32>>,
        cursor: Query<Option<String>>,
    ) -> Result<Json<PageMessages>, ErreurApi> {
        let (_, conversation, partie) = self.conversation(&jeton, Action::Lire, id.0).await?;
        let limit = limite(limit.0)?;
        let cursor = cursor.0;
        let c = conversation.id;
        let page = self
            .etat
            .stocker(move |s| s.lire_messages(c, partie, cursor.as_deref(), limit))
            .await?;
        Ok(Json(PageMessages {
            items: page.items.iter().map(MessageDto::from).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Send a message
    ///
    /// `texte`: plain text, trimmed, 1 to 4 000 characters, no control character but a line break
    /// (otherwise 422 `texte_invalide`). Its two parties only, while the praticien is linked to the
    /// patient (403 `patient_non_relie` once the link is gone). The message is counted unread for the
    /// other party and pushed to the conversation's event streams. When it is the first the other
    /// party has not read, that party is notified (a patient by its preferred channel, a praticien by
    /// mail), without the text, which may be medical.
    #[oai(
        path = "/conversations/:id/messages",
        method = "post",
        operation_id = "envoyer_message"
    )]
    async fn envoyer(
        &self,
        jeton: JetonAcces,
        id: Path<Uuid>,
        corps: Json<NouveauMessage>,
    ) -> Result<MessageEnvoye, ErreurApi> {
        let (session, conversation, partie) = self.conversation(&jeton, Action::Creer, id.0).await?;
        let texte =
            texte(&corps.0.texte).map_err(|e| ErreurApi::new(422, "texte_invalide", e.to_string()))?;
        let message = Message {
            id: Uuid::now_v7(),
            conversation: conversation.id,
            auteur: partie,
            texte,
            le: self.etat.maintenant().trunc_subsecs(3),
        };
        let enregistre = message.clone();
        self.etat.stocker(move |s| s.envoyer_message(&enregistre)).await?;
        tracing::info!(
            conversation = %conversation.id,
            id_message = %message.id,
            compte = %session.compte.0,
            "message envoyé"
        );
        let dto = MessageDto::from(&message);
        self.diffusion.publier(message);
        Ok(MessageEnvoye::Envoye(Json(dto)))
    }

    /// The conversation's new messages, as server-sent events
    ///
    /// `text/event-stream`: each message sent from now on is a `message` event (the SSE default type,
    /// so without an `event:` line) with the message's id as `id:` and its JSON (as `GET …/messages`
    /// lists it) as `data:`, and a keep-alive comment every 15 s. Its two
    /// parties only (403 otherwise, 404 for an unknown conversation). A client that falls more than 64
    /// messages behind is disconnected (and reads what it missed with `GET …/messages`); 503
    /// `trop_de_flux` when the server holds its maximum of streamed conversations, or this conversation
    /// its maximum of 16 open streams.
    #[oai(
        path = "/conversations/:id/events",
        method = "get",
        operation_id = "evenements_conversation"
    )]
    async fn evenements(&self, jeton: JetonAcces, id: Path<Uuid>) -> Result<FluxMessages, ErreurApi> {
        let (_, conversation, _) = self.conversation(&jeton, Action::Lire, id.0).await?;
        let c = conversation.id;
        let recepteur = self
            .diffusion
            .abonner(c)
            .map_err(|e: Sature| ErreurApi::attendre(503, "trop_de_flux", e.to_string(), 5))?;
        let flux = stream::unfold(recepteur, move |mut recepteur| async move {
            match recepteur.recv().await {
                Ok(message) => Some((MessageDto::from(message.as_ref()), recepteur)),
                Err(RecvError::Lagged(perdus)) => {
                    tracing::warn!(conversation = %c, perdus, "flux d'événements en retard : fermé");
                    None
                }
                Err(RecvError::Closed) => None,
            }
        })
        .boxed();
        Ok(EventStream::new(flux)
            .keep_alive(Duration::from_secs(KEEP_ALIVE_SECONDES))
            .to_event(|m| {
                let id = m.id.to_string();
                Event::message(m.to_json_string()).event_type("message").id(id)
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messagerie::TEXTE_LONGUEUR_MAX;

    #[test]
    fn the_text_limit_is_the_documented_one() {
        assert_eq!(TEXTE_LONGUEUR_MAX, 4_000);
        assert_eq!(
            texte(&"a".repeat(TEXTE_LONGUEUR_MAX + 1)).map_err(|e| e.to_string()),
            Err("texte : 4000 caractères au plus".to_owned())
        );
    }

    #[test]
    fn personnel_and_admin_have_no_messagerie() {
        assert_eq!(membre(&Acteur::Admin), None);
        let e = sans_messagerie(&Acteur::Admin);
        assert!(matches!(e, ErreurApi::Interdit(_)));
    }
}

//! The messagerie between a patient and a linked praticien: its entities and the in-process diffusion
//! of new messages to the open event streams (`GET /conversations/{id}/events`).
//!
//! A message's text may be medical: `Debug` of [`Message`] redacts it, and no log line carries it.
//! The diffusion is one `tokio::sync::broadcast` channel per conversation with a listener, made on the
//! first subscription and dropped once nobody listens; at most [`CANAUX_MAX`] channels at once, each
//! holding [`CAPACITE_CANAL`] messages: a listener that falls further behind is dropped (its stream
//! ends), a sender never waits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use domain::ids::{PatientId, PraticienId};
use tokio::sync::broadcast;
use uuid::Uuid;

/// Longest message, in characters (after trimming).
pub const TEXTE_LONGUEUR_MAX: usize = 4_000;
/// Most conversations with an open event stream at once, across the server.
pub const CANAUX_MAX: usize = 10_000;
/// Most event streams open at once on one conversation (its two parties, a few devices each).
pub const ECOUTES_PAR_CONVERSATION_MAX: usize = 16;
/// Messages a conversation's channel holds for a listener that has not read them yet; a listener
/// further behind is dropped.
pub const CAPACITE_CANAL: usize = 64;

/// A conversation's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(pub Uuid);

impl std::fmt::Display for ConversationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One of the two sides of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partie {
    /// The patient.
    Patient,
    /// The praticien.
    Praticien,
}

impl Partie {
    /// The other side.
    pub fn autre(self) -> Self {
        match self {
            Partie::Patient => Partie::Praticien,
            Partie::Praticien => Partie::Patient,
        }
    }
}

/// Who lists their conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membre {
    /// A patient.
    Patient(PatientId),
    /// A praticien.
    Praticien(PraticienId),
}

impl Membre {
    /// Its side in its conversations.
    pub fn partie(self) -> Partie {
        match self {
            Membre::Patient(_) => Partie::Patient,
            Membre::Praticien(_) => Partie::Praticien,
        }
    }
}

/// A conversation between a patient and a praticien (one per pair).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// Its patient.
    pub patient: PatientId,
    /// Its praticien.
    pub praticien: PraticienId,
    /// When it was opened.
    pub cree_le: DateTime<Utc>,
    /// Its last message, or its opening while it has none.
    pub derniere_activite: DateTime<Utc>,
}

impl Conversation {
    /// The side `membre` holds in it, if it is one of its two parties.
    pub fn partie_de(&self, membre: Membre) -> Option<Partie> {
        match membre {
            Membre::Patient(id) if id == self.patient => Some(Partie::Patient),
            Membre::Praticien(id) if id == self.praticien => Some(Partie::Praticien),
            _ => None,
        }
    }
}

/// A conversation as one of its parties lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeConversation {
    /// The conversation.
    pub conversation: Conversation,
    /// The other party's name, as shown (`Dr Anaïs Lefèvre`, `Jean Martin`).
    pub interlocuteur: String,
    /// Messages of the other party the lister has not read.
    pub non_lus: u32,
}

/// A message. `Debug` redacts the text, which may be medical.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// Its id (UUID v7).
    pub id: Uuid,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Who wrote it.
    pub auteur: Partie,
    /// Plain text, trimmed, 1 to [`TEXTE_LONGUEUR_MAX`] characters.
    pub texte: String,
    /// When it was sent (to the millisecond).
    pub le: DateTime<Utc>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("conversation", &self.conversation)
            .field("auteur", &self.auteur)
            .field("le", &self.le)
            .finish_non_exhaustive()
    }
}

/// Why a message's text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TexteInvalide {
    /// Nothing left once trimmed.
    #[error("texte : vide")]
    Vide,
    /// Longer than [`TEXTE_LONGUEUR_MAX`] characters.
    #[error("texte : {TEXTE_LONGUEUR_MAX} caractères au plus")]
    TropLong,
    /// A control character other than a line break.
    #[error("texte : caractère de contrôle interdit (seul le retour à la ligne est permis)")]
    Controle,
}

/// A message's text: `\r\n` read as `\n`, trimmed, 1 to [`TEXTE_LONGUEUR_MAX`] characters, no control
/// character but `\n`.
pub fn texte(brut: &str) -> Result<String, TexteInvalide> {
    let texte = brut.replace("\r\n", "\n");
    let texte = texte.trim();
    if texte.is_empty() {
        return Err(TexteInvalide::Vide);
    }
    if texte.chars().count() > TEXTE_LONGUEUR_MAX {
        return Err(TexteInvalide::TropLong);
    }
    if texte.chars().any(|c| c.is_control() && c != '\n') {
        return Err(TexteInvalide::Controle);
    }
    Ok(texte.to_owned())
}

/// Every conversation channel is taken ([`CANAUX_MAX`]), or every stream of this conversation
/// ([`ECOUTES_PAR_CONVERSATION_MAX`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("trop de flux d'événements ouverts")]
pub struct Sature;

/// The channels of the conversations someone listens to.
#[derive(Debug, Default)]
pub struct Diffusion {
    canaux: Mutex<HashMap<ConversationId, broadcast::Sender<Arc<Message>>>>,
    /// Set at shutdown: no new stream, and the open ones have ended.
    fermee: std::sync::atomic::AtomicBool,
}

impl Diffusion {
    /// A listener of the conversation's new messages, from now on.
    pub fn abonner(&self, conversation: ConversationId) -> Result<broadcast::Receiver<Arc<Message>>, Sature> {
        let mut canaux = self.canaux.lock().unwrap_or_else(PoisonError::into_inner);
        if self.fermee.load(std::sync::atomic::Ordering::Acquire) {
            return Err(Sature);
        }
        if let Some(canal) = canaux.get(&conversation) {
            if canal.receiver_count() >= ECOUTES_PAR_CONVERSATION_MAX {
                return Err(Sature);
            }
            return Ok(canal.subscribe());
        }
        if canaux.len() >= CANAUX_MAX {
            canaux.retain(|_, canal| canal.receiver_count() > 0);
            if canaux.len() >= CANAUX_MAX {
                return Err(Sature);
            }
        }
        let (canal, recepteur) = broadcast::channel(CAPACITE_CANAL);
        canaux.insert(conversation, canal);
        Ok(recepteur)
    }

    /// Hands a committed message to its conversation's listeners, if any; never waits.
    pub fn publier(&self, message: Message) {
        let mut canaux = self.canaux.lock().unwrap_or_else(PoisonError::into_inner);
        let conversation = message.conversation;
        // No receiver left: nobody listens any more.
        if let Some(canal) = canaux.get(&conversation)
            && canal.send(Arc::new(message)).is_err()
        {
            canaux.remove(&conversation);
        }
    }

    /// Ends every open stream (their channels are dropped: each listener reads the end) and refuses
    /// new ones: the server is stopping.
    pub fn fermer(&self) {
        let mut canaux = self.canaux.lock().unwrap_or_else(PoisonError::into_inner);
        self.fermee.store(true, std::sync::atomic::Ordering::Release);
        canaux.clear();
    }

    /// Conversations with a channel (for tests).
    pub fn canaux(&self) -> usize {
        self.canaux.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(brut: &str, attendu: Result<&str, TexteInvalide>) {
        assert_eq!(texte(brut).as_deref().map_err(|e| *e), attendu);
    }

    #[test]
    fn a_text_is_trimmed_and_keeps_its_line_breaks() {
        check("  Bonjour,\r\nà demain. ", Ok("Bonjour,\nà demain."));
        check("<b>pas du HTML</b>", Ok("<b>pas du HTML</b>"));
        check(" \n\t ", Err(TexteInvalide::Vide));
        check("a\u{0}b", Err(TexteInvalide::Controle));
        check("a\tb", Err(TexteInvalide::Controle));
        check("a\u{1b}[31m", Err(TexteInvalide::Controle));
    }

    #[test]
    fn a_text_holds_at_most_4000_characters() {
        check(
            &"é".repeat(TEXTE_LONGUEUR_MAX),
            Ok(&"é".repeat(TEXTE_LONGUEUR_MAX)),
        );
        check(&"é".repeat(TEXTE_LONGUEUR_MAX + 1), Err(TexteInvalide::TropLong));
    }

    fn message(conversation: ConversationId) -> Message {
        Message {
            id: Uuid::now_v7(),
            conversation,
            auteur: Partie::Patient,
            texte: "secret médical".to_owned(),
            le: Utc::now(),
        }
    }

    #[test]
    fn the_debug_of_a_message_hides_its_text() {
        let m = message(ConversationId(Uuid::nil()));
        assert!(!format!("{m:?}").contains("secret"));
    }

    #[tokio::test]
    async fn a_listener_gets_the_messages_of_its_conversation_only() {
        let diffusion = Diffusion::default();
        let a = ConversationId(Uuid::from_u128(1));
        let b = ConversationId(Uuid::from_u128(2));
        let mut ecoute = diffusion.abonner(a).unwrap();
        diffusion.publier(message(b));
        let envoye = message(a);
        diffusion.publier(envoye.clone());
        assert_eq!(*ecoute.recv().await.unwrap(), envoye);
        assert!(ecoute.try_recv().is_err());
        assert_eq!(
            diffusion.canaux(),
            1,
            "no channel made for a conversation nobody listens to"
        );
    }

    #[tokio::test]
    async fn a_slow_listener_lags_and_the_sender_never_waits() {
        let diffusion = Diffusion::default();
        let a = ConversationId(Uuid::from_u128(1));
        let mut ecoute = diffusion.abonner(a).unwrap();
        for _ in 0..=CAPACITE_CANAL {
            diffusion.publier(message(a));
        }
        assert!(matches!(
            ecoute.recv().await,
            Err(broadcast::error::RecvError::Lagged(_))
        ));
    }

    #[test]
    fn streams_of_one_conversation_are_bounded() {
        let diffusion = Diffusion::default();
        let a = ConversationId(Uuid::from_u128(1));
        let ecoutes: Vec<_> = (0..ECOUTES_PAR_CONVERSATION_MAX)
            .map(|_| diffusion.abonner(a).unwrap())
            .collect();
        assert_eq!(diffusion.abonner(a).err(), Some(Sature));
        drop(ecoutes);
        assert!(diffusion.abonner(a).is_ok());
    }

    #[tokio::test]
    async fn closing_ends_every_stream_and_refuses_new_ones() {
        let diffusion = Diffusion::default();
        let a = ConversationId(Uuid::from_u128(1));
        let mut ecoute = diffusion.abonner(a).unwrap();
        diffusion.fermer();
        assert!(matches!(
            ecoute.recv().await,
            Err(broadcast::error::RecvError::Closed)
        ));
        assert_eq!(diffusion.abonner(a).err(), Some(Sature));
        assert_eq!(diffusion.canaux(), 0);
    }

    #[test]
    fn a_channel_nobody_listens_to_is_dropped() {
        let diffusion = Diffusion::default();
        let a = ConversationId(Uuid::from_u128(1));
        drop(diffusion.abonner(a).unwrap());
        diffusion.publier(message(a));
        assert_eq!(diffusion.canaux(), 0);
    }
}

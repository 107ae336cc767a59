//! The messagerie's tables: conversations ([`CONVERSATIONS`], one per (patient, praticien) pair through
//! [`CONVERSATIONS_PAR_PARTIES`]), each party's listing by last activity, the messages keyed by
//! (conversation, instant, id) and the unread counts ([`NON_LUS`]).
//!
//! A listing reads one party's index range, a page of messages one conversation's range, the latest
//! first, a page at most: no request reads another party's data nor a whole history.

use std::ops::Bound::{Excluded, Included};

use redb::{ReadableTable as _, Table, WriteTransaction};
use uuid::Uuid;

use super::RedbStore;
use super::lecture::{self, lire, lire_reference};
use crate::messagerie::{Conversation, ConversationId, Membre, Message, Partie, ResumeConversation};
use crate::store::records::Record;
use crate::store::records::{
    ConversationV1, MessageV1, PartieV1, PatientV2, PraticienV1, SujetNotificationV2, instant, millis,
};
use crate::store::tables::{
    CONVERSATIONS, CONVERSATIONS_PAR_PARTIES, CONVERSATIONS_PAR_PATIENT, CONVERSATIONS_PAR_PRATICIEN,
    MESSAGES, NON_LUS, PATIENTS, PRATICIENS,
};
use crate::store::{Page, StoreError};

impl From<Partie> for PartieV1 {
    fn from(p: Partie) -> Self {
        match p {
            Partie::Patient => PartieV1::Patient,
            Partie::Praticien => PartieV1::Praticien,
        }
    }
}

impl From<PartieV1> for Partie {
    fn from(p: PartieV1) -> Self {
        match p {
            PartieV1::Patient => Partie::Patient,
            PartieV1::Praticien => Partie::Praticien,
        }
    }
}

/// The party's key in [`NON_LUS`].
fn code(p: Partie) -> u8 {
    match p {
        Partie::Patient => 0,
        Partie::Praticien => 1,
    }
}

impl From<&Conversation> for ConversationV1 {
    fn from(c: &Conversation) -> Self {
        Self {
            id: c.id.0.as_u128(),
            patient: c.patient.0.as_u128(),
            praticien: c.praticien.0.as_u128(),
            cree_le: millis(c.cree_le),
            derniere_activite: millis(c.derniere_activite),
        }
    }
}

impl TryFrom<ConversationV1> for Conversation {
    type Error = StoreError;

    fn try_from(r: ConversationV1) -> Result<Self, StoreError> {
        Ok(Self {
            id: ConversationId(Uuid::from_u128(r.id)),
            patient: domain::ids::PatientId(Uuid::from_u128(r.patient)),
            praticien: domain::ids::PraticienId(Uuid::from_u128(r.praticien)),
            cree_le: instant(r.cree_le)?,
            derniere_activite: instant(r.derniere_activite)?,
        })
    }
}

impl From<&Message> for MessageV1 {
    fn from(m: &Message) -> Self {
        Self {
            id: m.id.as_u128(),
            conversation: m.conversation.0.as_u128(),
            auteur: m.auteur.into(),
            texte: m.texte.clone(),
            le: millis(m.le),
        }
    }
}

impl TryFrom<MessageV1> for Message {
    type Error = StoreError;

    fn try_from(r: MessageV1) -> Result<Self, StoreError> {
        Ok(Self {
            id: Uuid::from_u128(r.id),
            conversation: ConversationId(Uuid::from_u128(r.conversation)),
            auteur: r.auteur.into(),
            texte: r.texte,
            le: instant(r.le)?,
        })
    }
}

/// What a listing reads beside the conversation, in a read or a write transaction.
trait Lecteur {
    /// The other party's name, as the one on side `pour` sees it.
    fn interlocuteur(&self, c: &ConversationV1, pour: Partie) -> Result<String, StoreError>;
    /// The unread count of side `pour` in conversation `c`.
    fn non_lus(&self, c: u128, pour: Partie) -> Result<u32, StoreError>;
}

macro_rules! lecteur {
    ($txn:ty) => {
        impl Lecteur for $txn {
            fn interlocuteur(&self, c: &ConversationV1, pour: Partie) -> Result<String, StoreError> {
                Ok(match pour {
                    Partie::Patient => {
                        let p: PraticienV1 = lire_reference(&self.open_table(PRATICIENS)?, c.praticien)?;
                        match p.titre {
                            Some(titre) => format!("{titre} {} {}", p.prenom, p.nom),
                            None => format!("{} {}", p.prenom, p.nom),
                        }
                    }
                    Partie::Praticien => {
                        let p: PatientV2 = lire_reference(&self.open_table(PATIENTS)?, c.patient)?;
                        format!("{} {}", p.prenom, p.nom)
                    }
                })
            }

            fn non_lus(&self, c: u128, pour: Partie) -> Result<u32, StoreError> {
                Ok(self
                    .open_table(NON_LUS)?
                    .get((c, code(pour)))?
                    .map_or(0, |v| v.value()))
            }
        }
    };
}

lecteur!(redb::ReadTransaction);
lecteur!(WriteTransaction);

/// Moves the conversation's entries in both parties' listings from `avant` to its current activity.
fn reindexer(txn: &WriteTransaction, c: &ConversationV1, avant: Option<i64>) -> Result<(), StoreError> {
    let mut par_patient: Table<'_, (u128, i64, u128), ()> = txn.open_table(CONVERSATIONS_PAR_PATIENT)?;
    let mut par_praticien: Table<'_, (u128, i64, u128), ()> = txn.open_table(CONVERSATIONS_PAR_PRATICIEN)?;
    if let Some(avant) = avant {
        par_patient.remove((c.patient, avant, c.id))?;
        par_praticien.remove((c.praticien, avant, c.id))?;
    }
    par_patient.insert((c.patient, c.derniere_activite, c.id), ())?;
    par_praticien.insert((c.praticien, c.derniere_activite, c.id), ())?;
    Ok(())
}

impl RedbStore {
    /// [`crate::store::Stockage::ouvrir_conversation`].
    pub(super) fn ecrire_conversation(
        &self,
        nouvelle: &Conversation,
        pour: Partie,
    ) -> Result<(ResumeConversation, bool), StoreError> {
        let record = ConversationV1::from(nouvelle);
        self.ecrire(|txn| {
            if txn.open_table(PATIENTS)?.get(record.patient)?.is_none() {
                return Err(StoreError::Introuvable("patient"));
            }
            if txn.open_table(PRATICIENS)?.get(record.praticien)?.is_none() {
                return Err(StoreError::Introuvable("praticien"));
            }
            let mut par_parties = txn.open_table(CONVERSATIONS_PAR_PARTIES)?;
            let existante = par_parties
                .get((record.patient, record.praticien))?
                .map(|v| v.value());
            let (record, nouvelle) = match existante {
                Some(id) => (lire_reference(&txn.open_table(CONVERSATIONS)?, id)?, false),
                None => {
                    par_parties.insert((record.patient, record.praticien), record.id)?;
                    let mut conversations = txn.open_table(CONVERSATIONS)?;
                    if conversations.get(record.id)?.is_some() {
                        return Err(StoreError::Interne(format!(
                            "conversation {} déjà enregistrée",
                            nouvelle.id
                        )));
                    }
                    conversations.insert(record.id, Record::encoder(&record)?)?;
                    reindexer(txn, &record, None)?;
                    (record.clone(), true)
                }
            };
            let resume = ResumeConversation {
                interlocuteur: txn.interlocuteur(&record, pour)?,
                non_lus: txn.non_lus(record.id, pour)?,
                conversation: Conversation::try_from(record)?,
            };
            Ok((resume, nouvelle))
        })
    }

    /// [`crate::store::Stockage::conversation`].
    pub(super) fn lire_conversation(&self, id: ConversationId) -> Result<Option<Conversation>, StoreError> {
        self.lire(|txn| {
            lire(&txn.open_table(CONVERSATIONS)?, id.0.as_u128())?
                .map(Conversation::try_from)
                .transpose()
        })
    }

    /// [`crate::store::Stockage::conversations`].
    pub(super) fn lire_conversations(
        &self,
        membre: Membre,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<ResumeConversation>, StoreError> {
        let apres: Option<(i64, u128)> = cursor.map(lecture::position).transpose()?;
        let (index, qui) = match membre {
            Membre::Patient(id) => (CONVERSATIONS_PAR_PATIENT, id.0.as_u128()),
            Membre::Praticien(id) => (CONVERSATIONS_PAR_PRATICIEN, id.0.as_u128()),
        };
        let pour = membre.partie();
        self.lire(|txn| {
            let haut = match apres {
                Some((le, id)) => Excluded((qui, le, id)),
                None => Included((qui, i64::MAX, u128::MAX)),
            };
            let mut cles = Vec::with_capacity(limit + 1);
            for entree in txn
                .open_table(index)?
                .range((Included((qui, i64::MIN, 0u128)), haut))?
                .rev()
                .take(limit + 1)
            {
                cles.push(entree?.0.value());
            }
            let next_cursor = lecture::couper(&mut cles, limit, |&(_, le, id)| (le, id))?;
            let conversations = txn.open_table(CONVERSATIONS)?;
            let mut items = Vec::with_capacity(cles.len());
            for (_, _, id) in cles {
                let record: ConversationV1 = lire_reference(&conversations, id)?;
                items.push(ResumeConversation {
                    interlocuteur: txn.interlocuteur(&record, pour)?,
                    non_lus: txn.non_lus(id, pour)?,
                    conversation: Conversation::try_from(record)?,
                });
            }
            Ok(Page { items, next_cursor })
        })
    }

    /// [`crate::store::Stockage::envoyer_message`].
    pub(super) fn ecrire_message(&self, message: &Message) -> Result<(), StoreError> {
        let record = MessageV1::from(message);
        self.ecrire(|txn| {
            let mut conversations = txn.open_table(CONVERSATIONS)?;
            let mut conversation: ConversationV1 =
                lire(&conversations, record.conversation)?.ok_or(StoreError::Introuvable("conversation"))?;
            let mut messages = txn.open_table(MESSAGES)?;
            let cle = (record.conversation, record.le, record.id);
            if messages.get(cle)?.is_some() {
                return Err(StoreError::Interne(format!(
                    "message {} déjà enregistré",
                    message.id
                )));
            }
            messages.insert(cle, Record::encoder(&record)?)?;

            let avant = conversation.derniere_activite;
            // A listing stays in send order even if the clock stepped back.
            conversation.derniere_activite = avant.max(record.le);
            conversations.insert(conversation.id, Record::encoder(&conversation)?)?;
            reindexer(txn, &conversation, Some(avant))?;

            let mut non_lus = txn.open_table(NON_LUS)?;
            non_lus.insert((conversation.id, code(message.auteur)), 0)?;
            let autre = (conversation.id, code(message.auteur.autre()));
            let deja = non_lus.get(autre)?.map_or(0, |v| v.value());
            non_lus.insert(autre, deja.saturating_add(1))?;
            // The other party is told once per unread run, not once per message: the first unread one.
            if deja == 0 {
                let sujet = SujetNotificationV2::NouveauMessage {
                    conversation: conversation.id,
                    destinataire: PartieV1::from(message.auteur.autre()),
                };
                super::outbox::enfiler(
                    txn,
                    Uuid::now_v7(),
                    conversation.patient,
                    sujet,
                    record.le,
                    record.le,
                )?;
            }
            Ok(())
        })
    }

    /// [`crate::store::Stockage::lire_messages`]: the page in a read transaction, then, if the reader
    /// had unread messages, a write transaction that subtracts what it saw.
    pub(super) fn lire_page_messages(
        &self,
        conversation: ConversationId,
        lecteur: Partie,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page<Message>, StoreError> {
        let apres: Option<(i64, u128)> = cursor.map(lecture::position).transpose()?;
        let c = conversation.0.as_u128();
        let (page, vus) = self.lire(|txn| {
            if txn.open_table(CONVERSATIONS)?.get(c)?.is_none() {
                return Err(StoreError::Introuvable("conversation"));
            }
            let vus = txn.non_lus(c, lecteur)?;
            let haut = match apres {
                Some((le, id)) => Excluded((c, le, id)),
                None => Included((c, i64::MAX, u128::MAX)),
            };
            let mut items = Vec::with_capacity(limit + 1);
            for entree in txn
                .open_table(MESSAGES)?
                .range((Included((c, i64::MIN, 0u128)), haut))?
                .rev()
                .take(limit + 1)
            {
                items.push(entree?.1.value().decoder()?);
            }
            let next_cursor = lecture::couper(&mut items, limit, |m| (m.le, m.id))?;
            let items = items
                .into_iter()
                .map(Message::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            Ok((Page { items, next_cursor }, vus))
        })?;
        if vus > 0 {
            self.ecrire(|txn| {
                let mut non_lus = txn.open_table(NON_LUS)?;
                let cle = (c, code(lecteur));
                let maintenant = non_lus.get(cle)?.map_or(0, |v| v.value());
                non_lus.insert(cle, maintenant.saturating_sub(vus))?;
                Ok(())
            })?;
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};
    use domain::ids::{PatientId, PraticienId};

    use chrono::NaiveDate;
    use domain::horaires::Horaires;
    use domain::identifiants::{Email, Rpps, Telephone};
    use domain::ids::StructureId;
    use domain::reglages::Reglages;
    use domain::specialite::Specialite;
    use domain::temps::Fuseau;

    use super::*;
    use crate::modele::{Canal, Compte, CompteId, Patient, Praticien, Role, Structure, TypeStructure};
    use crate::store::Stockage as _;

    fn compte(email: &Email, role: Role) -> Compte {
        Compte {
            id: CompteId(Uuid::now_v7()),
            email: email.clone(),
            mot_de_passe_hash: "$argon2id$v=19$factice".to_owned(),
            role,
            cree_le: t("2026-01-01T00:00:00Z"),
        }
    }

    /// A fresh store with one patient and one praticien.
    fn magasin_avec_patient_et_praticien() -> (tempfile::TempDir, RedbStore, PatientId, PraticienId) {
        let dossier = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dossier.path()).unwrap();
        let structure = Structure {
            id: StructureId(Uuid::now_v7()),
            nom: "Maison médicale".to_owned(),
            type_structure: TypeStructure::MaisonMedicale,
            adresse: "1 rue de la Paix".to_owned(),
            code_postal: "54000".to_owned(),
            ville: "Nancy".to_owned(),
            telephone: Telephone::parse("03 83 00 00 00").unwrap(),
            fuseau: Fuseau::PARIS,
        };
        store.creer_structure(&structure).unwrap();
        let rpps = (0..10)
            .find_map(|cle| Rpps::parse(&format!("1000000001{cle}")).ok())
            .unwrap();
        let praticien = Praticien {
            id: PraticienId(Uuid::now_v7()),
            rpps,
            nom: "Lefèvre".to_owned(),
            prenom: "Anaïs".to_owned(),
            titre: Some("Dr".to_owned()),
            email: Email::parse("anais@exemple.fr").unwrap(),
            specialites: vec![Specialite::MEDECINE_GENERALE],
            structures: vec![structure.id],
            honoraires: Vec::new(),
            motifs: Vec::new(),
            durees: Vec::new(),
            moyens_paiement: Vec::new(),
            nouveaux_patients: true,
            horaires: Horaires::default(),
            reglages: Reglages::default(),
        };
        store
            .creer_praticien(
                &compte(&praticien.email, Role::Praticien(praticien.id)),
                &praticien,
            )
            .unwrap();
        let patient = Patient {
            id: PatientId(Uuid::now_v7()),
            nom: "Martin".to_owned(),
            prenom: "Lucas".to_owned(),
            date_naissance: NaiveDate::from_ymd_opt(1988, 4, 17).unwrap(),
            email: Email::parse("lucas@exemple.fr").unwrap(),
            telephones: Vec::new(),
            nir: None,
            adresse: None,
            medecin_traitant: None,
            canal_prefere: Canal::Email,
        };
        store
            .creer_patient(&compte(&patient.email, Role::Patient(patient.id)), &patient)
            .unwrap();
        (dossier, store, patient.id, praticien.id)
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn conversation(patient: PatientId, praticien: PraticienId) -> Conversation {
        Conversation {
            id: ConversationId(Uuid::now_v7()),
            patient,
            praticien,
            cree_le: t("2026-03-02T09:00:00Z"),
            derniere_activite: t("2026-03-02T09:00:00Z"),
        }
    }

    fn message(c: ConversationId, auteur: Partie, le: DateTime<Utc>) -> Message {
        Message {
            id: Uuid::now_v7(),
            conversation: c,
            auteur,
            texte: "Bonjour".to_owned(),
            le,
        }
    }

    #[test]
    fn opening_twice_answers_the_same_conversation() {
        let (_dir, store, patient, praticien) = magasin_avec_patient_et_praticien();
        let (premiere, nouvelle) = store
            .ouvrir_conversation(&conversation(patient, praticien), Partie::Patient)
            .unwrap();
        assert!(nouvelle);
        assert_eq!(premiere.interlocuteur, "Dr Anaïs Lefèvre");
        let (seconde, nouvelle) = store
            .ouvrir_conversation(&conversation(patient, praticien), Partie::Praticien)
            .unwrap();
        assert!(!nouvelle);
        assert_eq!(premiere.conversation, seconde.conversation);
        assert_eq!(seconde.interlocuteur, "Lucas Martin");
    }

    #[test]
    fn unread_counts_follow_sends_and_reads() {
        let (_dir, store, patient, praticien) = magasin_avec_patient_et_praticien();
        let (resume, _) = store
            .ouvrir_conversation(&conversation(patient, praticien), Partie::Patient)
            .unwrap();
        let c = resume.conversation.id;
        let debut = t("2026-03-02T10:00:00Z");
        for i in 0..3 {
            store
                .envoyer_message(&message(c, Partie::Patient, debut + Duration::minutes(i)))
                .unwrap();
        }
        let non_lus = |m| store.conversations(m, None, 10).unwrap().items[0].non_lus;
        assert_eq!(non_lus(Membre::Praticien(praticien)), 3);
        assert_eq!(non_lus(Membre::Patient(patient)), 0);

        let page = store.lire_messages(c, Partie::Praticien, None, 2).unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[0].le, debut + Duration::minutes(2), "latest first");
        let suite = store
            .lire_messages(c, Partie::Praticien, page.next_cursor.as_deref(), 2)
            .unwrap();
        assert_eq!(suite.items.len(), 1);
        assert_eq!(suite.next_cursor, None);
        assert_eq!(non_lus(Membre::Praticien(praticien)), 0);

        let (resume, _) = store
            .ouvrir_conversation(&conversation(patient, praticien), Partie::Praticien)
            .unwrap();
        assert_eq!(
            resume.conversation.derniere_activite,
            debut + Duration::minutes(2)
        );
    }

    #[test]
    fn a_message_to_an_unknown_conversation_is_refused() {
        let (_dir, store, _, _) = magasin_avec_patient_et_praticien();
        let m = message(
            ConversationId(Uuid::now_v7()),
            Partie::Patient,
            t("2026-03-02T10:00:00Z"),
        );
        assert!(matches!(
            store.envoyer_message(&m),
            Err(StoreError::Introuvable("conversation"))
        ));
    }
}

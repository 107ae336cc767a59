//! Notifications: the worker that delivers the outbox ([`crate::store::redb::outbox`]) by mail
//! ([`mail`], SMTP) or SMS ([`sms`], an HTTP webhook), with the French texts of [`textes`].
//!
//! # Delivery
//! Every change a patient must hear of writes its notification in the same redb transaction as the
//! change, so none is lost. One tokio task ([`demarrer`]) reads the due rows in order, at most
//! [`LOT_MAX`] at a time, woken by the store after each commit and every [`SONDAGE_MAX`] at least
//! (retries and reminders fall due with time). Each row goes to the patient's `canal_prefere` (SMS
//! needs a phone number, else mail); a row whose channel is not configured waits
//! ([`REPORT_NON_CONFIGURE`]) without counting an attempt.
//!
//! A failed attempt is retried after `base × 2^n` (base [`DELAI_BASE`], or `TOUBEELIB_OUTBOX_RETRY_MS`
//! for tests), capped at `base ×` [`PLAFOND_FACTEUR`] (one hour by default); after
//! [`TENTATIVES_MAX`] attempts the row is marked failed and logged.
//!
//! # At least once
//! A row is marked sent, in a write transaction, once its channel has accepted it (SMTP `250` after
//! `DATA`, HTTP 2xx). Exactly once towards a channel is impossible in general: a crash between the
//! acceptance and that commit sends the row once more after the restart. The mail's `Message-ID` is
//! made from the notification's id, so a receiver can drop the duplicate; a row marked sent is never
//! read again.
//!
//! Error policy: a delivery error is the channel's answer or the I/O error, logged with the
//! notification id, never with an address, a phone number or a secret of the channel's URL.

pub mod mail;
pub mod sms;
pub mod textes;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::config::Config;
use crate::modele::Canal;
use crate::store::Stockage;

/// Base delay of the exponential backoff.
pub const DELAI_BASE: Duration = Duration::from_secs(5);
/// The longest backoff, as a multiple of the base (5 s × 720 = 1 h).
pub const PLAFOND_FACTEUR: u32 = 720;
/// Attempts after which a notification is given up (marked failed).
pub const TENTATIVES_MAX: u32 = 16;
/// Most rows delivered per read of the outbox.
pub const LOT_MAX: usize = 64;
/// Longest sleep between two reads of the outbox (retries and reminders fall due with time).
pub const SONDAGE_MAX: Duration = Duration::from_secs(30);
/// How long a row whose channel is not configured waits before it is looked at again.
pub const REPORT_NON_CONFIGURE: Duration = Duration::from_secs(60);
/// Bounds of `TOUBEELIB_OUTBOX_RETRY_MS` (a test setting: short retries).
pub const DELAI_BASE_MS_BORNES: (u64, u64) = (10, 60_000);

/// A notification the worker may send: its id, its attempts so far, and what to send.
#[derive(Debug, Clone)]
pub struct NotificationDue {
    /// Its id (the mail's Message-ID is made from it).
    pub id: Uuid,
    /// Attempts made so far.
    pub tentatives: u32,
    /// What to send, or why not.
    pub contenu: Contenu,
}

/// What a due notification holds once resolved against the store.
#[derive(Debug, Clone)]
pub enum Contenu {
    /// A message to send.
    Message(Box<Message>),
    /// Nothing to send any more (a reminder of a cancelled or moved rdv, an unknown patient): why.
    Caduque(&'static str),
    /// The row cannot be read: given up at once, with the reason.
    Invalide(String),
}

/// A message: to whom, about what.
#[derive(Debug, Clone)]
pub struct Message {
    /// The patient.
    pub destinataire: Destinataire,
    /// What it tells.
    pub objet: Objet,
}

/// The patient a notification goes to.
#[derive(Clone)]
pub struct Destinataire {
    /// Given name.
    pub prenom: String,
    /// Family name.
    pub nom: String,
    /// Email.
    pub email: String,
    /// Main phone (E.164), if any.
    pub telephone: Option<String>,
    /// Preferred channel.
    pub canal: Canal,
}

impl std::fmt::Debug for Destinataire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Destinataire")
            .field("canal", &self.canal)
            .finish_non_exhaustive()
    }
}

/// What a message tells.
#[derive(Debug, Clone)]
pub enum Objet {
    /// A document is available in the patient's space (never which one, nor its content).
    DocumentDisponible,
    /// A rdv was booked, moved, cancelled, or is near.
    Rdv {
        /// Which change.
        evenement: EvenementRdv,
        /// The rdv as the change left it.
        rdv: RdvNotifie,
    },
    /// A créneau of the waiting list is held for the patient.
    OffreAttente {
        /// The créneau.
        rdv: RdvNotifie,
        /// End of the hold.
        expire_le: DateTime<Utc>,
    },
    /// A message awaits the recipient in the messagerie (never its text, which may be medical).
    NouveauMessage {
        /// Its author: "Dr Prénom Nom" for a praticien, "Prénom Nom" for a patient.
        de: String,
    },
}

/// Which change of a rdv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvenementRdv {
    /// Booked.
    Reserve,
    /// Moved.
    Deplace,
    /// Cancelled.
    Annule,
    /// Reminder.
    Rappel,
}

/// A rdv as a text names it (never its motif).
#[derive(Debug, Clone)]
pub struct RdvNotifie {
    /// The rdv's id (the invitation's UID).
    pub id: Uuid,
    /// "Dr Prénom Nom".
    pub praticien: String,
    /// The structure's name.
    pub structure: String,
    /// Its postal address, one line.
    pub adresse: String,
    /// Its time zone (the local date and time of the texts).
    pub fuseau: Tz,
    /// Start.
    pub debut: DateTime<Utc>,
    /// End.
    pub fin: DateTime<Utc>,
    /// Téléconsultation (else présentiel).
    pub teleconsultation: bool,
    /// The invitation's `SEQUENCE`.
    pub sequence: u32,
}

/// How a delivery attempt ended, as the store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// The channel accepted it: never sent again.
    Envoyee,
    /// Failed; try again at `prochain`.
    Reessayer {
        /// When.
        prochain: DateTime<Utc>,
        /// Why it failed.
        erreur: String,
    },
    /// Failed for the last time.
    Echouee {
        /// Why.
        erreur: String,
    },
    /// Not attempted (its channel is not configured): look again at `prochain`.
    Reportee {
        /// When.
        prochain: DateTime<Utc>,
    },
    /// Nothing to send any more.
    Caduque,
}

/// The outbox's depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProfondeurOutbox {
    /// Waiting to be sent (first try or retry).
    pub en_attente: u64,
    /// Given up.
    pub echouees: u64,
}

/// The state of one channel, as `/health` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtatCanal {
    /// No URL given: its notifications stay queued.
    NonConfigure,
    /// Configured; its last attempt (if any) succeeded.
    Ok,
    /// Its last attempt failed, at this instant.
    EnErreur(DateTime<Utc>),
}

/// The channels' states, shared by the worker and `/health`.
#[derive(Debug)]
pub struct Suivi {
    mail: Mutex<EtatCanal>,
    sms: Mutex<EtatCanal>,
}

impl Suivi {
    fn new(mail: bool, sms: bool) -> Self {
        let etat = |c: bool| {
            if c { EtatCanal::Ok } else { EtatCanal::NonConfigure }
        };
        Self {
            mail: Mutex::new(etat(mail)),
            sms: Mutex::new(etat(sms)),
        }
    }

    /// The mail channel's state.
    pub fn mail(&self) -> EtatCanal {
        *self.mail.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The SMS channel's state.
    pub fn sms(&self) -> EtatCanal {
        *self.sms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn noter(&self, canal: Canal, etat: EtatCanal) {
        let verrou = match canal {
            Canal::Email => &self.mail,
            Canal::Sms => &self.sms,
        };
        *verrou.lock().unwrap_or_else(PoisonError::into_inner) = etat;
    }
}

/// Why the notification channels cannot be set up from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ErreurNotifications {
    /// `TOUBEELIB_SMTP_URL` or `TOUBEELIB_MAIL_FROM` is not acceptable.
    #[error("mail: {0}")]
    Mail(String),
    /// `TOUBEELIB_SMS_WEBHOOK_URL` is not acceptable.
    #[error("sms: {0}")]
    Sms(String),
}

/// The configured channels and their states: built at start-up, shared by the worker and `/health`.
pub struct Notifications {
    mail: Option<mail::Courrier>,
    sms: Option<sms::Webhook>,
    delai_base: Duration,
    /// The channels' states.
    pub suivi: Suivi,
}

impl std::fmt::Debug for Notifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifications")
            .field("mail", &self.mail.is_some())
            .field("sms", &self.sms.is_some())
            .field("delai_base", &self.delai_base)
            .finish()
    }
}

impl Notifications {
    /// The channels the configuration names (none: notifications stay queued).
    pub fn depuis(config: &Config) -> Result<Self, ErreurNotifications> {
        // reqwest (rustls without a provider) uses the process-wide one; lettre names ring itself.
        // An `Err` means one is installed already, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mail = match (&config.smtp_url, &config.mail_from) {
            (Some(url), Some(de)) => Some(mail::Courrier::new(&url.0, de)?),
            (Some(_), None) => {
                return Err(ErreurNotifications::Mail(
                    "TOUBEELIB_SMTP_URL demande TOUBEELIB_MAIL_FROM".to_owned(),
                ));
            }
            (None, _) => None,
        };
        let sms = config
            .sms_webhook_url
            .as_ref()
            .map(|url| sms::Webhook::new(&url.0))
            .transpose()?;
        let delai_base = config.outbox_retry_ms.map_or(DELAI_BASE, |ms| {
            Duration::from_millis(ms.clamp(DELAI_BASE_MS_BORNES.0, DELAI_BASE_MS_BORNES.1))
        });
        Ok(Self {
            suivi: Suivi::new(mail.is_some(), sms.is_some()),
            mail,
            sms,
            delai_base,
        })
    }

    /// The delay before attempt `tentatives + 1`, after `tentatives` failed ones (≥ 1).
    pub fn delai(&self, tentatives: u32) -> Duration {
        let facteur = 1u32
            .checked_shl(tentatives.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(PLAFOND_FACTEUR);
        self.delai_base.saturating_mul(facteur)
    }

    /// Sends one message on its channel; `Ok(None)` if that channel is not configured.
    async fn envoyer(&self, id: Uuid, message: &Message) -> (Canal, Option<Result<(), String>>) {
        let canal = match (&message.destinataire.canal, &message.destinataire.telephone) {
            (Canal::Sms, Some(_)) => Canal::Sms,
            _ => Canal::Email,
        };
        let maintenant = crate::horloge::maintenant();
        let resultat = match canal {
            Canal::Email => match &self.mail {
                Some(m) => Some(m.envoyer(id, message, maintenant).await),
                None => None,
            },
            Canal::Sms => match (&self.sms, &message.destinataire.telephone) {
                (Some(s), Some(tel)) => Some(s.envoyer(tel, &textes::sms(&message.objet)).await),
                _ => None,
            },
        };
        (canal, resultat)
    }
}

/// The running worker; [`Travailleur::arreter`] stops it.
#[derive(Debug)]
pub struct Travailleur {
    arret: watch::Sender<bool>,
    tache: Option<JoinHandle<()>>,
}

impl Travailleur {
    /// Asks the worker to stop after the message in hand and waits for it.
    pub async fn arreter(mut self) {
        let _ = self.arret.send(true);
        if let Some(tache) = self.tache.take()
            && let Err(e) = tache.await
        {
            tracing::error!(error = %e, "the notification worker died");
        }
    }
}

/// Starts the worker, unless no channel is configured (then rows stay queued and nothing runs).
pub fn demarrer(store: Arc<dyn Stockage>, notifications: Arc<Notifications>) -> Travailleur {
    let (arret, recu) = watch::channel(false);
    let tache = (notifications.mail.is_some() || notifications.sms.is_some())
        .then(|| tokio::spawn(boucle(store, notifications, recu)));
    Travailleur { arret, tache }
}

async fn boucle(store: Arc<dyn Stockage>, n: Arc<Notifications>, mut arret: watch::Receiver<bool>) {
    let reveil = store.reveil_notifications();
    let sondage = n.delai_base.min(SONDAGE_MAX);
    tracing::info!(
        mail = n.mail.is_some(),
        sms = n.sms.is_some(),
        "notification worker started"
    );
    loop {
        if *arret.borrow() {
            break;
        }
        let s = Arc::clone(&store);
        let lues =
            tokio::task::spawn_blocking(move || s.notifications_dues(crate::horloge::maintenant(), LOT_MAX))
                .await;
        let dues = match lues {
            Ok(Ok(dues)) => dues,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "the outbox cannot be read");
                Vec::new()
            }
            Err(e) => {
                tracing::error!(error = %e, "the outbox read task failed");
                Vec::new()
            }
        };
        let plein = dues.len() == LOT_MAX;
        for due in dues {
            if *arret.borrow() {
                break;
            }
            let issue = traiter(&n, &due).await;
            let s = Arc::clone(&store);
            let id = due.id;
            match tokio::task::spawn_blocking(move || {
                s.marquer_notification(id, issue, crate::horloge::maintenant())
            })
            .await
            {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(notification = %id, error = %e, "the outbox cannot be updated"),
                Err(e) => tracing::error!(notification = %id, error = %e, "the outbox update task failed"),
            }
        }
        if plein {
            continue;
        }
        tokio::select! {
            () = reveil.notified() => {}
            () = tokio::time::sleep(sondage) => {}
            _ = arret.changed() => {}
        }
    }
    tracing::info!("notification worker stopped");
}

/// One attempt at one notification, and what the store must record of it.
async fn traiter(n: &Notifications, due: &NotificationDue) -> Issue {
    let message = match &due.contenu {
        Contenu::Message(m) => m,
        Contenu::Caduque(raison) => {
            tracing::info!(notification = %due.id, raison, "notification voided");
            return Issue::Caduque;
        }
        Contenu::Invalide(erreur) => {
            tracing::error!(notification = %due.id, error = %erreur, "notification unreadable, given up");
            return Issue::Echouee {
                erreur: erreur.clone(),
            };
        }
    };
    let (canal, resultat) = n.envoyer(due.id, message).await;
    let maintenant = crate::horloge::maintenant();
    match resultat {
        None => Issue::Reportee {
            prochain: maintenant + REPORT_NON_CONFIGURE,
        },
        Some(Ok(())) => {
            n.suivi.noter(canal, EtatCanal::Ok);
            tracing::info!(notification = %due.id, ?canal, "notification sent");
            Issue::Envoyee
        }
        Some(Err(erreur)) => {
            n.suivi.noter(canal, EtatCanal::EnErreur(maintenant));
            let tentatives = due.tentatives.saturating_add(1);
            if tentatives >= TENTATIVES_MAX {
                tracing::error!(notification = %due.id, ?canal, tentatives, error = %erreur, "notification given up");
                Issue::Echouee { erreur }
            } else {
                let delai = n.delai(tentatives);
                tracing::warn!(notification = %due.id, ?canal, tentatives, retry_ms = delai.as_millis(), error = %erreur, "notification not sent, will retry");
                Issue::Reessayer {
                    prochain: maintenant
                        + chrono::Duration::from_std(delai).unwrap_or(chrono::Duration::hours(1)),
                    erreur,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notifications(base_ms: u64) -> Notifications {
        Notifications {
            mail: None,
            sms: None,
            delai_base: Duration::from_millis(base_ms),
            suivi: Suivi::new(false, false),
        }
    }

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let n = notifications(5_000);
        assert_eq!(n.delai(1), Duration::from_secs(5));
        assert_eq!(n.delai(2), Duration::from_secs(10));
        assert_eq!(n.delai(5), Duration::from_secs(80));
        assert_eq!(n.delai(11), Duration::from_secs(3600));
        assert_eq!(n.delai(TENTATIVES_MAX), Duration::from_secs(3600));
        assert_eq!(n.delai(u32::MAX), Duration::from_secs(3600));
    }
}

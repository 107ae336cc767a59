//! Mail over SMTP (lettre): `smtp://host:port` (plain, for a relay on loopback), `smtp://…?tls=required`
//! (STARTTLS) or `smtps://user:pass@host:port` (implicit TLS, rustls). A message is text and HTML in
//! French, with an iCalendar invitation (METHOD:REQUEST on booking and move, METHOD:CANCEL on
//! cancellation, UID `<rdv id>@toubeelib`) for a rdv's change. Its `Message-ID` is
//! `<notification id@toubeelib>`, the same on every attempt, so a resend after a crash can be dropped.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use uuid::Uuid;

use super::{ErreurNotifications, EvenementRdv, Message, Objet, textes};
use crate::ical::{Calendrier, Evenement, Methode, StatutEvenement};

/// Longest an SMTP exchange may take (connection, each command).
pub const SMTP_DELAI_MAX: Duration = Duration::from_secs(15);

/// The mail channel: one SMTP relay and the sender's address.
pub struct Courrier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    de: Mailbox,
}

impl std::fmt::Debug for Courrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the relay's credentials: never shown.
        f.debug_struct("Courrier")
            .field("de", &self.de)
            .finish_non_exhaustive()
    }
}

impl Courrier {
    /// The relay of `url` (which may hold a password: never logged) and the sender `de`.
    pub fn new(url: &str, de: &str) -> Result<Self, ErreurNotifications> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // lettre's error names the URL's problem, not its content.
            .map_err(|e| ErreurNotifications::Mail(format!("TOUBEELIB_SMTP_URL : {e}")))?
            .timeout(Some(SMTP_DELAI_MAX))
            .build();
        let de = de
            .parse::<Mailbox>()
            .map_err(|e| ErreurNotifications::Mail(format!("TOUBEELIB_MAIL_FROM : {e}")))?;
        Ok(Self { transport, de })
    }

    /// Sends `message`; `Ok` once the relay answered `250` to the data.
    pub async fn envoyer(&self, id: Uuid, message: &Message, now: DateTime<Utc>) -> Result<(), String> {
        let courriel = composer(&self.de, id, message, now)?;
        self.transport
            .send(courriel)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp : {e}"))
    }
}

/// The whole message: headers, text and HTML, and the invitation if the subject is a rdv's change.
pub fn composer(
    de: &Mailbox,
    id: Uuid,
    message: &Message,
    now: DateTime<Utc>,
) -> Result<lettre::Message, String> {
    let d = &message.destinataire;
    let adresse = d
        .email
        .parse()
        .map_err(|e| format!("adresse du patient illisible : {e}"))?;
    let a = Mailbox::new(Some(format!("{} {}", d.prenom, d.nom)), adresse);
    let texte = textes::mail(&message.objet, &d.prenom);
    let corps = MultiPart::alternative_plain_html(texte.texte, texte.html);
    let corps = match invitation(&message.objet, now) {
        Some((methode, ics)) => {
            let type_ics = ContentType::parse(&format!(
                "text/calendar; charset=utf-8; method={}",
                match methode {
                    Methode::Cancel => "CANCEL",
                    _ => "REQUEST",
                }
            ))
            .map_err(|e| format!("type de l'invitation : {e}"))?;
            MultiPart::mixed()
                .multipart(corps)
                .singlepart(Attachment::new("rendez-vous.ics".to_owned()).body(ics, type_ics))
        }
        None => corps,
    };
    lettre::Message::builder()
        .from(de.clone())
        .to(a)
        .subject(texte.objet)
        .message_id(Some(format!("<{id}@toubeelib>")))
        .date_now()
        .multipart(corps)
        .map_err(|e| format!("message : {e}"))
}

/// The iCalendar invitation of a rdv's booking, move or cancellation (none for a reminder, a document).
pub fn invitation(objet: &Objet, now: DateTime<Utc>) -> Option<(Methode, String)> {
    let Objet::Rdv { evenement, rdv } = objet else {
        return None;
    };
    let (methode, statut) = match evenement {
        EvenementRdv::Reserve | EvenementRdv::Deplace => (Methode::Request, StatutEvenement::Confirme),
        EvenementRdv::Annule => (Methode::Cancel, StatutEvenement::Annule),
        EvenementRdv::Rappel => return None,
    };
    let calendrier = Calendrier {
        nom: "Toubeelib".to_owned(),
        methode: Some(methode),
        rafraichir_minutes: None,
        evenements: vec![Evenement {
            uid: format!("{}@toubeelib", rdv.id),
            horodatage: now,
            debut: rdv.debut,
            fin: rdv.fin,
            resume: textes::resume_evenement(rdv),
            lieu: Some(textes::lieu(rdv)),
            statut,
            sequence: rdv.sequence,
            modifie_le: Some(now),
        }],
    };
    Some((methode, calendrier.ecrire()))
}

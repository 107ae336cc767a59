//! The French texts of the notifications: subject, text and HTML of a mail, the SMS. They name the
//! praticien, the structure and its address, the local date and time in the structure's time zone and
//! the type; never the motif nor anything medical (a document is "available", never named).

use chrono::{DateTime, Datelike as _, Timelike as _, Utc};
use chrono_tz::Tz;

use super::{EvenementRdv, Objet, RdvNotifie};

/// A mail's texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TexteMail {
    /// Subject.
    pub objet: String,
    /// Plain text body.
    pub texte: String,
    /// HTML body.
    pub html: String,
}

const JOURS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const MOIS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "mardi 14 mai 2025 à 9 h 30", in `fuseau`.
pub fn date_heure_locale(t: DateTime<Utc>, fuseau: Tz) -> String {
    let l = t.with_timezone(&fuseau);
    let jour = JOURS[l.weekday().num_days_from_monday() as usize % 7];
    let mois = MOIS[l.month0() as usize % 12];
    let premier = if l.day() == 1 {
        "1er".to_owned()
    } else {
        l.day().to_string()
    };
    format!(
        "{jour} {premier} {mois} {} à {} h {:02}",
        l.year(),
        l.hour(),
        l.minute()
    )
}

/// "en présentiel" / "en téléconsultation".
fn modalite(rdv: &RdvNotifie) -> &'static str {
    if rdv.teleconsultation {
        "en téléconsultation"
    } else {
        "en présentiel"
    }
}

/// Where: the structure and its address, or a téléconsultation.
pub fn lieu(rdv: &RdvNotifie) -> String {
    if rdv.teleconsultation {
        format!("Téléconsultation ({})", rdv.structure)
    } else {
        format!("{}, {}", rdv.structure, rdv.adresse)
    }
}

/// The invitation's `SUMMARY`.
pub fn resume_evenement(rdv: &RdvNotifie) -> String {
    format!("Rendez-vous avec {}", rdv.praticien)
}

/// The one-sentence statement of the change, without the greeting.
fn phrase(objet: &Objet) -> (String, String) {
    match objet {
        Objet::DocumentDisponible => (
            "Un document est disponible".to_owned(),
            "Un nouveau document est disponible dans votre espace Toubeelib.".to_owned(),
        ),
        Objet::Rdv { evenement, rdv } => {
            let quand = date_heure_locale(rdv.debut, rdv.fuseau);
            let (objet, debut) = match evenement {
                EvenementRdv::Reserve => ("Rendez-vous confirmé", "Votre rendez-vous est confirmé"),
                EvenementRdv::Deplace => ("Rendez-vous déplacé", "Votre rendez-vous a été déplacé"),
                EvenementRdv::Annule => ("Rendez-vous annulé", "Votre rendez-vous a été annulé"),
                EvenementRdv::Rappel => ("Rappel de rendez-vous", "Rappel : vous avez rendez-vous"),
            };
            let au = match evenement {
                EvenementRdv::Deplace => "au",
                _ => "le",
            };
            (
                format!("{objet} : {} le {quand}", rdv.praticien),
                format!(
                    "{debut} avec {} {au} {quand}, {} — {}.",
                    rdv.praticien,
                    modalite(rdv),
                    lieu(rdv)
                ),
            )
        }
        Objet::NouveauMessage { de } => (
            format!("Nouveau message de {de}"),
            format!("{de} vous a écrit. Lisez son message dans la messagerie de votre espace Toubeelib."),
        ),
        Objet::OffreAttente { rdv, expire_le } => {
            let quand = date_heure_locale(rdv.debut, rdv.fuseau);
            let jusqua = date_heure_locale(*expire_le, rdv.fuseau);
            (
                format!("Un créneau s'est libéré avec {}", rdv.praticien),
                format!(
                    "Un créneau s'est libéré avec {} le {quand}, {} — {}. Il vous est réservé jusqu'au \
                     {jusqua} : réservez-le depuis votre espace Toubeelib.",
                    rdv.praticien,
                    modalite(rdv),
                    lieu(rdv)
                ),
            )
        }
    }
}

/// Escapes text for HTML.
fn html(texte: &str) -> String {
    let mut s = String::with_capacity(texte.len());
    for c in texte.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

/// A mail's subject and bodies, for the patient `prenom`.
pub fn mail(objet: &Objet, prenom: &str) -> TexteMail {
    let (sujet, phrase) = phrase(objet);
    let suite = match objet {
        Objet::Rdv {
            evenement: EvenementRdv::Annule,
            ..
        } => "Vous pouvez reprendre rendez-vous depuis votre espace Toubeelib.",
        Objet::Rdv { .. } => {
            "Pour le déplacer ou l'annuler, rendez-vous dans votre espace Toubeelib. L'invitation jointe \
             l'ajoute à votre agenda."
        }
        _ => "",
    };
    let texte = format!(
        "Bonjour {prenom},\n\n{phrase}\n\n{suite}\n\nL'équipe Toubeelib\n(Message automatique, merci de ne \
         pas y répondre.)\n"
    );
    let html = format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{t}</title></head><body>\
         <p>Bonjour {p},</p><p>{ph}</p><p>{s}</p><p>L'équipe Toubeelib<br><small>Message automatique, \
         merci de ne pas y répondre.</small></p></body></html>",
        t = html(&sujet),
        p = html(prenom),
        ph = html(&phrase),
        s = html(suite)
    );
    TexteMail {
        objet: sujet,
        texte,
        html,
    }
}

/// The SMS text (short: the statement only).
pub fn sms(objet: &Objet) -> String {
    format!("Toubeelib : {}", phrase(objet).1)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use uuid::Uuid;

    use super::*;

    fn rdv(teleconsultation: bool) -> RdvNotifie {
        RdvNotifie {
            id: Uuid::nil(),
            praticien: "Dr Claire Martin".to_owned(),
            structure: "Maison médicale des Tilleuls".to_owned(),
            adresse: "3 rue des Tilleuls, 54000 Nancy".to_owned(),
            fuseau: chrono_tz::Europe::Paris,
            debut: Utc
                .with_ymd_and_hms(2025, 3, 30, 7, 30, 0)
                .single()
                .unwrap_or_default(),
            fin: Utc
                .with_ymd_and_hms(2025, 3, 30, 7, 50, 0)
                .single()
                .unwrap_or_default(),
            teleconsultation,
            sequence: 0,
        }
    }

    #[test]
    fn the_local_time_is_the_structures_across_the_dst_change() {
        // 30 March 2025: Paris is at UTC+2 from 01:00 UTC.
        assert_eq!(
            date_heure_locale(rdv(false).debut, chrono_tz::Europe::Paris),
            "dimanche 30 mars 2025 à 9 h 30"
        );
        let janvier = Utc
            .with_ymd_and_hms(2026, 1, 1, 8, 5, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(
            date_heure_locale(janvier, chrono_tz::Europe::Paris),
            "jeudi 1er janvier 2026 à 9 h 05"
        );
    }

    #[test]
    fn a_booking_mail_names_praticien_structure_address_time_and_type() {
        let t = mail(
            &Objet::Rdv {
                evenement: EvenementRdv::Reserve,
                rdv: rdv(false),
            },
            "Léa",
        );
        assert!(t.objet.starts_with("Rendez-vous confirmé"), "{}", t.objet);
        for attendu in [
            "Bonjour Léa",
            "Dr Claire Martin",
            "Maison médicale des Tilleuls",
            "3 rue des Tilleuls, 54000 Nancy",
            "dimanche 30 mars 2025 à 9 h 30",
            "en présentiel",
        ] {
            assert!(t.texte.contains(attendu), "{attendu} absent de {}", t.texte);
            assert!(t.html.contains(&html(attendu)), "{attendu} absent du HTML");
        }
        let tele = sms(&Objet::Rdv {
            evenement: EvenementRdv::Annule,
            rdv: rdv(true),
        });
        assert!(
            tele.contains("annulé") && tele.contains("en téléconsultation"),
            "{tele}"
        );
    }

    #[test]
    fn a_new_message_names_its_author_and_points_to_the_messagerie() {
        let objet = Objet::NouveauMessage {
            de: "Dr Claire Martin".to_owned(),
        };
        let t = mail(&objet, "Léa");
        assert_eq!(t.objet, "Nouveau message de Dr Claire Martin");
        assert!(
            t.texte.contains("Bonjour Léa") && t.texte.contains("messagerie"),
            "{}",
            t.texte
        );
        assert!(sms(&objet).contains("Dr Claire Martin"));
    }
}

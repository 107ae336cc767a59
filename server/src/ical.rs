//! iCalendar (RFC 5545) writing: a calendar of plain [`Evenement`]s turned into text.
//!
//! Small on purpose: what the praticien's planning feed needs, and what an invitation attached to a mail
//! will need (a calendar-level `METHOD`, [`Methode`]). Instants are written in UTC (`…Z`), which every
//! client places correctly in its own time zone without a `VTIMEZONE`. Lines end in CRLF and are folded
//! at [`LIGNE_OCTETS_MAX`] octets, never inside a UTF-8 character; TEXT values are escaped (`\\`, `\;`,
//! `\,`, `\n`) and stripped of other control characters.

use chrono::{DateTime, Utc};

/// Longest content line, in octets, without its CRLF (RFC 5545 §3.1).
pub const LIGNE_OCTETS_MAX: usize = 75;

/// Who made the calendar (`PRODID`).
pub const PRODID: &str = "-//Toubeelib//Planning//FR";

/// The media type of an iCalendar body.
pub const TYPE_MIME: &str = "text/calendar; charset=utf-8";

/// The calendar-level `METHOD` (RFC 5546), for calendars sent as messages rather than published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Methode {
    /// A published calendar.
    Publish,
    /// An invitation.
    Request,
    /// A cancellation of an invitation.
    Cancel,
}

impl Methode {
    fn valeur(self) -> &'static str {
        match self {
            Self::Publish => "PUBLISH",
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// `STATUS` of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatutEvenement {
    /// Will take (or took) place.
    Confirme,
    /// Cancelled.
    Annule,
}

impl StatutEvenement {
    fn valeur(self) -> &'static str {
        match self {
            Self::Confirme => "CONFIRMED",
            Self::Annule => "CANCELLED",
        }
    }
}

/// One `VEVENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evenement {
    /// Globally unique and stable across edits (`<rdv id>@toubeelib`).
    pub uid: String,
    /// When this version of the event was made (`DTSTAMP`).
    pub horodatage: DateTime<Utc>,
    /// Start (`DTSTART`).
    pub debut: DateTime<Utc>,
    /// End (`DTEND`).
    pub fin: DateTime<Utc>,
    /// Title (`SUMMARY`).
    pub resume: String,
    /// Where (`LOCATION`), if anywhere.
    pub lieu: Option<String>,
    /// Confirmed or cancelled (`STATUS`).
    pub statut: StatutEvenement,
    /// Revision number (`SEQUENCE`), bumped by each change.
    pub sequence: u32,
    /// Last change (`LAST-MODIFIED`), if known.
    pub modifie_le: Option<DateTime<Utc>>,
}

/// A `VCALENDAR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendrier {
    /// Display name (`X-WR-CALNAME`).
    pub nom: String,
    /// `METHOD`, for a calendar sent as a message; none for a feed.
    pub methode: Option<Methode>,
    /// How often a subscriber should fetch it again, in minutes (`REFRESH-INTERVAL`, `X-PUBLISHED-TTL`).
    pub rafraichir_minutes: Option<u32>,
    /// The events.
    pub evenements: Vec<Evenement>,
}

impl Calendrier {
    /// The calendar as iCalendar text: CRLF line endings, folded lines.
    pub fn ecrire(&self) -> String {
        let mut s = Sortie::default();
        s.brute("BEGIN", "VCALENDAR");
        s.brute("VERSION", "2.0");
        s.brute("PRODID", PRODID);
        s.brute("CALSCALE", "GREGORIAN");
        if let Some(m) = self.methode {
            s.brute("METHOD", m.valeur());
        }
        s.texte("X-WR-CALNAME", &self.nom);
        if let Some(minutes) = self.rafraichir_minutes {
            let duree = format!("PT{minutes}M");
            s.brute("REFRESH-INTERVAL;VALUE=DURATION", &duree);
            s.brute("X-PUBLISHED-TTL", &duree);
        }
        for e in &self.evenements {
            s.evenement(e);
        }
        s.brute("END", "VCALENDAR");
        s.0
    }
}

/// A DATE-TIME in UTC: `YYYYMMDDTHHMMSSZ`.
pub fn date_heure(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value escaped (RFC 5545 §3.3.11): `\` `;` `,` and line breaks; other control characters are
/// dropped (TEXT may not hold them).
pub fn echapper(texte: &str) -> String {
    let mut sortie = String::with_capacity(texte.len());
    let mut caracteres = texte.chars().peekable();
    while let Some(c) = caracteres.next() {
        match c {
            '\\' => sortie.push_str("\\\\"),
            ';' => sortie.push_str("\\;"),
            ',' => sortie.push_str("\\,"),
            '\r' => {
                caracteres.next_if_eq(&'\n');
                sortie.push_str("\\n");
            }
            '\n' => sortie.push_str("\\n"),
            '\t' => sortie.push('\t'),
            c if c.is_control() => {}
            c => sortie.push(c),
        }
    }
    sortie
}

/// A content line folded (RFC 5545 §3.1): pieces of at most [`LIGNE_OCTETS_MAX`] octets, each continuation
/// starting with one space, cut only between UTF-8 characters; every line ends in CRLF.
pub fn plier(ligne: &str) -> String {
    let mut sortie = String::with_capacity(ligne.len() + ligne.len() / LIGNE_OCTETS_MAX * 3 + 2);
    let mut reste = ligne;
    let mut place = LIGNE_OCTETS_MAX;
    loop {
        if reste.len() <= place {
            sortie.push_str(reste);
            sortie.push_str("\r\n");
            return sortie;
        }
        let mut coupe = place;
        while !reste.is_char_boundary(coupe) {
            coupe -= 1;
        }
        let (morceau, suite) = reste.split_at(coupe);
        sortie.push_str(morceau);
        sortie.push_str("\r\n ");
        reste = suite;
        // The leading space of a continuation counts in its line.
        place = LIGNE_OCTETS_MAX - 1;
    }
}

/// The text being written.
#[derive(Default)]
struct Sortie(String);

impl Sortie {
    /// `NOM:valeur`, the value written as it is (not TEXT, or already escaped).
    fn brute(&mut self, nom: &str, valeur: &str) {
        self.0.push_str(&plier(&format!("{nom}:{valeur}")));
    }

    /// `NOM:valeur` for a TEXT value.
    fn texte(&mut self, nom: &str, valeur: &str) {
        self.brute(nom, &echapper(valeur));
    }

    fn instant(&mut self, nom: &str, t: DateTime<Utc>) {
        self.brute(nom, &date_heure(t));
    }

    fn evenement(&mut self, e: &Evenement) {
        self.brute("BEGIN", "VEVENT");
        self.texte("UID", &e.uid);
        self.instant("DTSTAMP", e.horodatage);
        self.instant("DTSTART", e.debut);
        self.instant("DTEND", e.fin);
        self.texte("SUMMARY", &e.resume);
        if let Some(lieu) = &e.lieu {
            self.texte("LOCATION", lieu);
        }
        self.brute("STATUS", e.statut.valeur());
        self.brute("SEQUENCE", &e.sequence.to_string());
        if let Some(t) = e.modifie_le {
            self.instant("LAST-MODIFIED", t);
        }
        self.brute("TRANSP", "OPAQUE");
        self.brute("END", "VEVENT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// The folded text unfolded back (RFC 5545: remove every CRLF followed by one space).
    fn deplier(texte: &str) -> String {
        texte.replace("\r\n ", "")
    }

    #[track_caller]
    fn check_plie(ligne: &str) {
        let plie = plier(ligne);
        assert!(plie.ends_with("\r\n"), "{plie:?}");
        for l in plie.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= LIGNE_OCTETS_MAX, "line of {} octets: {l:?}", l.len());
            assert!(!l.is_empty(), "{plie:?}");
        }
        assert_eq!(deplier(&plie), format!("{ligne}\r\n"));
    }

    #[track_caller]
    fn check_echappe(texte: &str, attendu: &str) {
        assert_eq!(echapper(texte), attendu);
    }

    #[test]
    fn a_short_line_is_left_whole() {
        assert_eq!(plier("SUMMARY:abc"), "SUMMARY:abc\r\n");
        let juste = format!("SUMMARY:{}", "a".repeat(LIGNE_OCTETS_MAX - 8));
        assert_eq!(plier(&juste), format!("{juste}\r\n"));
    }

    #[test]
    fn a_long_line_folds_at_75_octets_with_a_leading_space() {
        let ligne = format!("SUMMARY:{}", "a".repeat(200));
        let plie = plier(&ligne);
        let lignes: Vec<_> = plie.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(lignes[0].len(), 75);
        assert_eq!(lignes[1].len(), 75);
        assert!(lignes[1].starts_with(' '));
        check_plie(&ligne);
    }

    #[test]
    fn folding_never_splits_a_multi_byte_character() {
        // 74 octets, then "é" (2 octets) across the 75-octet boundary.
        let ligne = format!("SUMMARY:{}é{}", "a".repeat(66), "b".repeat(10));
        let plie = plier(&ligne);
        assert!(
            plie.starts_with(&format!("SUMMARY:{}\r\n é", "a".repeat(66))),
            "{plie:?}"
        );
        check_plie(&ligne);
        // 4-octet characters at every offset, and on continuation lines too.
        for decalage in 0..4 {
            check_plie(&format!("X:{}{}", "a".repeat(decalage), "🩺".repeat(60)));
            check_plie(&format!("X:{}{}", "a".repeat(decalage), "€".repeat(90)));
        }
    }

    #[test]
    fn text_values_are_escaped() {
        check_echappe("Dupont, Marie; cardio\\x", "Dupont\\, Marie\\; cardio\\\\x");
        check_echappe("a\nb\r\nc\rd", "a\\nb\\nc\\nd");
        check_echappe("bip\u{7}\u{0}", "bip");
        check_echappe("Consultation – M. D.", "Consultation – M. D.");
    }

    fn evenement() -> Evenement {
        Evenement {
            uid: "0190a0a0-0000-7000-8000-000000000001@toubeelib".to_owned(),
            horodatage: t("2026-11-20T08:00:00Z"),
            debut: t("2026-12-07T08:00:00Z"),
            fin: t("2026-12-07T08:30:00Z"),
            resume: "Consultation – M. D. (présentiel)".to_owned(),
            lieu: Some("Maison médicale, 1 rue de la Paix, 54000 Nancy".to_owned()),
            statut: StatutEvenement::Annule,
            sequence: 2,
            modifie_le: Some(t("2026-11-21T09:15:00Z")),
        }
    }

    #[test]
    fn a_calendar_has_its_header_and_one_vevent_per_event() {
        let calendrier = Calendrier {
            nom: "Dr Claire Martin".to_owned(),
            methode: None,
            rafraichir_minutes: Some(60),
            evenements: vec![evenement()],
        };
        let texte = calendrier.ecrire();
        assert!(texte.ends_with("END:VCALENDAR\r\n"));
        assert!(!texte.replace("\r\n", "").contains('\n'), "bare LF in {texte:?}");
        let lignes: Vec<_> = deplier(&texte)
            .trim_end()
            .split("\r\n")
            .map(str::to_owned)
            .collect();
        let attendu = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Toubeelib//Planning//FR",
            "CALSCALE:GREGORIAN",
            "X-WR-CALNAME:Dr Claire Martin",
            "REFRESH-INTERVAL;VALUE=DURATION:PT60M",
            "X-PUBLISHED-TTL:PT60M",
            "BEGIN:VEVENT",
            "UID:0190a0a0-0000-7000-8000-000000000001@toubeelib",
            "DTSTAMP:20261120T080000Z",
            "DTSTART:20261207T080000Z",
            "DTEND:20261207T083000Z",
            "SUMMARY:Consultation – M. D. (présentiel)",
            "LOCATION:Maison médicale\\, 1 rue de la Paix\\, 54000 Nancy",
            "STATUS:CANCELLED",
            "SEQUENCE:2",
            "LAST-MODIFIED:20261121T091500Z",
            "TRANSP:OPAQUE",
            "END:VEVENT",
            "END:VCALENDAR",
        ];
        assert_eq!(lignes, attendu);
    }

    #[test]
    fn the_method_is_written_only_when_given() {
        let mut calendrier = Calendrier {
            nom: "x".to_owned(),
            methode: None,
            rafraichir_minutes: None,
            evenements: Vec::new(),
        };
        assert!(!calendrier.ecrire().contains("METHOD"));
        calendrier.methode = Some(Methode::Request);
        assert!(calendrier.ecrire().contains("\r\nMETHOD:REQUEST\r\n"));
    }
}

//! The native half of the wasm parity test: random cases for every export of the package, each with
//! the answer the native domain gives (as the server computes it), one JSON line per case.
//! `wasm/tests/parite.mjs` replays them through the wasm package under node and requires the same
//! output (same JSON, same error codes and messages).
//!
//! `cargo run -p toubeelib-wasm --example parite -- <file> [cases] [seed]`
//!
//! Deterministic: a seeded splitmix64, so a failure is replayed by its seed (printed). The inputs are
//! JSON built here, deserialised natively with serde_json as the server reads them, and by the wasm
//! package with serde_wasm_bindgen: both the rules and the boundary are under test. Time zones are
//! France's only (the package's filtered table); every other input may be anything, invalid included.

use std::error::Error;
use std::fs::File;
use std::io::{BufWriter, Write};

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, TimeZone, Utc};
use domain::Code;
use domain::annulation::{Auteur, decider_annulation};
use domain::disponibilite::{Agenda, Recherche, creneaux_libres};
use domain::identifiants::{Email, Nir, Rpps, Telephone};
use domain::reglages::Reglages;
use domain::reservation::{Reservation, SituationPatient, valider_reservation};
use domain::statut::Statut;
use domain::temps::Creneau;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Cases written when not told.
const CAS_DEFAUT: usize = 12_000;
/// Seed when not told.
const GRAINE_DEFAUT: u64 = 0x7001_bee1_1b00_2026;

/// France's zones, with DST (Paris, Miquelon) and without, as the package builds them.
const FUSEAUX: [&str; 8] = [
    "Europe/Paris",
    "Europe/Paris",
    "Europe/Paris",
    "America/Miquelon",
    "Indian/Reunion",
    "America/Martinique",
    "Pacific/Marquesas",
    "UTC",
];
const SPECIALITES: [&str; 5] = [
    "medecine_generale",
    "cardiologie",
    "pediatrie",
    "dermatologie",
    "psychiatrie",
];
const JOURS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const TYPES: [&str; 2] = ["presentiel", "teleconsultation"];
const STATUTS: [&str; 7] = [
    "prevu",
    "honore",
    "non_honore",
    "annule",
    "annule_tardivement",
    "paye",
    "transmis",
];
/// DST days: Paris (last Sundays of March and October), Miquelon (second Sunday of March, first of
/// November), 2026 and 2027.
const JOURS_DST: [(i32, u32, u32); 8] = [
    (2026, 3, 29),
    (2026, 10, 25),
    (2027, 3, 28),
    (2027, 10, 31),
    (2026, 3, 8),
    (2026, 11, 1),
    (2027, 3, 14),
    (2027, 11, 7),
];

/// splitmix64: a few lines, well mixed, no dependency.
struct Alea(u64);

impl Alea {
    fn suivant(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `0..n` (`n` > 0).
    fn sous(&mut self, n: u64) -> u64 {
        self.suivant() % n.max(1)
    }

    /// In `bas..=haut`.
    fn entre(&mut self, bas: i64, haut: i64) -> i64 {
        bas + self.sous(haut.abs_diff(bas) + 1) as i64
    }

    /// True `pourcent` times in 100.
    fn si(&mut self, pourcent: u64) -> bool {
        self.sous(100) < pourcent
    }

    fn un<'a, T>(&mut self, choix: &'a [T]) -> &'a T {
        &choix[self.sous(choix.len() as u64) as usize]
    }
}

/// RFC 3339 as inputs may spell it: UTC with `Z` mostly, sometimes with an offset.
fn rfc3339(a: &mut Alea, t: DateTime<Utc>) -> String {
    let decalage = a.entre(-22, 28) as i32 * 1800;
    match chrono::FixedOffset::east_opt(decalage) {
        Some(d) if a.si(10) => t.with_timezone(&d).to_rfc3339_opts(SecondsFormat::Secs, false),
        _ => z(t),
    }
}

fn z(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn structure(i: usize) -> String {
    format!("00000000-0000-4000-8000-{:012}", i + 1)
}

/// A day near DST changes (half the time) or any day of 2026–2027, at 00:00 UTC.
fn jour_de_base(a: &mut Alea) -> DateTime<Utc> {
    let date = if a.si(50) {
        let (y, m, d) = *a.un(&JOURS_DST);
        NaiveDate::from_ymd_opt(y, m, d)
    } else {
        NaiveDate::from_ymd_opt(2026, 1, 1).map(|d| d + Duration::days(a.entre(0, 729)))
    };
    let date = date.unwrap_or(NaiveDate::MIN);
    Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN))
}

fn heure(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// What a generated agenda offers, for requests that hit it.
struct Offre {
    specialites: Vec<&'static str>,
    motifs: Vec<String>,
}

/// A `/calendrier` answer: valid nearly always, sometimes not (an overlapping rule, a bad réglage).
fn agenda(a: &mut Alea, base: DateTime<Utc>) -> (Value, Offre) {
    let nb_lieux = if a.si(25) { 2 } else { 1 };
    let lieux: Vec<Value> = (0..nb_lieux)
        .map(|i| json!({ "structure_id": structure(i), "fuseau": *a.un(&FUSEAUX) }))
        .collect();
    let mut specialites: Vec<&'static str> = Vec::new();
    for _ in 0..a.entre(1, 3) {
        let s = *a.un(&SPECIALITES);
        if !specialites.contains(&s) {
            specialites.push(s);
        }
    }
    let types = |a: &mut Alea| -> Vec<&str> {
        match a.sous(4) {
            0 => vec!["teleconsultation"],
            1 => vec!["presentiel", "teleconsultation"],
            _ => vec!["presentiel"],
        }
    };
    let date_proche = |a: &mut Alea| -> NaiveDate { (base + Duration::days(a.entre(-20, 20))).date_naive() };

    let mut horaires = Vec::new();
    if !a.si(15) {
        let classique = a.si(40);
        for jour in JOURS {
            if a.si(30) {
                continue;
            }
            // Up to two ranges a day, on a 5-minute grid, never overlapping (else one case in ten).
            let plages: Vec<(i64, i64)> = if classique {
                vec![(8 * 60, 12 * 60), (14 * 60, 19 * 60)]
            } else {
                let mut bornes: Vec<i64> = (0..4).map(|_| a.entre(0, 287) * 5).collect();
                bornes.sort_unstable();
                let mut p = vec![(bornes[0], bornes[1])];
                if a.si(50) {
                    p.push((bornes[2], bornes[3]));
                }
                p.retain(|(d, f)| d < f);
                p
            };
            for (debut, fin) in plages {
                let mut regle = json!({
                    "jour": jour,
                    "debut": heure(debut),
                    "fin": heure(fin),
                    "structure_id": structure(a.sous(nb_lieux as u64) as usize),
                    "types": types(a),
                });
                if a.si(20) {
                    regle["specialites"] = json!([*a.un(&specialites)]);
                }
                let (mut du, mut au) = (date_proche(a), date_proche(a));
                // A reversed period (refused) once in ten, an ordered one otherwise.
                if au < du && !a.si(10) {
                    std::mem::swap(&mut du, &mut au);
                }
                if a.si(15) {
                    regle["valable_du"] = json!(du);
                }
                if a.si(15) {
                    regle["valable_au"] = json!(au);
                }
                horaires.push(regle);
            }
        }
    }
    let mut durees = Vec::new();
    if a.si(30) {
        for _ in 0..a.entre(1, 3) {
            durees.push(json!({
                "specialite": *a.un(&specialites),
                "type": *a.un(&TYPES),
                "duree_minutes": duree(a),
            }));
        }
    }
    let mut motifs = Vec::new();
    if a.si(30) {
        for i in 0..a.entre(1, 3) {
            let mut m = json!({
                "code": format!("motif_{i}"),
                "libelle": format!("Motif {i}"),
                "specialite": *a.un(&specialites),
            });
            if a.si(50) {
                m["duree_minutes"] = json!(duree(a));
            }
            motifs.push(m);
        }
    }
    let mut calendrier = json!({
        "specialites": specialites,
        "lieux": lieux,
        "horaires": horaires,
        "durees": durees,
        "motifs": motifs,
    });
    if a.si(80) {
        calendrier["reglages"] = reglages(a);
    }
    let indisponibilites: Vec<Value> = (0..a.entre(0, 3))
        .map(|_| {
            let debut = base + Duration::minutes(a.entre(-2 * 1440, 10 * 1440) / 15 * 15);
            intervalle(debut, debut + Duration::minutes(a.entre(30, 3 * 1440)))
        })
        .collect();
    calendrier["indisponibilites"] = json!(indisponibilites);
    let occupes: Vec<Value> = (0..a.entre(0, 40))
        .map(|_| {
            let debut = base + Duration::minutes(a.entre(-1440, 12 * 1440) / 5 * 5);
            let minutes = if a.si(3) { a.entre(481, 3000) } else { duree(a) };
            intervalle(debut, debut + Duration::minutes(minutes))
        })
        .collect();
    calendrier["occupes"] = json!(occupes);
    let offre = Offre {
        specialites,
        motifs: motifs
            .iter()
            .filter_map(|m| m["code"].as_str().map(str::to_owned))
            .collect(),
    };
    (calendrier, offre)
}

fn duree(a: &mut Alea) -> i64 {
    match a.sous(10) {
        0 => a.entre(5, 480),
        1 => 7,
        2..=4 => 30,
        _ => *a.un(&[10, 15, 20, 25, 40, 45, 60, 90]),
    }
}

fn intervalle(debut: DateTime<Utc>, fin: DateTime<Utc>) -> Value {
    json!({ "debut": z(debut), "fin": z(fin) })
}

/// A booking policy, out of bounds once in thirty.
fn reglages(a: &mut Alea) -> Value {
    let delai = if a.si(3) {
        500
    } else {
        *a.un(&[0, 2, 12, 24, 24, 24, 48, 72])
    };
    json!({
        "patients_connus_uniquement": a.si(20),
        "delai_annulation_heures": delai,
        "annulation_tardive": *a.un(&["signalee", "refusee"]),
        "preavis_minutes": *a.un(&[0, 0, 30, 120, 1440, 2880]),
        "horizon_jours": a.entre(1, 120),
        "rappel_heures": 24,
    })
}

/// A window near `base`: mostly up to 3 days, up to 31 sometimes, too long or empty rarely.
fn fenetre(a: &mut Alea, base: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let debut = base + Duration::minutes(a.entre(-48 * 60, 48 * 60) / 15 * 15);
    let minutes = match a.sous(100) {
        0..=69 => a.entre(60, 3 * 1440),
        70..=94 => a.entre(3 * 1440, 31 * 1440),
        95..=97 => a.entre(31 * 1440, 40 * 1440),
        _ => a.entre(-600, 0),
    };
    (debut, debut + Duration::minutes(minutes))
}

/// "Now": before the window mostly, inside it or after sometimes, to the second.
fn maintenant(a: &mut Alea, debut: DateTime<Utc>) -> DateTime<Utc> {
    debut + Duration::seconds(a.entre(-40 * 86_400, 2 * 86_400))
}

fn recherche(a: &mut Alea, offre: &Offre) -> Value {
    if a.si(30) {
        return Value::Null;
    }
    let mut r = json!({});
    match a.sous(10) {
        0 => r["specialite"] = json!(*a.un(&SPECIALITES)),
        1 => {}
        2 if a.si(20) => r["specialite"] = json!("astrologie"),
        _ => r["specialite"] = json!(*a.un(&offre.specialites)),
    }
    if a.si(80) {
        r["type"] = json!(*a.un(&TYPES));
    }
    if !offre.motifs.is_empty() && a.si(40) {
        r["motif"] = json!(a.un(&offre.motifs));
    } else if a.si(3) {
        r["motif"] = json!("inconnu");
    }
    if a.si(50) {
        r["origine"] = json!(*a.un(&["plateforme", "hors_plateforme"]));
    }
    r
}

/// An answer as the wasm skin gives it: the JSON of the value, or the error's code and message.
fn verdict<T: Serialize, E: Code + std::fmt::Display>(r: Result<T, E>) -> Value {
    match r {
        Ok(v) => json!({ "ok": v }),
        Err(e) => refus(e.code(), &e.to_string()),
    }
}

fn refus(code: &str, message: &str) -> Value {
    json!({ "code": code, "message": message })
}

/// Reads an argument as the skin does; `Err` is the skin's `entree_invalide` (its message is serde's,
/// which differs between serde_json and serde_wasm_bindgen: only the code is compared).
fn lire<T: DeserializeOwned>(v: &Value) -> Result<T, Value> {
    serde_json::from_value(v.clone()).map_err(|e| refus("entree_invalide", &e.to_string()))
}

fn instant(s: &Value) -> Result<DateTime<Utc>, Value> {
    let s = s.as_str().unwrap_or_default();
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            refus(
                "date_invalide",
                &format!("{s:?} n'est pas une date RFC 3339 : {e}"),
            )
        })
}

/// `creneauxLibres(agenda, debut, fin, recherche, now)`, natively.
fn creneaux(args: &[Value]) -> Result<Value, Value> {
    let agenda: Agenda = lire(&args[0])?;
    let recherche: Recherche = if args[3].is_null() {
        Recherche::default()
    } else {
        lire(&args[3])?
    };
    let fenetre = match Creneau::new(instant(&args[1])?, instant(&args[2])?) {
        Ok(f) => f,
        Err(e) => return Ok(verdict::<(), _>(Err(e))),
    };
    Ok(verdict(creneaux_libres(
        &agenda,
        fenetre,
        &recherche,
        instant(&args[4])?,
    )))
}

/// `validerReservation(agenda, demande, patient, now)`, natively.
fn reservation(args: &[Value]) -> Result<Value, Value> {
    let agenda: Agenda = lire(&args[0])?;
    let demande: Reservation = lire(&args[1])?;
    let patient: SituationPatient = lire(&args[2])?;
    Ok(verdict(valider_reservation(
        &agenda,
        &demande,
        &patient,
        instant(&args[3])?,
    )))
}

/// `evaluerAnnulation(rdv, auteur, reglages, now)`, natively: the server's decision.
fn annulation(args: &[Value]) -> Result<Value, Value> {
    #[derive(serde::Deserialize)]
    struct Rdv {
        debut: DateTime<Utc>,
        statut: Statut,
    }
    let rdv: Rdv = lire(&args[0])?;
    let auteur: Auteur = lire(&args[1])?;
    let reglages: Reglages = lire(&args[2])?;
    let now = instant(&args[3])?;
    Ok(verdict(
        decider_annulation(rdv.statut, rdv.debut, auteur, &reglages, now)
            .map(|statut| json!({ "statut": statut, "limite": rdv.debut - reglages.delai_annulation() })),
    ))
}

fn cas_creneaux(a: &mut Alea) -> Vec<Value> {
    let base = jour_de_base(a);
    let (calendrier, offre) = agenda(a, base);
    let (debut, fin) = fenetre(a, base);
    let now = maintenant(a, debut);
    vec![
        calendrier,
        json!(rfc3339(a, debut)),
        json!(rfc3339(a, fin)),
        recherche(a, &offre),
        json!(rfc3339(a, now)),
    ]
}

fn cas_reservation(a: &mut Alea) -> Vec<Value> {
    let base = jour_de_base(a);
    let (calendrier, offre) = agenda(a, base);
    let (debut, _) = fenetre(a, base);
    let now = maintenant(a, debut);
    let mut r = recherche(a, &offre);
    if r.is_null() {
        r = json!({});
    }
    // Mostly a créneau the native side shows free, so that most bookings pass the early rules.
    let libres = serde_json::from_value::<Agenda>(calendrier.clone())
        .ok()
        .zip(serde_json::from_value::<Recherche>(r.clone()).ok())
        .and_then(|(agenda, recherche)| {
            let fenetre = Creneau::new(debut, debut + Duration::days(14)).ok()?;
            creneaux_libres(&agenda, fenetre, &recherche, now).ok()
        })
        .unwrap_or_default();
    let specialite = r["specialite"]
        .as_str()
        .map_or_else(|| json!(*a.un(&offre.specialites)), |s| json!(s));
    let mut demande = json!({
        "specialite": specialite,
        "type": r.get("type").cloned().unwrap_or_else(|| json!("presentiel")),
    });
    let mut debut_demande = debut + Duration::minutes(a.entre(0, 3 * 1440) / 30 * 30);
    if !libres.is_empty() && a.si(85) {
        let libre = a.un(&libres);
        debut_demande = libre.debut;
        demande["specialite"] = json!(libre.specialite);
        demande["type"] = json!(libre.type_consultation);
        if a.si(15) {
            debut_demande += Duration::minutes(*a.un(&[-30, -5, 1, 5, 15]));
        }
    }
    demande["debut"] = json!(rfc3339(a, debut_demande));
    if let Some(m) = r.get("motif") {
        demande["motif"] = m.clone();
    }
    if let Some(o) = r.get("origine") {
        demande["origine"] = o.clone();
    }
    if a.si(10) {
        demande["type"] = json!(*a.un(&TYPES));
    }
    let rdvs: Vec<Value> = (0..a.entre(0, 3))
        .map(|_| {
            let d = debut_demande + Duration::minutes(a.entre(-90, 90) / 5 * 5);
            intervalle(d, d + Duration::minutes(duree(a)))
        })
        .collect();
    let patient = json!({ "connu": a.si(60), "rdvs": rdvs });
    let now = if a.si(10) {
        debut_demande + Duration::minutes(a.entre(-60, 60))
    } else {
        now
    };
    vec![calendrier, demande, patient, json!(rfc3339(a, now))]
}

fn cas_annulation(a: &mut Alea) -> Vec<Value> {
    let base = jour_de_base(a);
    let debut = base + Duration::minutes(a.entre(0, 1440) / 5 * 5);
    let reglages = reglages(a);
    let delai_s = reglages["delai_annulation_heures"].as_i64().unwrap_or(24) * 3600;
    // Around the delay's boundary to the second, around the start, or anywhere in three days.
    let avant_s = match a.sous(4) {
        0 => delai_s + a.entre(-2, 2),
        1 => a.entre(-2, 2),
        _ => a.entre(-5 * 3600, 72 * 3600),
    };
    let statut = if a.si(80) { "prevu" } else { *a.un(&STATUTS) };
    let mut rdv = json!({ "debut": rfc3339(a, debut), "statut": statut });
    if a.si(30) {
        rdv["id"] = json!(structure(7));
        rdv["fin"] = json!(z(debut + Duration::minutes(30)));
    }
    let auteur = match a.sous(10) {
        0..=5 => "patient",
        6 | 7 => "praticien",
        8 => "personnel",
        _ => "medecin",
    };
    vec![
        rdv,
        json!(auteur),
        reglages,
        json!(rfc3339(a, debut - Duration::seconds(avant_s))),
    ]
}

/// A string of `min..=max` digits, spaces and now and then a stray character.
fn chiffres(a: &mut Alea, min: i64, max: i64) -> String {
    (0..a.entre(min, max))
        .map(|i| match a.sous(40) {
            0 if i > 0 => ' ',
            1 => *a.un(&['A', 'B', '.', '-']),
            _ => char::from(b'0' + a.sous(10) as u8),
        })
        .collect()
}

fn cas_identifiant(a: &mut Alea) -> (&'static str, Vec<Value>) {
    match a.sous(4) {
        0 if a.si(50) => {
            // A right Luhn check digit: from the right, every other digit doubled.
            let prefixe: Vec<u32> = (0..10).map(|_| a.sous(10) as u32).collect();
            let somme: u32 = prefixe
                .iter()
                .rev()
                .enumerate()
                .map(|(i, &d)| {
                    if i % 2 == 0 {
                        (d * 2) % 9 + if d == 9 { 9 } else { 0 }
                    } else {
                        d
                    }
                })
                .sum();
            let rpps: String = prefixe
                .iter()
                .chain(&[(10 - somme % 10) % 10])
                .map(|d| char::from(b'0' + *d as u8))
                .collect();
            (
                "verifierRpps",
                vec![json!(format!("{} {}", &rpps[..5], &rpps[5..]))],
            )
        }
        0 => ("verifierRpps", vec![json!(chiffres(a, 9, 12))]),
        1 => {
            // A NIR with its right key half the time.
            let mut corps = format!("{}", *a.un(&[1, 2, 3, 4, 7, 8, 5]));
            corps.push_str(
                &(0..12)
                    .map(|_| char::from(b'0' + a.sous(10) as u8))
                    .collect::<String>(),
            );
            let cle = corps.parse::<u64>().map(|n| 97 - n % 97).unwrap_or_default();
            let cle = if a.si(50) { cle } else { a.sous(98) };
            let nir = if a.si(5) {
                chiffres(a, 15, 15)
            } else {
                format!("{corps}{cle:02}")
            };
            ("verifierNir", vec![json!(nir)])
        }
        2 => {
            let prefixe = *a.un(&["0", "+33 ", "0033", "+33 (0)", "0692", "+1 ", ""]);
            (
                "verifierTelephone",
                vec![json!(format!("{prefixe}{}", chiffres(a, 6, 11)))],
            )
        }
        _ => {
            let local = *a.un(&["jean.dupont", "a", "", "x y", "élodie", "b+tag", "c..d"]);
            let domaine = *a.un(&["exemple.fr", "exemple", "", "sub.exemple.org", "-x.fr", "ÉX.fr"]);
            let arobase = if a.si(90) { "@" } else { "" };
            ("verifierEmail", vec![json!(format!("{local}{arobase}{domaine}"))])
        }
    }
}

fn identifiant(f: &str, args: &[Value]) -> Value {
    let s = args[0].as_str().unwrap_or_default();
    match f {
        "verifierRpps" => verdict(Rpps::parse(s).map(|v| v.as_str().to_owned())),
        "verifierNir" => verdict(Nir::parse(s).map(|v| v.as_str().to_owned())),
        "verifierTelephone" => verdict(Telephone::parse(s).map(|v| v.as_str().to_owned())),
        _ => verdict(Email::parse(s).map(|v| v.as_str().to_owned())),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let chemin = args.next().ok_or("usage : parite <fichier> [cas] [graine]")?;
    let cas: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(CAS_DEFAUT);
    let graine: u64 = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(GRAINE_DEFAUT);
    let mut a = Alea(graine);
    let mut sortie = BufWriter::new(File::create(&chemin)?);
    let mut erreurs = 0;
    for n in 0..cas {
        // Half créneaux, a quarter bookings, the rest cancellations and identifiers.
        let (f, args, attendu) = match n % 8 {
            0..=3 => {
                let args = cas_creneaux(&mut a);
                let r = creneaux(&args);
                ("creneauxLibres", args, r)
            }
            4 | 5 => {
                let args = cas_reservation(&mut a);
                let r = reservation(&args);
                ("validerReservation", args, r)
            }
            6 => {
                let args = cas_annulation(&mut a);
                let r = annulation(&args);
                ("evaluerAnnulation", args, r)
            }
            _ => {
                let (f, args) = cas_identifiant(&mut a);
                let r = Ok(identifiant(f, &args));
                (f, args, r)
            }
        };
        let attendu = attendu.unwrap_or_else(|refus| refus);
        if attendu.get("code").is_some() {
            erreurs += 1;
        }
        serde_json::to_writer(
            &mut sortie,
            &json!({ "n": n, "f": f, "args": args, "attendu": attendu }),
        )?;
        sortie.write_all(b"\n")?;
    }
    sortie.flush()?;
    println!("parite: {cas} cases written to {chemin} (seed {graine}, {erreurs} expected refusals)");
    Ok(())
}

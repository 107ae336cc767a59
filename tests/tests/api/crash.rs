//! Crash safety (issue 10): the real binary under booking, cancellation and message load, killed with
//! SIGKILL at random moments and restarted on the same data, loses no write it acknowledged and shows
//! nothing half-written.
//!
//! After each kill, `toubeelib check` verifies the file offline (redb's integrity, then rdvs against
//! their indexes and the outbox); after the restart, every acknowledged write is read back through
//! the API (rdvs with their statut, messages, praticiens found by search, which proves the index
//! agrees with redb or was rebuilt). The draws come from one seed, printed, and taken from
//! `CRASH_SEED` to replay a failure's loads (the kill instants also depend on the machine's speed).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use e2e::{TestApp, UtcTime, encode, string};
use serde_json::{Value, json};

/// Kills per run: the issue asks for at least 30.
const KILLS: usize = 32;
/// Patients loading the server at once, each with its own créneaux and conversation.
const CLIENTS: usize = 4;
/// Bounds of a load burst between a restart and the next kill (ms).
const RAFALE_MS_MIN: u64 = 60;
const RAFALE_MS_MAX: u64 = 450;
/// The créneaux offered to the clients: two windows of this many days (the API's maximum is 31).
const FENETRE_JOURS: i64 = 30;
/// Older praticiens searched again after each restart, besides those of the last burst.
const PRATICIENS_ANCIENS_RECHERCHES: usize = 2;
/// Page size of the read-back lists (the API's maximum).
const PAGE: usize = 100;

/// SplitMix64: a few lines, no dependency, and the same sequence for the same seed everywhere.
struct Alea(u64);

impl Alea {
    fn suivant(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw in `[bas, haut)`.
    fn entre(&mut self, bas: u64, haut: u64) -> u64 {
        bas + self.suivant() % (haut - bas)
    }

    fn fils(&mut self) -> Alea {
        Alea(self.suivant())
    }
}

/// What the store must hold for an acknowledged rdv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attendu {
    Prevu,
    Annule,
    /// Its cancellation was sent, but the server died before answering: either is right.
    PrevuOuAnnule,
}

impl Attendu {
    fn admet(self, statut: &str) -> bool {
        matches!(
            (self, statut),
            (Attendu::Prevu | Attendu::PrevuOuAnnule, "prevu")
                | (Attendu::Annule | Attendu::PrevuOuAnnule, "annule")
        )
    }
}

/// One patient's load and what the server acknowledged it.
struct Client {
    patient: e2e::Patient,
    praticien: String,
    conversation: String,
    /// Créneaux not tried yet (each is tried once: a booking lost in a kill may still hold it).
    creneaux: VecDeque<Value>,
    rdvs: BTreeMap<String, Attendu>,
    messages: Vec<String>,
    /// Rdvs booked or cancelled in the current burst, read one by one after the restart.
    touches: BTreeSet<String>,
    /// Answers no live server should give (a 4xx or 5xx), for the failure message.
    inattendus: Vec<String>,
    alea: Alea,
}

/// The admin's load: praticiens created, to be found by search after each restart.
struct Admin {
    token: String,
    structure: String,
    praticiens: Vec<(String, String)>,
    /// Index in `praticiens` of the first one created in the current burst.
    debut_rafale: usize,
    inattendus: Vec<String>,
}

/// A request of the load: `Some((status, body))` when a whole answer arrived, `None` when the server
/// died first (then the write may or may not be there, and is not counted as acknowledged).
async fn envoyer(requete: reqwest::RequestBuilder) -> Option<(u16, Value)> {
    let reponse = requete.send().await.ok()?;
    let status = reponse.status().as_u16();
    let corps = reponse.bytes().await.ok()?;
    Some((status, serde_json::from_slice(&corps).unwrap_or(Value::Null)))
}

/// Under a load limit the server may shed a request; that is a refusal, not an error.
fn delestee(status: u16) -> bool {
    matches!(status, 429 | 503)
}

impl Client {
    /// Books, cancels or writes until the server is gone or `fin` is set.
    async fn charger(mut self, http: reqwest::Client, base: String, fin: Arc<AtomicBool>) -> Self {
        self.touches.clear();
        let mut n = 0_u64;
        while !fin.load(Ordering::Relaxed) {
            n += 1;
            let tirage = self.alea.entre(0, 100);
            let vivant = if tirage < 50 {
                self.reserver(&http, &base).await
            } else if tirage < 65 {
                self.annuler(&http, &base).await
            } else {
                self.ecrire(&http, &base, n).await
            };
            if !vivant {
                break;
            }
        }
        self
    }

    fn post(&self, http: &reqwest::Client, url: String, corps: Value) -> reqwest::RequestBuilder {
        http.post(url)
            .bearer_auth(&self.patient.access_token)
            .json(&corps)
    }

    async fn reserver(&mut self, http: &reqwest::Client, base: &str) -> bool {
        let Some(creneau) = self.creneaux.pop_front() else {
            return self.ecrire(http, base, 0).await;
        };
        let corps = e2e::booking(&self.praticien, &creneau);
        match envoyer(self.post(http, format!("{base}/rdvs"), corps)).await {
            None => false,
            Some((201, rdv)) => {
                let id = string(&rdv, "id");
                self.rdvs.insert(id.clone(), Attendu::Prevu);
                self.touches.insert(id);
                true
            }
            Some((s, _)) if delestee(s) => true,
            Some((s, corps)) => {
                self.inattendus.push(format!("POST /rdvs: {s} {corps}"));
                true
            }
        }
    }

    async fn annuler(&mut self, http: &reqwest::Client, base: &str) -> bool {
        let prevus: Vec<&String> = self
            .rdvs
            .iter()
            .filter(|(_, a)| **a == Attendu::Prevu)
            .map(|(id, _)| id)
            .collect();
        if prevus.is_empty() {
            return self.reserver(http, base).await;
        }
        let choisi = usize::try_from(self.alea.entre(0, prevus.len() as u64)).unwrap_or(0);
        let id = prevus[choisi].clone();
        let url = format!("{base}/rdvs/{id}/annulation");
        match envoyer(self.post(http, url, json!({}))).await {
            None => {
                self.rdvs.insert(id.clone(), Attendu::PrevuOuAnnule);
                self.touches.insert(id);
                false
            }
            Some((200, rdv)) => {
                assert_eq!(rdv["statut"], "annule", "POST /rdvs/{id}/annulation: {rdv}");
                self.rdvs.insert(id.clone(), Attendu::Annule);
                self.touches.insert(id);
                true
            }
            Some((s, _)) if delestee(s) => true,
            Some((s, corps)) => {
                self.inattendus
                    .push(format!("POST /rdvs/{id}/annulation: {s} {corps}"));
                true
            }
        }
    }

    async fn ecrire(&mut self, http: &reqwest::Client, base: &str, n: u64) -> bool {
        let url = format!("{base}/conversations/{}/messages", self.conversation);
        let texte = format!("Message {n} de la rafale, {} envoyés avant.", self.messages.len());
        match envoyer(self.post(http, url, json!({ "texte": texte }))).await {
            None => false,
            Some((201, message)) => {
                self.messages.push(string(&message, "id"));
                true
            }
            Some((s, _)) if delestee(s) => true,
            Some((s, corps)) => {
                self.inattendus.push(format!("POST messages: {s} {corps}"));
                true
            }
        }
    }
}

/// A name made of letters only (names refuse digits), distinct for each `n`.
fn nom_unique(n: usize) -> String {
    let mut lettres = String::from("Krash");
    let mut reste = n;
    for _ in 0..4 {
        lettres.push(char::from(b'a' + u8::try_from(reste % 26).unwrap_or(0)));
        reste /= 26;
    }
    lettres
}

impl Admin {
    /// Creates praticiens one after the other until the server is gone or `fin` is set.
    async fn charger(mut self, http: reqwest::Client, base: String, fin: Arc<AtomicBool>) -> Self {
        self.debut_rafale = self.praticiens.len();
        while !fin.load(Ordering::Relaxed) {
            let n = e2e::unique();
            let nom = nom_unique(usize::try_from(n).unwrap_or(0));
            let corps = json!({
                "rpps": e2e::rpps(n),
                "nom": nom,
                "prenom": "Camille",
                "titre": "Dr",
                "email": format!("crash-{n}@e2e.toubeelib.fr"),
                "password": e2e::PRATICIEN_PASSWORD,
                "specialites": ["medecine_generale"],
                "structures": [self.structure],
                "nouveaux_patients": true,
            });
            let requete = http
                .post(format!("{base}/praticiens"))
                .bearer_auth(&self.token)
                .json(&corps);
            match envoyer(requete).await {
                None => break,
                Some((201, p)) => self.praticiens.push((string(&p, "id"), nom)),
                Some((s, _)) if delestee(s) => {}
                Some((s, corps)) => self.inattendus.push(format!("POST /praticiens: {s} {corps}")),
            }
        }
        self
    }
}

/// Every item of a paged list, following `next_cursor`; an answer other than 200 (an account lost
/// with its token, say) as the loss it shows.
async fn tout_lire(app: &TestApp, chemin: &str, token: Option<&str>) -> Result<Vec<Value>, String> {
    let mut items = Vec::new();
    let mut curseur: Option<String> = None;
    loop {
        let separateur = if chemin.contains('?') { '&' } else { '?' };
        let mut url = format!("{chemin}{separateur}limit={PAGE}");
        if let Some(c) = &curseur {
            url.push_str(&format!("&cursor={}", encode(c)));
        }
        let reponse = app.get_as(&url, token).await;
        if reponse.status() != 200 {
            return Err(format!("GET {url}: {} {}", reponse.status(), reponse.text()));
        }
        let page = reponse.json();
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next_cursor"].as_str() {
            Some(c) => curseur = Some(c.to_owned()),
            None => return Ok(items),
        }
    }
}

/// Runs `toubeelib check` on the killed server's data; its summary line.
async fn verifier_hors_ligne(app: &TestApp) -> String {
    let binaire = e2e::binary_path().expect("the toubeelib binary");
    let sortie = tokio::process::Command::new(binaire)
        .arg("check")
        .arg("--data")
        .arg(app.data_dir())
        .env_remove("TOUBEELIB_DATA")
        .output()
        .await
        .expect("run toubeelib check");
    let stdout = String::from_utf8_lossy(&sortie.stdout).trim().to_owned();
    assert!(
        sortie.status.success(),
        "toubeelib check failed ({}): {stdout}\n{}",
        sortie.status,
        String::from_utf8_lossy(&sortie.stderr)
    );
    assert!(stdout.ends_with(" 0 violations"), "{stdout}");
    stdout
}

/// Reads back every acknowledged write after a restart; the lost ones, described.
async fn relire(app: &TestApp, clients: &mut [Client], admin: &Admin, alea: &mut Alea) -> Vec<String> {
    let mut perdus = Vec::new();
    for c in clients.iter_mut() {
        let token = Some(c.patient.access_token.as_str());
        let chemin = format!("/patients/{}/rdvs?periode=a_venir", c.patient.id);
        let vus: BTreeMap<String, String> = match tout_lire(app, &chemin, token).await {
            Ok(rdvs) => rdvs
                .iter()
                .map(|r| (string(r, "id"), string(r, "statut")))
                .collect(),
            Err(perte) => {
                perdus.push(perte);
                continue;
            }
        };
        for (id, attendu) in c.rdvs.iter_mut() {
            match vus.get(id) {
                Some(statut) if attendu.admet(statut) => {
                    // A cancellation the kill left undecided is settled by what the store holds.
                    *attendu = if statut == "annule" {
                        Attendu::Annule
                    } else {
                        Attendu::Prevu
                    };
                }
                Some(statut) => perdus.push(format!("rdv {id}: {statut}, {attendu:?} expected")),
                None => perdus.push(format!("rdv {id} ({attendu:?}) not listed for its patient")),
            }
        }
        for id in &c.touches {
            let rdv = app.get_as(&format!("/rdvs/{id}"), token).await;
            let attendu = c.rdvs[id];
            if rdv.status() != 200 || !attendu.admet(rdv.json()["statut"].as_str().unwrap_or("")) {
                perdus.push(format!(
                    "GET /rdvs/{id}: {} {}, {attendu:?} expected",
                    rdv.status(),
                    rdv.text()
                ));
            }
        }
        let chemin = format!("/conversations/{}/messages", c.conversation);
        let messages: BTreeSet<String> = match tout_lire(app, &chemin, token).await {
            Ok(messages) => messages.iter().map(|m| string(m, "id")).collect(),
            Err(perte) => {
                perdus.push(perte);
                continue;
            }
        };
        perdus.extend(
            c.messages
                .iter()
                .filter(|id| !messages.contains(*id))
                .map(|id| format!("message {id} not listed")),
        );
    }
    let mut cherches: Vec<&(String, String)> = admin.praticiens[admin.debut_rafale..].iter().collect();
    for _ in 0..PRATICIENS_ANCIENS_RECHERCHES.min(admin.debut_rafale) {
        let i = usize::try_from(alea.entre(0, admin.debut_rafale as u64)).unwrap_or(0);
        cherches.push(&admin.praticiens[i]);
    }
    for (id, nom) in cherches {
        let page = app
            .get_as(&format!("/praticiens?q={}&limit={PAGE}", encode(nom)), None)
            .await
            .assert_status(200);
        let trouve = page["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|p| p["id"] == id.as_str()));
        if !trouve {
            perdus.push(format!("praticien {id} ({nom}) not found by search"));
        }
    }
    perdus
}

/// Every free créneau of `praticien` in two windows from the day after tomorrow (beyond the 24 hours
/// under which a cancellation would be late).
async fn creneaux(app: &TestApp, praticien: &str) -> Vec<Value> {
    let (y, m, d) = UtcTime::now().plus_days(2).ymd();
    let debut = UtcTime::date(y, m, d);
    let mut tous = Vec::new();
    for fenetre in 0..2 {
        let de = debut.plus_days(fenetre * FENETRE_JOURS);
        tous.extend(
            app.disponibilites(praticien, de, de.plus_days(FENETRE_JOURS))
                .await,
        );
    }
    tous
}

#[tokio::test]
async fn sigkills_under_load_lose_no_acknowledged_write_and_leave_nothing_half_written() {
    let graine = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    eprintln!("crash test: seed {graine} (replay with CRASH_SEED={graine})");
    let mut alea = Alea(graine);
    let depart = Instant::now();

    let data = tempfile::tempdir().expect("tempdir");
    let mut app = TestApp::builder().data_dir(data.path()).spawn().await;
    let token_admin = app.admin_token().await;
    let praticien = app.cabinet_ouvert(&token_admin, "00:00", "23:30").await;
    let structure = praticien.structure_id.clone();
    let tous = creneaux(&app, &praticien.id).await;
    let mut clients = Vec::with_capacity(CLIENTS);
    for i in 0..CLIENTS {
        let patient = app.register_patient().await;
        // Each client its own créneaux (every CLIENTS-th), so the load holds no booking race.
        let mut siens: VecDeque<Value> = tous.iter().skip(i).step_by(CLIENTS).cloned().collect();
        let premier = siens.pop_front().expect("a créneau per client");
        let rdv = app
            .book(patient.token(), &praticien.id, &premier)
            .await
            .assert_status(201);
        let conversation = app
            .post_json(
                "/conversations",
                patient.token(),
                &json!({ "praticien_id": praticien.id }),
            )
            .await
            .assert_status(201);
        clients.push(Client {
            praticien: praticien.id.clone(),
            conversation: string(&conversation, "id"),
            creneaux: siens,
            rdvs: BTreeMap::from([(string(&rdv, "id"), Attendu::Prevu)]),
            messages: Vec::new(),
            touches: BTreeSet::new(),
            inattendus: Vec::new(),
            alea: alea.fils(),
            patient,
        });
    }
    let mut admin = Admin {
        token: token_admin,
        structure,
        praticiens: Vec::new(),
        debut_rafale: 0,
        inattendus: Vec::new(),
    };

    let mut perdus = Vec::new();
    let mut derniere_verification = String::new();
    let mut kills = 0;
    for kill in 1..=KILLS {
        kills = kill;
        let fin = Arc::new(AtomicBool::new(false));
        let mut charges = Vec::with_capacity(CLIENTS);
        for c in clients.drain(..) {
            let (http, base, fin) = (app.client().clone(), app.base_url(), Arc::clone(&fin));
            charges.push(tokio::spawn(c.charger(http, base, fin)));
        }
        let (http, base) = (app.client().clone(), app.base_url());
        let charge_admin = tokio::spawn(admin.charger(http, base, Arc::clone(&fin)));

        tokio::time::sleep(Duration::from_millis(alea.entre(RAFALE_MS_MIN, RAFALE_MS_MAX))).await;
        app.kill().await.expect("SIGKILL");
        fin.store(true, Ordering::Relaxed);
        for charge in charges {
            clients.push(charge.await.expect("a client task panicked"));
        }
        admin = charge_admin.await.expect("the admin task panicked");

        derniere_verification = verifier_hors_ligne(&app).await;
        app.restart().await;
        for p in relire(&app, &mut clients, &admin, &mut alea).await {
            perdus.push(format!("after kill {kill}: {p}"));
        }
        if !perdus.is_empty() {
            break;
        }
    }

    let rdvs: usize = clients.iter().map(|c| c.rdvs.len()).sum();
    let annules: usize = clients
        .iter()
        .flat_map(|c| c.rdvs.values())
        .filter(|a| **a == Attendu::Annule)
        .count();
    let messages: usize = clients.iter().map(|c| c.messages.len()).sum();
    let ecritures = rdvs + annules + messages + admin.praticiens.len();
    eprintln!(
        "crash test: {kills} kills, {ecritures} acknowledged writes checked, {} lost \
         ({rdvs} bookings, {annules} cancellations, {messages} messages, {} praticiens; seed {graine}; {:.1} s)",
        perdus.len(),
        admin.praticiens.len(),
        depart.elapsed().as_secs_f64()
    );
    eprintln!("crash test: last offline {derniere_verification}");
    let inattendus: Vec<&String> = clients
        .iter()
        .flat_map(|c| &c.inattendus)
        .chain(&admin.inattendus)
        .collect();
    assert!(
        perdus.is_empty(),
        "acknowledged writes lost (seed {graine}): {perdus:#?}"
    );
    assert!(
        inattendus.is_empty(),
        "answers a live server must not give: {inattendus:#?}"
    );
    assert!(
        rdvs > KILLS && messages > KILLS,
        "the load wrote too little to prove anything"
    );
}

//! A real SMTP receiver on 127.0.0.1 for the notification tests: enough of RFC 5321 for a client such
//! as lettre (220 greeting, EHLO/HELO 250, MAIL FROM/RCPT TO 250, DATA 354 … `.` 250, RSET, NOOP,
//! QUIT 221), no TLS, no auth. It keeps every message accepted, can be stopped and started again on the
//! same port (a relay that is down, then back), and offers a small MIME reader for the tests.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Longest line or message the receiver accepts (bytes).
pub const SMTP_MESSAGE_MAX: usize = 4 * 1024 * 1024;

/// One message the receiver accepted (answered 250 to its data).
#[derive(Debug, Clone)]
pub struct MailRecu {
    /// `MAIL FROM` address.
    pub de: String,
    /// `RCPT TO` addresses.
    pub a: Vec<String>,
    /// The message, dot-unstuffed, lines joined with CRLF.
    pub donnees: String,
}

impl MailRecu {
    /// The first value of header `nom` (case-insensitive, unfolded).
    pub fn entete(&self, nom: &str) -> Option<String> {
        entete(&self.donnees, nom)
    }

    /// The decoded bodies of the MIME parts whose `Content-Type` starts with `type_mime`, with their
    /// `Content-Type` header.
    pub fn parties(&self, type_mime: &str) -> Vec<(String, String)> {
        parties(&self.donnees, type_mime)
    }
}

/// The receiver: its port, the messages, the listening task when up.
#[derive(Debug)]
pub struct SmtpServer {
    addr: SocketAddr,
    recus: Arc<Mutex<Vec<MailRecu>>>,
    tache: Option<JoinHandle<()>>,
}

impl SmtpServer {
    /// A receiver listening on a free port.
    pub async fn start() -> Self {
        let mut s = Self::down().await;
        s.up().await;
        s
    }

    /// A receiver with a port of its own, not listening yet (a relay that is down).
    pub async fn down() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("test receiver: cannot bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("test receiver: no local address: {e}"));
        drop(listener);
        Self {
            addr,
            recus: Arc::default(),
            tache: None,
        }
    }

    /// `smtp://127.0.0.1:PORT` (plain SMTP), for `TOUBEELIB_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Starts listening on its port (again).
    pub async fn up(&mut self) {
        if self.tache.is_some() {
            return;
        }
        let listener = TcpListener::bind(self.addr)
            .await
            .unwrap_or_else(|e| panic!("bind {}: {e}", self.addr));
        let recus = Arc::clone(&self.recus);
        self.tache = Some(tokio::spawn(async move {
            let mut sessions = tokio::task::JoinSet::new();
            while let Ok((flux, _)) = listener.accept().await {
                let recus = Arc::clone(&recus);
                sessions.spawn(async move {
                    let _ = session(flux, recus).await;
                });
            }
        }));
    }

    /// Stops listening (the task and its sessions end).
    pub fn stop(&mut self) {
        if let Some(t) = self.tache.take() {
            t.abort();
        }
    }

    /// Every message accepted so far.
    pub fn messages(&self) -> Vec<MailRecu> {
        self.recus.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The mails received for `email` that `garder` keeps, in arrival order.
    pub fn pour(&self, email: &str, garder: impl Fn(&MailRecu) -> bool) -> Vec<MailRecu> {
        self.messages()
            .into_iter()
            .filter(|m| m.a.iter().any(|a| a == email) && garder(m))
            .collect()
    }

    /// Waits at most `attente` until [`Self::pour`] holds `n` mails; then all of them.
    pub async fn attendre(
        &self,
        email: &str,
        n: usize,
        attente: std::time::Duration,
        garder: impl Fn(&MailRecu) -> bool,
    ) -> Vec<MailRecu> {
        crate::poll_until(&format!("{n} mail(s) to {email}"), attente, || async {
            let mails = self.pour(email, &garder);
            if mails.len() >= n {
                Ok(mails)
            } else {
                Err(format!("{} so far", mails.len()))
            }
        })
        .await
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn session(flux: tokio::net::TcpStream, recus: Arc<Mutex<Vec<MailRecu>>>) -> std::io::Result<()> {
    let (lecture, mut ecriture) = flux.into_split();
    let mut lecture = BufReader::new(lecture);
    ecriture.write_all(b"220 e2e.smtp ESMTP pret\r\n").await?;
    let (mut de, mut a) = (String::new(), Vec::new());
    let mut ligne = String::new();
    loop {
        ligne.clear();
        if lecture.read_line(&mut ligne).await? == 0 || ligne.len() > SMTP_MESSAGE_MAX {
            return Ok(());
        }
        let commande = ligne.trim_end().to_owned();
        let verbe = commande
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reponse: &[u8] = match verbe.as_str() {
            "EHLO" => b"250-e2e.smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 e2e.smtp\r\n",
            "MAIL" => {
                de = adresse(&commande);
                a.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                a.push(adresse(&commande));
                b"250 OK\r\n"
            }
            "DATA" => {
                ecriture.write_all(b"354 fin par <CRLF>.<CRLF>\r\n").await?;
                let mut lignes = Vec::new();
                let mut taille = 0;
                loop {
                    ligne.clear();
                    if lecture.read_line(&mut ligne).await? == 0 {
                        return Ok(());
                    }
                    let l = ligne.trim_end_matches(['\r', '\n']);
                    if l == "." {
                        break;
                    }
                    taille += l.len();
                    if taille > SMTP_MESSAGE_MAX {
                        return Ok(());
                    }
                    lignes.push(l.strip_prefix('.').unwrap_or(l).to_owned());
                }
                recus
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(MailRecu {
                        de: de.clone(),
                        a: a.clone(),
                        donnees: lignes.join("\r\n"),
                    });
                b"250 OK message accepte\r\n"
            }
            "RSET" => {
                de.clear();
                a.clear();
                b"250 OK\r\n"
            }
            "NOOP" => b"250 OK\r\n",
            "QUIT" => {
                ecriture.write_all(b"221 au revoir\r\n").await?;
                return Ok(());
            }
            _ => b"502 commande non prise en charge\r\n",
        };
        ecriture.write_all(reponse).await?;
    }
}

/// The address between `<` and `>` of `MAIL FROM:<…>` / `RCPT TO:<…>`.
fn adresse(commande: &str) -> String {
    commande
        .split_once('<')
        .and_then(|(_, r)| r.split_once('>'))
        .map(|(a, _)| a.to_owned())
        .unwrap_or_default()
}

/// The first header `nom` of a header block (up to the first empty line), unfolded.
fn entete(texte: &str, nom: &str) -> Option<String> {
    let mut trouve: Option<String> = None;
    for ligne in texte.split("\r\n") {
        if ligne.is_empty() {
            break;
        }
        if let Some(v) = trouve.as_mut() {
            if ligne.starts_with([' ', '\t']) {
                v.push_str(ligne.trim_start());
                continue;
            }
            break;
        }
        if let Some((n, v)) = ligne.split_once(':')
            && n.eq_ignore_ascii_case(nom)
        {
            trouve = Some(v.trim().to_owned());
        }
    }
    trouve
}

/// The decoded bodies of the parts whose `Content-Type` starts with `type_mime` (any nesting: each
/// boundary line opens a part).
fn parties(donnees: &str, type_mime: &str) -> Vec<(String, String)> {
    let lignes: Vec<&str> = donnees.split("\r\n").collect();
    let mut trouvees = Vec::new();
    let mut i = 0;
    while i < lignes.len() {
        if lignes[i].starts_with("--") {
            // A part starts after a boundary line: its headers, an empty line, its body.
            let debut = i + 1;
            let mut fin_entetes = debut;
            while fin_entetes < lignes.len() && !lignes[fin_entetes].is_empty() {
                fin_entetes += 1;
            }
            let entetes = lignes[debut..fin_entetes.min(lignes.len())].join("\r\n");
            let type_partie = entete(&entetes, "Content-Type").unwrap_or_default();
            if type_partie.to_ascii_lowercase().starts_with(type_mime) {
                let mut fin = fin_entetes + 1;
                while fin < lignes.len() && !lignes[fin].starts_with("--") {
                    fin += 1;
                }
                let corps = &lignes[(fin_entetes + 1).min(lignes.len())..fin];
                let codage = entete(&entetes, "Content-Transfer-Encoding")
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let texte = match codage.as_str() {
                    "base64" => String::from_utf8_lossy(&base64(&corps.concat())).into_owned(),
                    "quoted-printable" => quoted_printable(corps),
                    _ => corps.join("\r\n"),
                };
                trouvees.push((type_partie, texte));
                i = fin;
                continue;
            }
        }
        i += 1;
    }
    trouvees
}

fn base64(texte: &str) -> Vec<u8> {
    let valeur = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut octets, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for v in texte.bytes().filter_map(valeur) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            octets.push(((acc >> bits) & 0xff) as u8);
        }
    }
    octets
}

fn quoted_printable(lignes: &[&str]) -> String {
    let mut octets = Vec::new();
    for (n, ligne) in lignes.iter().enumerate() {
        let (ligne, douce) = match ligne.strip_suffix('=') {
            Some(l) => (l, true),
            None => (*ligne, false),
        };
        let b = ligne.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'='
                && i + 2 < b.len() + 1
                && let Some(h) = ligne.get(i + 1..i + 3)
                && let Ok(v) = u8::from_str_radix(h, 16)
            {
                octets.push(v);
                i += 3;
            } else {
                octets.push(b[i]);
                i += 1;
            }
        }
        if !douce && n + 1 < lignes.len() {
            octets.extend_from_slice(b"\r\n");
        }
    }
    String::from_utf8_lossy(&octets).into_owned()
}

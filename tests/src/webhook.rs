//! A minimal HTTP/1.1 receiver on 127.0.0.1 for the SMS webhook: answers `200` to every request with a
//! `Content-Length` body and keeps the bodies.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Largest body kept (bytes).
pub const WEBHOOK_BODY_MAX: usize = 64 * 1024;

/// The receiver.
#[derive(Debug)]
pub struct WebhookServer {
    url: String,
    corps: Arc<Mutex<Vec<String>>>,
    tache: JoinHandle<()>,
}

impl WebhookServer {
    /// Listens on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("test receiver: cannot bind 127.0.0.1:0: {e}"));
        let url = format!(
            "http://{}/sms",
            listener
                .local_addr()
                .unwrap_or_else(|e| panic!("test receiver: no local address: {e}"))
        );
        let corps: Arc<Mutex<Vec<String>>> = Arc::default();
        let recus = Arc::clone(&corps);
        let tache = tokio::spawn(async move {
            while let Ok((flux, _)) = listener.accept().await {
                let recus = Arc::clone(&recus);
                tokio::spawn(async move {
                    let _ = requete(flux, recus).await;
                });
            }
        });
        Self { url, corps, tache }
    }

    /// Its URL, for `TOUBEELIB_SMS_WEBHOOK_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every body received so far.
    pub fn bodies(&self) -> Vec<String> {
        self.corps.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for WebhookServer {
    fn drop(&mut self) {
        self.tache.abort();
    }
}

async fn requete(flux: tokio::net::TcpStream, corps: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let (lecture, mut ecriture) = flux.into_split();
    let mut lecture = BufReader::new(lecture);
    loop {
        let mut longueur = 0usize;
        let mut ligne = String::new();
        // Request line, then headers up to the empty line.
        if lecture.read_line(&mut ligne).await? == 0 {
            return Ok(());
        }
        loop {
            ligne.clear();
            if lecture.read_line(&mut ligne).await? == 0 {
                return Ok(());
            }
            let l = ligne.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':')
                && n.eq_ignore_ascii_case("content-length")
            {
                longueur = v.trim().parse().unwrap_or(0);
            }
        }
        let mut octets = vec![0; longueur.min(WEBHOOK_BODY_MAX)];
        lecture.read_exact(&mut octets).await?;
        corps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(String::from_utf8_lossy(&octets).into_owned());
        ecriture
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await?;
    }
}

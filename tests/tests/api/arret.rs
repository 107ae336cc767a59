//! Stopping (API.md, "Running the binary"): SIGTERM lets the requests in flight finish, flushes and exits
//! 0, and what was acknowledged is there when a server starts again on the same data directory.

use std::time::Duration;

use e2e::{REQUEST_TIMEOUT, TestApp, UtcTime, booking, instant, string};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Time for the server to accept a connection and read a request's headers.
const ACCEPT_WAIT: Duration = Duration::from_millis(100);
/// Time for the server to take in SIGTERM while the request is in flight.
const SIGNAL_WAIT: Duration = Duration::from_millis(20);

/// A throw-away directory the test owns, so the data outlive each server process.
fn data_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("toubeelib-e2e-arret-")
        .tempdir()
        .expect("a temporary directory")
}

/// The status and body of a raw HTTP/1.1 answer (`Connection: close`, length- or chunk-delimited).
fn parse_http(raw: &[u8]) -> (u16, Vec<u8>) {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let chunked = head
        .lines()
        .any(|line| line.starts_with("transfer-encoding:") && line.contains("chunked"));
    if !chunked {
        return (status, body.to_vec());
    }
    let mut rest = body;
    let mut decoded = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk size {size:?}"));
        if size == 0 {
            return (status, decoded);
        }
        let start = line_end + 2;
        decoded.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
}

#[tokio::test]
async fn sigterm_during_a_booking_lets_it_finish_and_the_rdv_survives_a_restart() {
    let dir = data_dir();
    let mut app = TestApp::builder().data_dir(dir.path().join("data")).spawn().await;
    let admin = app.admin_token().await;
    let structure = app.create_structure(&admin, "Lyon").await;
    let praticien = app.create_praticien(&admin, &structure, json!({})).await;
    let patient = app.register_patient().await;
    let now = UtcTime::now();
    let creneau = app
        .first_free_creneau(&praticien.id, now.plus_days(1), now.plus_days(8))
        .await;

    // The booking is sent in two halves around SIGTERM: the server has accepted it and is reading it
    // when the signal arrives, whatever the machine's speed. reqwest cannot pause mid-body, hence a
    // raw HTTP/1.1 request.
    let body = serde_json::to_vec(&booking(&praticien.id, &creneau)).expect("JSON");
    let (first_half, second_half) = body.split_at(body.len() / 2);
    let head = format!(
        "POST /rdvs HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        app.addr(),
        patient.access_token,
        body.len()
    );
    let mut stream = TcpStream::connect(app.addr()).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write headers");
    stream.write_all(first_half).await.expect("write half the body");
    stream.flush().await.expect("flush");
    tokio::time::sleep(ACCEPT_WAIT).await;

    app.send_sigterm().expect("SIGTERM");
    tokio::time::sleep(SIGNAL_WAIT).await;
    stream
        .write_all(second_half)
        .await
        .expect("write the rest of the body");
    let mut raw = Vec::new();
    tokio::time::timeout(REQUEST_TIMEOUT, stream.read_to_end(&mut raw))
        .await
        .unwrap_or_else(|_| panic!("no answer to the booking in flight\n{}", app.logs()))
        .expect("read the answer");

    let (status, body) = parse_http(&raw);
    let body = String::from_utf8_lossy(&body);
    assert_eq!(
        status,
        201,
        "the booking in flight must complete: {body}\n{}",
        app.logs()
    );
    let rdv: Value = serde_json::from_str(&body).expect("a JSON rdv");
    let rdv_id = string(&rdv, "id");
    let exit = app.wait_for_exit().await.expect("the server stops");
    assert_eq!(
        exit.code(),
        Some(0),
        "{exit}\n--- server stderr ---\n{}",
        app.logs()
    );

    // Same data directory, new process.
    app.restart().await;
    let signin = app
        .signin(&patient.email, &patient.password)
        .await
        .assert_status(200);
    let token = string(&signin, "access_token");
    let relu = app
        .get_as(&format!("/rdvs/{rdv_id}"), Some(&token))
        .await
        .assert_status(200);
    assert_eq!(relu["statut"], "prevu", "{relu}");
    assert_eq!(instant(&relu, "debut"), instant(&creneau, "debut"), "{relu}");
    let debut = instant(&creneau, "debut");
    let libres = app
        .disponibilites(&praticien.id, debut, debut.plus_minutes(30))
        .await;
    assert!(
        libres.is_empty(),
        "the créneau is free again after the restart: {libres:?}"
    );
}

#[tokio::test]
async fn a_new_server_on_the_same_data_directory_keeps_accounts_and_rdvs() {
    let dir = data_dir();
    let data = dir.path().join("data");
    let mut first = TestApp::builder().data_dir(&data).spawn().await;
    let admin = first.admin_token().await;
    let structure = first.create_structure(&admin, "Lyon").await;
    let praticien = first.create_praticien(&admin, &structure, json!({})).await;
    let patient = first.register_patient().await;
    let now = UtcTime::now();
    let creneau = first
        .first_free_creneau(&praticien.id, now.plus_days(1), now.plus_days(8))
        .await;
    let rdv = first
        .book(patient.token(), &praticien.id, &creneau)
        .await
        .assert_status(201);
    let exit = first.terminate().await.expect("the first server stops");
    assert_eq!(exit.code(), Some(0), "{exit}\n{}", first.logs());
    drop(first);

    let second = TestApp::builder().data_dir(&data).spawn().await;

    let signin = second
        .signin(&patient.email, &patient.password)
        .await
        .assert_status(200);
    let token = string(&signin, "access_token");
    let a_venir = second.rdvs_a_venir(Some(&token), &patient.id).await;
    assert_eq!(a_venir.len(), 1, "{a_venir:?}");
    assert_eq!(a_venir[0]["id"], rdv["id"], "{a_venir:?}");
    let profil = second
        .get_as(&format!("/praticiens/{}", praticien.id), None)
        .await
        .assert_status(200);
    assert_eq!(profil["id"], praticien.id.as_str(), "{profil}");
}

#[tokio::test]
async fn restart_runs_a_new_process_on_the_same_data_directory() {
    let dir = data_dir();
    let data = dir.path().join("data");
    let mut app = TestApp::builder().data_dir(&data).spawn().await;

    let exit = app.restart().await;

    assert_eq!(exit.code(), Some(0), "{exit}\n{}", app.logs());
    assert_eq!(app.data_dir(), data);
    assert_eq!(app.get("/health").await.status(), 200);
    drop(app);
    assert!(data.is_dir(), "the test's data directory outlives the server");
}

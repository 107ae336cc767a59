//! Starting and stopping the process: the stdout contract, the data directory, signals.

use std::net::SocketAddr;

use e2e::{LISTENING_PREFIX, TestApp};

#[tokio::test]
async fn first_stdout_line_is_listening_address() {
    let mut app = TestApp::spawn().await;

    let line = app.first_stdout_line().to_owned();
    let addr: SocketAddr = line
        .strip_prefix(LISTENING_PREFIX)
        .unwrap_or_else(|| panic!("first line {line:?} does not start with {LISTENING_PREFIX:?}"))
        .parse()
        .unwrap_or_else(|err| panic!("first line {line:?} does not end with an address: {err}"));
    assert!(addr.ip().is_loopback(), "{addr}");
    assert_ne!(addr.port(), 0, "port 0 must be replaced by the bound port");
    // The announced address is the one that answers.
    assert_eq!(app.get("/health").await.status(), 200);

    // Logs go to stderr: stdout holds that single line, even after requests and shutdown.
    app.terminate().await.unwrap();
    assert_eq!(app.stdout_after_first_line(), "");
    assert!(!app.logs().is_empty(), "the server logs nothing on stderr");
}

#[tokio::test]
async fn missing_data_directory_is_created() {
    let app = TestApp::spawn().await;

    assert!(
        app.data_dir().is_dir(),
        "{} was not created",
        app.data_dir().display()
    );
}

#[tokio::test]
async fn sigterm_exits_zero() {
    let mut app = TestApp::spawn().await;
    assert_eq!(app.get("/health").await.status(), 200);

    let status = app.terminate().await.unwrap();

    assert_eq!(
        status.code(),
        Some(0),
        "{status}\n--- server stderr ---\n{}",
        app.logs()
    );
}

//! Requests to the server under test and what the tests check about their answers.
//!
//! Every request goes through [`TestApp::send`], bounded by [`crate::REQUEST_TIMEOUT`]; a transport
//! failure (the server died or hangs) panics with the server's log, and an answer is read whole into a
//! [`Reply`], whose `assert_*` methods say which request failed and what the server said.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

use crate::TestApp;

/// The media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An answer read whole, with the request it answers for the failure messages.
#[derive(Debug, Clone)]
pub struct Reply {
    request: String,
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    /// The body as received (a binary answer's text is lossy).
    octets: Vec<u8>,
}

impl Reply {
    /// Reads `response` to its end; `request` (say `POST /rdvs`) names it in failure messages.
    pub async fn read(request: String, response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let octets = response
            .bytes()
            .await
            .unwrap_or_else(|err| panic!("{request}: cannot read the body of a {status} answer: {err}"))
            .to_vec();
        Self {
            request,
            status,
            headers,
            body: String::from_utf8_lossy(&octets).into_owned(),
            octets,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The body's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.octets
    }

    /// The body as text.
    pub fn text(&self) -> &str {
        &self.body
    }

    /// The body as JSON; panics if it is not.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| {
            panic!(
                "{}: the {} body is not JSON ({err}): {}",
                self.request, self.status, self.body
            )
        })
    }

    /// Asserts the status, then returns the JSON body (`Null` when the body is empty).
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> Value {
        assert_eq!(
            self.status(),
            status,
            "{}: expected {status}, got {}: {}",
            self.request,
            self.status,
            self.body
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts an RFC 9457 problem with this status and `code`; returns the body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        self.assert_problem_among(&[status], &[code])
    }

    /// Asserts an RFC 9457 problem whose status is one of `statuses` and whose `code` is one of `codes`
    /// (any code when `codes` is empty); returns the body.
    ///
    /// A problem is `application/problem+json` with `type`, `title`, `detail` and `code` strings and a
    /// `status` equal to the HTTP status.
    #[track_caller]
    pub fn assert_problem_among(&self, statuses: &[u16], codes: &[&str]) -> Value {
        let request = &self.request;
        let status = self.status();
        assert!(
            statuses.contains(&status),
            "{request}: expected a problem with status in {statuses:?}, got {status}: {}",
            self.body
        );
        let content_type = self.header(CONTENT_TYPE.as_str()).unwrap_or("");
        assert!(
            content_type.starts_with(PROBLEM_JSON),
            "{request}: a {status} answer must be {PROBLEM_JSON}, got content-type {content_type:?}: {}",
            self.body
        );
        let problem = self.json();
        for field in ["type", "title", "detail", "code"] {
            assert!(
                problem[field].as_str().is_some_and(|text| !text.is_empty()),
                "{request}: the problem has no `{field}` string: {problem}"
            );
        }
        assert_eq!(
            problem["status"].as_u64(),
            Some(u64::from(status)),
            "{request}: the problem's `status` is not the HTTP status: {problem}"
        );
        if !codes.is_empty() {
            let code = problem["code"].as_str().unwrap_or("");
            assert!(
                codes.contains(&code),
                "{request}: expected code in {codes:?}, got {code:?}: {problem}"
            );
        }
        problem
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// No body.
    Empty,
    /// JSON.
    Json(Value),
    /// Bytes sent as they are, with this content type.
    Raw {
        /// The `Content-Type` header.
        content_type: &'static str,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

impl TestApp {
    /// A request to `path` (which starts with `/`), with a bearer token if given and the body.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>, body: Body) -> RequestBuilder {
        let mut builder = self.client().request(method, self.url(path));
        if let Some(token) = token {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        match body {
            Body::Empty => builder,
            Body::Json(value) => builder.json(&value),
            Body::Raw { content_type, bytes } => builder.header(CONTENT_TYPE, content_type).body(bytes),
        }
    }

    /// Sends a request and reads its answer; panics, with the server's log, if none comes.
    pub async fn send(&self, builder: RequestBuilder) -> Reply {
        let request = builder
            .build()
            .unwrap_or_else(|err| panic!("cannot build a request: {err}"));
        let name = describe(&request);
        let response = self
            .client()
            .execute(request)
            .await
            .unwrap_or_else(|err| panic!("{name} failed: {err}\n--- server stderr ---\n{}", self.logs()));
        Reply::read(name, response).await
    }

    /// `GET path`, as `token`'s holder (anonymous with `None`).
    pub async fn get_as(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.request(Method::GET, path, token, Body::Empty))
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(self.request(Method::POST, path, token, Body::Json(body.clone())))
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(self.request(Method::PATCH, path, token, Body::Json(body.clone())))
            .await
    }

    /// `PUT path` with a JSON body.
    pub async fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.send(self.request(Method::PUT, path, token, Body::Json(body.clone())))
            .await
    }

    /// `DELETE path`.
    pub async fn delete_as(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(self.request(Method::DELETE, path, token, Body::Empty))
            .await
    }

    /// `POST path` with raw bytes of a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &'static str,
        bytes: Vec<u8>,
    ) -> Reply {
        self.send(self.request(Method::POST, path, token, Body::Raw { content_type, bytes }))
            .await
    }
}

/// `METHOD /path?query`, for failure messages.
pub fn describe(request: &reqwest::Request) -> String {
    let url = request.url();
    match url.query() {
        Some(query) => format!("{} {}?{query}", request.method(), url.path()),
        None => format!("{} {}", request.method(), url.path()),
    }
}

/// Percent-encodes a query-string value (everything but RFC 3986's unreserved characters).
pub fn encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

//! Small helpers shared by the handlers: the request context and response builders.

use std::collections::HashMap;

use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE, LOCATION};
use hyper::{Method, StatusCode};
use serde_json::Value;

use crate::faults::FaultRule;

/// A response whose body is fully in memory (faults can cut it, gzip can compress it).
pub type Resp = hyper::Response<Vec<u8>>;

/// What a handler knows about the request.
pub struct Ctx {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
    /// The fault rule that fired for this request, if any (handled by the handler for nextLink kinds).
    pub fault: Option<FaultRule>,
    /// Non-secret facts for the request log.
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub cmdlet_name: Option<String>,
}

impl Ctx {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn query_map(&self) -> HashMap<String, String> {
        form(self.query.as_deref().unwrap_or("").as_bytes())
    }
    pub fn form(&self) -> HashMap<String, String> {
        form(&self.body)
    }
    pub fn body_json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// Form or query decoding; the first value of a repeated key wins.
pub fn form(data: &[u8]) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(data) {
        m.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    m
}

pub fn response(status: u16, content_type: &str, body: Vec<u8>) -> Resp {
    let mut r = hyper::Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_str(content_type).expect("content type"));
    r
}

pub fn json(status: u16, v: &Value) -> Resp {
    let mut r = response(status, "application/json; charset=utf-8", serde_json::to_vec(v).expect("json"));
    no_store(&mut r);
    r
}

pub fn text(status: u16, body: &str) -> Resp {
    response(status, "text/plain; charset=utf-8", body.as_bytes().to_vec())
}

pub fn html(status: u16, body: String) -> Resp {
    let mut r = response(status, "text/html; charset=utf-8", body.into_bytes());
    no_store(&mut r);
    r
}

pub fn redirect(location: &str) -> Resp {
    let mut r = response(302, "text/html; charset=utf-8", Vec::new());
    r.headers_mut().insert(LOCATION, HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/")));
    r
}

pub fn set_header(r: &mut Resp, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

fn no_store(r: &mut Resp) {
    r.headers_mut().insert("cache-control", HeaderValue::from_static("no-store, no-cache"));
}

pub fn not_found() -> Resp {
    text(404, "Not Found")
}

/// HTML-escape anything reflected into a page.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

pub fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    crate::tls::b64url(&b)
}

pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

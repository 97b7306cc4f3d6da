//! A tiny HTTP/1.1 responder on 127.0.0.1 for sign-in tests: it records every request and
//! answers with whatever the test's handler returns. It runs on its own thread and runtime
//! so tests may block on the library's runtime meanwhile.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> HashMap<String, String> {
        let q = self.target.split_once('?').map_or("", |(_, q)| q);
        url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes()).into_owned().collect()
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

pub fn json(status: u16, body: impl Into<String>) -> Reply {
    Reply { status, headers: vec![("Content-Type".into(), "application/json".into())], body: body.into() }
}

pub struct Responder {
    pub base: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Responder {
    pub fn start(handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static) -> Responder {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let handler = Arc::new(handler);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap().port()).unwrap();
                loop {
                    let Ok((mut stream, _)) = listener.accept().await else { continue };
                    let log = log.clone();
                    let handler = handler.clone();
                    tokio::spawn(async move {
                        let Some(request) = read_request(&mut stream).await else { return };
                        let index = {
                            let mut l = log.lock().unwrap();
                            l.push(request.clone());
                            l.len() - 1
                        };
                        let reply = handler(&request, index);
                        let mut out = format!("HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n", reply.status, reply.body.len());
                        for (k, v) in &reply.headers {
                            out.push_str(&format!("{k}: {v}\r\n"));
                        }
                        out.push_str("\r\n");
                        out.push_str(&reply.body);
                        let _ = stream.write_all(out.as_bytes()).await;
                        let _ = stream.shutdown().await;
                    });
                }
            });
        });
        let port = rx.recv().unwrap();
        Responder { base: format!("http://127.0.0.1:{port}"), requests }
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded { method, target, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

/// An unsigned JWT with the claims a delegated or app token carries (the client never
/// verifies signatures: the service does).
pub fn fake_jwt(claims: serde_json::Value) -> String {
    let enc = |b: &[u8]| base64::encode_config(b, base64::URL_SAFE_NO_PAD);
    format!("{}.{}.c2ln", enc(br#"{"alg":"RS256","typ":"JWT"}"#), enc(claims.to_string().as_bytes()))
}

pub fn endpoints(authority: &str) -> exo_core::cloud::Endpoints {
    exo_core::cloud::Endpoints {
        authority: url::Url::parse(authority).unwrap(),
        connection: url::Url::parse("https://localhost:1").unwrap(),
        resource: exo_core::cloud::EXCHANGE_RESOURCE.to_string(),
    }
}

/// A clock tests move forward by hand.
pub struct TestClock(Arc<std::sync::atomic::AtomicU64>);

impl TestClock {
    pub fn new() -> (TestClock, exo_core::auth::Clock) {
        let offset = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let o = offset.clone();
        let start = std::time::SystemTime::now();
        let clock: exo_core::auth::Clock = Arc::new(move || start + std::time::Duration::from_secs(o.load(std::sync::atomic::Ordering::SeqCst)));
        (TestClock(offset), clock)
    }

    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

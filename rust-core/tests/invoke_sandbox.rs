//! The pager and the token manager against the in-process sandbox: paging against the
//! truth, ResultSize, single-flight renewal (requirement 3), reuse without a network call
//! (requirement 1) and renewal before expiry during a long run (requirement 2).

use exo_core::auth::Clock;
use exo_core::config::ConnectConfig;
use exo_core::connection::Connection;
use exo_core::invoke::{InvokeRequest, Pager};
use exo_core::runtime::block_on;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn start(mailboxes: u64, token_lifetime: u64) -> exo_sandbox::Sandbox {
    let dir = tempfile::tempdir().unwrap().into_path();
    exo_sandbox::Sandbox::start(exo_sandbox::Options::new(dir).mailboxes(mailboxes).token_lifetime(token_lifetime)).unwrap()
}

/// The PEM body of a file as base64 DER, as .NET exports it for the core.
fn pem_base64(path: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// A certificate sign-in configuration pointing at the sandbox through the caller's
/// environment snapshot, exactly as PowerShell sends it.
fn certificate_config(sbx: &exo_sandbox::Sandbox, page_size: u32) -> ConnectConfig {
    let info = sbx.info();
    let app = &info.apps.exchange_admin;
    let config = json!({
        "flow": "certificate",
        "appId": app.app_id,
        "organization": info.organization,
        "pageSize": page_size,
        "certificate": { "certificateDer": pem_base64(&app.certificate_path), "privateKeyPkcs8": pem_base64(&app.private_key_path) },
        "environment": {
            "EXONATIVE_CONNECTION_URI": info.connection_uri,
            "EXONATIVE_AUTHORITY_URI": info.authority_uri,
            "EXONATIVE_TRUSTED_CA": info.ca_certificate_path,
        },
    });
    ConnectConfig::parse(config.to_string().as_bytes()).unwrap()
}

/// A clock the test moves forward.
fn test_clock() -> (Clock, Arc<AtomicU64>) {
    let offset = Arc::new(AtomicU64::new(0));
    let o = offset.clone();
    (Arc::new(move || SystemTime::now() + Duration::from_secs(o.load(Ordering::SeqCst))), offset)
}

fn token_requests(sbx: &exo_sandbox::Sandbox) -> usize {
    sbx.requests().iter().filter(|r| r.endpoint == "token").count()
}

fn read_all(connection: Arc<Connection>, request: Value) -> (Vec<Value>, Vec<String>) {
    let mut pager = Pager::new(connection, InvokeRequest::parse(request.to_string().as_bytes()).unwrap()).unwrap();
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    while let Some(page) = block_on(None, pager.next()).unwrap() {
        let parsed: Value = serde_json::from_slice(&page.to_json()).unwrap();
        records.extend(parsed["value"].as_array().unwrap().iter().cloned());
        warnings.extend(page.warnings);
    }
    (records, warnings)
}

#[test]
fn pages_through_every_mailbox_once_with_the_page_size_asked() {
    let sbx = start(120, 3600);
    let conn = Arc::new(block_on(None, Connection::open(certificate_config(&sbx, 25), exo_core::auth::system_clock())).unwrap());
    let (records, warnings) = read_all(conn, json!({"cmdletName": "Get-Mailbox", "resultSize": "Unlimited"}));
    assert_eq!(records.len(), 120);
    let guids: HashSet<&str> = records.iter().map(|r| r["ExchangeGuid"].as_str().unwrap()).collect();
    assert_eq!(guids.len(), 120, "no record twice");
    assert!(warnings.is_empty());
    let invokes: Vec<_> = sbx.requests().into_iter().filter(|r| r.endpoint == "invoke").collect();
    assert_eq!(invokes.len(), 5);
    assert!(invokes.iter().all(|r| r.headers.get("prefer").map(String::as_str) == Some("odata.maxpagesize=25")));
    assert!(invokes.iter().all(|r| r.headers.get("x-anchormailbox").map_or(false, |a| a.starts_with("APP:SystemMailbox{"))));
}

#[test]
fn result_size_asks_for_no_more_than_it_needs_and_keeps_the_warning() {
    let sbx = start(120, 3600);
    let conn = Arc::new(block_on(None, Connection::open(certificate_config(&sbx, 25), exo_core::auth::system_clock())).unwrap());
    let (records, warnings) = read_all(conn, json!({"cmdletName": "Get-Mailbox", "resultSize": 30}));
    assert_eq!(records.len(), 30);
    assert_eq!(warnings, vec!["There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter."]);
    let prefer: Vec<String> = sbx.requests().into_iter().filter(|r| r.endpoint == "invoke").filter_map(|r| r.headers.get("prefer").cloned()).collect();
    assert_eq!(prefer, vec!["odata.maxpagesize=25", "odata.maxpagesize=5"]);
}

#[test]
fn a_fresh_token_is_reused_without_a_network_call() {
    let sbx = start(5, 3600);
    let conn = block_on(None, Connection::open(certificate_config(&sbx, 1000), exo_core::auth::system_clock())).unwrap();
    let before = token_requests(&sbx);
    for _ in 0..10 {
        block_on(None, conn.tokens.current()).unwrap();
    }
    assert_eq!(token_requests(&sbx), before);
}

#[test]
fn fifty_callers_with_an_expired_token_cause_one_token_request() {
    let sbx = start(5, 3600);
    let (clock, offset) = test_clock();
    let conn = Arc::new(block_on(None, Connection::open(certificate_config(&sbx, 1000), clock)).unwrap());
    let before = token_requests(&sbx);
    // Past expiry, for the client and for the sandbox (which checks the assertion's times).
    offset.store(3700, Ordering::SeqCst);
    sbx.advance_clock(3700);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let c = conn.clone();
            exo_core::runtime::handle().spawn(async move { c.tokens.current().await.map(|t| t.expose().to_string()) })
        })
        .collect();
    let tokens: HashSet<String> = block_on(None, async {
        let mut out = HashSet::new();
        for t in tasks {
            out.insert(t.await.unwrap()?);
        }
        Ok(out)
    })
    .unwrap();
    assert_eq!(token_requests(&sbx) - before, 1, "exactly one renewal");
    assert_eq!(tokens.len(), 1, "every caller got the renewed token");
}

#[test]
fn a_run_longer_than_the_token_lifetime_renews_before_expiry() {
    // Tokens live 30 s on the sandbox's clock; the client's clock and the sandbox's move
    // together, 10 s between pages, across several lifetimes.
    let sbx = start(60, 30);
    let (clock, offset) = test_clock();
    let conn = Arc::new(block_on(None, Connection::open(certificate_config(&sbx, 5), clock)).unwrap());
    let request = InvokeRequest::parse(br#"{"cmdletName":"Get-Mailbox","resultSize":"Unlimited"}"#).unwrap();
    let mut pager = Pager::new(conn, request).unwrap();
    let mut count = 0;
    while let Some(page) = block_on(None, pager.next()).unwrap() {
        count += page.records.len();
        offset.fetch_add(10, Ordering::SeqCst);
        sbx.advance_clock(10);
    }
    assert_eq!(count, 60);
    let requests = sbx.requests();
    assert!(requests.iter().filter(|r| r.endpoint == "invoke").all(|r| r.token_expired == Some(false)), "never an expired token");
    assert!(token_requests(&sbx) >= 4, "renewed along the way (120 s over 30 s tokens)");
}

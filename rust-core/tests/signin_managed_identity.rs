//! Managed identity against a local responder: the App Service and IMDS protocols, the
//! retry schedule of requirement 17 (shortened by RetryTiming), a 400, a redirect, and a
//! connection that renews with a new managed-identity call.

mod signin_support;

use exo_core::auth::managed_identity::{ManagedIdentity, RetryTiming, Source, FAILED};
use exo_core::error::ErrorCode;
use exo_core::runtime::block_on;
use serde_json::json;
use signin_support::{fake_jwt, json, Responder, TestClock};
use std::time::{Duration, Instant, SystemTime};

const UNIT: Duration = Duration::from_millis(5);

fn token_body() -> String {
    json!({
        "access_token": fake_jwt(json!({"tid": "tenant-1", "appid": "mi-app", "exp": 4_000_000_000u64})),
        "expires_in": "3599",
        "expires_on": "4000000000",
        "not_before": "1506480273",
        "resource": "https://outlook.office365.com/",
        "token_type": "Bearer",
    })
    .to_string()
}

fn imds(server: &Responder) -> ManagedIdentity {
    let mut mi = ManagedIdentity::new(Source::Imds { base: server.base.clone() }, None, exo_core::cloud::EXCHANGE_RESOURCE);
    mi.timing = RetryTiming { unit: UNIT };
    mi
}

#[test]
fn app_service_protocol_sends_its_header_and_reads_numbers_as_strings() {
    let server = Responder::start(|_, _| json(200, token_body()));
    let mut mi = ManagedIdentity::new(
        Source::AppService { endpoint: format!("{}/msi/token", server.base), header: exo_core::secret::Secret::new("canary-identity-header") },
        Some("11111111-2222-3333-4444-555555555555".into()),
        "https://outlook.office365.com",
    );
    mi.timing = RetryTiming { unit: UNIT };
    let http = exo_core::http::build_client().unwrap();
    let now = SystemTime::now();
    let token = block_on(None, mi.acquire(&http, now)).unwrap();
    let lifetime = token.expires_at.duration_since(token.issued_at).unwrap();
    assert!((3598..=3599).contains(&lifetime.as_secs()), "{lifetime:?}");
    let r = &server.recorded()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path(), "/msi/token");
    let q = r.query();
    assert_eq!(q["api-version"], "2019-08-01");
    assert_eq!(q["resource"], "https://outlook.office365.com/");
    assert_eq!(q["client_id"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(r.headers["x-identity-header"], "canary-identity-header");
    assert!(!r.headers.contains_key("metadata"));
}

#[test]
fn imds_protocol_sends_metadata_true() {
    let server = Responder::start(|_, _| json(200, token_body()));
    let http = exo_core::http::build_client().unwrap();
    block_on(None, imds(&server).acquire(&http, SystemTime::now())).unwrap();
    let r = &server.recorded()[0];
    assert_eq!(r.path(), "/metadata/identity/oauth2/token");
    assert_eq!(r.query()["api-version"], "2018-02-01");
    assert_eq!(r.headers["metadata"], "true");
}

#[test]
fn transient_failures_are_retried_with_1_2_4_backoff() {
    let server = Responder::start(|_, i| match i {
        0 => json(500, "{}"),
        1 => json(429, "{}"),
        2 => json(404, "{}"),
        _ => json(200, token_body()),
    });
    let http = exo_core::http::build_client().unwrap();
    let started = Instant::now();
    block_on(None, imds(&server).acquire(&http, SystemTime::now())).unwrap();
    assert_eq!(server.recorded().len(), 4);
    assert!(started.elapsed() >= UNIT * 7, "{:?}", started.elapsed());
}

#[test]
fn retries_end_after_the_schedule() {
    let server = Responder::start(|_, _| json(503, r#"{"error":"unavailable","error_description":"busy"}"#));
    let http = exo_core::http::build_client().unwrap();
    let e = block_on(None, imds(&server).acquire(&http, SystemTime::now())).unwrap_err();
    assert_eq!(server.recorded().len(), 4);
    assert_eq!(e.code, ErrorCode::RetriesExhausted);
    assert!(e.message.starts_with(FAILED), "{}", e.message);
    assert!(e.message.contains("busy"));
}

#[test]
fn a_410_keeps_retrying_past_the_schedule_then_succeeds() {
    // Gone for 30 units (far past the 1+2+4 schedule, well inside the 70-unit window even on
    // a slow machine), then a token: the window carries it over.
    let started = Instant::now();
    let server = Responder::start(move |_, _| if started.elapsed() < UNIT * 30 { json(410, "{}") } else { json(200, token_body()) });
    let http = exo_core::http::build_client().unwrap();
    block_on(None, imds(&server).acquire(&http, SystemTime::now())).unwrap();
    assert!(server.recorded().len() > 4, "{}", server.recorded().len());
    assert!(started.elapsed() >= UNIT * 30);
}

#[test]
fn a_410_that_never_ends_gives_up_after_the_window() {
    let server = Responder::start(|_, _| json(410, "{}"));
    let http = exo_core::http::build_client().unwrap();
    let started = Instant::now();
    let e = block_on(None, imds(&server).acquire(&http, SystemTime::now())).unwrap_err();
    assert!(started.elapsed() >= UNIT * 70);
    assert_eq!(e.code, ErrorCode::RetriesExhausted);
    assert!(e.message.starts_with(FAILED));
}

#[test]
fn a_400_ends_at_once_with_microsofts_words() {
    let server = Responder::start(|_, _| json(400, r#"{"error":"invalid_request","error_description":"Identity not found"}"#));
    let http = exo_core::http::build_client().unwrap();
    let e = block_on(None, imds(&server).acquire(&http, SystemTime::now())).unwrap_err();
    assert_eq!(server.recorded().len(), 1);
    assert_eq!(e.code, ErrorCode::SignInFailed);
    assert_eq!(e.message, "Failed to acquire managed identity token: Identity not found (HTTP 400)");
}

#[test]
fn redirects_are_not_followed() {
    let server = Responder::start(|_, _| signin_support::Reply {
        status: 302,
        headers: vec![("Location".into(), "http://127.0.0.1:9/steal".into())],
        body: String::new(),
    });
    let http = exo_core::http::build_client().unwrap();
    let e = block_on(None, imds(&server).acquire(&http, SystemTime::now())).unwrap_err();
    assert_eq!(server.recorded().len(), 1);
    assert!(e.message.contains("redirect"), "{}", e.message);
}

/// The only test here that touches process environment variables (tests run in threads).
#[test]
fn a_connection_signs_in_from_the_environment_and_renews_with_a_new_call() {
    let server = Responder::start(|_, _| {
        json(200, json!({"access_token": fake_jwt(json!({"tid": "tenant-1", "appid": "mi-app"})), "expires_in": "600"}).to_string())
    });
    for v in ["IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET"] {
        std::env::remove_var(v);
    }
    std::env::set_var("AZURE_POD_IDENTITY_AUTHORITY_HOST", &server.base);
    let config = exo_core::config::ConnectConfig::parse(br#"{"flow":"managedIdentity","organization":"contoso.onmicrosoft.com","managedIdentityAccountId":"cid-1"}"#).unwrap();
    let (clock, shared) = TestClock::new();
    let conn = block_on(None, exo_core::connection::Connection::open(config, shared)).unwrap();
    std::env::remove_var("AZURE_POD_IDENTITY_AUTHORITY_HOST");
    assert!(conn.is_app_only());
    assert_eq!(conn.tenant_id.as_deref(), Some("tenant-1"));
    assert_eq!(conn.anchor_mailbox(), "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@tenant-1");
    assert_eq!(server.recorded().len(), 1);
    assert_eq!(server.recorded()[0].query()["client_id"], "cid-1");
    // Inside the lifetime: no call. Past the margin: exactly one new managed-identity call.
    block_on(None, conn.tokens.current()).unwrap();
    assert_eq!(server.recorded().len(), 1);
    clock.advance(400);
    block_on(None, conn.tokens.current()).unwrap();
    block_on(None, conn.tokens.current()).unwrap();
    assert_eq!(server.recorded().len(), 2);
}

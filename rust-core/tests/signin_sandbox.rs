//! Sign-in flows against the real sandbox tenant (in-process): managed identity through both
//! protocols (with a 410 window and a 400), password (and its MFA refusal), and device code
//! approved through the sandbox control API.

mod signin_support;

use exo_core::auth::managed_identity::{ManagedIdentity, RetryTiming, Source};
use exo_core::auth::signin::PendingSignIn;
use exo_core::config::ConnectConfig;
use exo_core::connection::Connection;
use exo_core::error::ErrorCode;
use exo_core::runtime::block_on;
use exo_core::secret::Secret;
use once_cell::sync::Lazy;
use signin_support::endpoints;
use std::time::{Duration, SystemTime};

/// One sandbox for the file; its CA is trusted through the variable the client reads, set
/// once before any test builds a client.
static SANDBOX: Lazy<exo_sandbox::Sandbox> = Lazy::new(|| {
    let dir = tempfile::tempdir().unwrap().into_path();
    let sbx = exo_sandbox::Sandbox::start(exo_sandbox::Options::new(&dir).mailboxes(20).device_code_interval(1)).unwrap();
    std::env::set_var(exo_core::cloud::ENV_TRUSTED_CA, &sbx.info().ca_certificate_path);
    sbx
});

fn fast(mut mi: ManagedIdentity) -> ManagedIdentity {
    mi.timing = RetryTiming { unit: Duration::from_millis(10) };
    mi
}

#[test]
fn managed_identity_through_app_service_and_imds() {
    let info = SANDBOX.info();
    let http = exo_core::http::build_client().unwrap();
    let app = fast(ManagedIdentity::new(
        Source::AppService { endpoint: info.managed_identity.identity_endpoint.clone(), header: Secret::new(info.managed_identity.identity_header.clone()) },
        None,
        exo_core::cloud::EXCHANGE_RESOURCE,
    ));
    let t = block_on(None, app.acquire(&http, SystemTime::now())).unwrap();
    let claims = exo_core::auth::jwt::read_claims(t.access.expose()).unwrap();
    assert_eq!(claims.tid.as_deref(), Some(info.tenant_id.as_str()));

    let imds = fast(ManagedIdentity::new(Source::Imds { base: info.managed_identity.imds_uri.clone() }, None, exo_core::cloud::EXCHANGE_RESOURCE));
    block_on(None, imds.acquire(&http, SystemTime::now())).unwrap();
}

#[test]
fn managed_identity_rides_out_a_410_window_and_stops_on_a_400() {
    let info = SANDBOX.info();
    let http = exo_core::http::build_client().unwrap();
    let base = info.managed_identity.imds_uri.clone();
    SANDBOX.add_faults(vec![serde_json::from_str(r#"{"endpoint":"imds","kind":"status","status":410,"times":5}"#).unwrap()]);
    let imds = fast(ManagedIdentity::new(Source::Imds { base: base.clone() }, None, exo_core::cloud::EXCHANGE_RESOURCE));
    block_on(None, imds.acquire(&http, SystemTime::now())).unwrap();

    let unknown = fast(ManagedIdentity::new(Source::Imds { base }, Some("00000000-0000-0000-0000-000000000bad".into()), exo_core::cloud::EXCHANGE_RESOURCE));
    let e = block_on(None, unknown.acquire(&http, SystemTime::now())).unwrap_err();
    assert_eq!(e.code, ErrorCode::SignInFailed);
    assert!(e.message.starts_with("Failed to acquire managed identity token:"), "{}", e.message);
}

#[test]
fn password_sign_in_and_the_mfa_refusal() {
    let info = SANDBOX.info();
    let admin = &info.users.admin;
    let config = |upn: &str, pw: &str| {
        ConnectConfig::parse(serde_json::json!({"flow": "password", "userPrincipalName": upn, "password": pw}).to_string().as_bytes()).unwrap()
    };
    let conn = block_on(None, Connection::open_with(config(&admin.user_principal_name, &admin.password), endpoints(SANDBOX.authority_uri()), exo_core::auth::system_clock())).unwrap();
    assert!(conn.user_principal_name.as_deref().unwrap().eq_ignore_ascii_case(&admin.user_principal_name));
    assert_eq!(conn.tenant_id.as_deref(), Some(info.tenant_id.as_str()));

    let mfa = &info.users.mfa;
    let e = block_on(None, Connection::open_with(config(&mfa.user_principal_name, &mfa.password), endpoints(SANDBOX.authority_uri()), exo_core::auth::system_clock())).unwrap_err();
    assert_eq!(e.code, ErrorCode::SignInFailed);
    assert!(e.message.starts_with("AADSTS50076:"), "{}", e.message);
    assert!(!e.message.contains(&mfa.password));
}

#[test]
fn device_code_approved_through_the_control_api() {
    let info = SANDBOX.info();
    let c = ConnectConfig::parse(br#"{"flow":"device"}"#).unwrap();
    let (pending, prompt) = block_on(None, PendingSignIn::begin_with(c, endpoints(SANDBOX.authority_uri()))).unwrap();
    assert_eq!(prompt["kind"], "deviceCode");
    let user_code = prompt["userCode"].as_str().unwrap().to_string();
    assert!(prompt["message"].as_str().unwrap().contains(&user_code));
    let http = exo_core::http::build_client().unwrap();
    let url = format!("{}/_sandbox/device/approve", SANDBOX.connection_uri());
    let key = SANDBOX.control_key().to_string();
    let approve = http.post(url).header("X-Sandbox-Key", key).json(&serde_json::json!({"userCode": user_code, "user": "admin"})).send();
    let status = block_on(None, async { approve.await.map_err(exo_core::error::Error::from) }).unwrap().status();
    assert!(status.is_success(), "{status}");
    let conn = block_on(None, pending.complete(exo_core::auth::system_clock())).unwrap();
    assert!(conn.user_principal_name.as_deref().unwrap().eq_ignore_ascii_case(&info.users.admin.user_principal_name));
}

//! Device code, interactive (browser simulated over a socket) and password sign-in against a
//! local authority, through `PendingSignIn` and `Connection::open_with` as the ABI uses them.

mod signin_support;

use exo_core::auth::signin::PendingSignIn;
use exo_core::auth::EXCHANGE_PUBLIC_CLIENT_ID;
use exo_core::cancel::Cancel;
use exo_core::config::ConnectConfig;
use exo_core::connection::Connection;
use exo_core::error::ErrorCode;
use exo_core::runtime::block_on;
use serde_json::json;
use sha2::Digest;
use signin_support::{endpoints, fake_jwt, json, Recorded, Reply, Responder, TestClock};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const UNIT: Duration = Duration::from_millis(5);

fn token(expires_in: &str) -> String {
    json!({
        "access_token": fake_jwt(json!({"tid": "tenant-1", "upn": "admin@contoso.com", "appid": EXCHANGE_PUBLIC_CLIENT_ID})),
        "refresh_token": "canary-refresh-1",
        "id_token": "x.y.z",
        "expires_in": expires_in,
        "token_type": "Bearer",
    })
    .to_string()
}

fn entra_error(error: &str, text: &str) -> Reply {
    json(400, json!({"error": error, "error_description": format!("{text}\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2024-01-01 00:00:00Z"), "error_codes": [1]}).to_string())
}

fn config(text: &str) -> ConnectConfig {
    ConnectConfig::parse(text.as_bytes()).unwrap()
}

// ---------- device code ----------

fn device_server(polls: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Responder {
    Responder::start(move |r: &Recorded, _| {
        if r.path().ends_with("/devicecode") {
            return json(200, r#"{"user_code":"ABCD1234","device_code":"canary-device-code","verification_uri":"https://microsoft.com/devicelogin","expires_in":"900","interval":"1","message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD1234 to authenticate."}"#);
        }
        polls(0)
    })
}

/// Polls are counted by the responder's own log.
fn nth_poll(server_log: &std::sync::Arc<std::sync::Mutex<Vec<Recorded>>>) -> usize {
    server_log.lock().unwrap().iter().filter(|r| r.path().ends_with("/token")).count()
}

#[test]
fn device_code_polls_waits_slows_down_and_signs_in() {
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let l2 = log.clone();
    let server = Responder::start(move |r: &Recorded, _| {
        l2.lock().unwrap().push(r.clone());
        if r.path().ends_with("/devicecode") {
            return json(200, r#"{"user_code":"ABCD1234","device_code":"canary-device-code","verification_uri":"https://microsoft.com/devicelogin","expires_in":"900","interval":"1","message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD1234 to authenticate."}"#);
        }
        match nth_poll(&l2) {
            1 => entra_error("authorization_pending", "AADSTS70016: Authorization is pending."),
            2 => entra_error("slow_down", "AADSTS70000: Slow down."),
            3 => entra_error("authorization_pending", "AADSTS70016: Authorization is pending."),
            _ => json(200, token("3599")),
        }
    });
    let c = config(r#"{"flow":"device","organization":"contoso.com"}"#);
    let (pending, prompt) = block_on(None, PendingSignIn::begin_with(c, endpoints(&server.base))).unwrap();
    assert_eq!(prompt["kind"], "deviceCode");
    assert_eq!(prompt["userCode"], "ABCD1234");
    assert_eq!(prompt["expiresIn"], 900);
    assert!(prompt["message"].as_str().unwrap().contains("enter the code ABCD1234"));
    assert!(!prompt.to_string().contains("canary"));
    let started = Instant::now();
    let conn = block_on(None, pending.with_time_scale(Duration::from_secs(1), UNIT).complete(exo_core::auth::system_clock())).unwrap();
    // Waits: 1 + 1 + (1+5) + 6 units: slow_down stays for good.
    assert!(started.elapsed() >= UNIT * 14, "{:?}", started.elapsed());
    assert_eq!(conn.user_principal_name.as_deref(), Some("admin@contoso.com"));
    assert_eq!(conn.anchor_mailbox(), "UPN:admin@contoso.com");
    let requests = server.recorded();
    let dc = &requests[0];
    assert_eq!(dc.path(), "/contoso.com/oauth2/v2.0/devicecode");
    assert_eq!(dc.form()["client_id"], EXCHANGE_PUBLIC_CLIENT_ID);
    assert_eq!(dc.form()["scope"], "https://outlook.office365.com/.default openid profile offline_access");
    let polls: Vec<_> = requests.iter().filter(|r| r.path().ends_with("/token")).collect();
    assert_eq!(polls.len(), 4);
    for p in polls {
        assert_eq!(p.path(), "/contoso.com/oauth2/v2.0/token");
        assert_eq!(p.form()["grant_type"], "urn:ietf:params:oauth:grant-type:device_code");
        assert_eq!(p.form()["device_code"], "canary-device-code");
    }
}

#[test]
fn device_code_stops_on_final_errors() {
    for (error, text) in [
        ("authorization_declined", "AADSTS70000: The user declined."),
        ("expired_token", "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired."),
        ("bad_verification_code", "AADSTS70019: Verification code bad."),
    ] {
        let server = device_server(move |_| entra_error(error, text));
        let c = config(r#"{"flow":"device"}"#);
        let (pending, _) = block_on(None, PendingSignIn::begin_with(c, endpoints(&server.base))).unwrap();
        let e = block_on(None, pending.with_time_scale(Duration::from_secs(1), UNIT).complete(exo_core::auth::system_clock())).unwrap_err();
        assert_eq!(e.code, ErrorCode::SignInFailed);
        assert_eq!(e.message, text);
        assert_eq!(e.detail["error"], error);
        let polls = server.recorded().iter().filter(|r| r.path().ends_with("/token")).count();
        assert_eq!(polls, 1, "{error}");
        assert!(server.recorded()[0].path().starts_with("/organizations/"));
    }
}

#[test]
fn device_code_stops_at_expires_in() {
    let server = Responder::start(|r: &Recorded, _| {
        if r.path().ends_with("/devicecode") {
            return json(200, r#"{"user_code":"U","device_code":"D","verification_uri":"https://v","expires_in":12,"interval":5}"#);
        }
        entra_error("authorization_pending", "AADSTS70016: pending")
    });
    let (pending, _) = block_on(None, PendingSignIn::begin_with(config(r#"{"flow":"device"}"#), endpoints(&server.base))).unwrap();
    // A larger unit than the other tests: this one counts polls against a deadline, and a
    // loaded CI machine can take more than 5 ms for one loopback round trip.
    let unit = Duration::from_millis(50);
    let e = block_on(None, pending.with_time_scale(Duration::from_secs(1), unit).complete(exo_core::auth::system_clock())).unwrap_err();
    assert!(e.message.contains("expired"), "{}", e.message);
    // Polls at 5 and 10 units; the next would pass 12. A slow round trip may push the second
    // poll past the deadline too, so it is skipped; never a third.
    let polls = server.recorded().iter().filter(|r| r.path().ends_with("/token")).count();
    assert!((1..=2).contains(&polls), "{polls} polls");
}

#[test]
fn device_code_can_be_cancelled_between_polls() {
    let server = device_server(|_| entra_error("authorization_pending", "AADSTS70016: pending"));
    let (pending, _) = block_on(None, PendingSignIn::begin_with(config(r#"{"flow":"device"}"#), endpoints(&server.base))).unwrap();
    let cancel = std::sync::Arc::new(Cancel::default());
    let c2 = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        c2.trigger();
    });
    let started = Instant::now();
    // Real pace (1 s interval): cancellation must not wait for the flow to end.
    let e = block_on(Some(&cancel), pending.complete(exo_core::auth::system_clock())).unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn devicecode_endpoint_errors_are_entras() {
    let server = Responder::start(|_, _| entra_error("invalid_request", "AADSTS90002: Tenant 'nope.example' not found."));
    let e = block_on(None, PendingSignIn::begin_with(config(r#"{"flow":"device","organization":"nope.example"}"#), endpoints(&server.base))).unwrap_err();
    assert_eq!(e.message, "AADSTS90002: Tenant 'nope.example' not found.");
}

// ---------- interactive ----------

/// What a browser does with the redirect: one GET, and the page it got back.
fn browser_get(port: u16, target: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    // The listener may refuse an oversized request and reset the connection before the
    // write ends: like a browser, carry on and read what came back.
    let _ = write!(s, "GET {target} HTTP/1.1\r\nHost: localhost:{port}\r\nUser-Agent: test\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

struct Started {
    pending: PendingSignIn,
    port: u16,
    state: String,
    challenge: String,
    redirect_uri: String,
    query: std::collections::HashMap<String, String>,
}

fn begin_interactive(server: &Responder, extra: &str) -> Started {
    let c = config(&format!(r#"{{"flow":"interactive"{extra}}}"#));
    let (pending, prompt) = block_on(None, PendingSignIn::begin_with(c, endpoints(&server.base))).unwrap();
    assert_eq!(prompt["kind"], "browser");
    let url = url::Url::parse(prompt["url"].as_str().unwrap()).unwrap();
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let redirect_uri = query["redirect_uri"].clone();
    let port = url::Url::parse(&redirect_uri).unwrap().port().unwrap();
    Started { pending, port, state: query["state"].clone(), challenge: query["code_challenge"].clone(), redirect_uri, query }
}

#[test]
fn interactive_sign_in_redeems_the_code_with_the_verifier() {
    let server = Responder::start(|_, _| json(200, token("3599")));
    let s = begin_interactive(&server, r#","userPrincipalName":"admin@contoso.com""#);
    assert_eq!(s.query["login_hint"], "admin@contoso.com");
    assert_eq!(s.query["code_challenge_method"], "S256");
    assert_eq!(s.query["scope"], "https://outlook.office365.com/.default openid profile offline_access");
    assert_eq!(s.redirect_uri, format!("http://localhost:{}/", s.port));
    assert!(s.state.len() >= 22);
    let (port, state) = (s.port, s.state.clone());
    let browser = std::thread::spawn(move || {
        // A stray request first (browsers ask for a favicon): answered, not counted.
        let stray = browser_get(port, "/favicon.ico");
        assert!(stray.starts_with("HTTP/1.1 404"), "{stray}");
        browser_get(port, &format!("/?code=canary-auth-code&state={state}&session_state=x"))
    });
    let conn = block_on(None, s.pending.complete(exo_core::auth::system_clock())).unwrap();
    let page = browser.join().unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("You are signed in"));
    assert!(!page.contains("canary"));
    assert_eq!(conn.user_principal_name.as_deref(), Some("admin@contoso.com"));
    let requests = server.recorded();
    assert_eq!(requests.len(), 1);
    let form = requests[0].form();
    assert_eq!(requests[0].path(), "/organizations/oauth2/v2.0/token");
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "canary-auth-code");
    assert_eq!(form["redirect_uri"], s.redirect_uri);
    assert_eq!(form["client_id"], EXCHANGE_PUBLIC_CLIENT_ID);
    let verifier = &form["code_verifier"];
    assert!((43..=128).contains(&verifier.len()));
    let challenge = base64::encode_config(sha2::Sha256::digest(verifier.as_bytes()), base64::URL_SAFE_NO_PAD);
    assert_eq!(challenge, s.challenge);
    // The listener is closed once the redirect is handled.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn a_missing_or_different_state_shows_an_error_page_and_makes_no_token_request() {
    for target in ["/?code=c1", "/?code=c1&state=not-the-state"] {
        let server = Responder::start(|_, _| json(200, token("3599")));
        let s = begin_interactive(&server, "");
        let port = s.port;
        let target = target.to_string();
        let browser = std::thread::spawn(move || browser_get(port, &target));
        let e = block_on(None, s.pending.complete(exo_core::auth::system_clock())).unwrap_err();
        let page = browser.join().unwrap();
        assert!(page.starts_with("HTTP/1.1 400"), "{page}");
        assert!(e.message.contains("state is missing or different"));
        assert!(server.recorded().is_empty(), "no token request");
    }
}

#[test]
fn an_error_redirect_is_reported_and_escaped() {
    let server = Responder::start(|_, _| json(200, token("3599")));
    let s = begin_interactive(&server, "");
    let (port, state) = (s.port, s.state.clone());
    let browser = std::thread::spawn(move || {
        browser_get(port, &format!("/?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E+declined&state={state}"))
    });
    let e = block_on(None, s.pending.complete(exo_core::auth::system_clock())).unwrap_err();
    let page = browser.join().unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; declined"), "{page}");
    assert!(!page.contains("<script>"));
    assert_eq!(e.message, "<script>alert(1)</script> declined");
    assert!(server.recorded().is_empty());
}

#[test]
fn an_oversized_request_is_refused_and_the_wait_goes_on() {
    let server = Responder::start(|_, _| json(200, token("3599")));
    let s = begin_interactive(&server, "");
    let (port, state) = (s.port, s.state.clone());
    let browser = std::thread::spawn(move || {
        let big = browser_get(port, &format!("/?code={}&state=x", "a".repeat(40_000)));
        let ok = browser_get(port, &format!("/?code=c2&state={state}"));
        (big, ok)
    });
    block_on(None, s.pending.complete(exo_core::auth::system_clock())).unwrap();
    let (big, ok) = browser.join().unwrap();
    assert!(big.starts_with("HTTP/1.1 400") || big.is_empty(), "{big}");
    assert!(ok.starts_with("HTTP/1.1 200"));
}

#[test]
fn interactive_sign_in_times_out_and_closes_the_listener() {
    let server = Responder::start(|_, _| json(200, token("3599")));
    let s = begin_interactive(&server, "");
    let port = s.port;
    // A speculative connection that never sends anything must not hold the wait up.
    let _idle = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let e = block_on(None, s.pending.with_time_scale(Duration::from_millis(300), UNIT).complete(exo_core::auth::system_clock())).unwrap_err();
    assert_eq!(e.code, ErrorCode::Timeout);
    assert!(e.message.contains("-Device"));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn interactive_sign_in_can_be_cancelled() {
    let server = Responder::start(|_, _| json(200, token("3599")));
    let s = begin_interactive(&server, "");
    let port = s.port;
    let cancel = std::sync::Arc::new(Cancel::default());
    let c2 = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        c2.trigger();
    });
    let e = block_on(Some(&cancel), s.pending.complete(exo_core::auth::system_clock())).unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the listener closes on cancel");
}

#[test]
fn the_authority_tenant_is_the_delegated_organization_when_given() {
    let server = Responder::start(|_, _| json(200, token("3599")));
    let s = begin_interactive(&server, r#","organization":"contoso.com","delegatedOrganization":"fabrikam.com""#);
    let (port, state) = (s.port, s.state.clone());
    let browser = std::thread::spawn(move || browser_get(port, &format!("/?code=c&state={state}")));
    let conn = block_on(None, s.pending.complete(exo_core::auth::system_clock())).unwrap();
    browser.join().unwrap();
    assert_eq!(server.recorded()[0].path(), "/fabrikam.com/oauth2/v2.0/token");
    assert_eq!(conn.tenant, "fabrikam.com");
}

// ---------- password and refresh ----------

#[test]
fn password_sign_in_and_renewal_by_refresh_token() {
    let server = Responder::start(|r: &Recorded, _| {
        let form = r.form();
        match form["grant_type"].as_str() {
            "password" => json(200, token("600")),
            // The renewal answers without a refresh token: the old one must be kept.
            "refresh_token" => json(200, json!({"access_token": fake_jwt(json!({"upn": "admin@contoso.com"})), "expires_in": 600}).to_string()),
            _ => json(400, "{}"),
        }
    });
    let c = config(r#"{"flow":"password","userPrincipalName":"admin@contoso.com","password":"canary-password"}"#);
    let (clock, shared) = TestClock::new();
    let conn = block_on(None, Connection::open_with(c, endpoints(&server.base), shared)).unwrap();
    let form = server.recorded()[0].form();
    assert_eq!(form["grant_type"], "password");
    assert_eq!(form["username"], "admin@contoso.com");
    assert_eq!(form["password"], "canary-password");
    assert_eq!(form["scope"], "https://outlook.office365.com/.default openid profile offline_access");
    for _ in 0..2 {
        clock.advance(400);
        block_on(None, conn.tokens.current()).unwrap();
    }
    let requests = server.recorded();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[1].form()["grant_type"], "refresh_token");
    assert_eq!(requests[1].form()["refresh_token"], "canary-refresh-1");
    assert_eq!(requests[2].form()["refresh_token"], "canary-refresh-1");
}

#[test]
fn password_sign_in_of_an_mfa_user_fails_with_aadsts50076() {
    const TEXT: &str = "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000002-0000-0ff1-ce00-000000000000'.";
    let server = Responder::start(|_, _| entra_error("invalid_grant", TEXT));
    let c = config(r#"{"flow":"password","userPrincipalName":"mfa@contoso.com","password":"canary-password"}"#);
    let e = block_on(None, Connection::open_with(c, endpoints(&server.base), exo_core::auth::system_clock())).unwrap_err();
    assert_eq!(e.code, ErrorCode::SignInFailed);
    assert_eq!(e.message, TEXT);
    assert!(!format!("{e:?}").contains("canary"));
}

#[test]
fn two_step_flows_are_refused_by_open_and_others_by_begin() {
    let e = block_on(None, Connection::open_with(config(r#"{"flow":"device"}"#), endpoints("http://127.0.0.1:9"), exo_core::auth::system_clock())).unwrap_err();
    assert!(e.message.contains("exo_signin_begin"));
    let e = block_on(None, PendingSignIn::begin_with(config(r#"{"flow":"accessToken","accessToken":"a.b.c"}"#), endpoints("http://127.0.0.1:9"))).unwrap_err();
    assert!(e.message.contains("exo_connection_open"));
}

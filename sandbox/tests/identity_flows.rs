//! Delegated sign-ins (authorization code + login page + MFA, device code, refresh,
//! password), the error principals, RBAC, and managed identity.

mod common;

use common::*;
use serde_json::{json, Value};
use sha2::Digest;

const PUBLIC: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";
const SCOPE: &str = "https://outlook.office365.com/.default openid profile offline_access";

fn claims(token: &str) -> Value {
    serde_json::from_slice(&base64::decode_config(token.split('.').nth(1).unwrap(), base64::URL_SAFE_NO_PAD).unwrap()).unwrap()
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap() + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Runs the browser part of authorization code sign-in; returns the redirect Location.
fn browser_sign_in(env: &Env, upn: &str, password: &str, otp: Option<&str>, challenge: &str, state: &str) -> String {
    let org = &env.sbx.info().organization;
    let url = format!(
        "{}/organizations/oauth2/v2.0/authorize?client_id={PUBLIC}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A53111%2F&scope={}&state={state}&code_challenge={challenge}&code_challenge_method=S256&login_hint={upn}",
        env.sbx.authority_uri(),
        url::form_urlencoded::byte_serialize(SCOPE.as_bytes()).collect::<String>()
    );
    let page = env.http.get(url).send().unwrap().text().unwrap();
    assert!(page.contains("id=\"username\"") && page.contains("id=\"password\""), "{page}");
    let session = hidden(&page, "session");
    let login = format!("{}/organizations/login", env.sbx.authority_uri());
    let _ = org;
    let r = env.http.post(&login).form(&[("session", session.as_str()), ("username", upn), ("password", password), ("action", "next")]).send().unwrap();
    let r = if r.status().as_u16() == 200 {
        let page = r.text().unwrap();
        assert!(page.contains("id=\"otp\""), "expected the code step: {page}");
        env.http.post(&login).form(&[("session", session.as_str()), ("otp", otp.unwrap()), ("action", "next")]).send().unwrap()
    } else {
        r
    };
    assert_eq!(r.status().as_u16(), 302);
    r.headers()["location"].to_str().unwrap().to_string()
}

fn redeem(env: &Env, location: &str, verifier: &str) -> (u16, Value) {
    let q: std::collections::HashMap<String, String> = url::Url::parse(location).unwrap().query_pairs().into_owned().collect();
    post_form(env, &token_url(env, "organizations"), &[
        ("grant_type", "authorization_code"), ("client_id", PUBLIC), ("code", &q["code"]),
        ("redirect_uri", "http://localhost:53111/"), ("code_verifier", verifier), ("scope", SCOPE),
    ])
}

#[test]
fn authorization_code_with_pkce_mfa_and_refresh() {
    let env = start(20);
    let info = env.sbx.info().clone();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = base64::encode_config(sha2::Sha256::digest(verifier.as_bytes()), base64::URL_SAFE_NO_PAD);
    // Admin: password only.
    let loc = browser_sign_in(&env, &info.users.admin.user_principal_name, &info.users.admin.password, None, &challenge, "st8");
    assert!(loc.starts_with("http://localhost:53111/?code=") && loc.contains("state=st8"), "{loc}");
    let (status, body) = redeem(&env, &loc, verifier);
    assert_eq!(status, 200, "{body}");
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!((c["upn"].as_str().unwrap(), c["scp"].as_str().unwrap()), (info.users.admin.user_principal_name.as_str(), "Exchange.Manage"));
    assert!(body["refresh_token"].is_string() && body["id_token"].is_string() && body["client_info"].is_string());
    // The code works once.
    assert_eq!(redeem(&env, &loc, verifier).1["error_codes"], json!([54005]));
    // Refresh gives a new token and a new refresh token.
    let (status, refreshed) = post_form(&env, &token_url(&env, "organizations"), &[
        ("grant_type", "refresh_token"), ("client_id", PUBLIC), ("refresh_token", body["refresh_token"].as_str().unwrap()), ("scope", SCOPE),
    ]);
    assert_eq!(status, 200, "{refreshed}");
    assert_ne!(refreshed["refresh_token"], body["refresh_token"]);
    assert_eq!(invoke(&env, refreshed["access_token"].as_str().unwrap(), json!({"ResultSize": 2})).status, 200);
    // MFA user: code step; a wrong verifier fails.
    let loc = browser_sign_in(&env, &info.users.mfa.user_principal_name, &info.users.mfa.password, info.users.mfa.otp.as_deref(), &challenge, "s2");
    assert_eq!(redeem(&env, &loc, "wrong-verifier-wrong-verifier-wrong-verifier-x").1["error_codes"], json!([50148]));
    let loc = browser_sign_in(&env, &info.users.mfa.user_principal_name, &info.users.mfa.password, info.users.mfa.otp.as_deref(), &challenge, "s3");
    let (status, body) = redeem(&env, &loc, verifier);
    assert_eq!(status, 200);
    assert_eq!(claims(body["access_token"].as_str().unwrap())["amr"], json!(["pwd", "mfa"]));
    // Blocked user: the code is issued, the token request fails with AADSTS53003.
    let loc = browser_sign_in(&env, &info.users.blocked.user_principal_name, &info.users.blocked.password, None, &challenge, "s4");
    let (status, body) = redeem(&env, &loc, verifier);
    assert_eq!((status, body["error"].as_str().unwrap(), body["error_codes"].clone()), (400, "invalid_grant", json!([53003])));
}

#[test]
fn login_page_escapes_and_rejects_bad_input() {
    let env = start(5);
    let base = env.sbx.authority_uri().to_string();
    let r = env.http.get(format!("{base}/organizations/oauth2/v2.0/authorize?client_id={PUBLIC}&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2F&scope=x")).send().unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().unwrap().contains("AADSTS50011"));
    let r = env.http.get(format!("{base}/organizations/oauth2/v2.0/authorize?client_id={PUBLIC}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A1%2F&scope=https%3A%2F%2Foutlook.office365.com%2F.default&login_hint=%3Cscript%3E")).send().unwrap();
    let page = r.text().unwrap();
    assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"));
    let r = env.http.get(format!("{base}/nowhere.example/oauth2/v2.0/authorize?client_id={PUBLIC}")).send().unwrap();
    assert!(r.text().unwrap().contains("AADSTS90002"));
}

#[test]
fn password_grant_and_error_principals() {
    let env = start(5);
    let u = env.sbx.info().users.clone();
    let url = token_url(&env, &env.sbx.info().tenant_id);
    let pw = |upn: &str, p: &str| post_form(&env, &url, &[("grant_type", "password"), ("client_id", PUBLIC), ("username", upn), ("password", p), ("scope", SCOPE)]);
    let (status, body) = pw(&u.admin.user_principal_name, &u.admin.password);
    assert_eq!(status, 200, "{body}");
    let cases = [
        (&u.mfa, 50076, "Due to a configuration change made by your administrator"),
        (&u.blocked, 53003, "Access has been blocked by Conditional Access policies."),
        (&u.disabled, 50057, "The user account is disabled."),
    ];
    for (user, code, text) in cases {
        let (status, body) = pw(&user.user_principal_name, &user.password);
        assert_eq!((status, body["error"].as_str().unwrap(), body["error_codes"].clone()), (400, "invalid_grant", json!([code])), "{body}");
        assert!(body["error_description"].as_str().unwrap().starts_with(&format!("AADSTS{code}: {text}")));
    }
    assert_eq!(pw(&u.admin.user_principal_name, "nope").1["error_codes"], json!([50126]));
    // No Exchange role: signs in, Get-Mailbox refuses.
    let (_, body) = pw(&u.no_role.user_principal_name, &u.no_role.password);
    let r = invoke(&env, body["access_token"].as_str().unwrap(), json!({}));
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error"]["message"], "User is not allowed to call Get-Mailbox");
    // App without a role.
    let token = app_token_for(&env, "noRole");
    assert!(claims(&token).get("wids").is_none());
    let r = invoke(&env, &token, json!({}));
    assert_eq!(r.status, 401);
    let app_id = &env.sbx.info().apps.no_role.app_id;
    assert_eq!(r.body["error"]["message"], format!("The role assigned to application {app_id} isn't supported in this scenario. Please check online documentation for assigning correct Directory Roles to Azure AD Application for EXO App-Only Authentication."));
}

#[test]
fn device_code_pending_slow_down_approve_and_decline() {
    let env = start(5);
    let base = env.sbx.authority_uri().to_string();
    let start_flow = || {
        let r = env.http.post(format!("{base}/organizations/oauth2/v2.0/devicecode")).form(&[("client_id", PUBLIC), ("scope", SCOPE)]).send().unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.json::<Value>().unwrap()
    };
    let dc = start_flow();
    let user_code = dc["user_code"].as_str().unwrap().to_string();
    assert_eq!(dc["expires_in"], 900);
    assert_eq!(dc["message"], format!("To sign in, use a web browser to open the page {base}/devicelogin and enter the code {user_code} to authenticate."));
    assert!(dc.get("verification_uri_complete").is_none());
    let poll = |code: &str| post_form(&env, &token_url(&env, "organizations"), &[("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("client_id", PUBLIC), ("device_code", code)]);
    let device_code = dc["device_code"].as_str().unwrap().to_string();
    assert_eq!(poll(&device_code).1["error"], "authorization_pending");
    assert_eq!(poll(&device_code).1["error"], "slow_down");
    let approve = |code: &str, decline: bool| {
        env.http.post(format!("{}/device/approve", control(&env))).header("X-Sandbox-Key", env.sbx.control_key())
            .json(&json!({"userCode": code, "user": "admin", "decline": decline})).send().unwrap().status().as_u16()
    };
    assert_eq!(approve(&user_code, false), 200);
    std::thread::sleep(std::time::Duration::from_millis(6100));
    let (status, body) = poll(&device_code);
    assert_eq!(status, 200, "{body}");
    assert_eq!(invoke(&env, body["access_token"].as_str().unwrap(), json!({"ResultSize": 1})).status, 200);
    let dc = start_flow();
    assert_eq!(approve(dc["user_code"].as_str().unwrap(), true), 200);
    assert_eq!(poll(dc["device_code"].as_str().unwrap()).1["error"], "authorization_declined");
    assert_eq!(poll("nonsense").1["error"], "bad_verification_code");
    // The page: code, then the sign-in form.
    let dc = start_flow();
    let page = env.http.post(format!("{base}/devicelogin")).form(&[("otc", dc["user_code"].as_str().unwrap())]).send().unwrap().text().unwrap();
    let session = hidden(&page, "session");
    let u = &env.sbx.info().users.admin;
    let tid = &env.sbx.info().tenant_id;
    let done = env.http.post(format!("{base}/{tid}/login")).form(&[("session", session.as_str()), ("username", &u.user_principal_name), ("password", &u.password)]).send().unwrap().text().unwrap();
    assert!(done.contains("You have signed in"), "{done}");
    // MSAL.NET polls with the short grant type name `device_code`; Entra accepts both.
    let (status, body) = post_form(&env, &token_url(&env, "organizations"), &[("grant_type", "device_code"), ("client_id", PUBLIC), ("device_code", dc["device_code"].as_str().unwrap())]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn managed_identity_app_service_and_imds() {
    let env = start(5);
    let mi = env.sbx.info().managed_identity.clone();
    let plain = reqwest::blocking::Client::new();
    let r = plain.get(format!("{}?resource=https://outlook.office365.com/&api-version=2019-08-01", mi.identity_endpoint)).header("X-IDENTITY-HEADER", &mi.identity_header).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().unwrap();
    assert!(body["expires_in"].is_string() && body["expires_on"].is_string() && body["not_before"].is_string());
    assert_eq!(body["resource"], "https://outlook.office365.com/");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(claims(token)["appid"], mi.client_id.as_str());
    assert_eq!(invoke(&env, token, json!({"ResultSize": 1})).status, 200);
    // User-assigned through IMDS.
    let r = plain.get(format!("{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://outlook.office365.com/&client_id={}", mi.imds_uri, mi.user_assigned_client_id)).header("Metadata", "true").send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let token = r.json::<Value>().unwrap()["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims(&token)["appid"], mi.user_assigned_client_id.as_str());
    // Errors: 400 with error and error_description.
    for (url, header) in [
        (format!("{}?resource=https://outlook.office365.com/&api-version=2019-08-01", mi.identity_endpoint), None),
        (format!("{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://outlook.office365.com/", mi.imds_uri), None),
        (format!("{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://outlook.office365.com/&client_id=00000000-0000-0000-0000-000000000001", mi.imds_uri), Some(("Metadata", "true"))),
    ] {
        let mut req = plain.get(url);
        if let Some((k, v)) = header {
            req = req.header(k, v);
        }
        let r = req.send().unwrap();
        assert_eq!(r.status().as_u16(), 400);
        let b: Value = r.json().unwrap();
        assert!(b["error"].is_string() && b["error_description"].is_string());
    }
}

#[test]
fn discovery_documents() {
    let env = start(5);
    let info = env.sbx.info().clone();
    let cfg: Value = env.http.get(format!("{}/{}/v2.0/.well-known/openid-configuration", info.authority_uri, info.organization)).send().unwrap().json().unwrap();
    assert_eq!(cfg["token_endpoint"], format!("{}/{}/oauth2/v2.0/token", info.authority_uri, info.tenant_id));
    let keys: Value = env.http.get(cfg["jwks_uri"].as_str().unwrap()).send().unwrap().json().unwrap();
    let token = app_token(&env);
    let header: Value = serde_json::from_slice(&base64::decode_config(token.split('.').next().unwrap(), base64::URL_SAFE_NO_PAD).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(keys["keys"][0]["kid"], header["kid"]);
    let common: Value = env.http.get(format!("{}/common/v2.0/.well-known/openid-configuration", info.authority_uri)).send().unwrap().json().unwrap();
    assert_eq!(common["issuer"], format!("{}/{{tenantid}}/v2.0", info.authority_uri));
}

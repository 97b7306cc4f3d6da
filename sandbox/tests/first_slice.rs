//! The first slice: sandbox.json, certificate sign-in, Get-Mailbox with ResultSize,
//! warnings and paging, the truth endpoint and the request log.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn sandbox_json_holds_the_contract() {
    let env = start(30);
    let v: Value = serde_json::from_slice(&std::fs::read(env.sbx.json_path()).unwrap()).unwrap();
    for k in ["connectionUri", "authorityUri", "caCertificatePath", "tenantId", "organization", "controlKey", "mailboxCount", "seed", "tokenLifetimeSeconds"] {
        assert!(!v[k].is_null(), "{k} missing");
    }
    assert!(v["connectionUri"].as_str().unwrap().starts_with("https://localhost:"));
    for app in ["exchangeAdmin", "noRole"] {
        for k in ["appId", "pfxPath", "pfxPassword", "certificatePath", "privateKeyPath", "thumbprint"] {
            assert!(v["apps"][app][k].is_string(), "apps.{app}.{k}");
        }
        let a = &v["apps"][app];
        let pfx = openssl::pkcs12::Pkcs12::from_der(&std::fs::read(a["pfxPath"].as_str().unwrap()).unwrap()).unwrap();
        let parsed = pfx.parse(a["pfxPassword"].as_str().unwrap()).unwrap();
        let thumb: String = parsed.cert.digest(openssl::hash::MessageDigest::sha1()).unwrap().iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(thumb, a["thumbprint"].as_str().unwrap());
    }
    for u in ["admin", "mfa", "noRole", "blocked", "disabled"] {
        assert!(v["users"][u]["userPrincipalName"].is_string() && v["users"][u]["password"].is_string(), "users.{u}");
    }
    assert!(v["users"]["mfa"]["otp"].is_string());
    for k in ["identityEndpoint", "identityHeader", "imdsUri", "clientId", "userAssignedClientId"] {
        assert!(v["managedIdentity"][k].is_string(), "managedIdentity.{k}");
    }
    assert_eq!(v["mailboxCount"], 30);
}

#[test]
fn certificate_sign_in_rs256_and_ps256() {
    let env = start(10);
    let info = env.sbx.info().clone();
    let app_id = info.apps.exchange_admin.app_id.clone();
    for (tenant, alg, scope) in [
        (info.tenant_id.as_str(), Alg::Rs256, "https://outlook.office365.com/.default".to_string()),
        (info.organization.as_str(), Alg::Ps256, format!("{}/.default", info.connection_uri)),
        ("organizations", Alg::Rs256, "https://outlook.office365.com/.default".to_string()),
    ] {
        let url = token_url(&env, tenant);
        // MSAL.NET writes nbf/exp as strings.
        let a = assertion(&env, "exchangeAdmin", &url, alg, |c| {
            c["exp"] = Value::String(c["exp"].to_string());
            c["nbf"] = Value::String(c["nbf"].to_string());
        });
        let (status, body) = post_form(&env, &url, &[
            ("grant_type", "client_credentials"), ("client_id", &app_id), ("scope", &scope),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", &a),
        ]);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        let token = body["access_token"].as_str().unwrap();
        let claims: Value = serde_json::from_slice(&base64::decode_config(token.split('.').nth(1).unwrap(), base64::URL_SAFE_NO_PAD).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://outlook.office365.com");
        assert_eq!(claims["iss"], format!("https://sts.windows.net/{}/", info.tenant_id));
        assert_eq!(claims["ver"], "1.0");
        assert_eq!(claims["roles"], json!(["Exchange.ManageAsApp"]));
        assert_eq!(claims["wids"], json!(["29232cdf-9323-42fd-ade2-1d097af3e4de"]));
        assert_eq!(claims["appid"], app_id.as_str());
    }
}

fn cc_error(env: &Env, url: &str, a: &str, scope: &str) -> (u16, Value) {
    let app_id = env.sbx.info().apps.exchange_admin.app_id.clone();
    post_form(env, url, &[
        ("grant_type", "client_credentials"), ("client_id", &app_id), ("scope", scope),
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", a),
    ])
}

#[test]
fn bad_assertions_fail_in_entras_shape() {
    let env = start(10);
    let org = env.sbx.info().organization.clone();
    let url = token_url(&env, &org);
    let scope = "https://outlook.office365.com/.default";
    let a = assertion(&env, "exchangeAdmin", &url, Alg::Rs256, |_| {});
    assert_eq!(cc_error(&env, &url, &a, scope).0, 200);
    // Replayed jti.
    let (status, body) = cc_error(&env, &url, &a, scope);
    assert_eq!((status, body["error"].as_str().unwrap()), (401, "invalid_client"), "{body}");
    let desc = body["error_description"].as_str().unwrap();
    assert!(desc.starts_with("AADSTS") && desc.contains("\r\nTrace ID: ") && desc.contains("\r\nCorrelation ID: ") && desc.contains("\r\nTimestamp: "), "{desc}");
    assert!(body["error_codes"].is_array() && body["trace_id"].is_string() && body["correlation_id"].is_string() && body["timestamp"].is_string());
    // Wrong audience, expired, wrong issuer, signed by the other app's key.
    let wrong_aud = assertion(&env, "exchangeAdmin", &token_url(&env, "common"), Alg::Rs256, |_| {});
    assert_eq!(cc_error(&env, &url, &wrong_aud, scope).1["error"], "invalid_client");
    let expired = assertion(&env, "exchangeAdmin", &url, Alg::Rs256, |c| c["exp"] = json!(chrono::Utc::now().timestamp() - 5));
    assert_eq!(cc_error(&env, &url, &expired, scope).1["error_codes"], json!([700024]));
    let wrong_iss = assertion(&env, "exchangeAdmin", &url, Alg::Ps256, |c| c["iss"] = json!("someone"));
    assert_eq!(cc_error(&env, &url, &wrong_iss, scope).1["error_codes"], json!([700021]));
    let other_key = assertion(&env, "noRole", &url, Alg::Rs256, |_| {});
    assert_eq!(cc_error(&env, &url, &other_key, scope).1["error_codes"], json!([700027]));
    // Bad scope, unknown tenant.
    let a = assertion(&env, "exchangeAdmin", &url, Alg::Rs256, |_| {});
    let (status, body) = cc_error(&env, &url, &a, "https://graph.microsoft.com/.default");
    assert_eq!((status, body["error"].as_str().unwrap()), (400, "invalid_scope"));
    let (status, body) = cc_error(&env, &token_url(&env, "fabrikam.onmicrosoft.com"), &a, scope);
    assert_eq!((status, body["error_codes"].clone()), (400, json!([90002])));
}

#[test]
fn default_result_size_warns_and_pages() {
    let env = start(1200);
    let token = app_token(&env);
    let r = invoke(&env, &token, json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.headers.get("request-id").is_some() && r.headers.get("x-calculatedbetarget").is_some() && r.headers.get("rate-limit-remaining").is_some());
    let b = &r.body;
    let keys: Vec<&String> = b.as_object().unwrap().keys().collect();
    assert!(keys.contains(&&"@odata.context".to_string()));
    assert_eq!(b["adminapi.warnings@odata.type"], "#Collection(String)");
    assert_eq!(b["value"].as_array().unwrap().len(), 1000);
    assert!(b.get("@odata.nextLink").is_none(), "no nextLink past the default ResultSize");
    assert_eq!(b["@adminapi.warnings"], json!([exo_sandbox::adminapi::mailbox::WARN_DEFAULT]));
    let rec = &b["value"][0];
    assert_eq!(rec["EmailAddresses@odata.type"], "#Collection(String)");
    assert_eq!(rec["Guid@data.type"], "System.Guid");
    assert_eq!(rec["Guid@odata.type"], "#Guid");
    assert_eq!(rec["WhenCreated@data.type"], "System.DateTime");

    let (all, pages, warnings) = invoke_all(&env, &token, json!({"ResultSize": 250}), Some(100));
    assert_eq!((all.len(), pages), (250, 3));
    assert_eq!(warnings, vec![exo_sandbox::adminapi::mailbox::WARN_MORE.to_string()]);

    let (all, pages, warnings) = invoke_all(&env, &token, json!({"ResultSize": "Unlimited"}), Some(500));
    assert_eq!((all.len(), pages), (1200, 3));
    assert!(warnings.is_empty());
    let truth = truth(&env);
    assert_eq!(truth.len(), 1200);
    for (a, t) in all.iter().zip(&truth) {
        assert_eq!(&strip(a), t);
    }
    // Exactly as many as exist: no warning, no nextLink.
    let (all, _, warnings) = invoke_all(&env, &token, json!({"ResultSize": 1200}), None);
    assert_eq!((all.len(), warnings.len()), (1200, 0));
}

#[test]
fn next_link_keeps_select_and_needs_the_same_body() {
    let env = start(50);
    let token = app_token(&env);
    let url = format!("{}?$select=Name,Guid,EmailAddresses", invoke_url(&env));
    let r = invoke_at(&env, &url, &token, json!({"ResultSize": "Unlimited"}), Some(20));
    let next = r.body["@odata.nextLink"].as_str().unwrap().to_string();
    assert!(next.starts_with(&format!("{}/adminapi/beta/", env.sbx.connection_uri())) && next.contains("$select=Name,Guid,EmailAddresses") && next.contains("$skiptoken="), "{next}");
    let rec = r.body["value"][0].as_object().unwrap();
    let mut keys: Vec<&str> = rec.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["EmailAddresses", "EmailAddresses@odata.type", "Guid", "Guid@data.type", "Guid@odata.type", "Name"]);
    let other = invoke_at(&env, &next, &token, json!({"ResultSize": 3}), Some(20));
    assert_eq!(other.status, 400, "{}", other.body);
    let same = invoke_at(&env, &next, &token, json!({"ResultSize": "Unlimited"}), Some(20));
    assert_eq!(same.status, 200);
    assert_eq!(same.body["value"].as_array().unwrap().len(), 20);
}

#[test]
fn request_log_never_holds_the_token_and_flags_expired_ones() {
    let env = start_with(|o| o.mailboxes(5).token_lifetime(60));
    let token = app_token(&env);
    assert_eq!(invoke(&env, &token, json!({"ResultSize": 1})).status, 200);
    env.sbx.advance_clock(61);
    let r = invoke(&env, &token, json!({"ResultSize": 1}));
    assert_eq!(r.status, 401, "{}", r.body);
    let log = env.http.get(format!("{}/requests", control(&env))).header("X-Sandbox-Key", env.sbx.control_key()).send().unwrap().text().unwrap();
    assert!(!log.contains(&token) && !log.contains(&token[token.len() - 40..]));
    let log: Vec<Value> = serde_json::from_str(&log).unwrap();
    let invokes: Vec<&Value> = log.iter().filter(|e| e["endpoint"] == "invoke").collect();
    assert_eq!(invokes.len(), 2);
    assert_eq!((invokes[0]["tokenExpired"].clone(), invokes[0]["status"].clone()), (json!(false), json!(200)));
    assert_eq!((invokes[1]["tokenExpired"].clone(), invokes[1]["status"].clone()), (json!(true), json!(401)));
    assert_eq!(invokes[0]["headers"]["authorization"], "Bearer [redacted]");
    assert_eq!(invokes[0]["cmdletName"], "Get-Mailbox");
    let tokens: Vec<&Value> = log.iter().filter(|e| e["endpoint"] == "token").collect();
    assert_eq!(tokens[0]["grantType"], "client_credentials");
    // Without the key the control API refuses.
    assert_eq!(env.http.get(format!("{}/requests", control(&env))).send().unwrap().status().as_u16(), 401);
}

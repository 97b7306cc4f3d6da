//! Fault injection through the control API and at start, and the control calls.

mod common;

use std::io::Read;

use common::*;
use serde_json::{json, Value};

fn arm(env: &Env, rules: Value) {
    let r = env.http.post(format!("{}/faults", control(env))).header("X-Sandbox-Key", env.sbx.control_key()).json(&rules).send().unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().unwrap());
}

fn raw_invoke(env: &Env, url: &str, token: &str) -> Result<(u16, reqwest::header::HeaderMap, String), reqwest::Error> {
    let r = env.http.post(url).bearer_auth(token).json(&json!({"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"ResultSize": "Unlimited"}}})).header("Prefer", "odata.maxpagesize=10").send()?;
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    let mut body = String::new();
    let mut r = r;
    match r.read_to_string(&mut body) {
        Ok(_) => Ok((status, headers, body)),
        Err(_) => Ok((status, headers, "<<reset>>".into())),
    }
}

#[test]
fn status_faults_hit_the_nth_request_with_retry_after() {
    let env = start(30);
    let token = app_token(&env);
    arm(&env, json!([{"endpoint": "invoke", "kind": "status", "status": 429, "retryAfter": "2", "nth": 2}]));
    let url = invoke_url(&env);
    assert_eq!(raw_invoke(&env, &url, &token).unwrap().0, 200);
    let (status, headers, body) = raw_invoke(&env, &url, &token).unwrap();
    assert_eq!((status, headers["retry-after"].to_str().unwrap()), (429, "2"));
    assert!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"].is_string());
    assert_eq!(raw_invoke(&env, &url, &token).unwrap().0, 200);
    // Token endpoint 503, every time, twice.
    arm(&env, json!([{"endpoint": "token", "kind": "status", "status": 503, "times": 2}]));
    let org = env.sbx.info().organization.clone();
    let a = assertion(&env, "exchangeAdmin", &token_url(&env, &org), Alg::Rs256, |_| {});
    let app_id = env.sbx.info().apps.exchange_admin.app_id.clone();
    let form = [("grant_type", "client_credentials"), ("client_id", app_id.as_str()), ("scope", "https://outlook.office365.com/.default"),
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", a.as_str())];
    assert_eq!(post_form(&env, &token_url(&env, &org), &form).0, 503);
    assert_eq!(post_form(&env, &token_url(&env, &org), &form).0, 503);
    assert_eq!(post_form(&env, &token_url(&env, &org), &form).0, 200);
    let log: Vec<Value> = env.http.get(format!("{}/requests", control(&env))).header("X-Sandbox-Key", env.sbx.control_key()).send().unwrap().json().unwrap();
    assert_eq!(log.iter().filter(|e| e["fault"] == "status").count(), 3);
    assert_eq!(log.iter().filter(|e| e["endpoint"] == "token" && e["grantType"] == "client_credentials").count(), 4);
}

#[test]
fn broken_bodies_and_bad_next_links() {
    let env = start(30);
    let token = app_token(&env);
    let url = invoke_url(&env);
    arm(&env, json!([{"endpoint": "invoke", "kind": "truncate"}]));
    let (status, _, body) = raw_invoke(&env, &url, &token).unwrap();
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Value>(&body).is_err());
    arm(&env, json!([{"endpoint": "invoke", "kind": "malformedJson"}]));
    let (status, _, body) = raw_invoke(&env, &url, &token).unwrap();
    assert!(status == 200 && serde_json::from_str::<Value>(&body).is_err());
    arm(&env, json!([{"endpoint": "invoke", "kind": "reset"}]));
    match raw_invoke(&env, &url, &token) {
        Ok((_, _, body)) => assert!(body == "<<reset>>" || serde_json::from_str::<Value>(&body).is_err()),
        Err(_) => {}
    }
    arm(&env, json!([{"endpoint": "invoke", "kind": "foreignNextLink"}]));
    let r = invoke_at(&env, &url, &token, json!({"ResultSize": "Unlimited"}), Some(10));
    let link = r.body["@odata.nextLink"].as_str().unwrap();
    assert!(link.starts_with("https://evil.localhost:"), "{link}");
    let first = invoke_at(&env, &url, &token, json!({"ResultSize": "Unlimited"}), Some(10));
    let next = first.body["@odata.nextLink"].as_str().unwrap().to_string();
    arm(&env, json!([{"endpoint": "invoke", "kind": "loopNextLink"}]));
    let second = invoke_at(&env, &next, &token, json!({"ResultSize": "Unlimited"}), Some(10));
    assert_eq!(second.body["@odata.nextLink"].as_str().unwrap(), next);
    // Delay.
    arm(&env, json!([{"endpoint": "invoke", "kind": "delay", "delayMs": 300}]));
    let t = std::time::Instant::now();
    assert_eq!(raw_invoke(&env, &url, &token).unwrap().0, 200);
    assert!(t.elapsed().as_millis() >= 300);
}

#[test]
fn faults_from_options_and_reset() {
    let rule: exo_sandbox::FaultRule = serde_json::from_value(json!({"endpoint": "imds", "kind": "status", "status": 410, "times": 2})).unwrap();
    let env = start_with(|o| o.mailboxes(3).faults(vec![rule]));
    let mi = env.sbx.info().managed_identity.clone();
    let get = || reqwest::blocking::Client::new().get(format!("{}?api-version=2018-02-01&resource=https://outlook.office365.com/", mi.imds_token_uri)).header("Metadata", "true").send().unwrap().status().as_u16();
    assert_eq!((get(), get(), get()), (410, 410, 200));
    let token = app_token(&env);
    assert_eq!(invoke(&env, &token, json!({"ResultSize": 1})).status, 200);
    arm(&env, json!([{"endpoint": "invoke", "kind": "status", "status": 500, "times": 0}]));
    let r = env.http.post(format!("{}/reset", control(&env))).header("X-Sandbox-Key", env.sbx.control_key()).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // Faults gone, log empty, old tokens refused.
    assert_eq!(invoke(&env, &token, json!({"ResultSize": 1})).status, 401);
    assert_eq!(invoke(&env, &app_token(&env), json!({"ResultSize": 1})).status, 200);
    let bad = env.http.post(format!("{}/faults", control(&env))).header("X-Sandbox-Key", env.sbx.control_key()).json(&json!([{"endpoint": "nowhere", "kind": "status"}])).send().unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

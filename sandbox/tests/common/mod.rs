//! Test helpers: start a sandbox in-process, an HTTPS client that trusts its CA, client
//! assertions signed with openssl, and InvokeCommand calls.
#![allow(dead_code)]

use exo_sandbox::{Options, Sandbox};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer};
use serde_json::{json, Value};

pub struct Env {
    pub sbx: Sandbox,
    pub dir: tempfile::TempDir,
    pub http: reqwest::blocking::Client,
}

pub fn start(mailboxes: u64) -> Env {
    start_with(|o| o.mailboxes(mailboxes))
}

pub fn start_with(f: impl FnOnce(Options) -> Options) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let sbx = Sandbox::start(f(Options::new(dir.path()).device_code_interval(1))).unwrap();
    let ca = reqwest::Certificate::from_pem(sbx.ca_certificate_pem().as_bytes()).unwrap();
    let http = reqwest::blocking::Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .unwrap();
    Env { sbx, dir, http }
}

pub fn b64url(b: &[u8]) -> String {
    base64::encode_config(b, base64::URL_SAFE_NO_PAD)
}

#[derive(Clone, Copy, PartialEq)]
pub enum Alg {
    Rs256,
    Ps256,
}

/// A client assertion for `app` ("exchangeAdmin" or "noRole"), with claims patched by `patch`.
pub fn assertion(env: &Env, app: &str, aud: &str, alg: Alg, patch: impl FnOnce(&mut Value)) -> String {
    let info = env.sbx.info();
    let a = if app == "noRole" { &info.apps.no_role } else { &info.apps.exchange_admin };
    let cert = openssl::x509::X509::from_pem(&std::fs::read(&a.certificate_path).unwrap()).unwrap();
    let key = PKey::private_key_from_pem(&std::fs::read(&a.private_key_path).unwrap()).unwrap();
    let der = cert.to_der().unwrap();
    let header = match alg {
        Alg::Rs256 => json!({"alg": "RS256", "typ": "JWT", "x5t": b64url(&openssl::sha::sha1(&der))}),
        Alg::Ps256 => json!({"alg": "PS256", "typ": "JWT", "x5t#S256": b64url(&openssl::sha::sha256(&der))}),
    };
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "aud": aud, "iss": a.app_id, "sub": a.app_id, "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": now, "iat": now, "exp": now + 600,
    });
    patch(&mut claims);
    let input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
    let mut s = Signer::new(MessageDigest::sha256(), &key).unwrap();
    if alg == Alg::Ps256 {
        s.set_rsa_padding(Padding::PKCS1_PSS).unwrap();
        s.set_rsa_mgf1_md(MessageDigest::sha256()).unwrap();
        s.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH).unwrap();
    }
    s.update(input.as_bytes()).unwrap();
    format!("{input}.{}", b64url(&s.sign_to_vec().unwrap()))
}

pub fn token_url(env: &Env, tenant: &str) -> String {
    format!("{}/{tenant}/oauth2/v2.0/token", env.sbx.authority_uri())
}

/// POSTs a form to the token endpoint; returns (status, body).
pub fn post_form(env: &Env, url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = env.http.post(url).form(form).send().unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

pub fn app_token_for(env: &Env, app: &str) -> String {
    let org = env.sbx.info().organization.clone();
    let url = token_url(env, &org);
    let a = assertion(env, app, &url, Alg::Rs256, |_| {});
    let info = env.sbx.info();
    let app_id = if app == "noRole" { &info.apps.no_role.app_id } else { &info.apps.exchange_admin.app_id };
    let (status, body) = post_form(
        env,
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app_id),
            ("scope", "https://outlook.office365.com/.default"),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", &a),
        ],
    );
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

pub fn app_token(env: &Env) -> String {
    app_token_for(env, "exchangeAdmin")
}

pub fn invoke_url(env: &Env) -> String {
    format!("{}/adminapi/beta/{}/InvokeCommand", env.sbx.connection_uri(), env.sbx.info().tenant_id)
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub bytes: usize,
}

pub fn invoke_at(env: &Env, url: &str, token: &str, params: Value, page_size: Option<u32>) -> Reply {
    let mut req = env
        .http
        .post(url)
        .bearer_auth(token)
        .header("X-CmdletName", "Get-Mailbox")
        .json(&json!({"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": params}}));
    if let Some(n) = page_size {
        req = req.header("Prefer", format!("odata.maxpagesize={n}"));
    }
    let r = req.send().unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().unwrap();
    Reply { status, headers, bytes: text.len(), body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
}

pub fn invoke(env: &Env, token: &str, params: Value) -> Reply {
    invoke_at(env, &invoke_url(env), token, params, None)
}

/// Follows nextLinks; returns (all records, pages, warnings).
pub fn invoke_all(env: &Env, token: &str, params: Value, page_size: Option<u32>) -> (Vec<Value>, usize, Vec<String>) {
    let mut url = invoke_url(env);
    let (mut all, mut pages, mut warnings) = (Vec::new(), 0, Vec::new());
    loop {
        let r = invoke_at(env, &url, token, params.clone(), page_size);
        assert_eq!(r.status, 200, "{}", r.body);
        pages += 1;
        all.extend(r.body["value"].as_array().unwrap().iter().cloned());
        warnings.extend(r.body["@adminapi.warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()));
        match r.body.get("@odata.nextLink").and_then(Value::as_str) {
            Some(next) => url = next.to_string(),
            None => return (all, pages, warnings),
        }
    }
}

pub fn control(env: &Env) -> String {
    format!("{}/_sandbox", env.sbx.connection_uri())
}

pub fn truth(env: &Env) -> Vec<Value> {
    let text = env.http.get(format!("{}/truth/mailboxes", control(env))).header("X-Sandbox-Key", env.sbx.control_key()).send().unwrap().text().unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A record without its OData annotations (as the truth endpoint gives it).
pub fn strip(rec: &Value) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in rec.as_object().unwrap() {
        if !k.contains('@') {
            m.insert(k.clone(), v.clone());
        }
    }
    Value::Object(m)
}

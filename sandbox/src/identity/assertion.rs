//! Certificate client assertions: RS256 or PS256, `x5t` or `x5t#S256`, `aud` = the exact
//! token URL, `iss` = `sub` = client id, `exp`/`nbf` as numbers or numeric strings, `jti`
//! used once. Error codes marked (open) are the sandbox's choice; clients must branch on
//! `error`, never on the number.

use openssl::hash::MessageDigest;
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Verifier};
use serde_json::Value;

use super::errors::EntraError;
use crate::state::State;
use crate::tls::CertKey;

fn b64(part: &str) -> Option<Vec<u8>> {
    base64::decode_config(part.trim_end_matches('='), base64::URL_SAFE_NO_PAD).ok()
}

fn malformed(reason: &str) -> EntraError {
    // (open) Entra's code for a structurally bad assertion.
    EntraError::new(401, "invalid_client", 50027, format!("JWT token is invalid or malformed. [Reason - {reason}]"))
}

/// A number or a numeric string (MSAL.NET writes `nbf`/`exp` as strings).
fn num(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

pub fn verify(state: &State, assertion: &str, client_id: &str, token_url: &str) -> Result<(), EntraError> {
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        return Err(malformed("The assertion is not a JWS compact serialization."));
    }
    let header: Value = b64(parts[0])
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| malformed("The header is not base64url JSON."))?;
    let claims: Value = b64(parts[1])
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| malformed("The payload is not base64url JSON."))?;
    let sig = b64(parts[2]).ok_or_else(|| malformed("The signature is not base64url."))?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" && alg != "PS256" {
        return Err(malformed(&format!("The algorithm '{alg}' is not supported; use RS256 or PS256.")));
    }
    let cert = state.app_cert(client_id).ok_or_else(|| key_not_found(client_id, "none"))?;
    check_thumbprint(&header, cert, client_id)?;
    if !signature_ok(cert, alg, format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig) {
        return Err(EntraError::new(
            401,
            "invalid_client",
            700027,
            format!("Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{}', Found key 'Start=..., End=...', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]", cert.thumbprint()),
        ));
    }
    let s = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    if s("iss") != client_id || s("sub") != client_id {
        return Err(EntraError::new(
            401,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
        ));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == token_url,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(token_url)),
        _ => false,
    };
    if !aud_ok {
        // (open) Entra's exact code for a wrong audience.
        return Err(malformed(&format!("The audience claim of the client assertion must be the token endpoint '{token_url}'. Found: {}.", claims.get("aud").map(|a| a.to_string()).unwrap_or_else(|| "none".into()))));
    }
    let now = state.now();
    let exp = num(claims.get("exp")).ok_or_else(|| malformed("The 'exp' claim is missing or not a number."))?;
    let nbf = match claims.get("nbf") {
        None => None,
        Some(v) => Some(num(Some(v)).ok_or_else(|| malformed("The 'nbf' claim is not a number."))?),
    };
    if exp <= now || nbf.map(|n| n > now + 60).unwrap_or(false) {
        return Err(EntraError::new(
            401,
            "invalid_client",
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
                fmt_time(now),
                nbf.map(fmt_time).unwrap_or_else(|| "(none)".into()),
                fmt_time(exp)
            ),
        ));
    }
    let jti = s("jti");
    if jti.is_empty() {
        return Err(malformed("The 'jti' claim is missing."));
    }
    let mut flows = state.flows.lock();
    flows.purge(now);
    if flows.jtis.contains_key(&jti) {
        // (open) Entra's code for a replayed assertion.
        return Err(EntraError::new(401, "invalid_client", 7000215, "The client assertion has already been used (its jti was seen before). Create a new assertion for every token request."));
    }
    flows.jtis.insert(jti, exp);
    Ok(())
}

fn fmt_time(t: i64) -> String {
    chrono::NaiveDateTime::from_timestamp_opt(t, 0).map(|d| format!("{}Z", d.format("%Y-%m-%dT%H:%M:%S"))).unwrap_or_default()
}

fn key_not_found(client_id: &str, thumb: &str) -> EntraError {
    EntraError::new(
        401,
        "invalid_client",
        700027,
        format!("Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '{thumb}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'. Review the documentation at https://docs.microsoft.com/en-us/graph/api/application-addkey .]"),
    )
}

fn check_thumbprint(header: &Value, cert: &CertKey, client_id: &str) -> Result<(), EntraError> {
    let hex = |s: &str| b64(s).map(|b| crate::tls::hex_upper(&b)).unwrap_or_else(|| s.to_string());
    if let Some(t) = header.get("x5t#S256").and_then(Value::as_str) {
        if t.trim_end_matches('=') == cert.x5t_s256() {
            return Ok(());
        }
        return Err(key_not_found(client_id, &hex(t)));
    }
    if let Some(t) = header.get("x5t").and_then(Value::as_str) {
        if t.trim_end_matches('=') == cert.x5t() {
            return Ok(());
        }
        return Err(key_not_found(client_id, &hex(t)));
    }
    Err(key_not_found(client_id, "none"))
}

fn signature_ok(cert: &CertKey, alg: &str, input: &[u8], sig: &[u8]) -> bool {
    let run = || -> Result<bool, openssl::error::ErrorStack> {
        let key = cert.cert.public_key()?;
        let mut v = Verifier::new(MessageDigest::sha256(), &key)?;
        if alg == "PS256" {
            v.set_rsa_padding(Padding::PKCS1_PSS)?;
            v.set_rsa_mgf1_md(MessageDigest::sha256())?;
            v.set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)?;
        }
        v.update(input)?;
        v.verify(sig)
    };
    run().unwrap_or(false)
}

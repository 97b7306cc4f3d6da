//! Tokens the sandbox issues (RS256, v1.0 access tokens for the admin API; v2.0 id tokens)
//! and their validation by the admin API.

use std::sync::atomic::Ordering;

use jsonwebtoken::{Algorithm, Header, Validation};
use serde_json::{json, Value};

use crate::http::new_guid;
use crate::state::State;
use crate::tenant::principals::{App, User, EXO_RESOURCE_APP_ID};

pub const RESOURCE: &str = "https://outlook.office365.com";
pub const MANAGE_AS_APP: &str = "Exchange.ManageAsApp";
pub const DELEGATED_SCOPE: &str = "Exchange.Manage";

pub fn sign(state: &State, claims: &Value) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.typ = Some("JWT".into());
    h.kid = Some(state.signing.kid.clone());
    h.x5t = Some(state.signing.kid.clone());
    jsonwebtoken::encode(&h, claims, &state.signing.encoding).expect("signing a token")
}

fn base_claims(state: &State, now: i64) -> Value {
    let tid = &state.tenant.tenant_id;
    json!({
        "aud": RESOURCE,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now,
        "nbf": now,
        "exp": now + state.token_lifetime as i64,
        "tid": tid,
        "ver": "1.0",
        "uti": crate::http::random_token(16),
        "rh": "0.sandbox.",
        "sbxgen": state.generation.load(Ordering::Relaxed),
    })
}

/// An app-only token: `roles: ["Exchange.ManageAsApp"]`, and `wids` when the app has a role.
pub fn app_token(state: &State, app: &App) -> String {
    let now = state.now();
    let mut c = base_claims(state, now);
    let tid = state.tenant.tenant_id.clone();
    c["idp"] = format!("https://sts.windows.net/{tid}/").into();
    c["appid"] = app.app_id.clone().into();
    c["app_displayname"] = app.display_name.clone().into();
    c["appidacr"] = "2".into();
    c["oid"] = app.object_id.clone().into();
    c["sub"] = app.object_id.clone().into();
    c["roles"] = json!([MANAGE_AS_APP]);
    if !app.wids.is_empty() {
        c["wids"] = json!(app.wids);
    }
    if app.managed {
        c["xms_mirid"] = format!(
            "/subscriptions/{}/resourcegroups/sandbox/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}",
            tid, app.display_name
        )
        .into();
    }
    sign(state, &c)
}

/// A delegated token for `user` signed in through `client_id`.
pub fn user_token(state: &State, user: &User, client_id: &str, mfa: bool) -> String {
    let now = state.now();
    let mut c = base_claims(state, now);
    let (given, family) = user.display_name.split_once(' ').unwrap_or((&user.display_name, ""));
    c["acr"] = "1".into();
    c["amr"] = if mfa { json!(["pwd", "mfa"]) } else { json!(["pwd"]) };
    c["appid"] = client_id.into();
    c["appidacr"] = "0".into();
    c["given_name"] = given.into();
    c["family_name"] = family.into();
    c["name"] = user.display_name.clone().into();
    c["oid"] = user.object_id.clone().into();
    c["sub"] = user.object_id.clone().into();
    c["puid"] = "10032000ABCDEF01".into();
    c["scp"] = DELEGATED_SCOPE.into();
    c["unique_name"] = user.upn.clone().into();
    c["upn"] = user.upn.clone().into();
    c["wids"] = json!(user.wids);
    c["sid"] = new_guid().into();
    sign(state, &c)
}

/// A v2.0 id token for MSAL-style clients.
pub fn id_token(state: &State, user: &User, client_id: &str, nonce: Option<&str>) -> String {
    let now = state.now();
    let tid = &state.tenant.tenant_id;
    let mut c = json!({
        "aud": client_id,
        "iss": format!("{}/{tid}/v2.0", state.authority_uri),
        "iat": now, "nbf": now, "exp": now + 3600,
        "name": user.display_name,
        "oid": user.object_id,
        "preferred_username": user.upn,
        "sub": user.object_id,
        "tid": tid,
        "ver": "2.0",
    });
    if let Some(n) = nonce {
        c["nonce"] = n.into();
    }
    sign(state, &c)
}

/// MSAL's `client_info`: base64url JSON `{uid, utid}`.
pub fn client_info(state: &State, user: &User) -> String {
    crate::tls::b64url(json!({"uid": user.object_id, "utid": state.tenant.tenant_id}).to_string().as_bytes())
}

/// `exp` of a JWT without verifying it (for the request log).
pub fn peek_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::decode_config(payload, base64::URL_SAFE_NO_PAD).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.get("exp")?.as_i64()
}

pub enum TokenProblem {
    Expired,
    Invalid(String),
}

/// Validates an access token presented to the admin API: signature, audience, issuer,
/// expiry (exact, no leeway, on the sandbox's clock).
pub fn verify_access_token(state: &State, token: &str) -> Result<Value, TokenProblem> {
    let mut v = Validation::new(Algorithm::RS256);
    v.leeway = 0;
    v.validate_exp = false;
    v.set_audience(&[RESOURCE, "https://outlook.office365.com/", EXO_RESOURCE_APP_ID]);
    v.set_issuer(&[format!("https://sts.windows.net/{}/", state.tenant.tenant_id)]);
    let data = jsonwebtoken::decode::<Value>(token, &state.signing.decoding, &v)
        .map_err(|e| TokenProblem::Invalid(e.to_string()))?;
    let c = data.claims;
    let now = state.now();
    let exp = c.get("exp").and_then(Value::as_i64).ok_or_else(|| TokenProblem::Invalid("no exp".into()))?;
    if exp <= now {
        return Err(TokenProblem::Expired);
    }
    if c.get("nbf").and_then(Value::as_i64).map(|nbf| nbf > now + 300).unwrap_or(false) {
        return Err(TokenProblem::Invalid("token not yet valid".into()));
    }
    if c.get("sbxgen").and_then(Value::as_i64).unwrap_or(0) != state.generation.load(Ordering::Relaxed) {
        return Err(TokenProblem::Invalid("token was revoked (sandbox reset)".into()));
    }
    Ok(c)
}

//! `POST /{tenant}/oauth2/v2.0/token`: client_credentials (certificate assertion),
//! authorization_code (+PKCE S256), refresh_token, device_code and password.

use std::collections::HashMap;

use serde_json::{json, Value};
use sha2::Digest;

use super::errors::EntraError;
use super::flows::{DeviceStatus, RefreshGrant};
use super::jwt::{self, RESOURCE};
use super::TenantRef;
use crate::http::{self, random_token, Ctx, Resp};
use crate::state::State;
use crate::tenant::principals::{User, UserKind, PUBLIC_CLIENT_ID};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The short name Entra also accepts for the device code grant; MSAL.NET sends this one.
const DEVICE_CODE_SHORT: &str = "device_code";

pub fn handle(state: &State, ctx: &mut Ctx, tenant: &TenantRef) -> Resp {
    let form = ctx.form();
    ctx.grant_type = form.get("grant_type").cloned();
    ctx.client_id = form.get("client_id").cloned();
    let token_url = format!("{}{}", state.authority_uri, ctx.path);
    let result = match form.get("grant_type").map(String::as_str) {
        None | Some("") => Err(missing("grant_type")),
        Some("client_credentials") => client_credentials(state, &form, &token_url),
        Some("password") => password(state, &form),
        Some("authorization_code") => authorization_code(state, &form),
        Some("refresh_token") => refresh(state, &form),
        Some(DEVICE_CODE | DEVICE_CODE_SHORT) => device_code(state, &form),
        Some(other) => Err(EntraError::bad(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    };
    let _ = tenant;
    match result {
        Ok(body) => http::json(200, &body),
        Err(e) => e.into_resp(state, ctx),
    }
}

pub fn missing(param: &str) -> EntraError {
    EntraError::bad("invalid_request", 900144, format!("The request body must contain the following parameter: '{param}'."))
}

fn get<'a>(form: &'a HashMap<String, String>, k: &str) -> Result<&'a str, EntraError> {
    form.get(k).map(String::as_str).filter(|v| !v.is_empty()).ok_or_else(|| missing(k))
}

/// True when `scope` names the admin API's resource (`/.default` of the real resource,
/// of the sandbox's connectionUri, or the resource app id).
pub fn is_exo_scope(state: &State, scope: &str) -> bool {
    scope.split_whitespace().any(|s| {
        let s = s.trim_end_matches('/');
        let base = s.strip_suffix("/.default").or_else(|| s.strip_suffix("/Exchange.Manage")).or_else(|| s.strip_suffix("/Exchange.ManageAsApp"));
        match base {
            Some(b) => {
                let b = b.trim_end_matches('/');
                b.eq_ignore_ascii_case(RESOURCE)
                    || b.eq_ignore_ascii_case(&state.connection_uri)
                    || b.eq_ignore_ascii_case(crate::tenant::principals::EXO_RESOURCE_APP_ID)
            }
            None => false,
        }
    })
}

fn invalid_scope(scope: &str) -> EntraError {
    EntraError::bad("invalid_scope", 70011, format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope '{scope}' is not valid."))
}

fn client_credentials(state: &State, form: &HashMap<String, String>, token_url: &str) -> Result<Value, EntraError> {
    let client_id = get(form, "client_id")?;
    let app = state.tenant.principals.app(client_id).filter(|a| !a.managed).ok_or_else(|| {
        EntraError::bad(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", state.tenant.organization),
        )
    })?;
    let scope = get(form, "scope")?;
    if !is_exo_scope(state, scope) || !scope.split_whitespace().all(|s| s.ends_with("/.default")) {
        return Err(invalid_scope(scope));
    }
    if form.contains_key("client_secret") {
        return Err(EntraError::new(401, "invalid_client", 7000215, format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'.")));
    }
    match (form.get("client_assertion_type"), form.get("client_assertion")) {
        (Some(t), Some(a)) if t == JWT_BEARER && !a.is_empty() => super::assertion::verify(state, a, client_id, token_url)?,
        (Some(t), Some(_)) if t != JWT_BEARER => {
            return Err(EntraError::bad("invalid_request", 50027, format!("Invalid client_assertion_type '{t}'; expected '{JWT_BEARER}'.")))
        }
        _ => {
            return Err(EntraError::new(401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."))
        }
    }
    let token = jwt::app_token(state, app);
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": state.token_lifetime,
        "ext_expires_in": state.token_lifetime,
        "access_token": token,
    }))
}

/// Account checks shared by every delegated grant.
pub fn check_user(user: &User) -> Result<(), EntraError> {
    match user.kind {
        UserKind::Blocked => Err(EntraError::bad(
            "invalid_grant",
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        )),
        UserKind::Disabled => Err(EntraError::bad("invalid_grant", 50057, "The user account is disabled.")),
        _ => Ok(()),
    }
}

fn check_public_client(state: &State, client_id: &str) -> Result<(), EntraError> {
    if client_id.eq_ignore_ascii_case(PUBLIC_CLIENT_ID) || state.tenant.principals.app(client_id).is_some() {
        Ok(())
    } else {
        Err(EntraError::bad(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory '{}'.", state.tenant.organization),
        ))
    }
}

/// The delegated token response, with a refresh token when `offline_access` was asked for.
pub fn user_response(state: &State, user: &User, client_id: &str, scope: &str, mfa: bool, nonce: Option<&str>) -> Value {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let mut granted = vec![format!("{RESOURCE}/{}", jwt::DELEGATED_SCOPE)];
    for s in ["openid", "profile", "offline_access", "email"] {
        if scopes.contains(&s) {
            granted.push(s.to_string());
        }
    }
    let mut body = json!({
        "token_type": "Bearer",
        "scope": granted.join(" "),
        "expires_in": state.token_lifetime,
        "ext_expires_in": state.token_lifetime,
        "access_token": jwt::user_token(state, user, client_id, mfa),
        "client_info": jwt::client_info(state, user),
    });
    if scopes.contains(&"offline_access") {
        let rt = format!("0.SBX.{}", random_token(48));
        state.flows.lock().refresh.insert(
            rt.clone(),
            RefreshGrant { client_id: client_id.to_string(), user_oid: user.object_id.clone(), scope: scope.to_string(), mfa },
        );
        body["refresh_token"] = rt.into();
    }
    if scopes.contains(&"openid") {
        body["id_token"] = jwt::id_token(state, user, client_id, nonce).into();
    }
    body
}

fn password(state: &State, form: &HashMap<String, String>) -> Result<Value, EntraError> {
    let client_id = get(form, "client_id")?;
    check_public_client(state, client_id)?;
    let username = get(form, "username")?;
    let pw = get(form, "password")?;
    let scope = get(form, "scope")?;
    if !is_exo_scope(state, scope) {
        return Err(invalid_scope(scope));
    }
    let user = state.tenant.principals.user_by_upn(username).ok_or_else(|| {
        EntraError::bad("invalid_grant", 50034, format!("The user account {{EUII Hidden}} does not exist in the {} directory. To sign into this application, the account must be added to the directory.", state.tenant.tenant_id))
    })?;
    if user.password != pw {
        return Err(EntraError::bad("invalid_grant", 50126, "Error validating credentials due to invalid username or password."));
    }
    check_user(user)?;
    if user.kind == UserKind::Mfa {
        let mut e = EntraError::bad(
            "invalid_grant",
            50076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000002-0000-0ff1-ce00-000000000000'.",
        );
        e.suberror = Some("basic_action");
        return Err(e);
    }
    Ok(user_response(state, user, client_id, scope, false, None))
}

fn pkce_s256(verifier: &str) -> String {
    crate::tls::b64url(&sha2::Sha256::digest(verifier.as_bytes()))
}

fn authorization_code(state: &State, form: &HashMap<String, String>) -> Result<Value, EntraError> {
    let client_id = get(form, "client_id")?;
    let code = get(form, "code")?;
    let redirect_uri = get(form, "redirect_uri")?;
    let now = state.now();
    let grant = {
        let mut flows = state.flows.lock();
        let Some(c) = flows.codes.get_mut(code) else {
            return Err(EntraError::bad("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The authorization code is not valid."));
        };
        if c.redeemed {
            return Err(EntraError::bad("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."));
        }
        if c.expires <= now {
            return Err(EntraError::bad("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
        }
        c.redeemed = true;
        c.clone()
    };
    if !grant.request.client_id.eq_ignore_ascii_case(client_id) {
        return Err(EntraError::bad("invalid_grant", 70000, "The provided authorization code was issued to a different client."));
    }
    if grant.request.redirect_uri != redirect_uri {
        return Err(EntraError::bad("invalid_grant", 50011, format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URI of the authorization request.")));
    }
    if let Some(challenge) = &grant.request.code_challenge {
        let verifier = form.get("code_verifier").map(String::as_str).unwrap_or("");
        if verifier.is_empty() || pkce_s256(verifier) != *challenge {
            return Err(EntraError::bad("invalid_grant", 50148, "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE."));
        }
    }
    let user = state.tenant.principals.user_by_oid(&grant.user_oid).expect("seeded user");
    check_user(user)?;
    let scope = form.get("scope").cloned().unwrap_or_else(|| grant.request.scope.clone());
    Ok(user_response(state, user, client_id, &scope, grant.mfa, grant.request.nonce.as_deref()))
}

fn refresh(state: &State, form: &HashMap<String, String>) -> Result<Value, EntraError> {
    let client_id = get(form, "client_id")?;
    let rt = get(form, "refresh_token")?;
    let grant = state.flows.lock().refresh.get(rt).cloned().ok_or_else(|| {
        EntraError::bad("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The refresh token is not valid.")
    })?;
    if !grant.client_id.eq_ignore_ascii_case(client_id) {
        return Err(EntraError::bad("invalid_grant", 70000, "The refresh token was issued to a different client."));
    }
    let scope = form.get("scope").cloned().unwrap_or(grant.scope.clone());
    if !is_exo_scope(state, &scope) {
        return Err(invalid_scope(&scope));
    }
    let user = state.tenant.principals.user_by_oid(&grant.user_oid).expect("seeded user");
    check_user(user)?;
    let mut scope = scope;
    if !scope.split_whitespace().any(|s| s == "offline_access") {
        scope.push_str(" offline_access");
    }
    Ok(user_response(state, user, client_id, &scope, grant.mfa, None))
}

fn device_code(state: &State, form: &HashMap<String, String>) -> Result<Value, EntraError> {
    let client_id = get(form, "client_id")?;
    let code = form.get("device_code").or_else(|| form.get("code")).map(String::as_str).unwrap_or("");
    if code.is_empty() {
        return Err(missing("device_code"));
    }
    let now = state.now();
    let (user_oid, mfa, scope) = {
        let mut flows = state.flows.lock();
        let Some(d) = flows.devices.get_mut(code) else {
            return Err(EntraError::bad("bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid."));
        };
        if !d.client_id.eq_ignore_ascii_case(client_id) {
            return Err(EntraError::bad("invalid_grant", 70000, "The device code was issued to a different client."));
        }
        if d.expires <= now {
            return Err(EntraError::bad("expired_token", 70019, "Verification code expired."));
        }
        let too_fast = d
            .last_poll
            .map(|t| t.elapsed() < std::time::Duration::from_millis((d.interval * 1000).saturating_sub(500)))
            .unwrap_or(false);
        d.last_poll = Some(std::time::Instant::now());
        match d.status.clone() {
            DeviceStatus::Pending if too_fast => {
                d.interval += 5;
                return Err(EntraError::bad("slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast: wait the interval (increased by 5 seconds) between requests."));
            }
            DeviceStatus::Pending => {
                return Err(EntraError::bad("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."))
            }
            DeviceStatus::Declined => {
                return Err(EntraError::bad("authorization_declined", 70020, "The user has declined to authenticate."))
            }
            DeviceStatus::Redeemed => {
                return Err(EntraError::bad("invalid_grant", 54005, "The device code was already redeemed."))
            }
            DeviceStatus::Approved { user_oid, mfa } => {
                d.status = DeviceStatus::Redeemed;
                (user_oid, mfa, d.scope.clone())
            }
        }
    };
    let user = state.tenant.principals.user_by_oid(&user_oid).expect("seeded user");
    check_user(user)?;
    Ok(user_response(state, user, client_id, &scope, mfa, None))
}

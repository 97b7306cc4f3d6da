//! Device authorization grant: `POST /{tenant}/oauth2/v2.0/devicecode`, the `/devicelogin`
//! page (code field id `otc`, then the same sign-in form as authorize), and approval.

use serde_json::json;

use super::errors::EntraError;
use super::flows::{DeviceGrant, DeviceStatus, Purpose, Step};
use super::TenantRef;
use crate::http::{self, esc, random_token, Ctx, Resp};
use crate::state::State;
use crate::tenant::principals::PUBLIC_CLIENT_ID;

pub fn start(state: &State, ctx: &mut Ctx, _tenant: &TenantRef) -> Resp {
    let f = ctx.form();
    ctx.client_id = f.get("client_id").cloned();
    let client_id = f.get("client_id").cloned().unwrap_or_default();
    if client_id.is_empty() {
        return super::token::missing("client_id").into_resp(state, ctx);
    }
    if !(client_id.eq_ignore_ascii_case(PUBLIC_CLIENT_ID) || state.tenant.principals.app(&client_id).is_some()) {
        return EntraError::bad("unauthorized_client", 700016, format!("Application with identifier '{client_id}' was not found in the directory '{}'.", state.tenant.organization)).into_resp(state, ctx);
    }
    let scope = f.get("scope").cloned().unwrap_or_default();
    if !super::token::is_exo_scope(state, &scope) {
        return EntraError::bad("invalid_scope", 70011, format!("The provided value for the input parameter 'scope' is not valid. The scope '{scope}' is not valid.")).into_resp(state, ctx);
    }
    let device_code = format!("DAQABAAEAAAD{}", random_token(48));
    let user_code = {
        let mut r = crate::tenant::rng::Rng::new(rand::random(), 0, 0);
        r.upper_alnum(9)
    };
    let verification_uri = format!("{}/devicelogin", state.authority_uri);
    state.flows.lock().devices.insert(
        device_code.clone(),
        DeviceGrant {
            user_code: user_code.clone(),
            client_id,
            scope,
            expires: state.now() + state.device_expiry as i64,
            interval: state.device_interval,
            last_poll: None,
            status: DeviceStatus::Pending,
        },
    );
    http::json(
        200,
        &json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": state.device_expiry,
            "interval": state.device_interval,
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }),
    )
}

fn code_page(error: Option<&str>) -> Resp {
    let err = error.map(|e| format!("<div id=\"otcError\" role=\"alert\" style=\"color:#e81123\">{}</div>", esc(e))).unwrap_or_default();
    http::html(
        200,
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Enter code</title></head>\
             <body style=\"font-family:sans-serif;max-width:28em;margin:3em auto\"><h1>Enter code</h1>{err}\
             <p>Enter the code displayed on your app or device.</p>\
             <form method=\"post\" action=\"/devicelogin\"><input type=\"text\" id=\"otc\" name=\"otc\" autocomplete=\"off\">\
             <button type=\"submit\" id=\"idSIButton9\">Next</button></form></body></html>"
        ),
    )
}

pub fn done_page(text: &str) -> Resp {
    http::html(
        200,
        format!("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>ExoNative sandbox</title></head><body><h1 id=\"done\">{}</h1></body></html>", esc(text)),
    )
}

/// `GET /devicelogin` shows the code form; `POST /devicelogin` (field `otc`) continues to sign-in.
pub fn devicelogin(state: &State, ctx: &mut Ctx) -> Resp {
    if ctx.method != hyper::Method::POST {
        return code_page(None);
    }
    let f = ctx.form();
    let code = f.get("otc").cloned().unwrap_or_default();
    let now = state.now();
    let found = {
        let mut flows = state.flows.lock();
        flows
            .device_by_user_code(&code)
            .filter(|(_, d)| d.status == DeviceStatus::Pending && d.expires > now)
            .map(|(dc, _)| dc.clone())
    };
    match found {
        None => code_page(Some("That code didn't work. Check the code and try again.")),
        Some(dc) => {
            let tid = state.tenant.tenant_id.clone();
            let sid = super::authorize::new_session(state, Purpose::Device(dc), &tid);
            super::authorize::login_page(&tid, &sid, &Step::Password, "", None)
        }
    }
}

pub fn approve(state: &State, device_code: &str, user_oid: &str, mfa: bool) {
    if let Some(d) = state.flows.lock().devices.get_mut(device_code) {
        d.status = DeviceStatus::Approved { user_oid: user_oid.to_string(), mfa };
    }
}

pub fn decline(state: &State, device_code: &str) {
    if let Some(d) = state.flows.lock().devices.get_mut(device_code) {
        d.status = DeviceStatus::Declined;
    }
}

/// Control API: approve (or decline) a pending code as `user` (a key of `sandbox.json`'s
/// `users`, or a UPN). Returns an error text when the code or the user is unknown.
pub fn approve_by_user_code(state: &State, user_code: &str, user: &str, decline_it: bool) -> Result<(), String> {
    let u = state.tenant.principals.user_by_key(user).ok_or_else(|| format!("unknown user '{user}'"))?;
    let mut flows = state.flows.lock();
    let (_, d) = flows.device_by_user_code(user_code).ok_or_else(|| format!("unknown user code '{user_code}'"))?;
    if d.status != DeviceStatus::Pending {
        return Err(format!("user code '{user_code}' is no longer pending"));
    }
    d.status = if decline_it { DeviceStatus::Declined } else { DeviceStatus::Approved { user_oid: u.object_id.clone(), mfa: u.otp.is_some() } };
    Ok(())
}


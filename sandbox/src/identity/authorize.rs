//! `GET /{tenant}/oauth2/v2.0/authorize` and the login page: username + password, then a
//! one-time code for users that need MFA; then a redirect to the loopback `redirect_uri`
//! with `code` and `state`. Blocked and disabled users get a code too: the token request
//! then fails with AADSTS53003 / AADSTS50057 (the same errors the other grants give).
//!
//! Field ids: `username`, `password`, `otp`; the submit button is `idSIButton9` (as on
//! Entra's page) and the cancel button `idBtn_Back`.

use super::errors::error_page;
use super::flows::{AuthCode, AuthRequest, LoginSession, Purpose, Step};
use super::TenantRef;
use crate::http::{self, esc, random_token, Ctx, Resp};
use crate::state::State;
use crate::tenant::principals::{UserKind, PUBLIC_CLIENT_ID};

fn loopback_redirect(uri: &str) -> bool {
    let Ok(u) = url::Url::parse(uri) else { return false };
    (u.scheme() == "http" && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1") | Some("[::1]")))
        || uri == "https://login.microsoftonline.com/common/oauth2/nativeclient"
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut u = url::Url::parse(uri).expect("validated redirect uri");
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    u.to_string()
}

pub fn start(state: &State, ctx: &mut Ctx, tenant: &TenantRef) -> Resp {
    let q = ctx.query_map();
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    ctx.client_id = Some(client_id.clone());
    if !(client_id.eq_ignore_ascii_case(PUBLIC_CLIENT_ID) || state.tenant.principals.app(&client_id).is_some()) {
        return error_page(400, 700016, &format!("Application with identifier '{client_id}' was not found in the directory '{}'.", state.tenant.organization));
    }
    let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
    if !loopback_redirect(&redirect_uri) {
        return error_page(400, 50011, &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."));
    }
    let st = q.get("state").cloned();
    let fail = |error: &str, desc: &str| {
        let mut pairs = vec![("error", error), ("error_description", desc)];
        if let Some(s) = &st {
            pairs.push(("state", s));
        }
        http::redirect(&with_query(&redirect_uri, &pairs))
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return fail("unsupported_response_type", "AADSTS700054: response_type must be 'code'.");
    }
    let challenge = q.get("code_challenge").cloned();
    match (q.get("code_challenge_method").map(String::as_str), &challenge) {
        (Some("S256"), Some(c)) if (43..=128).contains(&c.len()) => {}
        (None, None) => {}
        _ => return fail("invalid_request", "AADSTS501491: PKCE requires code_challenge_method=S256 and a code_challenge of 43 to 128 characters."),
    }
    let scope = q.get("scope").cloned().unwrap_or_default();
    if !super::token::is_exo_scope(state, &scope) {
        return fail("invalid_scope", &format!("AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope '{scope}' is not valid."));
    }
    let req = AuthRequest {
        client_id,
        redirect_uri,
        state: st,
        code_challenge: challenge,
        scope,
        nonce: q.get("nonce").cloned(),
        login_hint: q.get("login_hint").cloned(),
    };
    let hint = req.login_hint.clone().unwrap_or_default();
    let sid = new_session(state, Purpose::Authorize(req), tenant.as_written());
    login_page(tenant.as_written(), &sid, &Step::Password, &hint, None)
}

pub fn new_session(state: &State, purpose: Purpose, tenant: &str) -> String {
    let sid = random_token(24);
    state.flows.lock().sessions.insert(
        sid.clone(),
        LoginSession { purpose, step: Step::Password, tenant: tenant.to_string(), expires: state.now() + 900 },
    );
    sid
}

/// The sign-in form (password step or one-time-code step).
pub fn login_page(tenant: &str, sid: &str, step: &Step, hint: &str, error: Option<&str>) -> Resp {
    let err = error.map(|e| format!("<div id=\"usernameError\" role=\"alert\" style=\"color:#e81123\">{}</div>", esc(e))).unwrap_or_default();
    let fields = match step {
        Step::Password => format!(
            "<div><label for=\"username\">Email, phone, or Skype</label><br><input type=\"email\" id=\"username\" name=\"username\" value=\"{}\" autocomplete=\"username\"></div>\
             <div><label for=\"password\">Password</label><br><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\"></div>",
            esc(hint)
        ),
        Step::Otp(_) => "<p>Enter the code displayed in your authenticator app.</p>\
             <div><label for=\"otp\">Code</label><br><input type=\"text\" id=\"otp\" name=\"otp\" inputmode=\"numeric\" autocomplete=\"one-time-code\"></div>".to_string(),
    };
    http::html(
        200,
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head>\
             <body style=\"font-family:sans-serif;max-width:28em;margin:3em auto\"><h1>Sign in</h1>\
             <p>ExoNative sandbox tenant</p>{err}\
             <form method=\"post\" action=\"/{}/login\" id=\"loginForm\">\
             <input type=\"hidden\" name=\"session\" value=\"{}\">{fields}\
             <div style=\"margin-top:1em\"><button type=\"submit\" id=\"idSIButton9\" name=\"action\" value=\"next\">{}</button> \
             <button type=\"submit\" id=\"idBtn_Back\" name=\"action\" value=\"cancel\">Cancel</button></div>\
             </form></body></html>",
            esc(tenant),
            esc(sid),
            if matches!(step, Step::Password) { "Sign in" } else { "Verify" }
        ),
    )
}

/// `POST /{tenant}/login`: one step of the sign-in form.
pub fn login(state: &State, ctx: &mut Ctx, tenant: &TenantRef) -> Resp {
    let f = ctx.form();
    let sid = f.get("session").cloned().unwrap_or_default();
    let Some(session) = state.flows.lock().sessions.get(&sid).cloned() else {
        return error_page(400, 50058, "The sign-in session has expired or is not valid. Start the sign-in again.");
    };
    let t = tenant.as_written();
    if f.get("action").map(String::as_str) == Some("cancel") {
        state.flows.lock().sessions.remove(&sid);
        return match &session.purpose {
            Purpose::Authorize(req) => {
                let mut pairs = vec![("error", "access_denied"), ("error_subcode", "cancel"), ("error_description", "AADSTS65004: User declined to consent to access the app.")];
                if let Some(s) = &req.state {
                    pairs.push(("state", s));
                }
                http::redirect(&with_query(&req.redirect_uri, &pairs))
            }
            Purpose::Device(dc) => {
                super::devicecode::decline(state, dc);
                super::devicecode::done_page("You have declined to sign in to the application on your device.")
            }
        };
    }
    let (user_oid, mfa) = match &session.step {
        Step::Password => {
            let username = f.get("username").cloned().unwrap_or_default();
            let password = f.get("password").cloned().unwrap_or_default();
            let user = match state.tenant.principals.user_by_upn(&username) {
                Some(u) if u.password == password => u,
                _ => {
                    return login_page(t, &sid, &Step::Password, &username, Some("Your account or password is incorrect. If you don't remember your password, reset it now."))
                }
            };
            if user.kind == UserKind::Mfa {
                let step = Step::Otp(user.object_id.clone());
                if let Some(s) = state.flows.lock().sessions.get_mut(&sid) {
                    s.step = step.clone();
                }
                return login_page(t, &sid, &step, "", None);
            }
            (user.object_id.clone(), false)
        }
        Step::Otp(oid) => {
            let user = state.tenant.principals.user_by_oid(oid).expect("seeded user");
            if f.get("otp").map(|o| o.trim()) != user.otp.as_deref() {
                return login_page(t, &sid, &session.step, "", Some("You didn't enter the expected verification code. Please try again."));
            }
            (oid.clone(), true)
        }
    };
    state.flows.lock().sessions.remove(&sid);
    match session.purpose {
        Purpose::Authorize(req) => {
            let code = format!("1.SBX.{}", random_token(48));
            let mut pairs: Vec<(&str, String)> = vec![("code", code.clone())];
            if let Some(s) = &req.state {
                pairs.push(("state", s.clone()));
            }
            pairs.push(("session_state", crate::http::new_guid()));
            let location = with_query(&req.redirect_uri, &pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>());
            state.flows.lock().codes.insert(code, AuthCode { request: req, user_oid, mfa, expires: state.now() + 600, redeemed: false });
            http::redirect(&location)
        }
        Purpose::Device(dc) => {
            super::devicecode::approve(state, &dc, &user_oid, mfa);
            super::devicecode::done_page("You have signed in to the application on your device. You may now close this window.")
        }
    }
}

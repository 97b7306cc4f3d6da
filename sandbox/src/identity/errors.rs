//! Entra's error body: `error`, `error_description` (`AADSTSnnnnn: text` plus the trace
//! lines), `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.

use serde_json::{json, Value};

use crate::http::{self, new_guid, Ctx, Resp};
use crate::state::State;

pub struct EntraError {
    pub status: u16,
    pub error: &'static str,
    pub code: u32,
    pub text: String,
    pub suberror: Option<&'static str>,
}

impl EntraError {
    pub fn new(status: u16, error: &'static str, code: u32, text: impl Into<String>) -> EntraError {
        EntraError { status, error, code, text: text.into(), suberror: None }
    }
    pub fn bad(error: &'static str, code: u32, text: impl Into<String>) -> EntraError {
        Self::new(400, error, code, text)
    }
    pub fn body(&self, state: &State, ctx: &Ctx) -> Value {
        let ts = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
        let trace = new_guid();
        let corr = ctx.header("client-request-id").map(str::to_string).unwrap_or_else(new_guid);
        let mut v = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}",
                self.code, self.text
            ),
            "error_codes": [self.code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("{}/error?code={}", state.authority_uri, self.code),
        });
        if let Some(s) = self.suberror {
            v["suberror"] = s.into();
        }
        v
    }
    pub fn into_resp(self, state: &State, ctx: &Ctx) -> Resp {
        let mut r = http::json(self.status, &self.body(state, ctx));
        if let Some(c) = ctx.header("client-request-id") {
            http::set_header(&mut r, "client-request-id", c);
        }
        r
    }
}

pub fn tenant_not_found(state: &State, ctx: &Ctx, t: &str, page: bool) -> Resp {
    let e = EntraError::bad(
        "invalid_request",
        90002,
        format!(
            "Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
        ),
    );
    if page {
        return error_page(400, 90002, &e.text);
    }
    e.into_resp(state, ctx)
}

pub fn error_page(status: u16, code: u32, text: &str) -> Resp {
    http::html(
        status,
        format!(
            "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body>\
             <h1>Sorry, but we're having trouble signing you in.</h1>\
             <p id=\"error\">AADSTS{code}: {}</p></body></html>",
            http::esc(text)
        ),
    )
}

/// Body for an injected status fault on the token or device-code endpoint.
pub fn status_error(status: u16) -> Resp {
    let (error, code) = if status == 429 || status >= 500 { ("temporarily_unavailable", 50196) } else { ("invalid_request", 90000) };
    let ts = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let (trace, corr) = (new_guid(), new_guid());
    http::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: The server is temporarily unable to service your request (injected fault).\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}"),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
        }),
    )
}

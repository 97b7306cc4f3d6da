//! The control API under `{connectionUri}/_sandbox/`, for tests. Every call needs
//! `X-Sandbox-Key: <controlKey>`.
//!
//! | call | what |
//! |---|---|
//! | `GET truth/mailboxes` | NDJSON, one line per mailbox in service order: the full record as Get-Mailbox returns it, without OData annotations (GUIDs and dates as the same strings, multi-valued properties as arrays) |
//! | `GET truth/properties` | the property names, in record order |
//! | `POST faults` / `GET faults` / `DELETE faults` | arm (JSON array of rules, or one rule), list, clear fault rules |
//! | `GET requests` / `DELETE requests` | the request log (control calls are not logged) |
//! | `POST device/approve` | `{"userCode","user":"admin","decline":false}` |
//! | `POST clock` | `{"advanceSeconds": n}` moves the sandbox clock (tokens expire sooner) |
//! | `POST reset` | forget issued tokens, codes, faults and the log; clock back to normal |
//! | `GET info` | `sandbox.json`'s data |

use std::sync::atomic::Ordering;

use futures_util::stream;
use hyper::{Body, Response};
use serde_json::{json, Value};

use crate::faults::FaultRule;
use crate::http::{self, Ctx, Resp};
use crate::state::{Shared, State};
use crate::tenant::record::write_plain;

pub fn authorized(state: &State, ctx: &Ctx) -> bool {
    ctx.header("x-sandbox-key").map(|k| k == state.control_key).unwrap_or(false)
}

fn ok() -> Resp {
    http::json(200, &json!({"ok": true}))
}

fn bad(text: &str) -> Resp {
    http::json(400, &json!({"error": text}))
}

pub fn handle(state: &State, ctx: &Ctx) -> Resp {
    if !authorized(state, ctx) {
        return http::json(401, &json!({"error": "The control API needs the X-Sandbox-Key header with the controlKey from sandbox.json."}));
    }
    let path = ctx.path.trim_start_matches("/_sandbox/");
    match (ctx.method.as_str(), path) {
        ("GET", "truth/properties") => http::json(200, &json!(state.tenant.prop_names())),
        ("GET", "faults") => http::json(200, &Value::Array(state.faults.list())),
        ("POST", "faults") => {
            let rules: Vec<FaultRule> = match ctx.body_json() {
                Ok(Value::Array(a)) => match a.into_iter().map(serde_json::from_value).collect::<Result<_, _>>() {
                    Ok(r) => r,
                    Err(e) => return bad(&format!("bad fault rule: {e}")),
                },
                Ok(v @ Value::Object(_)) => match serde_json::from_value(v) {
                    Ok(r) => vec![r],
                    Err(e) => return bad(&format!("bad fault rule: {e}")),
                },
                _ => return bad("expected a JSON array of fault rules"),
            };
            for r in &rules {
                if let Err(e) = r.validate() {
                    return bad(&e);
                }
            }
            let n = rules.len();
            state.faults.add(rules);
            http::json(200, &json!({"ok": true, "added": n}))
        }
        ("DELETE", "faults") => {
            state.faults.clear();
            ok()
        }
        ("GET", "requests") => http::json(200, &serde_json::to_value(state.log.all()).expect("log")),
        ("DELETE", "requests") => {
            state.log.clear();
            ok()
        }
        ("POST", "device/approve") => {
            let v = ctx.body_json().unwrap_or(Value::Null);
            let code = v.get("userCode").and_then(Value::as_str).unwrap_or("");
            let user = v.get("user").and_then(Value::as_str).unwrap_or("admin");
            let decline = v.get("decline").and_then(Value::as_bool).unwrap_or(false);
            match crate::identity::devicecode::approve_by_user_code(state, code, user, decline) {
                Ok(()) => ok(),
                Err(e) => http::json(404, &json!({"error": e})),
            }
        }
        ("POST", "clock") => {
            let v = ctx.body_json().unwrap_or(Value::Null);
            let Some(n) = v.get("advanceSeconds").and_then(Value::as_i64) else {
                return bad("expected {\"advanceSeconds\": n}");
            };
            state.clock_offset.fetch_add(n, Ordering::Relaxed);
            http::json(200, &json!({"ok": true, "now": state.now()}))
        }
        ("POST", "reset") => {
            state.reset();
            ok()
        }
        ("GET", "info") => {
            let p = std::path::Path::new(&state.connection_uri);
            let _ = p;
            http::json(200, &json!({"connectionUri": state.connection_uri, "tenantId": state.tenant.tenant_id, "mailboxCount": state.tenant.count}))
        }
        _ => http::not_found(),
    }
}

/// `GET truth/mailboxes`: streamed NDJSON, generated in chunks of 200 records.
pub fn truth_stream(state: Shared) -> Response<Body> {
    const CHUNK: u64 = 200;
    let count = state.tenant.count;
    let chunks = stream::unfold(0u64, move |start| {
        let state = state.clone();
        async move {
            if start >= count {
                return None;
            }
            let end = (start + CHUNK).min(count);
            let buf = tokio::task::spawn_blocking(move || {
                let mut buf = Vec::with_capacity(((end - start) * 6000) as usize);
                for i in start..end {
                    write_plain(&mut buf, &state.tenant.record(i));
                    buf.push(b'\n');
                }
                buf
            })
            .await
            .unwrap_or_default();
            Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), end))
        }
    });
    let mut r = Response::new(Body::wrap_stream(chunks));
    r.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/x-ndjson"));
    r
}

//! The two listeners (HTTPS for identity, admin API and control; plain HTTP for managed
//! identity), routing, fault application, gzip and the request log.

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use futures_util::stream;
use hyper::body::HttpBody;
use hyper::header::{HeaderValue, CONTENT_LENGTH};
use hyper::service::service_fn;
use hyper::{Body, Request, Response};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::faults::{FaultKind, FaultRule, LogEntry, SECRET_HEADERS};
use crate::http::{self, Ctx, Resp};
use crate::state::Shared;
use crate::{adminapi, control, identity, managed_identity};

const MAX_BODY: usize = 1024 * 1024;

pub async fn serve_https(state: Shared, listener: TcpListener, tls: TlsAcceptor, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let (state, tls, stop) = (state.clone(), tls.clone(), stop.clone());
                tokio::spawn(async move {
                    let Ok(stream) = tls.accept(tcp).await else { return };
                    serve_conn(state, stream, false, stop).await;
                });
            }
        }
    }
}

pub async fn serve_http(state: Shared, listener: TcpListener, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let (state, stop) = (state.clone(), stop.clone());
                tokio::spawn(serve_conn(state, tcp, true, stop));
            }
        }
    }
}

async fn serve_conn<S>(state: Shared, io: S, plain: bool, mut stop: watch::Receiver<bool>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = service_fn(move |req| handle(state.clone(), req, plain));
    let conn = hyper::server::conn::Http::new().http1_only(true).serve_connection(io, svc);
    tokio::select! {
        _ = conn => {}
        _ = stop.changed() => {}
    }
}

/// Which fault/log family a path belongs to.
fn endpoint_of(path: &str, plain: bool) -> &'static str {
    if plain {
        return if path.starts_with("/metadata/") { "imds" } else { "managedIdentity" };
    }
    if path.starts_with("/_sandbox/") {
        "control"
    } else if path.starts_with("/adminapi/") {
        "invoke"
    } else if path.ends_with("/oauth2/v2.0/token") || path.ends_with("/oauth2/token") {
        "token"
    } else if path.ends_with("/oauth2/v2.0/devicecode") || path.ends_with("/oauth2/devicecode") {
        "devicecode"
    } else if path.ends_with("/oauth2/v2.0/authorize") || path.contains("/login") || path.starts_with("/devicelogin") {
        "authorize"
    } else {
        "discovery"
    }
}

async fn read_body(body: &mut Body) -> Result<bytes::Bytes, ()> {
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|_| ())?;
        if buf.len() + chunk.len() > MAX_BODY {
            return Err(());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

async fn handle(state: Shared, req: Request<Body>, plain: bool) -> Result<Response<Body>, Infallible> {
    let started = Instant::now();
    let (parts, mut body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let endpoint = endpoint_of(&path, plain);
    let body = match read_body(&mut body).await {
        Ok(b) => b,
        Err(()) => return Ok(to_body(http::text(413, "Request body too large"))),
    };
    let mut ctx = Ctx {
        method: parts.method,
        path,
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
        fault: None,
        grant_type: None,
        client_id: None,
        cmdlet_name: None,
    };
    if endpoint == "control" {
        if ctx.path == "/_sandbox/truth/mailboxes" && control::authorized(&state, &ctx) {
            return Ok(control::truth_stream(state.clone()));
        }
        return Ok(to_body(control::handle(&state, &ctx)));
    }
    if endpoint == "token" || endpoint == "devicecode" {
        // Logged even when a fault answers before the handler runs.
        let f = ctx.form();
        ctx.grant_type = f.get("grant_type").cloned();
        ctx.client_id = f.get("client_id").cloned();
    }
    let token_expired = bearer_expired(&state, &ctx);
    ctx.fault = state.faults.check(endpoint);
    let fault_kind = ctx.fault.as_ref().map(|f| f.kind);
    if let Some(f) = &ctx.fault {
        if f.kind == FaultKind::Delay {
            tokio::time::sleep(std::time::Duration::from_millis(f.delay_ms.unwrap_or(1000))).await;
        }
    }
    let mut resp = match ctx.fault.clone() {
        Some(f) if f.kind == FaultKind::Status => status_fault(&f, endpoint),
        _ => {
            let st = state.clone();
            let (c, r) = tokio::task::spawn_blocking(move || {
                let r = route(&st, &mut ctx, endpoint);
                (ctx, r)
            })
            .await
            .expect("handler panicked");
            ctx = c;
            r
        }
    };
    if endpoint == "invoke" && accepts_gzip(&ctx) && resp.body().len() > 256 {
        gzip(&mut resp);
    }
    log(&state, &ctx, endpoint, &resp, token_expired, fault_kind, started);
    Ok(match fault_kind {
        Some(FaultKind::Truncate) => {
            let half = resp.body().len() / 2;
            resp.body_mut().truncate(half);
            to_body(resp)
        }
        Some(FaultKind::MalformedJson) => {
            let mut r = http::response(200, "application/json; charset=utf-8", b"{\"value\":[{\"Name\":\"trunc".to_vec());
            r.headers_mut().remove("content-encoding");
            to_body(r)
        }
        Some(FaultKind::Reset) => reset_body(resp),
        _ => to_body(resp),
    })
}

fn route(state: &Shared, ctx: &mut Ctx, endpoint: &str) -> Resp {
    match endpoint {
        "imds" | "managedIdentity" => managed_identity::handle(state, ctx, endpoint),
        "invoke" => adminapi::invoke::handle(state, ctx),
        _ => identity::route(state, ctx),
    }
}

fn accepts_gzip(ctx: &Ctx) -> bool {
    ctx.header("accept-encoding").map(|v| v.to_ascii_lowercase().contains("gzip")).unwrap_or(false)
}

fn gzip(resp: &mut Resp) {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(resp.body().len() / 6), flate2::Compression::fast());
    if enc.write_all(resp.body()).is_ok() {
        if let Ok(out) = enc.finish() {
            *resp.body_mut() = out;
            resp.headers_mut().insert("content-encoding", HeaderValue::from_static("gzip"));
        }
    }
}

fn status_fault(f: &FaultRule, endpoint: &str) -> Resp {
    let status = f.status.unwrap_or(503);
    let mut r = match (&f.body, endpoint) {
        (Some(b), _) if serde_json::from_str::<serde_json::Value>(b).is_ok() => {
            http::response(status, "application/json; charset=utf-8", b.clone().into_bytes())
        }
        (Some(b), _) => http::text(status, b),
        (None, "invoke") => adminapi::errors::status_error(status),
        (None, "token") | (None, "devicecode") => identity::errors::status_error(status),
        (None, _) => http::json(
            status,
            &serde_json::json!({"error": "service_unavailable", "error_description": format!("The service answered {status} (injected fault).")}),
        ),
    };
    if let Some(ra) = &f.retry_after {
        http::set_header(&mut r, "retry-after", ra);
    }
    r
}

fn to_body(r: Resp) -> Response<Body> {
    let (mut parts, body) = r.into_parts();
    parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_parts(parts, Body::from(body))
}

/// Declares the full length, sends half, then fails the stream: hyper closes the connection.
fn reset_body(r: Resp) -> Response<Body> {
    let (mut parts, body) = r.into_parts();
    parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    let half = bytes::Bytes::from(body[..body.len() / 2].to_vec());
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> =
        vec![Ok(half), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset"))];
    Response::from_parts(parts, Body::wrap_stream(stream::iter(chunks)))
}

fn bearer_expired(state: &Shared, ctx: &Ctx) -> Option<bool> {
    let auth = ctx.header("authorization")?;
    let token = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer "))?;
    Some(identity::jwt::peek_exp(token).map(|exp| exp <= state.now()).unwrap_or(false))
}

fn log(state: &Shared, ctx: &Ctx, endpoint: &str, resp: &Resp, token_expired: Option<bool>, fault: Option<FaultKind>, started: Instant) {
    let mut headers = std::collections::BTreeMap::new();
    for (name, value) in ctx.headers.iter() {
        let n = name.as_str().to_ascii_lowercase();
        let v = if SECRET_HEADERS.contains(&n.as_str()) {
            match value.to_str().ok().and_then(|v| v.split_whitespace().next()) {
                Some(scheme) if n.ends_with("authorization") => format!("{scheme} [redacted]"),
                _ => "[redacted]".to_string(),
            }
        } else {
            value.to_str().unwrap_or("[binary]").to_string()
        };
        headers.entry(n).and_modify(|e: &mut String| {
            e.push_str(", ");
            e.push_str(&v)
        }).or_insert(v);
    }
    state.log.push(LogEntry {
        seq: 0,
        time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        endpoint: endpoint.to_string(),
        method: ctx.method.to_string(),
        path: ctx.path.clone(),
        query: ctx.query.as_deref().map(redact_query),
        headers,
        status: resp.status().as_u16(),
        token_expired,
        grant_type: ctx.grant_type.clone(),
        client_id: ctx.client_id.clone(),
        cmdlet_name: ctx.cmdlet_name.clone(),
        fault,
        duration_ms: started.elapsed().as_millis() as u64,
    });
}

pub fn tls_acceptor(cfg: rustls::ServerConfig) -> TlsAcceptor {
    TlsAcceptor::from(Arc::new(cfg))
}

/// Query parameters that carry a credential or a sign-in secret are logged as `[redacted]`.
const SECRET_QUERY_PARAMETERS: &[&str] = &["state", "code", "code_verifier", "code_challenge", "client_assertion", "client_secret", "device_code", "refresh_token", "access_token", "password"];

fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if SECRET_QUERY_PARAMETERS.iter().any(|s| s.eq_ignore_ascii_case(name)) => format!("{name}=[redacted]"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_query_values_are_redacted() {
        assert_eq!(
            super::redact_query("client_id=a&state=s3cr3t&code_challenge=c&redirect_uri=http%3A%2F%2Flocalhost"),
            "client_id=a&state=[redacted]&code_challenge=[redacted]&redirect_uri=http%3A%2F%2Flocalhost"
        );
        assert_eq!(super::redact_query("$skiptoken=abc"), "$skiptoken=abc");
    }
}

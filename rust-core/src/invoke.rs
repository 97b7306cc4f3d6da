//! Running a cmdlet through InvokeCommand and streaming its pages.

use crate::activity_log::LogLevel;
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{self, read_body, Body};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use url::Url;
use uuid::Uuid;

/// Attempts per page before `Maximum retry count reached.`
pub const MAX_ATTEMPTS: u32 = 5;
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// Longer than any Retry-After we would honour means: give up now.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// The service's own limit on one REST cmdlet is 15 minutes.
const PAGE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const UNREADABLE: &str = "A server side error has occurred because of which the operation could not be completed. Please try again after some time.";

/// What C# asks for: a cmdlet, its parameters, how many records, which properties.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct InvokeRequest {
    pub cmdlet_name: String,
    #[serde(default)]
    pub parameters: Map<String, Value>,
    #[serde(default)]
    pub result_size: Option<ResultSize>,
    #[serde(default)]
    pub select: Option<Vec<String>>,
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(untagged)]
pub enum ResultSize {
    Count(u64),
    Unlimited(UnlimitedWord),
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlimitedWord {
    Unlimited,
}

pub const DEFAULT_RESULT_SIZE: u64 = 1000;

impl InvokeRequest {
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let request: InvokeRequest = serde_json::from_slice(bytes)
            .map_err(|e| Error::new(ErrorCode::InvalidInput, format!("The command request is not valid JSON: {e}")))?;
        if request.cmdlet_name.trim().is_empty() {
            return Err(Error::invalid_argument("The command request names no cmdlet."));
        }
        if request.result_size == Some(ResultSize::Count(0)) {
            return Err(Error::invalid_argument("ResultSize must be a number greater than 0, or Unlimited."));
        }
        for name in request.select.iter().flatten() {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::invalid_argument(format!("'{name}' is not a property name.")));
            }
        }
        Ok(request)
    }

    /// `None` = Unlimited.
    fn limit(&self) -> Option<u64> {
        match self.result_size {
            None => Some(DEFAULT_RESULT_SIZE),
            Some(ResultSize::Count(n)) => Some(n),
            Some(ResultSize::Unlimited(_)) => None,
        }
    }
}

/// One page as handed to C#: the records untouched, the warnings, and what happened.
pub struct Page {
    pub records: Vec<Box<RawValue>>,
    pub warnings: Vec<String>,
    /// For -Verbose: what happened (retries, request ids).
    pub log: Vec<String>,
    /// For -Debug: every HTTP exchange with its status and timing.
    pub debug: Vec<String>,
    pub request_id: Option<String>,
    next_link: Option<String>,
}

impl Page {
    /// `{"value":[...],"warnings":[...],"log":[...],"requestId":...}` built by concatenation:
    /// the records are not rebuilt.
    pub fn to_json(&self) -> Vec<u8> {
        let size: usize = self.records.iter().map(|r| r.get().len() + 1).sum();
        let mut out = Vec::with_capacity(size + 256);
        out.extend_from_slice(b"{\"value\":[");
        for (i, r) in self.records.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(r.get().as_bytes());
        }
        out.extend_from_slice(b"],\"warnings\":");
        out.extend_from_slice(json!(self.warnings).to_string().as_bytes());
        out.extend_from_slice(b",\"log\":");
        out.extend_from_slice(json!(self.log).to_string().as_bytes());
        out.extend_from_slice(b",\"debug\":");
        out.extend_from_slice(json!(self.debug).to_string().as_bytes());
        out.extend_from_slice(b",\"requestId\":");
        out.extend_from_slice(json!(self.request_id).to_string().as_bytes());
        out.push(b'}');
        out
    }
}

#[derive(Deserialize)]
struct WirePage {
    #[serde(default)]
    value: Vec<Box<RawValue>>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@adminapi.warnings", default)]
    warnings: Vec<String>,
}

/// Walks a command's pages. The page after the one just returned is fetched in the
/// background while the caller turns the current one into objects.
pub struct Pager {
    fetch: Arc<Fetch>,
    remaining: Option<u64>,
    next_url: Option<String>,
    seen: HashSet<String>,
    prefetch: Option<tokio::task::JoinHandle<Result<Page>>>,
    started: bool,
}

/// What every page request of one invocation shares.
struct Fetch {
    connection: Arc<Connection>,
    body: Vec<u8>,
    cmdlet: String,
    client_request_id: Uuid,
    page_body_cap: usize,
}

impl Pager {
    pub fn new(connection: Arc<Connection>, request: InvokeRequest) -> Result<Pager> {
        let limit = request.limit();
        let mut parameters = request.parameters.clone();
        parameters.insert(
            "ResultSize".into(),
            match limit {
                Some(n) => json!(n),
                None => json!("Unlimited"),
            },
        );
        let body = json!({ "CmdletInput": { "CmdletName": request.cmdlet_name, "Parameters": parameters } }).to_string().into_bytes();
        let mut first = Url::parse(&connection.endpoints.invoke_url(&connection.tenant))
            .map_err(|_| Error::invalid_argument("The connection's tenant does not form a valid URL."))?;
        if let Some(select) = request.select.as_ref().filter(|s| !s.is_empty()) {
            first.query_pairs_mut().append_pair("$select", &select.join(","));
        }
        Ok(Pager {
            fetch: Arc::new(Fetch {
                connection,
                body,
                cmdlet: request.cmdlet_name,
                client_request_id: Uuid::new_v4(),
                page_body_cap: http::DEFAULT_PAGE_BODY_CAP,
            }),
            remaining: limit,
            next_url: Some(first.to_string()),
            seen: HashSet::new(),
            prefetch: None,
            started: false,
        })
    }

    /// The next page, or `None` when there are no more.
    ///
    /// Cancellation-safe: if the caller drops this future (Ctrl+C), the prefetch stays owned
    /// by the pager (so dropping the pager aborts it) and the next link is not lost.
    pub async fn next(&mut self) -> Result<Option<Page>> {
        let mut page = match self.prefetch.as_mut() {
            Some(handle) => {
                let joined = handle.await;
                self.prefetch = None;
                joined.map_err(|_| Error::new(ErrorCode::Panic, "The page fetch stopped unexpectedly."))??
            }
            None => {
                let Some(url) = self.next_url.clone() else { return Ok(None) };
                if self.started && self.remaining == Some(0) {
                    return Ok(None);
                }
                let size = self.page_size();
                let page = self.fetch.clone().page(url, size).await?;
                self.next_url = None;
                page
            }
        };
        self.started = true;
        if let Some(left) = self.remaining.as_mut() {
            if page.records.len() as u64 > *left {
                page.records.truncate(*left as usize);
            }
            *left -= page.records.len() as u64;
        }
        // Once ResultSize is met the link is not followed, so it needs no check.
        let link = page.next_link.take().filter(|_| self.remaining != Some(0));
        self.next_url = self.check_next_link(link)?;
        if let Some(url) = self.next_url.clone() {
            if self.remaining != Some(0) {
                let size = self.page_size();
                self.next_url = None;
                self.prefetch = Some(tokio::spawn(self.fetch.clone().page(url, size)));
            }
        }
        Ok(Some(page))
    }

    /// `Prefer: odata.maxpagesize` = min(what is still wanted, the connection's page size).
    fn page_size(&self) -> u32 {
        let page = self.fetch.connection.page_size;
        match self.remaining {
            Some(left) => left.min(page as u64).max(1) as u32,
            None => page,
        }
    }

    /// Requirement 20: follow only links to the API host, and never the same link twice.
    fn check_next_link(&mut self, link: Option<String>) -> Result<Option<String>> {
        let Some(link) = link else { return Ok(None) };
        let api = &self.fetch.connection.endpoints.connection;
        let same_origin = Url::parse(&link).map_or(false, |u| {
            u.scheme() == api.scheme() && u.host_str() == api.host_str() && u.port_or_known_default() == api.port_or_known_default()
        });
        if !same_origin {
            return Err(Error::new(
                ErrorCode::InvalidNextLink,
                format!(
                    "The service returned a next-page link to another host than {}; paging stopped and no credentials were sent to it.",
                    api.as_str().trim_end_matches('/')
                ),
            ));
        }
        if !self.seen.insert(link.clone()) {
            return Err(Error::new(ErrorCode::InvalidNextLink, "The service returned the same next-page link twice; paging stopped to avoid a loop."));
        }
        Ok(Some(link))
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        if let Some(handle) = self.prefetch.take() {
            handle.abort();
        }
    }
}

/// How one attempt ended.
enum Attempt {
    Done(Page),
    /// Worth another try, after at least this wait (`None` = back off).
    Retry(Error, Option<Duration>),
}

impl Fetch {
    /// One page, with retries for throttling and transient failures (requirements 15, 20).
    async fn page(self: Arc<Self>, url: String, page_size: u32) -> Result<Page> {
        let file = &self.connection.log;
        let mut log = Vec::new();
        let mut debug = Vec::new();
        let mut renewed_after_401 = false;
        for attempt in 1..=MAX_ATTEMPTS {
            let outcome = self.attempt(&url, page_size, &mut renewed_after_401, &mut debug).await;
            match outcome {
                Ok(Attempt::Done(mut page)) => {
                    file.write(LogLevel::Default, &format!("{} {}", self.client_request_id, page.log.join(" ")));
                    log.append(&mut page.log);
                    page.log = log;
                    page.debug = debug;
                    return Ok(page);
                }
                Ok(Attempt::Retry(error, wait)) if attempt < MAX_ATTEMPTS => {
                    let wait = wait.unwrap_or_else(|| http::backoff(attempt, BACKOFF_CAP));
                    let line = format!(
                        "{}: attempt {attempt} of {MAX_ATTEMPTS} failed ({}); retrying in {:.1} s.",
                        self.cmdlet,
                        error.message,
                        wait.as_secs_f64()
                    );
                    file.write(LogLevel::Default, &format!("{} {line}", self.client_request_id));
                    log.push(line);
                    tokio::time::sleep(wait).await;
                }
                Ok(Attempt::Retry(error, _)) => {
                    let mut e = Error::new(ErrorCode::RetriesExhausted, format!("Maximum retry count reached. {}", error.message));
                    e.detail = error.detail;
                    file.write(LogLevel::Default, &format!("{} {}: {}", self.client_request_id, self.cmdlet, e.message));
                    return Err(e.with("attempts", MAX_ATTEMPTS));
                }
                Err(e) => {
                    file.write(LogLevel::Default, &format!("{} {}: failed: {}", self.client_request_id, self.cmdlet, e.message));
                    return Err(e);
                }
            }
        }
        unreachable!("the loop returns on its last attempt")
    }

    async fn attempt(&self, url: &str, page_size: u32, renewed_after_401: &mut bool, debug: &mut Vec<String>) -> Result<Attempt> {
        let conn = &self.connection;
        let token = conn.tokens.current().await?;
        let started = std::time::Instant::now();
        let sent = conn
            .http
            .post(url)
            .timeout(PAGE_TIMEOUT)
            .bearer_auth(token.expose())
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header("Accept-Encoding", "gzip")
            .header("X-AnchorMailbox", conn.anchor_mailbox())
            .header("Prefer", format!("odata.maxpagesize={page_size}"))
            .header("X-CmdletName", &self.cmdlet)
            .header("client-request-id", self.client_request_id.to_string())
            .header("connection-id", conn.id.to_string())
            .header("X-ResponseFormat", "json")
            .header("X-ClientApplication", "ExoNative")
            .header("X-ClientModuleVersion", env!("CARGO_PKG_VERSION"))
            .body(self.body.clone())
            .send()
            .await;
        let body = match sent {
            Ok(response) => read_body(response, self.page_body_cap).await,
            Err(e) => Err(Error::from(e)),
        };
        // Status lines name the path only: the query holds the skiptoken.
        let path = Url::parse(url).map(|u| u.path().to_string()).unwrap_or_default();
        let status = body.as_ref().map_or_else(|e| format!("failed: {}", e.message), |b| format!("HTTP {}", b.status));
        let line = format!("POST {path} -> {status} in {} ms", started.elapsed().as_millis());
        self.connection.log.write(LogLevel::All, &format!("{} {line}", self.client_request_id));
        debug.push(line);
        let body = match body {
            Ok(b) => b,
            Err(e) if e.is_transient() || e.detail.get("transient") == Some(&Value::Bool(true)) => return Ok(Attempt::Retry(e, None)),
            Err(e) => return Err(e),
        };
        let request_id = body.header("request-id").map(str::to_string);
        if body.status == 200 {
            return match serde_json::from_slice::<WirePage>(&body.bytes) {
                Ok(wire) => Ok(Attempt::Done(Page {
                    log: vec![format!(
                        "{}: received {} records (request-id {}).",
                        self.cmdlet,
                        wire.value.len(),
                        request_id.as_deref().unwrap_or("none")
                    )],
                    debug: Vec::new(),
                    records: wire.value,
                    warnings: wire.warnings,
                    request_id,
                    next_link: wire.next_link,
                })),
                // A page cut short or garbled on the way is fetched again.
                Err(_) => Ok(Attempt::Retry(
                    Error::new(ErrorCode::MalformedResponse, "the page is not complete JSON").with("requestId", request_id.unwrap_or_default()),
                    None,
                )),
            };
        }
        let error = server_error(&body, &self.cmdlet);
        if body.status == 401 && !*renewed_after_401 && conn.tokens.is_renewable() {
            // The token may have lapsed in flight: renew once and try again.
            *renewed_after_401 = true;
            conn.tokens.invalidate(&token).await;
            return Ok(Attempt::Retry(error, Some(Duration::ZERO)));
        }
        if is_transient(&body) {
            let wait = body.header("retry-after").and_then(|v| http::parse_retry_after(v, SystemTime::now()));
            if wait.map_or(false, |w| w > MAX_RETRY_AFTER) {
                return Err(error);
            }
            return Ok(Attempt::Retry(error, wait));
        }
        Err(error)
    }
}

const CONCURRENCY_TEXT: &str = "maximum number of concurrent requests";

fn is_transient(body: &Body) -> bool {
    matches!(body.status, 408 | 429 | 500 | 502 | 503 | 504)
        || String::from_utf8_lossy(&body.bytes[..body.bytes.len().min(4096)]).to_ascii_lowercase().contains(CONCURRENCY_TEXT)
}

/// Turns an admin API error response into an [`Error`] with the server's message.
pub fn server_error(body: &Body, cmdlet: &str) -> Error {
    let status = body.status;
    let parsed = serde_json::from_slice::<Value>(&body.bytes).ok();
    let (message, exception, server_code) = match parsed.as_ref().and_then(|v| v.get("error")) {
        Some(err) => {
            let detail = err.pointer("/details/0/message").and_then(Value::as_str);
            let (text, exception) = detail.map(split_detail).unwrap_or((None, None));
            let message = text.or_else(|| err.get("message").and_then(Value::as_str).map(str::to_string));
            (message, exception, err.get("code").and_then(Value::as_str).map(str::to_string))
        }
        None => {
            let text = body.text();
            let text = text.trim();
            let readable = !text.is_empty() && text.len() < 2048 && !text.starts_with('<') && !text.starts_with('{');
            (readable.then(|| text.to_string()), None, None)
        }
    };
    let code = match status {
        400 => ErrorCode::InvalidParameter,
        401 | 403 => ErrorCode::PermissionDenied,
        404 => ErrorCode::NotFound,
        408 | 504 => ErrorCode::Timeout,
        _ => ErrorCode::ServerError,
    };
    let message = match message.filter(|m| !m.trim().is_empty()) {
        Some(m) => m,
        None if matches!(status, 401 | 403) => format!("User is not allowed to call {cmdlet}"),
        None => UNREADABLE.to_string(),
    };
    let mut e = Error::new(code, message).with("httpStatus", status);
    for (key, value) in [
        ("requestId", body.header("request-id").map(str::to_string)),
        ("server", body.header("x-calculatedbetarget").map(str::to_string)),
        ("timestamp", body.header("date").map(str::to_string)),
        ("exceptionType", exception.or_else(|| body.header("x-exceptiontype").map(str::to_string))),
        ("serverCode", server_code),
    ] {
        if let Some(v) = value {
            e = e.with(key, v);
        }
    }
    e
}

/// Error details come as `ErrorId|ExceptionClass|Message` or as a JSON string.
fn split_detail(detail: &str) -> (Option<String>, Option<String>) {
    if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(detail) {
        let text = o.get("Message").and_then(Value::as_str).map(str::to_string);
        let type_name = o.get("TypeName").and_then(Value::as_str).map(str::to_string);
        return (text, type_name);
    }
    let parts: Vec<&str> = detail.splitn(3, '|').collect();
    match parts.as_slice() {
        [_, exception, message] => (Some(message.to_string()), Some(exception.to_string())),
        _ => (Some(detail.to_string()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn body(status: u16, text: &str) -> Body {
        let mut headers = HeaderMap::new();
        headers.insert("request-id", "rid-1".parse().unwrap());
        Body { status, headers, bytes: text.as_bytes().to_vec() }
    }

    #[test]
    fn not_found_reads_the_pipe_detail() {
        let b = body(404, r#"{"error":{"code":"NotFound","message":"Error executing cmdlet","details":[{"code":"Context","target":"","message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'jdoe' couldn't be found."}]}}"#);
        let e = server_error(&b, "Get-Mailbox");
        assert_eq!(e.code, ErrorCode::NotFound);
        assert_eq!(e.message, "The operation couldn't be performed because object 'jdoe' couldn't be found.");
        assert_eq!(e.detail["exceptionType"], "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException");
        assert_eq!(e.detail["requestId"], "rid-1");
    }

    #[test]
    fn json_string_details_and_plain_text_bodies() {
        let b = body(400, r#"{"error":{"code":"BadRequest","message":"Error executing cmdlet","details":[{"message":"{\"Message\":\"Bad filter\",\"TypeName\":\"Microsoft.Exchange.X\"}"}]}}"#);
        let e = server_error(&b, "Get-Mailbox");
        assert_eq!((e.code, e.message.as_str()), (ErrorCode::InvalidParameter, "Bad filter"));
        let e = server_error(&body(503, "You have reached the maximum number of concurrent requests per tenant. Please wait and try again"), "Get-Mailbox");
        assert!(e.message.starts_with("You have reached"));
        assert!(is_transient(&body(400, "You have reached the maximum number of concurrent requests per tenant.")));
        let e = server_error(&body(500, "<html>oops</html>"), "Get-Mailbox");
        assert_eq!(e.message, UNREADABLE);
    }

    #[test]
    fn requests_are_checked() {
        assert!(InvokeRequest::parse(br#"{"cmdletName":"Get-Mailbox","resultSize":0}"#).is_err());
        assert!(InvokeRequest::parse(br#"{"cmdletName":"Get-Mailbox","select":["Name; drop"]}"#).is_err());
        let r = InvokeRequest::parse(br#"{"cmdletName":"Get-Mailbox","resultSize":"Unlimited"}"#).unwrap();
        assert_eq!(r.limit(), None);
        let r = InvokeRequest::parse(br#"{"cmdletName":"Get-Mailbox"}"#).unwrap();
        assert_eq!(r.limit(), Some(1000));
    }

    proptest::proptest! {
        #[test]
        fn error_bodies_never_panic(status in 400u16..600, s in ".{0,300}") {
            let _ = server_error(&body(status, &s), "Get-Mailbox");
        }

        #[test]
        fn page_bodies_never_panic(s in ".{0,300}") {
            let _ = serde_json::from_str::<WirePage>(&s);
        }
    }
}

//! Managed identity sign-in (`-ManagedIdentity`): the App Service / Functions / Automation
//! protocol, its older MSI form, or the VM's instance metadata service (IMDS), chosen from
//! the environment the way MSAL does. These endpoints are plain http by design: they live on
//! the host or on the link-local address, never on the internet (requirement 18).

use super::token_endpoint::number_or_string;
use super::{Token, DEFAULT_LIFETIME};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{read_body, Body, TOKEN_BODY_CAP};
use crate::secret::Secret;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use std::time::{Duration, SystemTime};
use url::Url;

pub const IMDS_DEFAULT_BASE: &str = "http://169.254.169.254";
const IMDS_PATH: &str = "/metadata/identity/oauth2/token";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Microsoft's module starts every managed-identity failure with these words.
pub const FAILED: &str = "Failed to acquire managed identity token:";

/// Where the token comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` (api-version 2019-08-01).
    AppService { endpoint: String, header: Secret },
    /// `MSI_ENDPOINT` + `MSI_SECRET` (api-version 2017-09-01), older App Service hosts.
    Msi { endpoint: String, secret: Secret },
    /// IMDS at its link-local address, or at `AZURE_POD_IDENTITY_AUTHORITY_HOST`.
    Imds { base: String },
}

impl Source {
    /// Picks the protocol from environment variables, in MSAL's order.
    pub fn detect(env: impl Fn(&str) -> Option<String>) -> Source {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        if let (Some(endpoint), Some(header)) = (get("IDENTITY_ENDPOINT"), get("IDENTITY_HEADER")) {
            return Source::AppService { endpoint, header: Secret::new(header) };
        }
        if let (Some(endpoint), Some(secret)) = (get("MSI_ENDPOINT"), get("MSI_SECRET")) {
            return Source::Msi { endpoint, secret: Secret::new(secret) };
        }
        let base = get("AZURE_POD_IDENTITY_AUTHORITY_HOST").unwrap_or_else(|| IMDS_DEFAULT_BASE.to_string());
        Source::Imds { base }
    }

    pub fn from_process_env() -> Source {
        Self::detect(|name| std::env::var(name).ok())
    }

    pub fn name(&self) -> &'static str {
        match self {
            Source::AppService { .. } => "appService",
            Source::Msi { .. } => "msi",
            Source::Imds { .. } => "imds",
        }
    }
}

/// The retry schedule of requirement 17. `unit` is one second; tests shrink it to run the
/// real schedule (1, 2, 4 units; 410 for at least 70 units) in milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct RetryTiming {
    pub unit: Duration,
}

impl Default for RetryTiming {
    fn default() -> Self {
        RetryTiming { unit: Duration::from_secs(1) }
    }
}

impl RetryTiming {
    const DELAYS: [u32; 3] = [1, 2, 4];
    const GONE_WINDOW: u32 = 70;

    /// The wait before retry number `retry` (0-based), or None when retries are used up.
    /// A 410 keeps the last delay until the 70-unit window since the first attempt is over.
    pub fn delay(&self, retry: usize, status: Option<u16>, elapsed: Duration) -> Option<Duration> {
        if let Some(d) = Self::DELAYS.get(retry) {
            return Some(self.unit * *d);
        }
        let gone_window = self.unit * Self::GONE_WINDOW;
        (status == Some(410) && elapsed < gone_window).then(|| self.unit * Self::DELAYS[Self::DELAYS.len() - 1])
    }
}

/// A managed identity, system-assigned or user-assigned, asked for one resource.
#[derive(Clone, Debug)]
pub struct ManagedIdentity {
    pub source: Source,
    /// `-ManagedIdentityAccountId`: a client id, or an Azure resource id (`/subscriptions/...`).
    pub account_id: Option<String>,
    /// The resource form with a trailing slash, e.g. `https://outlook.office365.com/`.
    pub resource: String,
    pub timing: RetryTiming,
}

impl ManagedIdentity {
    /// `resource` is the endpoints' resource (`https://outlook.office365.com`); managed
    /// identity endpoints want the resource form with a trailing slash, not a scope.
    pub fn new(source: Source, account_id: Option<String>, resource: &str) -> Self {
        let account_id = account_id.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
        let resource = format!("{}/", resource.trim_end_matches('/'));
        ManagedIdentity { source, account_id, resource, timing: RetryTiming::default() }
    }

    /// The request URL; it carries no secret (the header does).
    pub fn request_url(&self) -> Result<Url> {
        let (base, api_version) = match &self.source {
            Source::AppService { endpoint, .. } => (endpoint_url(endpoint, "IDENTITY_ENDPOINT")?, "2019-08-01"),
            Source::Msi { endpoint, .. } => (endpoint_url(endpoint, "MSI_ENDPOINT")?, "2017-09-01"),
            Source::Imds { base } => {
                let url = format!("{}{IMDS_PATH}", base.trim().trim_end_matches('/'));
                (endpoint_url(&url, "AZURE_POD_IDENTITY_AUTHORITY_HOST")?, "2018-02-01")
            }
        };
        let mut url = base;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("api-version", api_version).append_pair("resource", &self.resource);
            match (&self.account_id, &self.source) {
                (None, _) => {}
                (Some(id), Source::Imds { .. }) if id.starts_with('/') => {
                    q.append_pair("msi_res_id", id);
                }
                (Some(id), Source::AppService { .. }) if id.starts_with('/') => {
                    q.append_pair("mi_res_id", id);
                }
                (Some(id), Source::Msi { .. }) if id.starts_with('/') => {
                    return Err(Error::invalid_argument(
                        "This host's managed identity protocol (MSI_ENDPOINT) does not accept a resource id: give the identity's client id to -ManagedIdentityAccountId.",
                    ));
                }
                (Some(id), Source::Msi { .. }) => {
                    // 2017-09-01 documents `clientid`; the wire spec names `client_id`. Hosts
                    // ignore parameters they do not know, so send both.
                    q.append_pair("clientid", id).append_pair("client_id", id);
                }
                (Some(id), _) => {
                    q.append_pair("client_id", id);
                }
            }
        }
        Ok(url)
    }

    fn secret_header(&self) -> Result<(&'static str, HeaderValue)> {
        let (name, value) = match &self.source {
            Source::AppService { header, .. } => ("X-IDENTITY-HEADER", header.expose()),
            Source::Msi { secret, .. } => ("secret", secret.expose()),
            Source::Imds { .. } => ("Metadata", "true"),
        };
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid_argument(format!("The managed identity secret for the {name} header has characters a header cannot carry."))
        })?;
        value.set_sensitive(true);
        Ok((name, value))
    }

    /// One token, with the retries of requirement 17. Redirects are never followed: the
    /// client's policy is `none`, and a 3xx ends here as an error.
    pub async fn acquire(&self, http: &reqwest::Client, now: SystemTime) -> Result<Token> {
        let url = self.request_url()?;
        let (name, value) = self.secret_header()?;
        let started = tokio::time::Instant::now();
        let mut retry = 0;
        loop {
            let sent = http.get(url.clone()).header(name, value.clone()).timeout(REQUEST_TIMEOUT).send().await;
            let outcome = match sent {
                Ok(response) => read_body(response, TOKEN_BODY_CAP).await,
                Err(e) => Err(Error::from(e)),
            };
            let (status, error) = match outcome {
                Ok(body) if (200..300).contains(&body.status) => {
                    return parse_response(&body.bytes, now + started.elapsed()).map_err(|e| e.with("source", self.source.name()));
                }
                Ok(body) => (Some(body.status), failure(&body)),
                Err(e) => {
                    let transient = e.is_transient();
                    let e = Error::new(e.code, format!("{FAILED} {}", e.message));
                    if !transient {
                        return Err(e.with("source", self.source.name()));
                    }
                    (None, e)
                }
            };
            let error = error.with("source", self.source.name());
            if status.map_or(false, |s| !is_transient_status(s)) {
                return Err(error);
            }
            match self.timing.delay(retry, status, started.elapsed()) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => {
                    let attempts = retry + 1;
                    return Err(Error { code: ErrorCode::RetriesExhausted, ..error }
                        .with("attempts", attempts)
                        .with("retriesExhausted", true));
                }
            }
            retry += 1;
        }
    }
}

fn endpoint_url(value: &str, variable: &str) -> Result<Url> {
    match Url::parse(value.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(u),
        _ => Err(Error::invalid_argument(format!("{FAILED} {variable} is not an http URL: '{value}'."))),
    }
}

/// 404, 408, 410, 429 and 5xx are transient for managed identity (requirement 17).
pub fn is_transient_status(status: u16) -> bool {
    matches!(status, 404 | 408 | 410 | 429) || (500..600).contains(&status)
}

#[derive(Deserialize)]
struct MiResponse {
    access_token: Secret,
    #[serde(default, deserialize_with = "number_or_string")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "crate::auth::token_endpoint::number_or_string")]
    expires_on: Option<u64>,
}

/// A managed-identity token response: numbers arrive as strings ("3599", "1506484173").
pub fn parse_response(bytes: &[u8], now: SystemTime) -> Result<Token> {
    let r: MiResponse = serde_json::from_slice(bytes).map_err(|_| {
        Error::new(ErrorCode::MalformedResponse, format!("{FAILED} the endpoint answered with a body that is not a token response."))
    })?;
    if r.access_token.is_empty() {
        return Err(Error::new(ErrorCode::MalformedResponse, format!("{FAILED} the endpoint answered with an empty token.")));
    }
    let lifetime = match (r.expires_in, r.expires_on) {
        (Some(secs), _) => Duration::from_secs(secs),
        (None, Some(on)) => {
            let at = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(on)).unwrap_or(now);
            at.duration_since(now).unwrap_or_default()
        }
        (None, None) => DEFAULT_LIFETIME,
    };
    Ok(Token::expiring(r.access_token, now, lifetime, None))
}

/// An error answer: IMDS sends `{error, error_description}`, App Service `{statusCode, message}`.
pub fn failure(body: &Body) -> Error {
    let value: serde_json::Value = serde_json::from_slice(&body.bytes).unwrap_or_default();
    let text = ["error_description", "message", "Message", "error"]
        .iter()
        .find_map(|k| value.get(k).and_then(|v| v.as_str()))
        .map(|t| t.split(['\r', '\n']).next().unwrap_or("").trim().chars().take(400).collect::<String>())
        .filter(|t| !t.is_empty());
    let what = match (body.status, text) {
        (300..=399, _) => format!("the endpoint answered HTTP {} (a redirect, which is not followed).", body.status),
        (s, Some(t)) => format!("{t} (HTTP {s})"),
        (s, None) => format!("the endpoint answered HTTP {s}."),
    };
    let code = if is_transient_status(body.status) { ErrorCode::ServerError } else { ErrorCode::SignInFailed };
    let mut e = Error::new(code, format!("{FAILED} {what}")).with("httpStatus", body.status);
    if let Some(err) = value.get("error").and_then(|v| v.as_str()) {
        e = e.with("error", err);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    fn body(status: u16, text: &str) -> Body {
        Body { status, headers: Default::default(), bytes: text.as_bytes().to_vec() }
    }

    #[test]
    fn sources_are_picked_in_msals_order() {
        let s = Source::detect(env(&[("IDENTITY_ENDPOINT", "http://127.0.0.1:41/msi/token"), ("IDENTITY_HEADER", "h"), ("MSI_ENDPOINT", "x"), ("MSI_SECRET", "y")]));
        assert_eq!(s.name(), "appService");
        let s = Source::detect(env(&[("IDENTITY_ENDPOINT", "http://x"), ("MSI_ENDPOINT", "http://m"), ("MSI_SECRET", "y")]));
        assert_eq!(s.name(), "msi");
        assert_eq!(Source::detect(env(&[])), Source::Imds { base: IMDS_DEFAULT_BASE.into() });
        let s = Source::detect(env(&[("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://10.0.0.1:2377/")]));
        assert_eq!(s, Source::Imds { base: "http://10.0.0.1:2377/".into() });
    }

    #[test]
    fn imds_request_is_exactly_what_microsofts_module_sends() {
        let mi = ManagedIdentity::new(Source::Imds { base: IMDS_DEFAULT_BASE.into() }, None, "https://outlook.office365.com");
        assert_eq!(
            mi.request_url().unwrap().as_str(),
            "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Foutlook.office365.com%2F"
        );
        assert_eq!(mi.secret_header().unwrap().0, "Metadata");
        let pod = ManagedIdentity::new(Source::Imds { base: "http://10.0.0.1:2377/".into() }, Some("c1".into()), "https://outlook.office365.com/");
        let u = pod.request_url().unwrap();
        assert!(u.as_str().starts_with("http://10.0.0.1:2377/metadata/identity/oauth2/token?"), "{u}");
        assert!(u.as_str().ends_with("&client_id=c1"), "{u}");
    }

    #[test]
    fn app_service_and_msi_use_their_versions_and_headers() {
        let app = ManagedIdentity::new(
            Source::AppService { endpoint: "http://127.0.0.1:8081/msi/token".into(), header: Secret::new("canary-h") },
            Some("client-1".into()),
            "https://outlook.office365.com",
        );
        let u = app.request_url().unwrap();
        assert!(u.as_str().contains("api-version=2019-08-01"));
        assert!(u.as_str().ends_with("client_id=client-1"));
        assert!(!u.as_str().contains("canary"));
        let (name, value) = app.secret_header().unwrap();
        assert_eq!((name, value.to_str().unwrap()), ("X-IDENTITY-HEADER", "canary-h"));
        assert!(value.is_sensitive());
        let msi = ManagedIdentity::new(Source::Msi { endpoint: "http://127.0.0.1:1/t".into(), secret: Secret::new("s") }, None, "https://x");
        assert!(msi.request_url().unwrap().as_str().contains("api-version=2017-09-01"));
        assert_eq!(msi.secret_header().unwrap().0, "secret");
        let bad = ManagedIdentity::new(Source::AppService { endpoint: "not a url".into(), header: Secret::new("h") }, None, "https://x");
        assert!(bad.request_url().unwrap_err().message.starts_with(FAILED));
    }

    #[test]
    fn resource_ids_use_their_own_parameter() {
        let mi = ManagedIdentity::new(Source::Imds { base: IMDS_DEFAULT_BASE.into() }, Some("/subscriptions/s/rg/x".into()), "https://x");
        assert!(mi.request_url().unwrap().as_str().contains("msi_res_id=%2Fsubscriptions"));
    }

    #[test]
    fn responses_with_numbers_as_strings() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_506_480_000);
        let t = parse_response(
            br#"{"access_token":"eyJ0","expires_in":"3599","expires_on":"1506484173","not_before":"1506480273","resource":"https://outlook.office365.com/","token_type":"Bearer"}"#,
            now,
        )
        .unwrap();
        assert_eq!(t.expires_at.duration_since(now).unwrap(), Duration::from_secs(3599));
        assert!(t.refresh.is_none());
        // Only expires_on: the lifetime is what is left of it.
        let t = parse_response(br#"{"access_token":"a","expires_on":1506480600}"#, now).unwrap();
        assert_eq!(t.expires_at.duration_since(now).unwrap(), Duration::from_secs(600));
        // App Service 2017-09-01 writes expires_on as a date: ignored, default lifetime.
        let t = parse_response(br#"{"access_token":"a","expires_on":"09/14/2017 00:00:00 PM +00:00"}"#, now).unwrap();
        assert_eq!(t.expires_at.duration_since(now).unwrap(), DEFAULT_LIFETIME);
        for bad in [&b"{}"[..], b"not json", br#"{"access_token":""}"#, br#"{"access_token":5}"#] {
            assert_eq!(parse_response(bad, now).unwrap_err().code, ErrorCode::MalformedResponse);
        }
    }

    #[test]
    fn errors_start_with_microsofts_words_and_keep_the_server_text() {
        let e = failure(&body(400, r#"{"error":"invalid_request","error_description":"Required metadata header not specified"}"#));
        assert_eq!(e.message, "Failed to acquire managed identity token: Required metadata header not specified (HTTP 400)");
        assert_eq!(e.code, ErrorCode::SignInFailed);
        assert_eq!(e.detail["error"], "invalid_request");
        let e = failure(&body(500, r#"{"statusCode":500,"message":"Internal\r\nstack"}"#));
        assert_eq!(e.message, "Failed to acquire managed identity token: Internal (HTTP 500)");
        let e = failure(&body(302, ""));
        assert!(e.message.contains("redirect"));
        let e = failure(&body(410, "<html>"));
        assert_eq!(e.message, "Failed to acquire managed identity token: the endpoint answered HTTP 410.");
    }

    #[test]
    fn transient_statuses() {
        for s in [404, 408, 410, 429, 500, 503, 599] {
            assert!(is_transient_status(s), "{s}");
        }
        for s in [400, 401, 403, 302, 200] {
            assert!(!is_transient_status(s), "{s}");
        }
    }

    #[test]
    fn retry_schedule_is_1_2_4_and_410_goes_on_for_70_seconds() {
        let t = RetryTiming::default();
        let s = Duration::from_secs;
        assert_eq!(t.delay(0, Some(500), s(0)), Some(s(1)));
        assert_eq!(t.delay(1, Some(500), s(1)), Some(s(2)));
        assert_eq!(t.delay(2, Some(500), s(3)), Some(s(4)));
        assert_eq!(t.delay(3, Some(500), s(7)), None);
        assert_eq!(t.delay(3, Some(410), s(7)), Some(s(4)));
        assert_eq!(t.delay(17, Some(410), s(69)), Some(s(4)));
        assert_eq!(t.delay(18, Some(410), s(70)), None);
        assert_eq!(t.delay(3, None, s(7)), None);
    }

    proptest::proptest! {
        #[test]
        fn untrusted_bodies_never_panic(status in 0u16..1000, s in ".{0,200}") {
            let _ = parse_response(s.as_bytes(), SystemTime::now());
            let _ = failure(&body(status, &s));
        }
    }
}

//! Device authorization grant (`-Device`): ask for a user code, show Entra's message, then
//! poll the token endpoint the way requirement 10 says.

use super::token_endpoint::{self, number_or_string, OAuthError, TokenResponse};
use crate::error::{Error, ErrorCode, Result};
use crate::http::Body;
use crate::secret::Secret;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 8628 defaults: poll every 5 s unless told otherwise; `slow_down` adds 5 s for good.
const DEFAULT_INTERVAL: u64 = 5;
const SLOW_DOWN_STEP: u64 = 5;
/// Entra's device codes live 15 minutes.
const DEFAULT_EXPIRES_IN: u64 = 900;
const MAX_SECONDS: u64 = 86_400;

#[derive(Deserialize)]
struct Response {
    device_code: Secret,
    user_code: String,
    // v1 endpoints spell it verification_url.
    #[serde(alias = "verification_url")]
    verification_uri: String,
    #[serde(default, deserialize_with = "number_or_string")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "number_or_string")]
    interval: Option<u64>,
    message: Option<String>,
}

/// What the devicecode endpoint granted. The user code is shown to the user by design; the
/// device code is the secret.
#[derive(Debug)]
pub struct DeviceCode {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: u64,
    pub interval: u64,
    pub message: String,
}

impl DeviceCode {
    pub fn parse(bytes: &[u8]) -> Result<DeviceCode> {
        let r: Response = serde_json::from_slice(bytes).map_err(|_| {
            Error::new(ErrorCode::MalformedResponse, "The devicecode endpoint answered with a body that is not a devicecode response.")
        })?;
        if r.device_code.is_empty() || r.user_code.is_empty() {
            return Err(Error::new(ErrorCode::MalformedResponse, "The devicecode endpoint answered without a code."));
        }
        // Entra always sends the text to show; build the same sentence if a server does not.
        let message = r.message.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| {
            format!(
                "To sign in, use a web browser to open the page {} and enter the code {} to authenticate.",
                r.verification_uri, r.user_code
            )
        });
        Ok(DeviceCode {
            device_code: r.device_code,
            user_code: r.user_code,
            verification_uri: r.verification_uri,
            // Bounded so that time arithmetic on a hostile value cannot overflow.
            expires_in: r.expires_in.filter(|s| *s > 0).unwrap_or(DEFAULT_EXPIRES_IN).min(MAX_SECONDS),
            // Never poll faster than once a second, whatever a server says.
            interval: r.interval.unwrap_or(DEFAULT_INTERVAL).clamp(1, MAX_SECONDS),
            message,
        })
    }

    /// The prompt `exo_signin_begin` returns.
    pub fn prompt(&self) -> serde_json::Value {
        json!({
            "kind": "deviceCode",
            "message": self.message,
            "userCode": self.user_code,
            "verificationUri": self.verification_uri,
            "expiresIn": self.expires_in,
        })
    }
}

/// `POST {authority}/{tenant}/oauth2/v2.0/devicecode`.
pub async fn request(http: &reqwest::Client, devicecode_url: &str, client_id: &str, scopes: &str) -> Result<DeviceCode> {
    let body = token_endpoint::post_form(http, devicecode_url, &[("client_id", client_id), ("scope", scopes)]).await?;
    if !(200..300).contains(&body.status) {
        return Err(token_endpoint::error_of(&body));
    }
    DeviceCode::parse(&body.bytes)
}

/// One poll's answer.
pub enum Poll {
    Token(TokenResponse),
    Pending,
    SlowDown,
    Failed(Error),
}

impl std::fmt::Debug for Poll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Poll::Token(_) => f.write_str("Token([redacted])"),
            Poll::Pending => f.write_str("Pending"),
            Poll::SlowDown => f.write_str("SlowDown"),
            Poll::Failed(e) => write!(f, "Failed({:?}: {})", e.code, e.message),
        }
    }
}

/// Reads a token-endpoint answer to a device-code poll. Branches on `error`, never on text.
pub fn classify(body: &Body) -> Poll {
    if (200..300).contains(&body.status) {
        return match serde_json::from_slice::<TokenResponse>(&body.bytes) {
            Ok(t) => Poll::Token(t),
            Err(_) => Poll::Failed(Error::new(
                ErrorCode::MalformedResponse,
                "The token endpoint answered with a body that is not a token response.",
            )),
        };
    }
    let Ok(err) = serde_json::from_slice::<OAuthError>(&body.bytes) else {
        return Poll::Failed(token_endpoint::error_of(body));
    };
    let kind = err.error.clone().unwrap_or_default();
    match kind.as_str() {
        "authorization_pending" => return Poll::Pending,
        "slow_down" => return Poll::SlowDown,
        _ => {}
    }
    let has_text = err.error_description.as_deref().map_or(false, |d| !d.trim().is_empty());
    let mut e = if err.error.is_some() { err.into_error(body.status) } else { token_endpoint::error_of(body) };
    if !has_text {
        let friendly = match kind.as_str() {
            "authorization_declined" | "access_denied" => Some("The sign-in was declined."),
            "expired_token" => Some("The device code expired before the sign-in was completed. Run Connect-ExchangeOnline -Device again."),
            "bad_verification_code" => Some("The device code was not recognised by the sign-in service."),
            _ => None,
        };
        if let Some(text) = friendly {
            e.message = text.to_string();
        }
    }
    Poll::Failed(e)
}

/// Polling pace, in server seconds. `unit` is one second; tests shrink it.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    pub interval: u64,
    pub unit: Duration,
}

impl Pace {
    /// `slow_down` adds 5 s to the interval for the rest of the flow.
    pub fn slow_down(&mut self) {
        self.interval += SLOW_DOWN_STEP;
    }

    pub fn wait(&self) -> Duration {
        self.unit * self.interval as u32
    }
}

/// Polls until a token, a final error, or `expires_in`. Cancellation (Ctrl+C) drops this
/// future, which can only be waiting between polls or on one request.
pub async fn poll(http: &reqwest::Client, token_url: &str, client_id: &str, code: &DeviceCode, unit: Duration) -> Result<TokenResponse> {
    let deadline = tokio::time::Instant::now() + unit * code.expires_in as u32;
    let mut pace = Pace { interval: code.interval, unit };
    loop {
        let wait = pace.wait();
        if tokio::time::Instant::now() + wait > deadline {
            return Err(expired());
        }
        tokio::time::sleep(wait).await;
        let form = [("grant_type", GRANT_TYPE), ("client_id", client_id), ("device_code", code.device_code.expose())];
        let body = token_endpoint::post_form(http, token_url, &form).await?;
        match classify(&body) {
            Poll::Token(t) => return Ok(t),
            Poll::Pending => {}
            Poll::SlowDown => pace.slow_down(),
            Poll::Failed(e) => return Err(e),
        }
    }
}

fn expired() -> Error {
    Error::new(
        ErrorCode::SignInFailed,
        "The device code expired before the sign-in was completed. Run Connect-ExchangeOnline -Device again.",
    )
    .with("error", "expired_token")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(status: u16, text: &str) -> Body {
        Body { status, headers: Default::default(), bytes: text.as_bytes().to_vec() }
    }

    const ENTRA: &str = r#"{"user_code":"ABCD1234","device_code":"canary-device-code","verification_uri":"https://microsoft.com/devicelogin","expires_in":"900","interval":"5","message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD1234 to authenticate."}"#;

    #[test]
    fn devicecode_response_and_prompt() {
        let c = DeviceCode::parse(ENTRA.as_bytes()).unwrap();
        assert_eq!((c.expires_in, c.interval), (900, 5));
        let p = c.prompt();
        assert_eq!(p["kind"], "deviceCode");
        assert_eq!(p["userCode"], "ABCD1234");
        assert_eq!(p["verificationUri"], "https://microsoft.com/devicelogin");
        assert_eq!(p["expiresIn"], 900);
        assert!(p["message"].as_str().unwrap().starts_with("To sign in, use a web browser"));
        assert!(!p.to_string().contains("canary"), "the device code is never shown");
        assert!(!format!("{c:?}").contains("canary"));
    }

    #[test]
    fn devicecode_defaults_and_rejections() {
        let c = DeviceCode::parse(br#"{"user_code":"U","device_code":"D","verification_url":"https://v","interval":0}"#).unwrap();
        assert_eq!((c.expires_in, c.interval), (900, 1));
        assert_eq!(c.message, "To sign in, use a web browser to open the page https://v and enter the code U to authenticate.");
        for bad in [&b""[..], b"{}", br#"{"user_code":"","device_code":"D","verification_uri":"v"}"#] {
            assert_eq!(DeviceCode::parse(bad).unwrap_err().code, ErrorCode::MalformedResponse);
        }
    }

    fn entra_error(error: &str, text: &str) -> String {
        json!({"error": error, "error_description": text, "error_codes": [70016], "trace_id": "t"}).to_string()
    }

    #[test]
    fn poll_errors_as_entra_sends_them() {
        assert!(matches!(classify(&body(400, &entra_error("authorization_pending", "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.\r\nTrace ID: x"))), Poll::Pending));
        assert!(matches!(classify(&body(400, &entra_error("slow_down", ""))), Poll::SlowDown));
        let Poll::Failed(e) = classify(&body(400, &entra_error("authorization_declined", "AADSTS70000: The user declined.\r\nTrace ID: x"))) else { panic!() };
        assert_eq!(e.message, "AADSTS70000: The user declined.");
        assert_eq!(e.detail["error"], "authorization_declined");
        let Poll::Failed(e) = classify(&body(400, r#"{"error":"expired_token"}"#)) else { panic!() };
        assert!(e.message.contains("-Device again"));
        let Poll::Failed(e) = classify(&body(400, r#"{"error":"bad_verification_code"}"#)) else { panic!() };
        assert!(e.message.contains("not recognised"));
        let Poll::Failed(e) = classify(&body(502, "<html>bad gateway</html>")) else { panic!() };
        assert!(e.message.contains("HTTP 502"));
        assert!(matches!(classify(&body(200, r#"{"access_token":"a","expires_in":"3599","refresh_token":"r"}"#)), Poll::Token(_)));
        assert!(matches!(classify(&body(200, "{}")), Poll::Failed(_)));
    }

    #[test]
    fn slow_down_adds_five_seconds_for_good() {
        let mut pace = Pace { interval: 5, unit: Duration::from_secs(1) };
        pace.slow_down();
        assert_eq!(pace.wait(), Duration::from_secs(10));
        pace.slow_down();
        assert_eq!(pace.wait(), Duration::from_secs(15));
    }

    proptest::proptest! {
        #[test]
        fn untrusted_bodies_never_panic(status in 0u16..700, s in ".{0,200}") {
            let _ = DeviceCode::parse(s.as_bytes());
            let _ = classify(&body(status, &s));
        }
    }
}

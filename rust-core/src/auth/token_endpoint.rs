//! Requests to Entra ID's token endpoint and its error shape.

use crate::error::{Error, ErrorCode, Result};
use crate::http::{read_body, Body, TOKEN_BODY_CAP};
use crate::secret::Secret;
use serde::Deserialize;
use std::time::Duration;

pub const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// A successful token response.
#[derive(Deserialize)]
pub struct TokenResponse {
    pub access_token: Secret,
    #[serde(default, deserialize_with = "number_or_string")]
    pub expires_in: Option<u64>,
    pub refresh_token: Option<Secret>,
    pub id_token: Option<Secret>,
}

/// Entra ID's error body: branch on `error` and `suberror`, never on the AADSTS text.
#[derive(Deserialize, Default)]
pub struct OAuthError {
    pub error: Option<String>,
    pub error_description: Option<String>,
    pub suberror: Option<String>,
    #[serde(default)]
    pub error_codes: Vec<i64>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
}

impl OAuthError {
    /// The first line of `error_description` ("AADSTS50076: Due to ...") without the trace lines.
    pub fn into_error(self, status: u16) -> Error {
        let description = self.error_description.as_deref().unwrap_or("");
        let first_line = description.split(['\r', '\n']).next().unwrap_or("").trim();
        let message = if first_line.is_empty() {
            format!("Sign-in failed: {}", self.error.as_deref().unwrap_or("unknown error"))
        } else {
            first_line.to_string()
        };
        let mut e = Error::new(ErrorCode::SignInFailed, message).with("httpStatus", status);
        for (k, v) in [
            ("error", self.error),
            ("suberror", self.suberror),
            ("traceId", self.trace_id),
            ("correlationId", self.correlation_id),
            ("timestamp", self.timestamp),
        ] {
            if let Some(v) = v {
                e = e.with(k, v);
            }
        }
        e.with("errorCodes", self.error_codes)
    }
}

/// Accepts `3599` and `"3599"`: managed identity endpoints send numbers as strings. Anything
/// else (a date text from App Service 2017-09-01, a negative number) is simply absent.
pub fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
    let number = match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    // `as` saturates: 1e30 becomes u64::MAX, which Token::expiring clamps.
    Ok(number.filter(|n| n.is_finite() && *n >= 0.0).map(|n| n as u64))
}

/// POSTs a form to the token endpoint and reads the token response.
pub async fn request(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> Result<TokenResponse> {
    interpret(post_form(client, url, form).await?)
}

/// POSTs a form to an Entra endpoint (token or devicecode) and returns the body whatever its
/// status. At most one retry, only for 5xx and connection failures, and never when the
/// server sent `Retry-After` (requirement 16).
pub async fn post_form(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> Result<Body> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let sent = client.post(url).form(form).timeout(TOKEN_TIMEOUT).send().await;
        let outcome = match sent {
            Ok(response) => read_body(response, TOKEN_BODY_CAP).await,
            Err(e) => Err(Error::from(e)),
        };
        let retryable = match &outcome {
            Ok(body) => body.status >= 500 && body.header("retry-after").is_none(),
            Err(e) => e.is_transient(),
        };
        if retryable && attempt < 2 {
            continue;
        }
        return outcome;
    }
}

/// A 2xx body as `T`, or Entra's error turned into an [`Error`].
pub fn interpret_as<T: serde::de::DeserializeOwned>(body: Body, what: &str) -> Result<T> {
    if (200..300).contains(&body.status) {
        return serde_json::from_slice(&body.bytes).map_err(|_| {
            Error::new(ErrorCode::MalformedResponse, format!("The {what} endpoint answered with a body that is not a {what} response."))
        });
    }
    Err(error_of(&body))
}

fn interpret(body: Body) -> Result<TokenResponse> {
    interpret_as(body, "token")
}

/// Entra's error body, or a plain description of a status that came without one.
pub fn error_of(body: &Body) -> Error {
    match serde_json::from_slice::<OAuthError>(&body.bytes) {
        Ok(err) if err.error.is_some() => err.into_error(body.status),
        _ => Error::new(
            ErrorCode::SignInFailed,
            format!("The token endpoint answered HTTP {} without an OAuth error.", body.status),
        )
        .with("httpStatus", body.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_errors_keep_the_first_line_and_the_fields() {
        let body = r#"{"error":"invalid_grant","error_description":"AADSTS50076: Due to a configuration change.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2024-01-01 00:00:00Z","error_codes":[50076],"suberror":"basic_action","trace_id":"1"}"#;
        let e = serde_json::from_str::<OAuthError>(body).unwrap().into_error(400);
        assert_eq!(e.code, ErrorCode::SignInFailed);
        assert_eq!(e.message, "AADSTS50076: Due to a configuration change.");
        assert_eq!(e.detail["error"], "invalid_grant");
        assert_eq!(e.detail["suberror"], "basic_action");
        assert_eq!(e.detail["errorCodes"][0], 50076);
    }

    #[test]
    fn expiry_reads_numbers_and_strings() {
        let r: TokenResponse = serde_json::from_str(r#"{"access_token":"x","expires_in":"3599"}"#).unwrap();
        assert_eq!(r.expires_in, Some(3599));
        let r: TokenResponse = serde_json::from_str(r#"{"access_token":"x","expires_in":3599}"#).unwrap();
        assert_eq!(r.expires_in, Some(3599));
        let r: TokenResponse = serde_json::from_str(r#"{"access_token":"x"}"#).unwrap();
        assert_eq!(r.expires_in, None);
    }

    proptest::proptest! {
        #[test]
        fn error_bodies_never_panic(s in ".{0,300}") {
            if let Ok(e) = serde_json::from_str::<OAuthError>(&s) { let _ = e.into_error(400); }
            let _ = serde_json::from_str::<TokenResponse>(&s);
        }
    }
}

//! The one error type of the core. Every failure that reaches a caller is an [`Error`] with a
//! stable numbered [`ErrorCode`], a message fit for a PowerShell error record, and a JSON
//! detail (server status, request id, OAuth error fields). Messages never contain secrets:
//! they are built from server error texts and our own words, never from request bodies.

use serde_json::{Map, Value};
use std::fmt;

/// Stable error numbers of the C ABI. Values are never reused or renumbered.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
pub enum ErrorCode {
    /// A parameter given by the caller is not valid (checked before any network call).
    InvalidArgument = 1,
    /// The caller cancelled the operation (Ctrl+C).
    Cancelled = 2,
    /// A bug: a panic was caught at the ABI boundary.
    Panic = 3,
    /// A required pointer was null.
    NullPointer = 4,
    /// Input bytes were not UTF-8 or not the expected JSON.
    InvalidInput = 5,
    /// Entra ID refused the sign-in (OAuth error).
    SignInFailed = 10,
    /// The token has expired and cannot be renewed (for example a supplied access token).
    TokenExpired = 11,
    /// The certificate or its private key cannot be used.
    Certificate = 12,
    /// The connection was closed or never opened.
    NotConnected = 13,
    /// A connection or TLS failure.
    Network = 20,
    /// A request took longer than its timeout.
    Timeout = 21,
    /// The service reported an error, or answered with something unreadable.
    ServerError = 30,
    /// The object asked for does not exist.
    NotFound = 31,
    /// The caller has no right to run the command.
    PermissionDenied = 32,
    /// Transient failures went on past the last retry.
    RetriesExhausted = 33,
    /// A nextLink pointed elsewhere than the API host, or repeated itself.
    InvalidNextLink = 34,
    /// A response body was larger than its cap.
    ResponseTooLarge = 35,
    /// A response body could not be parsed.
    MalformedResponse = 36,
    /// The service refused a parameter value.
    InvalidParameter = 37,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Map<String, Value>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), detail: Map::new() }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidArgument, message)
    }

    pub fn cancelled() -> Self {
        Self::new(ErrorCode::Cancelled, "The operation was cancelled.")
    }

    /// Adds one field to the JSON detail.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.detail.insert(key.to_string(), value.into());
        self
    }

    /// True for failures worth another attempt of the same request.
    pub fn is_transient(&self) -> bool {
        matches!(self.code, ErrorCode::Network | ErrorCode::Timeout)
    }

    pub fn detail_json(&self) -> String {
        Value::Object(self.detail.clone()).to_string()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// reqwest errors carry the URL; ours never include query strings, which is where a
/// skiptoken lives, and never a body.
impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        // A request that cannot be built (a header value with a newline, say) is bad input:
        // retrying it would only fail again.
        let code = if e.is_builder() {
            ErrorCode::InvalidArgument
        } else if e.is_timeout() {
            ErrorCode::Timeout
        } else {
            ErrorCode::Network
        };
        let mut url = e.url().cloned();
        if let Some(u) = url.as_mut() {
            u.set_query(None);
        }
        let mut causes = String::new();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            causes.push_str(": ");
            causes.push_str(&s.to_string());
            source = s.source();
        }
        let text = format!("{}{causes}", e.without_url());
        let message = match url {
            Some(u) => format!("Request to {u} failed: {text}"),
            None => format!("Request failed: {text}"),
        };
        Error::new(code, message)
    }
}

//! Reading the claims of a JWT we were given (never verifying it: the service does that).

use crate::error::{Error, Result};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct Claims {
    pub tid: Option<String>,
    pub upn: Option<String>,
    pub unique_name: Option<String>,
    pub appid: Option<String>,
    pub azp: Option<String>,
    pub exp: Option<f64>,
    pub aud: Option<serde_json::Value>,
    #[serde(default)]
    pub roles: Vec<String>,
}

impl Claims {
    /// The signed-in user's name, when the token is a delegated one.
    pub fn user(&self) -> Option<&str> {
        self.upn.as_deref().or(self.unique_name.as_deref())
    }
}

/// Decodes the payload of a compact JWT. Errors never quote the token.
pub fn read_claims(token: &str) -> Result<Claims> {
    let bad = || Error::invalid_argument("The access token is not a JWT (expected three base64url parts separated by dots).");
    let mut parts = token.trim().split('.');
    let (Some(_header), Some(payload), Some(_signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let bytes = base64::decode_config(payload.trim_end_matches('='), base64::URL_SAFE_NO_PAD).map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

pub fn b64url(bytes: &[u8]) -> String {
    base64::encode_config(bytes, base64::URL_SAFE_NO_PAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!("{}.{}.sig", b64url(br#"{"alg":"RS256"}"#), b64url(payload.as_bytes()))
    }

    #[test]
    fn reads_tenant_user_and_expiry() {
        let c = read_claims(&token(r#"{"tid":"t1","upn":"a@b.c","exp":1700000000,"roles":["x"]}"#)).unwrap();
        assert_eq!(c.tid.as_deref(), Some("t1"));
        assert_eq!(c.user(), Some("a@b.c"));
        assert_eq!(c.exp, Some(1_700_000_000.0));
    }

    #[test]
    fn rejects_what_is_not_a_jwt_without_quoting_it() {
        for bad in ["", "abc", "a.b", "a.b.c.d", "a.!!!.c", &format!("x.{}.y", b64url(b"not json"))] {
            let e = read_claims(bad).unwrap_err();
            assert!(e.message.starts_with("The access token is not a JWT"));
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = read_claims(&s);
        }
    }
}

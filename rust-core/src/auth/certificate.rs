//! App-only sign-in with a certificate: a signed client assertion per token request.

use super::jwt::b64url;
use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use sha1::{Digest, Sha1};
use std::time::{SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const ASSERTION_LIFETIME_SECS: u64 = 600;

/// A certificate and its private key as .NET exported them (DER and PKCS#8 DER).
pub struct SigningCertificate {
    key: RsaKeyPair,
    thumbprint_sha1: String,
}

impl std::fmt::Debug for SigningCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningCertificate").field("x5t", &self.thumbprint_sha1).field("key", &"[redacted]").finish()
    }
}

impl SigningCertificate {
    pub fn from_der(certificate_der: &[u8], private_key_pkcs8: &[u8]) -> Result<Self> {
        if certificate_der.is_empty() {
            return Err(Error::new(ErrorCode::Certificate, "The certificate is empty."));
        }
        let key = RsaKeyPair::from_pkcs8(private_key_pkcs8).map_err(|_| {
            Error::new(
                ErrorCode::Certificate,
                "The certificate's private key cannot sign RS256: only RSA keys of 2048 bits or more are supported.",
            )
        })?;
        Ok(SigningCertificate { key, thumbprint_sha1: b64url(&Sha1::digest(certificate_der)) })
    }

    /// Decodes the base64 fields of the connection config. The key bytes are zeroed after use.
    pub fn from_base64(certificate_der: &str, private_key_pkcs8: &Secret) -> Result<Self> {
        let bad = |what: &str| Error::new(ErrorCode::Certificate, format!("The {what} is not valid base64."));
        let cert = base64::decode(certificate_der.trim()).map_err(|_| bad("certificate"))?;
        let key = Zeroizing::new(base64::decode(private_key_pkcs8.expose().trim()).map_err(|_| bad("private key"))?);
        Self::from_der(&cert, &key)
    }

    /// A fresh assertion for one token request (requirement 12): `aud` is the exact token URL.
    pub fn assertion(&self, app_id: &str, token_url: &str, now: SystemTime) -> Result<Secret> {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let header = serde_json::json!({ "alg": "RS256", "typ": "JWT", "x5t": self.thumbprint_sha1 });
        let claims = serde_json::json!({
            "aud": token_url,
            "iss": app_id,
            "sub": app_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!("{}.{}", b64url(header.to_string().as_bytes()), b64url(claims.to_string().as_bytes()));
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signing_input.as_bytes(), &mut signature)
            .map_err(|_| Error::new(ErrorCode::Certificate, "Signing the client assertion failed."))?;
        Ok(Secret::new(format!("{signing_input}.{}", b64url(&signature))))
    }
}

//! Interactive sign-in: authorization code + PKCE (S256) in the system browser, with the
//! redirect received on the loopback listener (requirements 7-9).

use super::loopback::{Loopback, DEFAULT_TIMEOUT};
use super::token_endpoint::{self, TokenResponse};
use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;
use sha2::{Digest, Sha256};
use std::time::Duration;
use url::Url;

/// A PKCE pair. The verifier is secret until the code is redeemed; the challenge is public.
#[derive(Debug)]
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
}

impl Pkce {
    /// 32 random bytes give a 43-character verifier (RFC 7636 section 4.1).
    pub fn generate() -> Result<Pkce> {
        Ok(Self::from_verifier(random_secret(32)?))
    }

    /// S256: `BASE64URL(SHA256(ASCII(verifier)))`; there is no `plain` here.
    pub fn from_verifier(verifier: Secret) -> Pkce {
        let challenge = super::jwt::b64url(&Sha256::digest(verifier.expose().as_bytes()));
        Pkce { verifier, challenge }
    }
}

/// `bytes` random bytes from the OS, base64url without padding.
pub fn random_secret(bytes: usize) -> Result<Secret> {
    use ring::rand::SecureRandom;
    let mut buf = zeroize::Zeroizing::new(vec![0u8; bytes]);
    ring::rand::SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::new(ErrorCode::SignInFailed, "The system's random number generator failed."))?;
    Ok(Secret::new(super::jwt::b64url(&buf)))
}

/// An interactive sign-in between `begin` (listener bound, URL built) and `complete`.
#[derive(Debug)]
pub struct InteractiveSignIn {
    loopback: Loopback,
    pkce: Pkce,
    state: Secret,
    /// Carries `state`: shown to the browser only, never logged.
    authorize_url: Secret,
    redirect_uri: String,
    token_url: String,
    client_id: String,
    scopes: String,
    pub timeout: Duration,
}

impl InteractiveSignIn {
    /// Binds the listener and builds the authorize URL. `authority_tenant_url` is
    /// `{authority}/{tenant}/oauth2/v2.0` (no trailing slash).
    pub async fn begin(oauth_base: &str, client_id: &str, scopes: &str, login_hint: Option<&str>) -> Result<InteractiveSignIn> {
        let loopback = Loopback::bind().await?;
        let pkce = Pkce::generate()?;
        // 32 bytes: 256 bits, twice the 128 that requirement 8 asks for.
        let state = random_secret(32)?;
        let redirect_uri = loopback.redirect_uri();
        let mut url = Url::parse(&format!("{oauth_base}/authorize"))
            .map_err(|_| Error::invalid_argument("The authorization endpoint is not a valid URL."))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", client_id)
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair("response_mode", "query")
                .append_pair("scope", scopes)
                .append_pair("state", state.expose())
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(hint) = login_hint.map(str::trim).filter(|h| !h.is_empty()) {
                q.append_pair("login_hint", hint);
            }
        }
        Ok(InteractiveSignIn {
            loopback,
            pkce,
            state,
            authorize_url: Secret::new(String::from(url)),
            redirect_uri,
            token_url: format!("{oauth_base}/token"),
            client_id: client_id.to_string(),
            scopes: scopes.to_string(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    pub fn authorize_url(&self) -> &Secret {
        &self.authorize_url
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The prompt `exo_signin_begin` returns.
    pub fn prompt(&self) -> serde_json::Value {
        serde_json::json!({ "kind": "browser", "url": self.authorize_url.expose() })
    }

    /// Waits for the redirect, then redeems the code with the verifier. No token request is
    /// made unless the redirect carried the right `state`.
    pub async fn complete(self, http: &reqwest::Client) -> Result<TokenResponse> {
        let InteractiveSignIn { loopback, pkce, state, redirect_uri, token_url, client_id, scopes, timeout, .. } = self;
        let code = loopback.wait(&state, timeout).await?;
        token_endpoint::request(
            http,
            &token_url,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &client_id),
                ("scope", &scopes),
                ("code", code.expose()),
                ("redirect_uri", &redirect_uri),
                ("code_verifier", pkce.verifier.expose()),
            ],
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b() {
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88,
            83, 132, 141, 121,
        ];
        assert_eq!(super::super::jwt::b64url(&octets), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let p = Pkce::from_verifier(Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifiers_and_states_are_long_and_fresh() {
        let a = Pkce::generate().unwrap();
        let b = Pkce::generate().unwrap();
        assert_ne!(a.verifier, b.verifier);
        let len = a.verifier.expose().len();
        assert!((43..=128).contains(&len), "{len}");
        assert!(a.verifier.expose().chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert!(!format!("{a:?}").contains(a.verifier.expose()));
        let s = random_secret(32).unwrap();
        assert!(s.expose().len() * 6 >= 128);
    }

    #[test]
    fn authorize_url_has_every_parameter() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let s = InteractiveSignIn::begin("https://login.microsoftonline.com/organizations/oauth2/v2.0", "cid", "https://outlook.office365.com/.default openid profile offline_access", Some("a@contoso.com"))
                .await
                .unwrap();
            let url = Url::parse(s.authorize_url().expose()).unwrap();
            assert_eq!(url.path(), "/organizations/oauth2/v2.0/authorize");
            let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
            assert_eq!(q["client_id"], "cid");
            assert_eq!(q["response_type"], "code");
            assert_eq!(q["redirect_uri"], format!("http://localhost:{}/", s.loopback.port()));
            assert_eq!(q["scope"], "https://outlook.office365.com/.default openid profile offline_access");
            assert_eq!(q["code_challenge_method"], "S256");
            assert_eq!(q["code_challenge"], s.pkce.challenge);
            assert_eq!(q["state"], s.state.expose());
            assert_eq!(q["login_hint"], "a@contoso.com");
            assert!(!q.contains_key("code_verifier"));
            assert!(!format!("{s:?}").contains(s.state.expose()));
            assert_eq!(s.prompt()["kind"], "browser");
        });
    }
}

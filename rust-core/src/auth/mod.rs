//! Sign-in flows and the token manager that keeps a connection's access token current.

pub mod certificate;
pub mod device_code;
pub mod interactive;
pub mod jwt;
pub mod loopback;
pub mod managed_identity;
pub mod password;
pub mod signin;
pub mod token_endpoint;

use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;
use certificate::SigningCertificate;
use managed_identity::ManagedIdentity;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use token_endpoint::TokenResponse;

/// The margin all Microsoft authentication libraries keep before a token's expiry.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(300);
/// Lifetime assumed when a response does not say (Entra's minimum is 60 minutes).
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// Microsoft's public client for delegated Exchange Online sign-ins.
pub const EXCHANGE_PUBLIC_CLIENT_ID: &str = "fb78d390-0c51-40cd-8e17-fdbfab77341b";

pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(SystemTime::now)
}

/// An access token and what is needed to renew it.
#[derive(Clone, Debug)]
pub struct Token {
    pub access: Secret,
    pub issued_at: SystemTime,
    pub expires_at: SystemTime,
    pub refresh: Option<Secret>,
}

/// No token lives longer than this; a larger `expires_in` or `exp` from a server or a user
/// is clamped rather than overflowing the clock arithmetic.
pub const MAX_LIFETIME: Duration = Duration::from_secs(2 * 86_400);

impl Token {
    /// A token issued `now` that lives `lifetime` (clamped to [`MAX_LIFETIME`]).
    pub fn expiring(access: Secret, now: SystemTime, lifetime: Duration, refresh: Option<Secret>) -> Self {
        let lifetime = lifetime.min(MAX_LIFETIME);
        Token { access, issued_at: now, expires_at: now.checked_add(lifetime).unwrap_or(now), refresh }
    }

    pub fn from_response(response: TokenResponse, now: SystemTime) -> Self {
        let lifetime = response.expires_in.map(Duration::from_secs).unwrap_or(DEFAULT_LIFETIME);
        Token::expiring(response.access_token, now, lifetime, response.refresh_token)
    }

    /// Renew 300 s before expiry; for tokens that live less than twice that (the sandbox's
    /// short lifetimes), renew at half the lifetime instead.
    pub fn needs_renewal(&self, now: SystemTime) -> bool {
        let lifetime = self.expires_at.duration_since(self.issued_at).unwrap_or_default();
        let margin = EXPIRY_MARGIN.min(lifetime / 2);
        match self.expires_at.duration_since(now) {
            Ok(left) => left <= margin,
            Err(_) => true,
        }
    }

    pub fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }
}

/// How a connection gets a new token.
pub enum Credential {
    /// Client credentials with a certificate assertion, rebuilt for every request.
    Certificate { app_id: String, certificate: SigningCertificate },
    /// A token the user handed us: it cannot be renewed.
    AccessToken,
    /// Delegated sign-ins renew with their refresh token.
    Delegated { client_id: String },
    /// Managed identity has no refresh token: renewal is a new managed-identity call.
    ManagedIdentity(ManagedIdentity),
}

impl Credential {
    pub fn is_renewable(&self) -> bool {
        !matches!(self, Credential::AccessToken)
    }
}

/// Keeps one token current for one connection. The async mutex makes renewal single-flight:
/// callers that arrive while a renewal runs wait for it and then use its result.
pub struct TokenManager {
    credential: Credential,
    token_url: String,
    scope: String,
    http: reqwest::Client,
    clock: Clock,
    state: tokio::sync::Mutex<Token>,
    /// The current token's expiry, readable without waiting for a renewal in progress
    /// (Get-ConnectionInformation must not hang behind a 70 s managed-identity retry).
    expires_at: parking_lot::Mutex<SystemTime>,
    log: std::sync::Arc<crate::activity_log::ActivityLog>,
}

impl TokenManager {
    pub fn new(
        credential: Credential,
        token_url: String,
        scope: String,
        http: reqwest::Client,
        clock: Clock,
        first: Token,
        log: std::sync::Arc<crate::activity_log::ActivityLog>,
    ) -> Self {
        let expires_at = parking_lot::Mutex::new(first.expires_at);
        TokenManager { credential, token_url, scope, http, clock, state: tokio::sync::Mutex::new(first), expires_at, log }
    }

    /// A token good for the next request, renewing it first when it is within the margin.
    pub async fn current(&self) -> Result<Secret> {
        let mut token = self.state.lock().await;
        let now = (self.clock)();
        if !token.needs_renewal(now) {
            return Ok(token.access.clone());
        }
        if !self.credential.is_renewable() {
            if token.is_expired(now) {
                return Err(access_token_expired(token.expires_at));
            }
            return Ok(token.access.clone());
        }
        let started = std::time::Instant::now();
        let renewed = self.acquire(token.refresh.clone()).await.map_err(|e| {
            self.log.write(crate::activity_log::LogLevel::Default, &format!("token renewal failed: {}", e.message));
            e
        })?;
        self.log.write(
            crate::activity_log::LogLevel::Default,
            &format!(
                "token renewed in {} ms; expires {}",
                started.elapsed().as_millis(),
                crate::connection::chrono_like_iso(renewed.expires_at)
            ),
        );
        // A refresh response without refresh_token keeps the old one (requirement 4).
        let refresh = renewed.refresh.clone().or_else(|| token.refresh.clone());
        *token = Token { refresh, ..renewed };
        *self.expires_at.lock() = token.expires_at;
        Ok(token.access.clone())
    }

    /// Forgets the remaining life of `refused` (after a 401) so the next call renews. A token
    /// another caller already renewed is left alone: N callers refused with the same old
    /// token cause one renewal, not N.
    pub async fn invalidate(&self, refused: &Secret) {
        let mut token = self.state.lock().await;
        if token.access == *refused {
            token.expires_at = token.issued_at;
        }
    }

    /// The token's expiry and whether it has passed, without waiting for a renewal.
    pub fn snapshot(&self) -> (SystemTime, bool) {
        let expires_at = *self.expires_at.lock();
        (expires_at, (self.clock)() >= expires_at)
    }

    pub fn is_renewable(&self) -> bool {
        self.credential.is_renewable()
    }

    async fn acquire(&self, refresh: Option<Secret>) -> Result<Token> {
        acquire(&self.credential, &self.http, &self.token_url, &self.scope, refresh.as_ref(), (self.clock)()).await
    }
}

/// One token request for a credential. Also used for the first token of a connection.
pub async fn acquire(
    credential: &Credential,
    http: &reqwest::Client,
    token_url: &str,
    scope: &str,
    refresh: Option<&Secret>,
    now: SystemTime,
) -> Result<Token> {
    let response = match credential {
        Credential::Certificate { app_id, certificate } => {
            let assertion = certificate.assertion(app_id, token_url, now)?;
            token_endpoint::request(
                http,
                token_url,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", app_id),
                    ("scope", scope),
                    ("client_assertion_type", certificate::ASSERTION_TYPE),
                    ("client_assertion", assertion.expose()),
                ],
            )
            .await?
        }
        Credential::Delegated { client_id } => {
            let Some(refresh) = refresh else {
                return Err(Error::new(ErrorCode::TokenExpired, "The sign-in has expired and has no refresh token. Run Connect-ExchangeOnline again."));
            };
            let scopes = delegated_scopes(scope);
            token_endpoint::request(
                http,
                token_url,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", client_id),
                    ("scope", &scopes),
                    ("refresh_token", refresh.expose()),
                ],
            )
            .await?
        }
        Credential::ManagedIdentity(identity) => return identity.acquire(http, now).await,
        Credential::AccessToken => return Err(access_token_expired(now)),
    };
    Ok(Token::from_response(response, now))
}

/// The scopes every delegated sign-in asks for.
pub fn delegated_scopes(resource_scope: &str) -> String {
    format!("{resource_scope} openid profile offline_access")
}

fn access_token_expired(at: SystemTime) -> Error {
    let when = httpdate::fmt_http_date(at);
    Error::new(
        ErrorCode::TokenExpired,
        format!("The access token given to Connect-ExchangeOnline expired at {when}. Tokens passed with -AccessToken cannot be renewed: get a new token and connect again."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(lifetime: u64) -> Token {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        Token { access: Secret::new("a"), issued_at: t0, expires_at: t0 + Duration::from_secs(lifetime), refresh: None }
    }

    #[test]
    fn renews_300_seconds_before_expiry() {
        let t = token(3600);
        assert!(!t.needs_renewal(t.issued_at + Duration::from_secs(3299)));
        assert!(t.needs_renewal(t.issued_at + Duration::from_secs(3300)));
    }

    #[test]
    fn short_lifetimes_renew_at_half_life() {
        let t = token(30);
        assert!(!t.needs_renewal(t.issued_at + Duration::from_secs(14)));
        assert!(t.needs_renewal(t.issued_at + Duration::from_secs(15)));
        assert!(t.needs_renewal(t.issued_at + Duration::from_secs(31)));
    }
}

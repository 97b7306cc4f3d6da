//! A connection: where it talks, who it is, and the token manager that keeps it signed in.
//! Connections are `Send + Sync`: PowerShell runspaces may share one.

use crate::auth::certificate::SigningCertificate;
use crate::auth::managed_identity::{ManagedIdentity, Source};
use crate::auth::token_endpoint::TokenResponse;
use crate::auth::{self, jwt, password, Clock, Credential, Token, TokenManager, EXCHANGE_PUBLIC_CLIENT_ID};
use crate::cloud::Endpoints;
use crate::config::{ConnectConfig, Flow};
use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;
use crate::activity_log::{ActivityLog, LogLevel};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use uuid::Uuid;

/// The well-known system mailbox app-only requests are anchored to.
const APP_ANCHOR_MAILBOX: &str = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

pub struct Connection {
    pub id: Uuid,
    pub flow: Flow,
    pub endpoints: Endpoints,
    /// The tenant segment of admin API URLs: the delegated organization, the organization, or
    /// the token's tenant id.
    pub tenant: String,
    pub tenant_id: Option<String>,
    pub organization: Option<String>,
    pub delegated_organization: Option<String>,
    pub user_principal_name: Option<String>,
    pub app_id: Option<String>,
    pub page_size: u32,
    pub http: reqwest::Client,
    pub tokens: TokenManager,
    pub log: Arc<ActivityLog>,
}

impl Connection {
    /// Opens a connection for the flows that need no user interaction (certificate,
    /// accessToken, managedIdentity, password). Interactive and device sign-in go through
    /// [`crate::auth::signin::PendingSignIn`].
    pub async fn open(config: ConnectConfig, clock: Clock) -> Result<Connection> {
        let endpoints = resolve_endpoints(&config)?;
        Self::open_with(config, endpoints, clock).await
    }

    /// [`Connection::open`] with endpoints already resolved (tests point them at 127.0.0.1).
    pub async fn open_with(mut config: ConnectConfig, endpoints: Endpoints, clock: Clock) -> Result<Connection> {
        let flow = config.flow()?;
        config.open_activity_log()?;
        let http = client_for(&config)?;
        match flow {
            Flow::Certificate => {
                let cert = config.certificate.as_ref().expect("validated");
                let certificate = SigningCertificate::from_base64(&cert.certificate_der, &cert.private_key_pkcs8)?;
                let app_id = config.app_id.clone().expect("validated");
                let organization = config.organization.clone().expect("validated");
                let token_url = endpoints.oauth_url(&organization, "token");
                let credential = Credential::Certificate { app_id, certificate };
                let first = auth::acquire(&credential, &http, &token_url, &endpoints.scope(), None, clock()).await?;
                Ok(Self::assemble(config, flow, endpoints, http, credential, token_url, first, clock))
            }
            Flow::AccessToken => {
                let access = config.access_token.clone().expect("validated");
                let first = token_from_jwt(&access, clock())?;
                let claims = jwt::read_claims(access.expose())?;
                check_token_tenant(&config, &claims)?;
                let token_url = endpoints.oauth_url("organizations", "token");
                Ok(Self::assemble(config, flow, endpoints, http, Credential::AccessToken, token_url, first, clock))
            }
            Flow::ManagedIdentity => {
                // The host's environment says which protocol to speak (MSAL's order).
                let identity = ManagedIdentity::new(Source::detect(|name| config.env_var(name)), config.managed_identity_account_id.clone(), &endpoints.resource);
                let credential = Credential::ManagedIdentity(identity);
                // Not used by managed identity; kept so the connection names its tenant's authority.
                let token_url = endpoints.oauth_url(config.organization.as_deref().expect("validated"), "token");
                let first = auth::acquire(&credential, &http, &token_url, &endpoints.scope(), None, clock()).await?;
                Ok(Self::assemble(config, flow, endpoints, http, credential, token_url, first, clock))
            }
            Flow::Password => {
                let token_url = endpoints.oauth_url(&sign_in_tenant(&config), "token");
                let user = config.user_principal_name.clone().expect("validated");
                let password = config.password.clone().expect("validated");
                let scopes = auth::delegated_scopes(&endpoints.scope());
                let response = password::sign_in(&http, &token_url, EXCHANGE_PUBLIC_CLIENT_ID, &scopes, &user, &password).await?;
                Ok(Self::delegated(config, flow, endpoints, http, token_url, response, clock))
            }
            Flow::Interactive | Flow::Device => Err(Error::invalid_argument(format!(
                "The {} sign-in needs the user: start it with exo_signin_begin, not exo_connection_open.",
                if flow == Flow::Device { "device" } else { "interactive" }
            ))),
        }
    }

    /// A connection from a delegated sign-in's token response; it renews by refresh token.
    pub fn delegated(
        config: ConnectConfig,
        flow: Flow,
        endpoints: Endpoints,
        http: reqwest::Client,
        token_url: String,
        response: TokenResponse,
        clock: Clock,
    ) -> Connection {
        let first = Token::from_response(response, clock());
        let credential = Credential::Delegated { client_id: EXCHANGE_PUBLIC_CLIENT_ID.to_string() };
        Self::assemble(config, flow, endpoints, http, credential, token_url, first, clock)
    }

    /// Builds the connection once its first token is in hand.
    #[allow(clippy::too_many_arguments)]
    pub fn assemble(
        config: ConnectConfig,
        flow: Flow,
        endpoints: Endpoints,
        http: reqwest::Client,
        credential: Credential,
        token_url: String,
        first: Token,
        clock: Clock,
    ) -> Connection {
        let claims = jwt::read_claims(first.access.expose()).unwrap_or_default();
        let tenant_id = claims.tid.clone();
        let user_principal_name = config.user_principal_name.clone().or_else(|| claims.user().map(str::to_string));
        let tenant = config
            .delegated_organization
            .clone()
            .or_else(|| config.organization.clone())
            .or_else(|| tenant_id.clone())
            .unwrap_or_else(|| "organizations".to_string());
        let log = config.activity_log.clone().unwrap_or_else(|| Arc::new(ActivityLog::disabled()));
        let id = Uuid::new_v4();
        log.write(
            LogLevel::Default,
            &format!(
                "connection {id}: signed in with the {flow:?} flow; admin API {}, authority {}, tenant {tenant}, token expires {}",
                endpoints.connection.as_str().trim_end_matches('/'),
                endpoints.authority.as_str().trim_end_matches('/'),
                chrono_like_iso(first.expires_at)
            ),
        );
        let tokens = TokenManager::new(credential, token_url, endpoints.scope(), http.clone(), clock, first, log.clone());
        Connection {
            id,
            log,
            flow,
            page_size: config.page_size(),
            endpoints,
            tenant,
            tenant_id,
            organization: config.organization,
            delegated_organization: config.delegated_organization,
            user_principal_name,
            app_id: config.app_id.or(claims.appid),
            http,
            tokens,
        }
    }

    pub fn is_app_only(&self) -> bool {
        matches!(self.flow, Flow::Certificate | Flow::ManagedIdentity)
    }

    /// `X-AnchorMailbox`: the user for delegated sessions, the tenant's system mailbox for apps.
    pub fn anchor_mailbox(&self) -> String {
        match (&self.user_principal_name, self.is_app_only()) {
            (Some(upn), false) => format!("UPN:{upn}"),
            _ => format!("APP:{APP_ANCHOR_MAILBOX}@{}", self.tenant_id.as_deref().unwrap_or(&self.tenant)),
        }
    }

    /// What Get-ConnectionInformation shows, as JSON.
    pub async fn info(&self) -> serde_json::Value {
        let (expires_at, expired) = self.tokens.snapshot();
        let expiry = chrono_like_iso(expires_at);
        let status = if !expired { "Active" } else if self.tokens.is_renewable() { "Renewable" } else { "Expired" };
        json!({
            "connectionId": self.id.to_string(),
            "flow": self.flow,
            "userPrincipalName": self.user_principal_name,
            "organization": self.organization,
            "delegatedOrganization": self.delegated_organization,
            "tenantId": self.tenant_id,
            "appId": self.app_id,
            "connectionUri": self.endpoints.connection.as_str().trim_end_matches('/'),
            "azureAdAuthorizationEndpointUri": self.endpoints.authority.as_str().trim_end_matches('/'),
            "tokenExpiryTimeUtc": expiry,
            "tokenStatus": status,
            "certificateAuthentication": self.flow == Flow::Certificate,
            "pageSize": self.page_size,
        })
    }
}

/// Names the connection without anything secret (tokens stay in the token manager).
impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id)
            .field("flow", &self.flow)
            .field("tenant", &self.tenant)
            .field("user_principal_name", &self.user_principal_name)
            .finish_non_exhaustive()
    }
}

impl serde::Serialize for Flow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            Flow::Certificate => "certificate",
            Flow::AccessToken => "accessToken",
            Flow::ManagedIdentity => "managedIdentity",
            Flow::Interactive => "interactive",
            Flow::Device => "device",
            Flow::Password => "password",
        })
    }
}

pub fn resolve_endpoints(config: &ConnectConfig) -> Result<Endpoints> {
    Endpoints::resolve_with(
        config.exchange_environment_name.as_deref(),
        config.connection_uri.as_deref(),
        config.authority_uri.as_deref(),
        |name| config.env_var(name),
    )
}

/// The HTTP client, trusting the caller's EXONATIVE_TRUSTED_CA.
pub fn client_for(config: &ConnectConfig) -> Result<reqwest::Client> {
    crate::http::build_client_trusting(config.env_var(crate::cloud::ENV_TRUSTED_CA))
}

/// The tenant in the authority path of delegated sign-ins. `-DelegatedOrganization` first:
/// a partner admin (GDAP) must get a token issued by the customer's tenant, as Microsoft's
/// module does; then `-Organization`; else `organizations` (any work account).
pub fn sign_in_tenant(config: &ConnectConfig) -> String {
    [&config.delegated_organization, &config.organization]
        .into_iter()
        .flatten()
        .map(|t| t.trim())
        .find(|t| !t.is_empty())
        .unwrap_or("organizations")
        .to_string()
}

/// A supplied access token's lifetime comes from its `exp` claim.
fn token_from_jwt(access: &Secret, now: SystemTime) -> Result<Token> {
    let claims = jwt::read_claims(access.expose())?;
    let expires_at = match claims.exp {
        Some(exp) if exp > 0.0 && exp.is_finite() => SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(exp as u64)).unwrap_or(now + auth::MAX_LIFETIME),
        _ => return Err(Error::invalid_argument("The access token has no expiry (exp claim).")),
    };
    if expires_at <= now {
        return Err(Error::new(
            ErrorCode::TokenExpired,
            format!("The access token expired at {}. Get a new token and connect again.", httpdate::fmt_http_date(expires_at)),
        ));
    }
    // Issued "now" for our bookkeeping; a token we cannot renew is used until it expires.
    Ok(Token::expiring(access.clone(), now, expires_at.duration_since(now).unwrap_or_default(), None))
}

/// A token for another tenant than the one named would act on that other tenant: refuse it.
fn check_token_tenant(config: &ConnectConfig, claims: &jwt::Claims) -> Result<()> {
    let Some(tid) = claims.tid.as_deref() else { return Ok(()) };
    for named in [&config.delegated_organization, &config.organization].into_iter().flatten() {
        if Uuid::parse_str(named).is_ok() && !named.eq_ignore_ascii_case(tid) {
            return Err(Error::invalid_argument(format!(
                "The access token was issued for tenant {tid}, but the connection names tenant {named}. Get a token for {named}, or connect without naming another tenant."
            )));
        }
    }
    Ok(())
}

/// ISO-8601 UTC without pulling a date crate into the core.
pub fn chrono_like_iso(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(chrono_like_iso(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(chrono_like_iso(SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_210_096)), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn delegated_sign_ins_go_to_the_most_specific_tenant() {
        let mut c = ConnectConfig::default();
        assert_eq!(sign_in_tenant(&c), "organizations");
        c.organization = Some("contoso.com".into());
        assert_eq!(sign_in_tenant(&c), "contoso.com");
        c.delegated_organization = Some("fabrikam.com".into());
        assert_eq!(sign_in_tenant(&c), "fabrikam.com");
        c.delegated_organization = Some(" ".into());
        assert_eq!(sign_in_tenant(&c), "contoso.com");
    }

    #[test]
    fn a_token_for_another_tenant_is_refused() {
        let claims = jwt::Claims { tid: Some("11111111-1111-1111-1111-111111111111".into()), ..Default::default() };
        let config = ConnectConfig { organization: Some("22222222-2222-2222-2222-222222222222".into()), ..Default::default() };
        let e = check_token_tenant(&config, &claims).unwrap_err();
        assert!(e.message.contains("issued for tenant 11111111"));
        let same = ConnectConfig { organization: Some("11111111-1111-1111-1111-111111111111".into()), ..Default::default() };
        assert!(check_token_tenant(&same, &claims).is_ok());
    }
}

//! Clouds (`-ExchangeEnvironmentName`) and the endpoints a connection talks to.

use crate::error::{Error, Result};
use url::Url;

/// Environment variables that point the module at another service (the sandbox tenant)
/// without changing scripts. Names are a contract with tests and users.
pub const ENV_CONNECTION_URI: &str = "EXONATIVE_CONNECTION_URI";
pub const ENV_AUTHORITY_URI: &str = "EXONATIVE_AUTHORITY_URI";
pub const ENV_TRUSTED_CA: &str = "EXONATIVE_TRUSTED_CA";

/// The resource every token is asked for. Tokens carry it as `aud`, whatever host the admin
/// API is reached at (the sandbox accepts it as the real service does).
pub const EXCHANGE_RESOURCE: &str = "https://outlook.office365.com";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    O365Default,
    O365USGovGCCHigh,
    O365USGovDoD,
    O365China,
    O365GermanyCloud,
}

impl Environment {
    pub const NAMES: [&'static str; 5] =
        ["O365Default", "O365USGovGCCHigh", "O365USGovDoD", "O365China", "O365GermanyCloud"];

    pub fn parse(name: &str) -> Result<Self> {
        let found = match name.to_ascii_lowercase().as_str() {
            "o365default" => Environment::O365Default,
            "o365usgovgcchigh" => Environment::O365USGovGCCHigh,
            "o365usgovdod" => Environment::O365USGovDoD,
            "o365china" => Environment::O365China,
            "o365germanycloud" => Environment::O365GermanyCloud,
            _ => {
                return Err(Error::invalid_argument(format!(
                    "Unknown ExchangeEnvironmentName '{name}'. Use one of: {}.",
                    Self::NAMES.join(", ")
                )))
            }
        };
        Ok(found)
    }

    /// (authority host, admin API host) as the service documents them.
    fn hosts(self) -> Result<(&'static str, &'static str)> {
        Ok(match self {
            Environment::O365Default => ("https://login.microsoftonline.com", "https://outlook.office365.com"),
            Environment::O365USGovGCCHigh => ("https://login.microsoftonline.us", "https://outlook.office365.us"),
            // Open question in the wire spec: some clients use webmail.apps.mil.
            Environment::O365USGovDoD => ("https://login.microsoftonline.us", "https://outlook-dod.office365.us"),
            // Open question in the wire spec: older docs name login.chinacloudapi.cn.
            Environment::O365China => ("https://login.partner.microsoftonline.cn", "https://partner.outlook.cn"),
            Environment::O365GermanyCloud => {
                return Err(Error::invalid_argument(
                    "The Microsoft Cloud Deutschland (O365GermanyCloud) has been retired. Its tenants were moved to O365Default: connect without -ExchangeEnvironmentName.",
                ))
            }
        })
    }
}

/// Where a connection signs in and where it sends commands.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// Authority base, e.g. `https://login.microsoftonline.com` (no tenant path).
    pub authority: Url,
    /// Admin API base, e.g. `https://outlook.office365.com`.
    pub connection: Url,
    /// The resource tokens are requested for (scope `<resource>/.default`).
    pub resource: String,
}

impl Endpoints {
    /// Resolves endpoints: an explicit parameter wins, then the EXONATIVE_* variables, then the
    /// cloud's documented hosts.
    pub fn resolve(environment: Option<&str>, connection_uri: Option<&str>, authority_uri: Option<&str>) -> Result<Self> {
        Self::resolve_with(environment, connection_uri, authority_uri, |name| std::env::var(name).ok())
    }

    /// [`Endpoints::resolve`] reading the EXONATIVE_* variables through `var`.
    pub fn resolve_with(
        environment: Option<&str>,
        connection_uri: Option<&str>,
        authority_uri: Option<&str>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let env = environment.map(Environment::parse).transpose()?.unwrap_or(Environment::O365Default);
        let (default_authority, default_connection) = env.hosts()?;
        let resource = if env == Environment::O365Default { EXCHANGE_RESOURCE.to_string() } else { default_connection.to_string() };

        let connection = match connection_uri {
            Some(v) => parse_https(v, "ConnectionUri")?,
            None => match var(ENV_CONNECTION_URI).filter(|v| !v.is_empty()) {
                Some(v) => parse_https(&v, ENV_CONNECTION_URI)?,
                None => Url::parse(default_connection).expect("documented host"),
            },
        };
        let authority = match authority_uri {
            Some(v) => parse_https(v, "AzureADAuthorizationEndpointUri")?,
            None => match var(ENV_AUTHORITY_URI).filter(|v| !v.is_empty()) {
                Some(v) => parse_https(&v, ENV_AUTHORITY_URI)?,
                None => Url::parse(default_authority).expect("documented host"),
            },
        };
        Ok(Endpoints { authority, connection, resource })
    }

    pub fn scope(&self) -> String {
        format!("{}/.default", self.resource)
    }

    /// `{authority}/{tenant}/oauth2/v2.0/{endpoint}`
    pub fn oauth_url(&self, tenant: &str, endpoint: &str) -> String {
        format!("{}/{}/oauth2/v2.0/{}", trim(&self.authority), tenant, endpoint)
    }

    /// `{connection}/adminapi/beta/{tenant}/InvokeCommand`
    pub fn invoke_url(&self, tenant: &str) -> String {
        format!("{}/adminapi/beta/{}/InvokeCommand", trim(&self.connection), tenant)
    }
}

fn trim(u: &Url) -> &str {
    u.as_str().trim_end_matches('/')
}

/// Microsoft's module accepts only absolute https URIs and says so in these words.
fn parse_https(value: &str, parameter: &str) -> Result<Url> {
    match Url::parse(value) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some() => Ok(u),
        _ => Err(Error::invalid_argument(format!("Invalid {parameter} parameter '{value}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_cloud_resolves_and_germany_is_retired() {
        for name in Environment::NAMES {
            let r = Endpoints::resolve(Some(name), Some("https://a.example"), Some("https://b.example"));
            assert_eq!(r.is_ok(), name != "O365GermanyCloud", "{name}");
        }
        let e = Endpoints::resolve(Some("O365GermanyCloud"), None, None).unwrap_err();
        assert!(e.message.contains("retired"));
    }

    #[test]
    fn unknown_cloud_names_the_valid_ones() {
        let e = Endpoints::resolve(Some("Mars"), None, None).unwrap_err();
        assert!(e.message.contains("Unknown ExchangeEnvironmentName 'Mars'"));
        assert!(e.message.contains("O365USGovDoD"));
    }

    #[test]
    fn non_https_uris_use_microsofts_message() {
        let e = Endpoints::resolve(None, Some("http://outlook.office365.com"), None).unwrap_err();
        assert_eq!(e.message, "Invalid ConnectionUri parameter 'http://outlook.office365.com'");
        let e = Endpoints::resolve(None, None, Some("not a uri")).unwrap_err();
        assert_eq!(e.message, "Invalid AzureADAuthorizationEndpointUri parameter 'not a uri'");
    }

    #[test]
    fn urls_are_built_without_double_slashes() {
        let e = Endpoints::resolve(None, Some("https://localhost:1234/"), Some("https://localhost:99")).unwrap();
        assert_eq!(e.invoke_url("contoso.com"), "https://localhost:1234/adminapi/beta/contoso.com/InvokeCommand");
        assert_eq!(e.oauth_url("t", "token"), "https://localhost:99/t/oauth2/v2.0/token");
        assert_eq!(e.scope(), "https://outlook.office365.com/.default");
    }
}

//! The connection configuration C# sends as JSON. Unknown fields are ignored so that new
//! parameters do not change the ABI.

use crate::error::{Error, Result};
use crate::secret::Secret;
use serde::Deserialize;

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Flow {
    Certificate,
    AccessToken,
    ManagedIdentity,
    Interactive,
    Device,
    Password,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CertificateConfig {
    pub certificate_der: String,
    pub private_key_pkcs8: Secret,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectConfig {
    pub flow: Option<Flow>,
    pub app_id: Option<String>,
    pub organization: Option<String>,
    pub delegated_organization: Option<String>,
    pub user_principal_name: Option<String>,
    pub exchange_environment_name: Option<String>,
    pub connection_uri: Option<String>,
    #[serde(rename = "azureAdAuthorizationEndpointUri", alias = "azureADAuthorizationEndpointUri")]
    pub authority_uri: Option<String>,
    pub page_size: Option<u32>,
    pub certificate: Option<CertificateConfig>,
    pub access_token: Option<Secret>,
    pub managed_identity_account_id: Option<String>,
    pub password: Option<Secret>,
    pub prefix: Option<String>,
    /// The caller's values of the environment variables the core reads (see
    /// [`ENVIRONMENT_VARIABLES`]). .NET on Unix keeps `$env:X = ...` in a managed copy that
    /// native code never sees, so PowerShell sends them here; absent = read the process'.
    pub environment: Option<std::collections::HashMap<String, String>>,
    pub log_directory_path: Option<String>,
    pub log_level: Option<String>,
    /// Opened by [`ConnectConfig::open_activity_log`] before any network call.
    #[serde(skip)]
    pub activity_log: Option<std::sync::Arc<crate::activity_log::ActivityLog>>,
}

/// Every environment variable the core reads: the sandbox overrides and the managed
/// identity hosts' variables.
pub const ENVIRONMENT_VARIABLES: [&str; 8] = [
    crate::cloud::ENV_CONNECTION_URI,
    crate::cloud::ENV_AUTHORITY_URI,
    crate::cloud::ENV_TRUSTED_CA,
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
];

pub const MAX_PAGE_SIZE: u32 = 1000;

/// Written by hand: the environment snapshot holds IDENTITY_HEADER and MSI_SECRET, so only
/// the names of the variables given are shown.
impl std::fmt::Debug for ConnectConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let environment: Option<Vec<&String>> = self.environment.as_ref().map(|e| e.keys().collect());
        f.debug_struct("ConnectConfig")
            .field("flow", &self.flow)
            .field("app_id", &self.app_id)
            .field("organization", &self.organization)
            .field("delegated_organization", &self.delegated_organization)
            .field("user_principal_name", &self.user_principal_name)
            .field("exchange_environment_name", &self.exchange_environment_name)
            .field("connection_uri", &self.connection_uri)
            .field("authority_uri", &self.authority_uri)
            .field("page_size", &self.page_size)
            .field("certificate", &self.certificate.as_ref().map(|_| "[redacted]"))
            .field("access_token", &self.access_token)
            .field("managed_identity_account_id", &self.managed_identity_account_id)
            .field("password", &self.password)
            .field("environment", &environment)
            .field("log_directory_path", &self.log_directory_path)
            .field("log_level", &self.log_level)
            .finish_non_exhaustive()
    }
}

impl ConnectConfig {
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let config: ConnectConfig = serde_json::from_slice(bytes)
            .map_err(|e| Error::new(crate::error::ErrorCode::InvalidInput, format!("The connection configuration is not valid JSON: {e}")))?;
        config.validate()?;
        Ok(config)
    }

    pub fn flow(&self) -> Result<Flow> {
        self.flow.ok_or_else(|| Error::invalid_argument("The connection configuration names no sign-in flow."))
    }

    /// Opens the log file now, so a bad LogDirectoryPath fails before the network is used.
    pub fn open_activity_log(&mut self) -> Result<std::sync::Arc<crate::activity_log::ActivityLog>> {
        if self.activity_log.is_none() {
            let log = crate::activity_log::ActivityLog::open(self.log_directory_path.as_deref(), self.log_level.as_deref())?;
            self.activity_log = Some(std::sync::Arc::new(log));
        }
        Ok(self.activity_log.clone().expect("just set"))
    }

    /// An environment variable as the caller sees it; empty counts as unset.
    pub fn env_var(&self, name: &str) -> Option<String> {
        let value = match &self.environment {
            Some(snapshot) => snapshot.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value.filter(|v| !v.is_empty())
    }

    pub fn page_size(&self) -> u32 {
        self.page_size.unwrap_or(MAX_PAGE_SIZE)
    }

    /// Checks that do not need the network; C# checks the same earlier with PowerShell's
    /// words, this keeps the library safe for any caller.
    fn validate(&self) -> Result<()> {
        if let Some(size) = self.page_size {
            if !(1..=MAX_PAGE_SIZE).contains(&size) {
                return Err(Error::invalid_argument(format!(
                    "PageSize {size} is out of range: use a number from 1 to {MAX_PAGE_SIZE}."
                )));
            }
        }
        let app_only = matches!(self.flow, Some(Flow::Certificate) | Some(Flow::ManagedIdentity));
        if app_only && self.organization.as_deref().map_or(true, str::is_empty) {
            return Err(Error::invalid_argument(
                "App-only sign-in needs -Organization: give the tenant's primary domain, e.g. -Organization contoso.onmicrosoft.com.",
            ));
        }
        if self.flow == Some(Flow::Certificate) {
            if self.app_id.as_deref().map_or(true, str::is_empty) {
                return Err(Error::invalid_argument("Certificate sign-in needs -AppId."));
            }
            if self.certificate.is_none() {
                return Err(Error::invalid_argument("Certificate sign-in needs a certificate."));
            }
        }
        if self.flow == Some(Flow::Password) {
            if self.user_principal_name.as_deref().map_or(true, |u| u.trim().is_empty()) {
                return Err(Error::invalid_argument("-Credential sign-in needs a user name (e.g. admin@contoso.onmicrosoft.com)."));
            }
            if self.password.as_ref().map_or(true, Secret::is_empty) {
                return Err(Error::invalid_argument("-Credential sign-in needs a password."));
            }
        }
        if self.flow == Some(Flow::AccessToken) && self.access_token.as_ref().map_or(true, Secret::is_empty) {
            return Err(Error::invalid_argument("-AccessToken is empty."));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_only_without_organization_says_what_to_do() {
        let e = ConnectConfig::parse(br#"{"flow":"certificate","appId":"x","certificate":{"certificateDer":"","privateKeyPkcs8":""}}"#).unwrap_err();
        assert!(e.message.contains("-Organization"));
    }

    #[test]
    fn page_size_is_checked() {
        let e = ConnectConfig::parse(br#"{"flow":"accessToken","accessToken":"a.b.c","pageSize":0}"#).unwrap_err();
        assert!(e.message.contains("PageSize 0 is out of range"));
        assert!(ConnectConfig::parse(br#"{"flow":"accessToken","accessToken":"a.b.c","pageSize":1000,"unknownField":1}"#).is_ok());
    }

    #[test]
    fn password_sign_in_needs_user_and_password() {
        let e = ConnectConfig::parse(br#"{"flow":"password","password":"x"}"#).unwrap_err();
        assert!(e.message.contains("user name"));
        let e = ConnectConfig::parse(br#"{"flow":"password","userPrincipalName":"a@b.c"}"#).unwrap_err();
        assert!(e.message.contains("password"));
        assert!(ConnectConfig::parse(br#"{"flow":"password","userPrincipalName":"a@b.c","password":"p"}"#).is_ok());
    }

    #[test]
    fn the_callers_environment_wins_over_the_process_environment() {
        let c = ConnectConfig::parse(br#"{"environment":{"EXONATIVE_CONNECTION_URI":"https://localhost:9","IDENTITY_HEADER":""}}"#).unwrap();
        assert_eq!(c.env_var("EXONATIVE_CONNECTION_URI").as_deref(), Some("https://localhost:9"));
        assert_eq!(c.env_var("IDENTITY_HEADER"), None);
        assert_eq!(c.env_var("PATH"), None, "a snapshot hides the process environment");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = ConnectConfig::parse(br#"{"flow":"accessToken","accessToken":"canary-token-x","password":"canary-pw","environment":{"IDENTITY_HEADER":"canary-header","MSI_SECRET":"canary-secret"}}"#).unwrap();
        let text = format!("{c:?}");
        assert!(!text.contains("canary"), "{text}");
    }
}

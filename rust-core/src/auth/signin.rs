//! The two-step delegated sign-ins (interactive, device): `begin` returns what PowerShell
//! shows (the browser URL or Entra's device-code message), `complete` waits for the user and
//! returns a connection that renews by refresh token.

use super::device_code::{self, DeviceCode};
use super::interactive::InteractiveSignIn;
use super::{delegated_scopes, Clock, EXCHANGE_PUBLIC_CLIENT_ID};
use crate::cloud::Endpoints;
use crate::config::{ConnectConfig, Flow};
use crate::connection::{resolve_endpoints, sign_in_tenant, Connection};
use crate::error::{Error, Result};
use std::time::Duration;

enum Wait {
    Browser(InteractiveSignIn),
    /// `unit` is one second of the server's `interval`/`expires_in` (tests shrink it).
    Device { code: DeviceCode, unit: Duration },
}

pub struct PendingSignIn {
    config: ConnectConfig,
    flow: Flow,
    endpoints: Endpoints,
    http: reqwest::Client,
    token_url: String,
    wait: Wait,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PendingSignIn({:?})", self.flow)
    }
}

impl PendingSignIn {
    /// Starts an interactive or device sign-in; returns it and the prompt JSON.
    pub async fn begin(config: ConnectConfig) -> Result<(PendingSignIn, serde_json::Value)> {
        let endpoints = resolve_endpoints(&config)?;
        Self::begin_with(config, endpoints).await
    }

    /// [`PendingSignIn::begin`] with endpoints already resolved (tests use 127.0.0.1).
    pub async fn begin_with(mut config: ConnectConfig, endpoints: Endpoints) -> Result<(PendingSignIn, serde_json::Value)> {
        let flow = config.flow()?;
        config.open_activity_log()?;
        let tenant = sign_in_tenant(&config);
        let oauth_base = endpoints.oauth_url(&tenant, "");
        let oauth_base = oauth_base.trim_end_matches('/').to_string();
        let token_url = endpoints.oauth_url(&tenant, "token");
        let scopes = delegated_scopes(&endpoints.scope());
        let http = crate::connection::client_for(&config)?;
        let (wait, prompt) = match flow {
            Flow::Interactive => {
                let s = InteractiveSignIn::begin(&oauth_base, EXCHANGE_PUBLIC_CLIENT_ID, &scopes, config.user_principal_name.as_deref()).await?;
                let prompt = s.prompt();
                (Wait::Browser(s), prompt)
            }
            Flow::Device => {
                let url = endpoints.oauth_url(&tenant, "devicecode");
                let code = device_code::request(&http, &url, EXCHANGE_PUBLIC_CLIENT_ID, &scopes).await?;
                let prompt = code.prompt();
                (Wait::Device { code, unit: Duration::from_secs(1) }, prompt)
            }
            other => {
                return Err(Error::invalid_argument(format!(
                    "exo_signin_begin starts interactive and device sign-ins only; open the {} sign-in with exo_connection_open.",
                    serde_json::to_value(other).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
                )))
            }
        };
        Ok((PendingSignIn { config, flow, endpoints, http, token_url, wait }, prompt))
    }

    /// Shortens every wait of the sign-in: the browser timeout, or one device-code "second".
    pub fn with_time_scale(mut self, browser_timeout: Duration, device_unit: Duration) -> Self {
        match &mut self.wait {
            Wait::Browser(s) => s.timeout = browser_timeout,
            Wait::Device { unit, .. } => *unit = device_unit,
        }
        self
    }

    /// Waits for the browser's redirect or polls for the device code, then builds the
    /// connection. Dropping the future (cancellation) closes the listener / stops polling.
    pub async fn complete(self, clock: Clock) -> Result<Connection> {
        let PendingSignIn { config, flow, endpoints, http, token_url, wait } = self;
        let response = match wait {
            Wait::Browser(s) => s.complete(&http).await?,
            Wait::Device { code, unit } => device_code::poll(&http, &token_url, EXCHANGE_PUBLIC_CLIENT_ID, &code, unit).await?,
        };
        Ok(Connection::delegated(config, flow, endpoints, http, token_url, response, clock))
    }
}

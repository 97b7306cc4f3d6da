//! Resource-owner password grant (`-Credential` / `-InlineCredential`). Legacy: it cannot do
//! MFA, and Entra then answers AADSTS50076, whose first line becomes the error message.

use super::token_endpoint::{self, TokenResponse};
use crate::error::{Error, Result};
use crate::secret::Secret;

pub async fn sign_in(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    scopes: &str,
    user_principal_name: &str,
    password: &Secret,
) -> Result<TokenResponse> {
    if user_principal_name.trim().is_empty() || password.is_empty() {
        return Err(Error::invalid_argument("-Credential needs a user name and a password."));
    }
    token_endpoint::request(
        http,
        token_url,
        &[
            ("grant_type", "password"),
            ("client_id", client_id),
            ("scope", scopes),
            ("username", user_principal_name.trim()),
            ("password", password.expose()),
        ],
    )
    .await
}

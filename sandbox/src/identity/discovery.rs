//! OpenID configuration, signing keys, and MSAL's instance discovery.

use serde_json::json;

use super::TenantRef;
use crate::http::{self, Ctx, Resp};
use crate::state::State;

pub fn openid(state: &State, tenant: &TenantRef) -> Resp {
    let a = &state.authority_uri;
    let tid = &state.tenant.tenant_id;
    let (seg, issuer) = match tenant {
        TenantRef::Multi(m) => (m.clone(), format!("{a}/{{tenantid}}/v2.0")),
        TenantRef::Own(_) => (tid.clone(), format!("{a}/{tid}/v2.0")),
    };
    http::json(
        200,
        &json!({
            "token_endpoint": format!("{a}/{seg}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{a}/{seg}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": issuer,
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": format!("{a}/{seg}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{a}/{seg}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{a}/{seg}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{a}/{seg}/kerberos"),
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }),
    )
}

pub fn keys(state: &State) -> Resp {
    let s = &state.signing;
    let rsa = s.cert.key.rsa().expect("rsa key");
    http::json(
        200,
        &json!({"keys": [{
            "kty": "RSA",
            "use": "sig",
            "kid": s.kid,
            "x5t": s.kid,
            "n": crate::tls::b64url(&rsa.n().to_vec()),
            "e": crate::tls::b64url(&rsa.e().to_vec()),
            "x5c": [base64::encode(s.cert.der())],
            "issuer": format!("{}/{}/v2.0", state.authority_uri, state.tenant.tenant_id),
        }]}),
    )
}

/// `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...` (MSAL).
pub fn instance(state: &State, _ctx: &Ctx) -> Resp {
    let host = state.authority_uri.trim_start_matches("https://").to_string();
    http::json(
        200,
        &json!({
            "tenant_discovery_endpoint": format!("{}/{}/v2.0/.well-known/openid-configuration", state.authority_uri, state.tenant.tenant_id),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }),
    )
}

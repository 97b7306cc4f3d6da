//! `sandbox.json`: what a client needs to use the sandbox.

use serde::Serialize;

use crate::state::State;
use crate::tenant::principals::PUBLIC_CLIENT_ID;
use crate::Options;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SandboxInfo {
    /// Admin API base, replaces `https://outlook.office365.com`.
    pub connection_uri: String,
    /// Authority base, replaces `https://login.microsoftonline.com`.
    pub authority_uri: String,
    pub ca_certificate_path: String,
    pub tenant_id: String,
    pub organization: String,
    /// Every name the tenant answers to (besides its GUID, `organizations` and `common`).
    pub domains: Vec<String>,
    pub control_key: String,
    /// `{connectionUri}/_sandbox`
    pub control_uri: String,
    pub public_client_id: String,
    pub apps: Apps,
    pub users: Users,
    pub managed_identity: ManagedIdentity,
    pub mailbox_count: u64,
    pub seed: u64,
    pub token_lifetime_seconds: u64,
    pub device_code_interval_seconds: u64,
    pub state_dir: String,
    pub pid: u32,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Apps {
    pub exchange_admin: AppInfo,
    pub no_role: AppInfo,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub app_id: String,
    pub display_name: String,
    pub pfx_path: String,
    pub pfx_password: String,
    pub certificate_path: String,
    /// PKCS#8 PEM.
    pub private_key_path: String,
    /// Uppercase hex SHA-1 of the DER certificate (as .NET shows it).
    pub thumbprint: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Users {
    pub admin: UserInfo,
    pub mfa: UserInfo,
    pub no_role: UserInfo,
    pub blocked: UserInfo,
    pub disabled: UserInfo,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub user_principal_name: String,
    pub password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otp: Option<String>,
    pub object_id: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedIdentity {
    /// App Service style endpoint (`IDENTITY_ENDPOINT`).
    pub identity_endpoint: String,
    /// `IDENTITY_HEADER`, sent back as `X-IDENTITY-HEADER`.
    pub identity_header: String,
    /// IMDS base replacing `http://169.254.169.254`.
    pub imds_uri: String,
    /// The full IMDS token URL (`{imdsUri}/metadata/identity/oauth2/token`).
    pub imds_token_uri: String,
    /// System-assigned identity.
    pub client_id: String,
    pub user_assigned_client_id: String,
}

pub(crate) fn build(st: &State, o: &Options, ca_path: &str, app_files: &[(&str, String, (String, String, String), String)]) -> SandboxInfo {
    let t = &st.tenant;
    let app = |key: &str| {
        let a = t.principals.app_by_key(key);
        let (_, pw, (pfx, crt, k), thumb) = app_files.iter().find(|f| f.0 == key).expect("app files");
        AppInfo {
            app_id: a.app_id.clone(),
            display_name: a.display_name.clone(),
            pfx_path: pfx.clone(),
            pfx_password: pw.clone(),
            certificate_path: crt.clone(),
            private_key_path: k.clone(),
            thumbprint: thumb.clone(),
        }
    };
    let user = |key: &str| {
        let u = t.principals.user_by_key(key).expect("seeded user");
        UserInfo {
            user_principal_name: u.upn.clone(),
            password: u.password.clone(),
            otp: u.otp.clone(),
            object_id: u.object_id.clone(),
        }
    };
    SandboxInfo {
        connection_uri: st.connection_uri.clone(),
        authority_uri: st.authority_uri.clone(),
        ca_certificate_path: ca_path.to_string(),
        tenant_id: t.tenant_id.clone(),
        organization: t.organization.clone(),
        domains: vec![t.organization.clone(), t.domain.clone()],
        control_key: st.control_key.clone(),
        control_uri: format!("{}/_sandbox", st.connection_uri),
        public_client_id: PUBLIC_CLIENT_ID.to_string(),
        apps: Apps { exchange_admin: app("exchangeAdmin"), no_role: app("noRole") },
        users: Users {
            admin: user("admin"),
            mfa: user("mfa"),
            no_role: user("noRole"),
            blocked: user("blocked"),
            disabled: user("disabled"),
        },
        managed_identity: ManagedIdentity {
            identity_endpoint: format!("{}/msi/token", st.mi_base),
            identity_header: st.identity_header.clone(),
            imds_uri: st.mi_base.clone(),
            imds_token_uri: format!("{}/metadata/identity/oauth2/token", st.mi_base),
            client_id: t.principals.app_by_key("systemAssigned").app_id.clone(),
            user_assigned_client_id: t.principals.app_by_key("userAssigned").app_id.clone(),
        },
        mailbox_count: t.count,
        seed: t.seed,
        token_lifetime_seconds: st.token_lifetime,
        device_code_interval_seconds: st.device_interval,
        state_dir: o.state_dir.to_string_lossy().into_owned(),
        pid: std::process::id(),
    }
}

//! The authority (Entra ID): token, authorize + login page, device code, discovery.

pub mod assertion;
pub mod authorize;
pub mod devicecode;
pub mod discovery;
pub mod errors;
pub mod flows;
pub mod jwt;
pub mod token;

use crate::http::{self, Ctx, Resp};
use crate::state::State;

/// How the tenant segment of a path was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantRef {
    /// `common` or `organizations` (kept as written).
    Multi(String),
    /// The GUID or a domain of the tenant (kept as written).
    Own(String),
}

impl TenantRef {
    pub fn as_written(&self) -> &str {
        match self {
            TenantRef::Multi(s) | TenantRef::Own(s) => s,
        }
    }
}

pub fn resolve_tenant(state: &State, t: &str) -> Option<TenantRef> {
    if t.eq_ignore_ascii_case("common") || t.eq_ignore_ascii_case("organizations") {
        Some(TenantRef::Multi(t.to_string()))
    } else if state.tenant.is_own(t) {
        Some(TenantRef::Own(t.to_string()))
    } else {
        None
    }
}

pub fn route(state: &State, ctx: &mut Ctx) -> Resp {
    let path = ctx.path.clone();
    if path == "/devicelogin" {
        return devicecode::devicelogin(state, ctx);
    }
    if path == "/common/discovery/instance" {
        return discovery::instance(state, ctx);
    }
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if segs.len() < 2 {
        return http::not_found();
    }
    let rest = segs[1..].join("/");
    let tenant = match resolve_tenant(state, segs[0]) {
        Some(t) => t,
        None if is_identity_path(&rest) => return errors::tenant_not_found(state, ctx, segs[0], rest.contains("authorize")),
        None => return http::not_found(),
    };
    match (ctx.method.as_str(), rest.as_str()) {
        ("POST", "oauth2/v2.0/token") => token::handle(state, ctx, &tenant),
        ("POST", "oauth2/v2.0/devicecode") => devicecode::start(state, ctx, &tenant),
        ("GET", "oauth2/v2.0/authorize") => authorize::start(state, ctx, &tenant),
        ("POST", "login") => authorize::login(state, ctx, &tenant),
        ("GET", "v2.0/.well-known/openid-configuration") => discovery::openid(state, &tenant),
        ("GET", "discovery/v2.0/keys") | ("GET", "discovery/keys") => discovery::keys(state),
        _ => http::not_found(),
    }
}

fn is_identity_path(rest: &str) -> bool {
    rest.starts_with("oauth2/") || rest.starts_with("v2.0/") || rest.starts_with("discovery/") || rest == "login"
}

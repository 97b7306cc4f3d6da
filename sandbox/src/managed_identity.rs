//! Managed identity on the plain-HTTP port.
//!
//! * App Service / Functions / Automation: `GET /msi/token?resource=..&api-version=2019-08-01`
//!   with `X-IDENTITY-HEADER` (also the older `api-version=2017-09-01` + `secret` header).
//! * IMDS: `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=..` with
//!   `Metadata: true`.
//!
//! `client_id` selects the user-assigned identity. Numbers in the response are strings.
//! Errors are 400 `{"error","error_description"}`.

use serde_json::json;

use crate::http::{self, Ctx, Resp};
use crate::identity::jwt;
use crate::state::State;

fn err(status: u16, error: &str, desc: &str) -> Resp {
    http::json(status, &json!({"error": error, "error_description": desc}))
}

fn resource_ok(state: &State, r: &str) -> bool {
    let r = r.trim_end_matches('/').trim_end_matches("/.default");
    r.eq_ignore_ascii_case(jwt::RESOURCE)
        || r.eq_ignore_ascii_case(&state.connection_uri)
        || r.eq_ignore_ascii_case(crate::tenant::principals::EXO_RESOURCE_APP_ID)
}

pub fn handle(state: &State, ctx: &mut Ctx, endpoint: &str) -> Resp {
    if ctx.method != hyper::Method::GET {
        return err(405, "invalid_request", "Use GET.");
    }
    let imds = endpoint == "imds";
    if imds && ctx.path != "/metadata/identity/oauth2/token" || !imds && ctx.path != "/msi/token" {
        return http::not_found();
    }
    let q = ctx.query_map();
    let api = q.get("api-version").map(String::as_str).unwrap_or("");
    if imds {
        if !ctx.header("metadata").map(|v| v.eq_ignore_ascii_case("true")).unwrap_or(false) {
            return err(400, "invalid_request", "Required metadata header not specified");
        }
        if api.is_empty() {
            return err(400, "invalid_request", "Required query variable 'api-version' is missing");
        }
    } else {
        let header = ctx.header("x-identity-header").or_else(|| if api == "2017-09-01" { ctx.header("secret") } else { None });
        match header {
            None => return err(400, "invalid_request", "The X-IDENTITY-HEADER header is missing."),
            Some(h) if h != state.identity_header => return err(400, "invalid_request", "The X-IDENTITY-HEADER value is not valid."),
            _ => {}
        }
        if api != "2019-08-01" && api != "2017-09-01" {
            return err(400, "invalid_request", "api-version must be 2019-08-01 (or 2017-09-01).");
        }
    }
    let Some(resource) = q.get("resource").filter(|r| !r.is_empty()) else {
        return err(400, "invalid_request", "Required query variable 'resource' is missing");
    };
    if !resource_ok(state, resource) {
        return err(400, "invalid_resource", &format!("AADSTS500011: The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", state.tenant.tenant_id));
    }
    let p = &state.tenant.principals;
    let app = match q.get("client_id").or_else(|| q.get("clientid")).or_else(|| q.get("object_id")).or_else(|| q.get("principal_id")) {
        None => p.app_by_key("systemAssigned"),
        Some(id) => match p.apps.iter().find(|a| a.managed && (a.app_id.eq_ignore_ascii_case(id) || a.object_id.eq_ignore_ascii_case(id))) {
            Some(a) => a,
            None => return err(400, "invalid_request", "Identity not found"),
        },
    };
    ctx.client_id = Some(app.app_id.clone());
    let now = state.now();
    let lifetime = state.token_lifetime as i64;
    http::json(
        200,
        &json!({
            "access_token": jwt::app_token(state, app),
            "client_id": app.app_id,
            "expires_in": lifetime.to_string(),
            "expires_on": (now + lifetime).to_string(),
            "ext_expires_in": lifetime.to_string(),
            "not_before": now.to_string(),
            "resource": resource,
            "token_type": "Bearer",
        }),
    )
}

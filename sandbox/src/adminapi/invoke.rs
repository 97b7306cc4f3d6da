//! `POST {connectionUri}/adminapi/beta/{tenant}/InvokeCommand[?$select=..][&$skiptoken=..]`:
//! bearer token validation, RBAC, the CmdletInput body, paging (`Prefer:
//! odata.maxpagesize`, nextLink) and the response body of the wire spec (section 5).

use serde_json::Value;
use sha2::Digest;

use super::errors::ApiError;
use super::mailbox;
use crate::faults::FaultKind;
use crate::http::{self, new_guid, Ctx, Resp};
use crate::identity::jwt::{self, TokenProblem};
use crate::state::State;
use crate::tenant::principals::SUPPORTED_ROLES;
use crate::tenant::record::write_annotated;

const RATE_LIMIT: u64 = 10_000;
const RATE_WINDOW: i64 = 60;

pub fn handle(state: &State, ctx: &mut Ctx) -> Resp {
    let mut r = match invoke(state, ctx) {
        Ok(r) => r,
        Err(e) => {
            let unauthorized = e.status == 401;
            let mut r = e.into_resp();
            if unauthorized {
                http::set_header(&mut r, "www-authenticate", &format!(
                    "Bearer client_id=\"00000002-0000-0ff1-ce00-000000000000\", trusted_issuers=\"00000001-0000-0000-c000-000000000000@*\", token_types=\"app_asserted_user_v1 service_asserted_app_v1\", authorization_uri=\"{}/common/oauth2/authorize\", error=\"invalid_token\"",
                    state.authority_uri
                ));
            }
            r
        }
    };
    common_headers(state, &mut r);
    r
}

fn common_headers(state: &State, r: &mut Resp) {
    http::set_header(r, "request-id", &new_guid());
    http::set_header(r, "x-calculatedbetarget", "DB6PR06MB1234.EURPR06.PROD.OUTLOOK.COM");
    let now = state.now();
    let (start, count) = {
        let mut rate = state.rate.lock();
        if now - rate.0 >= RATE_WINDOW {
            *rate = (now - now % RATE_WINDOW, 0);
        }
        rate.1 += 1;
        *rate
    };
    http::set_header(r, "rate-limit-limit", &RATE_LIMIT.to_string());
    http::set_header(r, "rate-limit-remaining", &RATE_LIMIT.saturating_sub(count).to_string());
    http::set_header(r, "rate-limit-reset", &crate::tenant::record::format_date(start + RATE_WINDOW, true));
}

/// (path tenant) from `/adminapi/beta/{tenant}/InvokeCommand`.
fn path_tenant(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/adminapi/beta/")?;
    let (tenant, op) = rest.split_once('/')?;
    op.eq_ignore_ascii_case("InvokeCommand").then_some(tenant)
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        let k = k.replace("%24", "$");
        (k == name).then_some(v)
    })
}

fn invoke(state: &State, ctx: &mut Ctx) -> Result<Resp, ApiError> {
    let Some(tenant) = path_tenant(&ctx.path).map(str::to_string) else {
        return Ok(http::not_found());
    };
    if ctx.method != hyper::Method::POST {
        return Err(ApiError { status: 405, code: "MethodNotAllowed", message: "InvokeCommand accepts POST only.".into(), detail: None, exception_type: "MethodNotAllowed" });
    }
    let claims = authenticate(state, ctx)?;
    if !state.tenant.is_own(&tenant) {
        return Err(ApiError::unauthorized(&format!("The tenant '{tenant}' in the request does not match the token's tenant.")));
    }
    let body = ctx.body_json().map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}")))?;
    let input = body.get("CmdletInput").ok_or_else(|| ApiError::bad_request("The request body must contain 'CmdletInput'.".into()))?;
    let name = input.get("CmdletName").and_then(Value::as_str).ok_or_else(|| ApiError::bad_request("'CmdletInput.CmdletName' is required.".into()))?;
    ctx.cmdlet_name = Some(name.to_string());
    let params = match input.get("Parameters") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(ApiError::bad_request("'CmdletInput.Parameters' must be an object.".into())),
    };
    if !name.eq_ignore_ascii_case("Get-Mailbox") {
        return Err(ApiError::unknown_cmdlet(name));
    }
    authorize(&claims, "Get-Mailbox")?;

    let query = ctx.query.clone().unwrap_or_default();
    let select_raw = query_param(&query, "$select").map(str::to_string);
    let skiptoken = query_param(&query, "$skiptoken").map(|s| s.replace("%3D", "=").replace("%3d", "="));
    let page_size = page_size(ctx.header("prefer"))?;
    let hash = {
        let canon = format!("get-mailbox\n{}", serde_json::to_string(&params).unwrap_or_default());
        u64::from_be_bytes(sha2::Sha256::digest(canon.as_bytes())[..8].try_into().expect("8 bytes"))
    };
    let page = mailbox::run(state, &params, skiptoken.as_deref(), page_size, hash)?;

    let select: Option<Vec<usize>> = select_raw.as_ref().map(|raw| {
        let decoded = url::form_urlencoded::parse(format!("s={raw}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default();
        decoded.split(',').filter_map(|p| state.tenant.prop_index(p.trim())).collect()
    });
    let base = format!("{}/adminapi/beta/{tenant}", state.connection_uri);
    let mut next_link = page.next.as_ref().map(|tok| match &select_raw {
        Some(s) => format!("{base}/InvokeCommand?$select={s}&$skiptoken={tok}"),
        None => format!("{base}/InvokeCommand?$skiptoken={tok}"),
    });
    match ctx.fault.as_ref().map(|f| f.kind) {
        Some(FaultKind::ForeignNextLink) => {
            next_link = Some(next_link.unwrap_or_else(|| format!("{base}/InvokeCommand")).replace(&state.connection_uri, &format!("https://evil.localhost:{}", state.https_port)));
        }
        Some(FaultKind::LoopNextLink) => {
            next_link = Some(match &ctx.query {
                Some(q) => format!("{base}/InvokeCommand?{q}"),
                None => format!("{base}/InvokeCommand"),
            });
        }
        _ => {}
    }

    let mut out = Vec::with_capacity(page.records.len() * 8 * 1024 + 512);
    out.extend_from_slice(b"{\"@odata.context\":");
    crate::tenant::record::write_json_str(&mut out, &format!("{base}/$metadata#Collection(Exchange.GenericHashTable)"));
    out.extend_from_slice(b",\"adminapi.warnings@odata.type\":\"#Collection(String)\",\"@adminapi.warnings\":");
    out.extend_from_slice(serde_json::to_string(&page.warnings).expect("json").as_bytes());
    out.extend_from_slice(b",\"value\":[");
    for (k, rec) in page.records.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        write_annotated(&mut out, rec, select.as_deref());
    }
    out.push(b']');
    if let Some(link) = next_link {
        out.extend_from_slice(b",\"@odata.nextLink\":");
        crate::tenant::record::write_json_str(&mut out, &link);
    }
    out.push(b'}');
    Ok(http::response(200, "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8", out))
}

/// `Prefer: odata.maxpagesize=n` (1..1000; default 1000).
fn page_size(prefer: Option<&str>) -> Result<u64, ApiError> {
    let Some(p) = prefer else { return Ok(1000) };
    for part in p.split(',') {
        if let Some(v) = part.trim().strip_prefix("odata.maxpagesize=") {
            return match v.trim().parse::<u64>() {
                Ok(n) if (1..=1000).contains(&n) => Ok(n),
                _ => Err(ApiError::bad_request(format!("The Prefer header value 'odata.maxpagesize={v}' is not valid; use a number from 1 to 1000."))),
            };
        }
    }
    Ok(1000)
}

fn authenticate(state: &State, ctx: &Ctx) -> Result<Value, ApiError> {
    let auth = ctx.header("authorization").unwrap_or("");
    let token = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")).map(str::trim).filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(ApiError::unauthorized("The request has no bearer token."));
    };
    jwt::verify_access_token(state, token).map_err(|p| match p {
        TokenProblem::Expired => ApiError::unauthorized("The access token has expired. Acquire a new token and try again."),
        TokenProblem::Invalid(why) => ApiError::unauthorized(&format!("The access token is not valid: {why}.")),
    })
}

/// App-only: `roles` has Exchange.ManageAsApp and `wids` a supported directory role.
/// Delegated: `wids` has a supported role.
fn authorize(claims: &Value, cmdlet: &str) -> Result<(), ApiError> {
    let has = |claim: &str, want: &[&str]| {
        claims.get(claim).and_then(Value::as_array).map(|a| a.iter().any(|v| v.as_str().map(|s| want.contains(&s)).unwrap_or(false))).unwrap_or(false)
    };
    let supported_role = has("wids", SUPPORTED_ROLES);
    if claims.get("upn").is_none() && claims.get("scp").is_none() {
        let app_id = claims.get("appid").and_then(Value::as_str).unwrap_or("");
        if !has("roles", &[jwt::MANAGE_AS_APP]) || !supported_role {
            return Err(ApiError::app_role(app_id));
        }
        return Ok(());
    }
    if !supported_role {
        return Err(ApiError::not_allowed(cmdlet));
    }
    Ok(())
}

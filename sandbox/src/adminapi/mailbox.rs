//! `Get-Mailbox`: parameters, Identity resolution, Anr, Filter, RecipientTypeDetails,
//! SortBy, ResultSize and its warnings, and paging by skiptoken.
//!
//! Paging: the skiptoken is `v1.<position>.<returned>.<query hash>` (base64url). Position
//! indexes the candidate sequence (mailbox indexes in service order, or the sorted list
//! for SortBy), so a page never rescans what earlier pages read. A nextLink is emitted only
//! while more matching records remain within ResultSize. When ResultSize cut the result
//! short, the page that reaches it carries the warning (the default-size text when
//! ResultSize was not given, the "increase the value" text when it was).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::errors::ApiError;
use super::opath::{self, Expr};
use crate::state::State;
use crate::tenant::record::Record;
use crate::tenant::{Core, Kind, Tenant};

pub const WARN_DEFAULT: &str = "By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the number of items returned. To return all items, specify \"-ResultSize Unlimited\". Be aware that, depending on the actual number of items, returning all items can take a long time and consume a large amount of memory. Also, we don't recommend storing the results in a variable. Instead, pipe the results to another task or script to perform batch changes.";
pub const WARN_MORE: &str = "There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.";

const SWITCHES: &[&str] = &[
    "Archive", "SoftDeletedMailbox", "InactiveMailboxOnly", "IncludeInactiveMailbox", "PublicFolder", "GroupMailbox",
    "Migration", "IncludeAcceptMessagesOnlyFromDLMembersWithDisplayNames",
    "IncludeAcceptMessagesOnlyFromSendersOrMembersWithDisplayNames", "IncludeAcceptMessagesOnlyFromWithDisplayNames",
    "IncludeEmailAddressDisplayNames", "IncludeForwardingAddressWithDisplayNames", "IncludeGrantSendOnBehalfToWithDisplayNames",
    "Verbose", "Debug",
];
const STRINGS: &[&str] = &["Identity", "Anr", "Filter", "SortBy", "MailboxPlan", "OrganizationalUnit", "ErrorAction", "WarningAction", "InformationAction"];
const OTHER: &[&str] = &["RecipientTypeDetails", "ResultSize"];
const SORTABLE: &[&str] = &["Name", "DisplayName", "Alias", "Office", "ServerLegacyDN"];
pub const RECIPIENT_TYPES: &[&str] = &[
    "UserMailbox", "SharedMailbox", "RoomMailbox", "EquipmentMailbox", "DiscoveryMailbox", "SchedulingMailbox",
    "TeamMailbox", "GroupMailbox", "LinkedMailbox", "LegacyMailbox", "LinkedRoomMailbox", "ArbitrationMailbox",
    "AuditLogMailbox", "AuxAuditLogMailbox", "MonitoringMailbox", "RemoteUserMailbox", "RemoteSharedMailbox",
    "RemoteRoomMailbox", "RemoteEquipmentMailbox", "PublicFolderMailbox", "SupervisoryReviewPolicyMailbox",
];

pub struct Page {
    pub records: Vec<Record>,
    /// The skiptoken of the next page.
    pub next: Option<String>,
    pub warnings: Vec<String>,
}

struct Query {
    identity: Option<String>,
    anr: Option<String>,
    filter: Option<Expr>,
    types: Option<Vec<Kind>>,
    /// Matches nothing (soft-deleted, inactive, group, public folder, migration mailboxes:
    /// the sandbox tenant has none).
    empty: bool,
    archive: bool,
    mailbox_plan: Option<String>,
    sort: Option<&'static str>,
    /// None = Unlimited.
    limit: Option<u64>,
    explicit_size: bool,
}

fn bind_error(p: &str, v: &Value, ty: &str) -> ApiError {
    ApiError::parameter(format!("Cannot bind parameter '{p}'. Cannot convert value \"{}\" to type \"{ty}\".", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
}

fn canonical<'a>(name: &str, lists: &[&'a [&'a str]]) -> Option<&'a str> {
    lists.iter().flat_map(|l| l.iter()).find(|p| p.eq_ignore_ascii_case(name)).copied()
}

fn parse_query(t: &Tenant, params: &Map<String, Value>) -> Result<Query, ApiError> {
    let mut q = Query { identity: None, anr: None, filter: None, types: None, empty: false, archive: false, mailbox_plan: None, sort: None, limit: Some(1000), explicit_size: false };
    for (k, v) in params {
        let Some(name) = canonical(k, &[SWITCHES, STRINGS, OTHER]) else {
            return Err(ApiError::parameter(format!("A parameter cannot be found that matches parameter name '{k}'.")));
        };
        if SWITCHES.contains(&name) {
            let on = v.as_bool().ok_or_else(|| bind_error(name, v, "System.Management.Automation.SwitchParameter"))?;
            match name {
                "Archive" => q.archive = on,
                "SoftDeletedMailbox" | "InactiveMailboxOnly" | "PublicFolder" | "GroupMailbox" | "Migration" => q.empty |= on,
                _ => {}
            }
            continue;
        }
        if STRINGS.contains(&name) {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) if name == "Identity" => n.to_string(),
                _ => return Err(bind_error(name, v, "System.String")),
            };
            match name {
                "Identity" => q.identity = Some(s.trim().to_string()),
                "Anr" => q.anr = Some(s.trim().to_string()),
                "Filter" => q.filter = Some(opath::parse(&s, t).map_err(|e| ApiError::filter(e.message(&s)))?),
                "SortBy" => {
                    let key = s.trim().trim_start_matches('+').trim_end_matches(" asc").trim();
                    q.sort = Some(canonical(key, &[SORTABLE]).ok_or_else(|| {
                        ApiError::parameter(format!("Cannot bind parameter 'SortBy'. The value \"{s}\" is not supported. Use one of: {}.", SORTABLE.join(", ")))
                    })?);
                }
                "MailboxPlan" => q.mailbox_plan = Some(s),
                "OrganizationalUnit" => {
                    let ou = s.trim().to_ascii_lowercase();
                    if !(ou == t.organization || ou.ends_with(&format!("/{}", t.organization)) || ou.contains(&format!("ou={}", t.organization))) {
                        q.empty = true;
                    }
                }
                _ => {}
            }
            continue;
        }
        match name {
            "ResultSize" => {
                q.explicit_size = true;
                q.limit = match v {
                    Value::Number(n) => Some(n.as_u64().filter(|n| *n >= 1).ok_or_else(|| result_size_error(v))?),
                    Value::String(s) if s.trim().eq_ignore_ascii_case("unlimited") => None,
                    Value::String(s) => Some(s.trim().parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| result_size_error(v))?),
                    _ => return Err(result_size_error(v)),
                };
            }
            _ => {
                let items: Vec<String> = match v {
                    Value::String(s) => s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect(),
                    Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string).ok_or_else(|| bind_error(name, x, "Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails"))).collect::<Result<_, _>>()?,
                    _ => return Err(bind_error(name, v, "Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails[]")),
                };
                let mut kinds = Vec::new();
                for it in &items {
                    let Some(c) = canonical(it, &[RECIPIENT_TYPES]) else {
                        return Err(ApiError::parameter(format!(
                            "Cannot process argument transformation on parameter 'RecipientTypeDetails'. Cannot convert value \"{it}\" to type \"Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails\". Error: \"Unable to match the identifier name {it} to a valid enumerator name. Specify one of the following enumerator names and try again: {}\"",
                            RECIPIENT_TYPES.join(", ")
                        )));
                    };
                    for k in [Kind::User, Kind::Shared, Kind::Room, Kind::Equipment, Kind::Discovery] {
                        if k.details() == c {
                            kinds.push(k);
                        }
                    }
                }
                q.types = Some(kinds);
            }
        }
    }
    if q.identity.is_some() as u8 + q.anr.is_some() as u8 + q.mailbox_plan.is_some() as u8 > 1 {
        return Err(ApiError::parameter("Parameter set cannot be resolved using the specified named parameters. One or more parameters issued cannot be used together or an insufficient number of parameters were provided.".into()));
    }
    Ok(q)
}

fn result_size_error(v: &Value) -> ApiError {
    ApiError::parameter(format!(
        "Cannot process argument transformation on parameter 'ResultSize'. Cannot convert value \"{}\" to type \"Microsoft.Exchange.Data.Unlimited`1[System.UInt32]\". Error: \"The value must be a positive whole number or 'Unlimited'.\"",
        v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
    ))
}

/// Identity forms: Name, Alias, distinguished name, canonical name, Domain\User, email
/// address (any proxy), GUID (Guid, ExchangeGuid, ExternalDirectoryObjectId),
/// LegacyExchangeDN, SamAccountName, UPN; `*` wildcards on Name/Alias/address/display name.
fn identity_matches(t: &Tenant, c: &Core, id: &str) -> bool {
    let eq = |a: &str| a.eq_ignore_ascii_case(id);
    if let Ok(g) = uuid::Uuid::parse_str(id) {
        let g = g.hyphenated().to_string();
        return c.guid == g || c.exchange_guid == g || c.external_id == g;
    }
    if id.starts_with("/o=") || id.starts_with("/O=") {
        return eq(&c.legacy_dn);
    }
    if id.len() > 3 && id[..3].eq_ignore_ascii_case("cn=") {
        return eq(&c.distinguished_name(&t.organization));
    }
    if id.contains('/') {
        return eq(&c.canonical_name(&t.organization));
    }
    if let Some((dom, user)) = id.split_once('\\') {
        let dom_ok = [crate::tenant::FOREST, "contoso", "EURPR06A001.PROD.OUTLOOK.COM", &t.organization].iter().any(|d| d.eq_ignore_ascii_case(dom));
        return dom_ok && (user.eq_ignore_ascii_case(&c.alias) || user.eq_ignore_ascii_case(&c.sam) || user.eq_ignore_ascii_case(c.sam.trim_start_matches('$')));
    }
    let addr = id.split_once(':').filter(|(p, _)| p.len() <= 4 && !p.contains('@')).map(|(_, a)| a).unwrap_or(id);
    if let Some((local, domain)) = addr.split_once('@') {
        if addr.eq_ignore_ascii_case(&c.primary_smtp) || addr.eq_ignore_ascii_case(&c.upn) {
            return true;
        }
        if !local.eq_ignore_ascii_case(&c.alias) {
            return false;
        }
        if domain.eq_ignore_ascii_case(&t.organization) {
            return c.kind != Kind::Discovery;
        }
        // Secondary addresses that only the full record knows.
        let rec = t.record_of(c);
        return crate::tenant::record::get(&rec, "EmailAddresses")
            .map(|v| matches!(v, crate::tenant::Val::Multi(m) if m.iter().any(|p| p.split_once(':').map(|(_, a)| a.eq_ignore_ascii_case(addr)).unwrap_or(false))))
            .unwrap_or(false);
    }
    eq(&c.name) || eq(&c.alias) || eq(&c.sam) || eq(c.sam.trim_start_matches('$'))
}

fn wildcard_matches(c: &Core, pattern: &str) -> bool {
    [&c.name, &c.alias, &c.display_name, &c.primary_smtp].iter().any(|v| opath::like(pattern, v))
}

/// Ambiguous name resolution: prefix of name, alias, display name, first or last name,
/// "first last", "last first", or an address.
fn anr_matches(c: &Core, anr: &str) -> bool {
    let a = anr.to_lowercase();
    let pre = |s: &str| s.to_lowercase().starts_with(&a);
    pre(&c.name) || pre(&c.alias) || pre(&c.display_name) || pre(&c.primary_smtp)
        || c.first.map(pre).unwrap_or(false)
        || c.last.map(pre).unwrap_or(false)
        || matches!((c.first, c.last), (Some(f), Some(l)) if pre(&format!("{l} {f}")) || pre(&format!("{l}, {f}")))
}

/// Candidates: all mailboxes in service order, or an explicit list.
enum Source {
    All(u64),
    List(Arc<Vec<u64>>),
}

impl Source {
    fn len(&self) -> u64 {
        match self {
            Source::All(n) => *n,
            Source::List(l) => l.len() as u64,
        }
    }
    fn at(&self, p: u64) -> u64 {
        match self {
            Source::All(_) => p,
            Source::List(l) => l[p as usize],
        }
    }
}

/// The record of `i` if it passes every criterion.
fn select(t: &Tenant, q: &Query, i: u64) -> Option<Record> {
    let c = t.core(i);
    if let Some(types) = &q.types {
        if !types.contains(&c.kind) {
            return None;
        }
    }
    if let Some(a) = &q.anr {
        if !anr_matches(&c, a) {
            return None;
        }
    }
    if let Some(id) = &q.identity {
        if id.contains('*') && !wildcard_matches(&c, id) {
            return None;
        }
    }
    let rec = t.record_of(&c);
    if q.archive && crate::tenant::record::get(&rec, "ArchiveStatus").and_then(|v| v.str_ref()) != Some("Active") {
        return None;
    }
    if let Some(plan) = &q.mailbox_plan {
        if !crate::tenant::record::get(&rec, "MailboxPlan").and_then(|v| v.str_ref()).map(|p| p.eq_ignore_ascii_case(plan)).unwrap_or(false) {
            return None;
        }
    }
    if let Some(f) = &q.filter {
        if !opath::eval(f, &rec) {
            return None;
        }
    }
    Some(rec)
}

fn sort_key(t: &Tenant, key: &str, i: u64) -> String {
    let c = t.core(i);
    match key {
        "Name" => c.name.to_lowercase(),
        "DisplayName" => c.display_name.to_lowercase(),
        "Alias" => c.alias.to_lowercase(),
        _ => crate::tenant::record::get(&t.record_of(&c), key).and_then(|v| v.as_text()).unwrap_or_default().to_lowercase(),
    }
}

fn sorted(state: &State, q: &Query, hash: u64) -> Arc<Vec<u64>> {
    if let Some((_, l)) = state.sort_cache.lock().iter().find(|(h, _)| *h == hash) {
        return l.clone();
    }
    let t = &state.tenant;
    let key = q.sort.expect("sorted query");
    let mut keyed: Vec<(String, u64)> = (0..t.count).filter(|&i| select(t, q, i).is_some()).map(|i| (sort_key(t, key, i), i)).collect();
    keyed.sort();
    let list = Arc::new(keyed.into_iter().map(|(_, i)| i).collect::<Vec<_>>());
    let mut cache = state.sort_cache.lock();
    cache.push((hash, list.clone()));
    if cache.len() > 8 {
        cache.remove(0);
    }
    list
}

fn encode_token(pos: u64, returned: u64, hash: u64) -> String {
    crate::tls::b64url(format!("v1.{pos}.{returned}.{hash:016x}").as_bytes())
}

fn decode_token(tok: &str, hash: u64) -> Result<(u64, u64), ApiError> {
    let bad = || ApiError::bad_request(format!("The $skiptoken '{tok}' is not valid for this request. Send the same body as the first page."));
    let raw = base64::decode_config(tok, base64::URL_SAFE_NO_PAD).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 || parts[0] != "v1" || parts[3] != format!("{hash:016x}") {
        return Err(bad());
    }
    Ok((parts[1].parse().map_err(|_| bad())?, parts[2].parse().map_err(|_| bad())?))
}

/// Runs one page of Get-Mailbox. `hash` identifies the request body (same body, same hash).
pub fn run(state: &State, params: &Map<String, Value>, skiptoken: Option<&str>, page_size: u64, hash: u64) -> Result<Page, ApiError> {
    let t = &state.tenant;
    let q = parse_query(t, params)?;
    let (mut pos, mut returned) = match skiptoken {
        Some(tok) => decode_token(tok, hash)?,
        None => (0, 0),
    };
    let source = if q.empty {
        Source::List(Arc::new(Vec::new()))
    } else if let Some(id) = q.identity.as_ref().filter(|id| !id.contains('*')) {
        let mut hits: Vec<u64> = (0..t.count).filter(|&i| identity_matches(t, &t.core(i), id)).collect();
        if hits.is_empty() {
            hits = (0..t.count).filter(|&i| t.core(i).display_name.eq_ignore_ascii_case(id)).collect();
        }
        match hits.len() {
            0 => return Err(ApiError::not_found(id)),
            1 => {}
            _ => return Err(ApiError::ambiguous(id)),
        }
        Source::List(Arc::new(hits))
    } else if q.sort.is_some() {
        Source::List(sorted(state, &q, hash))
    } else {
        Source::All(t.count)
    };
    let presorted = q.sort.is_some() && matches!(source, Source::List(_)) && q.identity.is_none();
    let limit = q.limit.unwrap_or(u64::MAX);
    let want = page_size.min(limit.saturating_sub(returned));
    let mut records = Vec::with_capacity(want.min(1000) as usize);
    let pick = |p: u64| if presorted { Some(t.record(source.at(p))) } else { select(t, &q, source.at(p)) };
    while pos < source.len() && (records.len() as u64) < want {
        if let Some(r) = pick(pos) {
            records.push(r);
        }
        pos += 1;
    }
    returned += records.len() as u64;
    // Is there another matching record after this page?
    let mut more_at = None;
    while pos < source.len() {
        if pick(pos).is_some() {
            more_at = Some(pos);
            break;
        }
        pos += 1;
    }
    let mut warnings = Vec::new();
    let mut next = None;
    if let Some(p) = more_at {
        if returned < limit {
            next = Some(encode_token(p, returned, hash));
        } else {
            warnings.push(if q.explicit_size { WARN_MORE } else { WARN_DEFAULT }.to_string());
        }
    }
    Ok(Page { records, next, warnings })
}

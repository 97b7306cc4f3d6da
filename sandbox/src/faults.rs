//! Fault injection rules and the request log.
//!
//! A rule matches requests to one endpoint family (`invoke`, `token`, `devicecode`,
//! `managedIdentity`, `imds`, `authorize`, or `*` for all of them). Every matching request
//! counts (1, 2, 3, ... from the moment the rule was added); the rule fires on request
//! `nth` (default 1, or `every` when only `every` is given), then on every `every`-th
//! request after that (`every` 0 = on each following request), at most `times` times
//! (default 1; 0 = unlimited; when `every` is given and `times` is not, unlimited).
//! At most one rule fires per request (the first in list order).

use std::collections::BTreeMap;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    pub endpoint: String,
    pub kind: FaultKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Seconds or an HTTP-date; sent as `Retry-After` with `status` faults.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "string_or_number")]
    pub retry_after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Optional response body for `status` faults (plain text is sent as is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    /// Answer with `status` (default 503) instead of serving the request.
    Status,
    /// Send the headers and half of the body, then close the connection.
    Reset,
    /// Send a complete response whose body is only the first half of the real one.
    Truncate,
    /// Wait `delayMs` before serving the request normally.
    Delay,
    /// Answer 200 with a body that is not valid JSON.
    MalformedJson,
    /// (invoke) the page's nextLink points at another host.
    ForeignNextLink,
    /// (invoke) the page's nextLink repeats the previous one.
    LoopNextLink,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(v) => Some(v.to_string()),
    })
}

pub const ENDPOINTS: &[&str] = &["invoke", "token", "devicecode", "managedIdentity", "imds", "authorize", "*"];

impl FaultRule {
    pub fn validate(&self) -> Result<(), String> {
        if !ENDPOINTS.contains(&self.endpoint.as_str()) {
            return Err(format!("unknown endpoint '{}'; expected one of {}", self.endpoint, ENDPOINTS.join(", ")));
        }
        if let Some(s) = self.status {
            if !(100..=599).contains(&s) {
                return Err(format!("status {s} is not an HTTP status"));
            }
        }
        Ok(())
    }
}

struct Armed {
    rule: FaultRule,
    seen: u64,
    fired: u64,
}

impl Armed {
    /// Counts one matching request; fires (and counts the firing) when due and `can_fire`.
    fn hit(&mut self, can_fire: bool) -> bool {
        self.seen += 1;
        let every = self.rule.every.unwrap_or(0);
        let start = self.rule.nth.unwrap_or(if every > 0 { every } else { 1 }).max(1);
        let times = self.rule.times.unwrap_or(if every > 0 { 0 } else { 1 });
        if times != 0 && self.fired >= times {
            return false;
        }
        let due = self.seen >= start && (every == 0 || (self.seen - start) % every == 0);
        if due && can_fire {
            self.fired += 1;
        }
        due && can_fire
    }
}

#[derive(Default)]
pub struct Faults {
    rules: Mutex<Vec<Armed>>,
}

impl Faults {
    pub fn add(&self, rules: Vec<FaultRule>) {
        self.rules.lock().extend(rules.into_iter().map(|rule| Armed { rule, seen: 0, fired: 0 }));
    }
    pub fn clear(&self) {
        self.rules.lock().clear();
    }
    pub fn list(&self) -> Vec<Value> {
        self.rules
            .lock()
            .iter()
            .map(|a| {
                let mut v = serde_json::to_value(&a.rule).expect("rule");
                v["seen"] = a.seen.into();
                v["fired"] = a.fired.into();
                v
            })
            .collect()
    }
    /// Counts a request to `endpoint` and returns the rule that fires for it, if any.
    pub fn check(&self, endpoint: &str) -> Option<FaultRule> {
        let mut fired = None;
        for a in self.rules.lock().iter_mut() {
            if (a.rule.endpoint == endpoint || a.rule.endpoint == "*") && a.hit(fired.is_none()) {
                fired = Some(a.rule.clone());
            }
        }
        fired
    }
}

/// One logged request. Secret header values are never stored.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub seq: u64,
    pub time: String,
    pub endpoint: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub status: u16,
    /// For requests with a bearer token: whether it had expired when it arrived.
    pub token_expired: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmdlet_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultKind>,
    pub duration_ms: u64,
}

pub const SECRET_HEADERS: &[&str] =
    &["authorization", "proxy-authorization", "x-identity-header", "secret", "x-sandbox-key", "cookie", "set-cookie"];

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<Vec<LogEntry>>,
    seq: Mutex<u64>,
}

impl RequestLog {
    pub fn push(&self, mut e: LogEntry) {
        let mut seq = self.seq.lock();
        *seq += 1;
        e.seq = *seq;
        self.entries.lock().push(e);
    }
    pub fn all(&self) -> Vec<LogEntry> {
        self.entries.lock().clone()
    }
    pub fn clear(&self) {
        self.entries.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> FaultRule {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn nth_every_times() {
        let f = Faults::default();
        f.add(vec![rule(r#"{"endpoint":"invoke","kind":"status","status":429,"retryAfter":2,"nth":3}"#)]);
        let hits: Vec<bool> = (0..6).map(|_| f.check("invoke").is_some()).collect();
        assert_eq!(hits, [false, false, true, false, false, false]);
        f.clear();
        f.add(vec![rule(r#"{"endpoint":"token","kind":"status","every":2}"#)]);
        let hits: Vec<bool> = (0..6).map(|_| f.check("token").is_some()).collect();
        assert_eq!(hits, [false, true, false, true, false, true]);
        f.clear();
        f.add(vec![rule(r#"{"endpoint":"imds","kind":"status","status":410,"times":3}"#)]);
        let hits: Vec<bool> = (0..5).map(|_| f.check("imds").is_some()).collect();
        assert_eq!(hits, [true, true, true, false, false]);
        assert!(f.check("invoke").is_none());
        assert_eq!(rule(r#"{"endpoint":"imds","kind":"status","retryAfter":"5"}"#).retry_after.as_deref(), Some("5"));
    }
}

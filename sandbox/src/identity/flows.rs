//! In-flight sign-ins: login sessions, authorization codes, refresh tokens, device codes,
//! and the client-assertion `jti`s already seen.

use std::collections::HashMap;
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub scope: String,
    pub nonce: Option<String>,
    pub login_hint: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Purpose {
    Authorize(AuthRequest),
    Device(String /* device_code */),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Password,
    /// Password accepted for this user (object id); waiting for the one-time code.
    Otp(String),
}

#[derive(Clone, Debug)]
pub struct LoginSession {
    pub purpose: Purpose,
    pub step: Step,
    pub tenant: String,
    pub expires: i64,
}

#[derive(Clone, Debug)]
pub struct AuthCode {
    pub request: AuthRequest,
    pub user_oid: String,
    pub mfa: bool,
    pub expires: i64,
    pub redeemed: bool,
}

#[derive(Clone, Debug)]
pub struct RefreshGrant {
    pub client_id: String,
    pub user_oid: String,
    pub scope: String,
    pub mfa: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceStatus {
    Pending,
    Approved { user_oid: String, mfa: bool },
    Declined,
    Redeemed,
}

#[derive(Clone, Debug)]
pub struct DeviceGrant {
    pub user_code: String,
    pub client_id: String,
    pub scope: String,
    pub expires: i64,
    pub interval: u64,
    pub last_poll: Option<Instant>,
    pub status: DeviceStatus,
}

#[derive(Default)]
pub struct Flows {
    pub sessions: HashMap<String, LoginSession>,
    pub codes: HashMap<String, AuthCode>,
    pub refresh: HashMap<String, RefreshGrant>,
    /// Keyed by device_code.
    pub devices: HashMap<String, DeviceGrant>,
    /// jti -> exp of the assertion that carried it.
    pub jtis: HashMap<String, i64>,
}

impl Flows {
    pub fn device_by_user_code(&mut self, user_code: &str) -> Option<(&String, &mut DeviceGrant)> {
        let want: String = user_code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
        self.devices.iter_mut().find(|(_, d)| d.user_code == want)
    }
    /// Drops expired entries (called on each token request; the maps stay small).
    pub fn purge(&mut self, now: i64) {
        self.jtis.retain(|_, exp| *exp + 600 > now);
        self.codes.retain(|_, c| c.expires + 600 > now);
        self.sessions.retain(|_, s| s.expires > now);
        self.devices.retain(|_, d| d.expires + 3600 > now);
    }
}

//! Everything a running sandbox knows: the tenant, keys, issued codes and tokens, faults
//! and the request log. Shared by all handlers behind an `Arc`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use jsonwebtoken::{DecodingKey, EncodingKey};
use parking_lot::Mutex;

use crate::faults::{Faults, RequestLog};
use crate::identity::flows::Flows;
use crate::tenant::Tenant;
use crate::tls::CertKey;

/// The key that signs every token the sandbox issues.
pub struct Signing {
    pub cert: CertKey,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// `kid` and `x5t` of issued tokens (base64url SHA-1 of the signing certificate).
    pub kid: String,
}

impl Signing {
    pub fn new(cert: CertKey) -> anyhow::Result<Signing> {
        let encoding = EncodingKey::from_rsa_pem(cert.key_pem_pkcs8().as_bytes())?;
        let decoding = DecodingKey::from_rsa_pem(cert.public_key_pem().as_bytes())?;
        let kid = cert.x5t();
        Ok(Signing { cert, encoding, decoding, kid })
    }
}

pub struct State {
    pub tenant: Tenant,
    /// `https://localhost:<port>` (admin API base and authority).
    pub connection_uri: String,
    pub authority_uri: String,
    /// `http://127.0.0.1:<port>` (managed identity).
    pub mi_base: String,
    pub https_port: u16,
    pub control_key: String,
    pub identity_header: String,
    pub token_lifetime: u64,
    pub device_interval: u64,
    pub device_expiry: u64,
    pub signing: Signing,
    /// (app id, registered certificate) for the apps that sign in with a certificate.
    pub app_certs: Vec<(String, CertKey)>,
    pub faults: Faults,
    pub log: RequestLog,
    pub flows: Mutex<Flows>,
    /// Seconds added to the wall clock (control API `clock`), to expire tokens without waiting.
    pub clock_offset: AtomicI64,
    /// Incremented by `reset`; tokens carry it (`sbxgen`) and older ones are refused.
    pub generation: AtomicI64,
    /// Sorted result positions of recent SortBy queries, keyed by a hash of the query.
    pub sort_cache: Mutex<Vec<(u64, Arc<Vec<u64>>)>>,
    /// Requests per rate-limit window: (window start, count).
    pub rate: Mutex<(i64, u64)>,
}

impl State {
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.clock_offset.load(Ordering::Relaxed)
    }

    pub fn app_cert(&self, app_id: &str) -> Option<&CertKey> {
        self.app_certs.iter().find(|(id, _)| id.eq_ignore_ascii_case(app_id)).map(|(_, c)| c)
    }

    /// Forget issued tokens, codes, faults and the log.
    pub fn reset(&self) {
        *self.flows.lock() = Flows::default();
        self.faults.clear();
        self.log.clear();
        self.sort_cache.lock().clear();
        self.clock_offset.store(0, Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Relaxed);
    }
}

pub type Shared = Arc<State>;


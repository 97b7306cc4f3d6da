//! # exo-sandbox: a local Entra ID and Exchange Online admin API
//!
//! The sandbox is the server side of ExoNative's protocol, written independently of
//! `rust-core` from `../shared/spec/exchange-online-wire.md`. It serves, on 127.0.0.1:
//!
//! * HTTPS (one port, certificate for `localhost` signed by a CA it generates): the
//!   authority (`/{tenant}/oauth2/v2.0/token|authorize|devicecode`, `/devicelogin`,
//!   openid configuration, keys), the admin API (`/adminapi/beta/{tenant}/InvokeCommand`)
//!   and the control API (`/_sandbox/...`, key in `X-Sandbox-Key`);
//! * plain HTTP (a second port): managed identity, App Service style (`/msi/token`) and
//!   IMDS style (`/metadata/identity/oauth2/token`).
//!
//! ## In-process use (Rust integration tests)
//!
//! ```no_run
//! let dir = std::env::temp_dir().join("sbx-doc");
//! let sbx = exo_sandbox::Sandbox::start(exo_sandbox::Options::new(&dir).mailboxes(1200)).unwrap();
//! let info = sbx.info();            // the same data as sandbox.json
//! println!("{} {}", info.connection_uri, info.apps.exchange_admin.app_id);
//! let pem = sbx.ca_certificate_pem(); // trust this in the client
//! drop(sbx);                          // stops the servers and joins their thread
//! ```
//!
//! `Sandbox::start` runs the servers on a dedicated thread with its own tokio runtime, so it
//! works from plain `#[test]` functions and from inside another runtime. It writes
//! `sandbox.json` and the certificate files into the state directory, like the binary.
//! Dropping the handle (or [`Sandbox::stop`]) shuts the servers down.

pub mod adminapi;
pub mod control;
pub mod faults;
pub mod http;
pub mod identity;
pub mod info;
pub mod managed_identity;
pub mod server;
pub mod state;
pub mod tenant;
pub mod tls;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use parking_lot::Mutex;

pub use faults::{FaultKind, FaultRule};
pub use info::SandboxInfo;

/// Start options; the binary's command-line flags map one to one.
#[derive(Clone, Debug)]
pub struct Options {
    pub state_dir: PathBuf,
    pub mailboxes: u64,
    pub seed: u64,
    pub token_lifetime: u64,
    pub faults: Vec<FaultRule>,
    /// Seconds between device-code polls the sandbox asks for (`interval`).
    pub device_code_interval: u64,
    /// Lifetime of a device code (`expires_in`).
    pub device_code_expiry: u64,
}

impl Options {
    pub fn new(state_dir: impl AsRef<Path>) -> Options {
        Options {
            state_dir: state_dir.as_ref().to_path_buf(),
            mailboxes: 250,
            seed: 1,
            token_lifetime: 3600,
            faults: Vec::new(),
            device_code_interval: 5,
            device_code_expiry: 900,
        }
    }
    pub fn mailboxes(mut self, n: u64) -> Self {
        self.mailboxes = n;
        self
    }
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    pub fn token_lifetime(mut self, secs: u64) -> Self {
        self.token_lifetime = secs;
        self
    }
    pub fn faults(mut self, rules: Vec<FaultRule>) -> Self {
        self.faults = rules;
        self
    }
    pub fn device_code_interval(mut self, secs: u64) -> Self {
        self.device_code_interval = secs;
        self
    }
}

/// A running sandbox. Dropping it stops the servers.
pub struct Sandbox {
    info: SandboxInfo,
    state: state::Shared,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
    ca_pem: String,
}

impl Sandbox {
    /// Generates keys and certificates, binds both ports, starts serving and writes
    /// `sandbox.json` (atomically) into `options.state_dir`.
    pub fn start(options: Options) -> Result<Sandbox> {
        let dir = &options.state_dir;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let json_path = dir.join("sandbox.json");
        let _ = std::fs::remove_file(&json_path);

        let https = std::net::TcpListener::bind("127.0.0.1:0").context("binding the HTTPS port")?;
        let plain = std::net::TcpListener::bind("127.0.0.1:0").context("binding the managed-identity port")?;
        https.set_nonblocking(true)?;
        plain.set_nonblocking(true)?;
        let https_port = https.local_addr()?.port();
        let mi_port = plain.local_addr()?.port();

        let ca = tls::make_ca()?;
        let server_cert = tls::make_server_cert(&ca)?;
        let tls_cfg = tls::server_config(&server_cert, &ca)?;
        let ca_pem = ca.cert_pem();
        let ca_path = dir.join("ca.pem");
        std::fs::write(&ca_path, &ca_pem)?;

        let tenant = tenant::Tenant::new(options.seed, options.mailboxes);
        let mut app_certs = Vec::new();
        let mut app_files = Vec::new();
        for key in ["exchangeAdmin", "noRole"] {
            let app = tenant.principals.app_by_key(key);
            let ck = tls::make_app_cert(&format!("{} ({})", app.display_name, app.app_id))?;
            let password = http::random_token(12);
            let files = tls::write_app_files(dir, key, &ck, &password)?;
            app_files.push((key, password, files, ck.thumbprint()));
            app_certs.push((app.app_id.clone(), ck));
        }
        let base = format!("https://localhost:{https_port}");
        let st = Arc::new(state::State {
            connection_uri: base.clone(),
            authority_uri: base,
            mi_base: format!("http://127.0.0.1:{mi_port}"),
            https_port,
            control_key: http::random_token(24),
            identity_header: http::random_token(18),
            token_lifetime: options.token_lifetime.max(1),
            device_interval: options.device_code_interval,
            device_expiry: options.device_code_expiry,
            signing: state::Signing::new(tls::make_app_cert("ExoNative Sandbox token signing")?)?,
            app_certs,
            faults: Default::default(),
            log: Default::default(),
            flows: Mutex::new(Default::default()),
            clock_offset: AtomicI64::new(0),
            generation: AtomicI64::new(0),
            sort_cache: Mutex::new(Vec::new()),
            rate: Mutex::new((0, 0)),
            tenant,
        });
        for r in &options.faults {
            r.validate().map_err(anyhow::Error::msg)?;
        }
        st.faults.add(options.faults.clone());
        let info = info::build(&st, &options, &tls::path_str(&ca_path), &app_files);

        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<()>>();
        let st2 = st.clone();
        let thread = std::thread::Builder::new().name("exo-sandbox".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.into()));
                    return;
                }
            };
            rt.block_on(async move {
                let (h, p) = match (tokio::net::TcpListener::from_std(https), tokio::net::TcpListener::from_std(plain)) {
                    (Ok(h), Ok(p)) => (h, p),
                    (Err(e), _) | (_, Err(e)) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                let a = tokio::spawn(server::serve_https(st2.clone(), h, server::tls_acceptor(tls_cfg), stop_rx.clone()));
                let b = tokio::spawn(server::serve_http(st2, p, stop_rx));
                let _ = tokio::join!(a, b);
            });
            rt.shutdown_timeout(std::time::Duration::from_secs(1));
        })?;
        ready_rx.recv().context("sandbox thread ended early")??;
        let tmp = dir.join(".sandbox.json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&info)?)?;
        std::fs::rename(&tmp, &json_path)?;
        Ok(Sandbox { info, state: st, stop: Some(stop_tx), thread: Some(thread), ca_pem })
    }

    /// Everything `sandbox.json` holds.
    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }
    pub fn connection_uri(&self) -> &str {
        &self.info.connection_uri
    }
    pub fn authority_uri(&self) -> &str {
        &self.info.authority_uri
    }
    pub fn ca_certificate_pem(&self) -> &str {
        &self.ca_pem
    }
    pub fn control_key(&self) -> &str {
        &self.info.control_key
    }
    /// The state directory's `sandbox.json`.
    pub fn json_path(&self) -> PathBuf {
        PathBuf::from(&self.info.state_dir).join("sandbox.json")
    }
    /// Adds fault rules (as `POST /_sandbox/faults`).
    pub fn add_faults(&self, rules: Vec<FaultRule>) {
        self.state.faults.add(rules);
    }
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }
    /// The request log (as `GET /_sandbox/requests`).
    pub fn requests(&self) -> Vec<faults::LogEntry> {
        self.state.log.all()
    }
    /// Moves the sandbox's clock (token expiry, device codes) by `seconds`.
    pub fn advance_clock(&self, seconds: i64) {
        self.state.clock_offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// Stops the servers and waits for them.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown();
    }
}

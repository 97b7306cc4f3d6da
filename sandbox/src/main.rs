//! `exo-sandbox`: runs the sandbox tenant in the foreground until SIGINT/SIGTERM.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use exo_sandbox::{FaultRule, Options, Sandbox};

/// A local emulator of Entra ID and the Exchange Online admin API, for tests and for trying
/// scripts without a tenant.
///
/// Listens on 127.0.0.1 (OS-chosen ports): HTTPS for the authority, the admin API and the
/// control API (/_sandbox/*, key in X-Sandbox-Key), plain HTTP for managed identity. When
/// ready it writes STATE_DIR/sandbox.json (atomically) with the URIs, the CA certificate
/// path, the tenant, app credentials (PFX/PEM under STATE_DIR), users and managed
/// identities, prints one line "exo-sandbox ready <path>" on stdout, and removes the file
/// again when it stops.
#[derive(Parser, Debug)]
#[command(name = "exo-sandbox", version)]
struct Cli {
    /// Directory for sandbox.json, ca.pem and the apps' certificates (created if missing).
    #[arg(long, value_name = "DIR")]
    state_dir: PathBuf,
    /// Number of mailboxes in the tenant (generated lazily: 100000 start instantly).
    #[arg(long, value_name = "N", default_value_t = 250)]
    mailboxes: u64,
    /// Seed of the tenant: the same seed gives the same tenant ids, users and mailboxes.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    token_lifetime: u64,
    /// JSON file with an array of fault rules to arm at start (same shape as POST /_sandbox/faults).
    #[arg(long, value_name = "FILE")]
    faults: Option<PathBuf>,
    /// Polling interval the device-code endpoint asks clients for, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    device_code_interval: u64,
    /// Lifetime of a device code, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    device_code_expiry: u64,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let mut options = Options::new(&cli.state_dir)
        .mailboxes(cli.mailboxes)
        .seed(cli.seed)
        .token_lifetime(cli.token_lifetime)
        .device_code_interval(cli.device_code_interval);
    options.device_code_expiry = cli.device_code_expiry;
    if let Some(path) = &cli.faults {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let rules: Vec<FaultRule> =
            serde_json::from_str(&text).with_context(|| format!("parsing fault rules in {}", path.display()))?;
        options = options.faults(rules);
    }
    let sandbox = Sandbox::start(options)?;
    println!("exo-sandbox ready {}", sandbox.json_path().display());
    eprintln!(
        "exo-sandbox: {} mailboxes, connectionUri {}, managed identity {}",
        sandbox.info().mailbox_count,
        sandbox.connection_uri(),
        sandbox.info().managed_identity.identity_endpoint
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(wait_for_stop())?;
    let path = sandbox.json_path();
    sandbox.stop();
    let _ = std::fs::remove_file(path);
    eprintln!("exo-sandbox: stopped");
    Ok(())
}

#[cfg(unix)]
async fn wait_for_stop() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn wait_for_stop() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}

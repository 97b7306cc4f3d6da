//! Connections across the ABI.

use super::{cancel, check_null, guard, guard_infallible, input, ExoBuffer, ExoError};
use crate::auth::system_clock;
use crate::cancel::Cancel;
use crate::config::ConnectConfig;
use crate::connection::Connection;
use crate::runtime;
use std::sync::Arc;

/// An open connection. Thread rules: `Send + Sync`; any number of threads may open pagers
/// on it and read its info at once. Free it only when no call is using it.
pub struct ExoConnection {
    pub(crate) inner: Arc<Connection>,
}

/// Opens a connection from a JSON configuration (flows: certificate, accessToken,
/// managedIdentity, password) and signs in. On success writes a new handle to `*out`.
///
/// # Safety
/// `config` points to `config_len` bytes; `cancel` is null or a live handle; `out` is a
/// valid place to write a pointer.
#[no_mangle]
pub unsafe extern "C" fn exo_connection_open(
    config: *const u8,
    config_len: usize,
    cancel: *const cancel::ExoCancel,
    out: *mut *mut ExoConnection,
) -> *mut ExoError {
    guard(|| {
        check_null!(out);
        // SAFETY: per the contract above.
        let bytes = unsafe { input(config, config_len, "config") }?;
        let cancel: Option<&Cancel> = unsafe { cancel::borrow(cancel) };
        let config = ConnectConfig::parse(bytes)?;
        let connection = runtime::block_on(cancel, Connection::open(config, system_clock()))?;
        let handle = Box::into_raw(Box::new(ExoConnection { inner: Arc::new(connection) }));
        // SAFETY: `out` is non-null and writable per the contract.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// The connection's information (ids, tenant, user, token expiry) as a JSON object.
///
/// # Safety
/// `connection` is a live handle; `out` is a valid place to write a buffer.
#[no_mangle]
pub unsafe extern "C" fn exo_connection_info(connection: *const ExoConnection, out: *mut ExoBuffer) -> *mut ExoError {
    guard(|| {
        check_null!(connection, out);
        // SAFETY: non-null and live per the contract.
        let conn = unsafe { &*connection }.inner.clone();
        let info = runtime::block_on(None, async move { Ok(conn.info().await) })?;
        // SAFETY: `out` is non-null and writable per the contract.
        unsafe { out.write(ExoBuffer::from_vec(info.to_string().into_bytes())) };
        Ok(())
    })
}

/// Closes a connection: drops its tokens and frees it. Accepts null. Pagers opened on it
/// keep what they need until they are freed.
///
/// # Safety
/// `connection` is null or a handle from this library not yet freed.
#[no_mangle]
pub unsafe extern "C" fn exo_connection_free(connection: *mut ExoConnection) {
    if !connection.is_null() {
        // SAFETY: created by Box::into_raw and not yet freed.
        guard_infallible((), || drop(unsafe { Box::from_raw(connection) }));
    }
}

//! Interactive and device sign-in across the ABI, in two steps so PowerShell can show the
//! browser or the device-code message in between.

use super::connection::ExoConnection;
use super::{cancel, check_null, guard, guard_infallible, input, ExoBuffer, ExoError};
use crate::auth::signin::PendingSignIn;
use crate::auth::system_clock;
use crate::cancel::Cancel;
use crate::config::ConnectConfig;
use crate::error::Error;
use crate::runtime;
use parking_lot::Mutex;
use std::sync::Arc;

/// A sign-in between `exo_signin_begin` and `exo_signin_complete`. For an interactive
/// sign-in it owns the loopback listener. Thread rules: `Send + Sync`; `exo_signin_complete`
/// succeeds at most once per handle (from any thread; a second call is an InvalidArgument
/// error), and its cancellation handle may be triggered from another thread. Free it only
/// when no call is using it; freeing closes the listener.
pub struct ExoSignIn {
    pending: Mutex<Option<PendingSignIn>>,
}

/// Starts a sign-in from a JSON configuration whose flow is "interactive" or "device".
/// Interactive: binds the loopback listener on 127.0.0.1 and writes the prompt
/// `{"kind":"browser","url":"<authorize URL>"}`; the URL carries the sign-in's `state`, so
/// open it in the browser and never log it. Device: requests a device code and writes
/// `{"kind":"deviceCode","message":"...","userCode":"...","verificationUri":"...","expiresIn":900}`.
/// On success writes a new handle to `*out` and the prompt to `*out_prompt` (free it with
/// `exo_buffer_free`).
///
/// # Safety
/// `config` points to `config_len` bytes; `out` and `out_prompt` are valid places to write.
#[no_mangle]
pub unsafe extern "C" fn exo_signin_begin(
    config: *const u8,
    config_len: usize,
    out: *mut *mut ExoSignIn,
    out_prompt: *mut ExoBuffer,
) -> *mut ExoError {
    guard(|| {
        check_null!(out, out_prompt);
        // SAFETY: per the contract above.
        let bytes = unsafe { input(config, config_len, "config") }?;
        let config = ConnectConfig::parse(bytes)?;
        let (pending, prompt) = runtime::block_on(None, PendingSignIn::begin(config))?;
        let handle = Box::into_raw(Box::new(ExoSignIn { pending: Mutex::new(Some(pending)) }));
        // SAFETY: both are non-null and writable per the contract.
        unsafe {
            out_prompt.write(ExoBuffer::from_vec(prompt.to_string().into_bytes()));
            out.write(handle);
        }
        Ok(())
    })
}

/// Waits for the user (the browser's redirect, or the device code being entered) and writes
/// the new connection to `*out`. Cancelling through `cancel` closes the listener or stops
/// polling, and the handle cannot be completed again.
///
/// # Safety
/// `signin` is a live handle; `cancel` is null or a live handle; `out` is a valid place to
/// write a pointer.
#[no_mangle]
pub unsafe extern "C" fn exo_signin_complete(
    signin: *mut ExoSignIn,
    cancel: *const cancel::ExoCancel,
    out: *mut *mut ExoConnection,
) -> *mut ExoError {
    guard(|| {
        check_null!(signin, out);
        // SAFETY: non-null and live per the contract.
        let signin = unsafe { &*signin };
        let cancel: Option<&Cancel> = unsafe { cancel::borrow(cancel) };
        let pending = signin.pending.lock().take().ok_or_else(|| {
            Error::invalid_argument("This sign-in was already completed or cancelled: start a new one with exo_signin_begin.")
        })?;
        let connection = runtime::block_on(cancel, pending.complete(system_clock()))?;
        let handle = Box::into_raw(Box::new(ExoConnection { inner: Arc::new(connection) }));
        // SAFETY: `out` is non-null and writable per the contract.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Frees a sign-in, closing its listener. Accepts null.
///
/// # Safety
/// `signin` is null or a handle from `exo_signin_begin` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn exo_signin_free(signin: *mut ExoSignIn) {
    if !signin.is_null() {
        // SAFETY: created by Box::into_raw in exo_signin_begin and not yet freed.
        guard_infallible((), || drop(unsafe { Box::from_raw(signin) }));
    }
}

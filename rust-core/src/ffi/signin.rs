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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::ffi::buffer::exo_buffer_free;
    use crate::ffi::cancel::{exo_cancel_free, exo_cancel_new, exo_cancel_trigger};
    use crate::ffi::error::{exo_error_code, exo_error_free};

    /// The error's code, freeing the error (0 for success).
    unsafe fn code(e: *mut ExoError) -> u32 {
        // SAFETY: `e` is null or a live error returned by an export.
        unsafe {
            let c = exo_error_code(e);
            exo_error_free(e);
            c
        }
    }

    #[test]
    fn null_pointers_and_other_flows_are_refused() {
        let config = br#"{"flow":"interactive"}"#;
        let mut handle: *mut ExoSignIn = std::ptr::null_mut();
        let mut prompt = ExoBuffer::empty();
        // SAFETY: every pointer is null or valid for the call.
        unsafe {
            assert_eq!(code(exo_signin_begin(config.as_ptr(), config.len(), std::ptr::null_mut(), &mut prompt)), ErrorCode::NullPointer as u32);
            assert_eq!(code(exo_signin_begin(config.as_ptr(), config.len(), &mut handle, std::ptr::null_mut())), ErrorCode::NullPointer as u32);
            assert_eq!(code(exo_signin_begin(std::ptr::null(), 5, &mut handle, &mut prompt)), ErrorCode::NullPointer as u32);
            let cert = br#"{"flow":"accessToken","accessToken":"a.b.c"}"#;
            assert_eq!(code(exo_signin_begin(cert.as_ptr(), cert.len(), &mut handle, &mut prompt)), ErrorCode::InvalidArgument as u32);
            assert_eq!(code(exo_signin_begin(b"{".as_ptr(), 1, &mut handle, &mut prompt)), ErrorCode::InvalidInput as u32);
            assert!(handle.is_null(), "outputs are written only on success");
            let mut conn: *mut ExoConnection = std::ptr::null_mut();
            assert_eq!(code(exo_signin_complete(std::ptr::null_mut(), std::ptr::null(), &mut conn)), ErrorCode::NullPointer as u32);
            exo_signin_free(std::ptr::null_mut());
        }
    }

    /// Interactive begin makes no network call, so this runs against the default cloud: the
    /// wait is cancelled before any redirect arrives, and the handle is then spent.
    #[test]
    fn begin_prompts_complete_cancels_and_a_second_complete_is_refused() {
        let config = br#"{"flow":"interactive","userPrincipalName":"admin@contoso.com"}"#;
        let mut handle: *mut ExoSignIn = std::ptr::null_mut();
        let mut prompt = ExoBuffer::empty();
        // SAFETY: every pointer is valid for the call; handles are freed once.
        unsafe {
            assert_eq!(code(exo_signin_begin(config.as_ptr(), config.len(), &mut handle, &mut prompt)), 0);
            assert!(!handle.is_null());
            let json: serde_json::Value = serde_json::from_slice(std::slice::from_raw_parts(prompt.ptr, prompt.len)).unwrap();
            exo_buffer_free(prompt);
            assert_eq!(json["kind"], "browser");
            let url = url::Url::parse(json["url"].as_str().unwrap()).unwrap();
            assert!(url.as_str().starts_with("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?"));
            let redirect: String = url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
            let port = url::Url::parse(&redirect).unwrap().port().unwrap();
            assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(), "the listener is open after begin");

            let cancel = exo_cancel_new();
            let cancel_addr = cancel as usize;
            let trigger = std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(100));
                // SAFETY: the handle outlives this thread (joined before it is freed).
                exo_cancel_trigger(cancel_addr as *const crate::ffi::cancel::ExoCancel);
            });
            let mut conn: *mut ExoConnection = std::ptr::null_mut();
            assert_eq!(code(exo_signin_complete(handle, cancel, &mut conn)), ErrorCode::Cancelled as u32);
            trigger.join().unwrap();
            assert!(conn.is_null());
            assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "cancel closes the listener");
            assert_eq!(code(exo_signin_complete(handle, std::ptr::null(), &mut conn)), ErrorCode::InvalidArgument as u32);
            exo_cancel_free(cancel);
            exo_signin_free(handle);
        }
    }

    #[test]
    fn free_closes_the_listener() {
        let config = br#"{"flow":"interactive"}"#;
        let mut handle: *mut ExoSignIn = std::ptr::null_mut();
        let mut prompt = ExoBuffer::empty();
        // SAFETY: every pointer is valid for the call; the handle is freed once.
        unsafe {
            assert_eq!(code(exo_signin_begin(config.as_ptr(), config.len(), &mut handle, &mut prompt)), 0);
            let json: serde_json::Value = serde_json::from_slice(std::slice::from_raw_parts(prompt.ptr, prompt.len)).unwrap();
            exo_buffer_free(prompt);
            let url = url::Url::parse(json["url"].as_str().unwrap()).unwrap();
            let redirect: String = url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
            let port = url::Url::parse(&redirect).unwrap().port().unwrap();
            exo_signin_free(handle);
            assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
        }
    }
}

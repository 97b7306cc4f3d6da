//! The C ABI: the only place with `extern "C"`, raw pointers and `unsafe`.
//!
//! Conventions (see README "C ABI"): `exo_<type>_<verb>` names; opaque handles created and
//! freed only here, every `_free` accepting null; fallible calls return `ExoError*` (null on
//! success) and write their outputs only on success; byte payloads out of Rust are
//! [`ExoBuffer`]s freed by [`exo_buffer_free`]; every export runs inside [`guard`] so that
//! no panic crosses into the caller.

#![allow(clippy::missing_safety_doc)] // every export documents its safety in its own doc comment

pub mod buffer;
pub mod cancel;
pub mod connection;
pub mod error;
pub mod pager;
pub mod signin;

pub use buffer::{ExoBuffer, ExoSlice};
pub use error::ExoError;

use crate::error::{Error, ErrorCode, Result};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs an export's body, turning an `Err` or a panic into an `ExoError*`.
pub(crate) fn guard(body: impl FnOnce() -> Result<()>) -> *mut ExoError {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => std::ptr::null_mut(),
        Ok(Err(e)) => ExoError::into_raw(e),
        Err(panic) => ExoError::into_raw(panic_error(panic)),
    }
}

/// Runs an export that cannot fail, swallowing a panic (used by `_free` and getters).
pub(crate) fn guard_infallible<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn panic_error(panic: Box<dyn std::any::Any + Send>) -> Error {
    // Panic messages are our own assertion texts, never secrets; keep only a short prefix.
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".to_string());
    let what: String = what.chars().take(200).collect();
    Error::new(ErrorCode::Panic, format!("Internal error in exo_core (please report it): {what}"))
}

/// Returns `Err(NullPointer)` naming the argument when a required pointer is null.
macro_rules! check_null {
    ($($ptr:ident),+) => {
        $(if $ptr.is_null() {
            return Err($crate::error::Error::new(
                $crate::error::ErrorCode::NullPointer,
                concat!("exo_core: the argument `", stringify!($ptr), "` is null."),
            ));
        })+
    };
}
pub(crate) use check_null;

/// Borrows `len` input bytes at `ptr`; a null pointer is allowed only with `len == 0`.
///
/// # Safety
/// `ptr` must point to `len` readable bytes that stay valid for `'a`.
pub(crate) unsafe fn input<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Error::new(ErrorCode::NullPointer, format!("exo_core: the argument `{name}` is null.")));
    }
    if len > isize::MAX as usize {
        return Err(Error::new(ErrorCode::InvalidInput, format!("exo_core: the length of `{name}` is not valid.")));
    }
    // SAFETY: the caller guarantees `ptr` points to `len` readable bytes for 'a.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The library's version, for the module to check it loaded the library it was built with.
#[no_mangle]
pub extern "C" fn exo_version() -> ExoSlice {
    ExoSlice::from_static(concat!(env!("CARGO_PKG_VERSION"), "\0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_code() {
        let e = guard(|| panic!("boom"));
        assert!(!e.is_null());
        // SAFETY: `e` is a live error returned by guard.
        unsafe {
            assert_eq!(error::exo_error_code(e), ErrorCode::Panic as u32);
            let m = error::exo_error_message(e);
            let text = std::str::from_utf8(std::slice::from_raw_parts(m.ptr, m.len)).unwrap();
            assert!(text.contains("boom"), "{text}");
            error::exo_error_free(e);
        }
        assert_eq!(guard_infallible(7, || panic!("quiet")), 7);
    }
}

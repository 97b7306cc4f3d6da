//! Cancellation handles for long calls.

use super::guard_infallible;
use crate::cancel::Cancel;

/// A cancellation handle. Thread rules: `exo_cancel_trigger` may be called from any thread
/// while another thread blocks in a call that was given the handle.
pub struct ExoCancel {
    pub(crate) inner: Cancel,
}

/// A new, untriggered cancellation handle. Never null.
#[no_mangle]
pub extern "C" fn exo_cancel_new() -> *mut ExoCancel {
    Box::into_raw(Box::new(ExoCancel { inner: Cancel::default() }))
}

/// Cancels every call waiting with this handle, and any later call given it.
///
/// # Safety
/// `cancel` is null or a live handle from `exo_cancel_new`.
#[no_mangle]
pub unsafe extern "C" fn exo_cancel_trigger(cancel: *const ExoCancel) {
    // SAFETY: null or live per the contract.
    guard_infallible((), || {
        if let Some(c) = unsafe { cancel.as_ref() } {
            c.inner.trigger()
        }
    })
}

/// Frees a cancellation handle. Accepts null. No call may still be using it.
///
/// # Safety
/// `cancel` is null or a handle from `exo_cancel_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn exo_cancel_free(cancel: *mut ExoCancel) {
    if !cancel.is_null() {
        // SAFETY: created by Box::into_raw in exo_cancel_new and not yet freed.
        guard_infallible((), || drop(unsafe { Box::from_raw(cancel) }));
    }
}

/// Borrows an optional cancellation handle.
///
/// # Safety
/// `cancel` is null or a live handle.
pub(crate) unsafe fn borrow<'a>(cancel: *const ExoCancel) -> Option<&'a Cancel> {
    // SAFETY: null or live per the caller's contract.
    unsafe { cancel.as_ref() }.map(|c| &c.inner)
}

//! The error object fallible exports return.

use super::{guard_infallible, ExoSlice};
use crate::error::Error;

/// An error: a stable code, a message and a JSON detail. Created by the library, freed with
/// [`exo_error_free`]. Not thread-safe to free while another thread reads it.
pub struct ExoError {
    error: Error,
    detail: String,
}

impl ExoError {
    pub(crate) fn into_raw(error: Error) -> *mut ExoError {
        let detail = error.detail_json();
        Box::into_raw(Box::new(ExoError { error, detail }))
    }
}

/// The error's code (see `ErrorCode` numbers in the README); 0 for a null error.
///
/// # Safety
/// `error` is null or a live error from this library.
#[no_mangle]
pub unsafe extern "C" fn exo_error_code(error: *const ExoError) -> u32 {
    // SAFETY: null or a live ExoError per the contract.
    guard_infallible(0, || unsafe { error.as_ref() }.map_or(0, |e| e.error.code as u32))
}

/// The error's message, UTF-8, valid until `exo_error_free`.
///
/// # Safety
/// `error` is null or a live error from this library.
#[no_mangle]
pub unsafe extern "C" fn exo_error_message(error: *const ExoError) -> ExoSlice {
    // SAFETY: null or a live ExoError per the contract.
    guard_infallible(ExoSlice::empty(), || unsafe { error.as_ref() }.map_or(ExoSlice::empty(), |e| ExoSlice::from_str(&e.error.message)))
}

/// The error's detail as a UTF-8 JSON object, valid until `exo_error_free`.
///
/// # Safety
/// `error` is null or a live error from this library.
#[no_mangle]
pub unsafe extern "C" fn exo_error_detail(error: *const ExoError) -> ExoSlice {
    // SAFETY: null or a live ExoError per the contract.
    guard_infallible(ExoSlice::empty(), || unsafe { error.as_ref() }.map_or(ExoSlice::empty(), |e| ExoSlice::from_str(&e.detail)))
}

/// Frees an error. Accepts null.
///
/// # Safety
/// `error` is null or an error from this library not yet freed.
#[no_mangle]
pub unsafe extern "C" fn exo_error_free(error: *mut ExoError) {
    if !error.is_null() {
        // SAFETY: created by Box::into_raw in into_raw and not yet freed.
        guard_infallible((), || drop(unsafe { Box::from_raw(error) }));
    }
}

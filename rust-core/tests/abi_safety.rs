//! The C ABI's promises (requirement 21): null checks, error objects, frees that accept
//! null, and outputs written only on success. Called exactly as C# calls them.

use exo_core::error::ErrorCode;
use exo_core::ffi::buffer::exo_buffer_free;
use exo_core::ffi::cancel::{exo_cancel_free, exo_cancel_new, exo_cancel_trigger};
use exo_core::ffi::connection::{exo_connection_free, exo_connection_info, exo_connection_open, ExoConnection};
use exo_core::ffi::error::{exo_error_code, exo_error_detail, exo_error_free, exo_error_message};
use exo_core::ffi::pager::{exo_pager_free, exo_pager_next, exo_pager_open, ExoPager};
use exo_core::ffi::{exo_version, ExoBuffer, ExoError};
use std::ptr::{null, null_mut};

/// Reads an error's code and message, then frees it.
fn take(error: *mut ExoError) -> (u32, String) {
    assert!(!error.is_null(), "expected an error");
    // SAFETY: a live error from the library, freed once here.
    unsafe {
        let m = exo_error_message(error);
        let text = String::from_utf8(std::slice::from_raw_parts(m.ptr, m.len).to_vec()).unwrap();
        let d = exo_error_detail(error);
        let detail = std::slice::from_raw_parts(d.ptr, d.len);
        serde_json::from_slice::<serde_json::Value>(detail).expect("detail is JSON");
        let code = exo_error_code(error);
        exo_error_free(error);
        (code, text)
    }
}

#[test]
fn version_is_the_crate_version() {
    let v = exo_version();
    // SAFETY: a static slice.
    let text = unsafe { std::slice::from_raw_parts(v.ptr, v.len) };
    assert_eq!(text, env!("CARGO_PKG_VERSION").as_bytes());
}

#[test]
fn null_outputs_and_inputs_are_refused_with_their_names() {
    let config = br#"{"flow":"accessToken","accessToken":"x.y.z"}"#;
    // SAFETY: deliberately null arguments; the library must check them.
    unsafe {
        let (code, text) = take(exo_connection_open(config.as_ptr(), config.len(), null(), null_mut()));
        assert_eq!(code, ErrorCode::NullPointer as u32);
        assert!(text.contains("`out`"), "{text}");

        let mut conn: *mut ExoConnection = null_mut();
        let (code, text) = take(exo_connection_open(null(), 10, null(), &mut conn));
        assert_eq!(code, ErrorCode::NullPointer as u32);
        assert!(text.contains("`config`"), "{text}");
        assert!(conn.is_null(), "no output on failure");

        let mut pager: *mut ExoPager = null_mut();
        let (code, _) = take(exo_pager_open(null(), b"{}".as_ptr(), 2, &mut pager));
        assert_eq!(code, ErrorCode::NullPointer as u32);
        let mut page = ExoBuffer::empty();
        let (code, _) = take(exo_pager_next(null_mut(), null(), &mut page));
        assert_eq!(code, ErrorCode::NullPointer as u32);
        let (code, _) = take(exo_connection_info(null(), &mut page));
        assert_eq!(code, ErrorCode::NullPointer as u32);
    }
}

#[test]
fn bad_configuration_is_an_error_before_any_network_call() {
    let cases: [(&[u8], ErrorCode, &str); 4] = [
        (b"not json", ErrorCode::InvalidInput, "not valid JSON"),
        (b"{\"flow\":\"accessToken\",\"accessToken\":\"abc\"}", ErrorCode::InvalidArgument, "not a JWT"),
        (b"{\"flow\":\"certificate\",\"appId\":\"a\"}", ErrorCode::InvalidArgument, "-Organization"),
        (b"{\"flow\":\"accessToken\",\"accessToken\":\"a.b.c\",\"connectionUri\":\"http://x\"}", ErrorCode::InvalidArgument, "Invalid ConnectionUri parameter 'http://x'"),
    ];
    for (config, expected, words) in cases {
        let mut conn: *mut ExoConnection = null_mut();
        // SAFETY: valid pointers.
        let (code, text) = take(unsafe { exo_connection_open(config.as_ptr(), config.len(), null(), &mut conn) });
        assert_eq!(code, expected as u32, "{text}");
        assert!(text.contains(words), "{text}");
        assert!(conn.is_null());
    }
}

#[test]
fn every_free_accepts_null_and_errors_read_as_empty() {
    // SAFETY: null is documented as accepted everywhere here.
    unsafe {
        exo_error_free(null_mut());
        exo_connection_free(null_mut());
        exo_pager_free(null_mut());
        exo_cancel_free(null_mut());
        exo_cancel_trigger(null());
        exo_buffer_free(ExoBuffer::empty());
        assert_eq!(exo_error_code(null()), 0);
        assert_eq!(exo_error_message(null()).len, 0);
    }
}

#[test]
fn a_triggered_cancel_stops_a_call_at_once() {
    let cancel = exo_cancel_new();
    // SAFETY: live handle, freed once.
    unsafe {
        exo_cancel_trigger(cancel);
        // A certificate flow would go to the network; the cancel wins before it can.
        let config = br#"{"flow":"accessToken","accessToken":"eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln","connectionUri":"https://localhost:1","azureAdAuthorizationEndpointUri":"https://localhost:1"}"#;
        let mut conn: *mut ExoConnection = null_mut();
        let err = exo_connection_open(config.as_ptr(), config.len(), cancel, &mut conn);
        assert_eq!(take(err).0, ErrorCode::Cancelled as u32);
        assert!(conn.is_null());
        exo_cancel_free(cancel);
    }
}

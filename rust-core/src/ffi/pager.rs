//! Running a cmdlet and reading its pages across the ABI.

use super::connection::ExoConnection;
use super::{cancel, check_null, guard, guard_infallible, input, ExoBuffer, ExoError};
use crate::invoke::{InvokeRequest, Pager};
use crate::runtime;

/// A command's pages. Thread rules: `Send`, not `Sync`: one thread at a time calls
/// `exo_pager_next`; another thread may trigger the cancellation handle it was given.
pub struct ExoPager {
    inner: Pager,
}

/// Starts a command from a JSON request (`cmdletName`, `parameters`, `resultSize`,
/// `select`). Nothing is sent until the first `exo_pager_next`.
///
/// # Safety
/// `connection` is a live handle; `request` points to `request_len` bytes; `out` is a valid
/// place to write a pointer.
#[no_mangle]
pub unsafe extern "C" fn exo_pager_open(
    connection: *const ExoConnection,
    request: *const u8,
    request_len: usize,
    out: *mut *mut ExoPager,
) -> *mut ExoError {
    guard(|| {
        check_null!(connection, out);
        // SAFETY: per the contract above.
        let bytes = unsafe { input(request, request_len, "request") }?;
        let conn = unsafe { &*connection }.inner.clone();
        let pager = Pager::new(conn, InvokeRequest::parse(bytes)?)?;
        // SAFETY: `out` is non-null and writable.
        unsafe { out.write(Box::into_raw(Box::new(ExoPager { inner: pager }))) };
        Ok(())
    })
}

/// Fetches the next page as JSON `{"value":[...],"warnings":[...],"log":[...],"requestId":...}`.
/// Writes `{NULL, 0}` to `*out_page` when there are no more pages.
///
/// # Safety
/// `pager` is a live handle used by no other thread; `cancel` is null or a live handle;
/// `out_page` is a valid place to write a buffer.
#[no_mangle]
pub unsafe extern "C" fn exo_pager_next(pager: *mut ExoPager, cancel: *const cancel::ExoCancel, out_page: *mut ExoBuffer) -> *mut ExoError {
    guard(|| {
        check_null!(pager, out_page);
        // SAFETY: non-null, live and not shared per the contract.
        let pager = unsafe { &mut *pager };
        let cancel = unsafe { cancel::borrow(cancel) };
        let page = runtime::block_on(cancel, pager.inner.next())?;
        let buffer = page.map_or_else(ExoBuffer::empty, |p| ExoBuffer::from_vec(p.to_json()));
        // SAFETY: `out_page` is non-null and writable.
        unsafe { out_page.write(buffer) };
        Ok(())
    })
}

/// Frees a pager, stopping any page fetch it has in flight. Accepts null.
///
/// # Safety
/// `pager` is null or a handle from this library not yet freed.
#[no_mangle]
pub unsafe extern "C" fn exo_pager_free(pager: *mut ExoPager) {
    if !pager.is_null() {
        guard_infallible((), || {
            // Dropping aborts the prefetch task, which needs the runtime's context.
            let _enter = runtime::handle().enter();
            // SAFETY: created by Box::into_raw and not yet freed.
            drop(unsafe { Box::from_raw(pager) })
        });
    }
}

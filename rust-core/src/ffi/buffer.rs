//! Byte payloads across the ABI.

/// Bytes owned by Rust, handed to the caller, who returns them with [`exo_buffer_free`].
/// An empty buffer is `{NULL, 0}`.
#[repr(C)]
pub struct ExoBuffer {
    pub ptr: *mut u8,
    pub len: usize,
}

impl ExoBuffer {
    pub fn empty() -> Self {
        ExoBuffer { ptr: std::ptr::null_mut(), len: 0 }
    }

    pub fn from_vec(bytes: Vec<u8>) -> Self {
        if bytes.is_empty() {
            return Self::empty();
        }
        let boxed = bytes.into_boxed_slice();
        let len = boxed.len();
        ExoBuffer { ptr: Box::into_raw(boxed) as *mut u8, len }
    }
}

/// Bytes borrowed from Rust, valid as long as the object they came from (documented per
/// function). Never freed by the caller. Text slices are UTF-8, not NUL-terminated
/// (`exo_version` excepted, whose slice is followed by a NUL).
#[repr(C)]
pub struct ExoSlice {
    pub ptr: *const u8,
    pub len: usize,
}

impl ExoSlice {
    pub fn from_str(s: &str) -> Self {
        ExoSlice { ptr: s.as_ptr(), len: s.len() }
    }

    /// A static string whose last byte is a NUL terminator; the length excludes it.
    pub fn from_static(s: &'static str) -> Self {
        ExoSlice { ptr: s.as_ptr(), len: s.len().saturating_sub(1) }
    }

    pub fn empty() -> Self {
        ExoSlice { ptr: std::ptr::null(), len: 0 }
    }
}

/// Frees a buffer returned by this library. Accepts `{NULL, 0}`.
///
/// # Safety
/// `buffer` must have come from this library and must not be freed twice.
#[no_mangle]
pub unsafe extern "C" fn exo_buffer_free(buffer: ExoBuffer) {
    super::guard_infallible((), || {
        if buffer.ptr.is_null() {
            return;
        }
        // SAFETY: ptr/len came from Box<[u8]>::into_raw in ExoBuffer::from_vec.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(buffer.ptr, buffer.len)) });
    })
}

//! `bytes` results filled in place, with the kernel asked for huge pages.
//!
//! A fresh 32 MiB `bytes` is a fresh `mmap` from the C allocator: the first
//! write to each 4 KiB page faults, and for a 4096x4096 `uint16` blob the
//! 8,192 faults took longer than quantizing it (16 ms of page faults against
//! 4 ms with huge pages, on a 2-core x86-64 machine). NumPy asks for
//! transparent huge pages (`madvise(MADV_HUGEPAGE)`) for each array of 4 MiB
//! or more; this module does the same for the `bytes` it returns. Where the
//! kernel does not give huge pages (THP `never`, other systems) the advice is
//! a no-op and the bytes are the same.
//!
//! PyO3's `PyBytes::new_with` zero-fills the buffer before its closure runs,
//! which touches every page before any advice could be given; this is the
//! same function with the advice between the allocation and the fill.

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::{ffi, Bound};

/// From this size on, huge pages are asked for (NumPy's threshold).
const HUGE_MIN: usize = 4 << 20;

/// A new `bytes` of `len` bytes, zero-filled and then written by `init`
/// (PyO3's `PyBytes::new_with`, with the huge-page advice first).
pub fn new_bytes<'py, F>(py: Python<'py>, len: usize, init: F) -> PyResult<Bound<'py, PyBytes>>
where
    F: FnOnce(&mut [u8]) -> PyResult<()>,
{
    let n = ffi::Py_ssize_t::try_from(len)
        .map_err(|_| PyOverflowError::new_err(format!("{len} bytes do not fit a bytes object")))?;
    // SAFETY: as in PyO3's `PyBytes::new_with`. `PyBytes_FromStringAndSize`
    // with a null pointer returns a new (owned) bytes object of `len`
    // uninitialised bytes, or null with an exception set (checked by
    // `from_owned_ptr_or_err`). Nothing else can see the object before it is
    // returned, so writing its buffer is allowed; the buffer is
    // zero-filled before a slice of it is made, so the slice is initialised.
    unsafe {
        let ptr = ffi::PyBytes_FromStringAndSize(core::ptr::null(), n);
        let bytes = Bound::from_owned_ptr_or_err(py, ptr)?.cast_into_unchecked::<PyBytes>();
        let buf: *mut u8 = ffi::PyBytes_AsString(ptr).cast();
        if buf.is_null() {
            return Err(PyErr::fetch(py));
        }
        if len >= HUGE_MIN {
            advise_huge_pages(buf, len);
        }
        core::ptr::write_bytes(buf, 0u8, len);
        init(core::slice::from_raw_parts_mut(buf, len)).map(|()| bytes)
    }
}

/// `madvise(MADV_HUGEPAGE)` on the whole pages inside `buf..buf+len`
/// (Linux; elsewhere nothing). Advice only: a failure changes nothing.
#[cfg(target_os = "linux")]
fn advise_huge_pages(buf: *mut u8, len: usize) {
    const PAGE: usize = 4096;
    let start = (buf as usize).div_ceil(PAGE) * PAGE;
    let end = (buf as usize).saturating_add(len) / PAGE * PAGE;
    if end > start {
        // SAFETY: `start..end` lies inside the allocation of `len` bytes at
        // `buf`, page-aligned; MADV_HUGEPAGE changes no byte of it.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_buf: *mut u8, _len: usize) {}

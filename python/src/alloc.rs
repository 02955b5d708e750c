//! `bytes` results filled in place, with advice to the kernel on their pages.
//!
//! A fresh 32 MiB `bytes` is a fresh `mmap` from the C allocator, and the
//! first write to each 4 KiB page faults: filling one took 16 ms with 4 KiB
//! pages and 4 ms with huge pages on a 2-core x86-64 machine. NumPy asks for
//! transparent huge pages (`madvise(MADV_HUGEPAGE)`) for each array of 4 MiB
//! or more; this module does the same for the `bytes` it returns, and faults
//! smaller ones (256 KiB to 4 MiB) in with one `MADV_POPULATE_WRITE`. Where
//! the kernel does not follow the advice (THP `never`, older kernels, other
//! systems) nothing changes but the time; the bytes are the same.
//!
//! PyO3's `PyBytes::new_with` zero-fills the buffer before its closure runs,
//! which touches every page before any advice could be given: `new_bytes` is
//! that function with the advice between the allocation and the fill.
//! `new_bytes_blocks` and `new_bytes_copy` also leave out the separate zero
//! fill of the whole buffer, and write it on several threads.

use core::mem::MaybeUninit;

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
    // SAFETY: `buf` is used only in this function, while `bytes` is alive,
    // and every byte of it is written (zero-filled) before it is viewed as
    // `u8` and before `bytes` can be returned.
    let (bytes, buf) = unsafe { new_uninit(py, len)? };
    init(zeroed(buf)).map(|()| bytes)
}

/// A new `bytes` object of `len` uninitialised bytes, with the page advice
/// for its size already given, and its buffer. PyO3's `PyBytes::new_with`
/// with neither the zero fill nor the closure: `PyBytes_FromStringAndSize`
/// with a null pointer returns a new (owned) object of `len` uninitialised
/// bytes, or null with an exception set (checked by `from_owned_ptr_or_err`).
///
/// # Safety
///
/// Nothing else sees the object before the caller returns it, so the
/// caller may write its buffer; it must write every byte before the object
/// is returned or read, and must not use the slice once the object is
/// dropped (the slice's lifetime is not tied to it).
unsafe fn new_uninit<'py, 'a>(
    py: Python<'py>,
    len: usize,
) -> PyResult<(Bound<'py, PyBytes>, &'a mut [MaybeUninit<u8>])> {
    let n = ffi::Py_ssize_t::try_from(len)
        .map_err(|_| PyOverflowError::new_err(format!("{len} bytes do not fit a bytes object")))?;
    // SAFETY: see above; the buffer of a live bytes object of `len` bytes is
    // valid for `len` bytes, and `MaybeUninit<u8>` is valid for any contents.
    let (bytes, buf) = unsafe {
        let ptr = ffi::PyBytes_FromStringAndSize(core::ptr::null(), n);
        let bytes = Bound::from_owned_ptr_or_err(py, ptr)?.cast_into_unchecked::<PyBytes>();
        let data: *mut MaybeUninit<u8> = ffi::PyBytes_AsString(ptr).cast();
        if data.is_null() {
            return Err(PyErr::fetch(py));
        }
        (bytes, core::slice::from_raw_parts_mut(data, len))
    };
    advise(buf.as_mut_ptr().cast(), len);
    Ok((bytes, buf))
}

/// From this size to [`HUGE_MIN`], the pages are faulted in with one
/// `madvise(MADV_POPULATE_WRITE)` (Linux 5.14+) rather than one fault per
/// 4 KiB page: at 1024x1024 (two 2 MiB results) python/bench.py's
/// `encode_data` + `pack_envelope` took 1.47 to 2.06 ms with it against 1.74
/// to 3.46 ms without, three paired runs each on a loaded 2-core machine.
const POPULATE_MIN: usize = 256 << 10;

/// The advice for a new buffer of `len` bytes at `buf`.
fn advise(buf: *mut u8, len: usize) {
    if len >= HUGE_MIN {
        advise_pages(buf, len, HUGE_PAGES);
    } else if len >= POPULATE_MIN {
        advise_pages(buf, len, POPULATE);
    }
}

#[cfg(target_os = "linux")]
const HUGE_PAGES: i32 = libc::MADV_HUGEPAGE;
#[cfg(target_os = "linux")]
const POPULATE: i32 = libc::MADV_POPULATE_WRITE;
#[cfg(not(target_os = "linux"))]
const HUGE_PAGES: i32 = 0;
#[cfg(not(target_os = "linux"))]
const POPULATE: i32 = 0;

/// `madvise(advice)` on the whole pages inside `buf..buf+len` (Linux;
/// elsewhere nothing). Advice only: a failure (an older kernel) changes
/// nothing.
#[cfg(target_os = "linux")]
fn advise_pages(buf: *mut u8, len: usize, advice: i32) {
    let page = page_size();
    let start = (buf as usize).div_ceil(page) * page;
    let end = (buf as usize + len) / page * page;
    if end > start {
        // SAFETY: `start..end` lies inside the allocation of `len` bytes at
        // `buf`, page-aligned; neither advice changes a byte of it
        // (MADV_POPULATE_WRITE faults the pages in, as a write would).
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, advice);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_pages(_buf: *mut u8, _len: usize, _advice: i32) {}

/// The kernel's page size (4 KiB on x86-64; 4, 16 or 64 KiB on AArch64).
#[cfg(target_os = "linux")]
fn page_size() -> usize {
    // SAFETY: `sysconf` only reads a value (glibc takes it from the auxiliary
    // vector); it fails with -1, and then 4 KiB is used.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
}

/// Faults in, as a write would, every page that holds a byte of
/// `buf..buf+len` (`MADV_POPULATE_WRITE`; Linux 5.14+, elsewhere nothing).
/// The bytes do not change. Advice only: a failure changes nothing.
pub fn populate(buf: *const u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        let page = page_size();
        if len == 0 {
            return;
        }
        let start = buf as usize / page * page;
        let end = (buf as usize + len).div_ceil(page) * page;
        // SAFETY: MADV_POPULATE_WRITE reads and writes no byte of memory and
        // changes no mapping: it faults pages in, as a write would, and for
        // a range that is not mapped it fails (ENOMEM), which is ignored.
        // The first and last pages may hold bytes that other threads are
        // writing (the neighbouring parts, the head); the call does not
        // access them.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, POPULATE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (buf, len);
}

/// The body is filled in blocks of this many bytes: each block is
/// zero-filled and then written at once, while it is in the cache, so the
/// zero fill costs no memory traffic of its own.
const BLOCK: usize = 64 << 10;

/// Threads take large results in parts of this many bytes (a multiple of
/// [`BLOCK`]; the size of a huge page, though not aligned to one). Timings
/// of `encode_data` + `pack_envelope` at 4096x4096 with 1 MiB and 4 MiB
/// parts, and with the caller 1 or 4 parts ahead instead of 2, were no
/// better (within the machine's noise).
pub const PART: usize = 2 << 20;

/// Why a block fill failed.
pub enum FillError {
    /// The fill function's error.
    Core(framewire::Error),
    /// A fill thread panicked.
    Thread,
}

/// A new `bytes` of `head + body` bytes. `head_fill` writes the first `head`
/// bytes; `body_fill(offset, block)` writes the body in blocks (`offset`
/// counted from the start of the body, a multiple of 64 KiB), on up to
/// `threads` threads without the GIL, which take the body in 2 MiB parts;
/// the calling thread faults most of their pages in first ([`populate`],
/// [`crate::par`] says why). Every byte is zero-filled before a function
/// sees it.
pub fn new_bytes_blocks<'py, H, B>(
    py: Python<'py>,
    head: usize,
    body: usize,
    threads: usize,
    head_fill: H,
    body_fill: B,
) -> PyResult<Bound<'py, PyBytes>>
where
    H: FnOnce(&mut [u8]) -> PyResult<()>,
    B: Fn(usize, &mut [u8]) -> Result<(), framewire::Error> + Sync,
{
    let len = head
        .checked_add(body)
        .ok_or_else(|| PyOverflowError::new_err("the result does not fit in memory"))?;
    // SAFETY: `buf` is used only in this function, while `bytes` is alive;
    // each part of it is zero-filled (`zeroed`) before it is viewed as `u8`,
    // and the whole of it before `bytes` is returned.
    let (bytes, buf) = unsafe { new_uninit(py, len)? };
    let (h, b) = buf.split_at_mut(head);
    head_fill(zeroed(h))?;
    let result = py.detach(|| fill_body(b, threads.max(1), &body_fill));
    result.map_err(|e| match e {
        FillError::Core(e) => crate::errors::to_py(py, e),
        FillError::Thread => pyo3::exceptions::PyRuntimeError::new_err("a fill thread failed"),
    })?;
    Ok(bytes)
}

/// Zero-fills `part` and returns it as initialised bytes.
fn zeroed(part: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    part.fill(MaybeUninit::new(0));
    // SAFETY: every element was just written; `MaybeUninit<u8>` and `u8`
    // have the same layout.
    unsafe { &mut *(part as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

fn fill_part<B>(part: &mut [MaybeUninit<u8>], start: usize, fill: &B) -> Result<(), FillError>
where
    B: Fn(usize, &mut [u8]) -> Result<(), framewire::Error>,
{
    for (i, block) in part.chunks_mut(BLOCK).enumerate() {
        fill(start + i * BLOCK, zeroed(block)).map_err(FillError::Core)?;
    }
    Ok(())
}

fn fill_body<B>(body: &mut [MaybeUninit<u8>], threads: usize, fill: &B) -> Result<(), FillError>
where
    B: Fn(usize, &mut [u8]) -> Result<(), framewire::Error> + Sync,
{
    if threads <= 1 || body.len() <= PART {
        return fill_part(body, 0, fill);
    }
    let parts: Vec<_> = body.chunks_mut(PART).enumerate().collect();
    crate::par::run(
        parts,
        threads,
        |(_, part)| populate(part.as_ptr().cast(), part.len()),
        |(i, part)| fill_part(part, i * PART, fill),
    )
    .map_err(|e| match e {
        crate::par::RunError::Part(e) => e,
        crate::par::RunError::Thread => FillError::Thread,
    })
}

/// A new `bytes` of `head` bytes written by `head_fill`, then a copy of
/// `src`: copies of 2 MiB parts on up to `threads` threads without the GIL,
/// straight into the new buffer (no zero fill first: the copy is the first
/// write of each byte), most of whose pages the calling thread faults in
/// first ([`populate`], [`crate::par`]).
pub fn new_bytes_copy<'py, H>(
    py: Python<'py>,
    head: usize,
    src: &[u8],
    threads: usize,
    head_fill: H,
) -> PyResult<Bound<'py, PyBytes>>
where
    H: FnOnce(&mut [u8]) -> PyResult<()>,
{
    let len = head
        .checked_add(src.len())
        .ok_or_else(|| PyOverflowError::new_err("the result does not fit in memory"))?;
    // SAFETY: `buf` is used only in this function, while `bytes` is alive;
    // the body is only written through `copy_into` (raw copies into
    // `MaybeUninit` memory, all of it), the head is zero-filled before it is
    // viewed as `u8`.
    let (bytes, buf) = unsafe { new_uninit(py, len)? };
    let (h, body) = buf.split_at_mut(head);
    head_fill(zeroed(h))?;
    let threads = threads.max(1);
    let ok = py.detach(|| {
        if threads <= 1 || body.len() <= PART {
            copy_into(body, src);
            return true;
        }
        let parts: Vec<_> = body.chunks_mut(PART).zip(src.chunks(PART)).collect();
        crate::par::run(
            parts,
            threads,
            |(d, _)| populate(d.as_ptr().cast(), d.len()),
            |(d, s)| {
                copy_into(d, s);
                Ok::<(), ()>(())
            },
        )
        .is_ok()
    });
    if !ok {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "a copy thread failed",
        ));
    }
    Ok(bytes)
}

/// Copies `src` into `dst` (the same length).
fn copy_into(dst: &mut [MaybeUninit<u8>], src: &[u8]) {
    assert_eq!(dst.len(), src.len(), "copy of unequal lengths");
    // SAFETY: `dst` is valid for `src.len()` bytes of writes (it is that
    // long), `src` for as many reads, and they do not overlap (`dst` is a
    // buffer no one else holds). `MaybeUninit<u8>` has the layout of `u8`.
    unsafe {
        core::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_mut_ptr().cast::<u8>(), src.len())
    }
}

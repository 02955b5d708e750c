//! # framewire
//!
//! Compact binary frames for 2-D arrays (images, masks, depth maps, flow
//! fields), from sensor firmware and servers to the browser.
//!
//! Two wire formats:
//!
//! - [`sac`] — **SAC v1**: a 24-byte little-endian header and two `int16`
//!   arrays, for CDN delivery as `*.sac` files next to an image.
//! - [`vcbn`] — the **VCBN envelope**: magic, version, a JSON header and a
//!   quantized `uint8`/`uint16` blob, streamed over WebSockets to a canvas.
//!   Float data is quantized by [`quant`] bit-exactly as the seed's NumPy code.
//!
//! ## Guarantees
//!
//! - **`no_std`, no allocation.** The core uses neither `std` nor `alloc`.
//!   Encoders write into buffers you give them (sized first by an
//!   `encoded_len` function); decoders return views that borrow your input.
//! - **No `unsafe`.** `#![forbid(unsafe_code)]`; byte casts go through
//!   [`zerocopy`].
//! - **No panics.** Every bad input is a typed [`Error`]; the library denies
//!   `clippy::indexing_slicing`, `unwrap_used`, `expect_used`, `panic` and
//!   `arithmetic_side_effects`.
//! - **Byte-identical output** to the seeds' Python (`build_sac`, and
//!   `pack_envelope(encode_data(...))` with Python's `json.dumps`), so content
//!   hashes and CDN cache keys agree across implementations.
//!
//! ## Example
//!
//! ```
//! use framewire::{sac, vcbn, vcbn::{Dtype, Params}};
//!
//! // A 2x3 depth map, quantized to 16 bits and wrapped in a VCBN envelope.
//! let depth = [0.5f32, 1.0, 1.5, 2.0, 2.5, f32::NAN];
//! let params = Params::new(Dtype::U16, 0.0, 4.0);
//! let mut buf = [0u8; 512];
//! let n = vcbn::encode(depth[..].into(), [2, 3], &params, &mut buf)?;
//! let frame = vcbn::decode(&buf[..n])?;
//! let mut back = [0f32; 6];
//! frame.dequantize_into(&mut back)?;
//! assert!((back[2] - 1.5).abs() <= 4.0 / 4096.0);
//!
//! // Two int16 flow components as a SAC file.
//! let (u, v) = ([1i16, -2, 3, -4, 5, -6], [0i16; 6]);
//! let n = sac::encode(&u, &v, 3, 2, &mut buf)?;
//! let flow = sac::decode(&buf[..n])?;
//! assert_eq!(flow.a_iter().nth(1), Some(-2));
//! # Ok::<(), framewire::Error>(())
//! ```
//!
//! ## Features
//!
//! None are on by default.
//!
//! - `std`: `io::StdIo`, to read frames from a `std::io::Read`, and `f64::sqrt`
//!   for the complex magnitude (see [`quant`]). The error types implement
//!   `core::error::Error` (so `std::error::Error`) with or without it.
//! - `defmt`: `defmt::Format` for every public type (buffers and sample
//!   slices are shown by length, not content).
//! - `embedded-io`: the streaming writers in `io::blocking` over
//!   `embedded_io::Write`, and `io::EmbeddedIo` to read frames from an
//!   `embedded_io::Read`.
//! - `embedded-io-async`: the same writers in `io::asynch` over
//!   `embedded_io_async::Write`.
//! - `cli`: the `framewire` command-line tool.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

#[cfg(feature = "std")]
extern crate std;

pub mod error;
pub mod io;
pub mod json;
pub mod quant;
pub mod sac;
pub mod stream;
pub mod vcbn;

mod decimal;
mod fmtbuf;

pub use error::{Error, Field};

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Copies `src` into `dst` when their lengths are equal (callers ensure they
/// are); never panics, unlike a bare `copy_from_slice`.
#[inline(always)]
pub(crate) fn copy_exact(dst: &mut [u8], src: &[u8]) {
    if dst.len() == src.len() {
        dst.copy_from_slice(src);
    }
}

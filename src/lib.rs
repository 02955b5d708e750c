//! # framewire
//!
//! Compact binary frames for 2-D arrays (images, masks, depth maps, flow
//! fields), from sensor firmware and servers to the browser.
//!
//! Three wire formats, each in its own module, specified byte by byte in
//! [`docs/FORMATS.md`](https://github.com/framewire/framewire/blob/main/docs/FORMATS.md):
//!
//! - [`sac`]: **SAC v1**, a 24-byte little-endian header and two `int16`
//!   arrays, for CDN delivery as `*.sac` files next to an image.
//! - [`vcbn`]: the **VCBN envelope**, magic, version, a JSON header and a
//!   quantized `uint8`/`uint16` blob, streamed over WebSockets to a canvas.
//!   Float data is quantized by [`quant`] bit-exactly as NumPy's reference
//!   code does.
//! - [`imgpack`]: **imgpack's latest layout**, what the imgpack Python
//!   package writes today: no magic, a JSON header, and n-bit levels
//!   (bit-packed or in `uint8/16/32`) or raw `float16/32/64` values.
//!
//! Around them:
//!
//! - [`frame`]: which format a message holds ([`frame::Format::detect`]),
//!   and decoding either ([`frame::decode_any`], [`frame::take_from_bytes`]);
//! - [`stream`]: the push decoder for frames back to back on a byte link, in
//!   chunks of any size;
//! - [`io`]: streaming writers and a frame reader over `embedded-io` and
//!   `std::io` (features);
//! - [`link`]: a link layer for byte links that drop and flip bytes: each
//!   frame with a sequence number and a CRC-32, COBS-delimited;
//! - [`Shape`]: one shape type, height first, for both formats;
//! - [`Error`]: one error type, a variant per cause.
//!
//! ## Guarantees
//!
//! - **`no_std`, no allocation.** The core uses neither `std` nor `alloc`.
//!   Encoders write into buffers you give them (sized first by an
//!   `encoded_len` function); decoders return views that borrow your input.
//!   The `alloc` feature adds `encode_to_vec` conveniences.
//! - **No `unsafe`.** `#![forbid(unsafe_code)]`; byte casts go through
//!   [`zerocopy`].
//! - **No panics.** Every bad input is a typed [`Error`]; the library denies
//!   `clippy::indexing_slicing`, `unwrap_used`, `expect_used`, `panic` and
//!   `arithmetic_side_effects`, and a link-time check on a microcontroller
//!   target proves that the release build contains no panic path.
//!   (Internal invariants are `debug_assert!`ed, so tests see a broken one.)
//! - **Byte-identical output** to the Python reference encoders (NumPy
//!   quantization, `json.dumps` of the header), so content hashes and CDN
//!   cache keys agree across implementations.
//!
//! ## Example
//!
//! ```
//! use framewire::{sac, vcbn, vcbn::{Dtype, Params}, Shape};
//!
//! // A 2x3 depth map, quantized to 16 bits and wrapped in a VCBN envelope.
//! let depth = [0.5f32, 1.0, 1.5, 2.0, 2.5, f32::NAN];
//! let params = Params::new(Dtype::U16, 0.0, 4.0);
//! let mut buf = [0u8; 512];
//! let n = vcbn::encode(depth[..].into(), Shape::new(2, 3), &params, &mut buf)?;
//! let frame = vcbn::decode(&buf[..n])?;
//! let mut back = [0f32; 6];
//! frame.dequantize_into(&mut back)?;
//! assert!((back[2] - 1.5).abs() <= 4.0 / 4096.0);
//!
//! // Two int16 flow components (2 rows of 3) as a SAC file.
//! let (u, v) = ([1i16, -2, 3, -4, 5, -6], [0i16; 6]);
//! let n = sac::encode(&u, &v, Shape::new(2, 3), &mut buf)?;
//! let flow = sac::decode(&buf[..n])?;
//! assert_eq!(flow.a_iter().nth(1), Some(-2));
//! # Ok::<(), framewire::Error>(())
//! ```
//!
//! ## Features
//!
//! None are on by default.
//!
//! - `alloc`: `sac::encode_to_vec`, `vcbn::encode_to_vec` and
//!   `imgpack::encode_to_vec`; with `embedded-io`, `Vec<u8>` is an
//!   `embedded_io::Write`.
//! - `std` (implies `alloc`): `io::StdIo`, to read frames from a
//!   `std::io::Read`, `f64::sqrt` for the complex magnitude (see
//!   [`quant`]), and on x86-64 the AVX2 quantization kernels, picked at run
//!   time when the CPU has AVX2 (without it, x86-64 uses SSE2). The error
//!   types implement `core::error::Error` (so `std::error::Error`) with or
//!   without it.
//! - `avx512` (implies `std`): AVX-512 kernels in that run-time choice.
//!   Needs Rust 1.89 (stable AVX-512 intrinsics), above the crate's MSRV.
//! - `defmt`: `defmt::Format` for every public type (buffers and sample
//!   slices are shown by length, not content).
//! - `embedded-io`: the streaming writers in `io::blocking` over
//!   `embedded_io::Write`, and `io::EmbeddedIo` to read frames from an
//!   `embedded_io::Read`.
//! - `embedded-io-async`: the same writers in `io::asynch` over
//!   `embedded_io_async::Write`.
//! - `cli`: the `framewire` command-line tool.
//! - `unstable-json`: makes the internal JSON reader and writers public as
//!   `framewire::json`, for the CLI and the fuzzers. Not covered by semver.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
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

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod error;
pub mod frame;
pub mod imgpack;
pub mod io;
pub mod link;
pub mod quant;
pub mod sac;
mod shape;
pub mod stream;
pub mod vcbn;

#[cfg(feature = "unstable-json")]
pub mod json;
#[cfg(not(feature = "unstable-json"))]
#[allow(dead_code, unused_imports, unreachable_pub)]
mod json;

mod decimal;
mod fmtbuf;
mod layout;

pub use error::{Error, Field};
pub use frame::{decode_any, AnyFrame, Format};
pub use shape::Shape;

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Copies `src` into `dst`, whose lengths the caller has made equal. A
/// mismatch is a bug: it fails a `debug_assert!` in tests, and in release
/// builds copies nothing rather than panic (the no-panic link proof).
#[inline(always)]
pub(crate) fn copy_exact(dst: &mut [u8], src: &[u8]) {
    debug_assert_eq!(dst.len(), src.len(), "copy_exact: lengths differ");
    if dst.len() == src.len() {
        dst.copy_from_slice(src);
    }
}

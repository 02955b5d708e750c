//! SAC v1: a 24-byte little-endian header, then two `int16` arrays, for
//! CDN delivery as `*.sac` files next to an image. Every byte and rule is in
//! [`docs/FORMATS.md`](https://github.com/framewire/framewire/blob/main/docs/FORMATS.md#2-sac-v1).
//!
//! ```text
//! off size field
//!  0   4   magic "SAC1"
//!  4   1   flags          (kept and exposed, not checked)
//!  5   1   dtype_code     must be 1 (int16)
//!  6   1   arrays_count   must be 2
//!  7   1   reserved       (kept and exposed, not checked)
//!  8   4   length_a       elements of A
//! 12   4   length_b       elements of B
//! 16   4   width          0 = unknown
//! 20   4   height         0 = unknown; if width*height != 0 both lengths equal it
//! 24       payload A (int16 LE), then payload B (int16 LE)
//! ```
//!
//! The module is split by job:
//!
//! - `header`: the [`Header`] as a zerocopy struct over the wire bytes;
//! - `decode`: [`decode`], [`take_from_bytes`] and the zero-copy [`Frame`]:
//!   the payloads as `&[I16<LE>]` slices over the input, with native `i16`
//!   iteration and copy-out;
//! - `encode`: [`encode`] into a caller's buffer sized with [`encoded_len`],
//!   and the sans-I/O streaming [`Encoder`]. The bytes are identical to the
//!   Python reference encoder's (shown in `docs/FORMATS.md`).
//!
//! Shapes are [`Shape`](crate::Shape)s, height first like everywhere in
//! framewire; the header's `width` and `height` fields hold them.
//!
//! ```
//! use framewire::{sac, Shape};
//!
//! let a = [0i16, 1, -1, 2, -2, 3];
//! let b = [5i16, -5, 4, -4, 0, 1];
//! let mut buf = [0u8; 48];
//! let n = sac::encode(&a, &b, Shape::new(2, 3), &mut buf)?; // 2 rows of 3
//! assert_eq!(n, sac::encoded_len(a.len(), b.len())?);
//!
//! let frame = sac::decode(&buf[..n])?;
//! assert_eq!(frame.shape(), Shape::new(2, 3));
//! assert_eq!((frame.width(), frame.height()), (3, 2));
//! assert!(frame.a_iter().eq(a.iter().copied()));
//! let mut out = [0i16; 6];
//! frame.copy_b_to(&mut out)?;
//! assert_eq!(out, b);
//! # Ok::<(), framewire::Error>(())
//! ```

mod decode;
mod encode;
mod header;

pub use decode::{decode, take_from_bytes, Frame};
#[cfg(feature = "alloc")]
pub use encode::encode_to_vec;
pub use encode::{encode, encoded_len, Encoder};
pub use header::Header;

/// The magic, `"SAC1"`.
pub const MAGIC: [u8; 4] = *b"SAC1";
/// Size of the header in bytes.
pub const HEADER_LEN: usize = 24;
/// `dtype_code` for `int16`, the only one v1 knows.
pub const DTYPE_INT16: u8 = 1;
/// `arrays_count` in v1.
pub const ARRAYS_COUNT: u8 = 2;

const EXPECTED_MAGIC: &str = "\"SAC1\"";

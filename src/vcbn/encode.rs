//! Encoding: [`Params`], the one-shot [`encode`] and [`encode_levels`], and
//! the sans-I/O streaming [`Encoder`].
//!
//! Every encoder writes the same canonical header: compact JSON with the keys
//! in a fixed order, floats formatted as Python's `json.dumps` formats them,
//! so the bytes equal those of a Python server that builds the same header
//! dict (see `docs/FORMATS.md`).

use core::fmt::{self, Write};

use zerocopy::byteorder::little_endian::U16 as U16Le;
use zerocopy::{FromBytes, IntoBytes};

use crate::copy_exact;
use crate::error::{Error, Field};
use crate::fmtbuf::SliceWriter;
use crate::json;
use crate::layout::{self, Countdown};
use crate::quant::{Quantizer, Samples};
use crate::Shape;

use super::{blob_len_of, check_frame_len, pad_len, Blob, Dtype, MAGIC, PREFIX_LEN, VERSION};

/// What the encoder needs besides the samples and the shape: the level type
/// and the range that maps to levels `0..=resolution`.
///
/// ```
/// use framewire::vcbn::{Dtype, Params};
///
/// let p = Params::new(Dtype::U8, -1.0, 1.0);
/// assert_eq!((p.dtype(), p.vmin(), p.vmax()), (Dtype::U8, -1.0, 1.0));
/// assert_eq!(p.with_range(0.0, 2.0).vmax(), 2.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Params {
    dtype: Dtype,
    vmin: f64,
    vmax: f64,
}

impl Params {
    /// Parameters for `dtype` and the range `vmin..vmax`. (`vmin >= vmax` is
    /// allowed: every level is then 0, as NumPy's reference code gives.)
    /// Non-finite values are refused by the encoders
    /// ([`Error::NonFiniteRange`]): JSON cannot carry them.
    pub const fn new(dtype: Dtype, vmin: f64, vmax: f64) -> Params {
        Params { dtype, vmin, vmax }
    }

    /// The same parameters with another level type.
    #[must_use]
    pub const fn with_dtype(mut self, dtype: Dtype) -> Params {
        self.dtype = dtype;
        self
    }

    /// The same parameters with another range.
    #[must_use]
    pub const fn with_range(mut self, vmin: f64, vmax: f64) -> Params {
        self.vmin = vmin;
        self.vmax = vmax;
        self
    }

    /// The level type.
    pub const fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// The lower end of the range.
    pub const fn vmin(&self) -> f64 {
        self.vmin
    }

    /// The upper end of the range.
    pub const fn vmax(&self) -> f64 {
        self.vmax
    }

    fn check(&self) -> Result<(), Error> {
        if !self.vmin.is_finite() {
            return Err(Error::NonFiniteRange { field: Field::Vmin });
        }
        if !self.vmax.is_finite() {
            return Err(Error::NonFiniteRange { field: Field::Vmax });
        }
        Ok(())
    }

    /// The quantizer for these parameters.
    pub fn quantizer(&self) -> Quantizer {
        Quantizer::new(self.vmin, self.vmax, self.dtype.resolution())
    }
}

/// Writes the canonical header JSON, exactly as Python's
/// `json.dumps(header, separators=(",", ":"))` writes the same header dict.
///
/// Through `dyn Write`: the length count and the writing share one copy of
/// this function and of `json::write_f64` (about 900 bytes of flash less on
/// a Cortex-M than one copy per writer type; the bytes written are the same).
fn write_json(w: &mut dyn Write, shape: Shape, params: &Params, blob_len: u64) -> fmt::Result {
    // Plain `write_str` calls and framewire's own number writers: no
    // `core::fmt` formatting (its bounds checks are panic paths).
    w.write_str("{\"fmt\":\"vcbin\",\"version\":1,\"dtype\":\"")?;
    w.write_str(params.dtype.name())?;
    w.write_str("\",\"endianness\":\"LE\",\"shape\":[")?;
    json::write_u64(w, shape.height(), 1)?;
    w.write_str(",")?;
    json::write_u64(w, shape.width(), 1)?;
    w.write_str("],\"order\":\"C\",\"size\":")?;
    // BLOB size in MiB: Python's len / 1048576. Dividing by a power of two is
    // exact, so rounding blob_len to f64 first gives Python's correctly
    // rounded true division.
    json::write_f64(w, blob_len as f64 / 1_048_576.0)?;
    w.write_str(",\"resolution\":")?;
    json::write_u64(w, u64::from(params.dtype.resolution()), 1)?;
    w.write_str(",\"vmin\":")?;
    json::write_f64(w, params.vmin)?;
    w.write_str(",\"vmax\":")?;
    json::write_f64(w, params.vmax)?;
    w.write_str("}")
}

/// The sizes of one frame's encoding: the prefix, the JSON (counted once),
/// the pad and the blob.
type Layout = layout::Layout<PREFIX_LEN>;

/// Checks the parameters and counts the JSON: the layout of one frame.
fn layout_of(shape: Shape, params: &Params) -> Result<Layout, Error> {
    params.check()?;
    let blob_len = blob_len_of(shape, params.dtype)?;
    let json_len = layout::json_len_of(|c| write_json(c, shape, params, blob_len))?;
    layout_with(json_len, blob_len)
}

/// The layout for `json_len` bytes of JSON, checked by the decoder's rule.
fn layout_with(json_len: usize, blob_len: u64) -> Result<Layout, Error> {
    check_frame_len(blob_len, json_len)?;
    Layout::new(json_len, blob_len, pad_len)
}

/// The 9 bytes before the JSON: magic, version and `HEADER_LEN`.
fn prefix_bytes(json_len: u32) -> [u8; PREFIX_LEN] {
    let [m0, m1, m2, m3] = MAGIC;
    let [l0, l1, l2, l3] = json_len.to_be_bytes();
    [m0, m1, m2, m3, VERSION, l0, l1, l2, l3]
}

/// The exact envelope size for a frame of `shape` with these parameters.
pub fn encoded_len(shape: Shape, params: &Params) -> Result<usize, Error> {
    layout_of(shape, params)?.frame_len()
}

/// Writes magic, version, `HEADER_LEN`, the JSON (formatted straight into
/// `out`, once) and the pad; returns the layout. `out` must hold the whole
/// frame: [`Error::BufferTooSmall`] says how large it must be.
fn write_frame_header(shape: Shape, params: &Params, out: &mut [u8]) -> Result<Layout, Error> {
    params.check()?;
    let blob_len = blob_len_of(shape, params.dtype)?;
    let out_len = out.len();
    let available = out_len as u64;
    let too_small = || match encoded_len(shape, params) {
        Ok(needed) => Error::BufferTooSmall {
            needed: needed as u64,
            available,
        },
        Err(e) => e,
    };
    let (prefix, rest) = out.split_at_mut_checked(PREFIX_LEN).ok_or_else(too_small)?;
    let mut w = SliceWriter::new(rest);
    write_json(&mut w, shape, params, blob_len).map_err(|_| too_small())?;
    let layout = layout_with(w.len(), blob_len)?;
    if layout.frame_len()? > out_len {
        return Err(too_small());
    }
    copy_exact(prefix, &prefix_bytes(layout.json_len()));
    if pad_len(layout.json_len()) != 0 {
        if let Some(pad) = out.get_mut(layout.blob_offset().saturating_sub(1)) {
            *pad = 0;
        }
    }
    Ok(layout)
}

/// Writes the header and returns exactly the blob's bytes of `out` and the
/// frame's length.
fn header_then_blob<'o>(
    shape: Shape,
    params: &Params,
    out: &'o mut [u8],
) -> Result<(&'o mut [u8], usize), Error> {
    let layout = write_frame_header(shape, params, out)?;
    let total = layout.frame_len()?;
    let blob = out
        .get_mut(layout.blob_offset()..total)
        .ok_or(Error::BufferTooSmall {
            needed: total as u64,
            available: 0,
        })?;
    Ok((blob, total))
}

fn check_samples(n: usize, shape: Shape) -> Result<(), Error> {
    let want = shape.elements().ok_or(Error::SizeOverflow {
        field: Field::Shape,
    })?;
    if n as u64 != want {
        return Err(Error::LengthMismatch {
            field: Field::Samples,
            expected: want,
            actual: n as u64,
        });
    }
    Ok(())
}

/// Quantizes `samples` into a blob of `params.dtype()` levels (the blob holds
/// exactly as many levels as there are samples).
fn quantize_blob(
    samples: &Samples<'_>,
    params: &Params,
    q: &Quantizer,
    blob: &mut [u8],
) -> Result<(), Error> {
    match params.dtype {
        Dtype::U8 => q.quantize(*samples, blob),
        Dtype::U16 => {
            let levels = <[U16Le]>::mut_from_bytes(blob)
                .map_err(|_| Error::SizeOverflow { field: Field::Blob })?;
            q.quantize(*samples, levels)
        }
    }
}

/// Quantizes `samples` (exactly `H*W` of them, C order) and writes the whole
/// envelope into `out`; returns its length ([`encoded_len`]).
///
/// Byte-identical to NumPy's reference encoder (`docs/FORMATS.md`) for the
/// same values. Errors: [`Error::NonFiniteRange`], [`Error::LengthMismatch`]
/// (sample count vs shape, or a complex slice of odd length),
/// [`Error::BufferTooSmall`], [`Error::SizeOverflow`]. On error the contents
/// of `out` are unspecified.
pub fn encode(
    samples: Samples<'_>,
    shape: Shape,
    params: &Params,
    out: &mut [u8],
) -> Result<usize, Error> {
    params.check()?;
    samples.check_complex()?;
    check_samples(samples.len(), shape)?;
    let (blob, total) = header_then_blob(shape, params, out)?;
    quantize_blob(&samples, params, &params.quantizer(), blob)?;
    Ok(total)
}

/// [`encode`] into a new `Vec` of exactly [`encoded_len`] bytes (feature
/// `alloc`).
#[cfg(feature = "alloc")]
pub fn encode_to_vec(
    samples: Samples<'_>,
    shape: Shape,
    params: &Params,
) -> Result<alloc::vec::Vec<u8>, Error> {
    let mut out = alloc::vec![0u8; encoded_len(shape, params)?];
    let n = encode(samples, shape, params, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Levels that are already quantized, for [`encode_levels`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Levels<'a> {
    /// `uint8` levels.
    U8(&'a [u8]),
    /// Native `uint16` levels.
    U16(&'a [u16]),
    /// A decoded blob (any byte order); written little-endian.
    Blob(Blob<'a>),
}

/// Shows the kind and the number of levels, not the levels.
#[cfg(feature = "defmt")]
impl defmt::Format for Levels<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Levels::U8(s) => defmt::write!(f, "Levels::U8({=usize} levels)", s.len()),
            Levels::U16(s) => defmt::write!(f, "Levels::U16({=usize} levels)", s.len()),
            Levels::Blob(b) => defmt::write!(f, "Levels::Blob({})", b),
        }
    }
}

impl Levels<'_> {
    /// Number of levels.
    pub fn len(&self) -> usize {
        match self {
            Levels::U8(s) => s.len(),
            Levels::U16(s) => s.len(),
            Levels::Blob(b) => b.len(),
        }
    }

    /// Whether there are no levels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The level type.
    pub fn dtype(&self) -> Dtype {
        match self {
            Levels::U8(_) => Dtype::U8,
            Levels::U16(_) => Dtype::U16,
            Levels::Blob(b) => b.dtype(),
        }
    }
}

/// Writes an envelope around levels that are already quantized (written as
/// given, little-endian). The dtype comes from `levels`.
pub fn encode_levels(
    levels: Levels<'_>,
    shape: Shape,
    vmin: f64,
    vmax: f64,
    out: &mut [u8],
) -> Result<usize, Error> {
    let params = Params::new(levels.dtype(), vmin, vmax);
    params.check()?;
    check_samples(levels.len(), shape)?;
    let (blob, total) = header_then_blob(shape, &params, out)?;
    match levels {
        Levels::U8(s) => copy_exact(blob, s),
        Levels::U16(s) => write_u16_le(s.iter().copied(), blob),
        Levels::Blob(Blob::U8(s)) => copy_exact(blob, s),
        Levels::Blob(Blob::U16Le(s)) => copy_exact(blob, s.as_bytes()),
        Levels::Blob(Blob::U16Be(s)) => write_u16_le(s.iter().map(|v| v.get()), blob),
    }
    Ok(total)
}

/// Writes native `u16` levels as little-endian bytes into `blob` (exactly
/// two bytes per level; the callers checked the lengths). Viewing `blob` as
/// `[U16Le]` makes this a plain element copy (a byte swap on big-endian
/// targets), which the compiler turns into `memcpy`-speed code.
fn write_u16_le(levels: impl ExactSizeIterator<Item = u16>, blob: &mut [u8]) {
    let out = <[U16Le]>::mut_from_bytes(blob);
    debug_assert!(
        matches!(&out, Ok(o) if o.len() == levels.len()),
        "write_u16_le: {} levels for a blob of {} bytes",
        levels.len(),
        out.as_ref().map_or(0, |o| o.len().saturating_mul(2)),
    );
    if let Ok(out) = out {
        for (d, v) in out.iter_mut().zip(levels) {
            *d = U16Le::new(v);
        }
    }
}

/// Streams one VCBN frame: the canonical header, then the blob, quantizing
/// float samples piece by piece into buffers you provide, so a frame larger
/// than RAM can be sent as a sensor produces it. Sans-I/O: the
/// `embedded-io` and `embedded-io-async` features wrap it around a writer
/// ([`crate::io`]). Byte-identical to [`encode`].
///
/// ```
/// use framewire::{quant::Samples, vcbn::{self, Dtype, Encoder, Params}, Shape};
///
/// let row = [0.0f32, 0.5, 1.0, f32::NAN];
/// let params = Params::new(Dtype::U16, 0.0, 1.0);
/// let mut enc = Encoder::new(Shape::new(3, 4), params)?;
/// let mut wire = vec![0u8; enc.blob_offset()];
/// enc.write_header(&mut wire)?;
/// let mut piece = [0u8; 64];
/// for _ in 0..3 {
///     // One row at a time, as a sensor would produce them.
///     let (used, written) = enc.encode(Samples::F32(&row), &mut piece)?;
///     assert_eq!(used, 4);
///     wire.extend_from_slice(&piece[..written]);
/// }
/// enc.finish()?;
/// let frame = vcbn::decode(&wire)?;
/// assert_eq!(frame.blob().iter().take(4).collect::<Vec<_>>(), [0, 2048, 4096, 0]);
/// # Ok::<(), framewire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Encoder {
    shape: Shape,
    params: Params,
    layout: Layout,
    quantizer: Quantizer,
    count: Countdown,
}

impl Encoder {
    /// Starts a frame of `shape` (checks the parameters and sizes).
    pub fn new(shape: Shape, params: Params) -> Result<Self, Error> {
        let layout = layout_of(shape, &params)?;
        Ok(Encoder {
            shape,
            params,
            layout,
            quantizer: params.quantizer(),
            count: Countdown::new(shape)?,
        })
    }

    /// Bytes of header JSON (the `HEADER_LEN` field).
    pub fn json_len(&self) -> u32 {
        self.layout.json_len()
    }

    /// Bytes before the blob (prefix, JSON, pad): what
    /// [`Encoder::write_header`] writes; at most
    /// [`super::MAX_CANONICAL_BLOB_OFFSET`].
    pub fn blob_offset(&self) -> usize {
        self.layout.blob_offset()
    }

    /// The whole frame's length in bytes.
    pub fn frame_len(&self) -> u64 {
        self.layout.frame_len_u64()
    }

    /// Writes the header (exactly [`Encoder::blob_offset`] bytes) at the
    /// start of `out`; returns its length.
    pub fn write_header(&self, out: &mut [u8]) -> Result<usize, Error> {
        let prefix = prefix_bytes(self.layout.json_len());
        self.layout.write_header(out, &prefix, |w| {
            write_json(w, self.shape, &self.params, self.layout.blob_len())
        })
    }

    /// Samples still expected.
    pub fn remaining(&self) -> u64 {
        self.count.left()
    }

    /// Quantizes the next samples (C order) into `out`, as many as fit.
    /// Returns `(samples used, bytes written)`.
    ///
    /// Errors: more samples than the frame has left, or a complex slice of
    /// odd length ([`Error::LengthMismatch`], as [`encode`] says); an `out`
    /// too small for one level while samples are left
    /// ([`Error::BufferTooSmall`], so a caller's loop cannot spin).
    pub fn encode(
        &mut self,
        samples: Samples<'_>,
        out: &mut [u8],
    ) -> Result<(usize, usize), Error> {
        samples.check_complex()?;
        self.count.check(samples.len())?;
        let size = self.params.dtype.size() as usize;
        if !samples.is_empty() && out.len() < size {
            return Err(Error::BufferTooSmall {
                needed: size as u64,
                available: out.len() as u64,
            });
        }
        let n = samples.len().min(out.len().checked_div(size).unwrap_or(0));
        let part = samples.sub(0, n).ok_or(Error::LengthMismatch {
            field: Field::Samples,
            expected: n as u64,
            actual: samples.len() as u64,
        })?;
        let bytes = n.saturating_mul(size);
        let available = out.len() as u64;
        let dst = out.get_mut(..bytes).ok_or(Error::BufferTooSmall {
            needed: bytes as u64,
            available,
        })?;
        quantize_blob(&part, &self.params, &self.quantizer, dst)?;
        self.count.take(n);
        Ok((n, bytes))
    }

    /// Checks that every sample was given.
    pub fn finish(&self) -> Result<(), Error> {
        self.count.finish()
    }
}

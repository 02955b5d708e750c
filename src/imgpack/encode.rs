//! Encoding: [`Params`], [`Input`], the one-shot [`encode`] and the sans-I/O
//! streaming [`Encoder`].
//!
//! Both write imgpack's header exactly as its Python writes it
//! (`json.dumps(header, separators=(",", ":"))` of the same dict, floats in
//! Python's `repr`), the pad, and the blob: levels quantized as NumPy does
//! (`docs/FORMATS.md` §8.4), raw floats converted as NumPy's `astype` does.

use core::fmt::{self, Write};

use zerocopy::byteorder::little_endian::U16 as U16Le;
use zerocopy::FromBytes;

use crate::error::{Error, Field};
use crate::json;
use crate::layout::{self, Countdown};
use crate::quant::{self, Quantizer, Samples};
use crate::Shape;

use super::pack::{put, write_word, BitPacker};

use super::{blob_len_of, pad_len, Dtype, Endianness, DEFAULT_BITS, PREFIX_LEN};

/// The largest [`Encoder::blob_offset`] (length field, JSON and pad) the
/// encoder can write, whatever the shape, range and dtype: a stack buffer
/// of this size always holds the header.
pub const MAX_BLOB_OFFSET: usize = 256;

/// Real samples for the encoder: `f32` or `f64`, C order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Input<'a> {
    /// `float32` samples.
    F32(&'a [f32]),
    /// `float64` samples (quantized after rounding to f32, as NumPy's
    /// `asarray(data, dtype=np.float32)`; the float dtypes convert from
    /// f64 directly, as NumPy's `astype`).
    F64(&'a [f64]),
}

#[cfg(feature = "defmt")]
impl defmt::Format for Input<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Input::F32(s) => defmt::write!(f, "Input::F32({=usize} samples)", s.len()),
            Input::F64(s) => defmt::write!(f, "Input::F64({=usize} samples)", s.len()),
        }
    }
}

impl<'a> From<&'a [f32]> for Input<'a> {
    fn from(s: &'a [f32]) -> Self {
        Input::F32(s)
    }
}

impl<'a> From<&'a [f64]> for Input<'a> {
    fn from(s: &'a [f64]) -> Self {
        Input::F64(s)
    }
}

impl<'a> Input<'a> {
    /// Number of samples.
    pub fn len(&self) -> usize {
        match self {
            Input::F32(s) => s.len(),
            Input::F64(s) => s.len(),
        }
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Samples `start..end`, or `None` out of range.
    pub fn sub(&self, start: usize, end: usize) -> Option<Input<'a>> {
        match self {
            Input::F32(s) => s.get(start..end).map(Input::F32),
            Input::F64(s) => s.get(start..end).map(Input::F64),
        }
    }

    /// imgpack's default range, `float(np.nanmin(data))` and
    /// `float(np.nanmax(data))`: NaN ignored, infinities counted, `(NaN,
    /// NaN)` when every sample is NaN.
    pub fn nan_range(&self) -> (f64, f64) {
        match self {
            Input::F32(s) => quant::nan_min_max(s)
                .map_or((f64::NAN, f64::NAN), |(a, b)| (f64::from(a), f64::from(b))),
            Input::F64(s) => quant::nan_min_max_f64(s).unwrap_or((f64::NAN, f64::NAN)),
        }
    }

    fn samples(&self) -> Samples<'a> {
        match *self {
            Input::F32(s) => Samples::F32(s),
            Input::F64(s) => Samples::F64(s),
        }
    }

    /// Sample `i` as f32 (f64 rounded), for the quantizer.
    fn f32_iter(&self) -> impl Iterator<Item = f32> + 'a {
        let (a, b) = match *self {
            Input::F32(s) => (s, &[][..]),
            Input::F64(s) => (&[][..], s),
        };
        a.iter().copied().chain(b.iter().map(|&x| x as f32))
    }
}

/// What the encoder needs besides the samples and the shape: imgpack's
/// `dtype`, `bits`, `endianness`, `vmin` and `vmax`.
///
/// ```
/// use framewire::imgpack::{Dtype, Endianness, Params};
///
/// let p = Params::new(Dtype::U16, 0.0, 1.0);
/// assert_eq!((p.bits(), p.endianness()), (12, Endianness::Little)); // imgpack's defaults
/// let p = p.with_bits(16).with_endianness(Endianness::Big);
/// assert_eq!((p.dtype(), p.bits()), (Dtype::U16, 16));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Params {
    dtype: Dtype,
    bits: u32,
    endianness: Endianness,
    vmin: f64,
    vmax: f64,
}

impl Params {
    /// `dtype` and the range, with imgpack's defaults `bits = 12` and
    /// `endianness = "LE"`. Any range is written (non-finite ones as
    /// Python's `NaN`/`Infinity`); when `vmax - vmin` is not finite and
    /// positive every level is 0, as in NumPy.
    pub const fn new(dtype: Dtype, vmin: f64, vmax: f64) -> Params {
        Params {
            dtype,
            bits: DEFAULT_BITS,
            endianness: Endianness::Little,
            vmin,
            vmax,
        }
    }

    /// The same with another `bits` (checked by the encoders:
    /// [`Error::BitsOutOfRange`]; ignored for the float dtypes).
    #[must_use]
    pub const fn with_bits(mut self, bits: u32) -> Params {
        self.bits = bits;
        self
    }

    /// The same with another byte order. Written in the header for every
    /// dtype but `packed` (whose `endianness` is `null`); it changes the
    /// bytes for `uint16`, `uint32` and the floats.
    #[must_use]
    pub const fn with_endianness(mut self, e: Endianness) -> Params {
        self.endianness = e;
        self
    }

    /// The same with another range.
    #[must_use]
    pub const fn with_range(mut self, vmin: f64, vmax: f64) -> Params {
        self.vmin = vmin;
        self.vmax = vmax;
        self
    }

    /// The dtype.
    pub const fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// `bits`.
    pub const fn bits(&self) -> u32 {
        self.bits
    }

    /// The byte order.
    pub const fn endianness(&self) -> Endianness {
        self.endianness
    }

    /// `vmin`.
    pub const fn vmin(&self) -> f64 {
        self.vmin
    }

    /// `vmax`.
    pub const fn vmax(&self) -> f64 {
        self.vmax
    }

    fn check(&self) -> Result<(), Error> {
        match self.dtype.max_bits() {
            Some(max) if self.bits == 0 || self.bits > max => Err(Error::BitsOutOfRange {
                bits: self.bits,
                max,
            }),
            _ => Ok(()),
        }
    }

    /// `bits` as it affects the blob: 0 for the float dtypes.
    fn blob_bits(&self) -> u32 {
        if self.dtype.is_float() {
            0
        } else {
            self.bits
        }
    }

    /// The quantizer for `2**bits - 1` levels (unused for the floats).
    fn quantizer(&self) -> Quantizer {
        let top = 1u64
            .checked_shl(self.blob_bits())
            .map_or(0, |l| l.wrapping_sub(1));
        Quantizer::new(self.vmin, self.vmax, u32::try_from(top).unwrap_or(u32::MAX))
    }
}

/// Writes the header JSON exactly as imgpack's
/// `json.dumps(header, separators=(",", ":"), ensure_ascii=False)` does.
fn write_json<W: Write>(w: &mut W, shape: Shape, p: &Params, blob_len: u64) -> fmt::Result {
    // Plain `write_str` and framewire's number writers: no `core::fmt`
    // formatting, whose bounds checks are panic paths.
    w.write_str("{\"format\":\"imgpack\",\"version\":1,\"dtype\":")?;
    json::write_str(w, p.dtype.name())?;
    w.write_str(",\"endianness\":")?;
    if p.dtype == Dtype::Packed {
        w.write_str("null")?;
    } else {
        json::write_str(w, p.endianness.name())?;
    }
    w.write_str(",\"shape\":[")?;
    json::write_u64(w, shape.height(), 1)?;
    w.write_char(',')?;
    json::write_u64(w, shape.width(), 1)?;
    w.write_str("],\"order\":\"C\",\"size\":")?;
    // len(blob) / 1048576.0: dividing by a power of two is exact, so
    // rounding blob_len to f64 first gives Python's correctly rounded result.
    json::write_f64(w, blob_len as f64 / 1_048_576.0)?;
    if p.dtype.is_float() {
        w.write_str(",\"bits\":null,\"resolution\":null")?;
    } else {
        w.write_str(",\"bits\":")?;
        json::write_u64(w, u64::from(p.bits), 1)?;
        w.write_str(",\"resolution\":")?;
        json::write_u64(w, 1u64.checked_shl(p.bits).unwrap_or(0), 1)?;
    }
    w.write_str(",\"vmin\":")?;
    json::write_f64(w, p.vmin)?;
    w.write_str(",\"vmax\":")?;
    json::write_f64(w, p.vmax)?;
    w.write_char('}')
}

/// The sizes of one message: the length field, the JSON, the pad and the
/// blob.
type Layout = layout::Layout<PREFIX_LEN>;

/// Checks the parameters and counts the JSON: the layout of one message.
fn layout_of(shape: Shape, p: &Params) -> Result<Layout, Error> {
    p.check()?;
    let blob_len = blob_len_of(shape, p.dtype, p.blob_bits())?;
    let json_len = layout::json_len_of(|c| write_json(c, shape, p, blob_len))?;
    Layout::new(json_len, blob_len, |j| pad_len(j, p.dtype))
}

/// The exact message size for `shape` with these parameters.
pub fn encoded_len(shape: Shape, params: &Params) -> Result<usize, Error> {
    layout_of(shape, params)?.frame_len()
}

/// Quantizes or converts `input` (exactly `H*W` samples, C order) and
/// writes the whole message into `out`; returns its length
/// ([`encoded_len`]). Byte-identical to imgpack's
/// `encode(data, vmin, vmax, dtype=..., bits=..., endianness=...)`.
///
/// Errors: [`Error::BitsOutOfRange`], [`Error::LengthMismatch`] (samples vs
/// shape), [`Error::BufferTooSmall`], [`Error::SizeOverflow`]. On error the
/// contents of `out` are unspecified.
pub fn encode(
    input: Input<'_>,
    shape: Shape,
    params: &Params,
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut enc = Encoder::new(shape, *params)?;
    let total = enc.layout.frame_len()?;
    let available = out.len() as u64;
    let out = out.get_mut(..total).ok_or(Error::BufferTooSmall {
        needed: total as u64,
        available,
    })?;
    let head = enc.write_header(out)?;
    let rest = out.get_mut(head..).unwrap_or_default();
    let (used, written) = enc.encode(input, rest)?;
    if used != input.len() {
        return Err(Error::LengthMismatch {
            field: Field::Samples,
            expected: enc.count.total(),
            actual: input.len() as u64,
        });
    }
    let tail = rest.get_mut(written..).unwrap_or_default();
    enc.finish(tail)?;
    Ok(total)
}

/// [`encode`] into a new `Vec` of exactly [`encoded_len`] bytes (feature
/// `alloc`).
#[cfg(feature = "alloc")]
pub fn encode_to_vec(
    input: Input<'_>,
    shape: Shape,
    params: &Params,
) -> Result<alloc::vec::Vec<u8>, Error> {
    let mut out = alloc::vec![0u8; encoded_len(shape, params)?];
    let n = encode(input, shape, params, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Streams one imgpack message: the header, then the blob, piece by piece
/// into buffers you provide (for `packed`, the bit stream is carried across
/// pieces, so no frame buffer is needed). Sans-I/O. Byte-identical to
/// [`encode`].
///
/// ```
/// use framewire::{imgpack::{self, Dtype, Encoder, Params}, Shape};
///
/// let row = [0.0f32, 0.5, 1.0];
/// let params = Params::new(Dtype::Packed, 0.0, 1.0).with_bits(5);
/// let mut enc = Encoder::new(Shape::new(3, 3), params)?;
/// let mut wire = vec![0u8; enc.blob_offset()];
/// enc.write_header(&mut wire)?;
/// let mut piece = [0u8; 8];
/// for _ in 0..3 {
///     let (used, written) = enc.encode(row[..].into(), &mut piece)?;
///     assert_eq!(used, 3);
///     wire.extend_from_slice(&piece[..written]);
/// }
/// let n = enc.finish(&mut piece)?; // the last partial byte
/// wire.extend_from_slice(&piece[..n]);
/// let frame = imgpack::decode(&wire)?;
/// assert_eq!(frame.data().levels()?.take(3).collect::<Vec<_>>(), [0, 15, 31]);
/// # Ok::<(), framewire::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Encoder {
    shape: Shape,
    params: Params,
    layout: Layout,
    quantizer: Quantizer,
    /// The `packed` bit stream's bits not yet written.
    packer: BitPacker,
    count: Countdown,
}

impl Encoder {
    /// Starts a message of `shape` (checks the parameters and sizes).
    pub fn new(shape: Shape, params: Params) -> Result<Encoder, Error> {
        let layout = layout_of(shape, &params)?;
        Ok(Encoder {
            shape,
            params,
            layout,
            quantizer: params.quantizer(),
            packer: BitPacker::new(params.bits),
            count: Countdown::new(shape)?,
        })
    }

    /// Bytes of header JSON (the `HEADER_LEN` field).
    pub fn json_len(&self) -> u32 {
        self.layout.json_len()
    }

    /// Bytes before the blob (length, JSON, pad): what
    /// [`Encoder::write_header`] writes; at most [`MAX_BLOB_OFFSET`].
    pub fn blob_offset(&self) -> usize {
        self.layout.blob_offset()
    }

    /// The whole message's length in bytes.
    pub fn frame_len(&self) -> u64 {
        self.layout.frame_len_u64()
    }

    /// Writes the header (exactly [`Encoder::blob_offset`] bytes) at the
    /// start of `out`; returns its length.
    pub fn write_header(&self, out: &mut [u8]) -> Result<usize, Error> {
        let prefix = self.layout.json_len().to_be_bytes();
        self.layout.write_header(out, &prefix, |w| {
            write_json(w, self.shape, &self.params, self.layout.blob_len())
        })
    }

    /// Samples still expected.
    pub fn remaining(&self) -> u64 {
        self.count.left()
    }

    /// Encodes the next samples (C order) into `out`, as many as fit.
    /// Returns `(samples used, bytes written)`. For `packed`, the bits of a
    /// last partial byte are held until more samples come or
    /// [`Encoder::finish`].
    ///
    /// Errors: more samples than the message has left
    /// ([`Error::LengthMismatch`]); an `out` too small for one sample while
    /// samples are left ([`Error::BufferTooSmall`], so a caller's loop
    /// cannot spin).
    pub fn encode(&mut self, input: Input<'_>, out: &mut [u8]) -> Result<(usize, usize), Error> {
        self.count.check(input.len())?;
        let bits = u64::from(self.params.bits);
        let fit = if self.params.dtype == Dtype::Packed {
            // floor((acc_bits + n*bits) / 8) <= out.len()
            (out.len() as u64)
                .saturating_mul(8)
                .saturating_add(7)
                .saturating_sub(u64::from(self.packer.acc_bits))
                .checked_div(bits)
                .unwrap_or(0)
        } else {
            (out.len() as u64)
                .checked_div(self.params.dtype.elem_size())
                .unwrap_or(0)
        };
        let n = usize::try_from(fit).unwrap_or(usize::MAX).min(input.len());
        if n == 0 && !input.is_empty() {
            let needed = if self.params.dtype == Dtype::Packed {
                (u64::from(self.packer.acc_bits).saturating_add(bits)) / 8
            } else {
                self.params.dtype.elem_size()
            };
            return Err(Error::BufferTooSmall {
                needed,
                available: out.len() as u64,
            });
        }
        let part = input.sub(0, n).ok_or(Error::LengthMismatch {
            field: Field::Samples,
            expected: n as u64,
            actual: input.len() as u64,
        })?;
        let written = self.write_blob(part, out);
        self.count.take(n);
        Ok((n, written))
    }

    /// Writes the blob bytes of `part` into `out`, which has room.
    fn write_blob(&mut self, part: Input<'_>, out: &mut [u8]) -> usize {
        let be = self.params.endianness == Endianness::Big;
        let n = part.len();
        let q = self.quantizer;
        match self.params.dtype {
            Dtype::Packed => return self.pack(part, out),
            Dtype::U8 => {
                let dst = out.get_mut(..n).unwrap_or_default();
                let _ = q.quantize(part.samples(), dst);
            }
            Dtype::U16 => {
                let dst = out.get_mut(..n.saturating_mul(2)).unwrap_or_default();
                if let Ok(levels) = <[U16Le]>::mut_from_bytes(dst) {
                    let _ = q.quantize(part.samples(), levels);
                }
                if be {
                    for pair in dst.chunks_exact_mut(2) {
                        pair.reverse();
                    }
                }
            }
            Dtype::U32 => put(out, part.f32_iter().map(|x| q.level_u32(x)), |v, o| {
                write_word(o, &v.to_le_bytes(), be)
            }),
            Dtype::F16 => match part {
                Input::F32(s) => put(out, s.iter().map(|&x| half::f16::from_f32(x)), |v, o| {
                    write_word(o, &v.to_bits().to_le_bytes(), be)
                }),
                Input::F64(s) => put(out, s.iter().map(|&x| half::f16::from_f64(x)), |v, o| {
                    write_word(o, &v.to_bits().to_le_bytes(), be)
                }),
            },
            Dtype::F32 => put(out, part.f32_iter(), |v, o| {
                write_word(o, &v.to_le_bytes(), be)
            }),
            Dtype::F64 => {
                let (a, b) = match part {
                    Input::F32(s) => (s, &[][..]),
                    Input::F64(s) => (&[][..], s),
                };
                let it = a.iter().map(|&x| f64::from(x)).chain(b.iter().copied());
                put(out, it, |v, o| write_word(o, &v.to_le_bytes(), be));
            }
        }
        n.saturating_mul(self.params.dtype.elem_size() as usize)
    }

    /// Appends the levels of `part` to the bit stream; returns the whole
    /// bytes written.
    fn pack(&mut self, part: Input<'_>, out: &mut [u8]) -> usize {
        let mut o = out.iter_mut();
        let q = self.quantizer;
        part.f32_iter()
            .map(|x| self.packer.push(q.level_u32(x), &mut o))
            .fold(0usize, usize::wrapping_add)
    }

    /// Ends the message: checks that every sample was given and, for
    /// `packed`, writes the last partial byte (zero-filled) into `out`.
    /// Returns the bytes written (0 or 1).
    pub fn finish(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        self.count.finish()?;
        if self.packer.acc_bits == 0 {
            return Ok(0);
        }
        let available = out.len() as u64;
        let d = out.first_mut().ok_or(Error::BufferTooSmall {
            needed: 1,
            available,
        })?;
        *d = self.packer.flush();
        Ok(1)
    }
}

//! Decoding one whole message: [`decode`], [`decode_with`],
//! [`take_from_bytes`] and the [`Frame`] they return.

use crate::error::{Error, Field};

use super::data::check_len;
use super::{Data, Header, Limits, PREFIX_LEN};

/// A decoded imgpack message: header, header JSON and data, all borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame<'a> {
    header: Header,
    json: &'a str,
    data: Data<'a>,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Frame<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "imgpack::Frame {{ header: {}, data: {} }}",
            self.header,
            self.data
        )
    }
}

impl<'a> Frame<'a> {
    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The header JSON as it was received.
    pub fn json(&self) -> &'a str {
        self.json
    }

    /// The data view.
    pub fn data(&self) -> Data<'a> {
        self.data
    }

    /// Dequantizes the levels of an n-bit dtype into `dst` (exactly `H*W`
    /// elements): `vmin + q * ((vmax - vmin) / (2**bits - 1))`, in f64,
    /// rounded to f32. [`Error::WrongDataKind`] for the float dtypes (their
    /// values are [`Data::copy_floats_to_f32`]).
    pub fn dequantize_into(&self, dst: &mut [f32]) -> Result<(), Error> {
        let d = self.header.dequantizer().ok_or(Error::WrongDataKind {
            dtype: self.header.dtype().name(),
            needed: "n-bit levels",
        })?;
        check_len(self.data.len(), dst.len())?;
        for (o, q) in dst.iter_mut().zip(self.data.levels()?) {
            *o = d.value(q);
        }
        Ok(())
    }
}

/// Decodes one whole message (a WebSocket message, a file) with the
/// default [`Limits`]. See [`decode_with`].
pub fn decode(bytes: &[u8]) -> Result<Frame<'_>, Error> {
    decode_with(bytes, &Limits::DEFAULT)
}

/// Decodes one whole message. Validation runs in this order, each step
/// with its own error: at least 4 bytes; `HEADER_LEN` within the limit; the
/// header and pad present; UTF-8; JSON (a JSON object, nesting within the
/// limit); the keys and their values (`bits` within the dtype's range,
/// `endianness` not `null` where byte order matters); the blob length
/// without overflow; and last, that exactly that many blob bytes follow
/// ([`Error::Truncated`] or [`Error::TrailingBytes`]). The pad bytes' values
/// are not checked.
pub fn decode_with<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Frame<'a>, Error> {
    let (frame, rest) = take_from_bytes(bytes, limits)?;
    crate::frame::check_no_trailing(frame.header.frame_len(), rest)?;
    Ok(frame)
}

/// Decodes the message at the front of `bytes` and returns it with the
/// bytes after it. The same checks as [`decode_with`], except that bytes
/// after the frame are not an error.
pub fn take_from_bytes<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<(Frame<'a>, &'a [u8]), Error> {
    let available = bytes.len() as u64;
    let len: [u8; PREFIX_LEN] = bytes
        .get(..PREFIX_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(Error::Truncated {
            needed: PREFIX_LEN as u64,
            available,
        })?;
    let json_len = u32::from_be_bytes(len);
    if json_len > limits.max_json_len() {
        return Err(Error::HeaderTooLong {
            len: u64::from(json_len),
            limit: u64::from(limits.max_json_len()),
            offset: 0,
        });
    }
    let json_end = (PREFIX_LEN as u64).saturating_add(u64::from(json_len));
    let json_bytes = usize::try_from(json_end)
        .ok()
        .and_then(|end| bytes.get(PREFIX_LEN..end))
        .ok_or(Error::Truncated {
            needed: json_end,
            available,
        })?;
    let header =
        Header::parse_json(json_bytes, limits).map_err(|e| e.shifted(PREFIX_LEN as u64))?;
    let (frame, rest) = crate::frame::split_frame(bytes, header.frame_len())?;
    let overflow = Error::SizeOverflow {
        field: Field::Shape,
    };
    let start = usize::try_from(header.blob_offset()).map_err(|_| overflow)?;
    let count = usize::try_from(header.elements()).map_err(|_| overflow)?;
    let json = core::str::from_utf8(json_bytes).map_err(|e| Error::HeaderNotUtf8 {
        offset: (PREFIX_LEN as u64).saturating_add(e.valid_up_to() as u64),
    })?;
    let blob = frame.get(start..).ok_or(Error::Truncated {
        needed: header.frame_len(),
        available,
    })?;
    let data = Data::new(
        blob,
        header.dtype(),
        header.byte_order(),
        header.bits().unwrap_or(0),
        count,
    )?;
    Ok((Frame { header, json, data }, rest))
}

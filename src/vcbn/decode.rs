//! Decoding one whole envelope: [`decode`], [`decode_with`],
//! [`take_from_bytes`] and the [`Frame`] they return.

use crate::error::{Error, Field};

use super::{Blob, Header, Limits, Prefix, PREFIX_LEN};

/// A decoded VCBN envelope: header, header JSON and blob, all borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame<'a> {
    header: Header,
    json: &'a str,
    blob: Blob<'a>,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Frame<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "vcbn::Frame {{ header: {}, blob: {} }}",
            self.header,
            self.blob
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

    /// The blob view.
    pub fn blob(&self) -> Blob<'a> {
        self.blob
    }

    /// Dequantizes the blob into `dst` (exactly `H*W` elements) with the
    /// header's `vmin`, `vmax` and `resolution`.
    pub fn dequantize_into(&self, dst: &mut [f32]) -> Result<(), Error> {
        if dst.len() != self.blob.len() {
            return Err(Error::LengthMismatch {
                field: Field::Blob,
                expected: self.blob.len() as u64,
                actual: dst.len() as u64,
            });
        }
        let d = self.header.dequantizer();
        // One loop per blob type (not the per-element `Blob::get`), so each
        // vectorizes.
        match self.blob {
            Blob::U8(s) => d.run(s, dst),
            Blob::U16Le(s) => d.run(s, dst),
            Blob::U16Be(s) => d.run(s, dst),
        }
    }
}

/// Decodes one whole envelope (a WebSocket message, a file) with the default
/// [`Limits`]. See [`decode_with`].
pub fn decode(bytes: &[u8]) -> Result<Frame<'_>, Error> {
    decode_with(bytes, &Limits::DEFAULT)
}

/// Decodes one whole envelope. Validation runs in this order, each step with
/// its own error: at least 9 bytes; magic; version ≥ 1; `HEADER_LEN` within
/// the limit; the header and pad present; UTF-8; JSON (nesting within the
/// limit); the keys and their types; `H*W*elem_size` without overflow; and
/// last, that exactly `H*W*elem_size` bytes of blob follow
/// ([`Error::Truncated`] or [`Error::TrailingBytes`]). The pad byte's value is
/// not checked.
pub fn decode_with<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Frame<'a>, Error> {
    let (frame, rest) = take_from_bytes(bytes, limits)?;
    crate::frame::check_no_trailing(frame.header.frame_len(), rest)?;
    Ok(frame)
}

/// Decodes the envelope at the front of `bytes` and returns it with the
/// bytes after it, for buffers that hold frames back to back. The same
/// checks as [`decode_with`], except that bytes after the frame are not an
/// error. A buffer that ends inside the frame is [`Error::Truncated`].
///
/// ```
/// use framewire::{vcbn::{self, Dtype, Limits, Params}, Shape};
///
/// let params = Params::new(Dtype::U8, 0.0, 1.0);
/// let mut wire = vec![0u8; 2 * vcbn::encoded_len(Shape::new(1, 2), &params)?];
/// let n = vcbn::encode([0.0f32, 1.0][..].into(), Shape::new(1, 2), &params, &mut wire)?;
/// vcbn::encode([1.0f32, 0.0][..].into(), Shape::new(1, 2), &params, &mut wire[n..])?;
///
/// let (first, rest) = vcbn::take_from_bytes(&wire, &Limits::DEFAULT)?;
/// let (second, rest) = vcbn::take_from_bytes(rest, &Limits::DEFAULT)?;
/// assert_eq!(first.blob().as_bytes(), [0, 255]);
/// assert_eq!(second.blob().as_bytes(), [255, 0]);
/// assert!(rest.is_empty());
/// # Ok::<(), framewire::Error>(())
/// ```
pub fn take_from_bytes<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<(Frame<'a>, &'a [u8]), Error> {
    let prefix = Prefix::parse(bytes, limits)?;
    let available = bytes.len() as u64;
    let blob_offset = prefix.blob_offset();
    if available < blob_offset {
        return Err(Error::Truncated {
            needed: blob_offset,
            available,
        });
    }
    let json_end = PREFIX_LEN.saturating_add(prefix.json_len() as usize);
    let json_bytes = bytes.get(PREFIX_LEN..json_end).ok_or(Error::Truncated {
        needed: blob_offset,
        available,
    })?;
    let header = Header::parse_json(json_bytes, limits)
        .map_err(|e| e.shifted(PREFIX_LEN as u64))?
        .with_prefix(&prefix);
    let (frame, rest) = crate::frame::split_frame(bytes, header.frame_len())?;
    Ok((Frame::from_parsed(header, frame)?, rest))
}

impl<'a> Frame<'a> {
    /// The frame over `bytes` (exactly the whole frame) whose header was
    /// already parsed from them: nothing is parsed again.
    pub(crate) fn from_parsed(header: Header, bytes: &'a [u8]) -> Result<Frame<'a>, Error> {
        let json_end = PREFIX_LEN.saturating_add(header.json_len() as usize);
        let json = bytes
            .get(PREFIX_LEN..json_end)
            .and_then(|j| core::str::from_utf8(j).ok())
            .ok_or(Error::HeaderNotUtf8 { offset: 0 })?;
        let start = usize::try_from(header.blob_offset()).map_err(|_| Error::SizeOverflow {
            field: Field::HeaderLen,
        })?;
        let blob_bytes = bytes.get(start..).ok_or(Error::Truncated {
            needed: header.frame_len(),
            available: bytes.len() as u64,
        })?;
        debug_assert_eq!(blob_bytes.len() as u64, header.blob_len());
        let blob = Blob::new(blob_bytes, header.dtype(), header.endianness())?;
        Ok(Frame { header, json, blob })
    }
}

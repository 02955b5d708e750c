//! Reading whole frames from a blocking byte source: [`FrameReader`].

use core::fmt;

use crate::copy_exact;
use crate::error::Error;
use crate::frame::AnyFrame;
use crate::sac;
use crate::stream::{Decoder, Event, Events, FrameHeader, Part, StreamError};
use crate::vcbn::{self, PREFIX_LEN};

/// Bytes a [`FrameReader`] asks its source for at a time (its only buffer
/// besides the decoder's and the frame buffer you give it).
pub const READ_CHUNK: usize = 256;

/// A blocking source of bytes for [`FrameReader`]. `Ok(0)` means the end of
/// the stream.
pub trait ByteSource {
    /// The source's error.
    type Error;
    /// Reads some bytes into `buf`, returning how many (0 at the end).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error>;
}

/// Adapts an `embedded_io::Read` as a [`ByteSource`].
#[cfg(feature = "embedded-io")]
#[derive(Debug)]
pub struct EmbeddedIo<R>(pub R);

#[cfg(all(feature = "embedded-io", feature = "defmt"))]
impl<R> defmt::Format for EmbeddedIo<R> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "EmbeddedIo(..)")
    }
}

#[cfg(feature = "embedded-io")]
impl<R: embedded_io::Read> ByteSource for EmbeddedIo<R> {
    type Error = R::Error;
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, R::Error> {
        self.0.read(buf)
    }
}

/// Adapts a `std::io::Read` as a [`ByteSource`] (retrying on `Interrupted`).
#[cfg(feature = "std")]
#[derive(Debug)]
pub struct StdIo<R>(pub R);

#[cfg(all(feature = "std", feature = "defmt"))]
impl<R> defmt::Format for StdIo<R> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "StdIo(..)")
    }
}

#[cfg(feature = "std")]
impl<R: std::io::Read> ByteSource for StdIo<R> {
    type Error = std::io::Error;
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, std::io::Error> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

/// A frame read from a stream, with its place in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadFrame<'b> {
    /// Stream offset of the frame's first byte.
    pub offset: u64,
    /// The frame's bytes, as received (a VCBN pad byte reads as 0).
    pub bytes: &'b [u8],
    /// The decoded frame, borrowing `bytes`.
    pub frame: AnyFrame<'b>,
}

/// Shows the offset, the length and the frame, not the bytes.
#[cfg(feature = "defmt")]
impl defmt::Format for ReadFrame<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "ReadFrame {{ offset: {=u64}, len: {=usize}, frame: {} }}",
            self.offset,
            self.bytes.len(),
            self.frame
        )
    }
}

/// The error of a [`FrameReader`]: the source's, or a bad frame in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError<E> {
    /// The source failed.
    Io(E),
    /// A bad or truncated frame, or one larger than the frame buffer
    /// ([`Error::BufferTooSmall`], after which reading goes on).
    Stream(StreamError),
}

impl<E: fmt::Debug> fmt::Display for ReadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "read failed: {e:?}"),
            ReadError::Stream(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for ReadError<E> {}

#[cfg(feature = "defmt")]
impl<E: defmt::Format> defmt::Format for ReadError<E> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            ReadError::Io(e) => defmt::write!(f, "ReadError::Io({})", e),
            ReadError::Stream(e) => defmt::write!(f, "ReadError::Stream({})", e),
        }
    }
}

/// Reads whole frames, one by one, from a [`ByteSource`], assembling each in
/// a buffer you give it and handing it out decoded. Built on the push
/// [`Decoder`]: `N` is its header buffer. Each read asks the source for up
/// to [`READ_CHUNK`] bytes.
///
/// ```
/// # #[cfg(feature = "std")] {
/// use framewire::io::{FrameReader, StdIo};
/// use framewire::{frame::AnyFrame, sac, Shape};
///
/// let mut wire = vec![0u8; 2 * sac::encoded_len(3, 3)?];
/// let n = sac::encode(&[1, 2, 3], &[4, 5, 6], Shape::UNKNOWN, &mut wire)?;
/// sac::encode(&[7, 8, 9], &[1, 1, 1], Shape::new(1, 3), &mut wire[n..])?;
///
/// let mut frame_buf = [0u8; 4096];
/// let mut reader = FrameReader::<_, 256>::new(StdIo(&wire[..]), &mut frame_buf);
/// let mut widths = Vec::new();
/// while let Some(item) = reader.next_frame() {
///     match item.unwrap().frame {
///         AnyFrame::Sac(f) => widths.push(f.width()),
///         _ => unreachable!(),
///     }
/// }
/// assert_eq!(widths, [0, 3]);
/// # }
/// # Ok::<(), framewire::Error>(())
/// ```
#[derive(Debug)]
pub struct FrameReader<'b, S, const N: usize = 1024> {
    source: S,
    dec: Decoder<N>,
    frame: &'b mut [u8],
    /// The parsed header of the frame being assembled.
    current: Current,
    chunk: [u8; READ_CHUNK],
    chunk_pos: usize,
    chunk_len: usize,
    /// The current frame does not fit `frame`; its payload is dropped.
    skipping: bool,
    /// The source reported its end; `finish` events are being drained.
    ended: bool,
    done: bool,
}

/// Shows the decoder's state and the frame buffer's size, not the source.
#[cfg(feature = "defmt")]
impl<S, const N: usize> defmt::Format for FrameReader<'_, S, N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "FrameReader {{ frame_buffer: {=usize} bytes, skipping: {=bool}, ended: {=bool}, decoder: {} }}",
            self.frame.len(),
            self.skipping,
            self.ended,
            self.dec
        )
    }
}

/// What feeding the decoder produced for the reader.
enum Got {
    Nothing,
    Frame { offset: u64, len: usize },
    Error(StreamError),
}

/// The header of the frame being assembled, as the decoder parsed it.
#[derive(Debug, Clone, Copy)]
enum Current {
    None,
    Sac(sac::Header),
    Vcbn(vcbn::Header),
}

impl<'b, S: ByteSource, const N: usize> FrameReader<'b, S, N> {
    /// A reader that stops at the first bad frame (frames too large for
    /// `frame` are reported and skipped either way).
    pub fn new(source: S, frame: &'b mut [u8]) -> Self {
        Self::with_decoder(source, frame, Decoder::new())
    }

    /// A reader with a configured decoder (limits, resync mode).
    pub fn with_decoder(source: S, frame: &'b mut [u8], dec: Decoder<N>) -> Self {
        FrameReader {
            source,
            dec,
            frame,
            current: Current::None,
            chunk: [0; READ_CHUNK],
            chunk_pos: 0,
            chunk_len: 0,
            skipping: false,
            ended: false,
            done: false,
        }
    }

    /// Hands back the source.
    pub fn into_inner(self) -> S {
        self.source
    }

    /// The next frame or error; `None` at the end of the stream (or after
    /// the first error in strict mode).
    #[allow(clippy::should_implement_trait)] // a lending iterator
    pub fn next_frame(&mut self) -> Option<Result<ReadFrame<'_>, ReadError<S::Error>>> {
        loop {
            if self.done {
                return None;
            }
            let got = if self.chunk_pos < self.chunk_len {
                self.feed_chunk()
            } else if self.ended {
                let got = self.drain_end();
                if matches!(got, Got::Nothing) {
                    self.done = true;
                }
                got
            } else {
                match self.source.read(&mut self.chunk) {
                    Err(e) => return Some(Err(ReadError::Io(e))),
                    Ok(0) => {
                        self.ended = true;
                        continue;
                    }
                    Ok(n) => {
                        self.chunk_pos = 0;
                        self.chunk_len = n.min(READ_CHUNK);
                        continue;
                    }
                }
            };
            match got {
                Got::Nothing => {}
                Got::Error(e) => {
                    if self.dec.is_stopped() {
                        self.done = true;
                    }
                    return Some(Err(ReadError::Stream(e)));
                }
                Got::Frame { offset, len } => {
                    let bytes = self.frame.get(..len).unwrap_or(&[]);
                    // The decoder parsed and checked the header already;
                    // only the views over the assembled bytes are made here.
                    let decoded = match core::mem::replace(&mut self.current, Current::None) {
                        Current::Vcbn(h) => vcbn::Frame::from_parsed(h, bytes).map(AnyFrame::Vcbn),
                        Current::Sac(_) | Current::None => sac::decode(bytes).map(AnyFrame::Sac),
                    };
                    return Some(match decoded {
                        Ok(frame) => Ok(ReadFrame {
                            offset,
                            bytes,
                            frame,
                        }),
                        Err(error) => Err(ReadError::Stream(StreamError { offset, error })),
                    });
                }
            }
        }
    }

    fn feed_chunk(&mut self) -> Got {
        let chunk = self
            .chunk
            .get(self.chunk_pos..self.chunk_len)
            .unwrap_or(&[]);
        let mut events = self.dec.feed(chunk);
        let got = collect(
            &mut events,
            self.frame,
            &mut self.current,
            &mut self.skipping,
        );
        let left = events.remaining().len();
        self.chunk_pos = self.chunk_len.saturating_sub(left);
        got
    }

    fn drain_end(&mut self) -> Got {
        let mut events = self.dec.finish();
        collect(
            &mut events,
            self.frame,
            &mut self.current,
            &mut self.skipping,
        )
    }
}

/// Runs events until a frame is complete or an error comes, copying the
/// frame's bytes into `frame` and keeping its parsed header in `current`.
fn collect<const N: usize>(
    events: &mut Events<'_, '_, N>,
    frame: &mut [u8],
    current: &mut Current,
    skipping: &mut bool,
) -> Got {
    while let Some(ev) = events.next() {
        match ev {
            Err(e) => {
                *skipping = false;
                *current = Current::None;
                return Got::Error(e);
            }
            Ok(Event::Header { offset, header }) => {
                let len = header.frame_len();
                if len > frame.len() as u64 {
                    *skipping = true;
                    *current = Current::None;
                    return Got::Error(StreamError {
                        offset,
                        error: Error::BufferTooSmall {
                            needed: len,
                            available: frame.len() as u64,
                        },
                    });
                }
                *skipping = false;
                *current = match header {
                    FrameHeader::Sac(h) => Current::Sac(h),
                    FrameHeader::Vcbn { header, .. } => Current::Vcbn(header),
                };
                write_header(&header, frame);
            }
            Ok(Event::Payload {
                part,
                part_offset,
                data,
                ..
            }) => {
                if *skipping {
                    continue;
                }
                let base = match (part, *current) {
                    (Part::A, _) => sac::HEADER_LEN as u64,
                    (Part::B, Current::Sac(h)) => {
                        (sac::HEADER_LEN as u64).saturating_add(h.len_a_bytes())
                    }
                    (Part::Blob, Current::Vcbn(h)) => h.blob_offset(),
                    // A part of another format's frame cannot come.
                    _ => u64::MAX,
                };
                let at = usize::try_from(base.saturating_add(part_offset)).unwrap_or(usize::MAX);
                if let Some(dst) = frame.get_mut(at..at.saturating_add(data.len())) {
                    copy_exact(dst, data);
                }
            }
            Ok(Event::End { offset, len, .. }) => {
                if core::mem::take(skipping) {
                    continue;
                }
                return Got::Frame {
                    offset,
                    len: usize::try_from(len).unwrap_or(0),
                };
            }
        }
    }
    Got::Nothing
}

/// Writes a frame's header bytes at the start of `frame` (which holds the whole frame).
fn write_header(header: &FrameHeader<'_>, frame: &mut [u8]) {
    match header {
        FrameHeader::Sac(h) => {
            if let Some(dst) = frame.get_mut(..sac::HEADER_LEN) {
                copy_exact(dst, &h.to_bytes());
            }
        }
        FrameHeader::Vcbn { header, json } => {
            let [m0, m1, m2, m3] = header.magic().bytes();
            let [l0, l1, l2, l3] = header.json_len().to_be_bytes();
            let prefix = [m0, m1, m2, m3, header.version(), l0, l1, l2, l3];
            if let Some(dst) = frame.get_mut(..PREFIX_LEN) {
                copy_exact(dst, &prefix);
            }
            let end = PREFIX_LEN.saturating_add(json.len());
            if let Some(dst) = frame.get_mut(PREFIX_LEN..end) {
                copy_exact(dst, json.as_bytes());
            }
            if header.pad_len() == 1 {
                if let Some(p) = frame.get_mut(end) {
                    *p = 0;
                }
            }
        }
    }
}

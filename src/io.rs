//! Integrations at the edge: streaming writers over `embedded_io::Write`
//! (feature `embedded-io`) and `embedded_io_async::Write` (feature
//! `embedded-io-async`), and a [`FrameReader`] over any [`ByteSource`]
//! (`embedded_io::Read` with feature `embedded-io`, `std::io::Read` with
//! feature `std`).
//!
//! The writers never hold a whole frame: they write the header, then the
//! payload in pieces of [`PIECE`] bytes converted (or quantized) on the stack,
//! so firmware can stream a frame larger than its RAM as it produces the
//! samples. Their output is byte-identical to the one-shot encoders.

use core::fmt;

use crate::error::Error;
use crate::stream::{Decoder, Event, FrameHeader, Part, StreamError};
use crate::vcbn::{self, Limits, PREFIX_LEN};
use crate::{copy_exact, sac};

/// Payload bytes converted on the stack per write: 64 `int16` or `uint16`
/// values, or 128 `uint8` levels.
pub const PIECE: usize = 128;

/// The error of a streaming write: the writer's own, or the frame's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteError<E> {
    /// The writer failed.
    Io(E),
    /// The frame is invalid (sizes, range, sample count).
    Frame(Error),
}

impl<E> From<Error> for WriteError<E> {
    fn from(e: Error) -> Self {
        WriteError::Frame(e)
    }
}

impl<E: fmt::Debug> fmt::Display for WriteError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Io(e) => write!(f, "write failed: {e:?}"),
            WriteError::Frame(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for WriteError<E> {}

#[cfg(feature = "defmt")]
impl<E: defmt::Format> defmt::Format for WriteError<E> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            WriteError::Io(e) => defmt::write!(f, "WriteError::Io({})", e),
            WriteError::Frame(e) => defmt::write!(f, "WriteError::Frame({})", e),
        }
    }
}

/// Generates the blocking and async writers from one body: `$($await)*` is
/// empty for the blocking flavour and `.await` for the async one.
#[cfg(any(feature = "embedded-io", feature = "embedded-io-async"))]
macro_rules! writers {
    ($doc:literal, $write:path, [$($async_:tt)*], [$($await:tt)*]) => {
        use crate::io::{WriteError, PIECE};
        use crate::quant::Samples;
        use crate::stream::{SacEncoder, VcbnEncoder};
        use crate::vcbn::{self, Params};
        use $write as Write;

        #[doc = concat!("Streams one SAC frame to ", $doc, ": [`SacWriter::begin`] writes the\n",
            "header, [`SacWriter::write`] the samples of A then B, as they come,\n",
            "[`SacWriter::finish`] checks that all of them came.")]
        #[derive(Debug)]
        pub struct SacWriter<W> {
            w: W,
            enc: SacEncoder,
        }

        /// Shows the encoder's state, not the writer.
        #[cfg(feature = "defmt")]
        impl<W> defmt::Format for SacWriter<W> {
            fn format(&self, f: defmt::Formatter<'_>) {
                defmt::write!(f, "SacWriter {{ enc: {} }}", self.enc)
            }
        }

        impl<W: Write> SacWriter<W> {
            /// Checks the frame and writes its 24-byte header.
            pub $($async_)* fn begin(
                mut w: W,
                length_a: usize,
                length_b: usize,
                width: u32,
                height: u32,
            ) -> Result<Self, WriteError<W::Error>> {
                let enc = SacEncoder::new(length_a, length_b, width, height)?;
                w.write_all(&enc.header())$($await)*.map_err(WriteError::Io)?;
                Ok(SacWriter { w, enc })
            }

            /// Writes the next samples (those of A, then those of B).
            pub $($async_)* fn write(&mut self, mut samples: &[i16]) -> Result<(), WriteError<W::Error>> {
                let mut piece = [0u8; PIECE];
                while !samples.is_empty() {
                    let (used, n) = self.enc.encode(samples, &mut piece)?;
                    let bytes = piece.get(..n).unwrap_or(&[]);
                    self.w.write_all(bytes)$($await)*.map_err(WriteError::Io)?;
                    samples = samples.get(used..).unwrap_or(&[]);
                }
                Ok(())
            }

            /// Checks that every sample was written, flushes, and returns the writer.
            pub $($async_)* fn finish(mut self) -> Result<W, WriteError<W::Error>> {
                self.enc.finish()?;
                self.w.flush()$($await)*.map_err(WriteError::Io)?;
                Ok(self.w)
            }
        }

        /// Writes a whole SAC frame from two slices, in pieces: byte-identical
        /// to [`crate::sac::encode`].
        pub $($async_)* fn write_sac<W: Write>(
            w: W,
            a: &[i16],
            b: &[i16],
            width: u32,
            height: u32,
        ) -> Result<W, WriteError<W::Error>> {
            let mut sw = SacWriter::begin(w, a.len(), b.len(), width, height)$($await)*?;
            sw.write(a)$($await)*?;
            sw.write(b)$($await)*?;
            sw.finish()$($await)*
        }

        #[doc = concat!("Streams one VCBN frame to ", $doc, ", quantizing on the fly:\n",
            "[`VcbnWriter::begin`] writes the canonical header, [`VcbnWriter::write`]\n",
            "quantizes and writes samples as they come (C order), and\n",
            "[`VcbnWriter::finish`] checks that all of them came.")]
        #[derive(Debug)]
        pub struct VcbnWriter<W> {
            w: W,
            enc: VcbnEncoder,
        }

        /// Shows the encoder's state, not the writer.
        #[cfg(feature = "defmt")]
        impl<W> defmt::Format for VcbnWriter<W> {
            fn format(&self, f: defmt::Formatter<'_>) {
                defmt::write!(f, "VcbnWriter {{ enc: {} }}", self.enc)
            }
        }

        impl<W: Write> VcbnWriter<W> {
            /// Checks the frame and writes its header.
            pub $($async_)* fn begin(mut w: W, shape: [u64; 2], params: Params) -> Result<Self, WriteError<W::Error>> {
                let enc = VcbnEncoder::new(shape, params)?;
                let mut head = [0u8; vcbn::MAX_CANONICAL_HEADER_LEN];
                let n = enc.write_header(&mut head)?;
                w.write_all(head.get(..n).unwrap_or(&[]))$($await)*.map_err(WriteError::Io)?;
                Ok(VcbnWriter { w, enc })
            }

            /// Quantizes and writes the next samples.
            pub $($async_)* fn write(&mut self, samples: Samples<'_>) -> Result<(), WriteError<W::Error>> {
                let mut piece = [0u8; PIECE];
                let mut rest = samples;
                while !rest.is_empty() {
                    let (used, n) = self.enc.encode(rest, &mut piece)?;
                    let bytes = piece.get(..n).unwrap_or(&[]);
                    self.w.write_all(bytes)$($await)*.map_err(WriteError::Io)?;
                    rest = rest.sub(used, rest.len()).unwrap_or(Samples::F32(&[]));
                }
                Ok(())
            }

            /// Checks that every sample was written, flushes, and returns the writer.
            pub $($async_)* fn finish(mut self) -> Result<W, WriteError<W::Error>> {
                self.enc.finish()?;
                self.w.flush()$($await)*.map_err(WriteError::Io)?;
                Ok(self.w)
            }
        }

        /// Writes a whole VCBN frame, quantizing in pieces: byte-identical to
        /// [`crate::vcbn::encode`].
        pub $($async_)* fn write_vcbn<W: Write>(
            w: W,
            samples: Samples<'_>,
            shape: [u64; 2],
            params: Params,
        ) -> Result<W, WriteError<W::Error>> {
            let mut vw = VcbnWriter::begin(w, shape, params)$($await)*?;
            vw.write(samples)$($await)*?;
            vw.finish()$($await)*
        }
    };
}

/// Blocking streaming writers over `embedded_io::Write` (feature `embedded-io`).
///
/// ```
/// # #[cfg(feature = "std")] {
/// use framewire::io::blocking::{write_sac, VcbnWriter};
/// use framewire::{quant::Samples, sac, vcbn::{self, Dtype, Params}};
///
/// let mut link: Vec<u8> = Vec::new(); // any embedded_io::Write: a UART, a socket
/// write_sac(&mut link, &[1, 2, 3, 4], &[5, 6, 7, 8], 2, 2)?;
///
/// // A 480x640 depth frame streamed a row at a time: no frame buffer needed.
/// let params = Params::new(Dtype::U16, 0.0, 5.0);
/// let mut vw = VcbnWriter::begin(&mut link, [480, 640], params)?;
/// let row = [1.25f32; 640];
/// for _ in 0..480 {
///     vw.write(Samples::F32(&row))?;
/// }
/// vw.finish()?;
/// assert_eq!(link.len(), sac::encoded_len(4, 4)? + vcbn::encoded_len([480, 640], &params)?);
/// let frame = vcbn::decode(&link[40..])?;
/// assert!(frame.blob().iter().all(|q| q == 1024));
/// # }
/// # Ok::<(), framewire::io::WriteError<std::convert::Infallible>>(())
/// ```
#[cfg(feature = "embedded-io")]
pub mod blocking {
    writers!("an `embedded_io::Write`", embedded_io::Write, [], []);
}

/// Async streaming writers over `embedded_io_async::Write` (feature
/// `embedded-io-async`); the same API as [`blocking`](crate::io) with `async`
/// methods.
#[cfg(feature = "embedded-io-async")]
pub mod asynch {
    writers!("an `embedded_io_async::Write`", embedded_io_async::Write, [async], [.await]);
}

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

/// A decoded frame of either format.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AnyFrame<'b> {
    /// A SAC frame.
    Sac(sac::Frame<'b>),
    /// A VCBN frame.
    Vcbn(vcbn::Frame<'b>),
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
/// use framewire::io::{AnyFrame, FrameReader, StdIo};
/// use framewire::sac;
///
/// let mut wire = vec![0u8; 2 * sac::encoded_len(3, 3)?];
/// let n = sac::encode(&[1, 2, 3], &[4, 5, 6], 0, 0, &mut wire)?;
/// sac::encode(&[7, 8, 9], &[1, 1, 1], 3, 1, &mut wire[n..])?;
///
/// let mut frame_buf = [0u8; 4096];
/// let mut reader = FrameReader::<_, 256>::new(StdIo(&wire[..]), &mut frame_buf);
/// let mut widths = Vec::new();
/// while let Some(item) = reader.next_frame() {
///     match item.unwrap().frame {
///         AnyFrame::Sac(f) => widths.push(f.width()),
///         AnyFrame::Vcbn(_) => unreachable!(),
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
    limits: Limits,
    frame: &'b mut [u8],
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

impl<'b, S: ByteSource, const N: usize> FrameReader<'b, S, N> {
    /// A reader that stops at the first bad frame (frames too large for
    /// `frame` are reported and skipped either way).
    pub fn new(source: S, frame: &'b mut [u8]) -> Self {
        Self::with_decoder(source, frame, Decoder::new())
    }

    /// A reader with a configured decoder (limits, resync mode).
    pub fn with_decoder(source: S, frame: &'b mut [u8], dec: Decoder<N>) -> Self {
        let limits = dec.limits();
        FrameReader {
            source,
            dec,
            limits,
            frame,
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
                    let decoded = match bytes.get(..4) {
                        Some(m) if m == sac::MAGIC => sac::decode(bytes).map(AnyFrame::Sac),
                        _ => vcbn::decode_with(bytes, &self.limits).map(AnyFrame::Vcbn),
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
        let got = collect(&mut events, self.frame, &mut self.skipping);
        let left = events.remaining().len();
        self.chunk_pos = self.chunk_len.saturating_sub(left);
        got
    }

    fn drain_end(&mut self) -> Got {
        let mut events = self.dec.finish();
        collect(&mut events, self.frame, &mut self.skipping)
    }
}

/// Runs events until a frame is complete or an error comes, copying the
/// frame's bytes into `frame`.
fn collect<const N: usize>(
    events: &mut crate::stream::Events<'_, '_, N>,
    frame: &mut [u8],
    skipping: &mut bool,
) -> Got {
    while let Some(ev) = events.next() {
        match ev {
            Err(e) => {
                *skipping = false;
                return Got::Error(e);
            }
            Ok(Event::Header { offset, header }) => {
                let len = header.frame_len();
                if len > frame.len() as u64 {
                    *skipping = true;
                    return Got::Error(StreamError {
                        offset,
                        error: Error::BufferTooSmall {
                            needed: len,
                            available: frame.len() as u64,
                        },
                    });
                }
                *skipping = false;
                write_header(&header, frame);
            }
            Ok(Event::Payload { part, offset, data }) => {
                if *skipping {
                    continue;
                }
                let base = match (part, frame.get(..4)) {
                    (Part::A, _) => sac::HEADER_LEN as u64,
                    (Part::B, Some(_)) => {
                        let la = sac::Header::parse(frame).map_or(0, sac::Header::len_a_bytes);
                        (sac::HEADER_LEN as u64).saturating_add(la)
                    }
                    (Part::Blob, _) => blob_offset(frame),
                    (Part::B, None) => 0,
                };
                let at = usize::try_from(base.saturating_add(offset)).unwrap_or(usize::MAX);
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
            let [l0, l1, l2, l3] = header.header_len().to_be_bytes();
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

/// The blob offset of the VCBN frame whose prefix is at the start of `frame`.
fn blob_offset(frame: &[u8]) -> u64 {
    let len = frame
        .get(5..9)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes);
    let pad = u64::from(len % 2 == 0);
    (PREFIX_LEN as u64)
        .saturating_add(u64::from(len))
        .saturating_add(pad)
}

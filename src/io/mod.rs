//! Integrations at the edge: streaming writers over `embedded_io::Write`
//! (feature `embedded-io`, module `blocking`) and `embedded_io_async::Write`
//! (feature `embedded-io-async`, module `asynch`), and a [`FrameReader`]
//! over any [`ByteSource`] (`embedded_io::Read` with feature `embedded-io`,
//! `std::io::Read` with feature `std`).
//!
//! The writers never hold a whole frame: they write the header, then the
//! payload in pieces of [`PIECE`] bytes converted (or quantized) on the stack,
//! so firmware can stream a frame larger than its RAM as it produces the
//! samples. Their output is byte-identical to the one-shot encoders.

mod read;

use core::fmt;

use crate::error::Error;

#[cfg(feature = "embedded-io")]
pub use read::EmbeddedIo;
#[cfg(feature = "std")]
pub use read::StdIo;
pub use read::{ByteSource, FrameReader, ReadError, ReadFrame, READ_CHUNK};

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
        use crate::vcbn::{self, Params};
        use crate::{sac, Shape};
        use $write as Write;

        #[doc = concat!("Streams one SAC frame to ", $doc, ": [`SacWriter::begin`] writes the\n",
            "header, [`SacWriter::write`] the samples of A then B, as they come,\n",
            "[`SacWriter::finish`] checks that all of them came.")]
        #[derive(Debug)]
        pub struct SacWriter<W> {
            w: W,
            enc: sac::Encoder,
        }

        /// Shows the encoder's state, not the writer.
        #[cfg(feature = "defmt")]
        impl<W> defmt::Format for SacWriter<W> {
            fn format(&self, f: defmt::Formatter<'_>) {
                defmt::write!(f, "SacWriter {{ enc: {} }}", self.enc)
            }
        }

        impl<W: Write> SacWriter<W> {
            /// Checks the frame (as [`sac::Encoder::new`]) and writes its
            /// 24-byte header.
            pub $($async_)* fn begin(
                mut w: W,
                length_a: usize,
                length_b: usize,
                shape: Shape,
            ) -> Result<Self, WriteError<W::Error>> {
                let enc = sac::Encoder::new(length_a, length_b, shape)?;
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
        /// to [`sac::encode`].
        pub $($async_)* fn write_sac<W: Write>(
            w: W,
            a: &[i16],
            b: &[i16],
            shape: Shape,
        ) -> Result<W, WriteError<W::Error>> {
            let mut sw = SacWriter::begin(w, a.len(), b.len(), shape)$($await)*?;
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
            enc: vcbn::Encoder,
        }

        /// Shows the encoder's state, not the writer.
        #[cfg(feature = "defmt")]
        impl<W> defmt::Format for VcbnWriter<W> {
            fn format(&self, f: defmt::Formatter<'_>) {
                defmt::write!(f, "VcbnWriter {{ enc: {} }}", self.enc)
            }
        }

        impl<W: Write> VcbnWriter<W> {
            /// Checks the frame (as [`vcbn::Encoder::new`]) and writes its header.
            pub $($async_)* fn begin(mut w: W, shape: Shape, params: Params) -> Result<Self, WriteError<W::Error>> {
                let enc = vcbn::Encoder::new(shape, params)?;
                let mut head = [0u8; vcbn::MAX_CANONICAL_BLOB_OFFSET];
                let n = enc.write_header(&mut head)?;
                w.write_all(head.get(..n).unwrap_or(&[]))$($await)*.map_err(WriteError::Io)?;
                Ok(VcbnWriter { w, enc })
            }

            /// Quantizes and writes the next samples (refused as
            /// [`vcbn::Encoder::encode`] refuses them: too many, or a half
            /// complex pair).
            pub $($async_)* fn write(&mut self, samples: Samples<'_>) -> Result<(), WriteError<W::Error>> {
                // A half complex pair counts as no sample, so the loop below
                // would not reach the encoder's own check.
                samples.check_complex()?;
                let mut piece = [0u8; PIECE];
                // Each piece is cut from `samples` itself, not from the rest
                // of the previous piece: the variant (f32, f64, complex) is
                // then the caller's for the whole loop, and the optimizer
                // drops the kernels of the other variants (on a Cortex-M4F,
                // the f64 soft-float and libm code: about 3 KB of flash).
                let total = samples.len();
                let mut done = 0;
                while done < total {
                    // (`done < total` holds, so `sub` cannot fail.)
                    let Some(rest) = samples.sub(done, total) else { break };
                    let (used, n) = self.enc.encode(rest, &mut piece)?;
                    let bytes = piece.get(..n).unwrap_or(&[]);
                    self.w.write_all(bytes)$($await)*.map_err(WriteError::Io)?;
                    done = done.saturating_add(used);
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
        /// [`vcbn::encode`].
        pub $($async_)* fn write_vcbn<W: Write>(
            w: W,
            samples: Samples<'_>,
            shape: Shape,
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
/// use framewire::{quant::Samples, sac, vcbn::{self, Dtype, Params}, Shape};
///
/// let mut link: Vec<u8> = Vec::new(); // any embedded_io::Write: a UART, a socket
/// write_sac(&mut link, &[1, 2, 3, 4], &[5, 6, 7, 8], Shape::new(2, 2))?;
///
/// // A 480x640 depth frame streamed a row at a time: no frame buffer needed.
/// let params = Params::new(Dtype::U16, 0.0, 5.0);
/// let mut vw = VcbnWriter::begin(&mut link, Shape::new(480, 640), params)?;
/// let row = [1.25f32; 640];
/// for _ in 0..480 {
///     vw.write(Samples::F32(&row))?;
/// }
/// vw.finish()?;
/// assert_eq!(link.len(), sac::encoded_len(4, 4)? + vcbn::encoded_len(Shape::new(480, 640), &params)?);
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

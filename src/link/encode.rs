//! The sending side: a streaming COBS + CRC-32 encoder with a fixed buffer.
//!
//! framewire stuffs bytes itself rather than use the `cobs` crate: its
//! encoder writes a whole encoded frame into one destination slice (a
//! streaming sender with a small fixed buffer needs blocks handed out as they
//! close), its length helper has been off by one (cobs.rs issues #19, #47,
//! #69) and its decoder has panicked on invalid input (#12). The stuffing
//! here is about 60 lines, fused with the CRC and sequence number, and is
//! covered by the crate's no-panic link proof.

use super::{BLOCK, CRC, DELIMITER, HEADER_TRAILER};
use crate::error::Error;

/// Bytes of output the encoder holds: one open COBS block (a code and up to
/// 254 bytes) and the closed blocks not yet handed out.
const OUT: usize = 384;

/// Hand out the closed blocks once the open block's code slot is past this:
/// the frame's tail (up to 253 bytes of the open block, 4 of CRC, one code
/// for a full run, the final code and the delimiter) must still fit.
const FLUSH_AT: usize = OUT - 260;

/// The sans-I/O link encoder: stuffs a frame's sequence number, payload and
/// CRC into COBS blocks and hands out finished bytes in pieces of at most
/// 384 bytes. It never holds a whole frame.
///
/// [`blocking::LinkWriter`] and [`asynch::LinkWriter`] wrap it around a
/// writer; use it directly for other I/O:
///
/// ```
/// use framewire::link::{self, Encoder};
///
/// let mut wire = Vec::new();
/// let mut enc = Encoder::new(7);
/// let mut payload: &[u8] = b"any bytes\0 at all";
/// while !payload.is_empty() {
///     let (used, out) = enc.write(payload);
///     wire.extend_from_slice(out); // write these before the next call
///     payload = &payload[used..];
/// }
/// wire.extend_from_slice(enc.end_frame());
///
/// let mut one_shot = [0u8; 64];
/// let n = link::encode(7, b"any bytes\0 at all", &mut one_shot)?;
/// assert_eq!(wire, &one_shot[..n]);
/// # Ok::<(), framewire::Error>(())
/// ```
#[derive(Clone)]
pub struct Encoder {
    out: [u8; OUT],
    /// Where the open block's code byte goes.
    code_at: usize,
    /// Bytes in the open block (after its code).
    len: usize,
    /// `out[..code_at]` was handed out: start over at the next call.
    handed: bool,
    crc: crc::Digest<'static, u32, crc::NoTable>,
    seq: u32,
    open: bool,
}

impl core::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encoder")
            .field("seq", &self.seq)
            .field("in_frame", &self.open)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Encoder {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Encoder {{ seq: {=u32}, in_frame: {=bool} }}",
            self.seq,
            self.open
        )
    }
}

impl Encoder {
    /// An encoder whose first frame has sequence number `seq`.
    pub const fn new(seq: u32) -> Self {
        Encoder {
            out: [0; OUT],
            code_at: 0,
            len: 0,
            handed: false,
            crc: CRC.digest(),
            seq,
            open: false,
        }
    }

    /// The sequence number of the frame open, or of the next one.
    pub const fn seq(&self) -> u32 {
        self.seq
    }

    /// Whether a frame is open (begun by [`Encoder::write`], not yet ended).
    pub const fn in_frame(&self) -> bool {
        self.open
    }

    /// Drops what was handed out, and opens a frame if none is: the
    /// delimiter, then the sequence number (stuffed; it never fills the
    /// buffer).
    fn prepare(&mut self) {
        if self.handed {
            self.code_at = 0;
            self.handed = false;
        }
        if !self.open {
            self.open = true;
            if let Some(d) = self.out.get_mut(self.code_at) {
                *d = DELIMITER;
            }
            self.code_at = self.code_at.saturating_add(1);
            self.len = 0;
            self.crc = CRC.digest();
            let seq = self.seq.to_le_bytes();
            self.crc.update(&seq);
            self.stuff(&seq, false);
        }
    }

    /// Closes the open block with `code`.
    fn close(&mut self, code: u8) {
        if let Some(c) = self.out.get_mut(self.code_at) {
            *c = code;
        }
        self.code_at = self.code_at.saturating_add(1).saturating_add(self.len);
        self.len = 0;
    }

    /// Stuffs bytes until all are in or (if `may_stop`) the closed blocks
    /// must be handed out; returns how many went in. Without `may_stop`, the
    /// input must be short (a sequence number or a CRC): there is room for it.
    fn stuff(&mut self, input: &[u8], may_stop: bool) -> usize {
        let mut used = 0usize;
        for &b in input {
            used = used.saturating_add(1);
            if b == 0 {
                // A code of len + 1 < 0xFF: `len` bytes, then a zero.
                self.close(u8::try_from(self.len.saturating_add(1)).unwrap_or(u8::MAX));
            } else {
                let at = self.code_at.saturating_add(1).saturating_add(self.len);
                debug_assert!(at < OUT, "link encoder buffer overrun");
                if let Some(d) = self.out.get_mut(at) {
                    *d = b;
                }
                self.len = self.len.saturating_add(1);
                if self.len == BLOCK {
                    // 254 bytes, no zero after them.
                    self.close(0xFF);
                }
            }
            if may_stop && self.code_at > FLUSH_AT {
                break;
            }
        }
        used
    }

    /// The closed blocks, if they must be handed out now.
    fn ready(&mut self) -> &[u8] {
        if self.code_at > FLUSH_AT {
            self.handed = true;
            self.out.get(..self.code_at).unwrap_or(&[])
        } else {
            &[]
        }
    }

    /// Takes payload bytes, opening a frame first if none is open. Returns
    /// how many it took (at least one, unless `input` is empty) and bytes to
    /// write to the link now, before the next call (often none).
    pub fn write(&mut self, input: &[u8]) -> (usize, &[u8]) {
        if input.is_empty() {
            return (0, &[]);
        }
        self.prepare();
        let used = self.stuff(input, true);
        self.crc.update(input.get(..used).unwrap_or(&[]));
        (used, self.ready())
    }

    /// Ends the frame (opening an empty one if none is open): the CRC, the
    /// final block and the delimiter. Returns the frame's last bytes, to
    /// write before the next call; the next frame gets the next sequence
    /// number.
    pub fn end_frame(&mut self) -> &[u8] {
        self.prepare();
        let crc = self.crc.clone().finalize().to_le_bytes();
        self.stuff(&crc, false);
        let len = self.len;
        self.close(u8::try_from(len.saturating_add(1)).unwrap_or(u8::MAX));
        if let Some(d) = self.out.get_mut(self.code_at) {
            *d = DELIMITER;
        }
        let end = self.code_at.saturating_add(1);
        self.open = false;
        self.handed = true;
        self.seq = self.seq.wrapping_add(1);
        self.out.get(..end).unwrap_or(&[])
    }
}

/// Frames `payload` with sequence number `seq` into `out`; returns the bytes
/// written (at most [`super::encoded_len`]`(payload.len())`). Byte-identical
/// to the streaming [`Encoder`].
///
/// # Errors
///
/// [`Error::BufferTooSmall`] if `out` is shorter than the frame; `out` then
/// holds a prefix of it.
pub fn encode(seq: u32, payload: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let mut enc = Encoder::new(seq);
    let mut n = 0usize;
    let mut put = |bytes: &[u8], n: &mut usize| -> Result<(), Error> {
        let end = n.saturating_add(bytes.len());
        let room = out.len();
        match out.get_mut(*n..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                *n = end;
                Ok(())
            }
            None => Err(Error::BufferTooSmall {
                needed: super::encoded_len(payload.len()) as u64,
                available: room as u64,
            }),
        }
    };
    let mut rest = payload;
    while !rest.is_empty() {
        let (used, bytes) = enc.write(rest);
        put(bytes, &mut n)?;
        rest = rest.get(used..).unwrap_or(&[]);
    }
    put(enc.end_frame(), &mut n)?;
    debug_assert!(n <= super::encoded_len(payload.len()));
    debug_assert!(n >= payload.len().saturating_add(HEADER_TRAILER + 3));
    Ok(n)
}

/// Generates the blocking and async link writers from one body.
#[cfg(any(feature = "embedded-io", feature = "embedded-io-async"))]
macro_rules! link_writer {
    ($doc:literal, $write:path, $errty:path, [$($async_:tt)*], [$($await:tt)*]) => {
        use super::Encoder;
        use $write as Write;

        #[doc = concat!("A link over ", $doc, ": itself a `Write`, it stuffs what it is\n",
            "given into the open link frame; [`LinkWriter::end_frame`] closes the frame.\n",
            "It holds an [`Encoder`] (a 384-byte buffer), never a whole frame.\n\n",
            "Compose it with framewire's streaming writers through `&mut`:\n",
            "`write_vcbn(&mut link, ...)`, then `link.end_frame()`. After an\n",
            "error of the inner writer, the frame being written is damaged (the\n",
            "receiver reports it); end it and go on with the next.")]
        #[derive(Debug)]
        pub struct LinkWriter<W> {
            w: W,
            enc: Encoder,
        }

        #[cfg(feature = "defmt")]
        impl<W> defmt::Format for LinkWriter<W> {
            fn format(&self, f: defmt::Formatter<'_>) {
                defmt::write!(f, "LinkWriter {{ enc: {} }}", self.enc)
            }
        }

        impl<W> LinkWriter<W> {
            /// A link whose first frame has sequence number 0.
            pub const fn new(w: W) -> Self {
                LinkWriter { w, enc: Encoder::new(0) }
            }

            /// A link whose first frame has sequence number `seq`.
            pub const fn with_seq(w: W, seq: u32) -> Self {
                LinkWriter { w, enc: Encoder::new(seq) }
            }

            /// The sequence number of the frame open, or of the next one.
            pub const fn seq(&self) -> u32 {
                self.enc.seq()
            }

            /// The inner writer.
            pub fn get_mut(&mut self) -> &mut W {
                &mut self.w
            }

            /// The inner writer (a frame still open is left unfinished).
            pub fn into_inner(self) -> W {
                self.w
            }
        }

        impl<W: Write> LinkWriter<W> {
            /// Ends the frame (an empty one if nothing was written since the
            /// last): writes its CRC, last block and delimiter, and flushes.
            pub $($async_)* fn end_frame(&mut self) -> Result<(), W::Error> {
                let tail = self.enc.end_frame();
                self.w.write_all(tail)$($await)*?;
                self.w.flush()$($await)*
            }
        }

        impl<W: $errty> $errty for LinkWriter<W> {
            type Error = W::Error;
        }

        impl<W: Write> Write for LinkWriter<W> {
            $($async_)* fn write(&mut self, buf: &[u8]) -> Result<usize, W::Error> {
                let (used, out) = self.enc.write(buf);
                if !out.is_empty() {
                    self.w.write_all(out)$($await)*?;
                }
                Ok(used)
            }

            /// Stuffs all of `buf` into the open frame (the trait's default
            /// would keep a panic path for a `write` returning 0).
            $($async_)* fn write_all(&mut self, mut buf: &[u8]) -> Result<(), W::Error> {
                while !buf.is_empty() {
                    let (used, out) = self.enc.write(buf);
                    if !out.is_empty() {
                        self.w.write_all(out)$($await)*?;
                    }
                    buf = buf.get(used..).unwrap_or(&[]);
                }
                Ok(())
            }

            /// Flushes the inner writer; the frame stays open.
            $($async_)* fn flush(&mut self) -> Result<(), W::Error> {
                self.w.flush()$($await)*
            }
        }
    };
}

/// The link writer over `embedded_io::Write` (feature `embedded-io`).
#[cfg(feature = "embedded-io")]
pub mod blocking {
    link_writer!(
        "an `embedded_io::Write`",
        embedded_io::Write,
        embedded_io::ErrorType,
        [],
        []
    );
}

/// The link writer over `embedded_io_async::Write` (feature
/// `embedded-io-async`).
#[cfg(feature = "embedded-io-async")]
pub mod asynch {
    link_writer!(
        "an `embedded_io_async::Write`",
        embedded_io_async::Write,
        embedded_io_async::ErrorType,
        [async],
        [.await]
    );
}

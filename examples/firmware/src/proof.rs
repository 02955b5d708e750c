//! The work of the no-panic proof binaries (`nopanic`, `nopanic_full`): each
//! runs over a host file read at run time, so nothing about the input is
//! known when compiling, and folds everything it decodes into a checksum so
//! that nothing is optimized away.

use framewire::io::blocking::write_sac;
use framewire::json::{Reader, Token};
use framewire::quant;
use framewire::sac;
use framewire::vcbn::{self, Blob, Dtype, Endianness, Limits, Prefix};

use crate::host::{self, HostError};
use crate::probe::{self, Sink};

/// The input file, relative to QEMU's working directory.
pub const INPUT: &[u8] = b"nopanic.input\0";

/// What a proof run found.
#[derive(Debug, Default)]
pub struct Counts {
    /// SAC frames decoded.
    pub sac: u64,
    /// VCBN frames decoded.
    pub vcbn: u64,
    /// Frames whose checks failed (a re-encoding that differs from the bytes
    /// received, a copy-out that failed).
    pub mismatches: u64,
    /// Bytes that belong to no frame, or frames that failed to decode.
    pub errors: u64,
    /// Frames ends seen by the strict and the resync push decoders.
    pub strict_frames: u64,
    /// Errors reported by the strict push decoder.
    pub strict_errors: u64,
    /// Frame ends seen by the resync push decoder.
    pub resync_frames: u64,
    /// Errors reported by the resync push decoder.
    pub resync_errors: u64,
    /// Link frames decoded intact and equal to what was encoded
    /// ([`link_loopback`]).
    pub link_frames: u64,
    /// Damaged link frames reported on the raw input (not link-framed).
    pub link_damaged: u64,
    /// A checksum over everything decoded.
    pub sum: u64,
}

impl Counts {
    /// Folds `v` into the checksum.
    pub fn mix(&mut self, v: u64) {
        self.sum = self.sum.rotate_left(7) ^ v;
    }

    /// Prints one `name=value` per field on the console.
    pub fn print(&self, who: &str) {
        host::print(who);
        for (name, n) in [
            (" sac=", self.sac),
            (" vcbn=", self.vcbn),
            (" mismatches=", self.mismatches),
            (" errors=", self.errors),
            (" strict_frames=", self.strict_frames),
            (" strict_errors=", self.strict_errors),
            (" resync_frames=", self.resync_frames),
            (" resync_errors=", self.resync_errors),
            (" link_frames=", self.link_frames),
            (" link_damaged=", self.link_damaged),
        ] {
            host::print(name);
            host::print_u64(n);
        }
        host::print("\n");
    }
}

/// A window over a host file: `fill(n)` makes at least `n` bytes available
/// at the front (unless the file ends), `consume(n)` drops them.
pub struct Window<'b> {
    file: host::File,
    buf: &'b mut [u8],
    start: usize,
    end: usize,
    eof: bool,
}

impl<'b> Window<'b> {
    /// A window over `file`, buffering in `buf`.
    pub fn new(file: host::File, buf: &'b mut [u8]) -> Self {
        Window {
            file,
            buf,
            start: 0,
            end: 0,
            eof: false,
        }
    }

    /// The bytes available.
    pub fn bytes(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// Reads until `n` bytes are available, the file ends or the buffer is
    /// full; returns the bytes available.
    pub fn fill(&mut self, n: usize) -> Result<&[u8], HostError> {
        while self.end - self.start < n && !self.eof {
            if self.end == self.buf.len() {
                if self.start == 0 {
                    break;
                }
                let len = self.end - self.start;
                // Move the unread bytes to the front (a forward loop: no
                // `copy_within`, whose range checks could stay).
                for (from, to) in (self.start..self.end).zip(0..) {
                    if let Some(&b) = self.buf.get(from) {
                        if let Some(d) = self.buf.get_mut(to) {
                            *d = b;
                        }
                    }
                }
                (self.start, self.end) = (0, len);
            }
            let room = self.buf.get_mut(self.end..).unwrap_or(&mut []);
            let got = self.file.read(room)?;
            if got == 0 {
                self.eof = true;
            }
            self.end += got.min(room.len());
        }
        Ok(self.bytes())
    }

    /// Drops the first `n` available bytes.
    pub fn consume(&mut self, n: usize) {
        self.start += n.min(self.end - self.start);
    }

    /// Closes the file.
    pub fn close(self) -> Result<(), HostError> {
        self.file.close()
    }
}

/// The length of the VCBN frame whose header JSON is `json`, read with the
/// panic-free parts of the JSON reader (tokens, `to_u64`, `eq_str`): the
/// shape and the dtype. `None` if the header lacks them.
pub fn vcbn_blob_len(json: &str, c: &mut Counts) -> Option<(u64, Dtype)> {
    let mut r = Reader::new(json, crate::opaque(32));
    let (mut key_shape, mut key_dtype) = (false, false);
    let (mut dims, mut n_dims, mut dtype) = ([0u64; 2], 0usize, None);
    while let Some(Ok(item)) = r.next() {
        match item.token {
            Token::Key(k) => {
                key_shape = k.eq_str("shape");
                key_dtype = k.eq_str("dtype");
            }
            Token::Number(n) if key_shape => {
                if let (Some(d), Ok(v)) = (dims.get_mut(n_dims), n.to_u64()) {
                    *d = v;
                }
                n_dims += 1;
            }
            Token::String(s) if key_dtype => {
                dtype = if s.eq_str("uint16") {
                    Some(Dtype::U16)
                } else if s.eq_str("uint8") {
                    Some(Dtype::U8)
                } else {
                    None
                };
            }
            Token::EndArray => key_shape = false,
            _ => {}
        }
        c.mix(item.offset as u64);
    }
    let dtype = dtype?;
    let [h, w] = dims;
    let len = h.checked_mul(w)?.checked_mul(dtype.size())?;
    (n_dims == 2 && r.finish().is_ok()).then_some((len, dtype))
}

/// Decodes a SAC frame, copies its arrays out, re-encodes them one-shot and
/// streaming, and checks that both give back `bytes`.
pub fn check_sac(bytes: &[u8], c: &mut Counts) {
    let Ok(frame) = sac::decode(bytes) else {
        c.errors += 1;
        return;
    };
    let (a, b) = probe::i16s();
    let (a, b) = (
        probe::prefix(a, frame.a().len()),
        probe::prefix(b, frame.b().len()),
    );
    let mut ok = frame.copy_a_to(a).is_ok() && frame.copy_b_to(b).is_ok();
    c.mix(frame.a_iter().rev().map(|v| v as u64).sum());
    c.mix(frame.b_native().map_or(0, |s| s.len() as u64));
    let out = probe::bytes_out();
    ok &= match sac::encode(a, b, frame.shape(), out) {
        Ok(n) => out.get(..n) == Some(bytes),
        Err(_) => false,
    };
    let mut sink = Sink::default();
    ok &= write_sac(&mut sink, a, b, frame.shape()).is_ok();
    ok &= sink.len == bytes.len() as u64;
    c.mix(u64::from(sink.sum));
    c.sac += 1;
    c.mismatches += u64::from(!ok);
}

/// Views a VCBN blob, copies its levels out and runs the dequantization and
/// quantization kernels over them (with the range of the firmware's depth
/// frames: reading vmin/vmax needs the float parser, see `nopanic_full`).
pub fn check_blob(blob_bytes: &[u8], dtype: Dtype, c: &mut Counts) {
    let Ok(blob) = Blob::new(blob_bytes, dtype, Endianness::Little) else {
        c.errors += 1;
        return;
    };
    let n = blob.len();
    let levels = probe::prefix(probe::u16s(), n);
    let values = probe::prefix(probe::f32s(), n);
    let (vmin, vmax) = (crate::opaque(0.0), crate::opaque(8.0));
    let mut ok = blob.copy_to_u16(levels).is_ok();
    c.mix(blob.iter().map(u64::from).sum());
    ok &= quant::dequantize_u16(levels, vmin, vmax, values).is_ok();
    c.mix(quant::nan_min_max(values).map_or(0, |(a, b)| u64::from(a.to_bits() ^ b.to_bits())));
    let again = probe::prefix(probe::u16s_b(), n);
    ok &= quant::quantize_u16(values, vmin, vmax, again).is_ok();
    c.mix(again.iter().map(|&v| u64::from(v)).sum());
    c.vcbn += 1;
    c.mismatches += u64::from(!ok);
}

/// Walks the input frame by frame without the stream decoder: a SAC frame's
/// length is in its header; a VCBN frame's comes from its prefix and the
/// shape and dtype in its JSON.
pub fn walk(c: &mut Counts) -> Result<(), HostError> {
    let file = host::File::open(INPUT, host::READ)?;
    let mut w = Window::new(file, probe::bytes_in());
    loop {
        let head = w.fill(sac::HEADER_LEN)?;
        if head.is_empty() {
            break;
        }
        let (len, json_len) = if head.starts_with(&sac::MAGIC) {
            (sac::Header::parse(head).map(|h| h.frame_len()).ok(), 0)
        } else {
            match Prefix::parse(head, &Limits::DEFAULT) {
                Ok(p) => (Some(p.blob_offset()), p.json_len() as usize),
                Err(_) => (None, 0),
            }
        };
        let Some(len) = len.and_then(|l| usize::try_from(l).ok()) else {
            c.errors += 1;
            break;
        };
        if head.starts_with(&sac::MAGIC) {
            let frame = w.fill(len)?;
            if frame.len() < len {
                c.errors += 1;
                break;
            }
            check_sac(frame.get(..len).unwrap_or(&[]), c);
            w.consume(len);
            continue;
        }
        // VCBN: the header, then the blob.
        let head = w.fill(len)?;
        let json_end = vcbn::PREFIX_LEN.saturating_add(json_len);
        let json = head.get(vcbn::PREFIX_LEN..json_end).unwrap_or(&[]);
        let text = core::str::from_utf8(json).unwrap_or("");
        let Some((blob_len, dtype)) = vcbn_blob_len(text, c) else {
            c.errors += 1;
            break;
        };
        w.consume(len);
        let blob_len = usize::try_from(blob_len).unwrap_or(usize::MAX);
        let blob = w.fill(blob_len)?;
        if blob.len() < blob_len {
            c.errors += 1;
            break;
        }
        check_blob(blob.get(..blob_len).unwrap_or(&[]), dtype, c);
        w.consume(blob_len);
    }
    w.close()
}

/// Bytes of input per link frame in [`link_loopback`].
pub const LINK_CHUNK: usize = 512;

/// The link layer on run-time data: each [`LINK_CHUNK`] bytes of the input
/// go through a `link::blocking::LinkWriter` into a buffer, then back through
/// a `link::Decoder` in pieces of an opaque size; each frame must come back
/// intact, in sequence, byte for byte. The raw input (not link-framed) also
/// goes through a second decoder, for its damage paths.
pub fn link_loopback(c: &mut Counts) -> Result<(), HostError> {
    use embedded_io::Write as _;
    use framewire::link::{self, blocking::LinkWriter, Decoder, Event};

    let mut file = host::File::open(INPUT, host::READ)?;
    let mut chunk = [0u8; LINK_CHUNK];
    let mut wire = [0u8; link::encoded_len(LINK_CHUNK)];
    let mut frame_buf = [0u8; LINK_CHUNK + link::HEADER_TRAILER];
    let mut raw_buf = [0u8; 256];
    let mut dec = Decoder::new(&mut frame_buf).expecting(0);
    let mut raw = Decoder::new(&mut raw_buf);
    let mut seq = 0u32;
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        let data = chunk.get(..n).unwrap_or(&[]);
        let mut rest = data;
        while !rest.is_empty() {
            let (used, ev) = raw.push(rest);
            if let Some(Event::Damaged(d)) = ev {
                c.link_damaged += 1;
                c.mix(d.len);
            }
            rest = rest.get(used..).unwrap_or(&[]);
        }
        let mut out: &mut [u8] = &mut wire;
        let mut lw = LinkWriter::with_seq(&mut out, seq);
        let ok = lw.write_all(data).is_ok() && lw.end_frame().is_ok();
        drop(lw);
        let left = out.len();
        let len = wire.len().saturating_sub(left);
        if !ok {
            c.mismatches += 1;
            continue;
        }
        let mut rest = wire.get(..len).unwrap_or(&[]);
        let piece = crate::opaque(97usize).max(1);
        let mut intact = false;
        while !rest.is_empty() {
            let take = piece.min(rest.len());
            let (used, ev) = dec.push(rest.get(..take).unwrap_or(&[]));
            match ev {
                Some(Event::Frame(f)) if f.payload == data && f.seq == seq && f.gap.is_none() => {
                    intact = true;
                    c.mix(u64::from(f.seq));
                }
                Some(_) => c.mismatches += 1,
                None => {}
            }
            rest = rest.get(used..).unwrap_or(&[]);
        }
        if intact {
            c.link_frames += 1;
        } else {
            c.mismatches += 1;
        }
        seq = seq.wrapping_add(1);
    }
    if raw.finish().is_some() {
        c.link_damaged += 1;
    }
    file.close()
}

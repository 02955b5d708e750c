//! `framewire frames`: runs a file through the push decoder in fixed-size
//! chunks and prints one JSON line per frame or error.
//!
//! A frame's line is `{"offset":O,"format":"sac"|"vcbn","length":L, ...}`
//! with the header fields as `inspect` prints them; an error's line is
//! `{"offset":O,"error":"..."}`. The file is read chunk by chunk, so memory
//! stays bounded whatever its size.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use framewire::stream::{Decoder, Event, FrameHeader, StreamError};
use framewire::vcbn;

use crate::inspect::{sac_fields, string, vcbn_fields, Object};
use crate::{bad, shown, Failure};

/// The decoder's header buffer: room for the prefix, the largest header the
/// default limits accept, and the pad.
pub(crate) const HEADER_BUF: usize = vcbn::DEFAULT_MAX_JSON_LEN as usize + vcbn::PREFIX_LEN + 1;

/// What a run saw.
pub(crate) struct Summary {
    /// Frames printed.
    pub(crate) frames: u64,
    /// Errors printed.
    pub(crate) errors: u64,
}

fn error_line(e: &StreamError) -> String {
    let mut o = Object::default();
    o.set("offset", e.offset.to_string());
    o.set("error", string(&e.error.to_string()));
    o.render()
}

/// A frame's line: its offset, format, length and header fields.
pub(crate) fn header_object(
    path: &Path,
    offset: u64,
    header: &FrameHeader<'_>,
) -> Result<Object, Failure> {
    let mut o = Object::default();
    o.set("offset", offset.to_string());
    match header {
        FrameHeader::Sac(h) => {
            o.set("format", string("sac"));
            o.set("length", h.frame_len().to_string());
            sac_fields(&mut o, h);
        }
        FrameHeader::Vcbn { header, json } => {
            o.set("format", string("vcbn"));
            o.set("length", header.frame_len().to_string());
            vcbn_fields(&mut o, path, header, json)?;
        }
    }
    Ok(o)
}

/// Decodes `input` in `chunk_size`-byte reads, writing JSON lines to `out`.
/// Stops at the first error unless `resync`.
pub(crate) fn scan(
    path: &Path,
    mut input: impl Read,
    chunk_size: usize,
    resync: bool,
    out: &mut impl Write,
) -> Result<Summary, Failure> {
    let mut dec: Box<Decoder<HEADER_BUF>> = Box::new(Decoder::new().resync(resync));
    let mut chunk = vec![0u8; chunk_size];
    let mut summary = Summary {
        frames: 0,
        errors: 0,
    };
    // The line of the frame in progress, started at its header.
    let mut pending: Option<Object> = None;
    let write =
        |out: &mut dyn Write, line: &str| writeln!(out, "{line}").map_err(|e| bad("stdout", e));
    let mut at_end = false;
    loop {
        let n = if at_end {
            0
        } else {
            loop {
                match input.read(&mut chunk) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(bad(shown(path), format_args!("cannot read: {e}"))),
                }
            }
        };
        at_end = n == 0;
        let data = chunk.get(..n).unwrap_or(&[]);
        let mut events = if at_end { dec.finish() } else { dec.feed(data) };
        while let Some(ev) = events.next() {
            match ev {
                Err(e) => {
                    pending = None;
                    summary.errors += 1;
                    write(out, &error_line(&e))?;
                    if !resync {
                        return Ok(summary);
                    }
                }
                Ok(Event::Header { offset, header }) => {
                    pending = Some(header_object(path, offset, &header)?);
                }
                Ok(Event::Payload { .. }) => {}
                Ok(Event::End { .. }) => {
                    if let Some(o) = pending.take() {
                        summary.frames += 1;
                        write(out, &o.render())?;
                    }
                }
            }
        }
        if at_end {
            return Ok(summary);
        }
    }
}

/// Runs `frames`: exit status 0 when the file held no error, 1 otherwise.
pub(crate) fn run(path: &Path, chunk_size: usize, resync: bool) -> Result<(), Failure> {
    let file = std::fs::File::open(path)
        .map_err(|e| bad(shown(path), format_args!("cannot read: {e}")))?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let summary = scan(path, file, chunk_size, resync, &mut out)?;
    out.flush().map_err(|e| bad("stdout", e))?;
    if summary.errors > 0 {
        return Err(Failure::Quiet);
    }
    Ok(())
}

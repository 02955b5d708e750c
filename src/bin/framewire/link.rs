//! `framewire frames --link`: a capture of a link (framewire's link layer,
//! docs/FORMATS.md section 9) through `link::Decoder`, one JSON line per
//! link frame:
//!
//! - an intact frame: `{"offset":O,"seq":S,"format":...,"length":L, ...}`,
//!   the header fields of the SAC or VCBN frame it carries, as `frames`
//!   prints them (`offset` is the link frame's offset in the capture);
//! - before it, if frames were lost: `{"offset":O,"lost":N,"expected":E,"got":S}`;
//! - a damaged frame: `{"offset":O,"damaged":"...","length":L}` (`length`:
//!   its stuffed bytes);
//! - an intact frame whose payload is not exactly one SAC or VCBN frame:
//!   `{"offset":O,"seq":S,"error":"..."}`.

use std::io::{BufWriter, Read, Write};
use std::path::Path;

use framewire::link::{Decoder, Event, Frame};
use framewire::stream::{self, Event as StreamEvent};

use crate::frames::{header_object, Summary, HEADER_BUF};
use crate::inspect::{string, Object};
use crate::{bad, shown, Failure};

/// The longest link frame `frames --link` reassembles from a file.
const MAX_FRAME: u64 = 1 << 30;
/// The longest it reassembles from a pipe, a FIFO or a terminal, whose
/// length is unknown (a longer frame is reported damaged).
const MAX_PIPED_FRAME: u64 = 64 << 20;

/// The decoder's buffer for a capture of `file_len` bytes (`None` when the
/// length is unknown): no frame in a file can be longer than the file.
fn buffer_len(file_len: Option<u64>) -> usize {
    let len = file_len.map_or(MAX_PIPED_FRAME, |n| n.min(MAX_FRAME));
    usize::try_from(len).unwrap_or(usize::MAX >> 1) + framewire::link::HEADER_TRAILER
}

/// The line of an intact link frame: the frame it carries, or an error if
/// its payload is not exactly one frame.
fn frame_line(
    path: &Path,
    f: &Frame<'_>,
    dec: &mut stream::Decoder<HEADER_BUF>,
) -> Result<(Object, bool), Failure> {
    dec.reset();
    let mut line: Option<Object> = None;
    let mut problem: Option<String> = None;
    let mut ended_at = None;
    for fed in [true, false] {
        let mut events = if fed {
            dec.feed(f.payload)
        } else {
            dec.finish()
        };
        while let Some(ev) = events.next() {
            match ev {
                Err(e) => problem = problem.or(Some(e.error.to_string())),
                Ok(StreamEvent::Header { header, .. }) if line.is_none() => {
                    line = Some(header_object(path, f.offset, &header)?)
                }
                Ok(StreamEvent::Header { .. }) => {
                    problem = problem.or(Some("the payload holds more than one frame".into()))
                }
                Ok(StreamEvent::End { len, .. }) => ended_at = Some(len),
                Ok(StreamEvent::Payload { .. }) => {}
            }
        }
    }
    if problem.is_none() && ended_at != Some(f.payload.len() as u64) {
        problem = Some("the payload is not exactly one SAC or VCBN frame".into());
    }
    let mut o = match (problem, line) {
        (None, Some(o)) => o,
        (problem, _) => {
            let mut o = Object::default();
            o.set("offset", f.offset.to_string());
            o.set(
                "error",
                string(&problem.unwrap_or_else(|| "empty payload".into())),
            );
            o.set("seq", f.seq.to_string());
            return Ok((o, false));
        }
    };
    o.set("seq", f.seq.to_string());
    Ok((o, true))
}

/// Decodes a link capture in `chunk_size`-byte reads, writing JSON lines.
pub(crate) fn scan(
    path: &Path,
    mut input: impl Read,
    file_len: Option<u64>,
    chunk_size: usize,
    out: &mut impl Write,
) -> Result<Summary, Failure> {
    // Zero-allocated: the pages no frame reaches are never touched.
    let mut buf = vec![0u8; buffer_len(file_len)];
    let mut dec = Decoder::new(&mut buf).expecting(0);
    let mut frames: Box<stream::Decoder<HEADER_BUF>> = Box::new(stream::Decoder::new());
    let mut chunk = vec![0u8; chunk_size];
    let mut summary = Summary {
        frames: 0,
        errors: 0,
    };
    let write =
        |out: &mut dyn Write, line: &str| writeln!(out, "{line}").map_err(|e| bad("stdout", e));
    loop {
        let n = loop {
            match input.read(&mut chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(bad(shown(path), format_args!("cannot read: {e}"))),
            }
        };
        if n == 0 {
            break;
        }
        let mut data = chunk.get(..n).unwrap_or(&[]);
        while !data.is_empty() {
            let (used, ev) = dec.push(data);
            data = data.get(used..).unwrap_or(&[]);
            match ev {
                Some(Event::Frame(f)) => {
                    if let Some(g) = f.gap {
                        let mut o = Object::default();
                        o.set("offset", f.offset.to_string());
                        o.set("lost", g.lost().to_string());
                        o.set("expected", g.expected.to_string());
                        o.set("got", g.got.to_string());
                        summary.errors += 1;
                        write(out, &o.render())?;
                    }
                    let (o, ok) = frame_line(path, &f, &mut frames)?;
                    if ok {
                        summary.frames += 1;
                    } else {
                        summary.errors += 1;
                    }
                    write(out, &o.render())?;
                }
                Some(Event::Damaged(d)) => {
                    summary.errors += 1;
                    write(out, &damaged_line(&d))?;
                }
                None => {}
            }
        }
    }
    if let Some(d) = dec.finish() {
        summary.errors += 1;
        write(out, &damaged_line(&d))?;
    }
    Ok(summary)
}

fn damaged_line(d: &framewire::link::Damaged) -> String {
    let mut o = Object::default();
    o.set("offset", d.offset.to_string());
    o.set("damaged", string(d.damage.describe()));
    o.set("length", d.len.to_string());
    o.render()
}

/// Runs `frames --link`: exit status 0 when every link frame was intact, in
/// sequence, and carried one frame; 1 otherwise.
pub(crate) fn run(path: &Path, chunk_size: usize) -> Result<(), Failure> {
    let file = std::fs::File::open(path)
        .map_err(|e| bad(shown(path), format_args!("cannot read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| bad(shown(path), format_args!("cannot read: {e}")))?;
    // A pipe's or a FIFO's length is 0 whatever comes through it.
    let len = meta.is_file().then_some(meta.len());
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let summary = scan(path, file, len, chunk_size, &mut out)?;
    out.flush().map_err(|e| bad("stdout", e))?;
    if summary.errors > 0 {
        return Err(Failure::Quiet);
    }
    Ok(())
}

//! The push decoder (`stream::Decoder`) and the `io::FrameReader` on top of
//! it, over arbitrary bytes in chunks drawn from the input.
//!
//! Input layout:
//! - byte 0, configuration: bits 0-1 the header buffer `N` (24, 64, 1024,
//!   1024), bit 2 resync mode, bit 3 small limits, bit 4 a small (64-byte)
//!   frame buffer for the `FrameReader`;
//! - byte 1: `k`, then `(k % 8) + 1` bytes of chunk sizes, used in turn
//!   (0 = an empty chunk, 1..=127 as is, 128..=255 as `(s - 127) * 16`);
//! - the rest is the stream.
//!
//! Checked:
//! - the same bytes fed in those chunks and fed whole give the same events
//!   (payload pieces merged);
//! - the pieces of a part are contiguous from part offset 0, never empty, in
//!   the order A, B (SAC) or Blob (VCBN), each at the stream offset its place
//!   in the frame gives; `End.len` is the header's frame length
//!   and the bytes between `Header` and `End`; `position()` is the bytes fed;
//! - in strict mode frames tile the stream from offset 0 and nothing follows
//!   an error; in resync mode frame starts only move forward;
//! - every frame reported decodes with the one-shot decoders (`sac::decode`,
//!   `vcbn::decode_with`) from exactly its bytes, to the same header and
//!   payload, and `frame::take_from_bytes` takes exactly its bytes from
//!   there; every error is the one the one-shot header parsers give for
//!   the bytes at its offset;
//! - the `FrameReader` reports exactly the decoder's frames and errors, each
//!   frame's bytes equal to the input's (pad byte zeroed).
#![no_main]

use std::convert::Infallible;

use framewire::frame::{self, AnyFrame};
use framewire::io::{ByteSource, FrameReader, ReadError};
use framewire::stream::{Decoder, Event, Format, FrameHeader, Part, StreamError};
use framewire::vcbn::{self, Limits};
use framewire::{sac, Error};
use framewire_fuzz::{same_header, show, show_err, SMALL};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone)]
enum Head {
    Sac(sac::Header),
    Vcbn(vcbn::Header, String),
}

impl Head {
    fn frame_len(&self) -> u64 {
        match self {
            Head::Sac(h) => h.frame_len(),
            Head::Vcbn(h, _) => h.frame_len(),
        }
    }
    fn head_len(&self) -> u64 {
        match self {
            Head::Sac(_) => sac::HEADER_LEN as u64,
            Head::Vcbn(h, _) => h.blob_offset(),
        }
    }
    fn format(&self) -> Format {
        match self {
            Head::Sac(_) => Format::Sac,
            Head::Vcbn(..) => Format::Vcbn,
        }
    }
    /// The parts with bytes, in order.
    fn parts(&self) -> Vec<Part> {
        match self {
            Head::Sac(h) => [(Part::A, h.len_a_bytes()), (Part::B, h.len_b_bytes())]
                .into_iter()
                .filter(|&(_, n)| n > 0)
                .map(|(p, _)| p)
                .collect(),
            Head::Vcbn(h, _) if h.blob_len() > 0 => vec![Part::Blob],
            Head::Vcbn(..) => vec![],
        }
    }
}

#[derive(Debug, Clone)]
enum Ev {
    Header {
        offset: u64,
        head: Head,
    },
    Payload {
        part: Part,
        data: Vec<u8>,
    },
    End {
        offset: u64,
        len: u64,
        format: Format,
    },
    Err(StreamError),
}

/// Event equality (headers through `Debug`, so NaN ranges compare equal).
fn same_event(a: &Ev, b: &Ev) -> bool {
    match (a, b) {
        (Ev::Header { offset: x, head: h }, Ev::Header { offset: y, head: k }) => {
            x == y && format!("{h:?}") == format!("{k:?}")
        }
        (Ev::Payload { part: p, data: d }, Ev::Payload { part: q, data: e }) => p == q && d == e,
        (
            Ev::End {
                offset: o,
                len: l,
                format: f,
            },
            Ev::End {
                offset: p,
                len: m,
                format: g,
            },
        ) => o == p && l == m && f == g,
        (Ev::Err(e), Ev::Err(f)) => e == f,
        _ => false,
    }
}

/// A frame between its `Header` and `End`.
struct Open {
    offset: u64,
    head: Head,
    parts: Vec<Part>,
    bytes: u64,
}

struct Collector {
    resync: bool,
    evs: Vec<Ev>,
    open: Option<Open>,
    errored: bool,
    /// Bytes fed so far, including the chunk being drained.
    fed: u64,
}

impl Collector {
    fn push(&mut self, ev: Result<Event<'_>, StreamError>) {
        if !self.resync {
            assert!(
                !self.errored,
                "an event after an error in strict mode: {ev:?}"
            );
        }
        match ev {
            Err(e) => {
                show(&e);
                show_err(&e.error);
                assert!(e.offset <= self.fed);
                if let Some(open) = self.open.take() {
                    // Only the end of the stream can cut a frame short.
                    assert_eq!(e.offset, open.offset);
                    assert!(matches!(e.error, Error::Truncated { .. }), "{e:?}");
                }
                self.errored = true;
                self.evs.push(Ev::Err(e));
            }
            Ok(Event::Header { offset, header }) => {
                assert!(self.open.is_none(), "header inside a frame");
                let head = match header {
                    FrameHeader::Sac(h) => Head::Sac(h),
                    FrameHeader::Vcbn { header, json } => {
                        assert_eq!(json.len(), header.json_len() as usize);
                        Head::Vcbn(header, json.to_owned())
                    }
                };
                assert_eq!(header.frame_len(), head.frame_len());
                assert_eq!(header.format(), head.format());
                // The header is parsed once its bytes are in (before any pad).
                let parsed_len = match &head {
                    Head::Sac(_) => sac::HEADER_LEN as u64,
                    Head::Vcbn(h, _) => 9 + u64::from(h.json_len()),
                };
                assert!(offset + parsed_len <= self.fed);
                let mut parts = head.parts();
                parts.reverse();
                self.open = Some(Open {
                    offset,
                    head: head.clone(),
                    parts,
                    bytes: 0,
                });
                self.evs.push(Ev::Header { offset, head });
            }
            Ok(Event::Payload {
                part,
                offset,
                part_offset,
                data,
            }) => {
                let open = self.open.as_mut().expect("payload outside a frame");
                assert!(!data.is_empty(), "empty payload piece");
                // The stream offset: after the frame's header and the
                // payload bytes before this piece.
                assert_eq!(
                    offset,
                    open.offset + open.head.head_len() + open.bytes,
                    "wrong stream offset for {part:?}"
                );
                assert!(offset + data.len() as u64 <= self.fed);
                open.bytes += data.len() as u64;
                match self.evs.last_mut() {
                    Some(Ev::Payload { part: p, data: d }) if *p == part => {
                        assert_eq!(part_offset, d.len() as u64, "gap or overlap in {part:?}");
                        d.extend_from_slice(data);
                    }
                    _ => {
                        assert_eq!(part_offset, 0, "{part:?} does not start at 0");
                        assert_eq!(open.parts.pop(), Some(part), "parts out of order");
                        self.evs.push(Ev::Payload {
                            part,
                            data: data.to_vec(),
                        });
                    }
                }
            }
            Ok(Event::End {
                offset,
                len,
                format,
            }) => {
                let open = self.open.take().expect("end outside a frame");
                assert_eq!(offset, open.offset);
                assert_eq!(len, open.head.frame_len());
                assert_eq!(format, open.head.format());
                assert!(open.parts.is_empty(), "a part is missing");
                assert_eq!(open.head.head_len() + open.bytes, len);
                assert!(offset + len <= self.fed);
                self.evs.push(Ev::End {
                    offset,
                    len,
                    format,
                });
            }
        }
    }
}

fn run<const N: usize>(limits: Limits, resync: bool, data: &[u8], sizes: &[usize]) -> Vec<Ev> {
    let mut dec = Decoder::<N>::with_limits(limits).resync(resync);
    assert_eq!(dec.is_resync(), resync);
    assert!(dec.is_idle());
    let mut c = Collector {
        resync,
        evs: Vec::new(),
        open: None,
        errored: false,
        fed: 0,
    };
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        i += 1;
        let (chunk, r) = rest.split_at(n);
        rest = r;
        c.fed += n as u64;
        let mut events = dec.feed(chunk);
        while let Some(ev) = events.next() {
            c.push(ev);
        }
        assert!(events.remaining().is_empty());
        assert_eq!(dec.position(), c.fed);
        if !resync {
            assert_eq!(dec.is_stopped(), c.errored);
        }
    }
    let mut events = dec.finish();
    while let Some(ev) = events.next() {
        c.push(ev);
    }
    assert!(c.open.is_none(), "a frame left open at the end");
    assert!(dec.is_idle());
    assert!(!dec.is_stopped());
    assert_eq!(dec.position(), data.len() as u64);
    c.evs
}

/// Checks the events of a whole run against the one-shot decoders.
fn oracle(evs: &[Ev], data: &[u8], eff: &Limits, resync: bool) {
    let mut next_start = 0u64; // strict mode: where the next frame must start
    let mut last_start: Option<(u64, bool)> = None; // (offset, was a header)
    let mut i = 0;
    while i < evs.len() {
        let start = match &evs[i] {
            Ev::Header { offset, .. } => *offset,
            Ev::Err(e) => e.offset,
            other => panic!("a frame starts with {other:?}"),
        };
        if let Some((prev, was_header)) = last_start {
            // Equal only for a header and its truncation.
            assert!(start > prev || (start == prev && was_header && matches!(evs[i], Ev::Err(_))));
        }
        if !resync {
            assert_eq!(start, next_start, "frames do not tile the stream");
        }
        last_start = Some((start, matches!(evs[i], Ev::Header { .. })));
        let window = &data[start as usize..];
        match &evs[i] {
            Ev::Err(e) => {
                check_error(e, window, eff);
                i += 1;
            }
            Ev::Header { offset, head } => {
                let mut j = i + 1;
                let mut parts: Vec<(Part, &[u8])> = Vec::new();
                while let Some(Ev::Payload { part, data }) = evs.get(j) {
                    parts.push((*part, data));
                    j += 1;
                }
                let part = |p: Part| {
                    parts
                        .iter()
                        .find(|(q, _)| *q == p)
                        .map_or(&[][..], |(_, d)| *d)
                };
                match evs.get(j) {
                    Some(Ev::End { len, .. }) => {
                        let frame = &window[..*len as usize];
                        let (any, rest) = frame::take_from_bytes(window, eff)
                            .expect("stream frame fails frame::take_from_bytes");
                        assert_eq!(any.format(), head.format());
                        assert_eq!(rest.len() as u64, window.len() as u64 - len);
                        match head {
                            Head::Sac(h) => {
                                let f = sac::decode(frame).expect("stream frame fails sac::decode");
                                assert_eq!(f.header(), h);
                                assert_eq!(f.a_bytes(), part(Part::A));
                                assert_eq!(f.b_bytes(), part(Part::B));
                            }
                            Head::Vcbn(h, json) => {
                                let f = vcbn::decode_with(frame, eff)
                                    .expect("stream frame fails vcbn::decode_with");
                                assert!(same_header(f.header(), h));
                                assert_eq!(f.json(), json);
                                assert_eq!(f.blob().as_bytes(), part(Part::Blob));
                            }
                        }
                        next_start = offset + len;
                    }
                    Some(Ev::Err(e)) => {
                        assert_eq!(
                            e.error,
                            Error::Truncated {
                                needed: head.frame_len(),
                                available: window.len() as u64
                            }
                        );
                        next_start = data.len() as u64;
                    }
                    other => panic!("a frame ends with {other:?}"),
                }
                i = j + 1;
            }
            _ => unreachable!(),
        }
    }
    if !resync && !evs.iter().any(|e| matches!(e, Ev::Err(_))) {
        assert_eq!(
            next_start,
            data.len() as u64,
            "bytes left over without an error"
        );
    }
}

/// A stream error is what the one-shot header parsers say about the bytes at
/// its offset.
fn check_error(e: &StreamError, window: &[u8], eff: &Limits) {
    if let Error::Truncated { available, .. } = e.error {
        assert_eq!(available, window.len() as u64, "{e:?}");
        return;
    }
    let magic = window.get(..4).expect("an error before 4 bytes");
    if magic == b"SAC1" {
        assert_eq!(sac::Header::parse(window).map(|_| ()), Err(e.error));
    } else if vcbn::Magic::from_bytes(magic.try_into().unwrap()).is_some() {
        match vcbn::Prefix::parse(window, eff) {
            Err(pe) => assert_eq!(pe, e.error),
            Ok(p) => {
                let json = &window[9..9 + p.json_len() as usize];
                let r = vcbn::Header::parse_json(json, eff).map_err(|x| x.shifted(9));
                assert_eq!(r.map(|_| ()), Err(e.error));
            }
        }
    } else {
        match e.error {
            Error::BadMagic { found, .. } => assert_eq!(&found[..], magic),
            other => panic!("not a magic, yet {other:?}"),
        }
    }
}

struct Src<'a> {
    data: &'a [u8],
    sizes: &'a [usize],
    i: usize,
}

impl ByteSource for Src<'_> {
    type Error = Infallible;
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = self.sizes[self.i % self.sizes.len()]
            .max(1)
            .min(buf.len())
            .min(self.data.len());
        self.i += 1;
        let (head, rest) = self.data.split_at(n);
        buf[..n].copy_from_slice(head);
        self.data = rest;
        Ok(n)
    }
}

/// The frame reader reports the decoder's frames and errors.
fn reader<const N: usize>(
    evs: &[Ev],
    data: &[u8],
    limits: Limits,
    resync: bool,
    sizes: &[usize],
    fbuf_len: usize,
) {
    // What the reader must report: Ok((offset, len)) or Err.
    let mut expect: Vec<Result<(u64, u64), StreamError>> = Vec::new();
    let mut skip = false;
    for ev in evs {
        match ev {
            Ev::Header { offset, head } => {
                let len = head.frame_len();
                skip = len > fbuf_len as u64;
                if skip {
                    expect.push(Err(StreamError {
                        offset: *offset,
                        error: Error::BufferTooSmall {
                            needed: len,
                            available: fbuf_len as u64,
                        },
                    }));
                }
            }
            Ev::Payload { .. } => {}
            Ev::End { offset, len, .. } => {
                if !std::mem::take(&mut skip) {
                    expect.push(Ok((*offset, *len)));
                }
            }
            Ev::Err(e) => {
                skip = false;
                expect.push(Err(*e));
            }
        }
    }
    let mut fbuf = vec![0u8; fbuf_len];
    let dec = Decoder::<N>::with_limits(limits).resync(resync);
    let src = Src { data, sizes, i: 0 };
    let mut r = FrameReader::<_, N>::with_decoder(src, &mut fbuf, dec);
    let mut got = Vec::new();
    while let Some(item) = r.next_frame() {
        match item {
            Ok(f) => {
                let (o, n) = (f.offset as usize, f.bytes.len());
                let mut want = data[o..o + n].to_vec();
                match f.frame {
                    AnyFrame::Sac(s) => {
                        assert_eq!(Some(s.header()), sac::Header::parse(&want).ok());
                    }
                    AnyFrame::Vcbn(v) => {
                        let h = v.header();
                        if h.pad_len() == 1 {
                            want[9 + h.json_len() as usize] = 0;
                        }
                        let orig = vcbn::decode_with(&data[o..o + n], &limits).unwrap();
                        assert!(same_header(h, orig.header()));
                    }
                    other => panic!("a frame of an unknown format: {other:?}"),
                }
                assert_eq!(f.bytes, &want[..]);
                got.push(Ok((f.offset, n as u64)));
            }
            Err(ReadError::Stream(e)) => {
                show(&ReadError::<Infallible>::Stream(e));
                got.push(Err(e));
            }
            Err(ReadError::Io(never)) => match never {},
        }
    }
    assert_eq!(got, expect);
}

fn go<const N: usize>(cfg: u8, data: &[u8], sizes: &[usize]) {
    let resync = cfg & 4 != 0;
    let limits = if cfg & 8 != 0 { SMALL } else { Limits::DEFAULT };
    let room = u32::try_from(N - 9).unwrap();
    let eff = limits.with_max_json_len(limits.max_json_len().min(room));

    let chunked = run::<N>(limits, resync, data, sizes);
    let whole = run::<N>(limits, resync, data, &[data.len().max(1)]);
    assert_eq!(
        chunked.len(),
        whole.len(),
        "the chunking changed the events"
    );
    for (a, b) in chunked.iter().zip(&whole) {
        assert!(same_event(a, b), "the chunking changed {a:?} into {b:?}");
    }
    oracle(&whole, data, &eff, resync);
    let fbuf_len = if cfg & 16 != 0 { 64 } else { data.len() };
    reader::<N>(&whole, data, limits, resync, sizes, fbuf_len);
}

fuzz_target!(|input: &[u8]| {
    let [cfg, k, rest @ ..] = input else {
        return;
    };
    let k = usize::from(k % 8) + 1;
    if rest.len() < k {
        return;
    }
    let (size_bytes, data) = rest.split_at(k);
    let mut sizes: Vec<usize> = size_bytes
        .iter()
        .map(|&s| match s {
            0..=127 => usize::from(s),
            _ => usize::from(s - 127) * 16,
        })
        .collect();
    if sizes.iter().all(|&s| s == 0) {
        sizes.push(1);
    }
    match cfg & 3 {
        0 => go::<24>(*cfg, data, &sizes),
        1 => go::<64>(*cfg, data, &sizes),
        _ => go::<1024>(*cfg, data, &sizes),
    }
});

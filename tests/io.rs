//! Streaming writers over embedded-io (blocking and async) and the frame reader.
#![cfg(all(
    feature = "embedded-io",
    feature = "embedded-io-async",
    feature = "std"
))]

use core::convert::Infallible;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

mod common;

use framewire::frame::AnyFrame;
use framewire::io::{asynch, blocking, EmbeddedIo, FrameReader, ReadError, StdIo, WriteError};
use framewire::quant::Samples;
use framewire::stream::Decoder;
use framewire::vcbn::{self, Dtype, Params};
use framewire::{sac, Error, Shape};

fn one_shot_sac(a: &[i16], b: &[i16], shape: Shape) -> Vec<u8> {
    let mut out = vec![0u8; sac::encoded_len(a.len(), b.len()).unwrap()];
    sac::encode(a, b, shape, &mut out).unwrap();
    out
}

fn one_shot_vcbn(x: &[f32], shape: Shape, p: &Params) -> Vec<u8> {
    let mut out = vec![0u8; vcbn::encoded_len(shape, p).unwrap()];
    vcbn::encode(Samples::F32(x), shape, p, &mut out).unwrap();
    out
}

fn samples(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 0.5)
        .collect()
}

#[test]
fn blocking_writers_are_byte_identical_to_one_shot() {
    for (h, w) in [(0, 0), (1, 1), (3, 5), (64, 64), (17, 301)] {
        let a: Vec<i16> = (0..h * w).map(|i| (i as i16).wrapping_mul(37)).collect();
        let b: Vec<i16> = a.iter().map(|v| v.wrapping_neg()).collect();
        let shape = Shape::from([h, w]);
        let mut link = Vec::new();
        blocking::write_sac(&mut link, &a, &b, shape).unwrap();
        assert_eq!(link, one_shot_sac(&a, &b, shape));

        for dtype in [Dtype::U8, Dtype::U16] {
            let p = Params::new(dtype, -0.25, 1.25);
            let x = samples(h * w);
            let mut link = Vec::new();
            blocking::write_vcbn(&mut link, Samples::F32(&x), shape, p).unwrap();
            assert_eq!(link, one_shot_vcbn(&x, shape, &p), "{h}x{w} {dtype:?}");
        }
    }
}

#[test]
fn writer_into_a_fixed_buffer_reports_the_io_error() {
    // &mut [u8] is an embedded_io::Write that fails when full.
    let mut small = [0u8; 30];
    let r = blocking::write_sac(&mut small[..], &[1; 10], &[2; 10], Shape::UNKNOWN);
    assert!(matches!(r, Err(WriteError::Io(_))), "{r:?}");
    let r = blocking::write_sac(Vec::new(), &[1; 3], &[2; 2], Shape::UNKNOWN).map(|_| ());
    assert_eq!(r, Ok(()));
    let r = blocking::VcbnWriter::begin(
        Vec::new(),
        Shape::new(2, 2),
        Params::new(Dtype::U8, 1.0, f64::INFINITY),
    );
    assert!(matches!(
        r,
        Err(WriteError::Frame(Error::NonFiniteRange { .. }))
    ));
}

/// An async writer that suspends once before every write, like a UART
/// waiting for its FIFO, so the awaits are really exercised.
struct Yielding {
    out: Vec<u8>,
    polls: usize,
}

struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl embedded_io_async::ErrorType for Yielding {
    type Error = Infallible;
}

impl embedded_io_async::Write for Yielding {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        YieldOnce(false).await;
        self.polls += 1;
        // Accept at most 7 bytes per call: write_all must loop.
        let n = buf.len().min(7);
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    async fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

#[test]
fn async_writers_run_on_a_small_executor() {
    let a: Vec<i16> = (0..300).map(|i| i as i16 - 150).collect();
    let b: Vec<i16> = (0..300).map(|i| (i * i) as i16).collect();
    let x = samples(20 * 15);
    let p = Params::new(Dtype::U16, -0.5, 1.5);
    let w = embassy_futures::block_on(async {
        let w = Yielding {
            out: Vec::new(),
            polls: 0,
        };
        let w = asynch::write_sac(w, &a, &b, Shape::new(15, 20))
            .await
            .unwrap();
        let mut vw = asynch::VcbnWriter::begin(w, Shape::new(20, 15), p)
            .await
            .unwrap();
        for row in x.chunks(15) {
            vw.write(Samples::F32(row)).await.unwrap();
        }
        vw.finish().await.unwrap()
    });
    let mut want = one_shot_sac(&a, &b, Shape::new(15, 20));
    want.extend_from_slice(&one_shot_vcbn(&x, Shape::new(20, 15), &p));
    assert_eq!(w.out, want);
    assert!(
        w.polls > want.len() / 7,
        "every write suspended and resumed"
    );
}

/// An embedded_io::Read that hands out at most 7 bytes per read.
struct Trickle<'a>(&'a [u8]);

impl embedded_io::ErrorType for Trickle<'_> {
    type Error = Infallible;
}

impl embedded_io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = buf.len().min(7).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// A stream of SAC and VCBN frames, written with the blocking writers.
fn mixed_stream(n: usize) -> (Vec<u8>, Vec<usize>) {
    let mut link = Vec::new();
    let mut starts = Vec::new();
    for i in 0..n {
        starts.push(link.len());
        let (h, w) = (i % 5, (i * 3) % 7);
        if i % 2 == 0 {
            let a: Vec<i16> = (0..h * w).map(|k| (k + i) as i16).collect();
            blocking::write_sac(&mut link, &a, &a, Shape::from([h, w])).unwrap();
        } else {
            let dtype = if i % 4 == 1 { Dtype::U8 } else { Dtype::U16 };
            let x = samples(h * w);
            blocking::write_vcbn(
                &mut link,
                Samples::F32(&x),
                Shape::from([h, w]),
                Params::new(dtype, 0.0, 1.0),
            )
            .unwrap();
        }
    }
    (link, starts)
}

#[test]
fn frame_reader_yields_every_frame_over_std_and_embedded_io() {
    let (link, starts) = mixed_stream(200);
    let mut buf = vec![0u8; 4096];
    // std::io::Read, 512-byte reads.
    let mut r = FrameReader::<_, 512>::new(StdIo(&link[..]), &mut buf);
    let mut got = Vec::new();
    while let Some(item) = r.next_frame() {
        let f = item.unwrap();
        let end = f.offset as usize + f.bytes.len();
        assert_eq!(
            f.bytes,
            &link[f.offset as usize..end],
            "frame bytes as received"
        );
        match f.frame {
            AnyFrame::Sac(s) => assert_eq!(s.a().len(), s.header().length_a() as usize),
            AnyFrame::Vcbn(v) => assert_eq!(v.blob().len() as u64, v.header().elements()),
            _ => unreachable!("only SAC and VCBN are written"),
        }
        got.push(f.offset as usize);
    }
    assert_eq!(got, starts);

    // embedded_io::Read, 7-byte reads.
    let mut r = FrameReader::<_, 512>::new(EmbeddedIo(Trickle(&link[..])), &mut buf);
    let mut n = 0;
    while let Some(item) = r.next_frame() {
        item.unwrap();
        n += 1;
    }
    assert_eq!(n, 200);
}

#[test]
fn frame_reader_reports_errors_one_by_one_and_resyncs() {
    let (mut link, starts) = mixed_stream(20);
    link[starts[3]] = b'#'; // frame 3 lost
    link[starts[10] + 1] = b'#'; // frame 10 lost
    link.truncate(link.len() - 1); // the last frame cut short
    let mut buf = vec![0u8; 4096];
    let dec = Decoder::<512>::new().resync(true);
    let mut r = FrameReader::with_decoder(StdIo(&link[..]), &mut buf, dec);
    let (mut frames, mut errors) = (Vec::new(), Vec::new());
    while let Some(item) = r.next_frame() {
        match item {
            Ok(f) => frames.push(f.offset as usize),
            Err(ReadError::Stream(e)) => errors.push((e.offset as usize, e.error)),
            Err(e) => panic!("{e}"),
        }
    }
    let want: Vec<usize> = starts
        .iter()
        .enumerate()
        .filter(|(i, _)| ![3, 10, 19].contains(i))
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(frames, want);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(matches!(errors[0], (o, Error::BadMagic { .. }) if o == starts[3]));
    assert!(matches!(errors[1], (o, Error::BadMagic { .. }) if o == starts[10]));
    assert!(matches!(errors[2], (o, Error::Truncated { .. }) if o == starts[19]));

    // Strict mode stops at the first error.
    let mut r = FrameReader::<_, 512>::new(StdIo(&link[..]), &mut buf);
    let mut n = 0;
    let mut last = None;
    while let Some(item) = r.next_frame() {
        n += 1;
        last = Some(item.map(|_| ()));
    }
    assert_eq!(n, 4);
    assert!(matches!(last, Some(Err(ReadError::Stream(e))) if e.offset as usize == starts[3]));
}

#[test]
fn frame_too_large_for_the_buffer_is_reported_and_skipped() {
    let mut link = Vec::new();
    blocking::write_sac(&mut link, &[1; 10], &[2; 10], Shape::UNKNOWN).unwrap();
    let big = link.len();
    blocking::write_sac(&mut link, &[3; 100], &[4; 100], Shape::new(10, 10)).unwrap();
    blocking::write_sac(&mut link, &[5; 2], &[6; 2], Shape::new(2, 1)).unwrap();
    let mut buf = [0u8; 100];
    let mut r = FrameReader::<_, 64>::new(EmbeddedIo(Trickle(&link[..])), &mut buf);
    let mut seen = Vec::new();
    while let Some(item) = r.next_frame() {
        seen.push(item.map(|f| f.offset).map_err(|e| match e {
            ReadError::Stream(s) => (s.offset, s.error),
            ReadError::Io(_) => unreachable!(),
        }));
    }
    assert_eq!(
        seen,
        [
            Ok(0),
            Err((
                big as u64,
                Error::BufferTooSmall {
                    needed: 424,
                    available: 100
                }
            )),
            Ok(big as u64 + 424)
        ]
    );
}

// ---------------------------------------------------------------------------
// Every kind of sample (f32, f64, complex f32/f64, real part or magnitude)
// through the streaming encoder and both writers, in random pieces: the
// bytes equal the one-shot encoder's.

use framewire::quant::ComplexPart;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Kind {
    F32(Vec<f32>),
    F64(Vec<f64>),
    C32(Vec<f32>, ComplexPart),
    C64(Vec<f64>, ComplexPart),
}

impl Kind {
    fn samples(&self) -> Samples<'_> {
        match self {
            Kind::F32(v) => Samples::F32(v),
            Kind::F64(v) => Samples::F64(v),
            Kind::C32(v, p) => Samples::Complex32(v, *p),
            Kind::C64(v, p) => Samples::Complex64(v, *p),
        }
    }
}

/// Values around the range, with NaN and infinities now and then.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -3.0f64..5.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => any::<f64>(),
    ]
}

fn kind(n: usize) -> impl Strategy<Value = Kind> {
    let part = prop_oneof![Just(ComplexPart::Real), Just(ComplexPart::Magnitude)];
    prop_oneof![
        prop::collection::vec(value(), n)
            .prop_map(|v| Kind::F32(v.iter().map(|&x| x as f32).collect())),
        prop::collection::vec(value(), n).prop_map(Kind::F64),
        (prop::collection::vec(value(), 2 * n), part.clone())
            .prop_map(|(v, p)| Kind::C32(v.iter().map(|&x| x as f32).collect(), p)),
        (prop::collection::vec(value(), 2 * n), part).prop_map(|(v, p)| Kind::C64(v, p)),
    ]
}

fn case() -> impl Strategy<Value = ([usize; 2], Kind, bool, f64, f64, Vec<usize>)> {
    (0usize..9, 0usize..13).prop_flat_map(|(h, w)| {
        (
            Just([h, w]),
            kind(h * w),
            any::<bool>(),
            -2.0f64..1.0,
            0.5f64..4.0,
            prop::collection::vec(1usize..20, 1..6),
        )
    })
}

proptest! {
    #[test]
    fn every_sample_kind_streams_byte_identical(
        (shape, kind, u8_, vmin, vmax, pieces) in case()
    ) {
        let dtype = if u8_ { Dtype::U8 } else { Dtype::U16 };
        let p = Params::new(dtype, vmin, vmax);
        let s = kind.samples();
        let shape = Shape::from(shape);
        let mut want = vec![0u8; vcbn::encoded_len(shape, &p).unwrap()];
        vcbn::encode(s, shape, &p, &mut want).unwrap();

        // The sans-I/O encoder, samples in pieces, into a small buffer.
        let mut enc = vcbn::Encoder::new(shape, p).unwrap();
        let mut got = vec![0u8; enc.blob_offset()];
        enc.write_header(&mut got).unwrap();
        let mut buf = [0u8; 7];
        let (mut at, mut i) = (0usize, 0usize);
        while at < s.len() {
            let end = (at + pieces[i % pieces.len()]).min(s.len());
            i += 1;
            let mut piece = s.sub(at, end).unwrap();
            while !piece.is_empty() {
                let (used, n) = enc.encode(piece, &mut buf).unwrap();
                prop_assert!(used > 0);
                got.extend_from_slice(&buf[..n]);
                piece = piece.sub(used, piece.len()).unwrap();
            }
            at = end;
        }
        enc.finish().unwrap();
        prop_assert_eq!(&got, &want);

        // The blocking writer, in the same pieces.
        let mut link = Vec::new();
        let mut vw = blocking::VcbnWriter::begin(&mut link, shape, p).unwrap();
        let (mut at, mut i) = (0usize, 0usize);
        while at < s.len() {
            let end = (at + pieces[i % pieces.len()]).min(s.len());
            i += 1;
            vw.write(s.sub(at, end).unwrap()).unwrap();
            at = end;
        }
        vw.finish().unwrap();
        prop_assert_eq!(&link, &want);

        // And the async one, whole.
        let mut out = Vec::new();
        embassy_futures::block_on(asynch::write_vcbn(&mut out, s, shape, p)).unwrap();
        prop_assert_eq!(&out, &want);
    }
}

// ---------------------------------------------------------------------------
// FrameReader against the one-shot decoder.

use framewire::io::{ByteSource, READ_CHUNK};

/// A source that hands out the stream in reads of the given sizes, in turn
/// (each capped by the reader's buffer, at most READ_CHUNK bytes).
struct Pattern<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    turn: usize,
}

impl ByteSource for Pattern<'_> {
    type Error = Infallible;
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        assert!(
            buf.len() <= READ_CHUNK,
            "reads are READ_CHUNK-sized at most"
        );
        let want = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// One frame of a mixed stream.
#[derive(Debug, Clone)]
enum Mixed {
    Sac(Vec<i16>, Vec<i16>, bool),
    /// Samples, height, width, uint8 or uint16, magic.
    Vcbn(Vec<f32>, usize, usize, bool, [u8; 4]),
    /// A hand-built big-endian uint16 blob.
    Be16(Vec<u16>, usize, usize),
}

impl Mixed {
    fn encode(&self) -> Vec<u8> {
        match self {
            Mixed::Sac(a, b, with_shape) => {
                let shape = if *with_shape {
                    Shape::new(1, a.len() as u64)
                } else {
                    Shape::UNKNOWN
                };
                one_shot_sac(a, b, shape)
            }
            Mixed::Vcbn(x, h, w, u8_, magic) => {
                let dtype = if *u8_ { Dtype::U8 } else { Dtype::U16 };
                let p = Params::new(dtype, -1.0, 2.0);
                let mut v = one_shot_vcbn(x, Shape::from([*h, *w]), &p);
                v[..4].copy_from_slice(magic);
                v
            }
            Mixed::Be16(levels, h, w) => {
                let json = format!(
                    r#"{{"dtype":"uint16","shape":[{h},{w}],"endianness":"BE","vmin":0,"vmax":1}}"#
                );
                let blob: Vec<u8> = levels.iter().flat_map(|l| l.to_be_bytes()).collect();
                common::vcbn_env(&json, &blob)
            }
        }
    }
}

fn mixed() -> impl Strategy<Value = Mixed> {
    let magic = prop_oneof![
        Just(vcbn::MAGIC),
        Just(vcbn::MAGIC_IMPK),
        Just(vcbn::MAGIC_CBIN)
    ];
    prop_oneof![
        (0usize..40, any::<bool>()).prop_flat_map(|(n, s)| {
            (
                prop::collection::vec(any::<i16>(), n),
                prop::collection::vec(any::<i16>(), n),
                Just(s),
            )
                .prop_map(|(a, b, s)| Mixed::Sac(a, b, s))
        }),
        (0usize..6, 0usize..9, any::<bool>(), magic).prop_flat_map(|(h, w, u8_, m)| {
            prop::collection::vec(-2.0f32..3.0, h * w)
                .prop_map(move |x| Mixed::Vcbn(x, h, w, u8_, m))
        }),
        (0usize..6, 0usize..9).prop_flat_map(|(h, w)| {
            prop::collection::vec(any::<u16>(), h * w).prop_map(move |l| Mixed::Be16(l, h, w))
        }),
    ]
}

proptest! {
    /// A stream mixing SAC and VCBN frames (all three VCBN magics, uint8,
    /// uint16 and a big-endian uint16 blob) read in any pattern of small
    /// reads gives, frame by frame, what `decode_any` gives for the same
    /// bytes.
    #[test]
    fn frame_reader_matches_decode_any_for_any_reads(
        frames in prop::collection::vec(mixed(), 0..12),
        sizes in prop::collection::vec(prop_oneof![4 => 1usize..=7, 1 => Just(READ_CHUNK)], 1..8),
    ) {
        let mut link = Vec::new();
        let mut spans = Vec::new();
        for f in &frames {
            let bytes = f.encode();
            spans.push(link.len()..link.len() + bytes.len());
            link.extend_from_slice(&bytes);
        }
        let mut buf = vec![0u8; 4096];
        let source = Pattern { data: &link, sizes, turn: 0 };
        let mut r = FrameReader::<_, 512>::new(source, &mut buf);
        let mut seen = 0;
        while let Some(item) = r.next_frame() {
            let got = item.map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert!(seen < spans.len(), "more frames than written");
            let span = spans[seen].clone();
            let want = &link[span.clone()];
            prop_assert_eq!(got.offset, span.start as u64);
            prop_assert_eq!(got.bytes, want);
            let one_shot = framewire::frame::decode_any(want).unwrap();
            prop_assert_eq!(got.frame, one_shot);
            if let (Mixed::Be16(levels, ..), AnyFrame::Vcbn(v)) = (&frames[seen], got.frame) {
                prop_assert_eq!(&v.blob().iter().collect::<Vec<_>>(), levels);
            }
            seen += 1;
        }
        prop_assert_eq!(seen, frames.len());
    }
}

// ---------------------------------------------------------------------------
// A half complex pair is refused by the writers as by the one-shot encoder.

#[test]
fn writers_refuse_an_odd_complex_slice_like_encode() {
    use framewire::Field;
    let x = [1.0f32, 2.0, 3.0];
    let s = Samples::Complex32(&x, ComplexPart::Real);
    let want = Error::LengthMismatch {
        field: Field::Samples,
        expected: 4,
        actual: 3,
    };
    let p = Params::new(Dtype::U16, 0.0, 4.0);
    for shape in [Shape::new(1, 1), Shape::new(1, 2)] {
        let full = vcbn::encoded_len(shape, &p).unwrap();
        let head = vcbn::Encoder::new(shape, p).unwrap().blob_offset();
        let mut out = vec![0u8; full];
        assert_eq!(vcbn::encode(s, shape, &p, &mut out), Err(want), "{shape:?}");

        // Blocking: the whole-frame writer and VcbnWriter::write.
        let mut link = Vec::new();
        let r = blocking::write_vcbn(&mut link, s, shape, p).map(|_| ());
        assert_eq!(r, Err(WriteError::Frame(want)), "{shape:?}");
        assert!(
            link.len() < full,
            "{shape:?}: a full-length frame was written"
        );
        let mut link = Vec::new();
        let mut vw = blocking::VcbnWriter::begin(&mut link, shape, p).unwrap();
        assert_eq!(vw.write(s), Err(WriteError::Frame(want)), "{shape:?}");
        assert_eq!(link.len(), head, "{shape:?}: only the header was written");

        // Async: the same.
        let mut link = Vec::new();
        let r = embassy_futures::block_on(asynch::write_vcbn(&mut link, s, shape, p)).map(|_| ());
        assert_eq!(r, Err(WriteError::Frame(want)), "{shape:?}");
        assert!(
            link.len() < full,
            "{shape:?}: a full-length frame was written"
        );
        let mut link = Vec::new();
        let r = embassy_futures::block_on(async {
            let mut vw = asynch::VcbnWriter::begin(&mut link, shape, p)
                .await
                .unwrap();
            vw.write(s).await
        });
        assert_eq!(r, Err(WriteError::Frame(want)), "{shape:?}");
        assert_eq!(link.len(), head, "{shape:?}: only the header was written");
    }
}

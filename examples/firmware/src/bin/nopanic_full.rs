//! The whole public decode and encode surface of framewire, built for the
//! no-panic link proof (feature `full-proof`).
//!
//! Like `nopanic`, its panic handler calls an undefined symbol, so it links
//! only if no panic path is left. Besides everything `nopanic` runs, it
//! decodes the input with:
//!
//! - the push `stream::Decoder` (strict and resync) over chunks of 1 to 61
//!   bytes, then `finish`;
//! - `io::FrameReader` (`sac::decode`, `vcbn::decode_with`), and on each VCBN
//!   frame `vcbn::decode`, `dequantize_into`, the header JSON with
//!   `Number::to_f64`;
//!
//! and re-encodes with `vcbn::encode_levels` (which must give back the bytes
//! received), `vcbn::encode` and the streaming `write_vcbn`; and encodes the
//! dequantized values in imgpack's latest layout in every dtype, one-shot
//! and with the streaming `imgpack::Encoder` (which must give the same
//! bytes), and decodes them back with `imgpack::decode`.
//!
//! It links: framewire reads floats with its own correctly rounded parser
//! and writes them with Ryū, because `core`'s `f64::from_str` (dec2flt) and
//! float formatting (flt2dec, `{:e}`) keep bounds checks the optimizer cannot
//! remove. `.ci/nopanic.sh` fails if it ever stops linking, and lists where
//! each panic path starts (feature `audit`, tools/panic_paths.py).

#![no_std]
#![no_main]

use framewire::frame::AnyFrame;
use framewire::imgpack;
use framewire::io::blocking::write_vcbn;
use framewire::io::{EmbeddedIo, FrameReader};
use framewire::json::{Reader, Token};
use framewire::quant::Samples;
use framewire::stream::{Decoder, Event};
use framewire::vcbn::{self, Levels, Params};
use framewire::Error;
use framewire_firmware::entry;
use framewire_firmware::probe::{self, Sink};
use framewire_firmware::proof::{self, Counts, INPUT};
use framewire_firmware::{host, opaque};

/// The push decoder over the whole input, in chunks of 1 to 61 bytes.
fn push_decode(resync: bool, c: &mut Counts) -> Result<(), host::HostError> {
    let mut file = host::File::open(INPUT, host::READ)?;
    let mut dec = Decoder::<1024>::new().resync(resync);
    let (mut frames, mut errors, mut sum) = (0u64, 0u64, 0u64);
    let mut buf = [0u8; 256];
    let mut size = 1usize;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let mut data = buf.get(..n).unwrap_or(&[]);
        while !data.is_empty() {
            let (chunk, rest) = data.split_at(size.min(data.len()));
            size = size % 61 + 1;
            data = rest;
            let mut events = dec.feed(chunk);
            while let Some(ev) = events.next() {
                match ev {
                    Ok(Event::Header { offset, header }) => {
                        sum = sum.rotate_left(3) ^ offset ^ header.frame_len();
                    }
                    Ok(Event::Payload { offset, data, .. }) => {
                        sum = sum.rotate_left(3) ^ offset ^ data.len() as u64;
                    }
                    Ok(Event::End { .. }) => frames += 1,
                    Err(e) => {
                        errors += 1;
                        sum ^= e.offset;
                    }
                }
            }
        }
    }
    let mut events = dec.finish();
    while let Some(ev) = events.next() {
        match ev {
            Ok(Event::End { .. }) => frames += 1,
            Ok(_) => {}
            Err(_) => errors += 1,
        }
    }
    if resync {
        (c.resync_frames, c.resync_errors) = (frames, errors);
    } else {
        (c.strict_frames, c.strict_errors) = (frames, errors);
    }
    c.mix(sum);
    file.close()
}

/// Reads the header JSON token by token, numbers both ways.
fn read_json(json: &str, c: &mut Counts) -> Result<(), Error> {
    let mut r = Reader::new(json, opaque(32));
    while let Some(item) = r.next().transpose()? {
        match item.token {
            Token::Number(n) => {
                c.mix(n.to_f64().to_bits());
                c.mix(n.to_u64().unwrap_or(7));
            }
            Token::Key(k) | Token::String(k) => c.mix(u64::from(k.eq_str("shape"))),
            _ => c.mix(item.offset as u64),
        }
    }
    r.finish()
}

fn check_vcbn(bytes: &[u8], frame: &vcbn::Frame<'_>, c: &mut Counts) {
    let h = frame.header();
    let mut ok = read_json(frame.json(), c).is_ok();
    let n = frame.blob().len();
    let levels = probe::prefix(probe::u16s(), n);
    let values = probe::prefix(probe::f32s(), n);
    ok &= frame.blob().copy_to_u16(levels).is_ok();
    ok &= frame.dequantize_into(values).is_ok();
    let shape = h.shape();
    // The firmware writes canonical headers: re-encoding the levels must
    // give back the bytes received.
    let out = probe::bytes_out();
    ok &= match vcbn::encode_levels(Levels::Blob(frame.blob()), shape, h.vmin(), h.vmax(), out) {
        Ok(len) => out.get(..len) == Some(bytes),
        Err(_) => false,
    };
    ok &= vcbn::decode(bytes).is_ok();
    let params = Params::new(h.dtype(), h.vmin(), h.vmax());
    let samples = Samples::F32(values);
    c.mix(vcbn::encode(samples, shape, &params, out).map_or(1, |n| n as u64));
    let mut sink = Sink::default();
    ok &= write_vcbn(&mut sink, samples, shape, params).is_ok();
    c.mix(u64::from(sink.sum));
    ok &= check_imgpack(values, shape, h.vmin(), h.vmax(), c);
    c.vcbn += 1;
    c.mismatches += u64::from(!ok);
}

/// imgpack's latest layout: the values in every dtype, one-shot and
/// streamed (the same bytes), decoded back (the same levels or floats).
fn check_imgpack(
    values: &[f32],
    shape: framewire::Shape,
    vmin: f64,
    vmax: f64,
    c: &mut Counts,
) -> bool {
    let mut ok = true;
    for dtype in imgpack::Dtype::ALL {
        let bits = opaque(dtype.max_bits().unwrap_or(12).min(12));
        let e = if opaque(c.vcbn % 2 == 0) {
            vcbn::Endianness::Little
        } else {
            vcbn::Endianness::Big
        };
        let p = imgpack::Params::new(dtype, vmin, vmax)
            .with_bits(bits)
            .with_endianness(e);
        let out = probe::bytes_out();
        let Ok(n) = imgpack::encode(imgpack::Input::F32(values), shape, &p, out) else {
            // float64 of 4096 samples does not fit the probe buffer.
            c.mix(1);
            continue;
        };
        let wire = out.get(..n).unwrap_or(&[]);
        // The streamed bytes must equal the one-shot ones.
        let mut at = 0usize;
        let mut feed = |bytes: &[u8], ok: &mut bool| {
            let end = at.saturating_add(bytes.len());
            *ok &= wire.get(at..end) == Some(bytes);
            at = end;
        };
        if let Ok(mut enc) = imgpack::Encoder::new(shape, p) {
            let mut piece = [0u8; 37];
            let mut head = [0u8; imgpack::MAX_BLOB_OFFSET];
            let h = enc.write_header(&mut head).unwrap_or(0);
            feed(head.get(..h).unwrap_or(&[]), &mut ok);
            for x in values.chunks(5) {
                let mut part = imgpack::Input::F32(x);
                while !part.is_empty() {
                    match enc.encode(part, &mut piece) {
                        Ok((used, w)) => {
                            feed(piece.get(..w).unwrap_or(&[]), &mut ok);
                            part = part
                                .sub(used, part.len())
                                .unwrap_or(imgpack::Input::F32(&[]));
                        }
                        Err(_) => {
                            ok = false;
                            break;
                        }
                    }
                }
            }
            let w = enc.finish(&mut piece).unwrap_or(0);
            feed(piece.get(..w).unwrap_or(&[]), &mut ok);
        }
        ok &= at == n;
        match imgpack::decode(wire) {
            Ok(f) => {
                let d = f.data();
                if dtype.is_float() {
                    let mut back = [0f32; 16];
                    if let Some(b) = back.get_mut(..d.len()) {
                        ok &= d.copy_floats_to_f32(b).is_ok();
                    }
                    c.mix(d.float(0).map_or(0, f64::to_bits));
                } else {
                    let mut lv = [0u16; 16];
                    let mut dq = [0f32; 16];
                    if let (Some(l), Some(q)) = (lv.get_mut(..d.len()), dq.get_mut(..d.len())) {
                        ok &= d.copy_levels_to_u16(l).is_ok();
                        ok &= f.dequantize_into(q).is_ok();
                    }
                    c.mix(
                        f.data()
                            .levels()
                            .map_or(0, |l| l.fold(0u64, |a, v| a.rotate_left(5) ^ u64::from(v))),
                    );
                }
            }
            Err(e) => {
                ok = false;
                c.mix(e.offset().unwrap_or(3));
            }
        }
    }
    ok
}

fn run(c: &mut Counts) -> Result<(), host::HostError> {
    proof::walk(c)?;
    for resync in [false, true] {
        push_decode(opaque(resync), c)?;
    }
    let file = host::File::open(INPUT, host::READ)?;
    let dec = Decoder::<1024>::new().resync(opaque(true));
    let mut reader = FrameReader::with_decoder(EmbeddedIo(file), probe::bytes_in(), dec);
    while let Some(item) = reader.next_frame() {
        match item {
            Ok(f) => match f.frame {
                AnyFrame::Sac(_) => proof::check_sac(f.bytes, c),
                AnyFrame::Vcbn(frame) => check_vcbn(f.bytes, &frame, c),
                _ => c.errors += 1,
            },
            Err(_) => c.errors += 1,
        }
    }
    reader.into_inner().0.close()
}

#[entry]
fn main() -> ! {
    let mut c = Counts::default();
    let io = run(&mut c);
    probe::sink(c.sum);
    c.print("nopanic_full:");
    if io.is_err() {
        host::print("nopanic_full: host I/O error\n");
    }
    let clean = c.errors + c.mismatches + c.strict_errors + c.resync_errors == 0;
    host::exit(io.is_ok() && clean)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    extern "C" {
        fn framewire_panic_path_is_reachable() -> !;
    }
    // SAFETY: the symbol is undefined on purpose: this call only links if the
    // optimizer proved the panic handler unreachable and removed it.
    unsafe { framewire_panic_path_is_reachable() }
}

//! Checks a capture of the Cortex-M4 firmware demo (`examples/firmware/`)
//! against what the host computes from the same synthetic input.
//!
//! ```text
//! cargo run --features std --example firmware_check -- firmware.capture
//! cargo run --features std --example firmware_check -- --link uart.capture
//! ```
//!
//! With `--link`, the capture is the firmware's UART output: each frame in a
//! link frame (`framewire::link`). Every link frame must then be intact, in
//! sequence from 0, and carry exactly the frame the host expects there.
//!
//! The firmware streams, for each step, a depth frame (VCBN, `uint16`) and a
//! flow frame (SAC). This program regenerates every frame with the same
//! generator (`examples/firmware/src/synth.rs`, compiled here for the host),
//! encodes it with framewire's one-shot encoders and requires the capture to
//! hold exactly those bytes, frame after frame, and nothing else. It also
//! decodes each captured frame and checks the values: SAC arrays equal to the
//! input, VCBN levels equal to `quant::quantize_u16` of the input, and the
//! dequantized depth within one quantization step of every in-range value.

#[path = "firmware/src/synth.rs"]
mod synth;

use std::process::ExitCode;

use framewire::frame::AnyFrame;
use framewire::io::{FrameReader, StdIo};
use framewire::quant::{self, Samples};
use framewire::vcbn::{self, Dtype, Params};
use framewire::{sac, Error, Shape};
use synth::{H, PIXELS, STEPS, W};

/// What the host expects at one place in the stream.
enum Expected {
    Depth { step: u32, values: Vec<f32> },
    Flow { step: u32, u: Vec<i16>, v: Vec<i16> },
}

fn depth(step: u32) -> Vec<f32> {
    let mut values = Vec::with_capacity(PIXELS);
    let mut row = [0f32; W];
    for y in 0..H {
        synth::depth_row(step, y, &mut row);
        values.extend_from_slice(&row);
    }
    values
}

fn flow(step: u32) -> (Vec<i16>, Vec<i16>) {
    let (mut u, mut v) = (Vec::with_capacity(PIXELS), Vec::with_capacity(PIXELS));
    let (mut ru, mut rv) = ([0i16; W], [0i16; W]);
    for y in 0..H {
        synth::flow_row(step, y, &mut ru, &mut rv);
        u.extend_from_slice(&ru);
        v.extend_from_slice(&rv);
    }
    (u, v)
}

fn expected() -> Vec<Expected> {
    let mut out = Vec::new();
    for step in 0..STEPS {
        out.push(Expected::Depth {
            step,
            values: depth(step),
        });
        let (u, v) = flow(step);
        out.push(Expected::Flow { step, u, v });
    }
    out
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => format!("first difference at byte {i}"),
        None => format!("lengths {} and {}", a.len(), b.len()),
    }
}

/// Checks one captured frame against the expectation; returns what is wrong.
fn check(bytes: &[u8], frame: &AnyFrame<'_>, want: &Expected) -> Result<(), String> {
    let params = Params::new(Dtype::U16, synth::DEPTH_VMIN, synth::DEPTH_VMAX);
    match (want, frame) {
        (Expected::Depth { step, values }, AnyFrame::Vcbn(f)) => {
            let shape = Shape::from([H, W]);
            let host = vcbn::encode_to_vec(Samples::F32(values), shape, &params).map_err(err)?;
            let n = host.len();
            if bytes != &host[..n] {
                return Err(format!(
                    "depth frame {step}: capture differs from the host's encoding ({})",
                    first_difference(bytes, &host[..n])
                ));
            }
            let mut levels = vec![0u16; PIXELS];
            quant::quantize_u16(values, synth::DEPTH_VMIN, synth::DEPTH_VMAX, &mut levels)
                .map_err(err)?;
            if !f.blob().iter().eq(levels.iter().copied()) {
                return Err(format!(
                    "depth frame {step}: levels differ from quantize_u16"
                ));
            }
            let mut back = vec![0f32; PIXELS];
            f.dequantize_into(&mut back).map_err(err)?;
            let step_size = ((synth::DEPTH_VMAX - synth::DEPTH_VMIN) / 4096.0) as f32;
            let in_range =
                |x: f32| (synth::DEPTH_VMIN as f32..=synth::DEPTH_VMAX as f32).contains(&x);
            for (i, (&x, &y)) in values.iter().zip(&back).enumerate() {
                if in_range(x) && (x - y).abs() > step_size {
                    return Err(format!(
                        "depth frame {step}: pixel {i} is {x}, decodes to {y}"
                    ));
                }
            }
            Ok(())
        }
        (Expected::Flow { step, u, v }, AnyFrame::Sac(f)) => {
            let host = sac::encode_to_vec(u, v, Shape::from([H, W])).map_err(err)?;
            let n = host.len();
            if bytes != &host[..n] {
                return Err(format!(
                    "flow frame {step}: capture differs from the host's encoding ({})",
                    first_difference(bytes, &host[..n])
                ));
            }
            if !f.a_iter().eq(u.iter().copied()) || !f.b_iter().eq(v.iter().copied()) {
                return Err(format!(
                    "flow frame {step}: decoded arrays differ from the input"
                ));
            }
            Ok(())
        }
        (Expected::Depth { step, .. }, AnyFrame::Sac(_)) => Err(format!(
            "expected depth frame {step} (VCBN), found a SAC frame"
        )),
        (Expected::Flow { step, .. }, AnyFrame::Vcbn(_)) => Err(format!(
            "expected flow frame {step} (SAC), found a VCBN frame"
        )),
        (_, other) => Err(format!("unexpected {} frame", other.format().name())),
    }
}

fn err(e: Error) -> String {
    e.to_string()
}

/// `--link`: the link frames of `bytes`, each checked against `want`.
fn check_link(path: &str, bytes: &[u8], want: &[Expected]) -> ExitCode {
    use framewire::link::{Decoder, Event};
    let mut buf = vec![0u8; 64 * 1024];
    let mut dec = Decoder::new(&mut buf).expecting(0);
    let (mut seen, mut equal, mut bad) = (0usize, 0usize, 0usize);
    let mut rest = bytes;
    while !rest.is_empty() {
        let (used, ev) = dec.push(rest);
        rest = &rest[used..];
        match ev {
            Some(Event::Frame(f)) => {
                let verdict = if f.seq as usize != seen || f.gap.is_some() {
                    Err(format!("sequence number {}, expected {seen}", f.seq))
                } else {
                    match (framewire::decode_any(f.payload), want.get(seen)) {
                        (Ok(frame), Some(w)) => check(f.payload, &frame, w),
                        (Err(e), _) => Err(e.to_string()),
                        (_, None) => Err(format!("more than the {} frames expected", want.len())),
                    }
                };
                match verdict {
                    Ok(()) => equal += 1,
                    Err(msg) => {
                        eprintln!(
                            "firmware_check: link frame {seen} at offset {}: {msg}",
                            f.offset
                        );
                        bad += 1;
                    }
                }
                seen += 1;
            }
            Some(Event::Damaged(d)) => {
                eprintln!("firmware_check: {path}: {d}");
                bad += 1;
            }
            None => {}
        }
    }
    if let Some(d) = dec.finish() {
        eprintln!("firmware_check: {path}: {d}");
        bad += 1;
    }
    if seen != want.len() {
        eprintln!(
            "firmware_check: {seen} link frames, expected {}",
            want.len()
        );
        bad += 1;
    }
    println!(
        "firmware_check: {seen} link frames, {equal} of {} intact, in sequence and equal to the \
         host's encoding of the same input, {bad} problem(s)",
        want.len()
    );
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, path] = &args[..] {
        if flag == "--link" {
            return match std::fs::read(path) {
                Ok(bytes) => check_link(path, &bytes, &expected()),
                Err(e) => {
                    eprintln!("firmware_check: {path}: {e}");
                    ExitCode::from(2)
                }
            };
        }
    }
    let Some(path) = args.first().filter(|_| args.len() == 1).cloned() else {
        eprintln!("usage: firmware_check [--link] CAPTURE");
        return ExitCode::from(2);
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("firmware_check: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let want = expected();
    let mut frame_buf = vec![0u8; 64 * 1024];
    let mut reader =
        FrameReader::<_, 1024>::new(StdIo(std::io::BufReader::new(file)), &mut frame_buf);
    let (mut seen, mut equal, mut bad, mut vcbn_frames, mut sac_frames) = (0usize, 0, 0, 0, 0);
    while let Some(item) = reader.next_frame() {
        let f = match item {
            Ok(f) => f,
            Err(e) => {
                eprintln!("firmware_check: {path}: {e}");
                bad += 1;
                break;
            }
        };
        match &f.frame {
            AnyFrame::Vcbn(_) => vcbn_frames += 1,
            AnyFrame::Sac(_) => sac_frames += 1,
            _ => {}
        }
        match want.get(seen) {
            Some(w) => match check(f.bytes, &f.frame, w) {
                Ok(()) => equal += 1,
                Err(msg) => {
                    eprintln!("firmware_check: frame {seen} at offset {}: {msg}", f.offset);
                    bad += 1;
                }
            },
            None => {
                eprintln!(
                    "firmware_check: frame {seen} at offset {}: more frames than the {} expected",
                    f.offset,
                    want.len()
                );
                bad += 1;
            }
        }
        seen += 1;
    }
    if seen < want.len() {
        eprintln!("firmware_check: {seen} frames, expected {}", want.len());
        bad += 1;
    }
    println!(
        "firmware_check: {seen} frames ({vcbn_frames} VCBN depth, {sac_frames} SAC flow), \
         {equal} of {} equal to the host's encoding of the same input, {bad} problem(s)",
        want.len()
    );
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

//! Code size of the streaming writers over `embedded_io::Write`
//! (`io::blocking::write_sac` and `write_vcbn`, on `sac::Encoder` and
//! `vcbn::Encoder`), as the firmware uses them.
#![no_std]
#![no_main]

use framewire::io::blocking::{write_sac, write_vcbn};
use framewire::quant::Samples;
use framewire::vcbn::{Dtype, Params};
use framewire::Shape;
use framewire_firmware::{opaque, probe};

framewire_firmware::size_probe!({
    let (a, b) = probe::i16s();
    let x = probe::f32s();
    let mut sink = probe::Sink::default();
    let (a, b) = (&*probe::prefix(a, 4096), &*probe::prefix(b, 4096));
    probe::sink(write_sac(&mut sink, a, b, Shape::new(opaque(64), opaque(64))).is_ok());
    let params = Params::new(Dtype::U16, opaque(0.0), opaque(8.0));
    let x = Samples::F32(probe::prefix(x, 4096));
    probe::sink(write_vcbn(&mut sink, x, Shape::new(opaque(64), opaque(64)), params).is_ok());
    probe::sink(sink.sum);
});

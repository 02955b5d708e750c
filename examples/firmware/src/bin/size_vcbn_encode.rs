//! Code size of the VCBN encoder (`vcbn::encode`: canonical header with
//! Python-exact floats, and uint8/uint16 quantization).
#![no_std]
#![no_main]

use framewire::quant::Samples;
use framewire::vcbn::{self, Dtype, Params};
use framewire::Shape;
use framewire_firmware::{opaque, probe};

framewire_firmware::size_probe!({
    let x = probe::f32s();
    let out = probe::bytes_out();
    let dtype = if opaque(true) { Dtype::U16 } else { Dtype::U8 };
    let params = Params::new(dtype, opaque(0.0), opaque(8.0));
    let shape = Shape::new(opaque(64), opaque(64));
    probe::sink(vcbn::encode(
        Samples::F32(probe::prefix(x, 4096)),
        shape,
        &params,
        out,
    ));
});

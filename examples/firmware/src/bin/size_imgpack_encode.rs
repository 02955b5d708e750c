//! Code size of the imgpack encoder (`imgpack::encode`: imgpack's header
//! with Python-exact floats, n-bit quantization, the bit packer, and the
//! float16/32/64 conversions).
#![no_std]
#![no_main]

use framewire::imgpack::{self, Dtype, Input, Params};
use framewire::Shape;
use framewire_firmware::{opaque, probe};

framewire_firmware::size_probe!({
    let x = probe::f32s();
    let out = probe::bytes_out();
    let dtype = Dtype::ALL[opaque(0usize) % Dtype::ALL.len()];
    let params = Params::new(dtype, opaque(0.0), opaque(8.0)).with_bits(opaque(12));
    let shape = Shape::new(opaque(64), opaque(64));
    probe::sink(imgpack::encode(
        Input::F32(probe::prefix(x, 4096)),
        shape,
        &params,
        out,
    ));
});

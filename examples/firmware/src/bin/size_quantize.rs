//! Code size of the quantization kernels (`quant::quantize_u16`,
//! `quant::quantize_u8`).
#![no_std]
#![no_main]

use framewire::quant;
use framewire_firmware::{opaque, probe};

framewire_firmware::size_probe!({
    let x = probe::f32s();
    let (q16, q8) = (probe::u16s(), probe::bytes_out());
    let x = &*probe::prefix(x, 4096);
    let (vmin, vmax) = (opaque(0.0), opaque(8.0));
    probe::sink(quant::quantize_u16(x, vmin, vmax, probe::prefix(q16, 4096)));
    probe::sink(quant::quantize_u8(x, vmin, vmax, probe::prefix(q8, 4096)));
});

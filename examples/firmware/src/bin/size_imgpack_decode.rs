//! Code size of the imgpack decoder (`imgpack::decode`: length, JSON header,
//! every dtype) with copy-out of the levels and dequantization.
#![no_std]
#![no_main]

use framewire::imgpack;
use framewire_firmware::probe;

framewire_firmware::size_probe!({
    let input = probe::bytes_in();
    let (levels, values) = (probe::u16s(), probe::f32s());
    if let Ok(frame) = imgpack::decode(probe::prefix(input, 8400)) {
        probe::sink(frame.data().copy_levels_to_u16(probe::prefix(levels, 4096)));
        probe::sink(frame.dequantize_into(probe::prefix(values, 4096)));
    }
});

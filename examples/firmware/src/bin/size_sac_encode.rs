//! Code size of the SAC encoder (`sac::encode`).
#![no_std]
#![no_main]

use framewire::{sac, Shape};
use framewire_firmware::{opaque, probe};

framewire_firmware::size_probe!({
    let (a, b) = probe::i16s();
    let out = probe::bytes_out();
    let (a, b) = (probe::prefix(a, 4096), probe::prefix(b, 4096));
    probe::sink(sac::encode(a, b, Shape::new(opaque(64), opaque(64)), out));
});

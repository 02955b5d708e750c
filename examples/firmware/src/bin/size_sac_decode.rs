//! Code size of the SAC decoder (`sac::decode`) with copy-out of both arrays.
#![no_std]
#![no_main]

use framewire::sac;
use framewire_firmware::probe;

framewire_firmware::size_probe!({
    let input = probe::bytes_in();
    let (a, b) = probe::i16s();
    if let Ok(frame) = sac::decode(probe::prefix(input, 8216)) {
        probe::sink(frame.copy_a_to(probe::prefix(a, 4096)));
        probe::sink(frame.copy_b_to(probe::prefix(b, 4096)));
    }
});

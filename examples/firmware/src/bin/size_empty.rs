//! Code-size baseline: the runtime, the probe buffers and a semihosting exit.
#![no_std]
#![no_main]

use framewire_firmware::probe;

framewire_firmware::size_probe!({
    let input = probe::bytes_in();
    probe::sink(input.first().copied());
});

//! Code size of the link layer's receiving side (`link::Decoder` over a
//! 4 KiB buffer: `push` in chunks, the events, `finish`).
#![no_std]
#![no_main]

use framewire::link::{Decoder, Event};
use framewire_firmware::{opaque, probe};

framewire_firmware::size_probe!({
    let input = &*probe::prefix(probe::bytes_in(), probe::BYTES);
    let buf = probe::prefix(probe::bytes_out(), 4096);
    let mut dec = Decoder::new(buf).expecting(opaque(0));
    let (mut intact, mut damaged) = (0u32, 0u32);
    for mut chunk in input.chunks(opaque(256)) {
        while !chunk.is_empty() {
            let (used, ev) = dec.push(chunk);
            match ev {
                Some(Event::Frame(f)) => {
                    intact += 1;
                    probe::sink(f.payload.len());
                    probe::sink(f.gap.is_some());
                }
                Some(Event::Damaged(d)) => {
                    damaged += 1;
                    probe::sink(d.offset);
                }
                None => {}
            }
            chunk = chunk.get(used..).unwrap_or(&[]);
        }
    }
    probe::sink(dec.finish().is_some());
    probe::sink((intact, damaged));
});

//! Code size of the stream decoder (`stream::Decoder<1024>`: `feed` in
//! chunks, the events, `finish`, resync).
#![no_std]
#![no_main]

use framewire::stream::{Decoder, Event};
use framewire_firmware::{opaque, probe};

framewire_firmware::size_probe!({
    let input = &*probe::prefix(probe::bytes_in(), probe::BYTES);
    let mut dec = Decoder::<1024>::new().resync(opaque(true));
    let mut n = 0u32;
    for chunk in input.chunks(opaque(256)) {
        let mut events = dec.feed(chunk);
        while let Some(ev) = events.next() {
            if let Ok(Event::End { .. }) = ev {
                n += 1;
            }
        }
    }
    let mut events = dec.finish();
    while let Some(ev) = events.next() {
        probe::sink(ev.is_ok());
    }
    probe::sink(n);
});

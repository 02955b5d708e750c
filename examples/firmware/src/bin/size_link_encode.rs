//! Code size of the link layer's sending side (`link::blocking::LinkWriter`:
//! `write_all` and `end_frame`, with the COBS stuffing and the CRC-32).
#![no_std]
#![no_main]

use embedded_io::Write as _;
use framewire::link::blocking::LinkWriter;
use framewire_firmware::{opaque, probe};

framewire_firmware::size_probe!({
    let input = &*probe::prefix(probe::bytes_in(), probe::BYTES);
    let mut link = LinkWriter::with_seq(probe::Sink::default(), opaque(0));
    for frame in input.chunks(opaque(4096)) {
        probe::sink(link.write_all(frame).is_ok());
        probe::sink(link.end_frame().is_ok());
    }
    let sink = link.into_inner();
    probe::sink(sink.sum);
});

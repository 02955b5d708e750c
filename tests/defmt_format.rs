//! With the `defmt` feature, every public type implements `defmt::Format`.
//! This file does not compile if one does not, so adding a public type
//! without its `Format` impl fails `cargo test --all-features`.
#![cfg(feature = "defmt")]

use framewire::frame::{AnyFrame, Format};
use framewire::io::{ReadError, ReadFrame, WriteError};
use framewire::json::{Chars, IntError, Item, Number, Reader, Str, Token};
use framewire::quant::{ComplexPart, Dequantizer, Quantizer, Samples};
use framewire::stream::{Decoder, Event, Events, FrameHeader, Part, StreamError};
use framewire::vcbn::{
    Blob, BlobIter, Dtype, Endianness, Levels, Limits, Magic, Order, Params, Prefix,
};
use framewire::{sac, vcbn, Error, Field, Shape};

fn is_format<T: defmt::Format + ?Sized>() {}

/// A source or sink type that is not `Format` itself.
struct Opaque;

#[test]
fn every_public_type_is_defmt_format() {
    is_format::<Error>();
    is_format::<Field>();
    is_format::<Shape>();

    is_format::<Format>();
    is_format::<AnyFrame<'static>>();
    // The same types under their other paths.
    is_format::<framewire::Format>();
    is_format::<framewire::AnyFrame<'static>>();
    is_format::<framewire::stream::Format>();

    is_format::<sac::Header>();
    is_format::<sac::Frame<'static>>();
    is_format::<sac::Encoder>();

    is_format::<Magic>();
    is_format::<Dtype>();
    is_format::<Endianness>();
    is_format::<Order>();
    is_format::<Limits>();
    is_format::<Prefix>();
    is_format::<vcbn::Header>();
    is_format::<Blob<'static>>();
    is_format::<BlobIter<'static>>();
    is_format::<vcbn::Frame<'static>>();
    is_format::<Params>();
    is_format::<Levels<'static>>();
    is_format::<vcbn::Encoder>();

    is_format::<Quantizer>();
    is_format::<Dequantizer>();
    is_format::<ComplexPart>();
    is_format::<Samples<'static>>();

    is_format::<Token<'static>>();
    is_format::<Item<'static>>();
    is_format::<Str<'static>>();
    is_format::<Chars<'static>>();
    is_format::<Number<'static>>();
    is_format::<IntError>();
    is_format::<Reader<'static>>();

    is_format::<StreamError>();
    is_format::<Part>();
    is_format::<FrameHeader<'static>>();
    is_format::<Event<'static>>();
    is_format::<Decoder<1024>>();
    is_format::<Events<'static, 'static, 1024>>();

    // The I/O edge: generic over the caller's source or sink, which need not
    // be `Format` (only the error types' are shown).
    is_format::<WriteError<Error>>();
    is_format::<ReadError<Error>>();
    is_format::<ReadFrame<'static>>();
    is_format::<framewire::io::FrameReader<'static, Opaque, 1024>>();
    is_format::<framewire::io::StdIo<Opaque>>();
    is_format::<framewire::io::EmbeddedIo<Opaque>>();
    is_format::<framewire::io::blocking::SacWriter<Opaque>>();
    is_format::<framewire::io::blocking::VcbnWriter<Opaque>>();
    is_format::<framewire::io::asynch::SacWriter<Opaque>>();
    is_format::<framewire::io::asynch::VcbnWriter<Opaque>>();
}

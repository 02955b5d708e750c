//! `framewire`: inspect, decode and encode SAC v1, VCBN and imgpack files
//! from the command line, with `.npy` arrays on the NumPy side.
//!
//! ```text
//! framewire inspect FILE
//! framewire decode FILE --out DIR [--dequantize]
//! framewire encode sac --a A.npy --b B.npy [--width W] [--height H] --out FILE
//! framewire encode vcbn --input IN.npy [--vmin X] [--vmax Y] [--dtype uint8|uint16] --out FILE
//! framewire encode imgpack --input IN.npy [--dtype packed|uint8|uint16|uint32|float16|float32|float64]
//!     [--bits N] [--endianness LE|BE] [--vmin X] [--vmax Y] --out FILE
//! framewire frames FILE [--resync | --link] [--chunk-size N]
//! framewire publish DIR [--content-addressed]
//! ```
//!
//! All encoding and decoding goes through the `framewire` library; this
//! binary only moves arrays between `.npy` files and the codecs.
//!
//! Exit status: 0 on success; 1 for a bad file or bad input, with exactly one
//! line on stderr naming the file and the problem; 2 for a usage error.
//! On success `encode` and `decode` print one line on stdout naming the
//! files written, e.g. `wrote o.vcbn (176 bytes; VCBN uint16, shape (2, 3))`
//! or `wrote out/a.npy, out/b.npy (SAC width 3, height 2, 6 + 6 int16
//! values)`; `publish` prints a one-line summary.
//! Outputs are written to temporary files next to their destination and
//! renamed into place only once everything has succeeded and every
//! destination is known to be replaceable; a failed run leaves no partial
//! output and no temporary behind, and every file it would have replaced
//! exactly as it was.

#![forbid(unsafe_code)]
#![deny(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod decode;
mod encode;
mod frames;
mod inspect;
mod link;
mod npy;
mod output;
mod publish;

use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Inspect, decode and encode SAC v1, VCBN and imgpack frames.
#[derive(Debug, Parser)]
#[command(name = "framewire", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Print a file's format and every header field as one JSON object.
    Inspect {
        /// A SAC, VCBN or imgpack file (told apart by its first bytes).
        file: PathBuf,
    },
    /// Decode a file into .npy arrays in a directory.
    ///
    /// SAC writes DIR/a.npy and DIR/b.npy (int16). VCBN writes DIR/data.npy
    /// (uint8 or uint16, shape (H, W)) and, with --dequantize,
    /// DIR/values.npy (float32). imgpack writes DIR/data.npy, shape (H, W):
    /// the levels in the smallest of uint8/16/32 that holds `bits` for
    /// packed, in the container type for uint8/16/32, the values as they
    /// are for float16/32/64 (native byte order); with --dequantize (n-bit
    /// dtypes only) also DIR/values.npy (float32).
    Decode {
        /// A SAC, VCBN or imgpack file (told apart by its first bytes).
        file: PathBuf,
        /// Output directory (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also write DIR/values.npy, the dequantized float32 values (VCBN,
        /// and imgpack's n-bit dtypes).
        #[arg(long)]
        dequantize: bool,
    },
    /// Encode .npy arrays into a SAC, VCBN or imgpack file.
    #[command(subcommand)]
    Encode(EncodeCommand),
    /// List the frames of a stream file (SAC and VCBN back to back), one
    /// JSON line per frame or error.
    ///
    /// The file goes through the push decoder in N-byte chunks. A frame's
    /// line is {"offset":O,"format":"sac"|"vcbn","length":L, ...header
    /// fields as in inspect}; an error's is {"offset":O,"error":"..."}.
    /// Exits 0 when there was no error, 1 otherwise.
    ///
    /// With --link, the file is a capture of framewire's link layer (each
    /// frame COBS-delimited with a sequence number and a CRC-32): one line per
    /// link frame, {"offset":O,"seq":S,"format":..., ...} for an intact one,
    /// {"offset":O,"damaged":"...","length":L} for a damaged one, and
    /// {"offset":O,"lost":N,"expected":E,"got":S} before a frame that follows
    /// lost ones. Exits 0 when every link frame was intact, in sequence from
    /// 0, and carried one SAC or VCBN frame. Link frames longer than the
    /// file, or than 1 GiB, are reported damaged; FILE may be a pipe
    /// (/dev/stdin), where the limit is 64 MiB.
    Frames {
        /// A file of frames back to back.
        file: PathBuf,
        /// After an error, scan for the next magic instead of stopping.
        #[arg(long, conflicts_with = "link")]
        resync: bool,
        /// The file is a link capture (see above).
        #[arg(long)]
        link: bool,
        /// Bytes fed to the decoder at a time.
        #[arg(long, value_name = "N", default_value_t = 65536,
              value_parser = clap::value_parser!(u32).range(1..=(1 << 30)))]
        chunk_size: u32,
    },
    /// Get a folder ready for a CDN: <name>.a.npy + <name>.b.npy -> <name>.sac,
    /// and every <name>.sac -> <name>.sac.br and <name>.sac.gz.
    ///
    /// Outputs whose bytes would not change are left alone, so a second run
    /// writes nothing.
    Publish {
        /// The folder (not searched recursively).
        dir: PathBuf,
        /// Also write each <name>.sac as <name>.<hash>.sac (16 hex digits of
        /// its SHA-256, with .br and .gz), and framewire-manifest.json
        /// mapping each <name>.sac to that name, its size, SHA-256 and SRI
        /// `integrity` (the names that are safe to serve `immutable`).
        #[arg(long)]
        content_addressed: bool,
    },
}

/// `encode` formats.
#[derive(Debug, Subcommand)]
enum EncodeCommand {
    /// Two int16 arrays (any shape) into a SAC v1 file.
    Sac {
        /// Array A: an int16 .npy file.
        #[arg(long, value_name = "A.npy")]
        a: PathBuf,
        /// Array B: an int16 .npy file.
        #[arg(long, value_name = "B.npy")]
        b: PathBuf,
        /// Image width [default: columns of a 2-D A, else 0].
        #[arg(long, value_name = "W")]
        width: Option<u32>,
        /// Image height [default: rows of a 2-D A, else 0].
        #[arg(long, value_name = "H")]
        height: Option<u32>,
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// A 2-D array into a quantized VCBN envelope.
    ///
    /// float32 and float64 arrays are quantized as they are; integer and
    /// bool arrays are first converted to float32 as
    /// np.asarray(a, dtype=np.float32) does.
    Vcbn {
        /// A 2-D .npy file: float32, float64, (u)int8..(u)int64 or bool.
        #[arg(long, value_name = "IN.npy")]
        input: PathBuf,
        /// Lower end of the range [default: the input's minimum, ignoring NaN].
        #[arg(long, value_name = "X", allow_hyphen_values = true, value_parser = parse_float)]
        vmin: Option<Bound>,
        /// Upper end of the range [default: the input's maximum, ignoring NaN].
        #[arg(long, value_name = "Y", allow_hyphen_values = true, value_parser = parse_float)]
        vmax: Option<Bound>,
        /// Level type of the blob.
        #[arg(long, value_enum, default_value_t = DtypeArg::Uint16)]
        dtype: DtypeArg,
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// A 2-D array into imgpack's latest layout, as imgpack's own encode.
    ///
    /// Byte-identical to imgpack's `encode(data, vmin, vmax, dtype=...,
    /// bits=..., endianness=...)` with the same arguments. The n-bit dtypes (packed, uint8/16/32) quantize the input to `bits`
    /// bits; the float dtypes store it as it is (converted as NumPy's
    /// `astype`). Integer and bool inputs are converted as NumPy converts
    /// them: to float32 for quantizing and for float16/float32, to float64
    /// for float64.
    Imgpack {
        /// A 2-D .npy file: float32, float64, (u)int8..(u)int64 or bool.
        #[arg(long, value_name = "IN.npy")]
        input: PathBuf,
        /// dtype of the blob (imgpack's default, uint16).
        #[arg(long, value_enum, default_value_t = ImgpackDtypeArg::Uint16)]
        dtype: ImgpackDtypeArg,
        /// Bits per level: 1..=32 for packed and uint32, 1..=8 for uint8,
        /// 1..=16 for uint16; ignored for the float dtypes (as imgpack
        /// ignores it).
        #[arg(long, value_name = "N", default_value_t = framewire::imgpack::DEFAULT_BITS)]
        bits: u32,
        /// Byte order of the blob. Written in the header for every dtype but
        /// packed (whose `endianness` is null); it changes no byte of the
        /// blob for packed and uint8.
        #[arg(long, value_enum, ignore_case = true, default_value_t = EndiannessArg::Le)]
        endianness: EndiannessArg,
        /// Lower end of the range; any number, nan and inf included, as
        /// imgpack writes them [default: the input's minimum, ignoring NaN;
        /// NaN if every element is NaN].
        #[arg(long, value_name = "X", allow_hyphen_values = true, value_parser = parse_float)]
        vmin: Option<Bound>,
        /// Upper end of the range [default: the input's maximum, ignoring
        /// NaN; NaN if every element is NaN].
        #[arg(long, value_name = "Y", allow_hyphen_values = true, value_parser = parse_float)]
        vmax: Option<Bound>,
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// imgpack's `--dtype` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ImgpackDtypeArg {
    /// `bits`-bit levels (1..=32) as one LSB-first bit stream.
    Packed,
    /// `bits`-bit levels (1..=8), one byte each.
    Uint8,
    /// `bits`-bit levels (1..=16) in uint16.
    Uint16,
    /// `bits`-bit levels (1..=32) in uint32.
    Uint32,
    /// The values as IEEE binary16.
    Float16,
    /// The values as IEEE binary32.
    Float32,
    /// The values as IEEE binary64.
    Float64,
}

impl From<ImgpackDtypeArg> for framewire::imgpack::Dtype {
    fn from(d: ImgpackDtypeArg) -> Self {
        use framewire::imgpack::Dtype;
        match d {
            ImgpackDtypeArg::Packed => Dtype::Packed,
            ImgpackDtypeArg::Uint8 => Dtype::U8,
            ImgpackDtypeArg::Uint16 => Dtype::U16,
            ImgpackDtypeArg::Uint32 => Dtype::U32,
            ImgpackDtypeArg::Float16 => Dtype::F16,
            ImgpackDtypeArg::Float32 => Dtype::F32,
            ImgpackDtypeArg::Float64 => Dtype::F64,
        }
    }
}

/// `--endianness` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EndiannessArg {
    /// Little-endian.
    #[value(name = "LE")]
    Le,
    /// Big-endian.
    #[value(name = "BE")]
    Be,
}

impl From<EndiannessArg> for framewire::imgpack::Endianness {
    fn from(e: EndiannessArg) -> Self {
        match e {
            EndiannessArg::Le => framewire::imgpack::Endianness::Little,
            EndiannessArg::Be => framewire::imgpack::Endianness::Big,
        }
    }
}

/// `--dtype` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DtypeArg {
    /// 8-bit levels 0..=255.
    Uint8,
    /// 16-bit levels 0..=4096.
    Uint16,
}

impl From<DtypeArg> for framewire::vcbn::Dtype {
    fn from(d: DtypeArg) -> Self {
        match d {
            DtypeArg::Uint8 => framewire::vcbn::Dtype::U8,
            DtypeArg::Uint16 => framewire::vcbn::Dtype::U16,
        }
    }
}

/// A `--vmin`/`--vmax` value, with the text it was given as (for messages).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bound {
    /// The value.
    pub(crate) value: f64,
    /// What the user typed.
    pub(crate) text: String,
}

/// Parses a float option: any form Rust's `f64` parser takes (`-1e-05`,
/// `2.5E+3`, `.5`, and `nan`/`inf`, which the encoder then refuses with a
/// message quoting the option).
fn parse_float(s: &str) -> Result<Bound, String> {
    let value = s
        .trim()
        .parse::<f64>()
        .map_err(|_| format!("'{s}' is not a number"))?;
    Ok(Bound {
        value,
        text: s.to_owned(),
    })
}

/// Why a run failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A bad file or bad input: exit 1 with this one-line message.
    Bad(String),
    /// A usage error: exit 2 with clap's message.
    Usage(Box<clap::Error>),
    /// Exit 1, everything already reported (on stdout).
    Quiet,
}

/// A bad-input failure about `subject` (usually a path): `subject: message`.
pub(crate) fn bad(subject: impl Display, message: impl Display) -> Failure {
    Failure::Bad(format!("{subject}: {message}"))
}

/// A usage error found after argument parsing, reported as clap reports its
/// own, with the usage line of `subcommand` (a path such as `"decode"` or
/// `"encode imgpack"`).
pub(crate) fn usage(subcommand: &str, message: impl Display) -> Failure {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    cmd.build();
    let kind = clap::error::ErrorKind::ArgumentConflict;
    let sub = subcommand
        .split_whitespace()
        .try_fold(&mut cmd, |c, name| c.find_subcommand_mut(name));
    let err = match sub {
        Some(sub) => sub.error(kind, message),
        None => cmd.error(kind, message),
    };
    Failure::Usage(Box::new(err))
}

/// A path for messages.
pub(crate) fn shown(path: &Path) -> std::path::Display<'_> {
    path.display()
}

/// Collapses a message to one line (some error texts, e.g. from the `.npy`
/// header parser, span several).
fn one_line(msg: &str) -> String {
    msg.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Inspect { file } => inspect::run(&file),
        Command::Decode {
            file,
            out,
            dequantize,
        } => decode::run(&file, &out, dequantize),
        Command::Encode(EncodeCommand::Sac {
            a,
            b,
            width,
            height,
            out,
        }) => encode::sac(&a, &b, width, height, &out),
        Command::Encode(EncodeCommand::Vcbn {
            input,
            vmin,
            vmax,
            dtype,
            out,
        }) => encode::vcbn(&input, vmin, vmax, dtype.into(), &out),
        Command::Encode(EncodeCommand::Imgpack {
            input,
            dtype,
            bits,
            endianness,
            vmin,
            vmax,
            out,
        }) => encode::imgpack(
            &input,
            encode::ImgpackArgs {
                dtype: dtype.into(),
                bits,
                endianness: endianness.into(),
                vmin,
                vmax,
            },
            &out,
        ),
        Command::Frames {
            file,
            link: true,
            chunk_size,
            ..
        } => link::run(&file, chunk_size as usize),
        Command::Frames {
            file,
            resync,
            chunk_size,
            ..
        } => frames::run(&file, chunk_size as usize, resync),
        Command::Publish {
            dir,
            content_addressed,
        } => publish::run(&dir, content_addressed),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version land here too, with exit code 0.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    // Every temporary file is dropped (and so removed) inside `run`, before
    // the process exits.
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Bad(msg)) => {
            let _ = writeln!(std::io::stderr(), "framewire: {}", one_line(&msg));
            ExitCode::from(1)
        }
        Err(Failure::Usage(e)) => {
            let _ = e.print();
            ExitCode::from(2)
        }
        Err(Failure::Quiet) => ExitCode::from(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn floats_in_every_form() {
        let value = |s: &str| parse_float(s).map(|b| b.value);
        assert_eq!(value("-1e-05"), Ok(-1e-05));
        assert_eq!(value("2.5E+3"), Ok(2500.0));
        assert_eq!(value(".5"), Ok(0.5));
        assert!(value("nan").is_ok_and(f64::is_nan));
        assert!(value("x").is_err());
        assert_eq!(parse_float(" 1e999").map(|b| b.text), Ok(" 1e999".into()));
    }

    #[test]
    fn messages_become_one_line() {
        assert_eq!(one_line("a\n  --> 1:2\n |\n\nb"), "a --> 1:2 | b");
    }
}

//! Sensor firmware demo: streams synthetic depth (VCBN) and optical-flow
//! (SAC) frames through framewire's streaming writers over an
//! `embedded_io::Write` that sends each byte two ways: to a host file
//! reached by semihosting (`firmware.capture`: the frames back to back), and
//! through framewire's link layer (`link::blocking::LinkWriter`: sequence
//! number, CRC-32, COBS) to the board's UART (QEMU's `-serial`).
//!
//! No heap and no frame buffer: each frame is produced and written a row at a
//! time. At the end it reports the bytes written and the peak stack depth,
//! and exits with status 0 (QEMU's exit status) if every write succeeded.
//!
//! Run it under QEMU (see the README's "On a microcontroller"):
//!
//! ```text
//! qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -display none \
//!     -monitor none -serial file:uart.capture \
//!     -semihosting-config enable=on,target=native -kernel firmware
//! ```
//!
//! or, built for `riscv32imc-unknown-none-elf`:
//!
//! ```text
//! qemu-system-riscv32 -machine virt -bios none -display none \
//!     -monitor none -serial file:uart.capture \
//!     -semihosting-config enable=on,target=native -kernel firmware
//! ```
//!
//! It writes `firmware.capture` in QEMU's working directory, and the link
//! frames to `uart.capture`.

#![no_std]
#![no_main]

use framewire::io::blocking::{SacWriter, VcbnWriter};
use framewire::io::WriteError;
use framewire::link::blocking::LinkWriter;
use framewire::quant::Samples;
use framewire::vcbn::{Dtype, Params};
use framewire::Shape;
use framewire_firmware::entry;
use framewire_firmware::synth::{self, H, STEPS, W};
use framewire_firmware::uart::Uart;
use framewire_firmware::{host, stack, BufferedFile};

/// The capture file, relative to QEMU's working directory.
const CAPTURE: &[u8] = b"firmware.capture\0";

/// Bytes gathered before each semihosting write.
const BLOCK: usize = 512;

type Error = WriteError<host::HostError>;

/// Both outputs behind one `Write` (so the frame writers are built once):
/// every byte goes to the host file and into the open link frame.
struct Link {
    file: BufferedFile<BLOCK>,
    uart: LinkWriter<Uart>,
}

impl embedded_io::ErrorType for Link {
    type Error = host::HostError;
}

impl embedded_io::Write for Link {
    fn write(&mut self, buf: &[u8]) -> Result<usize, host::HostError> {
        let n = self.file.write(buf)?;
        self.uart.write_all(buf.get(..n).unwrap_or(&[]))?;
        Ok(n)
    }

    fn flush(&mut self) -> Result<(), host::HostError> {
        self.file.flush()
    }
}

#[cfg(feature = "defmt")]
use defmt_semihosting as _;

macro_rules! log {
    ($($t:tt)*) => {
        #[cfg(feature = "defmt")]
        defmt::info!($($t)*);
    };
}

/// One depth frame, row by row: the VCBN writer quantizes each row to
/// `uint16` as it goes.
fn write_depth(link: &mut Link, step: u32) -> Result<(), Error> {
    let params = Params::new(Dtype::U16, synth::DEPTH_VMIN, synth::DEPTH_VMAX);
    let mut vw = VcbnWriter::begin(&mut *link, Shape::new(H as u64, W as u64), params)?;
    let mut row = [0f32; W];
    for y in 0..H {
        synth::depth_row(step, y, &mut row);
        vw.write(Samples::F32(&row))?;
    }
    vw.finish()?;
    link.uart.end_frame().map_err(WriteError::Io)?;
    Ok(())
}

/// One flow frame: SAC sends all of `u` (array A), then all of `v` (B), so
/// the rows are generated twice, keeping one component each time.
fn write_flow(link: &mut Link, step: u32) -> Result<(), Error> {
    let mut sw = SacWriter::begin(&mut *link, W * H, W * H, Shape::new(H as u64, W as u64))?;
    let (mut u, mut v) = ([0i16; W], [0i16; W]);
    for y in 0..H {
        synth::flow_row(step, y, &mut u, &mut v);
        sw.write(&u)?;
    }
    for y in 0..H {
        synth::flow_row(step, y, &mut u, &mut v);
        sw.write(&v)?;
    }
    sw.finish()?;
    link.uart.end_frame().map_err(WriteError::Io)?;
    Ok(())
}

fn run() -> Result<(u64, u64), Error> {
    let file = host::File::open(CAPTURE, host::WRITE).map_err(WriteError::Io)?;
    let mut link = Link {
        file: BufferedFile::new(file),
        uart: LinkWriter::new(Uart::new()),
    };
    for step in 0..STEPS {
        write_depth(&mut link, step)?;
        write_flow(&mut link, step)?;
        log!("step {=u32}: depth and flow frames written", step);
    }
    let written = link.file.written;
    let sent = link.uart.get_mut().sent;
    link.file.close().map_err(WriteError::Io)?;
    Ok((written, sent))
}

#[entry]
fn main() -> ! {
    stack::paint();
    let result = run();
    let peak = stack::peak();
    report(&result, peak);
    host::exit(result.is_ok())
}

/// Plain text on the host's console for `.ci/firmware.sh` (which reads the
/// `stack_peak=` figure from it).
#[cfg(not(feature = "defmt"))]
fn report(result: &Result<(u64, u64), Error>, peak: usize) {
    match result {
        Ok((written, sent)) => {
            host::print("firmware: frames=");
            host::print_u64(u64::from(2 * STEPS));
            host::print(" bytes=");
            host::print_u64(*written);
            host::print(" uart_bytes=");
            host::print_u64(*sent);
            host::print(" stack_peak=");
            host::print_u64(peak as u64);
            host::print(" stack_region=");
            host::print_u64(stack::region() as u64);
            host::print("\n");
        }
        Err(e) => host::print(match e {
            WriteError::Io(_) => "firmware: write failed: host I/O error\n",
            WriteError::Frame(_) => "firmware: write failed: frame error\n",
        }),
    }
}

/// With defmt, the console carries defmt's binary frames only (plain text
/// would corrupt them): decode with `defmt-print -e firmware`.
#[cfg(feature = "defmt")]
fn report(result: &Result<(u64, u64), Error>, peak: usize) {
    match result {
        Ok((written, sent)) => defmt::info!(
            "done: {=u32} frames, {=u64} bytes, {=u64} bytes on the UART, peak stack {=usize} bytes",
            2 * STEPS,
            *written,
            *sent,
            peak
        ),
        Err(e) => defmt::error!("write failed: {}", e),
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    #[cfg(not(feature = "defmt"))]
    host::print("firmware: panic\n");
    #[cfg(feature = "defmt")]
    defmt::error!("panic");
    host::exit(false)
}

//! Support code for the firmware demo, the no-panic link proof and the
//! code-size probes: semihosting host I/O (files, console, exit), a buffered
//! [`embedded_io::Write`] over a host file, the board's UART, stack
//! measurement, and the synthetic sensor frames ([`synth`], shared with the
//! host-side check).
//!
//! Two architectures, one API: on Cortex-M (cortex-m-rt, cortex-m-semihosting,
//! QEMU's `mps2-an386`/`mps2-an385`) and on RISC-V (riscv-rt,
//! riscv-semihosting, QEMU's `virt`). Only the runtime, the semihosting crate,
//! the UART's registers and the stack painting differ.
//!
//! Nothing here formats with `core::fmt` or can panic: the `nopanic` binary
//! links this code with a panic handler that calls an undefined symbol.

#![no_std]

pub mod proof;
#[path = "synth.rs"]
pub mod synth;

#[cfg(target_arch = "arm")]
use cortex_m_semihosting as semihosting;
#[cfg(target_arch = "riscv32")]
use riscv_semihosting as semihosting;
use semihosting::{nr, syscall, syscall1};

/// The program's entry point attribute: `cortex_m_rt::entry` or
/// `riscv_rt::entry` (both take a `fn() -> !`).
#[cfg(target_arch = "arm")]
pub use cortex_m_rt::entry;
#[cfg(target_arch = "riscv32")]
pub use riscv_rt::entry;

/// With the `audit` feature: the symbol the proof binaries' panic handlers
/// call, defined so that a binary with panic paths still links and its call
/// graph can be examined (without it, such a binary fails to link: that is
/// the proof).
#[cfg(feature = "audit")]
#[no_mangle]
pub extern "C" fn framewire_panic_path_is_reachable() -> ! {
    host::print("panic path reached\n");
    host::exit(false)
}

/// The interrupt part of the Cortex-M vector table, as a device crate (PAC)
/// provides it under cortex-m-rt's `device` feature: QEMU's `mps2-an385` and
/// `mps2-an386` have 32 external interrupt lines (QEMU `hw/arm/mps2.c`,
/// `num-irq`), and this firmware enables none of them, so each entry is
/// cortex-m-rt's `DefaultHandler`. (Without `device`, cortex-m-rt reserves
/// ARMv7-M's architectural maximum, 240 entries: 832 bytes more flash.)
#[cfg(target_arch = "arm")]
#[doc(hidden)]
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
pub static __INTERRUPTS: [unsafe extern "C" fn(); 32] = {
    extern "C" {
        fn DefaultHandler();
    }
    [DefaultHandler; 32]
};

/// Opaque to the optimizer: the value can be anything at run time.
#[inline(always)]
pub fn opaque<T>(x: T) -> T {
    core::hint::black_box(x)
}

/// Semihosting: the host's console, files and exit.
pub mod host {
    use super::*;

    /// `fopen` modes (`"rb"`, `"wb"`).
    pub const READ: usize = nr::open::R_BINARY;
    /// `"wb"`: create or truncate.
    pub const WRITE: usize = nr::open::W_TRUNC_BINARY;

    /// A host file handle.
    #[derive(Debug)]
    pub struct File {
        fd: usize,
    }

    /// The host refused or failed a file operation.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct HostError;

    impl core::fmt::Display for HostError {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("semihosting host I/O failed")
        }
    }

    impl core::error::Error for HostError {}

    impl embedded_io::Error for HostError {
        fn kind(&self) -> embedded_io::ErrorKind {
            embedded_io::ErrorKind::Other
        }
    }

    impl File {
        /// Opens `path` (which must end in a NUL byte) on the host, relative
        /// to QEMU's working directory.
        pub fn open(path: &[u8], mode: usize) -> Result<File, HostError> {
            let Some((&0, name)) = path.split_last() else {
                return Err(HostError);
            };
            // SAFETY: SYS_OPEN reads `name.len()` bytes at `path`, NUL-terminated.
            let fd = unsafe { syscall!(OPEN, path.as_ptr(), mode, name.len()) };
            if fd as isize == -1 {
                return Err(HostError);
            }
            Ok(File { fd })
        }

        /// The host's console (`:tt`, opened for writing).
        pub fn stdout() -> Result<File, HostError> {
            File::open(b":tt\0", nr::open::W_TRUNC)
        }

        /// Writes all of `bytes`.
        pub fn write_all(&mut self, mut bytes: &[u8]) -> Result<(), HostError> {
            while !bytes.is_empty() {
                // SAFETY: SYS_WRITE reads `bytes.len()` bytes at `bytes`.
                let left = unsafe { syscall!(WRITE, self.fd, bytes.as_ptr(), bytes.len()) };
                // SYS_WRITE returns the number of bytes *not* written.
                let done = bytes.len().checked_sub(left).ok_or(HostError)?;
                if done == 0 {
                    return Err(HostError);
                }
                bytes = bytes.get(done..).unwrap_or(&[]);
            }
            Ok(())
        }

        /// Reads up to `buf.len()` bytes; 0 at the end of the file.
        pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, HostError> {
            // SAFETY: SYS_READ writes at most `buf.len()` bytes at `buf`.
            let left = unsafe { syscall!(READ, self.fd, buf.as_mut_ptr(), buf.len()) };
            // SYS_READ returns the number of bytes *not* read.
            buf.len().checked_sub(left).ok_or(HostError)
        }

        /// Closes the file.
        pub fn close(self) -> Result<(), HostError> {
            // SAFETY: SYS_CLOSE takes the handle only.
            match unsafe { syscall!(CLOSE, self.fd) } {
                0 => Ok(()),
                _ => Err(HostError),
            }
        }
    }

    impl embedded_io::ErrorType for File {
        type Error = HostError;
    }

    impl embedded_io::Read for File {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, HostError> {
            File::read(self, buf)
        }
    }

    /// Writes `s` to the host's console (via SYS_WRITE0 on a NUL-free copy).
    pub fn print(s: &str) {
        print_bytes(s.as_bytes());
    }

    /// Writes `bytes` (text without NUL bytes) to the host's console.
    pub fn print_bytes(bytes: &[u8]) {
        let mut buf = [0u8; 128];
        for piece in bytes.chunks(buf.len() - 1) {
            let n = piece.len();
            if let Some(dst) = buf.get_mut(..n) {
                dst.copy_from_slice(piece);
            }
            if let Some(end) = buf.get_mut(n) {
                *end = 0;
            }
            // SAFETY: SYS_WRITE0 reads a NUL-terminated string.
            unsafe { syscall1!(WRITE0, buf.as_ptr()) };
        }
    }

    /// Writes `n` in decimal to the host's console.
    pub fn print_u64(n: u64) {
        let mut digits = [0u8; 20];
        print_bytes(super::decimal(n, &mut digits));
    }

    /// Ends the emulation: QEMU exits with status 0 for `true`, 1 otherwise.
    pub fn exit(success: bool) -> ! {
        let status = if success {
            semihosting::debug::EXIT_SUCCESS
        } else {
            semihosting::debug::EXIT_FAILURE
        };
        loop {
            semihosting::debug::exit(status);
        }
    }
}

/// `n` in decimal (ASCII digits), written into `buf`.
pub fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or(&[])
}

/// A buffered [`embedded_io::Write`] over a host file: semihosting calls are
/// slow (each one traps to the debugger), so bytes are gathered in `N`-byte
/// blocks first.
#[derive(Debug)]
pub struct BufferedFile<const N: usize> {
    file: host::File,
    buf: [u8; N],
    len: usize,
    /// Bytes accepted so far.
    pub written: u64,
}

impl<const N: usize> BufferedFile<N> {
    /// Wraps an open file.
    pub fn new(file: host::File) -> Self {
        BufferedFile {
            file,
            buf: [0; N],
            len: 0,
            written: 0,
        }
    }

    fn drain(&mut self) -> Result<(), host::HostError> {
        let pending = self.buf.get(..self.len).unwrap_or(&[]);
        self.file.write_all(pending)?;
        self.len = 0;
        Ok(())
    }

    /// Flushes and closes the file.
    pub fn close(mut self) -> Result<(), host::HostError> {
        self.drain()?;
        self.file.close()
    }
}

impl<const N: usize> embedded_io::ErrorType for BufferedFile<N> {
    type Error = host::HostError;
}

impl<const N: usize> embedded_io::Write for BufferedFile<N> {
    fn write(&mut self, bytes: &[u8]) -> Result<usize, host::HostError> {
        if bytes.is_empty() {
            return Ok(0);
        }
        if self.len == N {
            self.drain()?;
        }
        let room = self.buf.get_mut(self.len..).unwrap_or(&mut []);
        let n = room.len().min(bytes.len());
        if let (Some(dst), Some(src)) = (room.get_mut(..n), bytes.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.len += n;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> Result<(), host::HostError> {
        self.drain()
    }
}

/// The board's UART, where the firmware sends its link frames, wired to
/// QEMU's first `-serial` (for example `-serial file:uart.capture`): on
/// QEMU's `mps2-an386`/`mps2-an385`, UART0, an ARM CMSDK APB UART at
/// `0x4000_4000` (QEMU `hw/arm/mps2.c`); on QEMU's RISC-V `virt`, an NS16550A
/// at `0x1000_0000` (QEMU `hw/riscv/virt.c`). One driver; only the register
/// access (`regs`) differs.
pub mod uart {
    /// CMSDK APB UART registers (ARM DDI 0479C, section 4.3).
    #[cfg(target_arch = "arm")]
    mod regs {
        const BASE: usize = 0x4000_4000;
        const DATA: usize = BASE;
        const STATE: usize = BASE + 0x04;
        const CTRL: usize = BASE + 0x08;
        const BAUDDIV: usize = BASE + 0x10;
        /// STATE: the transmit buffer is full.
        const TX_FULL: u32 = 1;
        /// CTRL: transmitter enabled.
        const TX_EN: u32 = 1;

        /// Enables the transmitter (the divider is the smallest the
        /// peripheral accepts; QEMU does not pace the output by it).
        pub(super) fn enable() {
            // SAFETY: MMIO writes to UART0's control registers, which only
            // this driver touches.
            unsafe {
                core::ptr::write_volatile(BAUDDIV as *mut u32, 16);
                core::ptr::write_volatile(CTRL as *mut u32, TX_EN);
            }
        }

        /// Waits for room in the transmit buffer, then sends `b`.
        pub(super) fn put(b: u8) {
            // SAFETY: MMIO reads of STATE and writes of DATA on UART0.
            unsafe {
                while core::ptr::read_volatile(STATE as *const u32) & TX_FULL != 0 {}
                core::ptr::write_volatile(DATA as *mut u32, u32::from(b));
            }
        }
    }

    /// NS16550A registers (byte-wide): transmit holding register and line
    /// status register.
    #[cfg(target_arch = "riscv32")]
    mod regs {
        const BASE: usize = 0x1000_0000;
        const THR: usize = BASE;
        const LSR: usize = BASE + 5;
        /// LSR: the transmit holding register is empty.
        const THR_EMPTY: u8 = 1 << 5;

        /// The transmitter needs no set-up on QEMU (nor does it pace the
        /// output by any baud rate).
        pub(super) fn enable() {}

        /// Waits for the transmit holding register to empty, then sends `b`.
        pub(super) fn put(b: u8) {
            // SAFETY: MMIO reads of LSR and writes of THR on the UART, which
            // only this driver touches.
            unsafe {
                while core::ptr::read_volatile(LSR as *const u8) & THR_EMPTY == 0 {}
                core::ptr::write_volatile(THR as *mut u8, b);
            }
        }
    }

    /// The transmit side of the UART, an [`embedded_io::Write`]. It never
    /// fails; its error type is the host file's, so that one writer type can
    /// send to both (see the firmware's `Link`).
    #[derive(Debug)]
    pub struct Uart {
        /// Bytes sent so far.
        pub sent: u64,
    }

    impl Uart {
        /// Sets up the transmitter.
        pub fn new() -> Self {
            regs::enable();
            Uart { sent: 0 }
        }

        fn put(&mut self, b: u8) {
            regs::put(b);
            self.sent += 1;
        }
    }

    impl Default for Uart {
        fn default() -> Self {
            Uart::new()
        }
    }

    impl embedded_io::ErrorType for Uart {
        type Error = crate::host::HostError;
    }

    impl embedded_io::Write for Uart {
        fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
            for &b in buf {
                self.put(b);
            }
            Ok(buf.len())
        }

        fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }
}

/// Stack measurement. On Cortex-M with cortex-m-rt's `paint-stack`: at
/// reset, the whole stack region (from `_stack_end`, just past `.bss`, up to
/// `_stack_start`, the top of RAM) is filled with [`stack::PAINT`]. riscv-rt
/// has no such option, so on RISC-V [`stack::paint`], the first call in
/// `main`, fills the region (from riscv-rt's `__estack` up to the current
/// stack pointer) itself. The lowest word no longer holding the paint marks
/// the deepest the stack has been.
pub mod stack {
    /// The paint: cortex-m-rt's `STACK_PAINT_VALUE`, the same on RISC-V.
    pub const PAINT: u32 = 0xcccc_cccc;

    #[cfg(target_arch = "arm")]
    const _: () = assert!(PAINT == cortex_m_rt::STACK_PAINT_VALUE);

    #[cfg(target_arch = "arm")]
    extern "C" {
        static _stack_start: u32;
        static _stack_end: u32;
    }

    #[cfg(target_arch = "riscv32")]
    extern "C" {
        static _stack_start: u32;
        static __estack: u32;
    }

    fn bounds() -> (usize, usize) {
        // Only the symbols' addresses are taken.
        #[cfg(target_arch = "arm")]
        let end = core::ptr::addr_of!(_stack_end) as usize;
        #[cfg(target_arch = "riscv32")]
        let end = core::ptr::addr_of!(__estack) as usize;
        (end, core::ptr::addr_of!(_stack_start) as usize)
    }

    /// Paints the unused stack (a no-op on Cortex-M, where cortex-m-rt did it
    /// at reset). Call it first in `main`.
    #[inline(always)]
    pub fn paint() {
        #[cfg(target_arch = "riscv32")]
        {
            let sp: usize;
            // SAFETY: reads the stack pointer into a register.
            unsafe { core::arch::asm!("mv {0}, sp", out(reg) sp, options(nomem, nostack)) };
            let (end, _) = bounds();
            let mut p = end;
            // Everything below the stack pointer is free: no interrupt is
            // enabled, and this loop keeps `p` in a register.
            while p + 4 <= sp {
                // SAFETY: `p` is a word-aligned address below the stack
                // pointer, inside the stack region.
                unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
                p += 4;
            }
        }
    }

    /// Size of the stack region in bytes.
    pub fn region() -> usize {
        let (end, start) = bounds();
        start - end
    }

    /// The deepest the stack has reached since reset, in bytes.
    pub fn peak() -> usize {
        let (end, start) = bounds();
        let mut p = end;
        while p < start {
            // SAFETY: `p` is a word-aligned address inside the stack region.
            let w = unsafe { core::ptr::read_volatile(p as *const u32) };
            if w != PAINT {
                break;
            }
            p += 4;
        }
        start - p
    }
}

/// Inputs and outputs the optimizer cannot see through, for the code-size
/// probes and the no-panic proof: buffers in `.bss` handed out through
/// [`opaque`], so their contents and lengths are unknown at compile time.
pub mod probe {
    use super::opaque;

    /// Bytes in each probe buffer.
    pub const BYTES: usize = 20 * 1024;
    /// Elements in each typed probe buffer.
    pub const ELEMS: usize = 4096;

    static mut BYTES_IN: [u8; BYTES] = [0; BYTES];
    static mut BYTES_OUT: [u8; BYTES] = [0; BYTES];
    static mut I16_A: [i16; ELEMS] = [0; ELEMS];
    static mut I16_B: [i16; ELEMS] = [0; ELEMS];
    static mut U16S: [u16; ELEMS] = [0; ELEMS];
    static mut U16S_B: [u16; ELEMS] = [0; ELEMS];
    static mut F32S: [f32; ELEMS] = [0.0; ELEMS];

    /// The input bytes (any reference it returned before must be dead).
    pub fn bytes_in() -> &'static mut [u8] {
        // SAFETY: callers drop the previous reference first (see above).
        opaque(unsafe { &mut *core::ptr::addr_of_mut!(BYTES_IN) })
    }

    /// An output byte buffer (any reference it returned before must be dead).
    pub fn bytes_out() -> &'static mut [u8] {
        // SAFETY: callers drop the previous reference first (see above).
        opaque(unsafe { &mut *core::ptr::addr_of_mut!(BYTES_OUT) })
    }

    /// Two `i16` buffers (any reference it returned before must be dead).
    pub fn i16s() -> (&'static mut [i16], &'static mut [i16]) {
        // SAFETY: callers drop the previous reference first (see above).
        unsafe {
            (
                opaque(&mut *core::ptr::addr_of_mut!(I16_A)),
                opaque(&mut *core::ptr::addr_of_mut!(I16_B)),
            )
        }
    }

    /// A `u16` buffer (any reference it returned before must be dead).
    pub fn u16s() -> &'static mut [u16] {
        // SAFETY: callers drop the previous reference first (see above).
        opaque(unsafe { &mut *core::ptr::addr_of_mut!(U16S) })
    }

    /// A second `u16` buffer (any reference it returned before must be dead).
    pub fn u16s_b() -> &'static mut [u16] {
        // SAFETY: callers drop the previous reference first (see above).
        opaque(unsafe { &mut *core::ptr::addr_of_mut!(U16S_B) })
    }

    /// An `f32` buffer (any reference it returned before must be dead).
    pub fn f32s() -> &'static mut [f32] {
        // SAFETY: callers drop the previous reference first (see above).
        opaque(unsafe { &mut *core::ptr::addr_of_mut!(F32S) })
    }

    /// The first `opaque(n)` elements of `s` (all of it if `n` is larger).
    pub fn prefix<T>(s: &mut [T], n: usize) -> &mut [T] {
        let n = opaque(n).min(s.len());
        s.get_mut(..n).unwrap_or(&mut [])
    }

    /// Keeps `x` alive: the optimizer must assume it is used.
    #[inline(always)]
    pub fn sink<T>(x: T) {
        drop(opaque(x));
    }

    /// A writer that accepts everything and remembers only a checksum.
    #[derive(Debug, Default)]
    pub struct Sink {
        /// Bytes written.
        pub len: u64,
        /// A running checksum of the bytes.
        pub sum: u32,
    }

    impl embedded_io::ErrorType for Sink {
        type Error = core::convert::Infallible;
    }

    impl embedded_io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
            for &b in buf {
                self.sum = self.sum.rotate_left(5) ^ u32::from(b);
            }
            self.len += buf.len() as u64;
            Ok(buf.len())
        }

        fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }
}

/// The body shared by the code-size probes: a `#[entry]` that runs `$body`
/// and exits through semihosting, and a panic handler that just stops (so a
/// probe links even where a panic path is left; `nopanic` is the proof).
#[macro_export]
macro_rules! size_probe {
    ($body:block) => {
        #[$crate::entry]
        fn main() -> ! {
            let () = $body;
            $crate::host::exit(true)
        }

        #[panic_handler]
        fn panic(_: &core::panic::PanicInfo) -> ! {
            loop {
                core::hint::spin_loop();
            }
        }
    };
}

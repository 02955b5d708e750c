//! Instructions per sample of `quant::quantize_u16` (the depth frames'
//! quantization), counted reproducibly: run under QEMU with `-icount
//! shift=0`, where the virtual clock advances exactly 1 ns per guest
//! instruction, and SysTick (on the core clock; Cortex-M) or `minstret`
//! (RISC-V) counts it.
//!
//! The ticks-to-instructions ratio is calibrated in the same run with a
//! loop of a known instruction count (`subs`/`bne` or `addi`/`bnez`, 2
//! instructions per iteration), so the figure does not depend on the
//! board's clock. Prints
//! `quant_cost: instructions_per_sample=N.NN samples=4096`.
//! `.ci/quant_cost.sh` runs it.

#![no_std]
#![no_main]

use framewire::quant;
use framewire_firmware::entry;
use framewire_firmware::synth::{self, H, W};
use framewire_firmware::{host, opaque};

/// The counter: SysTick on Cortex-M (counting down on the core clock).
#[cfg(target_arch = "arm")]
mod counter {
    use cortex_m::peripheral::syst::SystClkSource;
    use cortex_m::peripheral::SYST;

    pub struct Counter(SYST);

    impl Counter {
        pub fn take() -> Option<Counter> {
            let mut syst = cortex_m::Peripherals::take()?.SYST;
            syst.set_clock_source(SystClkSource::Core);
            syst.set_reload(0x00FF_FFFF);
            syst.enable_counter();
            Some(Counter(syst))
        }

        /// Ticks elapsed while `f` runs (SysTick counts down from 2^24 - 1).
        pub fn ticks(&mut self, f: impl FnOnce()) -> u32 {
            self.0.clear_current();
            let start = SYST::get_current();
            f();
            let end = SYST::get_current();
            start.wrapping_sub(end) & 0x00FF_FFFF
        }
    }

    /// `n` iterations of `subs`/`bne`: exactly `2 * n` instructions.
    #[inline(never)]
    pub fn known_loop(n: u32) {
        // SAFETY: only decrements a scratch register to zero.
        unsafe {
            core::arch::asm!(
                "2:",
                "subs {0}, #1",
                "bne 2b",
                inout(reg) n => _,
                options(nomem, nostack)
            );
        }
    }
}

/// The counter: `minstret` on RISC-V (instructions retired, which QEMU
/// derives from the virtual clock under `-icount`).
#[cfg(target_arch = "riscv32")]
mod counter {
    pub struct Counter;

    impl Counter {
        pub fn take() -> Option<Counter> {
            Some(Counter)
        }

        /// Ticks elapsed while `f` runs (the low 32 bits of `minstret`).
        pub fn ticks(&mut self, f: impl FnOnce()) -> u32 {
            let start = riscv::register::minstret::read();
            f();
            let end = riscv::register::minstret::read();
            end.wrapping_sub(start) as u32
        }
    }

    /// `n` iterations of `addi`/`bnez`: exactly `2 * n` instructions.
    #[inline(never)]
    pub fn known_loop(n: u32) {
        // SAFETY: only decrements a scratch register to zero.
        unsafe {
            core::arch::asm!(
                "2:",
                "addi {0}, {0}, -1",
                "bnez {0}, 2b",
                inout(reg) n => _,
                options(nomem, nostack)
            );
        }
    }
}

use counter::{known_loop, Counter};

#[entry]
fn main() -> ! {
    let mut counter = Counter::take().unwrap_or_else(|| host::exit(false));

    // 4096 depth samples: one frame of the firmware.
    let mut samples = [0f32; W * H];
    for (y, row) in samples.chunks_exact_mut(W).enumerate() {
        let mut r = [0f32; W];
        synth::depth_row(opaque(3), y, &mut r);
        row.copy_from_slice(&r);
    }
    let mut levels = [0u16; W * H];

    let calib_iters = 200_000u32;
    let calib = counter.ticks(|| known_loop(opaque(calib_iters)));
    let empty = counter.ticks(|| {});
    let quant = counter.ticks(|| {
        let r = quant::quantize_u16(
            opaque(&samples[..]),
            opaque(synth::DEPTH_VMIN),
            opaque(synth::DEPTH_VMAX),
            &mut levels,
        );
        opaque(r.is_ok());
    });
    opaque(&levels);
    // Instructions per tick, then per sample, in hundredths.
    let insns = u64::from(quant.saturating_sub(empty)) * u64::from(2 * calib_iters)
        / u64::from(calib.max(1));
    let per_sample_x100 = insns * 100 / (W * H) as u64;
    host::print("quant_cost: instructions_per_sample=");
    host::print_u64(per_sample_x100 / 100);
    host::print(".");
    let frac = per_sample_x100 % 100;
    if frac < 10 {
        host::print("0");
    }
    host::print_u64(frac);
    host::print(" samples=");
    host::print_u64((W * H) as u64);
    host::print(" ticks=");
    host::print_u64(u64::from(quant));
    host::print(" calibration_ticks=");
    host::print_u64(u64::from(calib));
    host::print("\n");
    host::exit(true)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    host::exit(false)
}

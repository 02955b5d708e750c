//! Puts the target's memory map (memory-cortex-m.x for the Cortex-M boards,
//! memory-riscv.x for RISC-V `virt`) on the linker search path as
//! `memory.x`, and passes the linker scripts. (No file in this folder is
//! called memory.x: the linker looks in its working directory, the package's,
//! before the search path.)
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let riscv = env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a.starts_with("riscv"));
    let map: &[u8] = if riscv {
        include_bytes!("memory-riscv.x")
    } else {
        include_bytes!("memory-cortex-m.x")
    };
    fs::write(out.join("memory.x"), map).expect("write memory.x");
    if !riscv {
        // cortex-m-rt's `device` feature includes a device.x with the
        // interrupt handlers' default names; this firmware names none (every
        // entry of its `__INTERRUPTS` is `DefaultHandler`).
        fs::write(
            out.join("device.x"),
            "/* no device interrupt handlers: see __INTERRUPTS in src/lib.rs */\n",
        )
        .expect("write device.x");
    }
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory-cortex-m.x");
    println!("cargo:rerun-if-changed=memory-riscv.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    if env::var_os("CARGO_FEATURE_DEFMT").is_some() {
        println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
    }
}

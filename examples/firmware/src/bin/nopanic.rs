//! Link-time proof that framewire's panic-free paths stay panic-free on
//! `thumbv7em-none-eabihf` (release profile: opt-level "s", fat LTO).
//!
//! The panic handler calls `framewire_panic_path_is_reachable`, a symbol
//! defined nowhere. If any panic path is left in what this program calls,
//! the handler is kept and the link fails with "undefined symbol:
//! framewire_panic_path_is_reachable".
//!
//! The input is a host file (`nopanic.input`) read at run time through
//! semihosting, so nothing about it is known when compiling. The program
//! walks it frame by frame ([`framewire_firmware::proof::walk`]): SAC frames
//! through `sac::decode`, copy-out, iteration, `sac::encode` and the
//! streaming `write_sac`; VCBN frames through `vcbn::Prefix::parse`, the JSON
//! reader (tokens, `to_u64`, `eq_str`), `vcbn::Blob`, and the quantization
//! and dequantization kernels. Then the link layer
//! ([`framewire_firmware::proof::link_loopback`]): `link::blocking::LinkWriter`
//! and `link::Decoder` over the same input.
//!
//! What this proof leaves out, because `core`'s float parsing and formatting
//! keep panic paths the optimizer cannot remove (`vcbn::decode`, the VCBN
//! header in the stream decoder, `vcbn::encode`), is built by `nopanic_full`
//! and audited by `.ci/nopanic.sh`.

#![no_std]
#![no_main]

use framewire_firmware::entry;
use framewire_firmware::proof::{self, Counts};
use framewire_firmware::{host, probe};

#[entry]
fn main() -> ! {
    let mut c = Counts::default();
    let io = proof::walk(&mut c).and_then(|()| proof::link_loopback(&mut c));
    probe::sink(c.sum);
    c.print("nopanic:");
    if io.is_err() {
        host::print("nopanic: host I/O error\n");
    }
    host::exit(io.is_ok() && c.errors == 0 && c.mismatches == 0)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    extern "C" {
        fn framewire_panic_path_is_reachable() -> !;
    }
    // SAFETY: the symbol is undefined on purpose: this call only links if the
    // optimizer proved the panic handler unreachable and removed it.
    unsafe { framewire_panic_path_is_reachable() }
}

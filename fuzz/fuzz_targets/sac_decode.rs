//! `sac::decode` (and `sac::Header::parse`) on arbitrary bytes. A file that
//! decodes must re-encode to the same bytes (flags and reserved aside).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    framewire_fuzz::check_sac(data);
});

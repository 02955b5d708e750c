//! `vcbn::decode_with` on arbitrary bytes, with the default limits and with
//! small ones. A frame that decodes must re-encode to the same header fields
//! and levels, and a canonical one to exactly the same bytes.
#![no_main]

use framewire::vcbn::{self, Limits};
use framewire_fuzz::{check_vcbn, same_header, SMALL};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let big = check_vcbn(data, &Limits::DEFAULT);
    let small = check_vcbn(data, &SMALL);
    // Tighter limits can only refuse more, and never change what is decoded.
    if small {
        assert!(big, "small limits accepted what the defaults refused");
        let a = vcbn::decode_with(data, &SMALL).unwrap();
        let b = vcbn::decode(data).unwrap();
        assert!(same_header(a.header(), b.header()));
        assert_eq!(a.blob(), b.blob());
        assert_eq!(a.json(), b.json());
    }
});

//! `sac::Frame`'s native views: `a_native` and `b_native` give the payloads
//! as `&[i16]` exactly when the target is little-endian and the payload is
//! 2-byte aligned in memory, and then give exactly the arrays encoded.

use framewire::{sac, Shape};
use zerocopy::IntoBytes;

const A: [i16; 6] = [1, -2, 3, -4, 5, i16::MIN];
const B: [i16; 6] = [i16::MAX, 7, 0, -7, 0, 9];

#[test]
fn native_views_of_an_aligned_frame_are_the_arrays() {
    // u16 storage: the frame starts 2-byte aligned, so do both payloads
    // (offset 24, and 24 + 12).
    let mut storage = [0u16; 48 / 2];
    let bytes = storage.as_mut_bytes();
    let n = sac::encode(&A, &B, Shape::new(2, 3), bytes).unwrap();
    let f = sac::decode(&bytes[..n]).unwrap();
    if cfg!(target_endian = "little") {
        assert_eq!(f.a_native(), Some(&A[..]));
        assert_eq!(f.b_native(), Some(&B[..]));
    } else {
        assert_eq!(f.a_native(), None);
        assert_eq!(f.b_native(), None);
    }
    let (mut a, mut b) = ([0i16; 6], [0i16; 6]);
    f.copy_a_to(&mut a).unwrap();
    f.copy_b_to(&mut b).unwrap();
    assert_eq!((a, b), (A, B));
}

#[test]
fn native_views_of_a_misaligned_frame_are_none() {
    let mut storage = [0u16; 48 / 2 + 1];
    let bytes = &mut storage.as_mut_bytes()[1..49];
    let n = sac::encode(&A, &B, Shape::new(2, 3), bytes).unwrap();
    let f = sac::decode(&bytes[..n]).unwrap();
    assert_eq!(f.a_native(), None);
    assert_eq!(f.b_native(), None);
    // The other views still read it.
    assert!(f.a_iter().eq(A.iter().copied()));
    assert!(f.b_iter().eq(B.iter().copied()));
}

#[test]
fn native_views_of_empty_arrays() {
    let mut storage = [0u16; 12];
    let bytes = storage.as_mut_bytes();
    let n = sac::encode(&[], &[], Shape::UNKNOWN, bytes).unwrap();
    let f = sac::decode(&bytes[..n]).unwrap();
    if cfg!(target_endian = "little") {
        assert_eq!(f.a_native(), Some(&[][..]));
        assert_eq!(f.b_native(), Some(&[][..]));
    }
}

//! `sac::Encoder::finish` reports which array is short, and by how much.

use framewire::{sac, Error, Field, Shape};

#[test]
fn finish_names_the_short_array() {
    let mut out = [0u8; 16];
    // Nothing given: A is short first.
    let enc = sac::Encoder::new(2, 3, Shape::UNKNOWN).unwrap();
    assert_eq!(
        enc.finish(),
        Err(Error::LengthMismatch {
            field: Field::LengthA,
            expected: 2,
            actual: 0
        })
    );
    // A complete, one sample of B: B is short.
    let mut enc = sac::Encoder::new(2, 3, Shape::UNKNOWN).unwrap();
    assert_eq!(enc.encode(&[1, 2, 3], &mut out), Ok((3, 6)));
    assert_eq!(enc.remaining(), 2);
    assert_eq!(
        enc.finish(),
        Err(Error::LengthMismatch {
            field: Field::LengthB,
            expected: 3,
            actual: 1
        })
    );
    // Everything given.
    assert_eq!(enc.encode(&[4, 5], &mut out), Ok((2, 4)));
    assert_eq!(enc.remaining(), 0);
    assert_eq!(enc.finish(), Ok(()));
    // Empty arrays need nothing.
    assert_eq!(
        sac::Encoder::new(0, 0, Shape::UNKNOWN).unwrap().finish(),
        Ok(())
    );
}

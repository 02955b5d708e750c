//! `Shape`: one shape type, height first, with its conversions.

use framewire::Shape;

#[test]
fn height_first_everywhere() {
    let s = Shape::new(480, 640);
    assert_eq!((s.height(), s.width()), (480, 640));
    assert_eq!(s.to_array(), [480, 640]);
    assert_eq!(<[u64; 2]>::from(s), [480, 640]);
    assert_eq!(Shape::from([480u64, 640]), s);
    assert_eq!(Shape::from([480usize, 640]), s);
    assert_eq!(Shape::from([480u32, 640]), s);
    assert_eq!(Shape::from([7u32, 3]).to_array(), [7, 3]);
}

#[test]
fn elements_and_unknown() {
    assert_eq!(Shape::new(480, 640).elements(), Some(307_200));
    assert_eq!(Shape::new(0, 640).elements(), Some(0));
    assert_eq!(Shape::new(u64::MAX, 2).elements(), None);
    assert_eq!(Shape::new(1 << 32, 1 << 32).elements(), None);
    assert_eq!(Shape::new(u64::MAX, 1).elements(), Some(u64::MAX));
    assert_eq!(Shape::UNKNOWN, Shape::new(0, 0));
    assert_eq!(Shape::default(), Shape::UNKNOWN);
}

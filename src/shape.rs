//! [`Shape`]: the size of a 2-D array, one type for every format.

/// The shape of a 2-D array: `height` rows of `width` samples each, stored
/// row by row (C order).
///
/// Arguments and arrays always come in this order, **height first**, as in
/// NumPy's `array.shape == (H, W)` and VCBN's `"shape": [H, W]`. SAC stores
/// the same two numbers as `width` and `height` fields; [`crate::sac`] maps
/// them, and a SAC frame without a known shape has [`Shape::UNKNOWN`]
/// (`0 × 0`).
///
/// ```
/// use framewire::Shape;
///
/// let s = Shape::new(480, 640); // 480 rows of 640: a VGA frame
/// assert_eq!((s.height(), s.width()), (480, 640));
/// assert_eq!(s.elements(), Some(307_200));
/// assert_eq!(Shape::from([480usize, 640]), s);
/// assert_eq!(s.to_array(), [480, 640]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Shape {
    height: u64,
    width: u64,
}

impl Shape {
    /// `0 × 0`: the shape of a SAC frame whose width and height are unknown.
    pub const UNKNOWN: Shape = Shape::new(0, 0);

    /// `height` rows of `width` samples.
    pub const fn new(height: u64, width: u64) -> Shape {
        Shape { height, width }
    }

    /// Rows (`H`).
    pub const fn height(&self) -> u64 {
        self.height
    }

    /// Samples per row (`W`).
    pub const fn width(&self) -> u64 {
        self.width
    }

    /// `H * W`, or `None` if it overflows `u64`.
    pub const fn elements(&self) -> Option<u64> {
        self.height.checked_mul(self.width)
    }

    /// `[H, W]`.
    pub const fn to_array(self) -> [u64; 2] {
        [self.height, self.width]
    }
}

impl From<[u64; 2]> for Shape {
    /// From `[H, W]`.
    fn from([height, width]: [u64; 2]) -> Shape {
        Shape::new(height, width)
    }
}

impl From<[usize; 2]> for Shape {
    /// From `[H, W]`.
    fn from([height, width]: [usize; 2]) -> Shape {
        Shape::new(height as u64, width as u64)
    }
}

impl From<[u32; 2]> for Shape {
    /// From `[H, W]`.
    fn from([height, width]: [u32; 2]) -> Shape {
        Shape::new(u64::from(height), u64::from(width))
    }
}

impl From<Shape> for [u64; 2] {
    fn from(s: Shape) -> [u64; 2] {
        s.to_array()
    }
}

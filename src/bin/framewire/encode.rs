//! `framewire encode sac|vcbn|imgpack`: `.npy` arrays into a SAC, VCBN or
//! imgpack file, with the library's encoders (byte-identical to the Python
//! reference encoders in docs/FORMATS.md, and to imgpack's own `encode`).

use std::path::Path;

use framewire::quant::{nan_min_max, nan_min_max_f64, Samples};
use framewire::vcbn::{Dtype, Params};
use framewire::{imgpack, sac, vcbn, Error, Field, Shape};

use crate::npy::{self, Elements, FloatArray};
use crate::output::{commit, report, stage};
use crate::{bad, shown, usage, Bound, Failure};

/// Writes `bytes` to `out`, all or nothing, and reports it on stdout:
/// `wrote OUT (N bytes; WHAT)`.
fn write_output(out: &Path, bytes: &[u8], what: &str) -> Result<(), Failure> {
    commit(vec![stage(out, bytes)?])?;
    report(format_args!(
        "wrote {} ({} bytes; {what})",
        shown(out),
        bytes.len()
    ))
}

/// A SAC frame for reports: `SAC width W, height H, A + B int16 values`.
pub(crate) fn sac_summary(width: u32, height: u32, len_a: usize, len_b: usize) -> String {
    format!("SAC width {width}, height {height}, {len_a} + {len_b} int16 values")
}

/// A VCBN frame for reports: `VCBN uint16, shape (H, W)`.
pub(crate) fn vcbn_summary(magic: &str, dtype: Dtype, [h, w]: [u64; 2]) -> String {
    format!(
        "{magic} {}, shape {}",
        dtype.name(),
        npy::shape_text(&[h, w])
    )
}

/// Runs `encode sac`. Width and height each default from a 2-D A (columns
/// and rows), else 0.
pub(crate) fn sac(
    a_path: &Path,
    b_path: &Path,
    width: Option<u32>,
    height: Option<u32>,
    out: &Path,
) -> Result<(), Failure> {
    let a = npy::read_i16(a_path)?;
    let b = npy::read_i16(b_path)?;
    let dim = |i: usize, what: &str| -> Result<u32, Failure> {
        match a.shape.as_slice() {
            [_, _] => {
                let d = a.shape.get(i).copied().unwrap_or(0);
                u32::try_from(d).map_err(|_| {
                    bad(
                        shown(a_path),
                        format_args!("{what} {d} does not fit in the SAC header (u32)"),
                    )
                })
            }
            _ => Ok(0),
        }
    };
    let width = match width {
        Some(w) => w,
        None => dim(1, "width")?,
    };
    let height = match height {
        Some(h) => h,
        None => dim(0, "height")?,
    };
    let subject = format!("{}, {}", shown(a_path), shown(b_path));
    let shape = Shape::new(u64::from(height), u64::from(width));
    let buf = sac::encode_to_vec(&a.data, &b.data, shape).map_err(|e| bad(&subject, e))?;
    let what = sac_summary(width, height, a.data.len(), b.data.len());
    write_output(out, &buf, &what)
}

/// The default range: the NaN-ignoring minimum and maximum, as
/// `float(np.nanmin(arr))` and `float(np.nanmax(arr))`. `missing` names the
/// options without a value (and the verb to go with them), for the message
/// when there is no default.
fn default_range(
    path: &Path,
    input: &FloatArray,
    (missing, have): (&str, &str),
) -> Result<(f64, f64), Failure> {
    let (range, empty) = match input {
        FloatArray::F32(a) => (
            nan_min_max(&a.data).map(|(lo, hi)| (f64::from(lo), f64::from(hi))),
            a.data.is_empty(),
        ),
        FloatArray::F64(a) => (nan_min_max_f64(&a.data), a.data.is_empty()),
    };
    range.ok_or_else(|| {
        let why = if empty {
            "input is empty"
        } else {
            "input has no non-NaN values"
        };
        bad(
            shown(path),
            format_args!("{why}, so {missing} {have} no default; pass {missing}"),
        )
    })
}

/// Runs `encode vcbn`.
pub(crate) fn vcbn(
    path: &Path,
    vmin: Option<Bound>,
    vmax: Option<Bound>,
    dtype: Dtype,
    out: &Path,
) -> Result<(), Failure> {
    // A range end given on the command line must be finite; one computed
    // from the input is checked by the encoder below.
    for (option, bound) in [("--vmin", &vmin), ("--vmax", &vmax)] {
        if let Some(b) = bound.as_ref().filter(|b| !b.value.is_finite()) {
            return Err(bad(
                format_args!("{option} {}", b.text),
                "not a finite number (the header JSON can only carry finite numbers)",
            ));
        }
    }
    let input = npy::read_vcbn_input(path)?;
    let (vmin_given, vmax_given) = (vmin.is_some(), vmax.is_some());
    let (vmin, vmax) = match (vmin, vmax) {
        (Some(lo), Some(hi)) => (lo.value, hi.value),
        (lo, hi) => {
            let missing = match (&lo, &hi) {
                (Some(_), _) => ("--vmax", "has"),
                (_, Some(_)) => ("--vmin", "has"),
                _ => ("--vmin and --vmax", "have"),
            };
            let (min, max) = default_range(path, &input, missing)?;
            (lo.map_or(min, |b| b.value), hi.map_or(max, |b| b.value))
        }
    };
    let params = Params::new(dtype, vmin, vmax);
    let (shape, samples) = match &input {
        FloatArray::F32(a) => (&a.shape, Samples::F32(&a.data)),
        FloatArray::F64(a) => (&a.shape, Samples::F64(&a.data)),
    };
    let dims = match shape.as_slice() {
        &[h, w] => usize::try_from(h).ok().zip(usize::try_from(w).ok()),
        _ => None,
    };
    let Some((h, w)) = dims else {
        return Err(bad(
            shown(path),
            format_args!(
                "expected a 2-D array, found shape {}",
                npy::shape_text(shape)
            ),
        ));
    };
    // Whether a range end came from the input rather than the command line.
    let computed = |field: Field| match field {
        Field::Vmin => !vmin_given,
        Field::Vmax => !vmax_given,
        _ => false,
    };
    let fail = |e: Error| match e {
        Error::NonFiniteRange { field } if computed(field) => bad(
            shown(path),
            format_args!("{e} (computed from the input; pass --vmin and --vmax)"),
        ),
        _ => bad(shown(path), e),
    };
    let shape = Shape::from([h, w]);
    let buf = vcbn::encode_to_vec(samples, shape, &params).map_err(fail)?;
    let what = vcbn_summary("VCBN", dtype, [h as u64, w as u64]);
    write_output(out, &buf, &what)
}

/// An imgpack frame for reports: `imgpack uint16 12-bit LE, shape (H, W)`;
/// the bits only for the n-bit dtypes, the byte order only where it matters.
pub(crate) fn imgpack_summary(
    dtype: imgpack::Dtype,
    bits: Option<u32>,
    order: imgpack::Endianness,
    [h, w]: [u64; 2],
) -> String {
    let mut s = format!("imgpack {}", dtype.name());
    if let Some(b) = bits.filter(|_| !dtype.is_float()) {
        s.push_str(&format!(" {b}-bit"));
    }
    if dtype.has_byte_order() {
        s.push(' ');
        s.push_str(order.name());
    }
    s.push_str(&format!(", shape {}", npy::shape_text(&[h, w])));
    s
}

/// The options of `encode imgpack`.
pub(crate) struct ImgpackArgs {
    /// `--dtype`.
    pub(crate) dtype: imgpack::Dtype,
    /// `--bits` (checked here against the dtype).
    pub(crate) bits: u32,
    /// `--endianness`.
    pub(crate) endianness: imgpack::Endianness,
    /// `--vmin`, if given.
    pub(crate) vmin: Option<Bound>,
    /// `--vmax`, if given.
    pub(crate) vmax: Option<Bound>,
}

/// imgpack's default range, `float(np.nanmin(data))` and
/// `float(np.nanmax(data))` of the input as stored: NaN ignored, infinities
/// counted, NaN when every element is NaN (NumPy warns and returns NaN, and
/// imgpack writes it), integers exact before their one rounding to f64.
/// `None` for an empty input, where NumPy raises.
fn imgpack_range(elements: &Elements) -> Option<(f64, f64)> {
    fn min_max<T: Copy + Ord>(xs: &[T], to: impl Fn(T) -> f64) -> Option<(f64, f64)> {
        let lo = xs.iter().copied().min()?;
        let hi = xs.iter().copied().max()?;
        Some((to(lo), to(hi)))
    }
    let all_nan = Some((f64::NAN, f64::NAN));
    match elements {
        Elements::F32(a) if a.is_empty() => None,
        Elements::F32(a) => nan_min_max(a)
            .map(|(lo, hi)| (f64::from(lo), f64::from(hi)))
            .or(all_nan),
        Elements::F64(a) if a.is_empty() => None,
        Elements::F64(a) => nan_min_max_f64(a).or(all_nan),
        Elements::Int(a) => min_max(a, |v| v as f64),
        Elements::Uint(a) => min_max(a, |v| v as f64),
    }
}

/// Runs `encode imgpack`: byte-identical to imgpack's
/// `encode(data, vmin, vmax, dtype=..., bits=..., endianness=...)`.
///
/// Integer and bool inputs are converted once, from their stored values, as
/// NumPy converts them there: to float32 for quantizing
/// (`np.asarray(data, dtype=np.float32)`) and for float16/float32, to
/// float64 for float64 (`np.ascontiguousarray(data, dtype=...)`; an
/// integer's conversion to float16 through float32 is exact wherever the
/// float16 is finite).
pub(crate) fn imgpack(path: &Path, args: ImgpackArgs, out: &Path) -> Result<(), Failure> {
    let ImgpackArgs {
        dtype,
        bits,
        endianness,
        vmin,
        vmax,
    } = args;
    if let Some(max) = dtype.max_bits() {
        if !(1..=max).contains(&bits) {
            return Err(usage(
                "encode imgpack",
                format_args!(
                    "--bits {bits} is out of range for --dtype {}: it takes 1..={max}",
                    dtype.name()
                ),
            ));
        }
    }
    let (shape, elements) = npy::read_imgpack_input(path)?;
    let (vmin, vmax) = match (vmin, vmax) {
        (Some(lo), Some(hi)) => (lo.value, hi.value),
        (lo, hi) => {
            let (missing, have) = match (&lo, &hi) {
                (Some(_), _) => ("--vmax", "has"),
                (_, Some(_)) => ("--vmin", "has"),
                _ => ("--vmin and --vmax", "have"),
            };
            let Some((min, max)) = imgpack_range(&elements) else {
                return Err(bad(
                    shown(path),
                    format_args!("input is empty, so {missing} {have} no default; pass {missing}"),
                ));
            };
            (lo.map_or(min, |b| b.value), hi.map_or(max, |b| b.value))
        }
    };
    let dims = match shape.as_slice() {
        &[h, w] => Some((h, w)),
        _ => None,
    };
    let Some((h, w)) = dims else {
        return Err(bad(
            shown(path),
            format_args!(
                "expected a 2-D array, found shape {}",
                npy::shape_text(&shape)
            ),
        ));
    };
    let params = imgpack::Params::new(dtype, vmin, vmax)
        .with_bits(bits)
        .with_endianness(endianness);
    let as_f64 = dtype == imgpack::Dtype::F64;
    // Integers converted once, to the type NumPy converts them to here.
    let (f32s, f64s): (Vec<f32>, Vec<f64>) = match &elements {
        Elements::Int(a) if as_f64 => (Vec::new(), a.iter().map(|&v| v as f64).collect()),
        Elements::Uint(a) if as_f64 => (Vec::new(), a.iter().map(|&v| v as f64).collect()),
        Elements::Int(a) => (a.iter().map(|&v| v as f32).collect(), Vec::new()),
        Elements::Uint(a) => (a.iter().map(|&v| v as f32).collect(), Vec::new()),
        Elements::F32(_) | Elements::F64(_) => (Vec::new(), Vec::new()),
    };
    let input = match &elements {
        Elements::F32(a) => imgpack::Input::F32(a),
        Elements::F64(a) => imgpack::Input::F64(a),
        _ if as_f64 => imgpack::Input::F64(&f64s),
        _ => imgpack::Input::F32(&f32s),
    };
    let buf = imgpack::encode_to_vec(input, Shape::new(h, w), &params)
        .map_err(|e| bad(shown(path), e))?;
    let bits = dtype.max_bits().map(|_| bits);
    let what = imgpack_summary(dtype, bits, endianness, [h, w]);
    write_output(out, &buf, &what)
}

#[cfg(test)]
#[allow(clippy::panic, clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn imgpack_range_is_numpys_nanmin_nanmax() {
        let r = |e: Elements| imgpack_range(&e);
        assert_eq!(
            r(Elements::F32(vec![f32::NAN, 2.0, -1.0])),
            Some((-1.0, 2.0))
        );
        let all_nan = r(Elements::F64(vec![f64::NAN; 3])).unwrap();
        assert!(all_nan.0.is_nan() && all_nan.1.is_nan());
        assert_eq!(r(Elements::F32(vec![])), None);
        assert_eq!(r(Elements::Uint(vec![])), None);
        assert_eq!(
            r(Elements::F32(vec![f32::NEG_INFINITY, 0.0])),
            Some((f64::NEG_INFINITY, 0.0))
        );
        // Exact integers, rounded once to f64 (2^24 + 1 is no f32).
        assert_eq!(
            r(Elements::Int(vec![16_777_217, -5])),
            Some((-5.0, 16_777_217.0))
        );
        assert_eq!(
            r(Elements::Uint(vec![u64::MAX, 3])),
            Some((3.0, u64::MAX as f64))
        );
    }

    #[test]
    fn imgpack_summaries() {
        use imgpack::{Dtype as D, Endianness as E};
        assert_eq!(
            imgpack_summary(D::Packed, Some(12), E::Little, [2, 3]),
            "imgpack packed 12-bit, shape (2, 3)"
        );
        assert_eq!(
            imgpack_summary(D::U16, Some(10), E::Big, [1, 1]),
            "imgpack uint16 10-bit BE, shape (1, 1)"
        );
        assert_eq!(
            imgpack_summary(D::F32, None, E::Little, [4, 5]),
            "imgpack float32 LE, shape (4, 5)"
        );
    }
}

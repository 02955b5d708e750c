//! `framewire encode sac|vcbn`: `.npy` arrays into a SAC or VCBN file, with
//! the library's encoders (byte-identical to the Python reference encoders in docs/FORMATS.md).

use std::path::Path;

use framewire::quant::{nan_min_max, nan_min_max_f64, Samples};
use framewire::vcbn::{Dtype, Params};
use framewire::{sac, vcbn, Error, Field, Shape};

use crate::npy::{self, FloatArray};
use crate::output::{commit, report, stage};
use crate::{bad, shown, Bound, Failure};

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

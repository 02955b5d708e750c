//! Reading and writing `.npy` files with `npyz`.
//!
//! Reading checks what `npyz` leaves to the caller before any element is
//! read: the header length against the file, the dtype, the element count
//! (without overflow) and the data length. Fortran-order arrays are returned
//! in C order, as NumPy's `ascontiguousarray` would make them.

use std::fmt::Write as _;
use std::path::Path;

use npyz::{DType, Deserialize, NpyFile, NpyHeader, Order, Serialize, TypeChar, WriterBuilder};

use crate::{bad, shown, Failure};

/// An array read from a `.npy` file, in C order.
pub(crate) struct Array<T> {
    /// The shape as stored.
    pub(crate) shape: Vec<u64>,
    /// The elements in C (row-major) order.
    pub(crate) data: Vec<T>,
}

/// Float arrays the VCBN encoder takes.
pub(crate) enum FloatArray {
    /// `float32` input (or integer or bool input converted to it).
    F32(Array<f32>),
    /// `float64` input.
    F64(Array<f64>),
}

/// A shape as Python prints a tuple: `(2, 3)`, `(5,)`, `()`.
pub(crate) fn shape_text(shape: &[u64]) -> String {
    let mut s = String::from("(");
    for (i, d) in shape.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{d}");
    }
    if shape.len() == 1 {
        s.push(',');
    }
    s.push(')');
    s
}

/// The dtype as NumPy writes it in the header, e.g. `'<f4'`.
fn dtype_text(header: &NpyHeader) -> String {
    header.dtype().descr()
}

/// A parsed `.npy` file: its header and its bytes.
struct Loaded {
    header: NpyHeader,
    bytes: Vec<u8>,
    data_start: usize,
}

/// Checks the pre-header (magic, version, header length) so that a corrupt
/// header length fails here instead of making the parser allocate for it.
fn check_preheader(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let not_npy = || bad(shown(path), "not a .npy file (no \\x93NUMPY magic)");
    if bytes.get(..6) != Some(b"\x93NUMPY".as_slice()) {
        return Err(not_npy());
    }
    let major = *bytes.get(6).ok_or_else(not_npy)?;
    let (len, start) = match major {
        1 => match bytes.get(8..10) {
            Some(&[a, b]) => (u64::from(u16::from_le_bytes([a, b])), 10u64),
            _ => return Err(bad(shown(path), "truncated .npy header")),
        },
        2 | 3 => match bytes.get(8..12) {
            Some(&[a, b, c, d]) => (u64::from(u32::from_le_bytes([a, b, c, d])), 12u64),
            _ => return Err(bad(shown(path), "truncated .npy header")),
        },
        v => {
            return Err(bad(
                shown(path),
                format_args!("unsupported .npy format version {v}"),
            ))
        }
    };
    if start.saturating_add(len) > bytes.len() as u64 {
        return Err(bad(
            shown(path),
            format_args!(
                "truncated .npy header: it claims {len} bytes but the file has {}",
                bytes.len()
            ),
        ));
    }
    Ok(())
}

/// The header parser's message without the echo of the header text it
/// quotes (which can be as long as the header), at most 300 characters.
fn parser_message(msg: &str) -> String {
    let kept: Vec<&str> = msg
        .lines()
        .map(str::trim)
        .filter(|l| {
            let quoted = l.starts_with('|')
                || l.split_once(" |")
                    .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            !l.is_empty() && !quoted
        })
        .collect();
    let text = kept
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", text.get(..i).unwrap_or("")),
        None => text,
    }
}

fn load(path: &Path) -> Result<Loaded, Failure> {
    let bytes =
        std::fs::read(path).map_err(|e| bad(shown(path), format_args!("cannot read: {e}")))?;
    check_preheader(path, &bytes)?;
    let mut rest: &[u8] = &bytes;
    let header = NpyHeader::from_reader(&mut rest).map_err(|e| {
        bad(
            shown(path),
            format_args!("bad .npy header: {}", parser_message(&e.to_string())),
        )
    })?;
    let data_start = bytes.len().saturating_sub(rest.len());
    Ok(Loaded {
        header,
        bytes,
        data_start,
    })
}

impl Loaded {
    /// `(type char, item size)` of a plain (non-structured) dtype.
    fn plain_type(&self) -> Option<(TypeChar, u64)> {
        match self.header.dtype() {
            DType::Plain(ts) => Some((ts.type_char(), ts.size_field())),
            _ => None,
        }
    }

    /// Reads every element as `T` (whose size is `item_size`), in C order.
    fn read<T: Deserialize + Copy>(self, path: &Path, item_size: u64) -> Result<Array<T>, Failure> {
        let shape = self.header.shape().to_vec();
        let count = shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| {
                bad(
                    shown(path),
                    format_args!("shape {} is too large", shape_text(&shape)),
                )
            })?;
        let data = self.bytes.get(self.data_start..).unwrap_or(&[]);
        let needed = (count as u64).saturating_mul(item_size);
        if (data.len() as u64) < needed {
            return Err(bad(
                shown(path),
                format_args!(
                    "truncated .npy data: shape {} needs {needed} bytes, the file holds {}",
                    shape_text(&shape),
                    data.len()
                ),
            ));
        }
        let order = self.header.order();
        let values: Vec<T> = NpyFile::with_header(self.header, data)
            .into_vec()
            .map_err(|e| bad(shown(path), format_args!("cannot read .npy data: {e}")))?;
        if values.len() != count {
            return Err(bad(
                shown(path),
                "cannot read .npy data: wrong element count",
            ));
        }
        let data = match order {
            Order::C => values,
            Order::Fortran => fortran_to_c(&values, &shape)
                .ok_or_else(|| bad(shown(path), "cannot reorder Fortran-order data"))?,
        };
        Ok(Array { shape, data })
    }
}

/// Reorders an array stored in Fortran (column-major) order into C order.
/// `None` only if `data` is shorter than the shape says (callers check).
fn fortran_to_c<T: Copy>(data: &[T], shape: &[u64]) -> Option<Vec<T>> {
    if shape.len() < 2 || data.is_empty() {
        return Some(data.to_vec());
    }
    let dims: Vec<usize> = shape
        .iter()
        .map(|&d| usize::try_from(d).ok())
        .collect::<Option<_>>()?;
    // Fortran strides: the first axis is the fastest.
    let mut strides = Vec::with_capacity(dims.len());
    let mut acc = 1usize;
    for &d in &dims {
        strides.push(acc);
        acc = acc.checked_mul(d)?;
    }
    let mut out = Vec::with_capacity(data.len());
    let mut index = vec![0usize; dims.len()];
    let mut offset = 0usize;
    for _ in 0..data.len() {
        out.push(*data.get(offset)?);
        // Advance the multi-index in C order (last axis fastest), keeping
        // the Fortran offset in step.
        for axis in (0..dims.len()).rev() {
            let (i, d, s) = (index.get_mut(axis)?, *dims.get(axis)?, *strides.get(axis)?);
            *i += 1;
            offset += s;
            if *i < d {
                break;
            }
            offset -= s * d;
            *i = 0;
        }
    }
    Some(out)
}

/// Reads an `int16` array of any shape (either byte order).
pub(crate) fn read_i16(path: &Path) -> Result<Array<i16>, Failure> {
    let loaded = load(path)?;
    match loaded.plain_type() {
        Some((TypeChar::Int, 2)) => loaded.read(path, 2),
        _ => Err(bad(
            shown(path),
            format_args!(
                "expected an int16 array, found dtype {}",
                dtype_text(&loaded.header)
            ),
        )),
    }
}

/// `a` with every element converted by `f`.
fn convert<T>(a: Array<T>, f: impl Fn(T) -> f32) -> FloatArray {
    FloatArray::F32(Array {
        shape: a.shape,
        data: a.data.into_iter().map(f).collect(),
    })
}

/// Refuses anything but the dtypes the encoders take: `float32`, `float64`,
/// the integers of 1 to 8 bytes and `bool`.
fn check_numeric(
    path: &Path,
    loaded: &Loaded,
    plain: Option<(TypeChar, u64)>,
) -> Result<(), Failure> {
    let supported = matches!(
        plain,
        Some(
            (TypeChar::Float, 4 | 8)
                | (TypeChar::Int | TypeChar::Uint, 1 | 2 | 4 | 8)
                | (TypeChar::Bool, 1)
        )
    );
    if supported {
        return Ok(());
    }
    Err(bad(
        shown(path),
        format_args!(
            "expected a float32, float64, integer or bool array, found dtype {}",
            dtype_text(&loaded.header)
        ),
    ))
}

/// Reads a 2-D array for the VCBN encoder (either byte order): `float32` and
/// `float64` as they are; integers (`int8`..`int64`, `uint8`..`uint64`) and
/// `bool` converted to `float32` as `np.asarray(a, dtype=np.float32)` does,
/// each value rounded to the nearest `float32` directly (a 64-bit integer
/// does not go through `float64`, which would round twice), `bool` as 0.0
/// and 1.0.
pub(crate) fn read_vcbn_input(path: &Path) -> Result<FloatArray, Failure> {
    let loaded = load(path)?;
    let plain = loaded.plain_type();
    check_numeric(path, &loaded, plain)?;
    let shape = loaded.header.shape();
    if shape.len() != 2 {
        return Err(bad(
            shown(path),
            format_args!("expected a 2-D array, found shape {}", shape_text(shape)),
        ));
    }
    let l = loaded;
    Ok(match plain {
        Some((TypeChar::Float, 4)) => FloatArray::F32(l.read(path, 4)?),
        Some((TypeChar::Float, 8)) => FloatArray::F64(l.read(path, 8)?),
        Some((TypeChar::Int, 1)) => convert(l.read::<i8>(path, 1)?, f32::from),
        Some((TypeChar::Int, 2)) => convert(l.read::<i16>(path, 2)?, f32::from),
        Some((TypeChar::Int, 4)) => convert(l.read::<i32>(path, 4)?, |v| v as f32),
        Some((TypeChar::Int, 8)) => convert(l.read::<i64>(path, 8)?, |v| v as f32),
        Some((TypeChar::Uint, 1)) => convert(l.read::<u8>(path, 1)?, f32::from),
        Some((TypeChar::Uint, 2)) => convert(l.read::<u16>(path, 2)?, f32::from),
        Some((TypeChar::Uint, 4)) => convert(l.read::<u32>(path, 4)?, |v| v as f32),
        Some((TypeChar::Uint, 8)) => convert(l.read::<u64>(path, 8)?, |v| v as f32),
        _ => convert(l.read::<bool>(path, 1)?, |v| f32::from(u8::from(v))),
    })
}

/// The elements of an array for the imgpack encoder, in the type they were
/// stored in (widened), so that each conversion NumPy would make is made
/// once, from the original value.
pub(crate) enum Elements {
    /// `float32`.
    F32(Vec<f32>),
    /// `float64`.
    F64(Vec<f64>),
    /// `int8`..`int64`.
    Int(Vec<i64>),
    /// `uint8`..`uint64`, and `bool` as 0 and 1.
    Uint(Vec<u64>),
}

/// Widens every element of `a` with `f`.
fn widen<T, U>(a: Array<T>, f: impl Fn(T) -> U) -> (Vec<u64>, Vec<U>) {
    (a.shape, a.data.into_iter().map(f).collect())
}

/// Reads a 2-D array for the imgpack encoder (either byte order):
/// `float32`, `float64`, `int8`..`int64`, `uint8`..`uint64` or `bool`, the
/// dtypes `encode vcbn` takes. Returns the shape and the elements.
pub(crate) fn read_imgpack_input(path: &Path) -> Result<(Vec<u64>, Elements), Failure> {
    let loaded = load(path)?;
    let plain = loaded.plain_type();
    let shape = loaded.header.shape();
    check_numeric(path, &loaded, plain)?;
    if shape.len() != 2 {
        return Err(bad(
            shown(path),
            format_args!("expected a 2-D array, found shape {}", shape_text(shape)),
        ));
    }
    let l = loaded;
    let (shape, elements) = match plain {
        Some((TypeChar::Float, 4)) => {
            let a = l.read::<f32>(path, 4)?;
            (a.shape, Elements::F32(a.data))
        }
        Some((TypeChar::Float, 8)) => {
            let a = l.read::<f64>(path, 8)?;
            (a.shape, Elements::F64(a.data))
        }
        Some((TypeChar::Int, 1)) => int(widen(l.read::<i8>(path, 1)?, i64::from)),
        Some((TypeChar::Int, 2)) => int(widen(l.read::<i16>(path, 2)?, i64::from)),
        Some((TypeChar::Int, 4)) => int(widen(l.read::<i32>(path, 4)?, i64::from)),
        Some((TypeChar::Int, 8)) => int(widen(l.read::<i64>(path, 8)?, |v| v)),
        Some((TypeChar::Uint, 1)) => uint(widen(l.read::<u8>(path, 1)?, u64::from)),
        Some((TypeChar::Uint, 2)) => uint(widen(l.read::<u16>(path, 2)?, u64::from)),
        Some((TypeChar::Uint, 4)) => uint(widen(l.read::<u32>(path, 4)?, u64::from)),
        Some((TypeChar::Uint, 8)) => uint(widen(l.read::<u64>(path, 8)?, |v| v)),
        _ => uint(widen(l.read::<bool>(path, 1)?, u64::from)),
    };
    Ok((shape, elements))
}

fn int((shape, data): (Vec<u64>, Vec<i64>)) -> (Vec<u64>, Elements) {
    (shape, Elements::Int(data))
}

fn uint((shape, data): (Vec<u64>, Vec<u64>)) -> (Vec<u64>, Elements) {
    (shape, Elements::Uint(data))
}

/// An in-memory `.npy` file of `descr` (e.g. `"<i2"`) elements with the
/// given shape; `data` is in Fortran order when `fortran` is set, else C.
pub(crate) fn to_bytes<T: Serialize>(
    descr: &str,
    shape: &[u64],
    fortran: bool,
    data: impl IntoIterator<Item = T>,
) -> Result<Vec<u8>, Failure> {
    let fail = |e: &dyn std::fmt::Display| Failure::Bad(format!("cannot write .npy data: {e}"));
    let dtype = DType::Plain(descr.parse().map_err(|e| fail(&e))?);
    let order = if fortran { Order::Fortran } else { Order::C };
    let mut out = Vec::new();
    let mut writer = npyz::WriteOptions::<T>::new()
        .dtype(dtype)
        .shape(shape)
        .order(order)
        .writer(&mut out)
        .begin_nd()
        .map_err(|e| fail(&e))?;
    writer.extend(data).map_err(|e| fail(&e))?;
    writer.finish().map_err(|e| fail(&e))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_to_c_reorders() {
        // A 2x3 array [[1,2,3],[4,5,6]] stored column-major.
        let f = [1, 4, 2, 5, 3, 6];
        assert_eq!(fortran_to_c(&f, &[2, 3]), Some(vec![1, 2, 3, 4, 5, 6]));
        // 2x2x2: element (i,j,k) = 100i + 10j + k.
        let mut f3 = Vec::new();
        for k in 0..2 {
            for j in 0..2 {
                for i in 0..2 {
                    f3.push(100 * i + 10 * j + k);
                }
            }
        }
        let c = fortran_to_c(&f3, &[2, 2, 2]);
        assert_eq!(c, Some(vec![0, 1, 10, 11, 100, 101, 110, 111]));
        assert_eq!(fortran_to_c(&[7, 8], &[2]), Some(vec![7, 8]));
    }

    #[test]
    fn parser_messages_drop_the_quoted_header() {
        let msg = "could not parse: syntax error:  --> 1:5\n  |\n1 | {'a': ((((\n  |     ^---\n  |\n  = stack limit reached";
        assert_eq!(
            parser_message(msg),
            "could not parse: syntax error: --> 1:5 = stack limit reached"
        );
        assert_eq!(parser_message(&"x".repeat(500)).len(), 303);
    }

    #[test]
    fn shapes_print_as_python_tuples() {
        assert_eq!(shape_text(&[]), "()");
        assert_eq!(shape_text(&[5]), "(5,)");
        assert_eq!(shape_text(&[2, 3, 4]), "(2, 3, 4)");
    }
}

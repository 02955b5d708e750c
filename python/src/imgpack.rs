//! imgpack's latest layout (`docs/FORMATS.md` §8): `encode` and `decode`,
//! with the arguments and results of imgpack's own `encode` and `decode`.

use framewire::imgpack::{self, Dtype, Endianness, Input, Order, Params};
use framewire::{Error, Field, Shape};
use numpy::prelude::*;
use numpy::{PyArray1, PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArray};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyString};

use crate::args::{big_int, c_aligned, Arg};
use crate::decode::{numpy_shape, view};
use crate::encode::{numpy_zero_signs, with_bytes};
use crate::errors::{self, to_py, OrRaise};
use crate::py;

/// The dtype named by `dtype`, compared as imgpack compares it
/// (`dtype.lower()`, so `"UINT16"` is `uint16`).
fn parse_dtype(dtype: &Bound<'_, PyAny>) -> PyResult<Dtype> {
    let s = dtype.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "dtype must be a str (\"packed\", \"uint8\", \"uint16\", \"uint32\", \"float16\", \"float32\" or \"float64\"), got {}",
            dtype.get_type().name().map_or_else(|_| "?".to_owned(), |n| n.to_string())
        ))
    })?;
    let lower: String = s.call_method0("lower")?.extract()?;
    Dtype::from_name(&lower).ok_or_else(|| {
        PyValueError::new_err(format!(
            "Unsupported dtype {}: \"packed\", \"uint8\", \"uint16\", \"uint32\", \"float16\", \"float32\" or \"float64\"",
            dtype.repr().map_or_else(|_| lower.clone(), |r| r.to_string())
        ))
    })
}

/// `"LE"` or `"BE"`; imgpack ignores `endianness` for `packed`, and so
/// does this (any value).
fn parse_endianness(e: &Bound<'_, PyAny>, dtype: Dtype) -> PyResult<Endianness> {
    if dtype == Dtype::Packed {
        return Ok(Endianness::Little);
    }
    if e.eq("LE")? {
        Ok(Endianness::Little)
    } else if e.eq("BE")? {
        Ok(Endianness::Big)
    } else {
        Err(PyValueError::new_err(format!(
            "endianness must be \"LE\" or \"BE\", got {}",
            e.repr()?
        )))
    }
}

/// `bits` for the n-bit dtypes, checked against the dtype's range;
/// anything for the floats (imgpack ignores it there).
fn parse_bits(py: Python<'_>, bits: &Bound<'_, PyAny>, dtype: Dtype) -> PyResult<u32> {
    let Some(max) = dtype.max_bits() else {
        return Ok(imgpack::DEFAULT_BITS);
    };
    // A bool is an int to Python, but imgpack writes `"bits": true`,
    // which no decoder takes as a number.
    if bits.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "bits must be an int, got {}",
            bits.repr()?
        )));
    }
    // An int too large for i128 is out of range too, not an OverflowError.
    let (b, text) = big_int(bits)?;
    u32::try_from(b)
        .ok()
        .filter(|&b| (1..=max).contains(&b))
        .ok_or_else(|| {
            // The core's error and message, with the `bits` given (which
            // may be negative or beyond u32, where the core's field cannot
            // hold it).
            let e = Error::BitsOutOfRange { bits: 0, max };
            let message = format!("bits {text} does not fit the dtype (expected 1 to {max})");
            errors::build(py, &e, message, None)
        })
}

/// A native-endian f32 or f64 array, as the core reads it.
enum Samples<'py> {
    F32(PyReadonlyArrayDyn<'py, f32>),
    F64(PyReadonlyArrayDyn<'py, f64>),
}

impl Samples<'_> {
    fn input(&self) -> PyResult<Input<'_>> {
        let err = |e: numpy::AsSliceError| PyValueError::new_err(e.to_string());
        Ok(match self {
            Samples::F32(a) => Input::F32(a.as_slice().map_err(err)?),
            Samples::F64(a) => Input::F64(a.as_slice().map_err(err)?),
        })
    }
}

/// `arr` as the core reads it, without a copy, when it is a C-contiguous
/// native f32 or f64 array; `None` otherwise.
fn native_float<'py>(arr: &Bound<'py, PyAny>) -> PyResult<Option<Samples<'py>>> {
    let Ok(u) = arr.cast::<PyUntypedArray>() else {
        return Ok(None);
    };
    let dt = u.dtype();
    let aligned: bool = arr.getattr("flags")?.getattr("aligned")?.extract()?;
    if dt.is_native_byteorder() == Some(false) || !u.is_c_contiguous() || !aligned {
        return Ok(None);
    }
    Ok(match (dt.kind(), dt.itemsize()) {
        (b'f', 4) => Some(Samples::F32(arr.cast::<PyArrayDyn<f32>>()?.readonly())),
        (b'f', 8) => Some(Samples::F64(arr.cast::<PyArrayDyn<f64>>()?.readonly())),
        _ => None,
    })
}

/// `np.ascontiguousarray(arr, dtype=name)`: NumPy's own conversion (and
/// an aligned copy of a result that is not aligned).
fn converted<'py>(
    py: Python<'py>,
    arr: &Bound<'py, PyAny>,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", name)?;
    c_aligned(py::ascontiguousarray(py)?.call((arr,), Some(&kwargs))?)
}

/// imgpack's default range: `float(np.nanmin(data))`, `float(np.nanmax(data))`.
fn default_range(
    py: Python<'_>,
    arr: &Bound<'_, PyAny>,
    native: Option<&Samples<'_>>,
    vmin: Option<f64>,
    vmax: Option<f64>,
) -> PyResult<(f64, f64)> {
    if let (Some(lo), Some(hi)) = (vmin, vmax) {
        return Ok((lo, hi));
    }
    let len = arr.cast::<PyUntypedArray>()?.len();
    if len == 0 {
        return Err(PyValueError::new_err(
            "data is empty, so vmin and vmax have no default (NumPy's nanmin has no identity); pass them",
        ));
    }
    let (lo, hi) = match native {
        // NaN ignored, infinities counted, (NaN, NaN) when all are NaN.
        Some(s) => numpy_zero_signs(py, arr, s.input()?.nan_range())?,
        // Integers, bool, float16, big-endian, ...: NumPy's own reductions.
        None => {
            let np = py.import("numpy")?;
            let lo: f64 = np.getattr("nanmin")?.call1((arr,))?.extract()?;
            let hi: f64 = np.getattr("nanmax")?.call1((arr,))?.extract()?;
            (lo, hi)
        }
    };
    Ok((vmin.unwrap_or(lo), vmax.unwrap_or(hi)))
}

/// Writes `src` (native-endian elements of `size` bytes) into `dst`, each
/// element byte-swapped when `swap`.
fn copy_elements(src: &[u8], dst: &mut [u8], size: usize, swap: bool) {
    if !swap || size == 1 {
        dst.copy_from_slice(src);
        return;
    }
    for (o, i) in dst.chunks_exact_mut(size).zip(src.chunks_exact(size)) {
        for (ob, ib) in o.iter_mut().zip(i.iter().rev()) {
            *ob = *ib;
        }
    }
}

/// One message of imgpack's latest layout (docs/FORMATS.md section 8):
/// imgpack's `encode(data, vmin, vmax, dtype="uint16", bits=12, *,
/// endianness="LE")`, byte for byte. `dtype`: "packed", "uint8", "uint16",
/// "uint32" (levels of `bits` bits), "float16", "float32", "float64" (raw
/// values; `bits` ignored). `vmin`/`vmax` None: NaN-ignoring min/max of the
/// data. See framewire/__init__.pyi for every rule.
#[pyfunction]
#[pyo3(
    signature = (data, vmin, vmax, dtype = Arg::Omitted, bits = Arg::Omitted, *, endianness = Arg::Omitted),
    text_signature = "(data, vmin, vmax, dtype='uint16', bits=12, *, endianness='LE')"
)]
pub fn encode<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    vmin: Option<f64>,
    vmax: Option<f64>,
    dtype: Arg<'py>,
    bits: Arg<'py>,
    endianness: Arg<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    // imgpack's `data = np.asarray(data)` (an ndarray as it is; a masked
    // array's data, its mask dropped).
    let arr = py::asarray(py)?.call1((data,))?;
    let untyped = arr.cast::<PyUntypedArray>()?;
    let shape = match untyped.shape() {
        &[h, w] => Shape::new(h as u64, w as u64),
        s => {
            return Err(PyValueError::new_err(format!(
                "encode expects a 2-D array (H, W), got {} dimensions",
                s.len()
            )))
        }
    };
    // An explicit None is not the default (see `Arg`): for `dtype` and
    // the n-bit `bits` an error, as in imgpack; for `endianness` imgpack
    // writes `null` (big-endian), which is refused but for `packed`.
    let dtype = match &dtype {
        Arg::Given(d) => parse_dtype(d)?,
        Arg::Omitted => Dtype::U16,
    };
    let endianness = match &endianness {
        Arg::Given(e) => parse_endianness(e, dtype)?,
        Arg::Omitted => Endianness::Little,
    };
    let bits = match &bits {
        Arg::Given(b) => parse_bits(py, b, dtype)?,
        Arg::Omitted => imgpack::DEFAULT_BITS,
    };
    let native = native_float(&arr)?;
    let (vmin, vmax) = default_range(py, &arr, native.as_ref(), vmin, vmax)?;
    let params = Params::new(dtype, vmin, vmax)
        .with_bits(bits)
        .with_endianness(endianness);
    let total = imgpack::encoded_len(shape, &params).or_raise(py)?;

    // The core converts native f32/f64 exactly as NumPy does (asarray to
    // float32 for the levels, astype for the floats); anything else is
    // converted by NumPy itself: to float32 for the levels (imgpack's
    // `np.asarray(data, dtype=np.float32)`), to the dtype for the floats
    // (its `np.ascontiguousarray(data, dtype=dt)`).
    if let Some(s) = native {
        let input = s.input()?;
        return crate::alloc::new_bytes(py, total, |out| {
            py.detach(|| imgpack::encode(input, shape, &params, out))
                .map(|_| ())
                .or_raise(py)
        });
    }
    if !dtype.is_float() {
        let f32s = converted(py, &arr, "float32")?;
        let s = Samples::F32(f32s.cast::<PyArrayDyn<f32>>()?.readonly());
        let input = s.input()?;
        return crate::alloc::new_bytes(py, total, |out| {
            py.detach(|| imgpack::encode(input, shape, &params, out))
                .map(|_| ())
                .or_raise(py)
        });
    }
    let name = dtype.name();
    let conv = converted(py, &arr, name)?;
    let raw = conv.cast::<PyUntypedArray>()?;
    let size = dtype.elem_size() as usize;
    let swap = (endianness == Endianness::Big) == cfg!(target_endian = "little");
    // The raw bytes of the converted array (C-contiguous, native).
    let bytes = py::frombuffer(py)?.call1((conv.call_method1("reshape", (-1,))?, "u1"))?;
    let bytes = bytes.cast::<PyArray1<u8>>()?.readonly();
    let src = bytes
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    if src.len() != raw.len() * size {
        return Err(to_py(
            py,
            Error::LengthMismatch {
                field: Field::Samples,
                expected: (raw.len() * size) as u64,
                actual: src.len() as u64,
            },
        ));
    }
    let enc = imgpack::Encoder::new(shape, params).or_raise(py)?;
    crate::alloc::new_bytes(py, total, |out| {
        let head = enc.write_header(out).or_raise(py)?;
        let blob = out.get_mut(head..).unwrap_or_default();
        if blob.len() != src.len() {
            return Err(to_py(
                py,
                Error::LengthMismatch {
                    field: Field::Samples,
                    expected: blob.len() as u64,
                    actual: src.len() as u64,
                },
            ));
        }
        py.detach(|| copy_elements(src, blob, size, swap));
        Ok(())
    })
}

/// The NumPy dtype imgpack's `decode` gives the data of a non-`packed`
/// message (its `_np_dtype(dtype, endianness)`): a view in the stored byte
/// order.
fn view_dtype(dtype: Dtype, order: Endianness) -> &'static str {
    let be = order == Endianness::Big;
    match dtype {
        Dtype::Packed | Dtype::U8 => "u1",
        Dtype::U16 => ["<u2", ">u2"][usize::from(be)],
        Dtype::U32 => ["<u4", ">u4"][usize::from(be)],
        Dtype::F16 => ["<f2", ">f2"][usize::from(be)],
        Dtype::F32 => ["<f4", ">f4"][usize::from(be)],
        Dtype::F64 => ["<f8", ">f8"][usize::from(be)],
    }
}

/// What `decode` needs from the core's check of the message.
struct Decoded<'py> {
    json: String,
    dtype: Dtype,
    byte_order: Endianness,
    order: Order,
    shape: (u64, u64),
    elements: u64,
    blob_offset: u64,
    /// The levels of a `packed` message, copied out.
    levels: Option<Bound<'py, PyAny>>,
}

fn unpacked<'py>(
    py: Python<'py>,
    data: imgpack::Data<'_>,
    n: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let err = |e: numpy::AsSliceError| PyValueError::new_err(e.to_string());
    Ok(match data.level_bits().or_raise(py)? {
        8 => {
            let a = PyArray1::<u8>::zeros(py, n, false);
            {
                let mut w = a.readwrite();
                let dst = w.as_slice_mut().map_err(err)?;
                py.detach(|| data.copy_levels_to_u8(dst)).or_raise(py)?;
            }
            a.into_any()
        }
        16 => {
            let a = PyArray1::<u16>::zeros(py, n, false);
            {
                let mut w = a.readwrite();
                let dst = w.as_slice_mut().map_err(err)?;
                py.detach(|| data.copy_levels_to_u16(dst)).or_raise(py)?;
            }
            a.into_any()
        }
        _ => {
            let a = PyArray1::<u32>::zeros(py, n, false);
            {
                let mut w = a.readwrite();
                let dst = w.as_slice_mut().map_err(err)?;
                py.detach(|| data.copy_levels_to_u32(dst)).or_raise(py)?;
            }
            a.into_any()
        }
    })
}

/// `(header, data)` of one whole message of imgpack's latest layout:
/// imgpack's `decode`, with the Rust decoder's checks. `header` is the JSON
/// as `json.loads` reads it; `data` an (H, W) read-only view of `buf` in the
/// stored dtype and byte order, or for "packed" a new uint8/16/32 array of
/// the levels.
#[pyfunction]
pub fn decode<'py>(
    py: Python<'py>,
    buf: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let d = with_bytes(py, buf, |bytes| {
        let frame = imgpack::decode(bytes).or_raise(py)?;
        let h = frame.header();
        let count = usize::try_from(h.elements()).map_err(|_| {
            to_py(
                py,
                Error::SizeOverflow {
                    field: Field::Shape,
                },
            )
        })?;
        let levels = if h.dtype() == Dtype::Packed {
            Some(unpacked(py, frame.data(), count)?)
        } else {
            None
        };
        Ok(Decoded {
            json: frame.json().to_owned(),
            dtype: h.dtype(),
            byte_order: h.byte_order(),
            order: h.order(),
            shape: (h.shape().height(), h.shape().width()),
            elements: h.elements(),
            blob_offset: h.blob_offset(),
            levels,
        })
    })?;
    // imgpack's `json.loads(header_json)`: every key, nulls included.
    let header = py::json_loads(py)?.call1((d.json,))?;
    let flat = match d.levels {
        Some(levels) => levels,
        None => view(
            py,
            buf,
            view_dtype(d.dtype, d.byte_order),
            d.elements,
            d.blob_offset,
        )?,
    };
    let item_size = flat.cast::<PyUntypedArray>()?.dtype().itemsize();
    let shape = numpy_shape(py, d.shape.0, d.shape.1, item_size)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("order", if d.order == Order::F { "F" } else { "C" })?;
    let arr = flat.call_method("reshape", (shape,), Some(&kwargs))?;
    Ok((header, arr))
}

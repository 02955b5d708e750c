//! The decoders: `unpack_envelope`, `blob_to_ndarray`, `parse_sac`, and
//! `dequantize`. Arrays are read-only NumPy views of the input buffer.

use framewire::vcbn::{self, Dtype, Endianness, Limits, Order};
use framewire::{sac, Error, Field};
use numpy::prelude::*;
use numpy::{PyArrayDyn, PyUntypedArray};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMemoryView, PySlice, PyTuple};

use crate::args::{big_int, c_aligned};
use crate::encode::with_bytes;
use crate::errors::{self, OrRaise};
use crate::py;

/// A read-only view of `count` elements of `dtype` at `offset` of `buf`.
pub fn view<'py>(
    py: Python<'py>,
    buf: &Bound<'py, PyAny>,
    dtype: &str,
    count: u64,
    offset: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", dtype)?;
    kwargs.set_item("count", count)?;
    kwargs.set_item("offset", offset)?;
    let arr = if count == 0 {
        // np.frombuffer refuses an offset at the end of the buffer.
        let empty = PyTuple::new(py, [0u8; 0])?;
        py.import("numpy")?
            .getattr("array")?
            .call((empty, dtype), None)?
    } else {
        py::frombuffer(py)?.call((buf,), Some(&kwargs))?
    };
    arr.call_method1("setflags", (false,))?;
    Ok(arr)
}

/// The NumPy dtype string of a blob's levels.
fn level_dtype(dtype: Dtype, endianness: Endianness) -> &'static str {
    match (dtype, endianness) {
        (Dtype::U8, _) => "u1",
        (_, Endianness::Big) => ">u2",
        _ => "<u2",
    }
}

/// `(height, width)` as the dimensions of an ndarray of `item_size`-byte
/// items. A header may claim a shape such as `[2**63, 0]` or `[0, 2**62]`:
/// no elements, so the core accepts it, but NumPy refuses an array whose
/// item size times its non-zero dimensions exceeds `intp` (`isize`), so it
/// is a `SizeOverflow` here rather than NumPy's untyped `ValueError` from
/// `reshape`.
pub fn numpy_shape(
    py: Python<'_>,
    height: u64,
    width: u64,
    item_size: usize,
) -> PyResult<(isize, isize)> {
    // NumPy's rule (`PyArray_NewFromDescr`): zero dimensions skipped.
    let bytes = [height, width]
        .into_iter()
        .filter(|&d| d != 0)
        .try_fold(item_size as u64, |n, d| n.checked_mul(d))
        .filter(|&n| isize::try_from(n).is_ok());
    match (bytes, isize::try_from(height), isize::try_from(width)) {
        (Some(_), Ok(h), Ok(w)) => Ok((h, w)),
        _ => {
            let e = Error::SizeOverflow {
                field: Field::Shape,
            };
            let message = format!(
                "size overflow: shape [{height}, {width}] of {item_size}-byte items is above {} bytes, the most a NumPy array can have",
                isize::MAX
            );
            Err(errors::build(py, &e, message, None))
        }
    }
}

/// `(header, blob)`: ImgPack's `unpack_envelope`, with the Rust decoder's checks.
#[pyfunction]
pub fn unpack_envelope<'py>(
    py: Python<'py>,
    buf: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (json, start, end) = with_bytes(py, buf, |bytes| {
        let frame = vcbn::decode(bytes).or_raise(py)?;
        let start = frame.header().blob_offset();
        Ok((
            frame.json().to_owned(),
            start,
            start + frame.header().blob_len(),
        ))
    })?;
    let header = py::json_loads(py)?.call1((json,))?;
    // The blob is a byte range whatever `buf`'s item size and shape are
    // (an `array('H')`, a 2-D ndarray): as bytes, as `with_bytes` read it.
    let mv = PyMemoryView::from(buf)?
        .call_method0("toreadonly")?
        .call_method1("cast", ("B",))?;
    let blob = mv.get_item(PySlice::new(py, start as isize, end as isize, 1))?;
    Ok((header, blob))
}

/// The levels of `blob` as `header` describes them: ImgPack's `blob_to_ndarray`.
#[pyfunction]
pub fn blob_to_ndarray<'py>(
    py: Python<'py>,
    header: &Bound<'py, PyAny>,
    blob: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("separators", (",", ":"))?;
    let json: String = py::json_dumps(py)?
        .call((header,), Some(&kwargs))?
        .extract()?;
    let h = vcbn::Header::parse_json(json.as_bytes(), &Limits::DEFAULT).or_raise(py)?;
    let actual = with_bytes(py, blob, |b| Ok(b.len() as u64))?;
    if actual != h.blob_len() {
        return Err(Error::LengthMismatch {
            field: Field::Blob,
            expected: h.blob_len(),
            actual,
        })
        .or_raise(py);
    }
    let flat = view(
        py,
        blob,
        level_dtype(h.dtype(), h.endianness()),
        h.elements(),
        0,
    )?;
    let item_size = flat.cast::<PyUntypedArray>()?.dtype().itemsize();
    let shape = numpy_shape(py, h.shape().height(), h.shape().width(), item_size)?;
    let order = match h.order() {
        Order::F => "F",
        _ => "C",
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item("order", order)?;
    flat.call_method("reshape", (shape,), Some(&kwargs))
}

/// `(a, b, width, height, flags)` of a SAC file.
pub type SacParts<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>, u32, u32, u8);

/// `(a, b, width, height, flags)` of a SAC file, `a` and `b` read-only int16 views.
pub fn sac_parts<'py>(py: Python<'py>, buf: &Bound<'py, PyAny>) -> PyResult<SacParts<'py>> {
    let (la, lb, w, h, flags) = with_bytes(py, buf, |bytes| {
        let f = sac::decode(bytes).or_raise(py)?;
        let hd = f.header();
        Ok((
            hd.length_a(),
            hd.length_b(),
            f.width(),
            f.height(),
            f.flags(),
        ))
    })?;
    let off_b = sac::HEADER_LEN as u64 + 2 * u64::from(la);
    let a = view(py, buf, "<i2", u64::from(la), sac::HEADER_LEN as u64)?;
    let b = view(py, buf, "<i2", u64::from(lb), off_b)?;
    Ok((a, b, w, h, flags))
}

/// The SAC file in `buf`: `SacFile(a, b, width, height, flags)`.
#[pyfunction]
pub fn parse_sac<'py>(py: Python<'py>, buf: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let (a, b, w, h, flags) = sac_parts(py, buf)?;
    py::sac_file(py)?.call1((a, b, w, h, flags))
}

/// The value each level stands for: the reference `dequantize`,
/// `(float(vmin) + levels.astype(np.float64) * step).astype(np.float32)`
/// with `step = (float(vmax) - float(vmin)) / resolution`. `uint8` and
/// `uint16` levels (either byte order) go through the core; other integer,
/// bool and float levels through that NumPy expression itself.
#[pyfunction]
pub fn dequantize<'py>(
    py: Python<'py>,
    levels: &Bound<'py, PyAny>,
    vmin: f64,
    vmax: f64,
    resolution: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let (r, text) = big_int(resolution)?;
    let resolution = u32::try_from(r).ok().filter(|&r| r > 0).ok_or_else(|| {
        PyValueError::new_err(format!(
            "resolution must be from 1 to 4294967295, got {text}"
        ))
    })?;
    // The reference's `levels.astype`: an ndarray (a masked array's data).
    let arr = py::asarray(py)?.call1((levels,))?;
    let (shape, dt) = {
        let u = arr.cast::<PyUntypedArray>()?;
        (u.shape().to_vec(), u.dtype())
    };
    let native = dt.is_native_byteorder() != Some(false);
    let arr = match (dt.kind(), dt.itemsize(), native) {
        (b'u', 1, _) | (b'u', 2, true) => c_aligned(arr)?,
        (b'u', 2, false) => c_aligned(py::asarray(py)?.call1((&arr, py::uint16(py)?))?)?,
        (b'b' | b'i' | b'u' | b'f', _, _) => {
            let step = (vmax - vmin) / f64::from(resolution);
            let f64s = arr.call_method1("astype", ("float64",))?;
            return f64s
                .call_method1("__mul__", (step,))?
                .call_method1("__radd__", (vmin,))?
                .call_method1("astype", ("float32",));
        }
        _ => {
            return Err(PyValueError::new_err(format!(
                "levels must be integers, bool or floats, got {}",
                dt.repr()?
            )))
        }
    };
    let d = framewire::quant::Dequantizer::new(vmin, vmax, resolution);
    let zero_d = shape.is_empty();
    let out = PyArrayDyn::<f32>::zeros(py, shape, false);
    {
        let mut w = out.readwrite();
        let dst = w
            .as_slice_mut()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        if dt.itemsize() == 1 {
            let a = arr.cast::<PyArrayDyn<u8>>()?.readonly();
            let src = a
                .as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            py.detach(|| d.run(src, dst)).or_raise(py)?;
        } else {
            let a = arr.cast::<PyArrayDyn<u16>>()?.readonly();
            let src = a
                .as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            py.detach(|| d.run(src, dst)).or_raise(py)?;
        }
    }
    // 0-d levels give a NumPy scalar, as the reference's arithmetic does.
    if zero_d {
        return out.into_any().get_item(PyTuple::empty(py));
    }
    Ok(out.into_any())
}

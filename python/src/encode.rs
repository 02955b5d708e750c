//! The encoders: `quantize`, `encode_data`, `pack_envelope`, `vcbn_bytes`,
//! `encode_vcbn`, `build_sac`.

use framewire::quant::{self, ComplexPart, Level, Quantizer, Samples};
use framewire::vcbn::{self, Dtype, Params};
use framewire::{sac, Error, Field, Shape};
use numpy::prelude::*;
use numpy::{PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArray};
use pyo3::exceptions::{PyBufferError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use zerocopy::byteorder::little_endian::U16 as U16Le;
use zerocopy::FromBytes;

use crate::args::{big_int, c_aligned, Arg};
use crate::errors::{to_py, OrRaise};
use crate::py;

/// Below this many samples (or bytes, for copies) one thread does the work.
/// Starting a thread costs tens of microseconds on an idle machine, and on
/// a loaded one it waits for a core: on a loaded 2-core machine,
/// python/bench.py at 1024x1024 (2 MiB of levels) took twice as long on two
/// threads as on one.
const PARALLEL_MIN: usize = 1 << 21;

/// A copy moves this many bytes in the time the quantizer takes for one
/// sample (reading 4 and writing 2 bytes), roughly: `pack_envelope` copies
/// on several threads from `PARALLEL_MIN` samples' worth of time, 8 MiB.
const COPY_BYTES_PER_SAMPLE: usize = 4;

/// The most threads one call uses.
const MAX_THREADS: usize = 8;

/// The sample types the core quantizes straight from NumPy's memory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    F32,
    F64,
    C64,
    C128,
}

/// An input array as the core reads it: native byte order, C-contiguous,
/// f32, f64 or complex (viewed as interleaved floats).
pub struct Input<'py> {
    /// The array as read (C-contiguous, aligned), for NumPy's reductions.
    array: Bound<'py, PyAny>,
    kind: Kind,
    shape: Vec<usize>,
    f32s: Option<PyReadonlyArrayDyn<'py, f32>>,
    f64s: Option<PyReadonlyArrayDyn<'py, f64>>,
}

impl<'py> Input<'py> {
    /// `data` converted exactly as `np.asarray(data, dtype=np.float32)`
    /// converts it, without the copy where the core reads the array as it is:
    /// native f32 and f64 (rounded to f32 by the core, as NumPy rounds) and
    /// complex (the real part, as NumPy keeps it). Anything else (integers,
    /// bool, float16, big-endian arrays, lists, ...) goes through
    /// `np.asarray(data, dtype=np.float32)` itself; non-contiguous arrays are
    /// copied with `np.ascontiguousarray` first.
    pub fn new(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Input<'py>> {
        let mut arr = data.clone();
        let mut kind = array_kind(&arr);
        if kind.is_none() {
            arr = py::asarray(py)?.call1((data, py::float32(py)?))?;
            kind = Some(Kind::F32);
        }
        let kind = kind.unwrap_or(Kind::F32);
        let arr = c_aligned(arr)?;
        let shape = arr.cast::<PyUntypedArray>()?.shape().to_vec();
        let array = arr.clone();
        // Complex arrays as interleaved (re, im) floats: a view, no copy.
        let floats = match kind {
            Kind::C64 => arr.call_method1("view", (py::float32(py)?,))?,
            Kind::C128 => arr.call_method1("view", (py.import("numpy")?.getattr("float64")?,))?,
            _ => arr,
        };
        let (f32s, f64s) = match kind {
            Kind::F32 | Kind::C64 => (Some(floats.cast::<PyArrayDyn<f32>>()?.readonly()), None),
            Kind::F64 | Kind::C128 => (None, Some(floats.cast::<PyArrayDyn<f64>>()?.readonly())),
        };
        Ok(Input {
            array,
            kind,
            shape,
            f32s,
            f64s,
        })
    }

    /// The samples, complex parts counted once.
    pub fn samples(&self, part: ComplexPart) -> PyResult<Samples<'_>> {
        let f32s = || -> PyResult<&[f32]> {
            let a = self
                .f32s
                .as_ref()
                .ok_or_else(|| PyTypeError::new_err("no f32 view"))?;
            a.as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))
        };
        let f64s = || -> PyResult<&[f64]> {
            let a = self
                .f64s
                .as_ref()
                .ok_or_else(|| PyTypeError::new_err("no f64 view"))?;
            a.as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))
        };
        Ok(match self.kind {
            Kind::F32 => Samples::F32(f32s()?),
            Kind::F64 => Samples::F64(f64s()?),
            Kind::C64 => Samples::Complex32(f32s()?, part),
            Kind::C128 => Samples::Complex64(f64s()?, part),
        })
    }

    /// `[H, W]`, or a `ValueError` for another number of dimensions.
    pub fn shape2(&self, what: &str) -> PyResult<Shape> {
        match self.shape[..] {
            [h, w] => Ok(Shape::new(h as u64, w as u64)),
            _ => Err(PyValueError::new_err(format!(
                "{what} expects a 2-D array (H x W), got {} dimensions",
                self.shape.len()
            ))),
        }
    }
}

/// The kind of a native-endian f32/f64/complex ndarray, `None` for anything else.
fn array_kind(obj: &Bound<'_, PyAny>) -> Option<Kind> {
    let arr = obj.cast::<PyUntypedArray>().ok()?;
    let dt = arr.dtype();
    if dt.is_native_byteorder() == Some(false) {
        return None;
    }
    match (dt.kind(), dt.itemsize()) {
        (b'f', 4) => Some(Kind::F32),
        (b'f', 8) => Some(Kind::F64),
        (b'c', 8) => Some(Kind::C64),
        (b'c', 16) => Some(Kind::C128),
        _ => None,
    }
}

/// The level type named by `dtype` (compared as the reference compares it,
/// `dtype == "uint8"`, so `np.uint8`'s dtype works too).
pub fn parse_dtype(dtype: &Bound<'_, PyAny>) -> PyResult<Dtype> {
    for (name, d) in [("uint16", Dtype::U16), ("uint8", Dtype::U8)] {
        if dtype.eq(name)? {
            return Ok(d);
        }
    }
    Err(PyValueError::new_err(format!(
        "dtype must be \"uint8\" or \"uint16\", got {}",
        dtype.repr()?
    )))
}

/// A `dtype` argument: "uint16" when omitted.
fn dtype_arg(dtype: &Arg<'_>) -> PyResult<Dtype> {
    match dtype {
        Arg::Omitted => Ok(Dtype::U16),
        Arg::Given(d) => parse_dtype(d),
    }
}

/// A `magic` argument: `b"VCBN"` when omitted, else `bytes`.
fn magic_arg<'a>(magic: &'a Arg<'_>) -> PyResult<&'a [u8]> {
    match magic {
        Arg::Omitted => Ok(&vcbn::MAGIC),
        Arg::Given(m) => m.cast::<PyBytes>().map(|b| b.as_bytes()).map_err(|_| {
            let name = m
                .get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string());
            PyTypeError::new_err(format!("magic must be bytes, got {name}"))
        }),
    }
}

fn parse_part(part: &str) -> PyResult<ComplexPart> {
    match part {
        "real" => Ok(ComplexPart::Real),
        "magnitude" => Ok(ComplexPart::Magnitude),
        _ => Err(PyValueError::new_err(format!(
            "complex_part must be \"real\" or \"magnitude\", got {part:?}"
        ))),
    }
}

/// Why a parallel quantization failed.
enum QuantError {
    Core(Error),
    Thread,
}

impl QuantError {
    fn into_py(self, py: Python<'_>) -> PyErr {
        match self {
            QuantError::Core(e) => to_py(py, e),
            QuantError::Thread => {
                pyo3::exceptions::PyRuntimeError::new_err("a quantizer thread failed")
            }
        }
    }
}

/// Threads for `n` samples: 1 below [`PARALLEL_MIN`], else the machine's
/// parallelism, at most [`MAX_THREADS`] or `FRAMEWIRE_NUM_THREADS`.
fn threads_for(n: usize) -> usize {
    if n < PARALLEL_MIN {
        return 1;
    }
    let cap = std::env::var("FRAMEWIRE_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(MAX_THREADS)
        .max(1);
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(cap)
}

/// `q.quantize(samples, dst)`, split across threads for large inputs
/// ([`crate::par`], parts of [`crate::alloc::PART`] bytes of levels). Each level depends on its
/// sample alone, so the split changes no byte.
fn quantize_par<D: Level + Send>(
    q: &Quantizer,
    samples: Samples<'_>,
    dst: &mut [D],
) -> Result<(), QuantError> {
    let threads = threads_for(dst.len());
    if threads <= 1 || samples.len() != dst.len() {
        return q.quantize(samples, dst).map_err(QuantError::Core);
    }
    let per = crate::alloc::PART / core::mem::size_of::<D>().max(1);
    let parts: Vec<_> = dst.chunks_mut(per).enumerate().collect();
    crate::par::run(
        parts,
        threads,
        |(_, d)| crate::alloc::populate(d.as_ptr().cast(), core::mem::size_of_val(*d)),
        |(i, d)| {
            let start = i * per;
            let sub = samples
                .sub(start, start + d.len())
                .ok_or(Error::LengthMismatch {
                    field: Field::Samples,
                    expected: (start + d.len()) as u64,
                    actual: samples.len() as u64,
                })?;
            q.quantize(sub, d)
        },
    )
    .map_err(|e| match e {
        crate::par::RunError::Part(e) => QuantError::Core(e),
        crate::par::RunError::Thread => QuantError::Thread,
    })
}

/// Quantizes the samples of one block of a blob (`offset` bytes into it) into
/// `block`: little-endian levels of `dtype`.
fn quantize_block(
    q: &Quantizer,
    samples: Samples<'_>,
    dtype: Dtype,
    offset: usize,
    block: &mut [u8],
) -> Result<(), Error> {
    let size = dtype.size() as usize;
    let start = offset / size;
    let n = block.len() / size;
    let sub = samples.sub(start, start + n).ok_or(Error::LengthMismatch {
        field: Field::Samples,
        expected: (start + n) as u64,
        actual: samples.len() as u64,
    })?;
    match dtype {
        Dtype::U8 => q.quantize(sub, block),
        _ => match <[U16Le]>::mut_from_bytes(block) {
            Ok(levels) => q.quantize(sub, levels),
            Err(_) => Err(Error::SizeOverflow { field: Field::Blob }),
        },
    }
}

/// A `bytes` of `head` and the quantized blob: `head_fill` writes the head,
/// the blob is quantized in blocks on several threads for large inputs.
fn quantized_bytes<'py>(
    py: Python<'py>,
    head: usize,
    head_fill: impl FnOnce(&mut [u8]) -> PyResult<()>,
    q: &Quantizer,
    samples: Samples<'_>,
    dtype: Dtype,
    len: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    if samples.len() as u64 * dtype.size() != len as u64 {
        return Err(to_py(
            py,
            Error::LengthMismatch {
                field: Field::Samples,
                expected: len as u64 / dtype.size(),
                actual: samples.len() as u64,
            },
        ));
    }
    crate::alloc::new_bytes_blocks(
        py,
        head,
        len,
        threads_for(samples.len()),
        head_fill,
        |offset, block| quantize_block(q, samples, dtype, offset, block),
    )
}

/// The reference's header dict, keys in its order.
fn header_dict<'py>(
    py: Python<'py>,
    dtype: Dtype,
    shape: Shape,
    vmin: f64,
    vmax: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let blob_len = shape.elements().unwrap_or(0).saturating_mul(dtype.size());
    let h = PyDict::new(py);
    h.set_item("fmt", "vcbin")?;
    h.set_item("version", 1)?;
    h.set_item("dtype", dtype.name())?;
    h.set_item("endianness", "LE")?;
    h.set_item("shape", PyList::new(py, [shape.height(), shape.width()])?)?;
    h.set_item("order", "C")?;
    // Python's len(blob) / 1048576: exact for any length below 2**53.
    h.set_item("size", blob_len as f64 / 1_048_576.0)?;
    h.set_item("resolution", dtype.resolution())?;
    h.set_item("vmin", vmin)?;
    h.set_item("vmax", vmax)?;
    Ok(h)
}

fn blob_len(py: Python<'_>, shape: Shape, dtype: Dtype) -> PyResult<usize> {
    shape
        .elements()
        .and_then(|n| n.checked_mul(dtype.size()))
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| {
            to_py(
                py,
                Error::SizeOverflow {
                    field: Field::Shape,
                },
            )
        })
}

/// `json.dumps(header, separators=(",", ":"))` as UTF-8, as the reference writes it.
fn dump_header(py: Python<'_>, header: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("separators", (",", ":"))?;
    let text = py::json_dumps(py)?.call((header,), Some(&kwargs))?;
    Ok(text.extract::<String>()?.into_bytes())
}

/// The envelope's prefix and pad for a header JSON of `json_len` bytes:
/// `magic | 1 | json_len (u32 BE)`, and the pad length.
fn prefix(py: Python<'_>, magic: &[u8], json_len: usize) -> PyResult<(Vec<u8>, usize)> {
    let len = u32::try_from(json_len).map_err(|_| {
        to_py(
            py,
            Error::SizeOverflow {
                field: Field::HeaderLen,
            },
        )
    })?;
    let mut pre = magic.to_vec();
    pre.push(vcbn::VERSION);
    pre.extend_from_slice(&len.to_be_bytes());
    let pad = (pre.len() + json_len) % 2;
    Ok((pre, pad))
}

/// Levels of `data` for the range `vmin..vmax`, as the reference `quantize`
/// of docs/FORMATS.md §4.4 returns them.
#[pyfunction]
#[pyo3(signature = (data, vmin, vmax, dtype = Arg::Omitted))]
pub fn quantize<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    vmin: f64,
    vmax: f64,
    dtype: Arg<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let dtype = dtype_arg(&dtype)?;
    let input = Input::new(py, data)?;
    let samples = input.samples(ComplexPart::Real)?;
    let q = Quantizer::new(vmin, vmax, dtype.resolution());
    let shape = input.shape.clone();
    Ok(match dtype {
        Dtype::U8 => {
            let out = PyArrayDyn::<u8>::zeros(py, shape, false);
            {
                let mut w = out.readwrite();
                let dst = w
                    .as_slice_mut()
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                py.detach(|| quantize_par(&q, samples, dst))
                    .map_err(|e| e.into_py(py))?;
            }
            out.into_any()
        }
        _ => {
            let out = PyArrayDyn::<u16>::zeros(py, shape, false);
            {
                let mut w = out.readwrite();
                let dst = w
                    .as_slice_mut()
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                py.detach(|| quantize_par(&q, samples, dst))
                    .map_err(|e| e.into_py(py))?;
            }
            out.into_any()
        }
    })
}

/// `(blob, header)`: ImgPack's `encode_data`.
#[pyfunction]
#[pyo3(signature = (data, vmin, vmax, dtype = Arg::Omitted))]
pub fn encode_data<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    vmin: f64,
    vmax: f64,
    dtype: Arg<'py>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    let dtype = dtype_arg(&dtype)?;
    let input = Input::new(py, data)?;
    let shape = input.shape2("encode_data")?;
    let samples = input.samples(ComplexPart::Real)?;
    let q = Quantizer::new(vmin, vmax, dtype.resolution());
    let len = blob_len(py, shape, dtype)?;
    let blob = quantized_bytes(py, 0, |_| Ok(()), &q, samples, dtype, len)?;
    Ok((blob, header_dict(py, dtype, shape, vmin, vmax)?))
}

/// The bytes of a buffer: `bytes` as they are, anything else through
/// `np.frombuffer` (no copy).
pub fn with_bytes<R>(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    f: impl FnOnce(&[u8]) -> PyResult<R>,
) -> PyResult<R> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return f(b.as_bytes());
    }
    let arr = py::frombuffer(py)?
        .call1((obj, "u1"))
        .map_err(|e| {
            // NumPy says BufferError (a memoryview) or ValueError (an
            // ndarray) for a buffer whose bytes are not in one run.
            if e.is_instance_of::<PyBufferError>(py) || e.is_instance_of::<PyValueError>(py) {
                PyValueError::new_err(format!(
                    "the buffer is not C-contiguous (its bytes are not in one run; pass bytes(buf)): {}",
                    e.value(py)
                ))
            } else {
                e
            }
        })?;
    let arr = arr.cast::<numpy::PyArray1<u8>>()?.readonly();
    let bytes = arr
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    f(bytes)
}

/// The envelope of `blob` and `header`: ImgPack's `pack_envelope`.
#[pyfunction]
#[pyo3(signature = (blob, header, magic = Arg::Omitted))]
pub fn pack_envelope<'py>(
    py: Python<'py>,
    blob: &Bound<'py, PyAny>,
    header: &Bound<'py, PyAny>,
    magic: Arg<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let magic = magic_arg(&magic)?;
    let json = dump_header(py, header)?;
    let (pre, pad) = prefix(py, magic, json.len())?;
    with_bytes(py, blob, |blob| {
        let head_len = pre.len() + json.len() + pad;
        let threads = threads_for(blob.len() / COPY_BYTES_PER_SAMPLE);
        let out = crate::alloc::new_bytes_copy(py, head_len, blob, threads, |head| {
            head[..pre.len()].copy_from_slice(&pre);
            head[pre.len()..pre.len() + json.len()].copy_from_slice(&json);
            Ok(())
        })?;
        // An envelope framewire cannot decode is an error, not bytes.
        vcbn::decode(out.as_bytes()).or_raise(py)?;
        Ok(out)
    })
}

/// The whole envelope, as `pack_envelope(*encode_data(...), magic)` makes
/// it, quantized straight into the result.
#[pyfunction]
#[pyo3(signature = (data, vmin, vmax, dtype = Arg::Omitted, magic = Arg::Omitted))]
pub fn vcbn_bytes<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    vmin: f64,
    vmax: f64,
    dtype: Arg<'py>,
    magic: Arg<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let magic = magic_arg(&magic)?;
    let dtype = dtype_arg(&dtype)?;
    let input = Input::new(py, data)?;
    let shape = input.shape2("vcbn_bytes")?;
    let samples = input.samples(ComplexPart::Real)?;
    let q = Quantizer::new(vmin, vmax, dtype.resolution());
    let len = blob_len(py, shape, dtype)?;
    let json = dump_header(py, header_dict(py, dtype, shape, vmin, vmax)?.as_any())?;
    let (pre, pad) = prefix(py, magic, json.len())?;
    let head_len = pre.len() + json.len() + pad;
    let out = quantized_bytes(
        py,
        head_len,
        |head| {
            head[..pre.len()].copy_from_slice(&pre);
            head[pre.len()..pre.len() + json.len()].copy_from_slice(&json);
            Ok(())
        },
        &q,
        samples,
        dtype,
        len,
    )?;
    vcbn::decode(out.as_bytes()).or_raise(py)?;
    Ok(out)
}

/// NaN-ignoring minimum and maximum of the samples (the real part of
/// complex ones), in the input's precision.
fn nan_range(samples: &Samples<'_>) -> Option<(f64, f64)> {
    fn fold<T: Copy + Into<f64>>(it: impl Iterator<Item = T>) -> Option<(f64, f64)> {
        it.map(Into::into)
            .filter(|x: &f64| !x.is_nan())
            .fold(None, |acc, x| match acc {
                None => Some((x, x)),
                Some((lo, hi)) => Some((lo.min(x), hi.max(x))),
            })
    }
    match *samples {
        Samples::F32(s) => quant::nan_min_max(s).map(|(lo, hi)| (f64::from(lo), f64::from(hi))),
        Samples::F64(s) => quant::nan_min_max_f64(s),
        Samples::Complex32(s, _) => fold(s.iter().step_by(2).copied()),
        Samples::Complex64(s, _) => fold(s.iter().step_by(2).copied()),
    }
}

/// `(lo, hi)` with NumPy's sign on a zero extreme: the value of
/// `float(np.nanmin(array))` is certain, but when both 0.0 and -0.0 occur,
/// which one `np.nanmin`/`np.nanmax` return depends on their SIMD lanes (the
/// positions, NumPy's version and the CPU), and the header writes the sign.
/// So for a zero extreme, NumPy is asked: one more pass, only then.
pub fn numpy_zero_signs(
    py: Python<'_>,
    array: &Bound<'_, PyAny>,
    (lo, hi): (f64, f64),
) -> PyResult<(f64, f64)> {
    let ask = |name: &str, x: f64| -> PyResult<f64> {
        if x == 0.0 {
            // What the references' `np.asarray` makes of it: a masked
            // array's data, its mask dropped.
            let plain = py::asarray(py)?.call1((array,))?;
            py.import("numpy")?
                .getattr(name)?
                .call1((plain,))?
                .extract()
        } else {
            Ok(x)
        }
    };
    Ok((ask("nanmin", lo)?, ask("nanmax", hi)?))
}

/// framewire's one-call VCBN encoder (the Rust core's canonical header).
#[pyfunction]
#[pyo3(signature = (data, vmin = None, vmax = None, dtype = Arg::Omitted, *, complex_part = "real"))]
pub fn encode_vcbn<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    vmin: Option<f64>,
    vmax: Option<f64>,
    dtype: Arg<'py>,
    complex_part: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let dtype = dtype_arg(&dtype)?;
    let part = parse_part(complex_part)?;
    let input = Input::new(py, data)?;
    let shape = input.shape2("encode_vcbn")?;
    let samples = input.samples(part)?;
    let (vmin, vmax) = match (vmin, vmax) {
        (Some(lo), Some(hi)) => (lo, hi),
        (lo, hi) => {
            let what = if samples.is_empty() {
                "data is empty"
            } else {
                "data has no non-NaN values"
            };
            let range = if part == ComplexPart::Magnitude {
                magnitude_range(&samples)
            } else {
                nan_range(&samples)
            };
            let range = range.ok_or_else(|| {
                PyValueError::new_err(format!(
                    "{what}, so vmin and vmax have no default; pass them"
                ))
            })?;
            // A magnitude is never -0.0; real data and real parts can be.
            let (dlo, dhi) = match (part, input.kind) {
                (ComplexPart::Magnitude, Kind::C64 | Kind::C128) => range,
                (_, Kind::C64 | Kind::C128) => {
                    numpy_zero_signs(py, &input.array.getattr("real")?, range)?
                }
                _ => numpy_zero_signs(py, &input.array, range)?,
            };
            (lo.unwrap_or(dlo), hi.unwrap_or(dhi))
        }
    };
    let params = Params::new(dtype, vmin, vmax);
    let enc = vcbn::Encoder::new(shape, params).or_raise(py)?;
    let total = usize::try_from(enc.frame_len()).map_err(|_| {
        to_py(
            py,
            Error::SizeOverflow {
                field: Field::Shape,
            },
        )
    })?;
    let head_len = enc.blob_offset();
    let blob_len = total.checked_sub(head_len).ok_or_else(|| {
        to_py(
            py,
            Error::BufferTooSmall {
                needed: head_len as u64,
                available: total as u64,
            },
        )
    })?;
    quantized_bytes(
        py,
        head_len,
        |head| enc.write_header(head).map(|_| ()).or_raise(py),
        &params.quantizer(),
        samples,
        dtype,
        blob_len,
    )
}

/// NaN-ignoring range of the magnitudes (quantized as the core computes them).
fn magnitude_range(samples: &Samples<'_>) -> Option<(f64, f64)> {
    let mags: Vec<f32> = match *samples {
        Samples::Complex32(s, _) => s
            .chunks_exact(2)
            .map(|p| {
                (f64::from(p[0]) * f64::from(p[0]) + f64::from(p[1]) * f64::from(p[1])).sqrt()
                    as f32
            })
            .collect(),
        Samples::Complex64(s, _) => s.chunks_exact(2).map(|p| p[0].hypot(p[1]) as f32).collect(),
        _ => return nan_range(samples),
    };
    quant::nan_min_max(&mags).map(|(lo, hi)| (f64::from(lo), f64::from(hi)))
}

/// An int16 array as the reference makes it (`np.asarray(x, dtype=np.int16)`,
/// C-contiguous), refusing more than `u32::MAX` elements before any copy.
fn int16_input<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    field: Field,
) -> PyResult<PyReadonlyArrayDyn<'py, i16>> {
    let arr = py::asarray(py)?.call1((x, py::int16(py)?))?;
    let len = arr.cast::<PyUntypedArray>()?.len() as u64;
    if len > u64::from(u32::MAX) {
        return Err(to_py(py, Error::TooManyElements { field, len }));
    }
    Ok(c_aligned(arr)?.cast::<PyArrayDyn<i16>>()?.readonly())
}

/// A width or height as the reference's `struct.pack("<I", ...)` takes it.
fn dimension(py: Python<'_>, v: &Bound<'_, PyAny>, field: Field) -> PyResult<u64> {
    let (n, text) = big_int(v)?;
    if n < 0 {
        return Err(PyValueError::new_err(format!(
            "{} must not be negative, got {text}",
            field.name()
        )));
    }
    if n > i128::from(u32::MAX) {
        return Err(to_py(
            py,
            Error::TooManyElements {
                field,
                len: u64::try_from(n).unwrap_or(u64::MAX),
            },
        ));
    }
    Ok(n as u64)
}

/// A SAC v1 file, as docs/FORMATS.md §2.6's reference `sac_bytes` writes it
/// (`build_sac` is the name SAC's original Python code gives it).
#[pyfunction]
#[pyo3(signature = (a, b, width = Arg::Omitted, height = Arg::Omitted))]
pub fn build_sac<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    width: Arg<'py>,
    height: Arg<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let a = int16_input(py, a, Field::LengthA)?;
    let b = int16_input(py, b, Field::LengthB)?;
    let w = match &width {
        Arg::Omitted => 0,
        Arg::Given(v) => dimension(py, v, Field::Width)?,
    };
    let h = match &height {
        Arg::Omitted => 0,
        Arg::Given(v) => dimension(py, v, Field::Height)?,
    };
    let sa = a
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let sb = b
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let shape = Shape::new(h, w);
    // Checks lengths and shape before anything is allocated.
    sac::Header::new(sa.len(), sb.len(), shape).or_raise(py)?;
    let len = sac::encoded_len(sa.len(), sb.len()).or_raise(py)?;
    crate::alloc::new_bytes(py, len, |out| {
        py.detach(|| sac::encode(sa, sb, shape, out))
            .map(|_| ())
            .or_raise(py)
    })
}

//! `framewire._framewire`: the native part of the `framewire` Python package.
//!
//! Every format rule lives in the Rust crate (`framewire`); this module turns
//! NumPy arrays and Python buffers into its inputs and its results into NumPy
//! views, `bytes` and dicts. The Python API follows the NumPy reference code
//! of `docs/FORMATS.md` and the names ImgPack servers call
//! (`encode_data`, `pack_envelope`, ...); `framewire/__init__.pyi` documents
//! each function.

use pyo3::prelude::*;

mod alloc;
mod args;
mod decode;
mod encode;
mod errors;
mod imgpack;
mod par;
mod py;
mod stream;

/// The native module; `framewire/__init__.py` re-exports it.
#[pymodule]
fn _framewire(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(encode::quantize, m)?)?;
    m.add_function(wrap_pyfunction!(encode::encode_data, m)?)?;
    m.add_function(wrap_pyfunction!(encode::pack_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(encode::vcbn_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(encode::encode_vcbn, m)?)?;
    m.add_function(wrap_pyfunction!(encode::build_sac, m)?)?;
    m.add_function(wrap_pyfunction!(decode::unpack_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(decode::blob_to_ndarray, m)?)?;
    m.add_function(wrap_pyfunction!(decode::parse_sac, m)?)?;
    m.add_function(wrap_pyfunction!(decode::dequantize, m)?)?;
    m.add_function(wrap_pyfunction!(imgpack::encode, m)?)?;
    m.add_function(wrap_pyfunction!(imgpack::decode, m)?)?;
    m.add_class::<stream::Decoder>()?;
    Ok(())
}

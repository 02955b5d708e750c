//! Argument conversions the functions share.

use numpy::PyUntypedArray;
use numpy::PyUntypedArrayMethods;
use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;

/// An optional argument whose omission is told apart from an explicit
/// `None`: the reference functions have defaults such as
/// `dtype="uint16"` and `endianness="LE"`, and `None` passed for one of
/// them is not the default there (it is an error, or imgpack's `null`
/// endianness), so it is not the default here either.
pub enum Arg<'py> {
    /// Not passed: the reference's default.
    Omitted,
    /// Passed, `None` included.
    Given(Bound<'py, PyAny>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Arg<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Arg::Given(obj.to_owned()))
    }
}

/// A Python int, clamped to `i128` (a larger one is out of any range the
/// functions take, and is reported with its own digits), and its text.
pub fn big_int(v: &Bound<'_, PyAny>) -> PyResult<(i128, String)> {
    // `str()` of an int over 4300 digits raises (Python 3.11+'s limit on
    // int to text conversion): then its size in bits stands for it.
    let text = match v.str() {
        Ok(s) => s.to_string(),
        Err(_) => format!(
            "an int of {} bits",
            v.call_method0("bit_length")
                .map_or_else(|_| "?".to_owned(), |b| b.to_string())
        ),
    };
    match v.extract::<i128>() {
        Ok(n) => Ok((n, text)),
        Err(e) if e.is_instance_of::<PyOverflowError>(v.py()) => {
            let negative = v.lt(0)?;
            Ok((if negative { i128::MIN } else { i128::MAX }, text))
        }
        Err(e) => Err(e),
    }
}

/// `arr` as the core reads it: C-contiguous and aligned. A copy only when
/// it is not (`np.ascontiguousarray` keeps an array that is contiguous but
/// misaligned, such as a view at an odd offset of a buffer).
pub fn c_aligned<'py>(arr: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let contiguous = arr.cast::<PyUntypedArray>()?.is_c_contiguous();
    let aligned: bool = arr.getattr("flags")?.getattr("aligned")?.extract()?;
    if contiguous && aligned {
        Ok(arr)
    } else {
        arr.call_method1("copy", ("C",))
    }
}

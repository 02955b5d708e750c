//! `framewire::Error` as a Python exception: a `ValueError` subclass named
//! after the error's variant (`framewire.Truncated`, ...), all of them
//! subclasses of `framewire.FramewireError`, carrying the Rust message,
//! `code` (the variant's name) and `offset` (the byte it points at, or None).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::py;

/// The variant's name: its `Debug` text up to the first non-identifier
/// character (`Truncated { needed: 48, .. }` is `Truncated`). The enum is
/// `#[non_exhaustive]`; a variant added later gets its own code this way
/// without a change here.
pub fn code(e: &framewire::Error) -> String {
    let debug = format!("{e:?}");
    debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The exception for `e`; `message` overrides its message (stream errors
/// say where in the stream), `offset` its offset.
pub fn build(py: Python<'_>, e: &framewire::Error, message: String, offset: Option<u64>) -> PyErr {
    let code = code(e);
    let class = py::error_classes(py)
        .and_then(|classes| classes.get_item(&code))
        .or_else(|_| py::framewire_error(py).cloned());
    match class.and_then(|cls| cls.call1((message.clone(), code, offset))) {
        Ok(obj) => PyErr::from_value(obj),
        // The package's Python files are missing: still a ValueError.
        Err(_) => PyValueError::new_err(message),
    }
}

/// The exception for an error of the core.
pub fn to_py(py: Python<'_>, e: framewire::Error) -> PyErr {
    build(py, &e, e.to_string(), e.offset())
}

/// `Result<T, framewire::Error>` into `PyResult<T>`.
pub trait OrRaise<T> {
    /// Converts the error.
    fn or_raise(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> OrRaise<T> for Result<T, framewire::Error> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

//! Python objects the module calls, looked up once per interpreter.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

macro_rules! cached {
    ($(#[$doc:meta])* $name:ident, $module:literal, $attr:literal) => {
        $(#[$doc])*
        pub fn $name(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
            static CELL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
            CELL.import(py, $module, $attr)
        }
    };
}

cached!(
    /// `np.asarray`: the reference's conversion (`np.asarray(data, dtype=np.float32)`).
    asarray, "numpy", "asarray"
);
cached!(
    /// `np.ascontiguousarray`.
    ascontiguousarray, "numpy", "ascontiguousarray"
);
cached!(
    /// `np.frombuffer`: read-only views of `bytes`.
    frombuffer, "numpy", "frombuffer"
);
cached!(
    /// `np.float32`.
    float32, "numpy", "float32"
);
cached!(
    /// `np.int16`.
    int16, "numpy", "int16"
);
cached!(
    /// `np.uint16`.
    uint16, "numpy", "uint16"
);
cached!(
    /// `json.dumps`, as the reference's `pack_envelope` calls it.
    json_dumps, "json", "dumps"
);
cached!(
    /// `json.loads`: the header dict of a decoded envelope.
    json_loads, "json", "loads"
);
cached!(
    /// The exception classes, one per `framewire::Error` variant.
    error_classes, "framewire._errors", "CLASSES"
);
cached!(
    /// The base exception class.
    framewire_error, "framewire._errors", "FramewireError"
);
cached!(
    /// The result type of `parse_sac`.
    sac_file, "framewire._types", "SacFile"
);
cached!(
    /// The frames the stream decoder yields.
    stream_frame, "framewire._types", "Frame"
);

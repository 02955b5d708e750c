//! `Decoder`: the Rust push decoder (`framewire::stream::Decoder`) for SAC
//! and VCBN frames back to back in a byte stream, fed in chunks of any size.

use framewire::stream::{self, Event, FrameHeader};
use framewire::vcbn::{self, Limits};
use framewire::Format;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::args::{big_int, Arg};
use crate::decode::{blob_to_ndarray, sac_parts, unpack_envelope};
use crate::encode::with_bytes;
use crate::errors;
use crate::py;

/// The header buffer: room for the longest VCBN header the default limit
/// allows (64 KiB of JSON after the 9-byte prefix).
const HEADER_BUF: usize = vcbn::DEFAULT_MAX_JSON_LEN as usize + vcbn::PREFIX_LEN;

/// Bytes reserved up front for a frame's payload; it grows past this only
/// as bytes arrive, so a header's claimed length sizes nothing.
const RESERVE_MAX: u64 = 1 << 20;

/// A frame whose bytes are arriving.
struct Pending {
    offset: u64,
    format: Format,
    bytes: Vec<u8>,
}

impl Pending {
    /// The frame's header bytes as they were (a VCBN pad byte, which the
    /// decoder skips unread, is written as 0).
    fn start(offset: u64, header: &FrameHeader<'_>) -> Pending {
        let mut bytes = Vec::with_capacity(header.frame_len().min(RESERVE_MAX) as usize);
        match header {
            FrameHeader::Sac(h) => bytes.extend_from_slice(&h.to_bytes()),
            FrameHeader::Vcbn { header, json } => {
                bytes.extend_from_slice(&header.magic().bytes());
                bytes.push(header.version());
                bytes.extend_from_slice(&header.json_len().to_be_bytes());
                bytes.extend_from_slice(json.as_bytes());
                bytes.resize(bytes.len() + header.pad_len() as usize, 0);
            }
            // `FrameHeader` is non-exhaustive in spirit; nothing else exists.
            #[allow(unreachable_patterns)]
            _ => {}
        }
        Pending {
            offset,
            format: header.format(),
            bytes,
        }
    }

    /// The `Frame` object: its bytes, header and read-only array views.
    fn finish(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let data = PyBytes::new(py, &self.bytes).into_any();
        let (format, header, arrays) = match self.format {
            Format::Sac => {
                let (a, b, w, h, flags) = sac_parts(py, &data)?;
                let d = PyDict::new(py);
                d.set_item("width", w)?;
                d.set_item("height", h)?;
                d.set_item("flags", flags)?;
                d.set_item("length_a", a.len()?)?;
                d.set_item("length_b", b.len()?)?;
                ("sac", d.into_any(), (a, Some(b)))
            }
            _ => {
                let (header, blob) = unpack_envelope(py, &data)?;
                let levels = blob_to_ndarray(py, &header, &blob)?;
                ("vcbn", header, (levels, None))
            }
        };
        let arrays = match arrays {
            (a, Some(b)) => (a, b).into_pyobject(py)?.into_any(),
            (a, None) => (a,).into_pyobject(py)?.into_any(),
        };
        Ok(py::stream_frame(py)?
            .call1((self.offset, format, data, header, arrays))?
            .unbind())
    }
}

/// Stack for the thread that builds a decoder: the decoder's size and room
/// for its copies.
const BUILD_STACK: usize = 4 * core::mem::size_of::<stream::Decoder<HEADER_BUF>>() + (64 << 10);

/// Builds the core decoder on the heap, on a short-lived thread of its own.
///
/// The core decoder is a plain value holding its 64 KiB header buffer (it
/// must be, to live in a `static` on firmware), and safe Rust has no
/// guaranteed in-place construction: `Box::new(value)` may build `value` on
/// the calling thread's stack first. Python threads can have stacks as small
/// as 32 KiB (`threading.stack_size`), where that overflows and kills the
/// interpreter; this thread's stack is sized for it. A decoder is made once
/// per stream, so the thread's cost (tens of microseconds) does not matter.
fn boxed_decoder(limits: Limits, resync: bool) -> PyResult<Box<stream::Decoder<HEADER_BUF>>> {
    let build = move || Box::new(stream::Decoder::<HEADER_BUF>::with_limits(limits).resync(resync));
    let worker = std::thread::Builder::new()
        .name("framewire-decoder-new".into())
        .stack_size(BUILD_STACK)
        .spawn(build)
        .map_err(|e| {
            PyRuntimeError::new_err(format!("cannot start a thread to build the decoder: {e}"))
        })?;
    worker
        .join()
        .map_err(|_| PyRuntimeError::new_err("building the decoder failed"))
}

/// A push decoder for SAC and VCBN frames back to back (see the stub file).
#[pyclass(module = "framewire._framewire")]
pub struct Decoder {
    dec: Box<stream::Decoder<HEADER_BUF>>,
    pending: Option<Pending>,
    /// Stopped (strict mode) at an error of this wrapper's own (a frame
    /// the core passed but NumPy cannot hold), as the core stops at its.
    halted: bool,
}

impl Decoder {
    /// Runs the events of one chunk (or of the end, for `None`).
    fn run(&mut self, py: Python<'_>, chunk: Option<&[u8]>) -> PyResult<Vec<Py<PyAny>>> {
        let mut items = Vec::new();
        if self.halted {
            return Ok(items);
        }
        let strict = !self.dec.is_resync();
        let mut failure: Option<PyErr> = None;
        let mut events = match chunk {
            Some(c) => self.dec.feed(c),
            None => self.dec.finish(),
        };
        while let Some(ev) = events.next() {
            match ev {
                Ok(Event::Header { offset, header }) => {
                    self.pending = Some(Pending::start(offset, &header));
                }
                Ok(Event::Payload { data, .. }) => {
                    if let Some(p) = self.pending.as_mut() {
                        p.bytes.extend_from_slice(data);
                    }
                }
                Ok(Event::End { .. }) => {
                    if let Some(p) = self.pending.take() {
                        let offset = p.offset;
                        match p.finish(py) {
                            Ok(frame) => items.push(frame),
                            // A frame the stream decoder passed but the array
                            // views refuse (a dimension NumPy cannot hold):
                            // an error item like the decoder's own; strict
                            // mode stops there (the rest of the chunk is not
                            // consumed), resync goes on with the next frame.
                            Err(e) if e.is_instance(py, py::framewire_error(py)?.cast()?) => {
                                items.push(restamp(py, &e, offset)?);
                                if strict {
                                    self.halted = true;
                                    break;
                                }
                            }
                            // Anything else (MemoryError) is raised, but only
                            // once the chunk is consumed, so the decoder's
                            // position stays true.
                            Err(e) => {
                                failure.get_or_insert(e);
                            }
                        }
                    }
                }
                Err(se) => {
                    self.pending = None;
                    let err = errors::build(py, &se.error, se.to_string(), Some(se.offset));
                    items.push(err.into_value(py).into_any());
                }
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(items),
        }
    }
}

/// `e` (a `FramewireError` about one frame) as the stream decoder gives its
/// errors: same class and code, the frame's stream offset, and the message
/// prefixed with it.
fn restamp(py: Python<'_>, e: &PyErr, offset: u64) -> PyResult<Py<PyAny>> {
    let value = e.value(py);
    let code = value.getattr("code")?;
    let message = format!("at stream offset {offset}: {value}");
    Ok(value.get_type().call1((message, code, offset))?.unbind())
}

#[pymethods]
impl Decoder {
    #[new]
    #[pyo3(signature = (*, resync = false, max_json_len = Arg::Omitted))]
    fn new(py: Python<'_>, resync: bool, max_json_len: Arg<'_>) -> PyResult<Self> {
        let max_json_len = match &max_json_len {
            Arg::Omitted => vcbn::DEFAULT_MAX_JSON_LEN,
            Arg::Given(v) => {
                let (n, text) = big_int(v)?;
                u32::try_from(n)
                    .ok()
                    .filter(|&n| n <= vcbn::DEFAULT_MAX_JSON_LEN)
                    .ok_or_else(|| {
                        PyValueError::new_err(format!(
                            "max_json_len must be from 0 to {}, got {text}",
                            vcbn::DEFAULT_MAX_JSON_LEN
                        ))
                    })?
            }
        };
        let limits = Limits::DEFAULT.with_max_json_len(max_json_len);
        let dec = py.detach(|| boxed_decoder(limits, resync))?;
        Ok(Decoder {
            dec,
            pending: None,
            halted: false,
        })
    }

    /// Feeds the next bytes of the stream; returns the frames completed and
    /// the errors found in them, in stream order.
    fn feed(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<Py<PyAny>>> {
        with_bytes(py, data, |chunk| self.run(py, Some(chunk)))
    }

    /// Declares the end of the stream: a frame cut short is a `Truncated` error.
    fn finish(&mut self, py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
        self.run(py, None)
    }

    /// Forgets any partial frame and the error that stopped it; the next
    /// byte fed starts a frame. `position` (and so the offsets of what
    /// follows) goes on counting from where it was.
    fn reset(&mut self) {
        self.dec.reset();
        self.pending = None;
        self.halted = false;
    }

    /// Bytes of the stream consumed so far.
    #[getter]
    fn position(&self) -> u64 {
        self.dec.position()
    }

    /// Whether the decoder stopped at an error (strict mode).
    #[getter]
    fn is_stopped(&self) -> bool {
        self.dec.is_stopped() || self.halted
    }

    /// Whether it resynchronises after an error.
    #[getter]
    fn resync(&self) -> bool {
        self.dec.is_resync()
    }
}

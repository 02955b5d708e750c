//! Tiny `core::fmt::Write` sinks over caller memory: one that fills a byte
//! slice and one that only counts. Used to write the canonical VCBN header
//! without allocating, and to size it before writing.

use core::fmt;

/// Writes into a byte slice; fails (without writing a partial piece) when the
/// slice is full.
pub(crate) struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> SliceWriter<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        SliceWriter { buf, len: 0 }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn write_bytes(&mut self, bytes: &[u8]) -> fmt::Result {
        let end = self.len.checked_add(bytes.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        crate::copy_exact(dst, bytes);
        self.len = end;
        Ok(())
    }
}

impl fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write_bytes(s.as_bytes())
    }
}

/// Counts the bytes that would be written.
#[derive(Default)]
pub(crate) struct Counter {
    pub(crate) len: usize,
}

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.len = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        Ok(())
    }
}

//! Helpers shared by the CLI's integration tests (`tests/cli*.rs`): running
//! the `framewire` binary, checking its exit status and output, and writing
//! `.npy` inputs. A separate module from `common`, because only test
//! targets built with the `cli` feature have the binary to run.
//!
//! Each test file uses what it needs; the rest is dead code there.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use npyz::{DType, Order, Serialize, WriteOptions, WriterBuilder};

/// Runs `framewire ARGS...` and waits for it.
pub fn framewire<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_framewire"))
        .args(args)
        .output()
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Success, nothing on stderr.
pub fn assert_ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    assert!(o.stderr.is_empty(), "stderr: {}", stderr(o));
}

/// Exit 1, nothing on stdout, exactly one `framewire: ...` line on stderr
/// that contains `needle`.
pub fn assert_bad(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
    assert!(err.starts_with("framewire: "), "stderr: {err}");
    assert!(err.ends_with('\n'), "stderr: {err:?}");
    assert_eq!(err.matches('\n').count(), 1, "not one line: {err:?}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
}

/// Exit 2 (usage error), nothing on stdout, a message on stderr that
/// contains `needle` (`""`: any message).
pub fn assert_usage(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
    assert!(!err.is_empty(), "no message");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
}

/// The names in a directory, sorted (empty if it does not exist).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Writes `data` as a C-order `.npy` file of dtype `descr` and `shape`.
pub fn write_npy<T: Serialize + Clone>(path: &Path, descr: &str, shape: &[u64], data: &[T]) {
    write_npy_order(path, descr, shape, false, data);
}

/// [`write_npy`] in C or (`fortran`) Fortran order.
pub fn write_npy_order<T: Serialize + Clone>(
    path: &Path,
    descr: &str,
    shape: &[u64],
    fortran: bool,
    data: &[T],
) {
    let mut bytes = Vec::new();
    let mut w = WriteOptions::<T>::new()
        .dtype(DType::Plain(descr.parse().unwrap()))
        .shape(shape)
        .order(if fortran { Order::Fortran } else { Order::C })
        .writer(&mut bytes)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().cloned()).unwrap();
    w.finish().unwrap();
    fs::write(path, bytes).unwrap();
}

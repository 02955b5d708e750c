//! `par::run`, the part queue that splits large results across the calling
//! thread and helper threads (`src/par.rs`), tested on its own: it holds
//! `unsafe` (helpers that borrow the caller's stack), so its contract is
//! checked here directly rather than only through the Python tests' bytes.
//!
//! `cargo test --manifest-path python/Cargo.toml --test par`

#[path = "../src/par.rs"]
#[allow(dead_code)]
mod par;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use par::{run, RunError};

/// Parts that record who did them: each part is an index and a slot.
fn slots(n: usize) -> Vec<AtomicUsize> {
    (0..n).map(|_| AtomicUsize::new(0)).collect()
}

#[test]
fn every_part_once_on_any_number_of_threads() {
    for threads in [0, 1, 2, 3, 8] {
        for n in [0, 1, 2, 3, 5, 17, 64] {
            let done = slots(n);
            let prepared = slots(n);
            let r = run(
                (0..n).collect(),
                threads,
                |&i| {
                    prepared[i].fetch_add(1, Ordering::Relaxed);
                },
                |i| {
                    done[i].fetch_add(1, Ordering::Relaxed);
                    Ok::<(), ()>(())
                },
            );
            assert!(r.is_ok(), "threads {threads}, {n} parts");
            for i in 0..n {
                assert_eq!(
                    done[i].load(Ordering::Relaxed),
                    1,
                    "part {i} of {n}, {threads} threads"
                );
                assert!(
                    prepared[i].load(Ordering::Relaxed) <= 1,
                    "part {i} prepared twice"
                );
            }
        }
    }
}

#[test]
fn the_parts_borrow_the_callers_buffer() {
    // The way alloc.rs uses it: disjoint `&mut` pieces of one buffer.
    let mut buf = vec![0u32; 1000];
    let parts: Vec<(usize, &mut [u32])> = buf.chunks_mut(64).enumerate().collect();
    let r = run(
        parts,
        3,
        |_| {},
        |(i, part)| {
            for (j, x) in part.iter_mut().enumerate() {
                *x = (i * 64 + j) as u32;
            }
            Ok::<(), ()>(())
        },
    );
    assert!(r.is_ok());
    assert!(buf.iter().enumerate().all(|(i, &x)| x == i as u32));
}

#[test]
fn a_part_error_is_returned_and_stops_the_rest() {
    for threads in [1, 2, 4] {
        let done = AtomicUsize::new(0);
        let r = run(
            (0..200).collect(),
            threads,
            |_| {},
            |i: usize| {
                if i == 3 {
                    return Err(i);
                }
                std::thread::sleep(Duration::from_micros(200));
                done.fetch_add(1, Ordering::Relaxed);
                Ok(())
            },
        );
        assert!(matches!(r, Err(RunError::Part(3))), "threads {threads}");
        // Parts already taken finish; the rest are not started.
        assert!(
            done.load(Ordering::Relaxed) < 150,
            "threads {threads}: {} done",
            done.load(Ordering::Relaxed)
        );
    }
}

/// Silences the panic message of the tests' deliberate panics: with
/// `RUST_BACKTRACE` set, the default hook takes a backtrace, which on a busy
/// machine can take longer than the rest of the job.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// Waits (up to 10 s) until `flag` is set.
fn wait_for(flag: &AtomicBool) {
    let t = Instant::now();
    while !flag.load(Ordering::Relaxed) && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_panicking_helper_is_reported_and_the_rest_stop() {
    // The first part a helper (not the calling thread) runs panics; the
    // caller's first part waits for that, so that a slow start of the
    // helper on a busy machine cannot let the caller do everything first.
    quiet_panics();
    let caller = std::thread::current().id();
    let done = AtomicUsize::new(0);
    let panicked = AtomicBool::new(false);
    let r = run(
        (0..400).collect(),
        2,
        |_| {},
        |_: usize| {
            if std::thread::current().id() != caller {
                if !panicked.swap(true, Ordering::Relaxed) {
                    panic!("a helper's part");
                }
            } else {
                wait_for(&panicked);
            }
            std::thread::sleep(Duration::from_micros(100));
            done.fetch_add(1, Ordering::Relaxed);
            Ok::<(), ()>(())
        },
    );
    if panicked.load(Ordering::Relaxed) {
        assert!(matches!(r, Err(RunError::Thread)));
        let n = done.load(Ordering::Relaxed);
        assert!(n < 200, "{n} of 400 parts done after a helper's panic");
    } else {
        // No helper ran a part within 10 s: the caller did them all.
        assert!(r.is_ok());
        assert_eq!(done.load(Ordering::Relaxed), 400);
    }
}

#[test]
fn a_panic_on_the_caller_joins_the_helpers_and_propagates() {
    // The caller's first part waits until a helper has done one, then
    // panics; the helpers must stop and be joined before `run` unwinds.
    quiet_panics();
    let caller = std::thread::current().id();
    let done = AtomicUsize::new(0);
    let helped = AtomicBool::new(false);
    let mut buf = vec![0u8; 4096];
    let r = catch_unwind(AssertUnwindSafe(|| {
        let parts: Vec<&mut [u8]> = buf.chunks_mut(16).collect();
        run(
            parts,
            2,
            |_| {},
            |part| {
                if std::thread::current().id() == caller {
                    wait_for(&helped);
                    panic!("the caller's part");
                }
                std::thread::sleep(Duration::from_micros(100));
                part.fill(1);
                done.fetch_add(1, Ordering::Relaxed);
                helped.store(true, Ordering::Relaxed);
                Ok::<(), ()>(())
            },
        )
    }));
    assert!(r.is_err(), "the caller's panic propagates");
    // The helpers were joined before `run` unwound (or the borrow of `buf`
    // could not end here), and stopped early: far fewer than 256 parts.
    let n = done.load(Ordering::Relaxed);
    assert!(n < 200, "{n} parts done after the caller's panic");
    assert_eq!(buf.iter().filter(|&&b| b == 1).count(), n * 16);
}

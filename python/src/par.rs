//! Large jobs split across the calling thread and short-lived helpers.
//!
//! A job is a list of parts (disjoint pieces of a fresh output buffer, 2 MiB
//! each). The calling thread goes through them in order: it faults each
//! part's pages in (`prepare`, one `MADV_POPULATE_WRITE`) and puts it on a
//! queue, and works on a part itself whenever more than [`AHEAD`] wait. A
//! helper takes the oldest prepared part, or when none waits, the last part
//! nobody has taken yet, which it faults in by writing it. So the work does
//! not wait for a helper that started late (at worst the caller does every
//! part itself and at the end waits only for the parts helpers took), and
//! the page faults run on both CPUs only when the helpers have time for
//! them.
//!
//! Why the caller faults most pages in: on a 2-core VM (a Firecracker guest
//! with free page reporting) a helper that faulted in the pages of each
//! part it took, right after the NumPy reference, took 8 to 41 ms for some
//! 2 MiB parts, where the caller's took under 3 ms. Python frees every
//! result on the calling thread, which is likely why that CPU has pages at
//! hand that the host has not taken back. Why the helpers may fault pages
//! in all the same: after a 100 ms sleep, the caller faulting everything in
//! made the two calls 2 to 3 ms slower than two threads that each faulted
//! their own half. Taking unprepared parts from the end only when no
//! prepared part waits did about as well as either in both cases
//! (`python/README.md` has the figures).
//!
//! Where a new thread runs decides whether it helps at all. On Linux a new
//! thread starts on its parent's CPU when the scheduler's load figures show
//! no busier CPU (after the caller slept, or after a previous split), and
//! there it waits behind the caller until the next load balancing moves it,
//! about 2.7 ms later on the 2-core VM; after a busy caller, two new threads
//! were often put on the same other CPU. So each helper is moved off the
//! caller's CPU (`pthread_setaffinity_np` right after the spawn, before it
//! takes any part) and then gives itself the caller's CPU set back. On the
//! VM a helper then started 0.1 to 0.25 ms after its spawn in every case,
//! against 2.7 to 2.9 ms for 18 of 21 spawns after a sleep without it.
//! Elsewhere (other systems, a CPU set of one CPU, a failed call) the
//! helpers run where the scheduler puts them and `prepare` may do nothing;
//! the bytes written are the same.
//!
//! std's scoped threads would hold the borrows without `unsafe`, but their
//! handles do not give the `pthread_t` that the move needs; the helpers are
//! `Builder::spawn_unchecked` threads that a guard joins before the borrowed
//! state goes away, on every path out of [`run`] (panics included).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use affinity::Affinity as _;

/// Why a split job failed.
pub enum RunError<E> {
    /// A part's error (the first one reported).
    Part(E),
    /// A helper thread panicked.
    Thread,
}

/// Runs `work` on every part, on the calling thread and up to `threads - 1`
/// helpers (fewer if spawning fails or there are fewer parts), as the module
/// documentation describes: the caller runs `prepare` on the parts in order
/// before handing them out, and a helper may take a part that was not
/// prepared. `prepare` must not be needed for `work` to be correct. Stops
/// taking parts after the first error.
pub fn run<T, E, P, F>(
    parts: Vec<T>,
    threads: usize,
    prepare: P,
    work: F,
) -> Result<(), RunError<E>>
where
    T: Send,
    E: Send,
    P: Fn(&T),
    F: Fn(T) -> Result<(), E> + Sync,
{
    let helpers = threads.min(parts.len()).saturating_sub(1);
    let queue = Queue {
        state: Mutex::new(State {
            todo: parts.into_iter().collect(),
            ready: VecDeque::new(),
            closed: false,
        }),
        wake: Condvar::new(),
    };
    let failed = AtomicBool::new(false);
    let first: Mutex<Option<E>> = Mutex::new(None);
    let do_part = |part: T| {
        if let Err(e) = work(part) {
            failed.store(true, Ordering::Relaxed);
            first
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_or_insert(e);
        }
    };
    let cpus = if helpers > 0 {
        affinity::Cpus::of_caller()
    } else {
        None
    };
    {
        // Declared after everything the helpers borrow, so dropped (and
        // joined) before any of it.
        let mut joined = Helpers(Vec::with_capacity(helpers));
        // Closes the queue on every path out of this block (before the
        // helpers are joined), so that no helper waits for ever.
        let closer = Closer {
            queue: &queue,
            failed: &failed,
        };
        // Held while the helpers are spawned and moved: each helper takes it
        // before it gives itself the caller's CPU set back, so that the move
        // cannot come after that.
        let spawning = queue.lock();
        for _ in 0..helpers {
            let (queue, do_part, failed, cpus) = (&queue, &do_part, &failed, &cpus);
            let start = move || {
                // Stops the others if this helper panics.
                let _stop = StopOnPanic(failed);
                drop(queue.lock());
                cpus.restore_current();
                while !failed.load(Ordering::Relaxed) {
                    let Some(part) = queue.take(Take::AnyPart) else {
                        break;
                    };
                    do_part(part);
                }
            };
            // SAFETY: the closure borrows `queue`, `do_part` (and through it
            // `failed`, `first`, `work`) and `cpus`, all declared before
            // `joined`; the handle goes into `joined` straight away (its
            // room is reserved, so the push cannot fail), and `joined`'s
            // `Drop` joins every helper, so each helper ends before any
            // borrow does, on every path out of this block, an unwinding
            // panic included. The closure returns `()`, which borrows
            // nothing.
            let spawned = unsafe { std::thread::Builder::new().spawn_unchecked(start) };
            let Ok(handle) = spawned else { break };
            joined.0.push(handle);
            if let Some(handle) = joined.0.last() {
                cpus.move_off_caller(handle);
            }
        }
        drop(spawning);
        let alone = joined.0.is_empty();
        while !failed.load(Ordering::Relaxed) {
            let Some(part) = queue.next_todo() else { break };
            if alone {
                do_part(part);
                continue;
            }
            prepare(&part);
            queue.put(part);
            // Stay at most AHEAD parts ahead of the work, so that the caller
            // does its share from the start (preparing every part first
            // made the two calls of python/bench.py 1 to 2 ms slower).
            while let Some(part) = queue.take_beyond(AHEAD) {
                do_part(part);
            }
        }
        drop(closer);
        while !failed.load(Ordering::Relaxed) {
            let Some(part) = queue.take(Take::Prepared) else {
                break;
            };
            do_part(part);
        }
        if !joined.join() {
            return Err(RunError::Thread);
        }
    }
    match first.into_inner().unwrap_or_else(PoisonError::into_inner) {
        Some(e) => Err(RunError::Part(e)),
        None => Ok(()),
    }
}

/// How many prepared parts the caller keeps waiting for the helpers.
const AHEAD: usize = 2;

/// Which parts [`Queue::take`] hands out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Take {
    /// Prepared parts only (the caller, once it has prepared them all).
    Prepared,
    /// The oldest prepared part, or else the last part not yet prepared
    /// (helpers).
    AnyPart,
}

/// The parts of a job.
struct State<T> {
    /// Parts not yet prepared, in order.
    todo: VecDeque<T>,
    /// Prepared parts, in order.
    ready: VecDeque<T>,
    /// No more parts will be prepared.
    closed: bool,
}

/// The parts of a job, and the helpers' wake-up call.
struct Queue<T> {
    state: Mutex<State<T>>,
    wake: Condvar,
}

impl<T> Queue<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next part not yet prepared, for the caller to prepare.
    fn next_todo(&self) -> Option<T> {
        self.lock().todo.pop_front()
    }

    /// Hands out a prepared part.
    fn put(&self, part: T) {
        self.lock().ready.push_back(part);
        self.wake.notify_one();
    }

    /// No more parts will be prepared: waiting helpers stop waiting.
    fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_all();
    }

    /// The next prepared part, if more than `n` are waiting (never waits).
    fn take_beyond(&self, n: usize) -> Option<T> {
        let mut state = self.lock();
        if state.ready.len() > n {
            state.ready.pop_front()
        } else {
            None
        }
    }

    /// The next part of the kind `which` (waiting while none is there);
    /// `None` once the queue is closed and holds no such part.
    fn take(&self, which: Take) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(part) = state.ready.pop_front() {
                return Some(part);
            }
            if which == Take::AnyPart {
                if let Some(part) = state.todo.pop_back() {
                    return Some(part);
                }
            }
            if state.closed {
                return None;
            }
            state = self
                .wake
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Closes the queue when dropped, and on a panic of the caller tells the
/// helpers to stop.
struct Closer<'a, T> {
    queue: &'a Queue<T>,
    failed: &'a AtomicBool,
}

impl<T> Drop for Closer<'_, T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.failed.store(true, Ordering::Relaxed);
        }
        self.queue.close();
    }
}

/// Tells the other threads to stop if dropped during a panic.
struct StopOnPanic<'a>(&'a AtomicBool);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// Helper threads, joined on drop.
struct Helpers(Vec<JoinHandle<()>>);

impl Helpers {
    /// Joins every helper; false if one panicked. A handle leaves the list
    /// only to be joined, so if a join itself panicked, `Drop` would still
    /// join the rest.
    fn join(&mut self) -> bool {
        let mut ok = true;
        while let Some(h) = self.0.pop() {
            ok &= h.join().is_ok();
        }
        ok
    }
}

impl Drop for Helpers {
    fn drop(&mut self) {
        self.join();
    }
}

#[cfg(target_os = "linux")]
mod affinity {
    use std::os::unix::thread::JoinHandleExt;
    use std::thread::JoinHandle;

    /// The calling thread's CPU set and the CPU it ran on when asked.
    pub struct Cpus {
        set: libc::cpu_set_t,
        others: Option<libc::cpu_set_t>,
    }

    impl Cpus {
        /// The caller's CPU set, and that set without the caller's current
        /// CPU (none if that leaves nothing or a call fails).
        pub fn of_caller() -> Option<Cpus> {
            // SAFETY: `cpu_set_t` is plain data, valid when zeroed; the
            // calls write at most `size_of::<cpu_set_t>()` bytes into `set`
            // and read `cpu` from the calling thread.
            unsafe {
                let mut set: libc::cpu_set_t = core::mem::zeroed();
                let size = core::mem::size_of::<libc::cpu_set_t>();
                if libc::pthread_getaffinity_np(libc::pthread_self(), size, &mut set) != 0 {
                    return None;
                }
                let cpu = libc::sched_getcpu();
                let mut others = set;
                if let Ok(cpu) = usize::try_from(cpu) {
                    libc::CPU_CLR(cpu, &mut others);
                }
                let others = (libc::CPU_COUNT(&others) > 0
                    && libc::CPU_COUNT(&others) < libc::CPU_COUNT(&set))
                .then_some(others);
                Some(Cpus { set, others })
            }
        }
    }

    pub trait Affinity {
        /// Moves a helper off the caller's CPU (before it can give itself
        /// the caller's set back: see [`super::run`]).
        fn move_off_caller(&self, helper: &JoinHandle<()>);
        /// Gives the calling (helper) thread the caller's CPU set back.
        fn restore_current(&self);
    }

    impl Affinity for Option<Cpus> {
        fn move_off_caller(&self, helper: &JoinHandle<()>) {
            if let Some(Cpus {
                others: Some(others),
                ..
            }) = self
            {
                // SAFETY: `helper`'s `pthread_t` is valid: the thread is
                // neither joined (only later) nor detached (it may have
                // ended, which the call reports as an error);
                // the call reads `size_of::<cpu_set_t>()` bytes of `others`.
                // Advice only: a failure leaves the helper where it is.
                unsafe {
                    libc::pthread_setaffinity_np(
                        helper.as_pthread_t(),
                        core::mem::size_of::<libc::cpu_set_t>(),
                        others,
                    );
                }
            }
        }

        fn restore_current(&self) {
            if let Some(Cpus {
                set,
                others: Some(_),
            }) = self
            {
                // SAFETY: as above, for the calling thread.
                unsafe {
                    libc::pthread_setaffinity_np(
                        libc::pthread_self(),
                        core::mem::size_of::<libc::cpu_set_t>(),
                        set,
                    );
                }
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod affinity {
    use std::thread::JoinHandle;

    /// Nothing to know where the helpers are not moved.
    pub struct Cpus;

    impl Cpus {
        pub fn of_caller() -> Option<Cpus> {
            None
        }
    }

    pub trait Affinity {
        fn move_off_caller(&self, _helper: &JoinHandle<()>) {}
        fn restore_current(&self) {}
    }

    impl Affinity for Option<Cpus> {}
}

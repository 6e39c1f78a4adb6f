//! Idle-wakeup avoidance for low single-connection latency.
//!
//! On a virtual machine a CPU with nothing to run halts, and waking it for the next packet
//! costs tens of microseconds per direction: measured on this project's 2-core VMs, a plain
//! TCP ping-pong between two blocking processes takes ~105 µs per round trip, but ~11 µs while
//! any thread keeps a CPU busy. While requests keep arriving, the server therefore runs one
//! spinning thread at `SCHED_IDLE` priority (the lowest: any runnable thread, including the
//! request handlers, preempts it at once, so it takes no CPU time that other work wants) and
//! parks it after `idle_spin_ms` without a request, so an idle server uses no CPU.
//! `idle_spin_ms = 0` turns it off.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread::Thread;
use std::time::{Duration, Instant};

struct Spinner {
    epoch: Instant,
    window_ns: u64,
    /// Nanoseconds since `epoch` of the latest request.
    last: AtomicU64,
    parked: AtomicBool,
    thread: Thread,
}

static SPINNER: OnceLock<Spinner> = OnceLock::new();

/// Starts the spinner (once per process; later calls do nothing). `window_ms = 0`: off.
pub fn start(window_ms: u64) {
    if window_ms == 0 || SPINNER.get().is_some() {
        return;
    }
    let handle = std::thread::Builder::new()
        .name("cinerec-idle-spin".into())
        .spawn(run);
    let Ok(handle) = handle else {
        tracing::warn!("could not start the idle spinner; serving without it");
        return;
    };
    let _ = SPINNER.set(Spinner {
        epoch: Instant::now(),
        window_ns: window_ms.saturating_mul(1_000_000),
        last: AtomicU64::new(0),
        parked: AtomicBool::new(false),
        thread: handle.thread().clone(),
    });
    handle.thread().unpark();
}

/// Records a request: keeps the spinner running for the next window (wakes it if parked).
#[inline]
pub fn touch() {
    if let Some(s) = SPINNER.get() {
        s.last
            .store(s.epoch.elapsed().as_nanos() as u64, Ordering::Relaxed);
        if s.parked.load(Ordering::Relaxed) && s.parked.swap(false, Ordering::AcqRel) {
            s.thread.unpark();
        }
    }
}

/// Whether the spinner is running (for tests and `/metrics`).
pub fn active() -> bool {
    SPINNER
        .get()
        .is_some_and(|s| !s.parked.load(Ordering::Relaxed))
}

fn run() {
    lowest_priority();
    let s = loop {
        match SPINNER.get() {
            Some(s) => break s,
            None => std::thread::park_timeout(Duration::from_millis(10)),
        }
    };
    loop {
        let now = s.epoch.elapsed().as_nanos() as u64;
        if now.saturating_sub(s.last.load(Ordering::Relaxed)) < s.window_ns {
            for _ in 0..256 {
                std::hint::spin_loop();
            }
            continue;
        }
        s.parked.store(true, Ordering::Release);
        // A request between the check above and here has seen `parked = false` and will not
        // unpark; re-check so it is not missed (park's token covers a concurrent unpark).
        let now = s.epoch.elapsed().as_nanos() as u64;
        if now.saturating_sub(s.last.load(Ordering::Relaxed)) < s.window_ns {
            s.parked.store(false, Ordering::Release);
            continue;
        }
        while s.parked.load(Ordering::Acquire) {
            std::thread::park();
        }
    }
}

/// Moves the calling thread to `SCHED_IDLE` (Linux); elsewhere it keeps its priority.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: plain syscall on the calling thread (pid 0) with a valid parameter struct.
        let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
        if rc != 0 {
            tracing::debug!("SCHED_IDLE not available for the idle spinner");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_after_a_request_and_parks_when_idle() {
        start(20);
        touch();
        std::thread::sleep(Duration::from_millis(5));
        assert!(active(), "running right after a request");
        std::thread::sleep(Duration::from_millis(200));
        assert!(!active(), "parked after the window without requests");
        touch();
        std::thread::sleep(Duration::from_millis(5));
        assert!(active(), "woken by the next request");
    }
}

//! The stop flag an interrupt sets: the binary's SIGINT/SIGTERM handler calls [`request`], and the
//! long loops check [`requested`] — the engine between trials ([`crate::engine::runner`]), the
//! output writer before each step of putting a set of files in place
//! ([`crate::report::commit`]) — so that the run stops on the main thread, removes its
//! temporaries and leaves every output folder as it was.
//!
//! One flag for the process: an interrupt is for the whole process. Only the binary sets it;
//! library users who never call [`request`] never see it set.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Ask every running loop to stop. Only stores into an atomic: safe to call from a signal
/// handler's thread.
pub fn request() {
    STOP.store(true, Ordering::SeqCst);
}

/// True once [`request`] was called.
pub fn requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

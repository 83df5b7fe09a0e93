//! The heap: `linked_list_allocator` over a static arena, wrapped to count what is asked of
//! it, so the program can report the peak heap and the allocations of each decode.
//!
//! The counts are of bytes *requested* (`Layout::size`); the free list adds its own overhead
//! on top (each block is rounded up to 16 bytes here), which is the allocator's, not
//! runs-core's.
#![allow(unsafe_code)] // A `GlobalAlloc` is an unsafe trait, and the arena a `static mut`.

use core::alloc::{GlobalAlloc, Layout};
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use linked_list_allocator::LockedHeap;

/// The arena's size: room for a page of 100 runs (about 60 KiB of JSON) several times over.
const ARENA_BYTES: usize = 1024 * 1024;

/// The arena. In `.bss`: it costs RAM, not flash.
static mut ARENA: [MaybeUninit<u8>; ARENA_BYTES] = [MaybeUninit::uninit(); ARENA_BYTES];

#[global_allocator]
static HEAP: Counting = Counting {
    heap: LockedHeap::empty(),
    now: AtomicUsize::new(0),
    peak: AtomicUsize::new(0),
    allocations: AtomicUsize::new(0),
};

/// Hands the arena to the allocator. Called once, first thing in `main`.
pub fn init() {
    // SAFETY: called once, before any allocation, on one thread; the arena is valid for
    // `ARENA_BYTES` bytes for the whole program, and nothing but the allocator ever touches it.
    unsafe { HEAP.heap.lock().init((&raw mut ARENA).cast::<u8>(), ARENA_BYTES) };
}

/// The allocator, counting.
struct Counting {
    heap: LockedHeap,
    /// Bytes held now.
    now: AtomicUsize,
    /// The most bytes held at once since the last `measure` began.
    peak: AtomicUsize,
    /// Allocations (and reallocations) since start.
    allocations: AtomicUsize,
}

impl Counting {
    fn grew(&self, bytes: usize) {
        let now = self.now.fetch_add(bytes, Relaxed) + bytes;
        self.peak.fetch_max(now, Relaxed);
        self.allocations.fetch_add(1, Relaxed);
    }
}

// SAFETY: every call is forwarded to `LockedHeap`, which upholds `GlobalAlloc`'s contract;
// the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on unchanged.
        let ptr = unsafe { self.heap.alloc(layout) };
        if !ptr.is_null() {
            self.grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { self.heap.dealloc(ptr, layout) };
        self.now.fetch_sub(layout.size(), Relaxed);
    }
}

/// The heap as counted.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    /// Bytes held now.
    pub now: usize,
    /// The most held at once since the last `measure` began.
    pub peak: usize,
    /// Allocations so far.
    pub allocations: usize,
}

pub fn stats() -> Stats {
    Stats {
        now: HEAP.now.load(Relaxed),
        peak: HEAP.peak.load(Relaxed),
        allocations: HEAP.allocations.load(Relaxed),
    }
}

/// What one call to `f` cost: the most bytes it held at once beyond what was held before it
/// (its output included, still held when it returns), and how many allocations it made.
#[cfg_attr(not(feature = "runs"), allow(dead_code))]
pub struct Cost {
    pub peak: usize,
    pub allocations: usize,
}

/// Runs `f`, measuring it. Single-threaded: nothing else allocates meanwhile.
#[cfg_attr(not(feature = "runs"), allow(dead_code))]
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Cost) {
    let before = stats();
    HEAP.peak.store(before.now, Relaxed);
    let output = f();
    let after = stats();
    let cost = Cost {
        peak: after.peak - before.now,
        allocations: after.allocations - before.allocations,
    };
    (output, cost)
}

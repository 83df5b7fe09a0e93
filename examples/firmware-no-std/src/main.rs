//! runs-core in a program with no `std` at all, as firmware links it: `#![no_std]`,
//! `#![no_main]`, `panic = "abort"`, a small allocator over a static arena, its own entry point.
//!
//! ```text
//! cd examples/firmware-no-std && cargo run --release      # prints what it measured, exits 0
//! .ci/firmware-size                                       # the size table of docs/performance.md
//! ```
//!
//! No embedded target can be installed on the machine that builds this (its toolchain comes
//! from rustup with the host target only), so the host stands in for the device: the program
//! is linked against the host's C library for the two things a board support crate would
//! otherwise give, the startup code that calls `main` and a way to print (`write`). Nothing of
//! Rust's `std` is linked; the build would fail if anything asked for it.
//!
//! What it does: decodes one run and a page of 100 runs from bytes, counting the heap while
//! each decode runs; with the `start` feature (on by default) builds a `Config` and a start
//! request; with `machines` (default) also drives a get through the retry machine over a
//! scripted `200` and builds the next page's request. It prints one `key=value` line per
//! measure for `.ci/firmware-size` to collect, and exits 0 when every check held.
#![no_std]
#![no_main]
// Unsafe is needed in three places only, each allowed where it is and said why: the entry
// point the C runtime calls, the allocator (a `GlobalAlloc` and its arena), and the calls into
// the C library.
#![deny(unsafe_code)]

extern crate alloc;

mod heap;
mod out;
mod sys;

#[cfg(feature = "runs")]
mod exercise;
mod fixture;

use core::ffi::{c_char, c_int};

use out::Out;

/// The entry point: the host's C runtime (`crt1.o`'s `_start`) calls `main`, as a board's
/// reset handler would call firmware's. Returning from it returns its value to `exit`.
#[allow(unsafe_code)] // `no_mangle`: the C runtime finds `main` by this exact symbol name.
#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    heap::init();
    match run() {
        Ok(()) => 0,
        Err(why) => {
            let _ = core::fmt::Write::write_fmt(&mut Out, format_args!("error: {why}\n"));
            1
        }
    }
}

/// Everything the program does, an error naming the check that failed.
fn run() -> Result<(), alloc::string::String> {
    let run = fixture::run_json(1);
    let page = fixture::page_json(100);
    out!("run_bytes={}", run.len());
    out!("page_bytes={}", page.len());
    #[cfg(feature = "runs")]
    exercise::all(run.as_bytes(), page.as_bytes())?;
    out!("runs_core={}", cfg!(feature = "runs"));
    out!("start={}", cfg!(feature = "start"));
    out!("machines={}", cfg!(feature = "machines"));
    out!("tracing={}", cfg!(feature = "tracing"));
    out!("heap_after={}", heap::stats().now);
    Ok(())
}

// The unwinder's two entry points, which nothing here calls. The host's prebuilt `core` and
// `alloc` were compiled for `panic = "unwind"` and name them in their landing pads and unwind
// tables, so the link needs the symbols even though this program aborts on panic and never
// unwinds. An embedded target's prebuilt `core` and `alloc` are compiled for `abort` and need
// neither: these two are the host stand-in's, not firmware's.

/// The personality routine unwind tables name.
#[allow(unsafe_code)] // `no_mangle`: the linker looks for this exact symbol name.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}

/// Where a landing pad would resume unwinding; with nothing ever unwinding, unreachable.
#[allow(unsafe_code)] // `no_mangle`: the linker looks for this exact symbol name.
#[unsafe(no_mangle)]
extern "C" fn _Unwind_Resume() -> ! {
    sys::abort()
}

/// What a panic does with no `std`: there is nobody to unwind to, so stop the process. Nothing
/// in this program panics on a path it takes (every failure is an `Err` that `main` prints).
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    sys::abort()
}

//! The C library's three functions this program calls: where firmware has a UART and a reset,
//! the host stand-in has `write` on stdout and `abort`.
#![allow(unsafe_code)] // Declaring and calling foreign functions is unsafe by definition.

use core::ffi::{c_int, c_void};

// `#[link]`: rustc links no C library into a `no_std` program by itself (it passes
// `-nodefaultlibs`), so name it. The startup code (`crt1.o`) comes with it from the C compiler
// driver that links.
mod libc {
    use super::{c_int, c_void};

    #[link(name = "c")]
    unsafe extern "C" {
        pub fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
        pub fn abort() -> !;
    }
}

/// Writes all of `bytes` to standard output; gives up on the first error (there is nowhere to
/// report it).
pub fn write_stdout(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length are those of a live slice, which `write` only reads.
        let n = unsafe { libc::write(1, bytes.as_ptr().cast(), bytes.len()) };
        match usize::try_from(n) {
            Ok(n) if n > 0 => bytes = &bytes[n.min(bytes.len())..],
            _ => return,
        }
    }
}

/// Ends the process at once (the panic handler's way out).
pub fn abort() -> ! {
    // SAFETY: `abort` takes nothing and never returns; no state of ours needs cleaning up.
    unsafe { libc::abort() }
}

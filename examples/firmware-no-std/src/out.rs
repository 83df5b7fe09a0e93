//! Printing with no `std`: `core::fmt` into standard output, one `write` per piece.

use crate::sys;

/// Standard output, as a `core::fmt::Write`.
pub struct Out;

impl core::fmt::Write for Out {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        sys::write_stdout(s.as_bytes());
        Ok(())
    }
}

/// `println!` for this program: one line to standard output.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::out::Out, format_args!($($arg)*));
        $crate::sys::write_stdout(b"\n");
    }};
}

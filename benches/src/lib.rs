//! Benchmarks of the Runs SDK, and the fixtures they share.
//!
//! - `cargo bench -p runs-benches`: criterion micro-benchmarks of runs-core (decoding against
//!   the plain-serde floor, encoding, the machines' own overhead).
//! - `cargo run --release -p runs-benches --bin compare`: the SDK's transports side by side
//!   with the raw libraries and with what users write by hand, against a fixed-bytes server in
//!   a child process; prints a table of medians and ratios. See `docs/performance.md`.

pub mod fixed_server;
pub mod fixture;
pub mod measure;
pub mod plain;

// The README's examples are compiled with the tests, so the front page cannot drift from the API.
// This package is the one that depends on every crate the README uses.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

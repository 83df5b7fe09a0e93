//! The `runs` binary, run as a process against an emulator started in the test.
//!
//! Every command, option and exit code of issue 6 is exercised here. Outcomes are checked
//! through exit codes, output and the emulator's request counters; nothing sleeps to
//! synchronise or asserts on timing. Snapshots go through [`harness::normalise`], which
//! replaces run ids, timestamps, ports and measured durations with fixed text.

mod harness;

mod batch;

mod commands;
mod completions;
#[cfg(unix)]
mod emulator;
mod faults;
mod files;
mod filters;
mod help;
mod options;
mod profiles;
mod quickstart;
mod records;
mod verbose;
mod watch;

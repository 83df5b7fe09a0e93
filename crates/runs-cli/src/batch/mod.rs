//! `runs batch`'s files: the rows it reads ([`input`]) and the results it writes ([`results`]).

pub mod input;
pub mod results;

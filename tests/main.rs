//! DevTrace's integration tests: one binary, real shells, real stores.

mod support;

mod cli;
mod faults;
mod recovery;
mod scripts;
mod shells;

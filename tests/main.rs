//! DevTrace's integration tests: one binary, real shells, real stores.

mod support;

mod agents;
mod attribution;
mod bash_preexec;
mod cli;
mod counts;
mod debris;
mod doctor;
mod export;
mod faults;
mod forget;
mod privacy;
mod provenance;
mod recovery;
mod redaction;
mod registered;
mod retention;
mod review;
mod runtime_dir;
mod scripts;
mod shells;
mod startup;
mod structure;
mod truth;

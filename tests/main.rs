//! DevTrace's integration tests: one binary, real shells, real stores.

mod support;

mod agent_import;
mod agent_install;
mod agent_overlap;
mod agent_sessions;
mod agents;
mod attribution;
mod bash_preexec;
mod cli;
mod counts;
mod debris;
mod doctor;
mod exiting;
mod export;
mod faults;
mod forget;
mod mcp;
mod once;
mod privacy;
mod processes;
mod provenance;
mod recovery;
mod redaction;
mod registered;
mod rejected;
mod retention;
mod review;
mod runtime_dir;
mod scripts;
mod shells;
mod startup;
mod structure;
mod times;
mod truth;
mod ui;

//! What every request of the server shares.

use super::access::Access;
use std::path::PathBuf;

pub struct App {
    /// The stores served (`?store=N` picks one), each a `.devtrace` directory.
    pub stores: Vec<PathBuf>,
    pub access: Access,
    /// The highlighting's stylesheet, made once.
    pub highlight_css: String,
}

//! Keeps every shell's FIFO drained while ingest is busy with something
//! slow (the first scan of a large tree). A FIFO's bytes live only as long
//! as someone holds it open: a shell that exits before ingest has opened its
//! FIFO would take them along. The trackers pass the pump down their scans,
//! which call it from inside long work; it runs at most every few
//! milliseconds, and only moves bytes into the journals; the next pass
//! reads them from there.

use super::reader::{drain, open_fifo};
use crate::runtime::{self, Channel};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

pub struct Pump {
    dir: PathBuf,
    fifos: HashMap<String, File>,
    last: Instant,
    /// Sessions whose journal got bytes: the next pass reads them.
    pub pumped: Rc<RefCell<BTreeSet<String>>>,
}

impl Pump {
    pub fn new(dir: PathBuf) -> Pump {
        Pump {
            dir,
            fifos: HashMap::new(),
            last: Instant::now(),
            pumped: Rc::default(),
        }
    }

    pub fn run(&mut self) {
        if self.last.elapsed() < Duration::from_millis(5) {
            return;
        }
        self.last = Instant::now();
        let live = runtime::session_ids(&self.dir);
        self.fifos.retain(|id, _| live.contains(id));
        for id in live {
            let chan = Channel::new(&self.dir, &id);
            if !self.fifos.contains_key(&id) {
                if runtime::check_private(&chan.meta(), false).is_err() {
                    continue;
                }
                if let Some(f) = open_fifo(&chan.fifo()) {
                    self.fifos.insert(id.clone(), f);
                }
            }
            if let Some(f) = self.fifos.get_mut(&id) {
                if drain(f, &chan.journal()).is_ok_and(|(n, _)| n > 0) {
                    self.pumped.borrow_mut().insert(id);
                }
            }
        }
    }
}

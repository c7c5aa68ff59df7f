//! `devtrace note`: the "why" beside the "what", in this shell's session.

use crate::cli::NoteArgs;
use crate::event::{Data, Note};
use anyhow::Result;

pub fn run(a: NoteArgs) -> Result<i32> {
    let text = a.text.join(" ");
    if text.trim().is_empty() {
        return Err(crate::usage(
            "the note is empty",
            "write it as: devtrace note \"why I did this\"",
        ));
    }
    let cwd = crate::resolve::cwd()?;
    let store = crate::store::dir_for(std::path::Path::new(&cwd));
    let note = Note {
        text,
        extra: Default::default(),
    };
    let ev = crate::channel::send(&store, Data::Note(note), &cwd)?;
    if a.json {
        println!("{}", ev.to_line());
    }
    Ok(0)
}

//! A shell's channel files as ingest reads them: the FIFO (opened so that
//! ingest never blocks and never sees end-of-file, drained into the
//! journal), the journal and spool read in bounded bites, and the pidfd that
//! tells when the shell exits.

use crate::wire::{Decoder, Item};
use anyhow::{Context, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::PathBuf;

/// How much of a channel file one pass reads at most.
const CHUNK: u64 = 64 * 1024;

/// Reads what was added to a channel file since `off` (a bounded bite;
/// `more` is set when more waits), decoded; `ino`, where given, tells a
/// file created again under the same name.
pub fn read_new(
    path: &PathBuf,
    off: &mut u64,
    ino: Option<&mut Option<u64>>,
    dec: &mut Decoder,
    more: &mut bool,
) -> Result<Vec<Item>> {
    let mut f = match OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("could not open {}", path.display())),
    };
    let meta = f.metadata()?;
    if !meta.file_type().is_file() {
        anyhow::bail!("{} is not a regular file", path.display());
    }
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != nix::unistd::getuid().as_raw() {
            anyhow::bail!(
                "{} is owned by someone else; not reading it",
                path.display()
            );
        }
    }
    let len = meta.len();
    if let Some(ino) = ino {
        use std::os::unix::fs::MetadataExt;
        if ino.is_some_and(|i| i != meta.ino()) {
            // Deleted and created again: a new file, read from its start.
            *off = 0;
            *dec = Decoder::new();
        }
        *ino = Some(meta.ino());
    }
    let consumed = *off;
    if len < consumed {
        // The file was replaced (deleted and created again): start over.
        *off = 0;
        *dec = Decoder::new();
    }
    let start = *off + dec.pending() as u64;
    if len <= start {
        return Ok(Vec::new());
    }
    // A bounded bite: a long backlog is read over several passes, so
    // that ingest stays small.
    let want = (len - start).min(CHUNK);
    *more |= want < len - start;
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity(want as usize);
    f.take(want).read_to_end(&mut buf)?;
    dec.push(&buf);
    let mut items = Vec::new();
    while let Some(item) = dec.next_item() {
        items.push(item);
    }
    *off = start + buf.len() as u64 - dec.pending() as u64;
    dec.release();
    Ok(items)
}

/// Copies what a FIFO holds (a few pipefuls at most: a writer that never
/// stops must not keep ingest here) to the end of the journal. Returns the
/// bytes copied and whether more may be waiting.
pub fn drain(fifo: &mut File, journal: &std::path::Path) -> Result<(usize, bool)> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut out: Option<File> = None;
    let mut total = 0;
    while total < 4 * buf.len() {
        let n = match fifo.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("could not read the FIFO"),
        };
        if out.is_none() {
            out = Some(
                OpenOptions::new()
                    .append(true)
                    .create(true)
                    .mode(0o600)
                    .custom_flags(nix::libc::O_NOFOLLOW)
                    .open(journal)
                    .context("could not open the journal")?,
            );
        }
        if let Some(j) = out.as_mut() {
            j.write_all(&buf[..n])
                .context("could not write the journal")?;
        }
        total += n;
    }
    Ok((total, total >= 4 * buf.len()))
}

/// Opens a FIFO read-write and non-blocking, so that ingest never sees
/// end-of-file and never blocks; refuses anything that is not a FIFO.
pub fn open_fifo(path: &std::path::Path) -> Option<File> {
    open_fifo_flags(path, nix::libc::O_NOFOLLOW)
}

fn open_fifo_flags(path: &std::path::Path, flags: i32) -> Option<File> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_CLOEXEC | flags)
        .open(path)
        .ok()?;
    let ft = f.metadata().ok()?.file_type();
    ft.is_fifo().then_some(f)
}

/// A FIFO deleted while the shell still holds it (and records may wait in
/// it unread: the ingest that had it open died first): opened again through
/// the shell's own descriptor, /proc/PID/fd/N, which still reaches it.
pub fn deleted_fifo(pid: i32, path: &std::path::Path) -> Option<File> {
    let gone = format!("{} (deleted)", path.display());
    for entry in fs::read_dir(format!("/proc/{pid}/fd")).ok()?.flatten() {
        let Ok(target) = fs::read_link(entry.path()) else {
            continue;
        };
        if target.as_os_str() != gone.as_str() {
            continue;
        }
        // A magic link of /proc: followed on purpose (O_NOFOLLOW would refuse it).
        return open_fifo_flags(&entry.path(), 0);
    }
    None
}

/// A descriptor that becomes readable when the process exits.
pub fn pidfd_open(pid: i32) -> Option<OwnedFd> {
    let pid = rustix::process::Pid::from_raw(pid)?;
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
}

//! Wipes a channel file's bytes once ingest no longer needs them: what is
//! stored, with the progress past it saved, is zeroed in place, so that no
//! raw command text stays in the runtime directory while the shell lives.
//!
//! The file keeps its size and every offset stays valid. The bytes are
//! freed with a hole (`fallocate(PUNCH_HOLE)`: tmpfs, ext4, xfs, btrfs), or
//! overwritten with zeros where the file system makes no holes. Either way
//! only a range below the file's end is touched: a shell appending with
//! O_APPEND writes at the end, which this never moves, so no byte it writes,
//! before, during or after, is hit.

use anyhow::{bail, Context, Result};
use nix::fcntl::{fallocate, FallocateFlags};
use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// How a range was wiped.
#[derive(Debug, PartialEq, Eq)]
pub enum Wiped {
    /// Nothing to do: the file is gone, or is another file now.
    Nothing,
    /// Freed as a hole.
    Punched,
    /// Overwritten with zeros (the file system makes no holes).
    Zeroed,
}

/// Zeroes bytes `from..to` of the channel file at `path`, if it is still the
/// file `ino` (when given) and holds them all.
pub fn wipe(path: &Path, from: u64, to: u64, ino: Option<u64>) -> Result<Wiped> {
    if to <= from {
        return Ok(Wiped::Nothing);
    }
    let f = match OpenOptions::new()
        .write(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Wiped::Nothing),
        Err(e) => return Err(e).with_context(|| format!("could not open {}", path.display())),
    };
    let meta = f.metadata()?;
    if !meta.file_type().is_file() || meta.uid() != nix::unistd::getuid().as_raw() {
        bail!("{} is not our own regular file", path.display());
    }
    if ino.is_some_and(|i| i != meta.ino()) || meta.len() < to {
        // Created again since it was read: its bytes are not the ones stored.
        return Ok(Wiped::Nothing);
    }
    let flags = FallocateFlags::FALLOC_FL_PUNCH_HOLE | FallocateFlags::FALLOC_FL_KEEP_SIZE;
    match fallocate(f.as_raw_fd(), flags, from as i64, (to - from) as i64) {
        Ok(()) => Ok(Wiped::Punched),
        Err(nix::errno::Errno::EOPNOTSUPP | nix::errno::Errno::ENOSYS) => {
            zero(&f, from, to).with_context(|| format!("could not wipe {}", path.display()))?;
            Ok(Wiped::Zeroed)
        }
        Err(e) => Err(e).with_context(|| format!("could not wipe {}", path.display())),
    }
}

/// Overwrites `from..to` with zeros, at those offsets (never at the end).
fn zero(f: &std::fs::File, from: u64, to: u64) -> std::io::Result<()> {
    let buf = vec![0u8; (to - from).min(64 * 1024) as usize];
    let mut at = from;
    while at < to {
        let n = (to - at).min(buf.len() as u64) as usize;
        f.write_all_at(&buf[..n], at)?;
        at += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.spool");
        std::fs::write(&p, bytes).unwrap();
        (dir, p)
    }

    #[test]
    fn wipes_the_range_and_keeps_the_size_and_the_rest() {
        let (_d, p) = file(b"secret-one|secret-two|unread");
        let got = wipe(&p, 0, 22, None).unwrap();
        assert_ne!(got, Wiped::Nothing);
        let mut want = vec![0u8; 22];
        want.extend_from_slice(b"unread");
        assert_eq!(std::fs::read(&p).unwrap(), want);
        // An appending writer still writes at the end.
        let mut a = OpenOptions::new().append(true).open(&p).unwrap();
        a.write_all(b"+next").unwrap();
        assert!(std::fs::read(&p).unwrap().ends_with(b"unread+next"));
    }

    #[test]
    fn zeroing_touches_only_the_range() {
        let (_d, p) = file(b"abcdefgh");
        let f = OpenOptions::new().write(true).open(&p).unwrap();
        zero(&f, 2, 5).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"ab\0\0\0fgh");
    }

    #[test]
    fn another_file_or_a_shorter_one_is_left_alone() {
        let (_d, p) = file(b"abcdefgh");
        let ino = std::fs::metadata(&p).unwrap().ino();
        assert_eq!(wipe(&p, 0, 4, Some(ino + 1)).unwrap(), Wiped::Nothing);
        assert_eq!(wipe(&p, 0, 9, Some(ino)).unwrap(), Wiped::Nothing);
        assert_eq!(
            wipe(&p.with_extension("gone"), 0, 4, None).unwrap(),
            Wiped::Nothing
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"abcdefgh");
    }
}

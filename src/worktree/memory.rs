//! Giving memory back: a tracker's large, short-lived tables (a walk's
//! files, a save's tree) must not leave ingest at their size for good.

/// Hands the heap a full walk freed back to the system: glibc keeps it
/// otherwise, and ingest would stay at the walk's peak size for good.
pub(super) fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it takes no pointer.
    unsafe {
        nix::libc::malloc_trim(0);
    }
}

/// Large blocks (a walk's list of files, the state's table) each get their
/// own mapping, returned whole when freed: glibc otherwise raises that
/// threshold after the first such free, puts the next ones in the heap,
/// and the files kept after a walk pin pages of what it freed.
pub(super) fn map_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only sets an allocator parameter.
        ONCE.call_once(|| unsafe {
            nix::libc::mallopt(nix::libc::M_MMAP_THRESHOLD, 128 << 10);
        });
    }
}

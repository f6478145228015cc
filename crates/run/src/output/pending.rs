//! Paths this process is writing and has not yet moved into place: temporary files and
//! directories, and run directories that hold nothing usable yet. An interruption
//! (Ctrl-C, `kill`) calls [`remove_all`] from the binary's signal handler so that nothing
//! half-written is left behind; a normal exit removes them through their owners' `Drop`.
//!
//! Moving a path into place ([`Pending::settle`]) holds the same lock as [`remove_all`],
//! so an interruption never removes a directory in the middle of its swap.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

static PENDING: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

fn lock() -> MutexGuard<'static, Vec<(u64, PathBuf)>> {
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

/// A registered path: removed by [`remove_all`] until it is settled or dropped.
#[derive(Debug)]
pub struct Pending {
    id: u64,
}

impl Pending {
    /// Register `path` for removal on interruption.
    pub fn register(path: &Path) -> Self {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        lock().push((id, path.to_path_buf()));
        Self { id }
    }

    /// Run `finish` (typically the rename that moves the path into place) where no
    /// interruption can remove it half-way, and forget the path.
    pub fn settle<T>(self, finish: impl FnOnce() -> T) -> T {
        let mut g = lock();
        let out = finish();
        g.retain(|(i, _)| *i != self.id);
        drop(g);
        std::mem::forget(self);
        out
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        lock().retain(|(i, _)| *i != self.id);
    }
}

/// Remove every registered path (files and directories). For the binary's signal handler:
/// the lock is kept until the process exits, so no rename completes after it.
pub fn remove_all() {
    let g = lock();
    for (_, p) in g.iter() {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(p);
        } else {
            let _ = std::fs::remove_file(p);
        }
    }
    std::mem::forget(g);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_paths_are_removed_until_settled() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::write(a.join("x"), "1").unwrap();
        std::fs::write(&b, "2").unwrap();
        let pa = Pending::register(&a);
        let pb = Pending::register(&b);
        pb.settle(|| ());
        // remove_all keeps the lock (the process exits after it): test the removal by hand.
        let listed: Vec<PathBuf> = lock().iter().map(|(_, p)| p.clone()).collect();
        assert!(listed.contains(&a) && !listed.contains(&b));
        drop(pa);
        assert!(!lock().iter().any(|(_, p)| p == &a));
    }
}

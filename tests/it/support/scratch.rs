//! Scratch directories that are removed when the test ends, pass or fail.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh empty directory under the temporary directory, removed on drop
/// (also when the test panics). Derefs to its `Path`.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        // Unique within the run, so two tests picking one name never share a directory.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("scanqr-it-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh empty directory for one test, removed when the test ends.
pub fn scratch(name: &str) -> Scratch {
    Scratch::new(name)
}

#[test]
fn a_scratch_directory_is_removed_when_dropped_even_in_a_panic() {
    let kept = scratch("removed");
    std::fs::write(kept.join("token"), "secret").unwrap();
    let path = kept.to_path_buf();
    drop(kept);
    assert!(!path.exists());
    let path = std::panic::catch_unwind(|| {
        let dir = scratch("panicking");
        std::fs::write(dir.join("token"), "secret").unwrap();
        std::panic::panic_any(dir.to_path_buf())
    })
    .unwrap_err()
    .downcast::<PathBuf>()
    .unwrap();
    assert!(!path.exists(), "{path:?} outlived a panicking test");
}

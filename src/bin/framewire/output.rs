//! All-or-nothing output: each output is written to a temporary file in its
//! destination's directory, and the temporaries are renamed into place only
//! after every one of them was written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::{bad, shown, Failure};

/// An output written to a temporary file, waiting to be renamed into place.
/// Dropping it removes the temporary.
pub(crate) struct Staged {
    temp: NamedTempFile,
    dest: PathBuf,
}

/// The directory an output path lives in (`.` for a bare file name).
fn parent_of(dest: &Path) -> &Path {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to a new temporary file next to `dest`.
pub(crate) fn stage(dest: &Path, bytes: &[u8]) -> Result<Staged, Failure> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".framewire-").suffix(".tmp");
    #[cfg(unix)]
    {
        // The default for new files (0666 less the umask), not tempfile's 0600.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(parent_of(dest))
        .map_err(|e| bad(shown(dest), format_args!("cannot create output: {e}")))?;
    temp.write_all(bytes)
        .and_then(|()| temp.flush())
        .map_err(|e| bad(shown(dest), format_args!("cannot write output: {e}")))?;
    Ok(Staged {
        temp,
        dest: dest.to_path_buf(),
    })
}

/// Renames every staged output into place, in order. If one rename fails,
/// the outputs already renamed by this call are removed again (best effort)
/// and the remaining temporaries are dropped, so no mix of outputs is left.
pub(crate) fn commit(staged: Vec<Staged>) -> Result<(), Failure> {
    let mut done: Vec<PathBuf> = Vec::with_capacity(staged.len());
    for s in staged {
        let Staged { temp, dest } = s;
        if let Err(e) = temp.persist(&dest) {
            for path in done.iter().rev() {
                let _ = fs::remove_file(path);
            }
            return Err(bad(
                shown(&dest),
                format_args!("cannot write output: {}", e.error),
            ));
        }
        done.push(dest);
    }
    Ok(())
}

/// A directory created for the outputs, removed again unless [`OutDir::keep`]
/// is called (so a failed run does not leave an empty directory behind).
pub(crate) struct OutDir {
    /// Directories this run created, outermost first.
    created: Vec<PathBuf>,
}

impl OutDir {
    /// Creates `dir` and any missing parents.
    pub(crate) fn create(dir: &Path) -> Result<OutDir, Failure> {
        let created: Vec<PathBuf> = dir
            .ancestors()
            .filter(|p| !p.as_os_str().is_empty() && !p.exists())
            .map(Path::to_path_buf)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        fs::create_dir_all(dir)
            .map_err(|e| bad(shown(dir), format_args!("cannot create directory: {e}")))?;
        if !dir.is_dir() {
            return Err(bad(shown(dir), "not a directory"));
        }
        Ok(OutDir { created })
    }

    /// Keeps the directories.
    pub(crate) fn keep(mut self) {
        self.created.clear();
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        // Innermost first; `remove_dir` only removes empty directories.
        for dir in self.created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

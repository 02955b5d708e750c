//! All-or-nothing output: each output is written to a temporary file in its
//! destination's directory, and the temporaries are renamed into place only
//! after every one of them was written.
//!
//! [`commit`] checks every destination before the first rename (a directory
//! in the way is an error before anything is touched) and keeps a hard link
//! to each file it replaces (or, where the file system has no hard links,
//! moves the file aside), so that if a rename still fails midway the files
//! already replaced get their old contents back. No temporary file outlives
//! the run.

use std::fmt::Display;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::TempPath;

use crate::{bad, shown, Failure};

/// An output written to a temporary file, waiting to be renamed into place.
/// Dropping it removes the temporary.
pub(crate) struct Staged {
    temp: TempPath,
    dest: PathBuf,
}

/// The directory an output path lives in (`.` for a bare file name).
fn parent_of(dest: &Path) -> &Path {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The directory of `dest`, which must exist.
fn existing_parent(dest: &Path) -> Result<&Path, Failure> {
    let dir = parent_of(dest);
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(dir),
        Ok(_) => Err(bad(
            shown(dest),
            format_args!("{} is not a directory", shown(dir)),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(bad(
            shown(dest),
            format_args!("directory {} does not exist", shown(dir)),
        )),
        Err(e) => Err(bad(
            shown(dest),
            format_args!("cannot use directory {}: {e}", shown(dir)),
        )),
    }
}

/// Creates a new, empty file at `path` with the default permissions for new
/// files (0666 less the umask, not tempfile's 0600).
fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o666);
    }
    options.open(path)
}

/// Runs `make` on a fresh temporary name in `dir` (`.framewire-*.tmp`) and
/// returns that path, removed again when dropped. Errors are the ones `make`
/// returns, which (unlike tempfile's) do not name the temporary.
fn temp_in<R>(dir: &Path, make: impl FnMut(&Path) -> io::Result<R>) -> io::Result<(R, TempPath)> {
    let temp = tempfile::Builder::new()
        .prefix(".framewire-")
        .suffix(".tmp")
        .make_in(dir, make)?;
    Ok(temp.into_parts())
}

/// Writes `bytes` to a new temporary file next to `dest`.
pub(crate) fn stage(dest: &Path, bytes: &[u8]) -> Result<Staged, Failure> {
    let dir = existing_parent(dest)?;
    let (mut file, temp) = temp_in(dir, create_new).map_err(|e| {
        bad(
            shown(dest),
            format_args!("cannot create a file in {}: {e}", shown(dir)),
        )
    })?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| bad(shown(dest), format_args!("cannot write output: {e}")))?;
    drop(file);
    Ok(Staged {
        temp,
        dest: dest.to_path_buf(),
    })
}

/// How the old file at a destination is kept until the commit is done.
enum Backup {
    /// Nothing was there.
    None,
    /// A second name (hard link) for the old file; the destination still
    /// holds it until the rename.
    Linked(TempPath),
    /// The old file itself, moved aside; the destination is empty.
    MovedAside(TempPath),
}

/// File-system operations `commit` uses, replaceable in tests.
struct Ops<'a> {
    rename: &'a mut dyn FnMut(&Path, &Path) -> io::Result<()>,
    hard_link: &'a mut dyn FnMut(&Path, &Path) -> io::Result<()>,
}

/// Checks that `dest` can be replaced by a rename: absent, or anything but
/// a directory.
fn check_dest(dest: &Path) -> Result<bool, Failure> {
    match fs::symlink_metadata(dest) {
        Ok(m) if m.is_dir() => Err(bad(
            shown(dest),
            "is a directory; not replacing it with a file",
        )),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(bad(shown(dest), format_args!("cannot replace: {e}"))),
    }
}

/// Keeps the old file at `dest` under a temporary name.
fn back_up(dest: &Path, ops: &mut Ops<'_>) -> Result<Backup, Failure> {
    let dir = parent_of(dest);
    let fail = |e: &dyn Display| bad(shown(dest), format_args!("cannot replace: {e}"));
    match temp_in(dir, |p| (ops.hard_link)(dest, p)) {
        Ok(((), link)) => Ok(Backup::Linked(link)),
        Err(_) => {
            // No hard links here: move the old file onto a placeholder.
            let (file, aside) = temp_in(dir, create_new).map_err(|e| fail(&e))?;
            drop(file);
            (ops.rename)(dest, &aside).map_err(|e| fail(&e))?;
            Ok(Backup::MovedAside(aside))
        }
    }
}

/// Puts the old file back at `dest` (removing the new one if there was no
/// old one). On failure the backup is kept and its name returned.
fn restore(dest: &Path, backup: Backup) -> Result<(), PathBuf> {
    match backup {
        Backup::None => {
            let _ = fs::remove_file(dest);
            Ok(())
        }
        Backup::Linked(old) | Backup::MovedAside(old) => match fs::rename(&old, dest) {
            Ok(()) => {
                let _ = old.keep();
                Ok(())
            }
            Err(_) => {
                let kept = old.to_path_buf();
                let _ = old.keep();
                Err(kept)
            }
        },
    }
}

/// Puts back files moved aside that were not replaced yet.
fn restore_moved(pending: Vec<(Staged, Backup)>) -> Vec<PathBuf> {
    let mut lost = Vec::new();
    for (staged, backup) in pending {
        if let Backup::MovedAside(_) = backup {
            if let Err(kept) = restore(&staged.dest, backup) {
                lost.push(kept);
            }
        }
    }
    lost
}

/// A failure after which some old contents could not be put back.
fn with_lost(failure: Failure, lost: &[PathBuf]) -> Failure {
    match (failure, lost) {
        (f, []) => f,
        (Failure::Bad(msg), lost) => {
            let names: Vec<String> = lost.iter().map(|p| shown(p).to_string()).collect();
            Failure::Bad(format!(
                "{msg}; could not put back every replaced file, the old contents are in {}",
                names.join(", ")
            ))
        }
        (f, _) => f,
    }
}

/// Renames every staged output into place, all or nothing: see the module
/// documentation.
pub(crate) fn commit(staged: Vec<Staged>) -> Result<(), Failure> {
    commit_with(
        staged,
        Ops {
            rename: &mut |from, to| fs::rename(from, to),
            hard_link: &mut |from, to| fs::hard_link(from, to),
        },
    )
}

fn commit_with(staged: Vec<Staged>, mut ops: Ops<'_>) -> Result<(), Failure> {
    // 1. Nothing is touched until every destination is known to be
    //    replaceable.
    let exists = staged
        .iter()
        .map(|s| check_dest(&s.dest))
        .collect::<Result<Vec<bool>, _>>()?;

    // 2. Keep the old files.
    let mut pending: Vec<(Staged, Backup)> = Vec::with_capacity(staged.len());
    for (s, exists) in staged.into_iter().zip(exists) {
        let backup = if exists {
            match back_up(&s.dest, &mut ops) {
                Ok(b) => b,
                Err(f) => {
                    let lost = restore_moved(pending);
                    return Err(with_lost(f, &lost));
                }
            }
        } else {
            Backup::None
        };
        pending.push((s, backup));
    }

    // 3. Rename; on a failure, undo the renames done so far.
    let mut done: Vec<(PathBuf, Backup)> = Vec::with_capacity(pending.len());
    let mut rest = pending.into_iter();
    while let Some((Staged { temp, dest }, backup)) = rest.next() {
        if let Err(e) = (ops.rename)(&temp, &dest) {
            let failure = bad(shown(&dest), format_args!("cannot write output: {e}"));
            // This destination first (its old file may be moved aside).
            let mut lost: Vec<PathBuf> = match backup {
                Backup::MovedAside(_) => restore(&dest, backup).err().into_iter().collect(),
                _ => Vec::new(),
            };
            lost.extend(restore_moved(rest.collect()));
            for (dest, backup) in done.into_iter().rev() {
                if let Err(kept) = restore(&dest, backup) {
                    lost.push(kept);
                }
            }
            return Err(with_lost(failure, &lost));
        }
        // Renamed: the temporary name is gone.
        let _ = temp.keep();
        done.push((dest, backup));
    }
    // 4. Success: the backups are dropped, and so removed.
    Ok(())
}

/// Prints the one line a command reports on success.
pub(crate) fn report(line: impl Display) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| bad("stdout", e))
}

/// Paths for a report: `a, b, c`.
pub(crate) fn path_list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| shown(p).to_string())
        .collect::<Vec<_>>()
        .join(", ")
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
        if fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
            return Err(bad(shown(dir), "exists and is not a directory"));
        }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// `old.bin` and `also.bin` exist; three outputs (`old.bin`, `new.bin`,
    /// `also.bin`) are staged and the `fail_at`-th rename (counting from 1,
    /// backups by move-aside included) fails.
    fn failing_commit(links: bool, fail_at: usize) -> (tempfile::TempDir, Result<(), Failure>) {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        fs::write(p("old.bin"), b"old contents").unwrap();
        fs::write(p("also.bin"), b"also old").unwrap();
        let staged = ["old.bin", "new.bin", "also.bin"]
            .iter()
            .map(|n| stage(&p(n), b"new contents"))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let calls = Cell::new(0usize);
        let result = commit_with(
            staged,
            Ops {
                rename: &mut |from, to| {
                    calls.set(calls.get() + 1);
                    if calls.get() == fail_at {
                        Err(io::Error::other("injected"))
                    } else {
                        fs::rename(from, to)
                    }
                },
                hard_link: &mut |from, to| {
                    if links {
                        fs::hard_link(from, to)
                    } else {
                        Err(io::Error::other("no hard links here"))
                    }
                },
            },
        );
        (dir, result)
    }

    fn assert_untouched(dir: &Path) {
        assert_eq!(listing(dir), ["also.bin", "old.bin"]);
        assert_eq!(
            fs::read(dir.join("old.bin")).ok().as_deref(),
            Some(&b"old contents"[..])
        );
        assert_eq!(
            fs::read(dir.join("also.bin")).ok().as_deref(),
            Some(&b"also old"[..])
        );
    }

    #[test]
    fn a_rename_failing_midway_restores_every_old_file() {
        // With hard links: renames 1 (old.bin) and 2 (new.bin) succeed, the
        // third fails.
        for fail_at in 1..=3 {
            let (dir, result) = failing_commit(true, fail_at);
            assert!(matches!(result, Err(Failure::Bad(ref m)) if m.contains("injected")));
            assert_untouched(dir.path());
        }
        // Moving aside: renames 1 and 2 move old.bin and also.bin aside,
        // 3..=5 put the outputs in place.
        for fail_at in 1..=5 {
            let (dir, result) = failing_commit(false, fail_at);
            assert!(matches!(result, Err(Failure::Bad(ref m)) if m.contains("injected")));
            assert_untouched(dir.path());
        }
    }

    #[test]
    fn a_successful_commit_leaves_only_the_outputs() {
        for links in [true, false] {
            let (dir, result) = failing_commit(links, usize::MAX);
            assert!(result.is_ok());
            assert_eq!(listing(dir.path()), ["also.bin", "new.bin", "old.bin"]);
            for n in ["also.bin", "new.bin", "old.bin"] {
                assert_eq!(
                    fs::read(dir.path().join(n)).ok().as_deref(),
                    Some(&b"new contents"[..])
                );
            }
        }
    }
}

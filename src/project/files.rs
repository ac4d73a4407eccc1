//! Where project files come from: the user's project directory and the built-in
//! journey package embedded in the binary. Everything after this module works
//! on the in-memory list and does no I/O.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::error::Error;

/// The built-in package: this repository's `models/`, embedded at build time.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/models");

/// Name of the built-in package in node ids and `ref('jmap', 'x')`.
pub const BUILTIN_PACKAGE: &str = "jmap";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Package {
    Builtin,
    Project,
}

#[derive(Debug, Clone)]
pub struct ProjectFile {
    pub package: Package,
    /// Path relative to the package root, e.g. `models/staging/stg_web.sql`.
    pub path: PathBuf,
    pub text: String,
}

impl ProjectFile {
    /// How the file is named in messages: project files relative to the
    /// project, built-in files prefixed with the package name.
    pub fn display_path(&self) -> PathBuf {
        display_path(self.package, &self.path)
    }
}

pub fn display_path(package: Package, path: &Path) -> PathBuf {
    match package {
        Package::Project => path.to_path_buf(),
        Package::Builtin => Path::new(BUILTIN_PACKAGE).join(path),
    }
}

/// Read `models/` and `macros/` of the project and, when asked, the built-in package.
pub fn read_all(project_dir: &Path, include_builtin: bool) -> Result<Vec<ProjectFile>, Error> {
    let mut files = Vec::new();
    if include_builtin {
        collect_embedded(&BUILTIN, &mut files);
    }
    for dir in ["models", "macros", "tests"] {
        let root = project_dir.join(dir);
        if !root.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                Error::io(
                    &root,
                    "list",
                    e.into_io_error()
                        .unwrap_or_else(|| std::io::Error::other("walk error")),
                )
            })?;
            if !entry.file_type().is_file() || !is_project_file(entry.path()) {
                continue;
            }
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| Error::io(entry.path(), "read", e))?;
            let path = entry
                .path()
                .strip_prefix(project_dir)
                .unwrap_or(entry.path())
                .to_path_buf();
            files.push(ProjectFile {
                package: Package::Project,
                path,
                text,
            });
        }
    }
    Ok(files)
}

fn is_project_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("sql" | "yml" | "yaml" | "csv")
    )
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<ProjectFile>) {
    for file in dir.files() {
        if !is_project_file(file.path()) {
            continue;
        }
        if let Some(text) = file.contents_utf8() {
            out.push(ProjectFile {
                package: Package::Builtin,
                path: Path::new("models").join(file.path()),
                text: text.to_owned(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

/// The built-in package's files, for `jmap init` and tests.
pub fn builtin_files() -> Vec<ProjectFile> {
    let mut files = Vec::new();
    collect_embedded(&BUILTIN, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

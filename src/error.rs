//! One error type for the whole pipeline.
//!
//! Every error carries a stable code (so CI logs and docs can refer to it), a
//! message, optionally the place in a user file it concerns, and a hint saying how
//! to fix it. The code decides the process exit code: configuration and usage
//! problems exit 2, a failed model or test exits 1.

use std::fmt;
use std::path::{Path, PathBuf};

/// Stable error codes. The numeric part never changes meaning once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// journey.yaml or a properties file is not valid YAML.
    YamlSyntax,
    /// A key the schema does not know.
    UnknownKey,
    /// A required key is absent.
    MissingKey,
    /// A value of the wrong type or out of range.
    InvalidValue,
    /// `${VAR}` names an environment variable that is not set.
    EnvVar,
    /// A command-line flag or argument is wrong.
    Usage,
    /// Reading or writing a file failed.
    Io,
    /// A template failed to parse or render.
    Template,
    /// `ref()` names no model.
    UnknownRef,
    /// `source()` names no declared source.
    UnknownSource,
    /// The model graph has a cycle.
    Cycle,
    /// A `--select` / `--exclude` expression is malformed.
    Selector,
    /// The warehouse cannot be opened or reached.
    Connection,
    /// A declared source table or column does not exist.
    SourceMissing,
    /// Another run holds the lock on this target.
    Locked,
    /// A model failed in the warehouse.
    ModelFailed,
    /// A data test failed.
    TestFailed,
    /// A data test found rows above its warning threshold only.
    TestWarned,
    /// A unit test's output differs from its expectation.
    UnitTestFailed,
    /// A source is older than its freshness limit.
    SourceStale,
    /// A query issued by jmap itself (not a model) failed.
    Query,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::YamlSyntax => "E101",
            Code::UnknownKey => "E102",
            Code::MissingKey => "E103",
            Code::InvalidValue => "E104",
            Code::EnvVar => "E105",
            Code::Usage => "E106",
            Code::Io => "E107",
            Code::Template => "E201",
            Code::UnknownRef => "E202",
            Code::UnknownSource => "E203",
            Code::Cycle => "E204",
            Code::Selector => "E205",
            Code::Connection => "E301",
            Code::SourceMissing => "E302",
            Code::Locked => "E303",
            Code::Query => "E304",
            Code::ModelFailed => "E401",
            Code::TestFailed => "E402",
            Code::TestWarned => "W402",
            Code::UnitTestFailed => "E403",
            Code::SourceStale => "E404",
        }
    }

    /// Process exit code: 1 when a model or test failed, 2 for everything the
    /// user must fix before anything can run.
    pub fn exit_code(self) -> i32 {
        match self {
            Code::ModelFailed
            | Code::TestFailed
            | Code::TestWarned
            | Code::UnitTestFailed
            | Code::SourceStale => 1,
            _ => 2,
        }
    }
}

/// A place in a user's file. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: Option<usize>,
    /// The text of that line, shown under the location when known.
    pub source_line: Option<String>,
}

impl Location {
    pub fn new(file: impl Into<PathBuf>, line: usize, column: Option<usize>) -> Self {
        Location {
            file: file.into(),
            line,
            column,
            source_line: None,
        }
    }

    /// Attach the text of the line from the file's contents.
    pub fn with_source(mut self, contents: &str) -> Self {
        self.source_line = contents
            .lines()
            .nth(self.line.saturating_sub(1))
            .map(str::to_owned);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)?;
        if let Some(col) = self.column {
            write!(f, ":{col}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub code: Code,
    pub message: String,
    pub location: Option<Box<Location>>,
    /// Extra lines shown after the location (e.g. the compiled SQL position).
    pub notes: Vec<String>,
    pub help: Option<String>,
    /// Further errors found in the same pass (all are reported, not just the first).
    pub related: Vec<Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            location: None,
            notes: Vec::new(),
            help: None,
            related: Vec::new(),
        }
    }

    /// One error standing for several; `None` when there are none.
    pub fn combine(mut errors: Vec<Error>) -> Option<Error> {
        if errors.is_empty() {
            return None;
        }
        let mut first = errors.remove(0);
        first.related.extend(errors);
        Some(first)
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(Box::new(location));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(Code::Usage, message)
    }

    pub fn io(path: &Path, action: &str, err: std::io::Error) -> Self {
        Error::new(
            Code::Io,
            format!("cannot {action} {}: {err}", path.display()),
        )
    }

    pub fn exit_code(&self) -> i32 {
        self.code.exit_code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code.as_str(), self.message)?;
        if let Some(loc) = &self.location {
            write!(f, "\n  --> {loc}")?;
            if let Some(text) = &loc.source_line {
                let gutter = loc.line.to_string();
                let pad = " ".repeat(gutter.len());
                write!(f, "\n {pad} |\n {gutter} | {text}")?;
                if let Some(col) = loc.column {
                    write!(f, "\n {pad} | {}^", " ".repeat(col.saturating_sub(1)))?;
                }
            }
        }
        for note in &self.notes {
            write!(f, "\n   = note: {note}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n   = help: {help}")?;
        }
        for other in &self.related {
            write!(f, "\n\n{other}")?;
        }
        if !self.related.is_empty() {
            write!(f, "\n\n{} errors", self.related.len() + 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// The closest candidate to `word`, if any is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(f64, &str)> = None;
    for cand in candidates {
        let score = strsim::jaro_winkler(word, cand);
        if score > best.map_or(0.0, |b| b.0) {
            best = Some((score, cand));
        }
    }
    best.filter(|(score, _)| *score >= 0.8)
        .map(|(_, cand)| cand.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_keys_only() {
        let keys = ["threads", "targets", "schema"];
        assert_eq!(did_you_mean("thread", keys).as_deref(), Some("threads"));
        assert_eq!(did_you_mean("shcema", keys).as_deref(), Some("schema"));
        assert_eq!(did_you_mean("zzz", keys), None);
    }

    #[test]
    fn renders_location_with_caret_and_help() {
        let err = Error::new(Code::UnknownKey, "unknown key `thread`")
            .at(Location::new("journey.yaml", 2, Some(3)).with_source("a: 1\n  thread: 4\n"))
            .help("did you mean `threads`?");
        let text = err.to_string();
        assert_eq!(
            text,
            "error[E102]: unknown key `thread`\n  --> journey.yaml:2:3\n   |\n 2 |   thread: 4\n   |   ^\n   = help: did you mean `threads`?"
        );
        assert_eq!(err.exit_code(), 2);
    }
}

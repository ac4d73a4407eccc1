//! Reading YAML into typed structs with errors that point at the line, column
//! and, for a misspelt key, the key that was probably meant.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde::de::DeserializeOwned;

use crate::error::{Code, Error, Location, did_you_mean};

static UNKNOWN_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"unknown (field|variant) `([^`]*)`, expected (?:one of )?(.*)").unwrap()
});
static MISSING_FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"missing field `([^`]*)`").unwrap());
static AT_LINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r" at line \d+ column \d+").unwrap());
static QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`([^`]*)`").unwrap());

/// Parse `text` (the contents of `path`) as a `T`.
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, Error> {
    if text.trim().is_empty() {
        return Err(
            Error::new(Code::MissingKey, format!("{} is empty", path.display()))
                .help("a journey.yaml needs at least `name:`; `jmap init` writes a complete one"),
        );
    }
    serde_yaml::from_str(text).map_err(|err| translate(path, text, &err))
}

/// Turn a serde_yaml error into a located jmap error with a fix.
pub fn translate(path: &Path, text: &str, err: &serde_yaml::Error) -> Error {
    let raw = err.to_string();
    let message = AT_LINE.replace_all(&raw, "").into_owned();
    let location = err
        .location()
        .map(|loc| Location::new(path, loc.line(), Some(loc.column())).with_source(text));
    let mut out = if let Some(caps) = UNKNOWN_FIELD.captures(&message) {
        let what = &caps[1];
        let word = &caps[2];
        let expected: Vec<&str> = QUOTED
            .captures_iter(&caps[3])
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        let prefix = message.split(": unknown").next().filter(|p| *p != message);
        let place = prefix.map(|p| format!(" in `{p}`")).unwrap_or_default();
        let err = Error::new(Code::UnknownKey, format!("unknown {what} `{word}`{place}"));
        match did_you_mean(word, expected.iter().copied()) {
            Some(near) => err.help(format!("did you mean `{near}`?")),
            None if expected.is_empty() => err,
            None => err.help(format!("expected one of: {}", expected.join(", "))),
        }
    } else if let Some(caps) = MISSING_FIELD.captures(&message) {
        let key = &caps[1];
        let place = message
            .split(": missing field")
            .next()
            .filter(|p| *p != message)
            .map(|p| format!(" in `{p}`"))
            .unwrap_or_default();
        Error::new(Code::MissingKey, format!("missing key `{key}`{place}"))
            .help(format!("add `{key}:` to this mapping"))
    } else if message.contains("invalid type") || message.contains("invalid value") {
        Error::new(Code::InvalidValue, message.clone())
    } else {
        Error::new(Code::YamlSyntax, format!("malformed YAML: {message}")).help(
            "check the indentation and that every `key: value` pair has a space after the colon",
        )
    };
    if let Some(loc) = location {
        out = out.at(loc);
    } else {
        out = out.note(format!("in {}", path.display()));
    }
    out
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> Option<usize> {
    let offset = text.find(needle)?;
    Some(text[..offset].matches('\n').count() + 1)
}

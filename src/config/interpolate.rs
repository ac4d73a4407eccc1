//! `${VAR}` and `${VAR:-default}` in journey.yaml values.
//!
//! Interpolation happens when a value is used, not when the file is read, so a
//! variable needed only by the `prod` target does not have to be set to run `dev`.

use std::path::Path;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::yaml::line_of;
use crate::error::{Code, Error, Location};

static VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}").unwrap());

/// Replace every `${VAR}` in `value`. `lookup` reads the environment (injected so
/// tests need not mutate the process environment).
pub fn interpolate(
    value: &str,
    file: &Path,
    file_text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Error> {
    let mut missing = None;
    let out = VAR.replace_all(value, |caps: &Captures| {
        let name = &caps[1];
        match (lookup(name), caps.get(2)) {
            (Some(v), _) => v,
            (None, Some(default)) => default.as_str().to_owned(),
            (None, None) => {
                missing.get_or_insert_with(|| name.to_owned());
                String::new()
            }
        }
    });
    if let Some(name) = missing {
        let mut err = Error::new(
            Code::EnvVar,
            format!("environment variable `{name}` is not set"),
        )
        .help(format!(
            "export {name}=... before running jmap, or give a default: ${{{name}:-value}}"
        ));
        if let Some(line) = line_of(file_text, &format!("${{{name}")) {
            err = err.at(Location::new(file, line, None).with_source(file_text));
        }
        return Err(err);
    }
    Ok(out.into_owned())
}

pub fn from_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "PG_URL").then(|| "postgres://u@h/db".to_owned())
    }

    #[test]
    fn substitutes_and_defaults() {
        let p = Path::new("journey.yaml");
        assert_eq!(
            interpolate("${PG_URL}", p, "", &env).unwrap(),
            "postgres://u@h/db"
        );
        assert_eq!(interpolate("a-${NOPE:-x}-b", p, "", &env).unwrap(), "a-x-b");
        assert_eq!(interpolate("plain", p, "", &env).unwrap(), "plain");
    }

    #[test]
    fn missing_variable_names_file_and_line() {
        let text = "name: x\ntargets:\n  prod:\n    url: ${PROD_URL}\n";
        let err = interpolate("${PROD_URL}", Path::new("journey.yaml"), text, &env).unwrap_err();
        assert_eq!(err.code, Code::EnvVar);
        assert!(err.to_string().contains("journey.yaml:4"), "{err}");
        assert!(err.to_string().contains("export PROD_URL"), "{err}");
    }
}

//! The project: configuration plus every model, macro and properties file,
//! resolved into typed nodes. Pure: built from an in-memory file list.

pub mod files;
pub mod kinds;
pub mod presets;
pub mod properties;
pub mod sources;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::{ConfigPatch, LoadedConfig, yaml};
use crate::error::{Code, Error, Location, did_you_mean};
pub use files::{BUILTIN_PACKAGE, Package, ProjectFile};
pub use properties::{ColumnProperties, ModelProperties, TestSpec};
pub use sources::Source;

#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub package: Package,
    /// Relative to the package root (`models/...`).
    pub path: PathBuf,
    pub sql: String,
    /// sha256 of the template text, for the manifest and state comparison.
    pub checksum: String,
    pub properties: ModelProperties,
    /// Where the properties came from, if anywhere.
    pub properties_path: Option<PathBuf>,
    /// Config from journey.yaml and the properties file (before `config()`).
    pub base_config: ConfigPatch,
}

impl Model {
    pub fn display_path(&self) -> PathBuf {
        files::display_path(self.package, &self.path)
    }

    /// Template name used by the renderer; unique across packages.
    pub fn template_name(&self) -> String {
        self.display_path().to_string_lossy().into_owned()
    }
}

#[derive(Debug, Clone)]
pub struct MacroFile {
    pub template_name: String,
    pub text: String,
    /// Names of the macros it defines, imported into every model.
    pub macros: Vec<String>,
}

/// A singular data test: a SQL file under `tests/` returning failing rows.
#[derive(Debug, Clone)]
pub struct SingularTest {
    pub name: String,
    pub path: PathBuf,
    pub sql: String,
}

#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub config: LoadedConfig,
    /// By name; a project model replaces a built-in one of the same name.
    pub models: BTreeMap<String, Model>,
    pub macros: Vec<MacroFile>,
    pub sources: BTreeMap<(String, String), Source>,
    pub singular_tests: Vec<SingularTest>,
    pub unit_tests: Vec<(PathBuf, serde_yaml::Value)>,
    /// CSV files in models/ (seed-like inputs for unit tests).
    pub csv_files: BTreeMap<PathBuf, String>,
    /// journey.yaml's `journey:` merged with the package's data defaults.
    pub journey: crate::config::journey::ResolvedJourney,
}

impl Project {
    /// Read journey.yaml and all files from disk, then resolve.
    pub fn load(root: &Path) -> Result<Project, Error> {
        let config = LoadedConfig::load(root)?;
        let files = files::read_all(root, config.config.builtin_package)?;
        Project::from_files(root, config, files)
    }

    pub fn from_files(
        root: &Path,
        config: LoadedConfig,
        files: Vec<ProjectFile>,
    ) -> Result<Project, Error> {
        let mut by_package: BTreeMap<(String, Package), Model> = BTreeMap::new();
        let mut macros = Vec::new();
        let mut props: Vec<(Package, PathBuf, ModelProperties)> = Vec::new();
        let mut singular_tests = Vec::new();
        let mut unit_tests = Vec::new();
        let mut csv_files = BTreeMap::new();
        let mut defaults: Option<(PathBuf, String)> = None;
        let mut preset_file: Option<(PathBuf, String)> = None;

        for file in &files {
            let ext = file.path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let under_macros = file.path.components().any(|c| c.as_os_str() == "macros");
            let under_tests = file.path.starts_with("tests");
            let under_data = file.path.components().any(|c| c.as_os_str() == "data");
            if under_data {
                // Package data, not properties; a project file replaces the built-in one.
                let wanted = |slot: &Option<(PathBuf, String)>| {
                    slot.is_none() || file.package == Package::Project
                };
                if file.path.file_name().is_some_and(|n| n == DEFAULTS_FILE) && wanted(&defaults) {
                    defaults = Some((file.display_path(), file.text.clone()));
                }
                if file
                    .path
                    .file_name()
                    .is_some_and(|n| n == presets::PRESETS_FILE)
                    && wanted(&preset_file)
                {
                    preset_file = Some((file.display_path(), file.text.clone()));
                }
                continue;
            }
            match ext {
                "sql" if under_macros => macros.push(MacroFile {
                    template_name: file.display_path().to_string_lossy().into_owned(),
                    macros: macro_names(&file.text),
                    text: file.text.clone(),
                }),
                "sql" if under_tests => singular_tests.push(SingularTest {
                    name: stem(&file.path),
                    path: file.display_path(),
                    sql: file.text.clone(),
                }),
                "sql" => {
                    let name = stem(&file.path);
                    let key = (name.clone(), file.package);
                    if let Some(first) = by_package.get(&key) {
                        return Err(Error::new(
                            Code::InvalidValue,
                            format!("two models are named `{name}`"),
                        )
                        .note(format!("{}", first.display_path().display()))
                        .note(format!("{}", file.display_path().display()))
                        .help("model names must be unique: rename one of the files"));
                    }
                    by_package.insert(
                        key,
                        Model {
                            name,
                            package: file.package,
                            path: file.path.clone(),
                            checksum: checksum(&file.text),
                            sql: file.text.clone(),
                            properties: ModelProperties::default(),
                            properties_path: None,
                            base_config: ConfigPatch::default(),
                        },
                    );
                }
                "yml" | "yaml" => {
                    let display = file.display_path();
                    let parsed: properties::PropertiesFile = if file.text.trim().is_empty() {
                        Default::default()
                    } else {
                        serde_yaml::from_str(&file.text)
                            .map_err(|e| yaml::translate(&display, &file.text, &e))?
                    };
                    for model in parsed.models {
                        props.push((file.package, display.clone(), model));
                    }
                    for test in parsed.unit_tests {
                        unit_tests.push((display.clone(), test));
                    }
                }
                "csv" => {
                    csv_files.insert(file.display_path(), file.text.clone());
                }
                _ => {}
            }
        }

        // A project model shadows the built-in model of the same name.
        let mut models: BTreeMap<String, Model> = BTreeMap::new();
        for ((name, _), model) in by_package {
            // BTreeMap order puts Builtin before Project, so the project wins.
            models.insert(name, model);
        }

        attach_properties(&mut models, props, &files)?;
        apply_project_config(&mut models, &config)?;
        let presets = match &preset_file {
            Some((path, text)) => presets::Presets::parse(path, text)?,
            None => presets::Presets::builtin()?,
        };
        let sources = sources::resolve(&config, &presets)?;
        let journey = resolve_journey(&config, defaults)?;

        Ok(Project {
            root: root.to_path_buf(),
            config,
            models,
            macros,
            sources,
            singular_tests,
            unit_tests,
            csv_files,
            journey,
        })
    }

    pub fn name(&self) -> &str {
        &self.config.config.name
    }

    pub fn target_dir(&self) -> PathBuf {
        self.root.join("target")
    }

    /// Checksum of the file defining each macro (a project macro replaces a
    /// built-in one of the same name).
    pub fn macro_checksums(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut files: Vec<&MacroFile> = self.macros.iter().collect();
        files.sort_by_key(|m| !m.template_name.starts_with(BUILTIN_PACKAGE));
        for file in files {
            let sum = checksum(&file.text);
            for name in &file.macros {
                out.insert(name.clone(), sum.clone());
            }
        }
        out
    }
}

impl Model {
    /// The macros the template calls, among `known` (a textual scan: a call
    /// is the name followed by an opening parenthesis).
    pub fn macros_used<'a>(&self, known: impl IntoIterator<Item = &'a String>) -> Vec<String> {
        known
            .into_iter()
            .filter(|name| {
                self.sql.match_indices(name.as_str()).any(|(i, _)| {
                    let before = self.sql[..i].chars().next_back();
                    let after = self.sql[i + name.len()..].trim_start().starts_with('(');
                    after && !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            })
            .cloned()
            .collect()
    }
}

/// The package's data defaults (channel rules, host lists, free-mail domains).
pub const DEFAULTS_FILE: &str = "journey_defaults.yml";

fn resolve_journey(
    config: &LoadedConfig,
    defaults: Option<(PathBuf, String)>,
) -> Result<crate::config::journey::ResolvedJourney, Error> {
    use crate::config::journey::{ATTRIBUTION_MODELS, JourneyDefaults, PATH_TRANSFORMS, STAGES};
    let defaults: JourneyDefaults = match &defaults {
        Some((path, text)) => {
            serde_yaml::from_str(text).map_err(|e| yaml::translate(path, text, &e))?
        }
        None => JourneyDefaults::default(),
    };
    let j = &config.config.journey;
    let at = |err: Error, needle: &str| match yaml::line_of(&config.text, needle) {
        Some(line) => err.at(Location::new("journey.yaml", line, None).with_source(&config.text)),
        None => err,
    };
    for stage in &j.stages {
        if !STAGES.contains(&stage.as_str()) {
            let err = Error::new(
                Code::InvalidValue,
                format!("journey.stages: unknown stage `{stage}`"),
            );
            let err = match did_you_mean(stage, STAGES.iter().copied()) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help(format!("stages: {}", STAGES.join(", "))),
            };
            return Err(at(err, stage));
        }
    }
    for conv in &j.conversions {
        if !j.stages.contains(&conv.stage) {
            let err = Error::new(
                Code::InvalidValue,
                format!(
                    "journey.conversions: `{}` is not one of journey.stages",
                    conv.stage
                ),
            )
            .help(format!(
                "conversions must be stages: {}",
                j.stages.join(", ")
            ));
            return Err(at(err, &format!("stage: {}", conv.stage)));
        }
    }
    let a = &j.attribution;
    for model in &a.models {
        if !ATTRIBUTION_MODELS.contains(&model.as_str()) {
            let err = Error::new(
                Code::InvalidValue,
                format!("journey.attribution.models: unknown model `{model}`"),
            );
            let err = match did_you_mean(model, ATTRIBUTION_MODELS.iter().copied()) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help(format!("models: {}", ATTRIBUTION_MODELS.join(", "))),
            };
            return Err(at(err, model));
        }
    }
    if !(1..=3).contains(&a.markov_order) {
        return Err(at(
            Error::new(
                Code::InvalidValue,
                format!("journey.attribution.markov_order is {}", a.markov_order),
            )
            .help("use 1, 2 or 3"),
            "markov_order",
        ));
    }
    if !PATH_TRANSFORMS.contains(&a.path_transform.as_str()) {
        let err = Error::new(
            Code::InvalidValue,
            format!(
                "journey.attribution.path_transform: unknown transform `{}`",
                a.path_transform
            ),
        );
        let err = match did_you_mean(&a.path_transform, PATH_TRANSFORMS.iter().copied()) {
            Some(near) => err.help(format!("did you mean `{near}`?")),
            None => err.help(format!("transforms: {}", PATH_TRANSFORMS.join(", "))),
        };
        return Err(at(err, "path_transform"));
    }
    if a.half_life_days <= 0.0 {
        return Err(at(
            Error::new(
                Code::InvalidValue,
                "journey.attribution.half_life_days must be positive",
            ),
            "half_life_days",
        ));
    }
    let resolved = j.resolve(&defaults);
    for rule in &resolved.channel_rules {
        if let Some(list) = &rule.source_in
            && !resolved.hosts.contains_key(list)
        {
            let names: Vec<&str> = resolved.hosts.keys().map(String::as_str).collect();
            let err = Error::new(
                Code::InvalidValue,
                format!(
                    "channel rule `{}`: no host list named `{list}`",
                    rule.channel
                ),
            );
            let err = match did_you_mean(list, names.iter().copied()) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help(format!("host lists: {}", names.join(", "))),
            };
            return Err(at(err, &format!("source_in: {list}")));
        }
    }
    const ICP_FIELDS: &[&str] = &["industry", "employee_count", "annual_revenue", "country"];
    for rule in &j.icp.rules {
        if !ICP_FIELDS.contains(&rule.field.as_str()) {
            let err = Error::new(
                Code::InvalidValue,
                format!("journey.icp: unknown field `{}`", rule.field),
            );
            let err = match did_you_mean(&rule.field, ICP_FIELDS.iter().copied()) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help(format!("fields: {}", ICP_FIELDS.join(", "))),
            };
            return Err(at(err, &format!("field: {}", rule.field)));
        }
        if rule.values.is_empty() && rule.min.is_none() && rule.max.is_none() {
            return Err(at(
                Error::new(
                    Code::InvalidValue,
                    format!("journey.icp rule on `{}` has no condition", rule.field),
                )
                .help("give `in: [...]` for text fields, or `min:` / `max:` for numbers"),
                &format!("field: {}", rule.field),
            ));
        }
    }
    Ok(resolved)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

pub fn checksum(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn macro_names(text: &str) -> Vec<String> {
    static MACRO: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(").unwrap()
    });
    MACRO.captures_iter(text).map(|c| c[1].to_owned()).collect()
}

/// Properties apply to the model of that name; project properties for a
/// built-in model add to (and override) the built-in ones.
fn attach_properties(
    models: &mut BTreeMap<String, Model>,
    mut props: Vec<(Package, PathBuf, ModelProperties)>,
    files: &[ProjectFile],
) -> Result<(), Error> {
    props.sort_by_key(|(package, _, _)| *package);
    let mut seen = std::collections::HashSet::new();
    for (package, path, p) in props {
        let Some(model) = models.get_mut(&p.name) else {
            if package == Package::Builtin {
                // Properties of a built-in model the project disabled by name.
                continue;
            }
            let text = files
                .iter()
                .find(|f| f.display_path() == path)
                .map(|f| f.text.as_str())
                .unwrap_or("");
            let mut err = Error::new(
                Code::UnknownRef,
                format!(
                    "properties describe `{}`, but no model has that name",
                    p.name
                ),
            );
            if let Some(line) = yaml::line_of(text, &format!("name: {}", p.name)) {
                err = err.at(Location::new(&path, line, None).with_source(text));
            }
            return Err(
                match did_you_mean(&p.name, models.keys().map(String::as_str)) {
                    Some(near) => err.help(format!("did you mean `{near}`?")),
                    None => err.help("rename the entry or add the model's .sql file"),
                },
            );
        };
        // Each package describes a model once; the project may add to the
        // built-in description.
        if let Some(first) = &model.properties_path
            && !seen.insert((package, p.name.clone()))
        {
            return Err(Error::new(
                Code::InvalidValue,
                format!("model `{}` has properties in two files", p.name),
            )
            .note(first.display().to_string())
            .note(path.display().to_string())
            .help("keep one entry per model"));
        }
        seen.insert((package, p.name.clone()));
        merge_properties(&mut model.properties, p);
        model.properties_path = Some(path);
    }
    Ok(())
}

fn merge_properties(into: &mut ModelProperties, p: ModelProperties) {
    if p.description.is_some() {
        into.description = p.description;
    }
    into.config.apply(&p.config);
    for tag in p.tags {
        if !into.tags.contains(&tag) {
            into.tags.push(tag);
        }
    }
    for col in p.columns {
        match into.columns.iter_mut().find(|c| c.name == col.name) {
            Some(existing) => *existing = col,
            None => into.columns.push(col),
        }
    }
    for test in p.tests {
        // The same test declared by the package and by the project runs once.
        if !into.tests.contains(&test) {
            into.tests.push(test);
        }
    }
}

/// journey.yaml `models:` entries, by specificity: `*` first, then path globs
/// (shorter before longer), then exact model names; properties come after.
fn apply_project_config(
    models: &mut BTreeMap<String, Model>,
    config: &LoadedConfig,
) -> Result<(), Error> {
    let entries = &config.config.models;
    for (key, _) in entries.iter() {
        let is_pattern = key.contains('*') || key.contains('/');
        if !is_pattern && !models.contains_key(key) {
            let mut err = Error::new(
                Code::UnknownRef,
                format!("journey.yaml `models:` configures `{key}`, but no model has that name"),
            );
            if let Some(line) = yaml::line_of(&config.text, &format!("{key}:")) {
                err = err.at(Location::new("journey.yaml", line, None).with_source(&config.text));
            }
            return Err(match did_you_mean(key, models.keys().map(String::as_str)) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help("use a model name, a path glob like `staging/*`, or `*`"),
            });
        }
    }
    let mut ordered: Vec<(&String, &ConfigPatch)> = entries.iter().collect();
    ordered.sort_by_key(|(key, _)| {
        let exact = !(key.contains('*') || key.contains('/'));
        (exact, key.len())
    });
    for model in models.values_mut() {
        let rel = model
            .path
            .strip_prefix("models")
            .unwrap_or(&model.path)
            .to_string_lossy()
            .into_owned();
        let mut patch = ConfigPatch::default();
        for (key, p) in &ordered {
            if **key == model.name || glob_match(key, &rel) {
                patch.apply(p);
            }
        }
        patch.apply(&model.properties.config);
        if !model.properties.tags.is_empty() {
            patch.apply(&ConfigPatch {
                tags: Some(model.properties.tags.clone()),
                ..Default::default()
            });
        }
        model.base_config = patch;
    }
    Ok(())
}

/// `*` matches any run of characters (including `/`); a pattern without `*`
/// ending in `/` matches everything below that directory.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if pattern.ends_with('/') {
        return text.starts_with(pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text || text.strip_suffix(".sql") == Some(pattern);
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", "staging/a.sql"));
        assert!(glob_match("staging/*", "staging/a.sql"));
        assert!(!glob_match("staging/*", "marts/a.sql"));
        assert!(glob_match("staging/", "staging/x/a.sql"));
        assert!(glob_match("*a.sql", "staging/a.sql"));
        assert!(glob_match("staging/a", "staging/a.sql"));
    }

    #[test]
    fn finds_macro_names() {
        assert_eq!(
            macro_names("{% macro a(x) %}{% endmacro %}\n{%- macro b_2() -%}"),
            vec!["a", "b_2"]
        );
    }
}

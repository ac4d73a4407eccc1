//! Source presets: the tables, kinds and mappings of common landing layouts
//! (Segment, RudderStack, Fivetran HubSpot and Salesforce), shipped as package
//! data in models/data/source_presets.yml so that a source group can name a
//! preset and its schema instead of mapping every column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::{LoadedConfig, SourceGroup, SourceTable, yaml};
use crate::error::{Code, Error, Location, did_you_mean};

/// The package data file holding the presets; a project file replaces it.
pub const PRESETS_FILE: &str = "source_presets.yml";

/// The built-in presets, also when the project leaves out the built-in
/// package: presets describe where data landed, not what the models do.
const BUILTIN_TEXT: &str = include_str!("../../models/data/source_presets.yml");
const BUILTIN_PATH: &str = "jmap/models/data/source_presets.yml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    presets: BTreeMap<String, Preset>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    #[serde(default)]
    pub description: Option<String>,
    pub tables: BTreeMap<String, SourceTable>,
}

#[derive(Debug)]
pub struct Presets {
    /// Where they were read from, for messages.
    pub path: PathBuf,
    pub presets: BTreeMap<String, Preset>,
}

impl Presets {
    /// Parse a presets file (`path` is how messages name it).
    pub fn parse(path: &Path, text: &str) -> Result<Presets, Error> {
        let file: PresetFile =
            serde_yaml::from_str(text).map_err(|e| yaml::translate(path, text, &e))?;
        Ok(Presets {
            path: path.to_path_buf(),
            presets: file.presets,
        })
    }

    /// The presets shipped in the binary.
    pub fn builtin() -> Result<Presets, Error> {
        Presets::parse(Path::new(BUILTIN_PATH), BUILTIN_TEXT)
    }

    /// The tables of `group`, each with whether it came from the preset: the
    /// preset's (less `exclude:`), with the group's own entries replacing or
    /// adding to them. Without a preset, the group's own tables.
    pub fn expand(
        &self,
        config: &LoadedConfig,
        group_name: &str,
        group: &SourceGroup,
    ) -> Result<BTreeMap<String, (SourceTable, bool)>, Error> {
        let own = || {
            group
                .tables
                .iter()
                .map(|(name, t)| (name.clone(), (t.clone(), false)))
        };
        let Some(preset_name) = &group.preset else {
            if let Some(first) = group.exclude.first() {
                return Err(at(
                    config,
                    group_name,
                    "exclude:",
                    Error::new(
                        Code::InvalidValue,
                        format!("source group `{group_name}`: `exclude:` needs a `preset:`"),
                    )
                    .help(format!(
                        "`exclude:` leaves out tables of a preset; without one, delete `{first}` from `tables:`"
                    )),
                ));
            }
            return Ok(own().collect());
        };
        let Some(preset) = self.presets.get(preset_name) else {
            let names: Vec<&str> = self.presets.keys().map(String::as_str).collect();
            let err = Error::new(
                Code::InvalidValue,
                format!("source group `{group_name}`: unknown preset `{preset_name}`"),
            );
            let err = match did_you_mean(preset_name, names.iter().copied()) {
                Some(near) => err.help(format!("did you mean `{near}`?")),
                None => err.help(format!("presets: {}", names.join(", "))),
            };
            return Err(at(config, group_name, "preset:", err));
        };
        let mut tables: BTreeMap<String, (SourceTable, bool)> = preset
            .tables
            .iter()
            .map(|(name, t)| (name.clone(), (t.clone(), true)))
            .collect();
        for name in &group.exclude {
            if tables.remove(name).is_none() {
                let err = Error::new(
                    Code::InvalidValue,
                    format!(
                        "source group `{group_name}`: preset `{preset_name}` has no table `{name}` to exclude"
                    ),
                );
                let err = match did_you_mean(name, preset.tables.keys().map(String::as_str)) {
                    Some(near) => err.help(format!("did you mean `{near}`?")),
                    None => err.help(format!(
                        "its tables: {}",
                        preset
                            .tables
                            .keys()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                return Err(at(config, group_name, "exclude:", err));
            }
        }
        tables.extend(own());
        Ok(tables)
    }
}

/// Point `err` at the first line containing `key` within `group`'s entry
/// under `sources:` in journey.yaml (or at the group itself).
fn at(config: &LoadedConfig, group: &str, key: &str, err: Error) -> Error {
    match group_key_line(&config.text, group, key) {
        Some(line) => err.at(Location::new("journey.yaml", line, None).with_source(&config.text)),
        None => err,
    }
}

/// The 1-based line of `key` inside the entry of source group `group`
/// (the group's own line when the key is not found there).
pub fn group_key_line(text: &str, group: &str, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let sources = lines
        .iter()
        .position(|l| l.trim_end() == "sources:" && !l.starts_with(' '))?;
    // Groups are the keys at the indentation of the first one.
    let mut group_indent = None;
    let mut group_at = None;
    for (i, l) in lines.iter().enumerate().skip(sources + 1) {
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = l.len() - trimmed.len();
        if indent == 0 {
            break; // the next top-level key
        }
        if *group_indent.get_or_insert(indent) == indent
            && trimmed.starts_with(&format!("{group}:"))
        {
            group_at = Some(i);
            break;
        }
    }
    let group_at = group_at?;
    let indent = lines[group_at].len() - lines[group_at].trim_start().len();
    for (i, l) in lines.iter().enumerate().skip(group_at + 1) {
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if l.len() - trimmed.len() <= indent {
            break;
        }
        if trimmed.starts_with(key) {
            return Some(i + 1);
        }
    }
    Some(group_at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::kinds;

    #[test]
    fn builtin_presets_parse_and_map_standard_columns() {
        let presets = Presets::builtin().unwrap();
        for name in [
            "segment",
            "rudderstack",
            "fivetran_hubspot",
            "fivetran_salesforce",
        ] {
            let preset = &presets.presets[name];
            assert!(!preset.tables.is_empty(), "{name}");
            for (table, t) in &preset.tables {
                let kind = kinds::find(t.kind.as_deref().unwrap())
                    .unwrap_or_else(|| panic!("{name}.{table}: unknown kind"));
                for col in t.columns.keys() {
                    assert!(kind.knows(col), "{name}.{table}: `{col}` is not standard");
                }
                for req in kind.required {
                    assert!(
                        t.columns.contains_key(*req),
                        "{name}.{table}: required `{req}` unmapped"
                    );
                }
            }
        }
    }

    fn config(text: &str) -> LoadedConfig {
        LoadedConfig {
            path: PathBuf::from("journey.yaml"),
            text: text.to_owned(),
            config: yaml::parse(Path::new("journey.yaml"), text).unwrap(),
        }
    }

    #[test]
    fn group_entries_replace_and_add_to_the_presets() {
        let c = config(
            "name: x\nsources:\n  web:\n    preset: segment\n    exclude: [tracks]\n    tables:\n      pages:\n        kind: web_events\n        table: page_views\n      forms:\n        kind: web_events\n",
        );
        let tables = Presets::builtin()
            .unwrap()
            .expand(&c, "web", &c.config.sources["web"])
            .unwrap();
        let names: Vec<&str> = tables.keys().map(String::as_str).collect();
        assert_eq!(names, ["forms", "identifies", "pages"]);
        let (pages, from_preset) = &tables["pages"];
        assert!(!from_preset);
        assert_eq!(pages.table.as_deref(), Some("page_views"));
        assert!(
            pages.columns.is_empty(),
            "the group's entry replaces the preset's"
        );
        assert!(tables["identifies"].1);
    }

    #[test]
    fn exclude_is_checked() {
        let presets = Presets::builtin().unwrap();
        let c = config("name: x\nsources:\n  web:\n    preset: segment\n    exclude: [track]\n");
        let err = presets
            .expand(&c, "web", &c.config.sources["web"])
            .unwrap_err();
        assert!(err.to_string().contains("did you mean `tracks`?"), "{err}");
        assert!(err.to_string().contains("journey.yaml:5"), "{err}");
        let c = config("name: x\nsources:\n  web:\n    exclude: [tracks]\n");
        let err = presets
            .expand(&c, "web", &c.config.sources["web"])
            .unwrap_err();
        assert!(err.to_string().contains("needs a `preset:`"), "{err}");
    }

    #[test]
    fn finds_keys_inside_their_group() {
        let text = "name: x\nsources:\n  a:\n    tables:\n      b:\n        kind: x\n  b:\n    schema: s\n    preset: hubspt\n";
        assert_eq!(group_key_line(text, "b", "preset:"), Some(9));
        assert_eq!(group_key_line(text, "a", "b:"), Some(5));
        assert_eq!(group_key_line(text, "b", "exclude:"), Some(7));
    }
}

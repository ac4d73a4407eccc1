//! Properties files (`models/**/*.yml`): descriptions, columns, config and tests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::ConfigPatch;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertiesFile {
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub models: Vec<ModelProperties>,
    #[serde(default)]
    pub unit_tests: Vec<serde_yaml::Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelProperties {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub config: ConfigPatch,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub columns: Vec<ColumnProperties>,
    #[serde(default, alias = "data_tests")]
    pub tests: Vec<TestSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnProperties {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub data_type: Option<String>,
    #[serde(default, alias = "data_tests")]
    pub tests: Vec<TestSpec>,
}

/// A data test as written: `unique`, or `accepted_values: {values: [...]}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TestSpec {
    Name(String),
    WithArgs(BTreeMap<String, serde_yaml::Value>),
}

impl TestSpec {
    /// The test's name and its arguments (Null when it has none).
    pub fn parts(&self) -> (String, serde_yaml::Value) {
        match self {
            TestSpec::Name(name) => (name.clone(), serde_yaml::Value::Null),
            TestSpec::WithArgs(map) => map
                .iter()
                .next()
                .map(|(k, v)| (k.clone(), v.clone()))
                .unwrap_or_default(),
        }
    }
}

//! Writing the site: the pages and their scripts (embedded in the binary at
//! build time, so the site needs no network) and the data files next to them.
//! Data is JavaScript assigning globals, not JSON to fetch, because browsers
//! refuse `fetch` from file:// pages; shards load by adding a script tag.

use std::path::Path;

use serde::Serialize;

use crate::error::Error;

/// The hand-written pages, styles and scripts, as (path in the site, text).
const ASSETS: &[(&str, &str)] = &[
    ("index.html", include_str!("assets/index.html")),
    ("lineage.html", include_str!("assets/lineage.html")),
    ("models.html", include_str!("assets/models.html")),
    ("assets/site.css", include_str!("assets/site.css")),
    ("assets/common.js", include_str!("assets/common.js")),
    ("assets/charts.js", include_str!("assets/charts.js")),
    ("assets/journey.js", include_str!("assets/journey.js")),
    ("assets/lineage.js", include_str!("assets/lineage.js")),
    ("assets/models.js", include_str!("assets/models.js")),
];

/// Data files jmap writes into `data/`; only these are removed before a
/// rebuild (the output directory may be shared with other files).
fn is_data_file(name: &str) -> bool {
    name.ends_with(".js")
        && (name == "catalog.js"
            || name == "journey.js"
            || name == "meta.js"
            || name.starts_with("accounts-")
            || name.starts_with("sql-"))
}

/// What was written, for the summary line.
#[derive(Debug, Default)]
pub struct Written {
    pub files: usize,
    pub bytes: u64,
}

pub struct SiteWriter<'a> {
    dir: &'a Path,
    pub written: Written,
}

impl<'a> SiteWriter<'a> {
    /// Create the directory and remove the data files of a previous build.
    pub fn create(dir: &'a Path) -> Result<SiteWriter<'a>, Error> {
        let data = dir.join("data");
        std::fs::create_dir_all(dir.join("assets")).map_err(|e| Error::io(dir, "create", e))?;
        std::fs::create_dir_all(&data).map_err(|e| Error::io(&data, "create", e))?;
        let entries = std::fs::read_dir(&data).map_err(|e| Error::io(&data, "read", e))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_data_file(&name) {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, "remove", e))?;
            }
        }
        Ok(SiteWriter {
            dir,
            written: Written::default(),
        })
    }

    pub fn assets(&mut self) -> Result<(), Error> {
        for (path, text) in ASSETS {
            self.file(path, text.as_bytes())?;
        }
        Ok(())
    }

    /// `data/<name>.js` assigning `value` to `window.<global>`.
    pub fn global(
        &mut self,
        name: &str,
        global: &str,
        value: &impl Serialize,
    ) -> Result<(), Error> {
        let json = serde_json::to_string(value).expect("serialisable");
        self.file(
            &format!("data/{name}.js"),
            format!("window.{global} = {json};\n").as_bytes(),
        )
    }

    /// `data/<kind>-<k>.js`, handing its part to the page when it loads.
    pub fn shard(&mut self, kind: &str, k: usize, value: &impl Serialize) -> Result<(), Error> {
        let json = serde_json::to_string(value).expect("serialisable");
        self.file(
            &format!("data/{kind}-{k}.js"),
            format!(
                "window.jmapShard({}, {k}, {json});\n",
                serde_json::json!(kind)
            )
            .as_bytes(),
        )
    }

    fn file(&mut self, rel: &str, bytes: &[u8]) -> Result<(), Error> {
        let path = self.dir.join(rel);
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, "write", e))?;
        self.written.files += 1;
        self.written.bytes += bytes.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_reference_nothing_on_the_network() {
        for (path, text) in ASSETS {
            for scheme in ["http:", "https:", "//cdn", "@import"] {
                assert!(!text.contains(scheme), "{path} mentions {scheme}");
            }
        }
    }
}

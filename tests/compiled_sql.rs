//! Snapshots of the compiled SQL of the demo project's models: the contract
//! between templates, dialect functions and the warehouse.

mod common;

#[test]
fn demo_project_compiles_to_the_snapshotted_sql() {
    let dir = common::demo_project();
    common::jmap_in(dir.path(), &["compile"]).success();
    let fixtures = dir.path().join("fixtures");
    for entry in walkdir::WalkDir::new(dir.path().join("target/compiled")).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let sql = std::fs::read_to_string(entry.path()).unwrap().replace(
            &fixtures.to_string_lossy().into_owned(),
            "<project>/fixtures",
        );
        let name = entry
            .path()
            .strip_prefix(dir.path().join("target/compiled"))
            .unwrap()
            .to_string_lossy()
            .replace('/', "__");
        insta::assert_snapshot!(name, sql);
    }
}

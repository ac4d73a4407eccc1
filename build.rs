// The built-in package in models/ is embedded with include_dir!; rebuild when it changes.
fn main() {
    println!("cargo:rerun-if-changed=models");
}

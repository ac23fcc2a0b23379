//! The data files are embedded with `include_dir!`, which cargo does not track: without
//! this, an edited suite or schema would be ignored until some Rust file changed.

fn main() {
    println!("cargo:rerun-if-changed=suites");
    println!("cargo:rerun-if-changed=schemas");
}

//! Regenerates include/exo_core.h from the ffi module with cbindgen.

fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let mut config = cbindgen::Config::from_file(format!("{crate_dir}/cbindgen.toml")).expect("cbindgen.toml is valid");
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let parts: Vec<&str> = version.split(['.', '-']).collect();
    config.after_includes = Some(format!(
        "\n#define EXO_CORE_VERSION \"{version}\"\n#define EXO_CORE_VERSION_MAJOR {}\n#define EXO_CORE_VERSION_MINOR {}\n#define EXO_CORE_VERSION_PATCH {}",
        parts[0], parts[1], parts[2]
    ));
    match cbindgen::Builder::new().with_crate(&crate_dir).with_config(config).generate() {
        Ok(bindings) => {
            bindings.write_to_file(format!("{crate_dir}/include/exo_core.h"));
        }
        // A syntax error is reported by rustc itself with better context; do not fail here.
        Err(e) => println!("cargo:warning=cbindgen could not generate the header: {e}"),
    }
}

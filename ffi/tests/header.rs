//! Fails when include/suqiu.h drifts from ffi/src/lib.rs. Regenerate with
//! `UPDATE_HEADER=1 cargo test -p suqiu-ffi --test header`.

#[test]
fn header_matches_the_code() {
    let crate_dir = env!("CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(format!("{crate_dir}/cbindgen.toml")).unwrap();
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen")
        .write(&mut generated);
    let path = format!("{crate_dir}/../include/suqiu.h");
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read(&path).unwrap_or_default();
    assert!(
        current == generated,
        "include/suqiu.h is out of date: run UPDATE_HEADER=1 cargo test -p suqiu-ffi --test header"
    );
}

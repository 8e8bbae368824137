//! Helpers shared by the core's integration tests.

#![allow(dead_code)] // each test crate uses its own subset

use std::path::Path;

/// Copies every file of the embedded `zhuzhou` profile (models included) into `dir`, created
/// if need be: the copy triages exactly as the embedded profile until a test changes a file,
/// and a file added to the profile needs no test edited.
pub fn copy_embedded_profile(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/zhuzhou");
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
}

//! Tidiness rules for the code base, checked as a test: every Rust file opens with a `//!`
//! paragraph saying what it is for, and no file grows past 600 lines.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if !["target", "node_modules", ".git", "dist", "web"].contains(&name.as_str()) {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc_and_stays_small() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    rust_files(root, &mut files);
    assert!(files.len() > 20, "found only {} files", files.len());
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        if !text.trim_start().starts_with("//!") {
            problems.push(format!("{}: no //! paragraph at the top", file.display()));
        }
        let lines = text.lines().count();
        if lines > 600 {
            problems.push(format!("{}: {lines} lines", file.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

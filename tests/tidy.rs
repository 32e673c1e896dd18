//! Tidy: rules of the code base that a compiler does not check.
//! - the core (`src/core/`) never imports the Worker runtime;
//! - every module opens with a `//!` doc saying what it owns;
//! - PSP status mappings have no catch-all `_ =>` arm.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn core_modules_never_import_the_worker_runtime() {
    let forbidden = [
        "worker::",
        "use worker",
        "web_sys",
        "js_sys",
        "wasm_bindgen",
        "crate::shell",
    ];
    for file in rust_files(&src().join("core")) {
        let text = std::fs::read_to_string(&file).expect("readable");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in forbidden {
                assert!(
                    !code.contains(word),
                    "{}:{}: the core must not use `{word}`",
                    file.display(),
                    n + 1
                );
            }
        }
    }
}

#[test]
fn every_module_opens_with_a_module_doc() {
    for file in rust_files(&src()) {
        let text = std::fs::read_to_string(&file).expect("readable");
        assert!(
            text.starts_with("//!"),
            "{} has no //! module doc",
            file.display()
        );
    }
}

#[test]
fn psp_status_mappings_have_no_catch_all_arm() {
    let psp = src().join("core/psp");
    if !psp.exists() {
        return;
    }
    for file in rust_files(&psp) {
        let text = std::fs::read_to_string(&file).expect("readable");
        let production = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in production.lines().enumerate() {
            assert!(
                !line.trim_start().starts_with("_ =>"),
                "{}:{}: status mappings name every case",
                file.display(),
                n + 1
            );
        }
    }
}

//! The committed modules in `examples/wasm/artifacts` are deployable as they are and are exactly
//! what `examples/wasm/build.sh` builds from the sources today, with the compiler that built them
//! (`artifacts/TOOLCHAIN`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// EIP-170: the largest deployed code.
const MAX_CODE_SIZE: usize = 24_576;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/wasm")
}

/// The committed `.wasm` files, sorted by name.
fn committed_modules() -> Vec<PathBuf> {
    let dir = examples().join("artifacts");
    let mut modules: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    modules.sort();
    assert!(!modules.is_empty(), "no .wasm in {}", dir.display());
    modules
}

/// Why the wasm32-unknown-unknown standard library is missing, if it is.
fn missing_wasm_target() -> Option<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = match Command::new(&rustc).args(["--print", "sysroot"]).output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            return Some(format!("`{rustc} --print sysroot` failed: {}", String::from_utf8_lossy(&output.stderr)));
        }
        Err(e) => return Some(format!("cannot run `{rustc}`: {e}")),
    };
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let lib = Path::new(&sysroot).join("lib/rustlib/wasm32-unknown-unknown/lib");
    (!lib.is_dir())
        .then(|| format!("the wasm32-unknown-unknown target is not installed ({} is missing)", lib.display()))
}

/// `rustc -V` as `build.sh` runs it, or why it did not run.
fn toolchain() -> Result<String, String> {
    let output = Command::new("rustc")
        .arg("-V")
        .current_dir(examples())
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    if !output.status.success() {
        return Err(format!("`rustc -V` failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The ids of a module's sections, in order, or why the module does not parse.
fn section_ids(module: &[u8]) -> Result<Vec<u8>, String> {
    if !module.starts_with(b"\0asm\x01\0\0\0") {
        return Err("not a version-1 wasm module".into());
    }
    let truncated = || "truncated section header".to_string();
    let mut ids = Vec::new();
    let mut pos = 8;
    while pos < module.len() {
        ids.push(module[pos]);
        pos += 1;
        // The section's size, unsigned LEB128.
        let (mut size, mut shift) = (0usize, 0);
        loop {
            let byte = *module.get(pos).ok_or_else(truncated)?;
            pos += 1;
            size |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte < 0x80 {
                break;
            }
        }
        pos += size;
    }
    if pos > module.len() {
        return Err(format!("section {} runs past the end", ids.last().unwrap()));
    }
    Ok(ids)
}

#[test]
fn committed_modules_are_deployable() {
    for path in committed_modules() {
        let module = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let ids = section_ids(&module).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!ids.contains(&0), "{name} has a custom section: {ids:?}");
        assert_eq!(ids.last(), Some(&11), "{name} does not end with a data section: {ids:?}");
        assert!(module.len() <= MAX_CODE_SIZE, "{name}: {} bytes, above EIP-170's {MAX_CODE_SIZE}", module.len());
    }
}

#[test]
fn committed_modules_are_rebuilt_byte_for_byte() {
    if let Some(why) = missing_wasm_target() {
        eprintln!("skipped: {why}");
        return;
    }
    // Other compilers emit other bytes: compare only with the one that built the artifacts.
    let built_by = std::fs::read_to_string(examples().join("artifacts/TOOLCHAIN")).expect("artifacts/TOOLCHAIN");
    let built_by = built_by.trim();
    match toolchain() {
        Ok(current) if current == built_by => {}
        Ok(current) => {
            eprintln!("skipped: the artifacts were built by {built_by}; this is {current}");
            return;
        }
        Err(why) => panic!("{why}"),
    }
    let out = tempfile::tempdir().expect("a temporary directory");
    let build =
        Command::new("bash").arg(examples().join("build.sh")).arg(out.path()).output().expect("bash runs build.sh");
    assert!(
        build.status.success(),
        "build.sh failed ({}):\n{}{}",
        build.status,
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );

    let mut differences = Vec::new();
    for path in committed_modules() {
        let name = path.file_name().unwrap();
        let committed = std::fs::read(&path).unwrap();
        match std::fs::read(out.path().join(name)) {
            Ok(rebuilt) if rebuilt == committed => {}
            Ok(rebuilt) => differences.push(format!(
                "{}: committed {} bytes, rebuilt {} bytes{}",
                name.to_string_lossy(),
                committed.len(),
                rebuilt.len(),
                if rebuilt.len() == committed.len() { " (same size, different bytes)" } else { "" }
            )),
            Err(e) => differences.push(format!("{}: not rebuilt ({e})", name.to_string_lossy())),
        }
    }
    let committed: Vec<_> = committed_modules().iter().map(|p| p.file_name().unwrap().to_owned()).collect();
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let name = entry.unwrap().file_name();
        if !committed.contains(&name) && name != "TOOLCHAIN" {
            differences.push(format!("{}: built but not committed", name.to_string_lossy()));
        }
    }
    assert!(
        differences.is_empty(),
        "examples/wasm/artifacts is stale; run examples/wasm/build.sh and commit the result:\n{}",
        differences.join("\n")
    );
}

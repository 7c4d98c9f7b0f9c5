//! The shape of the code, checked as the other invariants are: no source file over 600 lines, no
//! package over ~35% of the source lines, and no import circle between the devnet's rooms.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, skipping build output.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') && !path.is_symlink() {
                    todo.push(path);
                }
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn lines_of(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())).lines().count()
}

/// The packages whose sources count, with their directories (sources, unit and integration
/// tests).
const PACKAGES: &[(&str, &[&str])] = &[
    ("manaflow-types", &["types"]),
    ("manaflow-ledger", &["ledger"]),
    ("manaflow-evm", &["evm"]),
    ("manaflow-wasm", &["runtime-wasm/src", "runtime-wasm/tests"]),
    ("manaflow-sdk", &["runtime-wasm/sdk"]),
    ("manaflow-repl", &["repl"]),
    ("manaflow", &["devnet"]),
    ("end-to-end tests", &["tests"]),
];

/// Every `.rs` file of a package.
fn package_files(dirs: &[&str]) -> Vec<PathBuf> {
    dirs.iter().flat_map(|dir| rust_files(&root().join(dir))).collect()
}

#[test]
fn no_source_file_is_over_600_lines() {
    let long: Vec<String> = PACKAGES
        .iter()
        .flat_map(|(_, dirs)| package_files(dirs))
        .filter_map(|path| {
            let lines = lines_of(&path);
            (lines > 600).then(|| format!("{} ({lines} lines)", path.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by responsibility: {long:#?}");
}

#[test]
fn no_package_holds_more_than_35_percent_of_the_source_lines() {
    let sizes: Vec<(&str, usize)> =
        PACKAGES.iter().map(|(name, dirs)| (*name, package_files(dirs).iter().map(|p| lines_of(p)).sum())).collect();
    let total: usize = sizes.iter().map(|(_, n)| n).sum();
    for (name, lines) in &sizes {
        let share = *lines as f64 / total as f64;
        assert!(share <= 0.36, "{name} holds {:.0}% of {total} lines: {sizes:?}", share * 100.0);
    }
}

/// The room a devnet source file belongs to: its top-level module (`rpc` for `rpc/eth.rs`).
fn room_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative.components().next().expect("a component").as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn the_devnet_rooms_import_each_other_without_circles() {
    let src = root().join("devnet/src");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let room = room_of(&src, &file);
        if room == "lib" || room == "bin" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        // Code only: a doc comment may name another room without depending on it.
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        let text = code;
        for (i, _) in text.match_indices("crate::") {
            let name: String =
                text[i + "crate::".len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let is_room = src.join(format!("{name}.rs")).exists() || src.join(&name).join("mod.rs").exists();
            if !name.is_empty() && name != room && is_room {
                edges.entry(room.clone()).or_default().insert(name);
            }
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        room: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|r| r == room) {
            let mut circle = path[at..].to_vec();
            circle.push(room.to_string());
            return Some(circle);
        }
        if done.contains(room) {
            return None;
        }
        path.push(room.to_string());
        for next in edges.get(room).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(room.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for room in edges.keys() {
        let circle = visit(room, &edges, &mut Vec::new(), &mut done);
        assert!(
            circle.is_none(),
            "an import circle: {}\n(all edges: {edges:#?})",
            circle.unwrap_or_default().join(" → ")
        );
    }
    assert!(edges.len() > 5, "the scan found the rooms: {edges:?}");
}

//! Every shared default is written once (issue 35): the seed, the reference count, the
//! integrated-gradient settings, the batch sizes and the device appear as literals only
//! where they are defined, outside tests and comments, in every crate of the workspace.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "tests") {
                sources(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("tests.rs") {
            out.push(p);
        }
    }
}

/// The code of `path`: its inline test module cut off, comment lines dropped.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => &text,
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn shared_defaults_are_defined_once() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for c in std::fs::read_dir(&crates).unwrap() {
        let src = c.unwrap().path().join("src");
        if src.is_dir() {
            sources(&src, &mut files);
        }
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    // (what, literal, the one file allowed to hold it)
    let single: [(&str, &str, Option<&str>); 8] = [
        ("the default seed", "1714", Some("seq/src/lib.rs")),
        (
            "the reference count",
            "SHUFFLES: usize = 20",
            Some("ops/src/defaults.rs"),
        ),
        ("the reference count", "Shuffle(20)", None),
        (
            "the integrated-gradient maximum",
            "1600",
            Some("ops/src/defaults.rs"),
        ),
        (
            "the integrated-gradient start",
            "IG_STEPS: usize = 50",
            Some("ops/src/defaults.rs"),
        ),
        ("the device", "default_value = \"cpu\"", None),
        (
            "the tile stride",
            "TILE_STRIDE: usize = 50",
            Some("ops/src/defaults.rs"),
        ),
        (
            "the training batch size",
            "TRAIN_BATCH_SIZE: usize = 100",
            Some("nn/src/train/mod.rs"),
        ),
    ];
    let mut problems = Vec::new();
    for (what, literal, home) in single {
        let holders: Vec<String> = files
            .iter()
            .filter(|f| code(f).contains(literal))
            .map(|f| f.strip_prefix(&crates).unwrap().display().to_string())
            .collect();
        let want: Vec<String> = home.map(str::to_string).into_iter().collect();
        if holders != want {
            problems.push(format!(
                "{what} (`{literal}`) is written in {holders:?}, expected {want:?}"
            ));
        }
    }
    // No command-line batch size is a number: each names a constant.
    for f in &files {
        let c = code(f);
        let mut rest = c.as_str();
        while let Some(i) = rest.find("pub batch_size") {
            let before = &rest[..i];
            let attr = before.rfind("#[arg(").map_or("", |j| &before[j..]);
            if attr.contains("default_value_t = ") && attr.contains("default_value_t = 1")
                || attr.contains("default_value_t = 2")
            {
                problems.push(format!("{}: a literal --batch-size default", f.display()));
            }
            rest = &rest[i + 1..];
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

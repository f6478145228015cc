//! The command-line crate only parses arguments and calls the library (issue 35): no
//! function in `crates/cli/src` is over 80 lines, and `cmd/train.rs` stays under 250 lines
//! (training's configuration, rules and ensemble orchestration live in
//! `explainn_run::train_spec`).

use std::path::{Path, PathBuf};

const MAX_FUNCTION_LINES: usize = 80;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (name, first line, length) of every function with a body in `text`: from its `fn`
/// line to the closing brace at the same indentation.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let rest = ["pub(crate) ", "pub ", "const ", "unsafe ", "async "]
            .iter()
            .fold(trimmed, |t, p| t.strip_prefix(p).unwrap_or(t));
        let Some(sig) = rest.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = sig
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        if let Some(end) = (i..lines.len()).find(|&j| lines[j].trim_end() == close) {
            out.push((name, i + 1, end - i + 1));
        }
    }
    out
}

#[test]
fn the_cli_only_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut long = Vec::new();
    for f in &files {
        for (name, at, n) in functions(&std::fs::read_to_string(f).unwrap()) {
            if n > MAX_FUNCTION_LINES {
                long.push(format!("{}:{at} {name}: {n} lines", f.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines in the CLI (move the work into a library crate):\n{}",
        long.join("\n")
    );
    let train = std::fs::read_to_string(root.join("cmd/train.rs")).unwrap();
    assert!(
        train.lines().count() < 250,
        "cmd/train.rs has {} lines",
        train.lines().count()
    );
}

#[test]
fn the_length_check_sees_a_long_function() {
    let long = format!("pub fn f() {{\n{}}}\n", "    x();\n".repeat(90));
    assert_eq!(functions(&long), vec![("f".to_string(), 1, 92)]);
    let nested = "impl A {\n    fn g(&self) {\n        y();\n    }\n}\n";
    assert_eq!(functions(nested), vec![("g".to_string(), 2, 3)]);
}

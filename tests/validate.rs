//! `cascade validate`.

use crate::util::{cascade, scenarios, stderr, stdout};
use std::fs;

#[test]
fn shipped_scenarios_validate() {
    let dir = scenarios();
    let mut files: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| p.to_str().unwrap().to_owned())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let out = cascade(&dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().filter(|l| l.starts_with("ok: ")).count(), files.len());
}

#[test]
fn validate_reports_syntax_and_semantic_errors_of_every_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("typo.ron"), "(\n  name: \"t\",\n  margin: (initial: 0.05, maintenence: 0.02),\n)")
        .unwrap();
    fs::write(
        dir.path().join("meaning.ron"),
        "(ticks: 10, margin: (initial: 0.05, maintenance: 0.5), shocks: [(at: 99, kind: PriceGap(change: -0.1))])",
    )
    .unwrap();
    fs::write(dir.path().join("good.ron"), "(name: \"good\")").unwrap();
    let out = cascade(dir.path(), &["validate", "typo.ron", "meaning.ron", "good.ron", "missing.ron"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("typo.ron:3:"), "{err}");
    assert!(err.contains("maintenence"), "{err}");
    assert!(err.contains("margin.maintenance: expected a fraction above 0 and below margin.initial"), "{err}");
    assert!(err.contains("shocks[0].at: expected a tick inside the run"), "{err}");
    assert!(err.contains("missing.ron: no such file, and no shipped scenario of that name"), "{err}");
    assert!(err.contains("3 of 4 scenario files failed validation"), "{err}");
    assert!(stdout(&out).contains("ok: good.ron"));
    assert!(!err.contains("panicked"));
}

/// docs/scenarios.md shows the errors of three typical mistakes "exactly as printed": keep it true.
#[test]
fn the_documented_error_output_is_what_the_program_prints() {
    let docs = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenarios.md")).unwrap();
    // The files are in the ```ron block that follows the output, each introduced by a `// NAME.ron` line.
    let ron_block = docs.split("\nwith\n\n```ron\n").nth(1).unwrap().split("```").next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut current: Option<(String, String)> = None;
    for line in ron_block.lines().chain(std::iter::once("// end.ron")) {
        if let Some(name) = line.strip_prefix("// ").filter(|n| n.ends_with(".ron")) {
            if let Some((file, text)) = current.take() {
                fs::write(dir.path().join(file), text).unwrap();
            }
            current = Some((name.to_owned(), String::new()));
        } else if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    let commands = docs.split("```text\n$ cascade validate typo.ron meaning.ron variant.ron\n").nth(1).unwrap();
    let block = commands.split("```").next().unwrap();
    let mut sections = block.split("$ cascade ");
    let validate_expected = sections.next().unwrap();
    let out = cascade(dir.path(), &["validate", "typo.ron", "meaning.ron", "variant.ron"]);
    assert_eq!(stderr(&out), validate_expected);
    for section in sections {
        let (command, expected) = section.split_once('\n').unwrap();
        let args: Vec<&str> = command.split(' ').collect();
        assert_eq!(stderr(&cascade(dir.path(), &args)), expected, "cascade {command}");
    }
}

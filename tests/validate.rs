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

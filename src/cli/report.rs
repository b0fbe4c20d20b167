//! `cascade report`: figures and a Markdown summary of a run, sweep or calibration directory.

use anyhow::Result;
use std::path::{Path, PathBuf};

/// Reports on `dir` into `out` (default `dir/report`) and lists the files written unless `quiet`.
pub fn report(dir: &Path, out: Option<PathBuf>, quiet: bool) -> Result<()> {
    let out = out.unwrap_or_else(|| dir.join("report"));
    let report = cascade_report::report(dir, &out)?;
    if !quiet {
        println!("{:?} report: {} files in {}", report.kind, report.files.len(), out.display());
        for file in &report.files {
            println!("  {}", file.display());
        }
    }
    Ok(())
}

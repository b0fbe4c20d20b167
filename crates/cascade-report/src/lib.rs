//! Headless reports of what cascade writes: PNG and SVG figures and a Markdown summary (`report.md`) for a run
//! directory (`cascade run`), a sweep (`cascade sweep`) or a calibration (`cascade calibrate`), drawn without a
//! window or system fonts, for CI and servers.
//!
//! The kind of directory is told by its files: `calibration.json` (a calibration), `points.csv` (a sweep),
//! `timeseries.csv` (a run). Every figure is a [`chart::Figure`] built from those files alone, so a report can be
//! made long after the run, on another machine.

pub mod calibration;
pub mod chart;
pub mod data;
pub mod run;
pub mod sweep;

use std::path::{Path, PathBuf};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The directory holds none of the files a run, sweep or calibration writes.
    #[error(
        "{dir}: not a run, sweep or calibration directory (expected timeseries.csv, points.csv or calibration.json)"
    )]
    Unrecognised {
        /// The directory given.
        dir: String,
    },
    /// A file could not be read or parsed (`path` carries the line, and column when known).
    #[error("{path}: {message}")]
    Read {
        /// The file (and position).
        path: String,
        /// The cause.
        message: String,
    },
    /// A table lacks a column the report needs.
    #[error("{path}: no column `{column}`")]
    MissingColumn {
        /// The file.
        path: String,
        /// The column expected.
        column: String,
    },
    /// A figure could not be drawn or written.
    #[error(transparent)]
    Draw(#[from] chart::DrawError),
    /// The output directory or `report.md` could not be written.
    #[error("{path}: {message}")]
    Write {
        /// The file or directory.
        path: String,
        /// The cause.
        message: String,
    },
}

/// What a directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One run's time series, events and summary.
    Run,
    /// A sweep's runs and points tables.
    Sweep,
    /// A calibration's answer and frontier.
    Calibration,
}

impl Kind {
    /// The kind of output directory `dir` is, told by its files.
    pub fn of(dir: &Path) -> Result<Self, ReportError> {
        if dir.join("calibration.json").is_file() {
            Ok(Self::Calibration)
        } else if dir.join("points.csv").is_file() {
            Ok(Self::Sweep)
        } else if dir.join("timeseries.csv").is_file() {
            Ok(Self::Run)
        } else {
            Err(ReportError::Unrecognised { dir: dir.display().to_string() })
        }
    }
}

/// The Markdown being written and the figure files made so far.
#[derive(Debug, Default)]
pub struct Document {
    markdown: String,
    files: Vec<PathBuf>,
}

impl Document {
    /// Adds a second-level heading.
    pub fn heading(&mut self, text: &str) {
        self.markdown.push_str(&format!("\n## {text}\n\n"));
    }

    /// Adds a paragraph.
    pub fn paragraph(&mut self, text: &str) {
        self.markdown.push_str(text);
        self.markdown.push_str("\n\n");
    }

    /// Adds a table with `header` and `rows` (cells as given; `|` escaped).
    pub fn table<const N: usize>(&mut self, header: &[&str], rows: &[[String; N]]) {
        let line = |cells: Vec<&str>| {
            format!("| {} |\n", cells.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | "))
        };
        self.markdown.push_str(&line(header.to_vec()));
        self.markdown.push_str(&line(header.iter().map(|_| "---").collect()));
        for row in rows {
            self.markdown.push_str(&line(row.iter().map(String::as_str).collect()));
        }
        self.markdown.push('\n');
    }

    /// Draws `figure` as `out/STEM.png` and `out/STEM.svg` and links the PNG from the Markdown. A figure whose
    /// panels are all empty is skipped with a note.
    pub fn figure(&mut self, out: &Path, figure: &chart::Figure, stem: &str) -> Result<(), ReportError> {
        let mut figure = figure.clone();
        figure.panels.retain(|p| !p.is_empty());
        if figure.panels.is_empty() {
            self.paragraph(&format!("*{}*: nothing to plot.", figure.title));
            return Ok(());
        }
        self.files.extend(chart::write(&figure, out, stem)?);
        self.markdown.push_str(&format!("![{}]({stem}.png)\n\n", figure.title));
        Ok(())
    }
}

/// A finished report: the kind of directory, `report.md` and the figures written.
#[derive(Debug)]
pub struct Report {
    /// What the directory held.
    pub kind: Kind,
    /// Every file written: the PNG and SVG of each figure, then `report.md`.
    pub files: Vec<PathBuf>,
}

/// Reports on the output directory `dir`, writing into `out` (created if missing).
pub fn report(dir: &Path, out: &Path) -> Result<Report, ReportError> {
    let kind = Kind::of(dir)?;
    std::fs::create_dir_all(out)
        .map_err(|e| ReportError::Write { path: out.display().to_string(), message: e.to_string() })?;
    let mut doc = Document::default();
    match kind {
        Kind::Run => run::report(dir, out, &mut doc)?,
        Kind::Sweep => sweep::report(dir, out, &mut doc)?,
        Kind::Calibration => calibration::report(dir, out, &mut doc)?,
    }
    let path = out.join("report.md");
    let text = format!("# cascade report: {}\n{}", dir.display(), doc.markdown);
    std::fs::write(&path, text)
        .map_err(|e| ReportError::Write { path: path.display().to_string(), message: e.to_string() })?;
    doc.files.push(path);
    Ok(Report { kind, files: doc.files })
}

//! The journal of finished runs: one JSON line per run, appended and flushed as each run ends, so an interrupted
//! sweep (Ctrl-C, or killed outright) resumes without redoing them. A line cut short by a kill is dropped on resume.

use crate::SweepError;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What one finished run left: its figures, or why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The run's index in the sweep.
    pub run: usize,
    /// Its figures by name (`None`: missing), in name order.
    pub figures: Vec<(String, Option<f64>)>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// A journal file open for appending.
pub struct Journal {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl Journal {
    /// Opens the journal at `path`, reading the runs it records; a last line cut short is dropped (the file is
    /// rewritten with the whole lines only, through a rename).
    pub fn open(path: &Path) -> Result<(Self, Vec<Entry>), SweepError> {
        let io = |e: std::io::Error| SweepError::Io { path: path.display().to_string(), message: e.to_string() };
        let mut entries = Vec::new();
        if path.exists() {
            let reader = std::io::BufReader::new(std::fs::File::open(path).map_err(io)?);
            for line in reader.lines() {
                match serde_json::from_str::<Entry>(&line.map_err(io)?) {
                    Ok(entry) => entries.push(entry),
                    Err(_) => break,
                }
            }
            let mut text = String::new();
            for entry in &entries {
                text.push_str(&serde_json::to_string(entry).map_err(|e| io(e.into()))?);
                text.push('\n');
            }
            crate::table::write_atomically(path, text.as_bytes())
                .map_err(|e| SweepError::Io { path: path.display().to_string(), message: e.to_string() })?;
        }
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        Ok((Self { path: path.to_path_buf(), file: Mutex::new(file) }, entries))
    }

    /// Appends one finished run and flushes it to the file.
    pub fn append(&self, entry: &Entry) -> Result<(), SweepError> {
        let io = |e: std::io::Error| SweepError::Io { path: self.path.display().to_string(), message: e.to_string() };
        let mut line = serde_json::to_string(entry).map_err(|e| io(e.into()))?;
        line.push('\n');
        let mut file = self.file.lock().map_err(|_| io(std::io::Error::other("journal lock poisoned")))?;
        file.write_all(line.as_bytes()).and_then(|()| file.flush()).map_err(io)
    }
}

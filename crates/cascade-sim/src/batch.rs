//! Running many independent worlds at once: the engine under `cascade compare`, and later sweeps, calibration and
//! the Python module.
//!
//! Each job is one scenario and seed; jobs run on a [`rayon`] pool of the requested size and their results come
//! back in job order, so what a batch returns does not depend on the number of threads (each world is
//! deterministic on its own). Nothing here decides where records go: the caller's `recording` says, per job, whether
//! rows stream to files or only the summary is kept (sweeps), and its `finish` what to make of each finished world.

use crate::recorder::Recording;
use crate::{SimError, Simulation};
use cascade_scenario::Scenario;
use rayon::prelude::*;

/// One run of a batch: a scenario and the seed of its random streams.
#[derive(Debug, Clone)]
pub struct Job {
    /// The validated scenario to run.
    pub scenario: Scenario,
    /// The seed.
    pub seed: u64,
}

/// Why a batch could not run.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The worlds run at once would not fit in the memory available (refused before any is built).
    #[error(transparent)]
    TooLarge(#[from] crate::memory::TooLarge),
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    Pool {
        /// Threads asked for.
        threads: usize,
        /// The cause.
        message: String,
    },
}

/// Runs every job to its last tick on `threads` threads (`None`: one per core), recording each as `recording`
/// says (to files, or only its summary), and hands each finished world to `finish`; returns what `finish` made of
/// each job, in job order. A run that fails is an `Err` in its slot and does not stop the others. `done` is called
/// once per finished job, in completion order (for a progress bar). Refused up front when as many of the largest
/// world as run at once would not fit in the memory available.
pub fn run<T, E>(
    jobs: &[Job],
    threads: Option<usize>,
    recording: impl Fn(usize, &Job) -> Result<Recording, E> + Sync,
    finish: impl Fn(usize, &Job, Simulation) -> Result<T, E> + Sync,
    done: impl Fn(usize) + Sync,
) -> Result<Vec<Result<T, E>>, BatchError>
where
    T: Send,
    E: From<SimError> + Send,
{
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = threads {
        builder = builder.num_threads(threads.max(1));
    }
    let pool =
        builder.build().map_err(|e| BatchError::Pool { threads: threads.unwrap_or(0), message: e.to_string() })?;
    let at_once = pool.current_num_threads().min(jobs.len());
    crate::memory::check(jobs.iter().map(|j| &j.scenario), at_once, crate::memory::available())?;
    Ok(pool.install(|| {
        jobs.par_iter()
            .enumerate()
            .map(|(i, job)| {
                let result = recording(i, job)
                    .and_then(|recording| {
                        let mut sim = Simulation::with_recording(&job.scenario, job.seed, recording)?;
                        sim.run(|_, _| {})?;
                        Ok(sim)
                    })
                    .and_then(|sim| finish(i, job, sim));
                done(i);
                result
            })
            .collect()
    }))
}

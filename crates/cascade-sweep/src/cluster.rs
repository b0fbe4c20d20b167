//! Sweeps on the batch engines clusters already run: a Slurm job array or a Kubernetes Indexed Job, each task one
//! shard (`cascade sweep PLAN --shard auto/N`, its index read from the engine), then `cascade merge` as a step that
//! waits for all of them.
//!
//! Nothing here schedules: the engines do. This module reads a task's index from the engine's variable, estimates a
//! task's time and memory from a short pilot run, and writes the scripts and manifests that submit the sweep.

use crate::sweep::Sweep;
use crate::{Shard, SweepError};
use cascade_sim::batch::Job;
use cascade_sim::recorder::Recording;
use std::path::Path;
use std::time::Instant;

/// The variables batch engines set to a task's index, in the order they are read: Slurm job arrays, Kubernetes
/// Indexed Jobs.
pub const INDEX_VARIABLES: [&str; 2] = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

/// Which shard a process runs: given (`I/N`), or `auto/N`, the index read from the batch engine when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    /// This shard.
    Fixed(Shard),
    /// Shard `$INDEX` of this many, `$INDEX` from one of [`INDEX_VARIABLES`].
    Auto(usize),
}

impl ShardSpec {
    /// The shard, reading the engine's variable through `var` for `auto/N`. Fails, naming the variables, when none
    /// is set, or when its value is not an index below `N`.
    pub fn resolve(self, var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let count = match self {
            ShardSpec::Fixed(shard) => return Ok(shard),
            ShardSpec::Auto(count) => count,
        };
        let Some((name, value)) = INDEX_VARIABLES.iter().find_map(|name| var(name).map(|v| (*name, v))) else {
            return Err(format!(
                "--shard auto/{count} takes its index from {}, and neither is set (give the shard as I/{count} \
                 outside a job array)",
                INDEX_VARIABLES.join(" or ")
            ));
        };
        match value.trim().parse::<usize>() {
            Ok(index) if index < count => Ok(Shard { index, count }),
            _ => Err(format!("{name}={value} is not a shard index of --shard auto/{count} (0 to {})", count - 1)),
        }
    }
}

impl std::str::FromStr for ShardSpec {
    type Err = String;

    /// `I/N` with `0 <= I < N`, or `auto/N` with `N >= 1`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().strip_prefix("auto/") {
            Some(n) => match n.trim().parse::<usize>() {
                Ok(count) if count > 0 => Ok(ShardSpec::Auto(count)),
                _ => Err(format!("expected a shard as I/N or auto/N with N >= 1, found `{s}`")),
            },
            None => s.parse().map(ShardSpec::Fixed),
        }
    }
}

/// The least memory a task asks for, MiB: the program, its tables and the Parquet writer, whatever the worlds.
pub const MIN_TASK_MIB: u64 = 256;

/// What one task of a cluster sweep is expected to need, from a pilot run on this machine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Tasks (shards) of the sweep.
    pub tasks: usize,
    /// Runs in the largest shard.
    pub runs_per_task: usize,
    /// Cores each task asks for (and runs at once).
    pub cores_per_task: usize,
    /// Wall-clock seconds the pilot's runs took each, on average, on one core.
    pub seconds_per_run: f64,
    /// Time limit of a task, minutes: its runs at the pilot's pace over its cores, doubled, plus five minutes.
    pub minutes: u64,
    /// Memory of a task, MiB: [`cascade_sim::memory::estimate`] of the largest world times the cores, plus half
    /// again, and at least [`MIN_TASK_MIB`].
    pub memory_mib: u64,
}

impl Estimate {
    /// Estimates a task of `sweep` cut into `tasks` shards of `cores` cores each, by running its first `pilot` runs
    /// (at least one) on one thread, summaries only.
    pub fn pilot(sweep: &Sweep, tasks: usize, cores: usize, pilot: usize) -> Result<Self, SweepError> {
        let (tasks, cores) = (tasks.max(1), cores.max(1));
        let jobs: Vec<Job> = sweep.runs.iter().take(pilot.max(1)).map(|r| r.job.clone()).collect();
        let started = Instant::now();
        let results = cascade_sim::batch::run(
            &jobs,
            Some(1),
            |_, _| Ok::<_, cascade_sim::SimError>(Recording::SummaryOnly),
            |_, _, _| Ok(()),
            |_| {},
        )
        .map_err(|e| SweepError::Run(e.to_string()))?;
        if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
            return Err(SweepError::Run(format!("the pilot run failed: {e}")));
        }
        let seconds_per_run = started.elapsed().as_secs_f64() / jobs.len() as f64;
        let largest = sweep.runs.iter().map(|r| cascade_sim::memory::estimate(&r.job.scenario)).max().unwrap_or(0);
        Ok(Self::from_pilot(sweep.runs.len(), tasks, cores, seconds_per_run, largest))
    }

    /// The estimate for `runs` runs cut into `tasks` shards of `cores` cores, each run taking `seconds_per_run`
    /// on one core and its world `world_bytes` of memory.
    pub fn from_pilot(runs: usize, tasks: usize, cores: usize, seconds_per_run: f64, world_bytes: u64) -> Self {
        let runs_per_task = runs.div_ceil(tasks);
        let seconds = runs_per_task as f64 * seconds_per_run / cores as f64;
        let minutes = (2.0 * seconds / 60.0).ceil() as u64 + 5;
        let memory_mib = (world_bytes * cores as u64 * 3 / 2).div_ceil(1 << 20).max(MIN_TASK_MIB);
        Self { tasks, runs_per_task, cores_per_task: cores, seconds_per_run, minutes, memory_mib }
    }

    /// The time limit as Slurm writes it, `D-HH:MM:00`.
    pub fn slurm_time(&self) -> String {
        let (days, rest) = (self.minutes / (24 * 60), self.minutes % (24 * 60));
        format!("{days}-{:02}:{:02}:00", rest / 60, rest % 60)
    }
}

/// The cascade binary a cluster task runs, the plan and the output directory, as the task sees them.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The `cascade` executable.
    pub cascade: String,
    /// The sweep plan.
    pub plan: String,
    /// The sweep's output directory (shared by every task).
    pub out: String,
}

/// A single-quoted shell word.
fn quoted(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The Slurm job array of a sweep: one task per shard, each running `cascade sweep --shard auto/N` with the
/// estimate's time, memory and cores; its log per task under `<out>/slurm/`.
pub fn slurm_array(sweep: &Sweep, paths: &Paths, estimate: &Estimate) -> String {
    let (cascade, plan, out) = (quoted(&paths.cascade), quoted(&paths.plan), quoted(&paths.out));
    format!(
        "#!/bin/bash\n\
         # The sweep {name:?} as a Slurm job array: {runs} runs in {tasks} tasks of at most {per} runs each.\n\
         # Time and memory are estimated from a pilot run ({pace:.2} s a run on one core); written by\n\
         # `cascade sweep --emit slurm`. Submit it with submit.sh beside it, which adds the merge.\n\
         #SBATCH --job-name=cascade-{name}\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --cpus-per-task={cores}\n\
         #SBATCH --mem={mem}M\n\
         #SBATCH --time={time}\n\
         #SBATCH --output={log}/task-%a.log\n\
         #SBATCH --requeue\n\
         set -euo pipefail\n\
         # A requeued task resumes its part from the part's journal; a complete part is left as it is.\n\
         exec {cascade} sweep {plan} --out {out} --shard auto/{tasks} --jobs {cores} -q\n",
        name = sweep.plan.name,
        runs = sweep.runs.len(),
        tasks = estimate.tasks,
        per = estimate.runs_per_task,
        pace = estimate.seconds_per_run,
        last = estimate.tasks - 1,
        cores = estimate.cores_per_task,
        mem = estimate.memory_mib,
        time = estimate.slurm_time(),
        log = paths.out.trim_end_matches('/').to_owned() + "/slurm",
    )
}

/// The script that submits the array and, once every task has succeeded (`--dependency=afterok`), `cascade merge`.
pub fn slurm_submit(paths: &Paths) -> String {
    let (cascade, out) = (quoted(&paths.cascade), quoted(&paths.out));
    let log = quoted(&(paths.out.trim_end_matches('/').to_owned() + "/slurm/merge.log"));
    format!(
        "#!/bin/bash\n\
         # Submits the sweep's job array, then the merge of its parts as a job that starts when all tasks succeed.\n\
         set -euo pipefail\n\
         cd \"$(dirname \"$0\")\"\n\
         array=$(sbatch --parsable sweep.sbatch)\n\
         merge=$(sbatch --parsable --dependency=afterok:\"${{array%%;*}}\" --job-name=cascade-merge \
         --output={log} --wrap \"exec {cascade} merge {out} -q\")\n\
         echo \"array ${{array%%;*}}, merge $merge\"\n"
    )
}

/// What a Kubernetes Indexed Job's deadline allows beyond its tasks' time limits: scheduling pods and pulling the
/// image, seconds.
pub const SCHEDULING_SLACK_SECONDS: u64 = 1800;

/// What a Kubernetes Indexed Job needs besides the estimate: the container image (holding `cascade`) and the
/// persistent volume claim mounted at `/work`, which holds the plan and the output.
#[derive(Debug, Clone)]
pub struct Kubernetes {
    /// The container image.
    pub image: String,
    /// The persistent volume claim, shared by every pod.
    pub volume_claim: String,
    /// Pods running at once.
    pub parallelism: usize,
}

/// The Kubernetes Indexed Job of a sweep (`completionMode: Indexed`, one completion per shard, the index in
/// `JOB_COMPLETION_INDEX`), and the Job that merges the parts once it has completed. `paths` are as the pods see
/// them, on the volume mounted at `/work`.
pub fn kubernetes_jobs(sweep: &Sweep, paths: &Paths, estimate: &Estimate, k8s: &Kubernetes) -> (String, String) {
    let name = format!("cascade-{}", dns_label(&sweep.plan.name));
    let pod = |args: Vec<String>, cores: usize| {
        let resources = format!(
            "          resources:\n            requests: {{cpu: \"{cores}\", memory: \"{mem}Mi\"}}\n            \
             limits: {{memory: \"{mem}Mi\"}}\n",
            mem = estimate.memory_mib
        );
        let args = args.iter().map(|a| format!("\"{}\"", a.replace('"', "\\\""))).collect::<Vec<_>>().join(", ");
        format!(
            "      restartPolicy: Never\n      containers:\n        - name: cascade\n          image: \"{image}\"\n          \
             command: [\"{cascade}\"]\n          args: [{args}]\n{resources}          volumeMounts:\n            \
             - {{name: work, mountPath: /work}}\n      volumes:\n        - name: work\n          \
             persistentVolumeClaim: {{claimName: \"{claim}\"}}\n",
            image = k8s.image,
            cascade = paths.cascade,
            claim = k8s.volume_claim,
        )
    };
    let sweep_args = vec![
        "sweep".into(),
        paths.plan.clone(),
        "--out".into(),
        paths.out.clone(),
        "--shard".into(),
        format!("auto/{}", estimate.tasks),
        "--jobs".into(),
        estimate.cores_per_task.to_string(),
        "-q".into(),
    ];
    let job = format!(
        "# The sweep {plan:?} as a Kubernetes Indexed Job: {runs} runs in {tasks} completions (written by\n\
         # `cascade sweep --emit k8s`). Apply it, wait for it, then apply merge-job.yaml.\n\
         apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\nspec:\n  completionMode: Indexed\n  \
         completions: {tasks}\n  parallelism: {parallelism}\n  backoffLimitPerIndex: 3\n  \
         activeDeadlineSeconds: {deadline}\n  template:\n    spec:\n{pod}",
        plan = sweep.plan.name,
        runs = sweep.runs.len(),
        tasks = estimate.tasks,
        parallelism = k8s.parallelism.clamp(1, estimate.tasks),
        deadline = estimate.minutes * 60 * estimate.tasks.div_ceil(k8s.parallelism.clamp(1, estimate.tasks)) as u64
            + SCHEDULING_SLACK_SECONDS,
        pod = pod(sweep_args, estimate.cores_per_task),
    );
    let merge = format!(
        "# Merges the parts of {name} once it has completed:\n\
         #   kubectl wait --for=condition=complete --timeout=-1s job/{name} && kubectl apply -f merge-job.yaml\n\
         apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}-merge\nspec:\n  backoffLimit: 2\n  template:\n    \
         spec:\n{pod}",
        pod = pod(vec!["merge".into(), paths.out.clone(), "-q".into()], 1),
    );
    (job, merge)
}

/// `name` as a Kubernetes object name: lower case, letters, digits and `-`, at most 50 characters.
fn dns_label(name: &str) -> String {
    let label: String =
        name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).take(50).collect();
    label.trim_matches('-').to_owned()
}

/// Writes the Slurm files of a sweep under `<dir>/slurm/` (`sweep.sbatch`, `submit.sh`); returns the directory.
pub fn write_slurm(
    dir: &Path,
    sweep: &Sweep,
    paths: &Paths,
    estimate: &Estimate,
) -> Result<std::path::PathBuf, SweepError> {
    let slurm = dir.join("slurm");
    write(&slurm.join("sweep.sbatch"), &slurm_array(sweep, paths, estimate))?;
    write(&slurm.join("submit.sh"), &slurm_submit(paths))?;
    Ok(slurm)
}

/// Writes the Kubernetes manifests of a sweep under `<dir>/k8s/` (`sweep-job.yaml`, `merge-job.yaml`); returns the
/// directory.
pub fn write_kubernetes(
    dir: &Path,
    sweep: &Sweep,
    paths: &Paths,
    estimate: &Estimate,
    k8s: &Kubernetes,
) -> Result<std::path::PathBuf, SweepError> {
    let out = dir.join("k8s");
    let (job, merge) = kubernetes_jobs(sweep, paths, estimate, k8s);
    write(&out.join("sweep-job.yaml"), &job)?;
    write(&out.join("merge-job.yaml"), &merge)?;
    Ok(out)
}

/// Writes `text` to `path` through a temporary name and a rename (as the sweep's own files are), creating its
/// directory.
fn write(path: &Path, text: &str) -> Result<(), SweepError> {
    let io = |e: std::io::Error| SweepError::Io { path: path.display().to_string(), message: e.to_string() };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    Ok(crate::table::write_atomically(path, text.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_shards_read_the_engines_index_and_say_which_variables_when_none_is_set() {
        let auto: ShardSpec = "auto/4".parse().unwrap();
        let slurm = |name: &str| (name == "SLURM_ARRAY_TASK_ID").then(|| "3".to_owned());
        assert_eq!(auto.resolve(slurm), Ok(Shard { index: 3, count: 4 }));
        let k8s = |name: &str| (name == "JOB_COMPLETION_INDEX").then(|| "0".to_owned());
        assert_eq!(auto.resolve(k8s), Ok(Shard { index: 0, count: 4 }));
        let none = auto.resolve(|_| None).unwrap_err();
        assert!(none.contains("SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX"), "{none}");
        let beyond = auto.resolve(|_| Some("4".to_owned())).unwrap_err();
        assert!(beyond.contains("0 to 3"), "{beyond}");
        assert_eq!("1/3".parse::<ShardSpec>(), Ok(ShardSpec::Fixed(Shard { index: 1, count: 3 })));
        assert!("auto/0".parse::<ShardSpec>().is_err());
        assert!("auto/x".parse::<ShardSpec>().is_err());
    }

    #[test]
    fn the_estimate_doubles_the_pilots_pace_and_adds_half_the_memory() {
        // 100 runs in 4 tasks of 2 cores: 25 runs a task at 12 s a run on one core = 150 s; doubled, 5 min; +5.
        let e = Estimate::from_pilot(100, 4, 2, 12.0, 100 << 20);
        assert_eq!((e.runs_per_task, e.minutes, e.memory_mib), (25, 10, 300));
        assert_eq!(Estimate::from_pilot(100, 4, 2, 12.0, 1 << 20).memory_mib, MIN_TASK_MIB);
        assert_eq!(e.slurm_time(), "0-00:10:00");
        assert_eq!(Estimate::from_pilot(1, 1, 1, 3.0 * 86_400.0, 1).slurm_time(), "6-00:05:00");
    }
}

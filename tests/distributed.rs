//! Sweeps on a cluster: a real one-node Slurm running the job array `cascade sweep --emit slurm` writes, and the
//! Kubernetes manifests of `--emit k8s` parsed as YAML.
//!
//! The Slurm tests start their own cluster (`tests/slurm/start-cluster.sh`: munge, slurmctld and slurmd, all state in
//! a temporary directory) and stop the daemons they started by process id. `.ci/run` installs Debian's slurm-wlm and
//! munge; where they are missing (or not root), the tests print `SKIPPED` and why, and pass.

use crate::util::{cascade, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The Slurm tests share ports and the node's name: one cluster at a time.
static CLUSTER: Mutex<()> = Mutex::new(());

/// A small plan: 2 points x 3 seeds = 6 runs of 300 ticks of the default scenario.
const PLAN: &str = r#"(
    name: "small",
    seed: 1,
    seeds: Count(3),
    scenarios: [(name: "default", ticks: 300)],
    axes: [(path: "margin.maintenance", values: List([0.02, 0.03]))],
    metrics: ["bad_debt", "liquidated_notional", "margin_locked_mean"],
)"#;

/// A running one-node cluster; dropping it stops the daemons it started.
struct Cluster {
    conf: PathBuf,
    pids: Vec<String>,
}

impl Cluster {
    /// Starts a cluster with its state under `dir`, or says why it cannot (`Err`: the test is skipped).
    fn start(dir: &Path) -> Result<Cluster, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slurm/start-cluster.sh");
        let out = Command::new("bash").arg(script).arg(dir).output().map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let pids: Vec<String> = text
            .lines()
            .find_map(|l| l.strip_prefix("pids: "))
            .map(|p| p.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let cluster = Cluster { conf: dir.join("slurm.conf"), pids };
        match out.status.code() {
            Some(0) => Ok(cluster),
            Some(3) => Err(text.trim().to_owned()),
            _ => panic!("the cluster did not start: {text}{}", String::from_utf8_lossy(&out.stderr)),
        }
    }

    /// A Slurm command against this cluster.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("SLURM_CONF", &self.conf);
        command
    }

    /// Waits until no job is pending or running (at most five minutes).
    fn wait_idle(&self) {
        let started = Instant::now();
        loop {
            let out = self.command("squeue").args(["-h", "-o", "%i %T"]).output().unwrap();
            if String::from_utf8_lossy(&out.stdout).trim().is_empty() {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(300), "jobs still queued after 5 minutes");
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for pid in self.pids.iter().rev() {
            let _ = Command::new("kill").arg(pid).status();
        }
        // Wait for them to go, so the next cluster can take the ports.
        for _ in 0..100 {
            if self.pids.iter().all(|pid| !Path::new("/proc").join(pid).exists()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Starts a cluster in `dir`, or prints why the test is skipped.
fn cluster_or_skip(dir: &Path, test: &str) -> Option<Cluster> {
    match Cluster::start(&dir.join("cluster")) {
        Ok(cluster) => Some(cluster),
        Err(why) => {
            println!("SKIPPED {test}: no Slurm cluster here ({why})");
            eprintln!("SKIPPED {test}: no Slurm cluster here ({why})");
            None
        }
    }
}

/// Writes the plan, runs it unsharded into `reference`, and emits its Slurm job of 4 tasks into `cluster-sweep`.
fn prepare(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("small.ron"), PLAN).unwrap();
    let reference = cascade(dir, &["sweep", "small.ron", "--out", "reference", "-q"]);
    assert!(reference.status.success(), "{}", stderr(&reference));
    let emit = cascade(dir, &["sweep", "small.ron", "--emit", "slurm", "--tasks", "4", "--out", "cluster-sweep"]);
    assert!(emit.status.success(), "{}", stderr(&emit));
    assert!(stdout(&emit).contains("6 runs in 4 tasks"), "{}", stdout(&emit));
    dir.join("cluster-sweep")
}

/// The merged tables equal the unsharded sweep's, byte for byte.
fn assert_same_tables(dir: &Path, out: &Path) {
    for table in ["runs.csv", "points.csv", "runs.parquet", "points.parquet"] {
        let merged = std::fs::read(out.join(table)).unwrap_or_else(|e| panic!("{table}: {e}"));
        assert_eq!(merged, std::fs::read(dir.join("reference").join(table)).unwrap(), "{table} differs");
    }
}

/// Submits the emitted job array and its dependent merge, and waits for both.
fn submit(cluster: &Cluster, out: &Path) {
    let submitted = cluster.command("bash").arg(out.join("slurm/submit.sh")).output().unwrap();
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    cluster.wait_idle();
}

#[test]
fn a_slurm_job_array_runs_the_shards_and_its_merge_equals_the_unsharded_sweep() {
    let _one = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let Some(cluster) = cluster_or_skip(dir.path(), "slurm job array") else { return };
    let out = prepare(dir.path());
    let script = std::fs::read_to_string(out.join("slurm/sweep.sbatch")).unwrap();
    for line in ["#SBATCH --array=0-3", "#SBATCH --cpus-per-task=1", "--shard auto/4", "#SBATCH --time=0-00:"] {
        assert!(script.contains(line), "{line} not in\n{script}");
    }
    let submit_script = std::fs::read_to_string(out.join("slurm/submit.sh")).unwrap();
    assert!(submit_script.contains("--dependency=afterok:"), "{submit_script}");
    submit(&cluster, &out);
    for i in 0..4 {
        let manifest = std::fs::read_to_string(out.join(format!("part-{i}-of-4/manifest.json"))).unwrap();
        assert!(manifest.contains("\"complete\": true"), "part {i}: {manifest}");
    }
    assert_same_tables(dir.path(), &out);
}

#[test]
fn a_task_run_again_or_killed_half_way_leaves_the_merge_identical() {
    let _one = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let Some(cluster) = cluster_or_skip(dir.path(), "slurm requeue") else { return };
    let out = prepare(dir.path());
    submit(&cluster, &out);
    assert_same_tables(dir.path(), &out);

    // Task 1 runs again (as a requeued task would): its part is complete, so it runs nothing.
    let journal = std::fs::read(out.join("part-1-of-4/journal.jsonl")).unwrap();
    let again = cluster.command("sbatch").args(["--wait", "--array=1"]).arg(out.join("slurm/sweep.sbatch")).output();
    assert!(again.unwrap().status.success());
    assert_eq!(std::fs::read(out.join("part-1-of-4/journal.jsonl")).unwrap(), journal, "task 1 ran runs again");

    // Task 2 killed half-way: its journal keeps one of its runs and no manifest says it finished. The merge refuses
    // the part; the task run again finishes it, and the merge is the unsharded sweep's again.
    let part = out.join("part-2-of-4");
    let journal = std::fs::read_to_string(part.join("journal.jsonl")).unwrap();
    let first = journal.lines().next().unwrap();
    std::fs::write(part.join("journal.jsonl"), format!("{first}\n")).unwrap();
    std::fs::remove_file(part.join("manifest.json")).unwrap();
    for table in ["runs.csv", "points.csv", "runs.parquet", "points.parquet"] {
        std::fs::remove_file(out.join(table)).unwrap();
    }
    let refused = cascade(dir.path(), &["merge", "cluster-sweep", "-q"]);
    assert!(!refused.status.success(), "a part without its manifest was merged");
    assert!(stderr(&refused).contains("part-2-of-4"), "{}", stderr(&refused));
    let rerun = cluster.command("sbatch").args(["--wait", "--array=2"]).arg(out.join("slurm/sweep.sbatch")).output();
    assert!(rerun.unwrap().status.success());
    let merged = cascade(dir.path(), &["merge", "cluster-sweep", "-q"]);
    assert!(merged.status.success(), "{}", stderr(&merged));
    assert_same_tables(dir.path(), &out);
}

#[test]
fn kubernetes_manifests_are_an_indexed_job_and_a_merge_job() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.ron"), PLAN).unwrap();
    let args = ["sweep", "small.ron", "--emit", "k8s", "--tasks", "3", "--jobs", "2", "--image", "ghcr.io/x/cascade:1"];
    let emit = cascade(dir.path(), &[&args[..], &["--out", "k"]].concat());
    assert!(emit.status.success(), "{}", stderr(&emit));
    let read = |name: &str| {
        let text = std::fs::read_to_string(dir.path().join("k/k8s").join(name)).unwrap();
        yaml_rust2::YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}")).remove(0)
    };
    let job = read("sweep-job.yaml");
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("Job"));
    assert_eq!(job["metadata"]["name"].as_str(), Some("cascade-small"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    assert_eq!(spec["completions"].as_i64(), Some(3));
    assert_eq!(spec["parallelism"].as_i64(), Some(3));
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let container = &pod["containers"][0];
    assert_eq!(container["image"].as_str(), Some("ghcr.io/x/cascade:1"));
    let args: Vec<&str> = container["args"].as_vec().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(args, ["sweep", "/work/small.ron", "--out", "/work/k", "--shard", "auto/3", "--jobs", "2", "-q"]);
    assert_eq!(container["resources"]["requests"]["cpu"].as_str(), Some("2"));
    assert!(container["resources"]["requests"]["memory"].as_str().unwrap().ends_with("Mi"));
    assert_eq!(container["volumeMounts"][0]["mountPath"].as_str(), Some("/work"));
    assert_eq!(pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as_str(), Some("cascade-work"));

    let merge = read("merge-job.yaml");
    assert_eq!(merge["metadata"]["name"].as_str(), Some("cascade-small-merge"));
    let merge_args = merge["spec"]["template"]["spec"]["containers"][0]["args"].as_vec().unwrap();
    let merge_args: Vec<&str> = merge_args.iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(merge_args, ["merge", "/work/k", "-q"]);
}

#[test]
fn auto_shards_outside_a_job_array_say_which_variables_they_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.ron"), PLAN).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["sweep", "small.ron", "--shard", "auto/4", "-q"])
        .current_dir(dir.path())
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX"), "{}", stderr(&out));
    let inside = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["sweep", "small.ron", "--shard", "auto/4", "--out", "s", "-q"])
        .current_dir(dir.path())
        .env("SLURM_ARRAY_TASK_ID", "2")
        .output()
        .unwrap();
    assert!(inside.status.success(), "{}", stderr(&inside));
    assert!(dir.path().join("s/part-2-of-4/manifest.json").is_file());
}

#[test]
fn the_shipped_cluster_plan_is_ten_thousand_runs_and_emits() {
    let dir = tempfile::tempdir().unwrap();
    let plan = crate::util::scenarios().join("sweeps/cluster-frontier.ron");
    let sweep = cascade_sweep::Sweep::load(&plan).unwrap();
    assert_eq!(sweep.runs.len(), 10_000);
    let out = dir.path().join("f");
    let emit = cascade(
        dir.path(),
        &["sweep", plan.to_str().unwrap(), "--emit", "slurm", "--tasks", "50", "--out", out.to_str().unwrap()],
    );
    assert!(emit.status.success(), "{}", stderr(&emit));
    assert!(stdout(&emit).contains("10000 runs in 50 tasks of 1 core(s), at most 200 runs each"), "{}", stdout(&emit));
    assert!(std::fs::read_to_string(out.join("slurm/sweep.sbatch")).unwrap().contains("#SBATCH --array=0-49"));
}

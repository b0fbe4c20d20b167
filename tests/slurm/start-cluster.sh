#!/usr/bin/env bash
# Starts a one-node Slurm cluster for the distributed-sweep test, all of its state under DIR:
#   tests/slurm/start-cluster.sh DIR
# Writes DIR/slurm.conf (point SLURM_CONF at it), starts munged if it is not running, then slurmctld and slurmd, and
# prints the process ids the test must stop as `pids: P1 P2 ...`. Needs root and Debian's slurm-wlm and munge
# (Slurm 22.05). Exits 3, saying why, when they are missing, so the test can say it was skipped.
set -euo pipefail
dir=$(realpath "$1")
for tool in slurmctld slurmd munged sbatch; do
    command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool (apt-get install slurm-wlm munge)"; exit 3; }
done
[ "$(id -u)" = 0 ] || { echo "missing: root (slurmd runs jobs as their user)"; exit 3; }
mkdir -p "$dir"/{state,spool,log,run}
started=()
if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
if ! munge -n >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged --force
    for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
    started+=("$(cat /run/munge/munged.pid)")
fi
host=$(hostname -s)
cat > "$dir/slurm.conf" <<CONF
ClusterName=cascade-test
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
NodeName=$host CPUs=$(nproc) RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do [ -s "$dir/run/slurmctld.pid" ] && [ -s "$dir/run/slurmd.pid" ] && break; sleep 0.1; done
started+=("$(cat "$dir/run/slurmctld.pid")" "$(cat "$dir/run/slurmd.pid")")
for _ in $(seq 150); do
    sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)' && { echo "pids: ${started[*]}"; exit 0; }
    sleep 0.2
done
echo "pids: ${started[*]}"
echo "the node did not come up; logs in $dir/log" >&2
exit 1

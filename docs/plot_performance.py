#!/usr/bin/env python3
"""Plot how a run's cost grows with accounts and with liquidations, from docs/performance-scaling.csv.

Usage: python3 docs/plot_performance.py docs/performance-scaling.csv OUT.png   (needs matplotlib)

Left: time per tick against the number of accounts, for the calm day (scale.ron) and the crash (the cascade
benchmark). Right: the crash's time per close-out against the number of close-outs.
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(source: str, out: str) -> None:
    with open(source) as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for run, marker in (("calm", "o"), ("crash", "s")):
        these = [r for r in rows if r["run"] == run]
        accounts = [int(r["accounts"]) for r in these]
        per_tick = [float(r["seconds"]) / int(r["ticks"]) * 1e6 for r in these]
        left.plot(accounts, per_tick, marker=marker, label=f"{run} ({these[0]['ticks']} ticks)")
    left.set(xscale="log", yscale="log", xlabel="accounts", ylabel="time per tick (us)",
             title="Cost per tick against accounts")
    left.grid(True, which="both", alpha=0.3)
    left.legend()
    crash = [r for r in rows if r["run"] == "crash"]
    close_outs = [int(r["close_outs"]) for r in crash]
    per_close_out = [float(r["seconds"]) / int(r["close_outs"]) * 1e6 for r in crash]
    right.plot(close_outs, per_close_out, marker="s", color="C1")
    for k, (r, x, y) in enumerate(zip(crash, close_outs, per_close_out)):
        last = k == len(crash) - 1
        right.annotate(f"{int(r['accounts']):,} accounts", (x, y), textcoords="offset points",
                       xytext=(-8 if last else 5, 8), ha="right" if last else "left")
    right.set(xscale="log", xlabel="close-outs in the run", ylabel="whole run / close-outs (us)",
              title="Cost per liquidation in the crash", ylim=(0, max(per_close_out) * 1.3))
    right.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

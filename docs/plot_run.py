#!/usr/bin/env python3
"""Plot a cascade run directory: prices, liquidations, order-book depth, insurance fund and bad debt.

Usage: python3 docs/plot_run.py RUN_DIR [OUT.png]   (needs matplotlib)
"""
import csv
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def column(rows, name):
    return [float(r[name]) if r[name] else float("nan") for r in rows]


def main():
    run_dir = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else f"{run_dir}/run.png"
    rows = list(csv.DictReader(open(f"{run_dir}/timeseries.csv")))
    events = list(csv.DictReader(open(f"{run_dir}/events.csv")))
    summary = json.load(open(f"{run_dir}/summary.json"))
    hours = [float(r["time_s"]) / 3600 for r in rows]
    fig, ax = plt.subplots(4, 1, figsize=(11, 10), sharex=True, height_ratios=[3, 1.5, 1.5, 1.5])
    ax[0].plot(hours, column(rows, "reference"), label="reference (wider market)", lw=1)
    ax[0].plot(hours, column(rows, "oracle"), label="oracle (median of sources)", lw=0.8)
    ax[0].plot(hours, column(rows, "mark"), label="mark", lw=1)
    ax[0].set_ylabel("price (quote)")
    for e in events:
        if e["kind"] == "shock_start" and int(e["tick"]) < len(hours):
            ax[0].axvline(hours[int(e["tick"])], color="red", ls="--", lw=0.8)
    ax[0].legend(loc="lower left")
    ax[0].set_title(f"cascade: scenario {summary['scenario']!r}, seed {summary['seed']}")
    ax[1].bar(hours, [x / 1e6 for x in column(rows, "liquidated_notional")], width=hours[0], color="crimson")
    ax[1].set_ylabel("liquidated\n(M quote / tick)")
    ax[2].plot(hours, [x / 1e6 for x in column(rows, "bid_depth_1pct")], label="bids within 1%", lw=0.8)
    ax[2].plot(hours, [x / 1e6 for x in column(rows, "ask_depth_1pct")], label="asks within 1%", lw=0.8)
    ax[2].set_ylabel("book depth\n(M quote)")
    ax[2].legend(loc="upper left")
    ax[3].plot(hours, [x / 1e3 for x in column(rows, "insurance_fund")], label="insurance fund")
    ax[3].plot(hours, [x / 1e3 for x in column(rows, "bad_debt")], label="bad debt")
    ax[3].set_ylabel("k quote")
    ax[3].set_xlabel("hours")
    ax[3].legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    print(out)


if __name__ == "__main__":
    main()

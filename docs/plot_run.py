#!/usr/bin/env python3
"""Plot a cascade run directory: prices, liquidations, order-book depth, insurance fund and bad debt.

Usage: python3 docs/plot_run.py RUN_DIR [OUT.png]   (needs matplotlib)

A one-market run plots its reference, oracle and mark; a run of several markets (with markets.csv) plots each
market's mark as a change from its start. Liquidations are drawn as one line per tick, so a single tick's spike stays
visible on a two-day axis.
"""
import csv
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def column(rows, name):
    return [float(r[name]) if r[name] else float("nan") for r in rows]


def read(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def prices(ax, run_dir, rows, hours):
    if "mark" in rows[0]:
        # The mark underneath, wide; the reference and the oracle on top of it, thin and dashed, so all three show.
        ax.plot(hours, column(rows, "mark"), label="mark", lw=2.5, color="tab:orange", zorder=1)
        ax.plot(hours, column(rows, "reference"), label="reference (wider market)", lw=0.9, ls="--",
                color="black", zorder=3)
        ax.plot(hours, column(rows, "oracle"), label="oracle (median of sources)", lw=0.9, ls=":",
                color="tab:blue", zorder=2)
        ax.set_ylabel("price (quote)")
        return
    markets = read(f"{run_dir}/markets.csv")
    hour_of = {int(r["tick"]): h for r, h in zip(rows, hours)}
    for symbol in dict.fromkeys(r["symbol"] for r in markets):
        own = [r for r in markets if r["symbol"] == symbol]
        start = float(own[0]["mark"])
        ax.plot([hour_of[int(r["tick"])] for r in own], [100 * (float(r["mark"]) / start - 1) for r in own],
                label=f"{symbol} mark", lw=1)
    ax.set_ylabel("mark, % from start")


def depth(ax, run_dir, rows, hours):
    if "bid_depth_1pct" in rows[0]:
        bids, asks = column(rows, "bid_depth_1pct"), column(rows, "ask_depth_1pct")
    else:
        markets = read(f"{run_dir}/markets.csv")
        per_tick = len(markets) // len(rows)
        bids = [sum(float(r["bid_depth_1pct"]) for r in markets[i * per_tick:(i + 1) * per_tick])
                for i in range(len(rows))]
        asks = [sum(float(r["ask_depth_1pct"]) for r in markets[i * per_tick:(i + 1) * per_tick])
                for i in range(len(rows))]
    ax.plot(hours, [x / 1e6 for x in bids], label="bids within 1%", lw=0.8)
    ax.plot(hours, [x / 1e6 for x in asks], label="asks within 1%", lw=0.8)
    ax.set_ylabel("book depth\n(M quote)")
    ax.legend(loc="upper left")


def main():
    run_dir = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else f"{run_dir}/run.png"
    rows = read(f"{run_dir}/timeseries.csv")
    events = read(f"{run_dir}/events.csv")
    with open(f"{run_dir}/summary.json") as f:
        summary = json.load(f)
    hours = [float(r["time_s"]) / 3600 for r in rows]
    fig, ax = plt.subplots(4, 1, figsize=(11, 10), sharex=True, height_ratios=[3, 1.5, 1.5, 1.5])
    prices(ax[0], run_dir, rows, hours)
    for e in events:
        if e["kind"] == "shock_start" and int(e["tick"]) < len(hours):
            ax[0].axvline(hours[int(e["tick"])], color="red", ls="--", lw=0.8)
    ax[0].legend(loc="lower left")
    ax[0].set_title(f"cascade: scenario {summary['scenario']!r}, seed {summary['seed']}")
    liquidated = [x / 1e6 for x in column(rows, "liquidated_notional")]
    ax[1].vlines(hours, 0, liquidated, color="crimson", lw=1.2)
    ax[1].set_ylim(bottom=0)
    ax[1].set_ylabel("liquidated\n(M quote / tick)")
    depth(ax[2], run_dir, rows, hours)
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

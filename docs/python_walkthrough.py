"""The walk-through of docs/python.md, as one script: its printed output and figures are the ones the page shows.

    pip install "./crates/cascade-py[plot]"
    python docs/python_walkthrough.py        # writes docs/python-run.png, python-sweep.png, python-frontier.png
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import polars as pl

import cascade

DOCS = Path(__file__).resolve().parent
pl.Config.set_tbl_width_chars(110)
pl.Config.set_tbl_rows(20)
pl.Config.set_float_precision(2)

# --- 1. Run the default scenario --------------------------------------------------------------------------------
result = cascade.run("default")
ts = result.timeseries
print(ts.shape)
print(ts.select("tick", "mark", "liquidations", "insurance_fund", "bad_debt").filter(pl.col("liquidations") > 0).head(3))
s = result.summary
print({k: s[k] for k in ["liquidations", "accounts_liquidated", "insurance_fund_min", "bad_debt"]})
liquidations = result.events.filter(pl.col("kind") == "liquidation")
print(liquidations.group_by("detail").agg(pl.len(), pl.col("notional").sum()).sort("detail"))

# --- 2. Plot it from the DataFrame --------------------------------------------------------------------------------
hours = ts["time_s"] / 3600
fig, (price, liq, fund) = plt.subplots(3, 1, sharex=True, figsize=(8, 6.5))
price.plot(hours, ts["reference"], lw=0.8, label="reference")
price.plot(hours, ts["mark"], lw=0.8, label="mark")
price.set_ylabel("price")
price.legend()
hourly = ts.group_by(pl.col("time_s") // 3600, maintain_order=True).agg(pl.col("liquidated_notional").sum())
liq.bar(hourly["time_s"] + 0.5, hourly["liquidated_notional"] / 1e6, width=0.9, color="tab:red")
liq.set_ylabel("liquidated\n(M quote / hour)")
fund.plot(hours, ts["insurance_fund"] / 1e3, color="tab:green", label="insurance fund")
fund.plot(hours, ts["bad_debt"] / 1e3, color="black", label="bad debt")
fund.set_ylabel("thousand quote")
fund.set_xlabel("hours")
fund.legend()
fig.suptitle('cascade.run("default"), seed 3')
fig.tight_layout()
fig.savefig(DOCS / "python-run.png", dpi=110)

# --- 3. A small sweep: maintenance margin x 8 seeds through the crash ---------------------------------------------
plan = cascade.plan(
    [{"name": "default", "ticks": 1600}],
    {"margin.maintenance": [0.01, 0.02, 0.03, 0.04, 0.05], "margin.initial": [0.02, 0.04, 0.06, 0.08, 0.10]},
    combine="Zip",
    seeds=8,
    seed=1,
    name="python-maintenance",
)
swept = cascade.sweep(plan)
print(swept.runs.height, "runs")
points = swept.points.select(
    "margin.maintenance",
    "bad_debt_probability",
    "bad_debt_mean",
    "liquidated_notional_mean",
    "margin_locked_mean_mean",
)
print(points)
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(swept.points["margin.maintenance"] * 100, swept.points["bad_debt_mean"], "o-", label="mean bad debt")
ax.fill_between(
    swept.points["margin.maintenance"] * 100,
    swept.points["bad_debt_ci95_low"],
    swept.points["bad_debt_ci95_high"],
    alpha=0.3,
    label="95% interval of the mean",
)
ax.set_xlabel("maintenance margin (%), initial twice it")
ax.set_ylabel("bad debt (quote)")
ax.set_title("8 seeds per point, common random numbers")
ax.legend()
fig.tight_layout()
fig.savefig(DOCS / "python-sweep.png", dpi=110)

# --- 4. A calibration and its frontier -----------------------------------------------------------------------------
calibration = """(
    name: "python-frontier",
    seed: 1,
    seeds: 12,
    scenarios: [(name: "default", ticks: 1600)],
    families: [
        (name: "static", set: ["margin.policy=Static"],
         parameters: [(path: "margin.maintenance", min: 0.005, max: 0.15, tied: [("margin.initial", 2.0)])]),
        (name: "volatility-adaptive", margin: "volatility-adaptive",
         parameters: [(path: "margin.policy.VolatilityAdaptive.floor", min: 0.005, max: 0.15)]),
    ],
    targets: [BadDebtQuantile(quantile: 0.95, max: 50.0)],
    search: (grid: 6, tolerance: Some(0.005), bootstrap: 200),
)"""
calibrated = cascade.calibrate(calibration)
for family in calibrated.calibration["families"]:
    print(family["family"], family["status"], family["answer"], family["interval95"], family["runs"], "runs")
frontier = calibrated.frontier
pl.Config.set_float_precision(4)
print(frontier.select("family", "value", "margin_locked_mean", "value_at_risk_of_insolvency", "meets_targets"))
fig, ax = plt.subplots(figsize=(6, 4))
for name, group in frontier.group_by("family", maintain_order=True):
    group = group.sort("margin_locked_mean")
    ax.plot(group["margin_locked_mean"] / 1e6, group["value_at_risk_of_insolvency"], "o-", label=name[0])
ax.axhline(50, ls="--", color="grey", label="target: 95% quantile of bad debt <= 50")
ax.set_xlabel("collateral locked (mean, M quote)")
ax.set_ylabel("95% quantile of bad debt (quote)")
ax.set_title("frontier of python-frontier (12 seeds per point)")
ax.legend()
fig.tight_layout()
fig.savefig(DOCS / "python-frontier.png", dpi=110)

#!/usr/bin/env python3
"""Plot the stylized facts of runs beside a real series: autocorrelation of returns and of absolute returns against
lag, and the tail of the return distribution.

Usage: python3 docs/plot_facts.py OUT.png REAL.csv RUN_DIR...   (needs matplotlib)

Each run's mark (timeseries.csv) and the real series' `price` column are read as prices; returns are log returns
at one observation (a tick of a run, a row of the CSV). The figures are the ones `cascade facts` prints (same
estimators), drawn per series; the shaded band is +-1.96 / sqrt(n) of the real series.
"""
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def prices(path):
    name = "price"
    if not path.endswith(".csv"):
        path, name = path + "/timeseries.csv", "mark"
    with open(path) as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [float(r[name]) for r in rows]


def log_returns(p):
    return [math.log(b / a) for a, b in zip(p, p[1:]) if a > 0 and b > 0]


def acf(x, lags):
    m = sum(x) / len(x)
    d = [v - m for v in x]
    den = sum(v * v for v in d)
    return [sum(d[i] * d[i + k] for i in range(len(d) - k)) / den for k in lags]


def tail(x):
    """Complementary distribution of |r| / standard deviation, on the largest 10%."""
    sd = math.sqrt(sum(v * v for v in x) / len(x))
    a = sorted((abs(v) / sd for v in x), reverse=True)
    n = len(a)
    top = a[: max(n // 10, 10)]
    return top, [(i + 1) / n for i in range(len(top))]


def main():
    out, real, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
    series = [("Coinbase BTC/USD hourly 2017-19", real, "black", 2.0)]
    series += [(run.rstrip('/').rsplit('/', 1)[-1], run, None, 1.0) for run in runs]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    lags_r, lags_a = list(range(1, 21)), list(range(1, 101))
    for label, path, color, width in series:
        r = log_returns(prices(path))
        kw = {"label": label, "color": color, "linewidth": width}
        axes[0].plot(lags_r, acf(r, lags_r), marker="o", markersize=3, **kw)
        axes[1].plot(lags_a, acf([abs(v) for v in r], lags_a), **kw)
        x, y = tail(r)
        axes[2].loglog(x, y, **kw)
        if path == real:
            band = 1.96 / math.sqrt(len(r))
            for ax in axes[:2]:
                ax.axhspan(-band, band, color="grey", alpha=0.2)
    axes[0].axhline(0.05, color="red", linestyle=":", linewidth=1)
    axes[0].axhline(-0.05, color="red", linestyle=":", linewidth=1)
    axes[0].set(title="autocorrelation of returns", xlabel="lag (observations)", ylim=(-0.15, 0.15))
    axes[1].set(title="autocorrelation of |returns|", xlabel="lag (observations)", xscale="log")
    axes[2].set(title="tail: P(|r| / sd > x), largest 10%", xlabel="x")
    axes[2].set_xticks([2, 3, 5, 10, 20], labels=["2", "3", "5", "10", "20"])
    axes[2].minorticks_off()
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()

//! `cascade`: the command-line front end of the cascade market stress simulator.
//!
//! Thin by design: it reads arguments, loads a scenario, drives a `cascade_sim::Simulation` and writes its files.

use anyhow::Result;
use cascade_scenario::{Override, Overrides};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod cli;

/// Agent-based market stress simulator: margin, liquidation cascades, insurance funds and bad debt.
#[derive(Debug, Parser)]
#[command(name = "cascade", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario headless and write timeseries.csv, events.csv, summary.json and manifest.json.
    Run(cli::run::RunArgs),
    /// Run scenarios under several margin rules side by side and write comparison.csv.
    ///
    /// By default the whole library runs under its own rules and every shipped preset. Each run is written as
    /// `cascade run` writes it; comparison.csv has bad debt, insurance-fund drawdown, liquidations, collateral locked
    /// and the backtest zone of every run.
    Compare(cli::compare::CompareArgs),
    /// Run a sweep plan: scenarios x axes of fields x seeds on every core; writes runs and points (Parquet, CSV).
    ///
    /// Every point is validated before the first run. Interrupted, the same command resumes; --shard runs one part
    /// of the runs, and `cascade merge` combines the parts into the tables an unsharded sweep writes.
    Sweep(cli::sweep::SweepArgs),
    /// Find the cheapest margin rules meeting solvency and procyclicality targets over a scenario set.
    ///
    /// Per family, a first round over the parameter's range, then bisection where the targets start to hold, every
    /// point run under the same seeds; writes calibration.json (the answer, its bootstrap interval, a margin snippet)
    /// and the frontier (frontier.csv, frontier.parquet).
    Calibrate(cli::calibrate::CalibrateArgs),
    /// Reverse stress test: the mildest shock that breaks each margin policy (bad debt, or the fund exhausted).
    Breakpoint(cli::calibrate::BreakpointArgs),
    /// Combine the parts (part-I-of-N/) of a sharded sweep in DIR into its runs and points tables.
    Merge {
        /// The sweep's output directory.
        dir: PathBuf,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Plot a run, a sweep or a calibration headless: PNG and SVG figures and a Markdown summary (report.md).
    ///
    /// A run: prices and liquidations, insurance fund and bad debt, margin rates. A sweep: each figure against
    /// each axis, the frontier of collateral locked against solvency, tails across seeds. A calibration: the
    /// frontier per family with its targets, the sensitivity to each parameter, the tail of bad debt at the answer.
    Report {
        /// A directory written by `cascade run`, `cascade sweep` or `cascade calibrate`.
        dir: PathBuf,
        /// Where the figures and report.md go (default: DIR/report).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check scenario files (or shipped scenarios by name) without running them; reports every problem found.
    Validate {
        /// Scenario files (RON) or names of shipped scenarios.
        #[arg(required = true)]
        scenarios: Vec<String>,
        /// Override a field before validating: PATH=VALUE (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        overrides: Vec<Override>,
    },
    /// List the shipped scenarios with their descriptions.
    Scenarios,
    /// Value-at-Risk and Expected Shortfall of a return series (losses positive, fractions of position value).
    Var(cli::var::VarArgs),
    /// Stylized facts of a run's mark returns (or a CSV of prices) beside the ranges real markets show.
    ///
    /// At each sampling interval: autocorrelation of returns, excess kurtosis, Hill tail indices, volatility
    /// clustering and its power-law decay, the leverage effect, the volume-volatility correlation; and whether
    /// kurtosis falls as the interval grows.
    Facts(cli::facts::FactsArgs),
    /// Fit a scenario's market to a real price series by simulated moments: every point of a sweep plan, ranked by
    /// the distance of its mark's moments (autocorrelations of returns and of absolute returns, Hill index,
    /// kurtosis) to the series', each weighted by its spread over stretches of the series as long as a run.
    Fit(cli::fit::FitArgs),
    /// Backtest a run's maintenance margin against its mark moves: exceptions, Kupiec test, Basel traffic light,
    /// Christoffersen's independence and conditional-coverage tests (do exceptions cluster?), and the margin's
    /// procyclicality (peak-to-trough ratio, largest rise within a window).
    Backtest {
        /// A run's output directory (with timeseries.csv).
        run_dir: PathBuf,
        /// Horizon in ticks: the loss over this many ticks is compared with the margin at its start.
        #[arg(long, default_value_t = 1)]
        horizon: usize,
        /// The margin's intended confidence (expected exception rate 1 - confidence).
        #[arg(long, default_value_t = 0.99)]
        confidence: f64,
        /// Window of the largest margin rise, hours of simulated time.
        #[arg(long, default_value_t = 1.0)]
        window_hours: f64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The liquidation price of a position (quote per base), isolated or one leg of a cross account.
    ///
    /// Under static margin (--maintenance), a shipped preset or file (--margin, e.g. tiered brackets), and for one
    /// leg of a cross-margined account given the other legs' unrealized PnL and maintenance requirement.
    LiqPrice(cli::liq_price::LiqPriceArgs),
    /// An option's price and Greeks: Black-76 on a forward, or Black-Scholes on a spot (vega per 1.00 of
    /// volatility, theta per year; conventions in docs/options.md).
    Greeks(cli::option::GreeksArgs),
    /// An option's implied volatility from its premium (Jäckel's "Let's Be Rational"; the inverse of `greeks`).
    Iv(cli::option::IvArgs),
    /// Scenario-grid portfolio margin of a book on one underlying (Deribit, OKX, Paradex or a RON grid).
    Pm(cli::pm::PmArgs),
    /// Open the desktop window on a scenario: watch, steer and compare runs live.
    #[cfg(feature = "gui")]
    Gui {
        /// Scenario file (RON), or the name of a shipped scenario. Default: `default`.
        scenario: Option<String>,
        /// Seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Override any scenario field: PATH=VALUE (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        overrides: Vec<Override>,
        /// Start playing at once.
        #[arg(long)]
        play: bool,
        /// Ticks per second of play (the window can change it).
        #[arg(long, default_value_t = 60.0)]
        speed: f64,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => cli::run::run(args).map(|()| ExitCode::SUCCESS),
        Command::Compare(args) => cli::compare::compare(args).map(|()| ExitCode::SUCCESS),
        Command::Sweep(args) => cli::sweep::sweep(&args).map(|()| ExitCode::SUCCESS),
        Command::Calibrate(args) => cli::calibrate::calibrate(&args).map(|()| ExitCode::SUCCESS),
        Command::Breakpoint(args) => cli::calibrate::breakpoint(&args).map(|()| ExitCode::SUCCESS),
        Command::Merge { dir, quiet } => cli::sweep::merge(&dir, quiet).map(|()| ExitCode::SUCCESS),
        Command::Report { dir, out, quiet } => cli::report::report(&dir, out, quiet).map(|()| ExitCode::SUCCESS),
        Command::Validate { scenarios, overrides } => {
            let overrides = Overrides { set: overrides, ..Overrides::default() };
            Ok(cli::validate::validate(&scenarios, &overrides))
        }
        Command::Scenarios => {
            cli::validate::list_scenarios();
            Ok(ExitCode::SUCCESS)
        }
        Command::Var(args) => cli::var::var(&args).map(|()| ExitCode::SUCCESS),
        Command::Facts(args) => cli::facts::facts(&args).map(|()| ExitCode::SUCCESS),
        Command::Fit(args) => cli::fit::fit(&args).map(|()| ExitCode::SUCCESS),
        Command::Backtest { run_dir, horizon, confidence, window_hours, json } => {
            cli::backtest::backtest(&run_dir, horizon, confidence, window_hours, json).map(|()| ExitCode::SUCCESS)
        }
        Command::LiqPrice(args) => cli::liq_price::liq_price(&args).map(|()| ExitCode::SUCCESS),
        Command::Greeks(args) => cli::option::greeks(&args).map(|()| ExitCode::SUCCESS),
        Command::Iv(args) => cli::option::iv(&args).map(|()| ExitCode::SUCCESS),
        Command::Pm(args) => cli::pm::pm(&args).map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "gui")]
        Command::Gui { scenario, seed, overrides, play, speed } => {
            let overrides = Overrides { set: overrides, seed, ..Overrides::default() };
            let loaded = cli::load(scenario.as_deref().unwrap_or(cli::run::DEFAULT_SCENARIO), &overrides)?;
            if cfg!(target_os = "linux")
                && std::env::var_os("DISPLAY").is_none()
                && std::env::var_os("WAYLAND_DISPLAY").is_none()
            {
                anyhow::bail!(
                    "cascade gui needs a desktop: neither DISPLAY (X11) nor WAYLAND_DISPLAY is set. Run headless with \
                     `cascade run`, or give the window a virtual display with `xvfb-run cascade gui`"
                );
            }
            let options = cascade_gui::Options { seed: loaded.scenario.seed, autoplay: play, speed };
            cascade_gui::run(loaded.scenario, loaded.source.label, options).map_err(|e| {
                anyhow::anyhow!("the window could not open (a desktop with X11 or Wayland is needed): {e}")
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

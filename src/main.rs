//! `cascade`: the command-line front end of the cascade market stress simulator.
//!
//! Thin by design: it reads arguments, loads a scenario, drives a `cascade_sim::Simulation` and writes its files.

use anyhow::{Context, Result, bail};
use cascade_core::Decimal;
use cascade_core::margin::{MarginRates, MarginSchedule, Trigger};
use cascade_scenario::{Override, Scenario, ScenarioError, library};
use cascade_sim::Simulation;
use cascade_sim::output::{Manifest, write_run};
use cascade_sim::record::Summary;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod compare;

/// The scenario `cascade run` runs without one named.
const DEFAULT_SCENARIO: &str = "default";

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
    Run(RunArgs),
    /// Run scenarios under several margin rules side by side and write comparison.csv.
    ///
    /// By default the whole library runs under its own rules and every shipped preset. Each run is written as
    /// `cascade run` writes it; comparison.csv has bad debt, insurance-fund drawdown, liquidations, collateral locked
    /// and the backtest zone of every run.
    Compare(compare::CompareArgs),
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
    Var(VarArgs),
    /// Backtest a run's maintenance margin against its mark moves: exceptions, Kupiec test, Basel traffic light.
    Backtest {
        /// A run's output directory (with timeseries.csv).
        run_dir: PathBuf,
        /// Horizon in ticks: the loss over this many ticks is compared with the margin at its start.
        #[arg(long, default_value_t = 1)]
        horizon: usize,
        /// The margin's intended confidence (expected exception rate 1 - confidence).
        #[arg(long, default_value_t = 0.99)]
        confidence: f64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The liquidation price of a position (quote per base), isolated or one leg of a cross account.
    ///
    /// Under static margin (--maintenance), a shipped preset or file (--margin, e.g. tiered brackets), and for one
    /// leg of a cross-margined account given the other legs' unrealized PnL and maintenance requirement.
    LiqPrice(LiqPriceArgs),
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

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum VarMethod {
    /// Normal with the sample mean and standard deviation.
    Normal,
    /// Student-t scaled to the sample standard deviation (see --dof).
    StudentT,
    /// Empirical quantile of the observed losses.
    Historical,
    /// Filtered historical simulation: returns rescaled to the current EWMA volatility (see --lambda).
    Fhs,
}

#[derive(Debug, clap::Args)]
struct VarArgs {
    /// CSV file with a header; returns are read from --column, or computed as log returns from a `price` or `mark`
    /// column (a run's timeseries.csv works).
    #[arg(long)]
    returns: PathBuf,
    /// Column of returns (default: `return`).
    #[arg(long, default_value = "return")]
    column: String,
    /// Confidence level, e.g. 0.99.
    #[arg(long, default_value_t = 0.99)]
    confidence: f64,
    /// Horizon in observations (parametric: sqrt scaling; historical: overlapping sums).
    #[arg(long, default_value_t = 1)]
    horizon: usize,
    /// Estimation method.
    #[arg(long, value_enum, default_value = "historical")]
    method: VarMethod,
    /// Degrees of freedom for student-t.
    #[arg(long, default_value_t = 4.0)]
    dof: f64,
    /// EWMA decay for fhs.
    #[arg(long, default_value_t = 0.94)]
    lambda: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario file (RON), or the name of a shipped scenario (see `cascade scenarios`). Default: `default`.
    scenario: Option<String>,
    /// Seed of every random stream (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Number of ticks to run (default: the scenario's `ticks`).
    #[arg(long)]
    ticks: Option<u64>,
    /// Output directory (default: runs/<scenario name>-seed<seed>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override any scenario field: PATH=VALUE, e.g. `--set margin.initial=0.1 --set shocks[0].at=600`
    /// (repeatable; recorded in the manifest). VALUE is JSON, or a bare word for enum variants (`BadDebt`).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    overrides: Vec<Override>,
    /// Replace the scenario's margin rules with a shipped preset (see `cascade scenarios`) or a file
    /// `(margin: (...))` (nothing else); `--set margin.*` overrides still apply on top.
    #[arg(long, value_name = "PRESET|FILE")]
    margin: Option<String>,
    /// Audit ledger conservation after every tick (slower; always on in debug builds).
    #[arg(long)]
    audit: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
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
        Command::Run(args) => run_scenario(args).map(|()| ExitCode::SUCCESS),
        Command::Compare(args) => compare::compare(args).map(|()| ExitCode::SUCCESS),
        Command::Validate { scenarios, overrides } => Ok(validate(&scenarios, &overrides)),
        Command::Scenarios => {
            list_scenarios();
            Ok(ExitCode::SUCCESS)
        }
        Command::Var(args) => var(&args).map(|()| ExitCode::SUCCESS),
        Command::Backtest { run_dir, horizon, confidence, json } => {
            backtest(&run_dir, horizon, confidence, json).map(|()| ExitCode::SUCCESS)
        }
        Command::LiqPrice(args) => liq_price(&args).map(|()| ExitCode::SUCCESS),
        #[cfg(feature = "gui")]
        Command::Gui { scenario, seed, overrides, play, speed } => {
            let loaded = load(scenario.as_deref(), &overrides)?;
            let options = cascade_gui::Options { seed: seed.unwrap_or(loaded.scenario.seed), autoplay: play, speed };
            cascade_gui::run(loaded.scenario, loaded.label, options).map_err(anyhow::Error::msg)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads returns from `args.column`, or log returns of a `price` or `mark` column.
fn read_returns(args: &VarArgs) -> Result<Vec<f64>> {
    let path = &args.returns;
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{}: no header", path.display()))?.clone();
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (column, from_prices) = match (find(&args.column), find("price").or_else(|| find("mark"))) {
        (Some(c), _) => (c, false),
        (None, Some(c)) => (c, true),
        (None, None) => bail!(
            "{}: no column `{}`, `price` or `mark` (columns: {})",
            path.display(),
            args.column,
            headers.iter().collect::<Vec<_>>().join(", ")
        ),
    };
    let mut values = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: line {}", path.display(), i + 2))?;
        let raw = record.get(column).unwrap_or("").trim();
        if raw.is_empty() {
            continue;
        }
        let value: f64 =
            raw.parse().with_context(|| format!("{}:{}: `{raw}` is not a number", path.display(), i + 2))?;
        values.push(value);
    }
    if from_prices {
        if values.iter().any(|p| *p <= 0.0) {
            bail!("{}: prices must be positive", path.display());
        }
        Ok(values.windows(2).map(|w| libm::log(w[1] / w[0])).collect())
    } else {
        Ok(values)
    }
}

fn var(args: &VarArgs) -> Result<()> {
    use cascade_core::risk::{Method, estimate};
    let returns = read_returns(args)?;
    let method = match args.method {
        VarMethod::Normal => Method::Normal,
        VarMethod::StudentT => Method::StudentT { dof: args.dof },
        VarMethod::Historical => Method::Historical,
        VarMethod::Fhs => Method::FilteredHistorical { lambda: args.lambda },
    };
    let e = estimate(&returns, args.confidence, args.horizon, method).context("estimating VaR")?;
    let name = match args.method {
        VarMethod::Normal => "normal",
        VarMethod::StudentT => "student-t",
        VarMethod::Historical => "historical",
        VarMethod::Fhs => "fhs",
    };
    if args.json {
        let value = serde_json::json!({
            "method": name,
            "confidence": args.confidence,
            "horizon": args.horizon,
            "observations": returns.len(),
            "var": e.var,
            "es": e.es,
        });
        println!("{value}");
    } else {
        println!(
            "{name} VaR {:.4}% and ES {:.4}% of position value at {}% over {} observation(s), from {} returns",
            100.0 * e.var,
            100.0 * e.es,
            100.0 * args.confidence,
            args.horizon,
            returns.len()
        );
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
struct LiqPriceArgs {
    /// long or short.
    #[arg(long, value_parser = ["long", "short"])]
    side: String,
    /// Average entry price.
    #[arg(long)]
    entry: Decimal,
    /// Position size in base units (positive).
    #[arg(long)]
    size: Decimal,
    /// Collateral: posted for the position (isolated), or the account's (cross), quote.
    #[arg(long)]
    collateral: Decimal,
    /// Maintenance margin fraction (static margin).
    #[arg(long, default_value = "0.025", conflicts_with_all = ["tiers", "margin"])]
    maintenance: Decimal,
    /// Tiered margin instead: a published bracket table (`binance-btcusdt`).
    #[arg(long, value_parser = ["binance-btcusdt"], conflicts_with = "margin")]
    tiers: Option<String>,
    /// The margin rules of a shipped preset or a file (tiers and size premium apply; an adaptive policy is taken
    /// at its starting fractions; a liquidity add-on needs a book and is refused).
    #[arg(long, value_name = "PRESET|FILE")]
    margin: Option<String>,
    /// Cross margin: unrealized PnL of the account's other positions, quote (held fixed).
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    other_pnl: Decimal,
    /// Cross margin: maintenance requirement of the account's other positions, quote (held fixed).
    #[arg(long, default_value = "0")]
    other_maintenance: Decimal,
}

/// Solves `collateral + other PnL - other maintenance + q P - B = maintenance(q, P)` for the mark `P`.
fn liq_price(args: &LiqPriceArgs) -> Result<()> {
    let LiqPriceArgs { entry, size, collateral, maintenance, .. } = *args;
    if size <= Decimal::ZERO || entry <= Decimal::ZERO || collateral < Decimal::ZERO {
        bail!("size and entry must be positive and collateral not negative");
    }
    if args.other_maintenance < Decimal::ZERO {
        bail!("--other-maintenance must not be negative, found {}", args.other_maintenance);
    }
    // `--tiers binance-btcusdt` is the shipped preset of that name.
    let schedule = if let Some(name) = args.tiers.as_ref().or(args.margin.as_ref()) {
        let rules = library::load_margin(name).with_context(|| format!("margin rules {name}"))?;
        if rules.liquidity_add_on > Decimal::ZERO {
            bail!("{name}: a liquidity add-on depends on the order book; liq-price cannot apply it");
        }
        if !matches!(
            rules.policy,
            cascade_scenario::MarginPolicy::Static | cascade_scenario::MarginPolicy::Tiered { .. }
        ) {
            eprintln!("note: {name} moves its fractions with the market; this uses its starting fractions");
        }
        cascade_sim::systems::margin::starting_schedule(&rules)
    } else {
        if maintenance <= Decimal::ZERO || maintenance >= Decimal::ONE {
            bail!("maintenance must be a fraction in (0, 1), found {maintenance}");
        }
        MarginSchedule::flat(MarginRates { initial: maintenance * Decimal::TWO, maintenance })
    };
    let quantity = if args.side == "long" { size } else { -size };
    let effective = collateral + args.other_pnl - args.other_maintenance;
    match schedule.trigger(quantity, quantity * entry, effective) {
        Trigger::Below(price) | Trigger::Above(price) if price > Decimal::ZERO => {
            let distance = cascade_core::money::to_f64(price / entry) - 1.0;
            println!("{:.2} ({:+.2}% from entry)", price.round_dp(2), 100.0 * distance);
        }
        Trigger::Above(_) => println!("now: the account is below maintenance margin at any price"),
        Trigger::Never | Trigger::Below(_) => println!("none: the position is never liquidated at a positive price"),
        Trigger::Unknown => bail!("this combination of tiers and size premium has no closed-form liquidation price"),
    }
    Ok(())
}

fn backtest(run_dir: &Path, horizon: usize, confidence: f64, json: bool) -> Result<()> {
    if !(confidence > 0.0 && confidence < 1.0) {
        bail!("--confidence must be in (0, 1), found {confidence}");
    }
    let path = run_dir.join("timeseries.csv");
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("{}: cannot read", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).with_context(|| format!("{}: no column `{name}`", path.display()))
    };
    let (mark, margin) = (column("mark")?, column("maintenance_margin")?);
    let (mut marks, mut margins) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        let number = |c: usize| -> Result<f64> {
            let raw = record.get(c).unwrap_or("");
            raw.parse().with_context(|| format!("{}:{}: `{raw}` is not a number", path.display(), i + 2))
        };
        marks.push(number(mark)?);
        margins.push(number(margin)?);
    }
    // 1 - 0.99 is 0.010000000000000009 in binary; report the rate the user meant.
    let expected_rate = ((1.0 - confidence) * 1e12).round() / 1e12;
    let Some(b) = cascade_core::risk::backtest(&marks, &margins, horizon, expected_rate) else {
        bail!("{}: fewer than {} ticks", path.display(), horizon + 1);
    };
    if json {
        println!("{}", serde_json::to_string(&b)?);
    } else {
        println!(
            "maintenance margin vs {}-tick mark moves: {} observations, exceptions {} long / {} short (expected {:.1}); \
             Kupiec LR {:.3} ({}); Basel zone {:?}",
            b.horizon,
            b.observations,
            b.long_exceptions,
            b.short_exceptions,
            b.expected_rate * b.observations as f64,
            b.kupiec_lr,
            if b.kupiec_rejects { "rejected at 5%" } else { "not rejected at 5%" },
            b.zone
        );
    }
    Ok(())
}

fn list_scenarios() {
    let width = library::LIBRARY.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for entry in library::LIBRARY {
        let description = match cascade_scenario::parse(entry.name, entry.text) {
            Ok(s) => s.description,
            Err(e) => format!("(does not parse: {e})"),
        };
        println!("{:width$}  {description}", entry.name);
    }
    println!("\nMargin rules (`cascade run NAME --margin PRESET`, `cascade compare`):");
    let width = library::MARGIN_PRESETS.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for entry in library::MARGIN_PRESETS {
        let first = entry.text.lines().next().unwrap_or_default().trim_start_matches("//").trim();
        println!("{:width$}  {first}", entry.name);
    }
    println!("\nRun one with `cascade run NAME`; the files are in scenarios/ (margin rules in scenarios/margin/).");
}

fn validate(names: &[String], overrides: &[Override]) -> ExitCode {
    let mut failed = 0;
    for name in names {
        match load(Some(name), overrides) {
            Ok(loaded) => {
                let s = &loaded.scenario;
                println!("ok: {} ({:?}, {} ticks, {} shocks)", loaded.label, s.name, s.ticks, s.shocks.len());
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {e:#}");
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} scenario files failed validation", names.len());
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A loaded scenario, with how to name it and the text it came from.
pub(crate) struct Loaded {
    /// The file as given, or `<built-in NAME>`.
    label: String,
    /// The text (for the manifest's hash).
    text: String,
    /// The validated scenario, overrides applied.
    scenario: Scenario,
}

/// Loads a scenario file, or a shipped scenario by name (a file of that name wins).
pub(crate) fn load(name: Option<&str>, overrides: &[Override]) -> Result<Loaded> {
    let name = name.unwrap_or(DEFAULT_SCENARIO);
    let path = Path::new(name);
    if path.exists() {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io { file: label.clone(), source })?;
        let scenario = cascade_scenario::load_file_with(path, overrides)?;
        return Ok(Loaded { label, text, scenario });
    }
    if let (Some(entry), Some(scenario)) = (library::find(name), library::load(name, overrides)) {
        return Ok(Loaded { label: format!("<built-in {name}>"), text: entry.text.to_owned(), scenario: scenario? });
    }
    let names: Vec<&str> = library::LIBRARY.iter().map(|e| e.name).collect();
    bail!("{name}: no such file, and no shipped scenario of that name (shipped: {})", names.join(", "))
}

/// An override that replaces a scenario's whole `margin` section (recorded in the manifest like any `--set`).
pub(crate) fn margin_override(margin: &cascade_scenario::Margin) -> Result<Override> {
    Ok(Override { path: "margin".to_owned(), value: serde_json::to_string(margin)? })
}

fn run_scenario(mut args: RunArgs) -> Result<()> {
    if let Some(margin) = &args.margin {
        let rules = library::load_margin(margin).with_context(|| format!("margin rules {margin}"))?;
        args.overrides.insert(0, margin_override(&rules)?);
    }
    let Loaded { label: path, text, mut scenario } = load(args.scenario.as_deref(), &args.overrides)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    if let Some(ticks) = args.ticks {
        if ticks == 0 {
            bail!("--ticks must be at least 1");
        }
        scenario.ticks = ticks;
    }
    let beyond = scenario.shocks.iter().filter(|s| s.at >= scenario.ticks).count();
    if beyond > 0 && !args.quiet {
        eprintln!("note: {beyond} shock(s) start after the last tick ({}) and will not happen", scenario.ticks);
    }
    let out = args.out.unwrap_or_else(|| PathBuf::from("runs").join(format!("{}-seed{seed}", scenario.name)));

    let mut sim = Simulation::new(&scenario, seed).context("building the world")?;
    if args.audit {
        sim.set_audit_every_tick(true);
    }
    let progress = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(scenario.ticks) };
    progress.set_style(
        ProgressStyle::with_template("{spinner} tick {pos}/{len} [{bar:40}] {percent}% eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let step = (scenario.ticks / 200).max(1);
    sim.run(|done, _| {
        if done % step == 0 {
            progress.set_position(done);
        }
    })
    .with_context(|| format!("running {path}"))?;
    progress.finish_and_clear();

    let manifest = Manifest {
        program: env!("CARGO_PKG_NAME").to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario_path: path.clone(),
        scenario_sha256: cascade_sim::output::sha256_hex(text.as_bytes()),
        scenario_name: scenario.name.clone(),
        seed,
        ticks: scenario.ticks,
        overrides: args.overrides.iter().map(ToString::to_string).collect(),
        command_line: std::env::args().collect(),
    };
    write_run(&out, &sim, &manifest).context("writing outputs")?;
    if !args.quiet {
        print_summary(&sim.summary(), &scenario, &path, &out);
    }
    Ok(())
}

fn print_summary(s: &Summary, scenario: &Scenario, path: &str, out: &Path) {
    let hours = s.ticks as f64 * scenario.tick_seconds / 3600.0;
    let pct = |a: f64, b: f64| 100.0 * (b / a - 1.0);
    let to_f64 = cascade_core::money::to_f64;
    let mark_start = to_f64(s.mark_start);
    let mark_min = to_f64(s.mark_min);
    let mark_end = to_f64(s.mark_end);
    println!(
        "cascade {} | scenario {:?} ({path}) | seed {} | {} ticks ({hours:.1} h)",
        env!("CARGO_PKG_VERSION"),
        s.scenario,
        s.seed,
        s.ticks
    );
    println!(
        "  mark price      {mark_start:.1} -> {mark_end:.1} ({:+.1}%), low {mark_min:.1} ({:+.1}%), max drawdown {:.1}%",
        pct(mark_start, mark_end),
        pct(mark_start, mark_min),
        100.0 * s.mark_max_drawdown
    );
    println!("  reference       {:.1} -> {:.1}, low {:.1}", s.reference_start, s.reference_end, s.reference_min);
    for m in &s.markets {
        let (start, end, low) = (to_f64(m.mark_start), to_f64(m.mark_end), to_f64(m.mark_min));
        println!(
            "  {:<15} {start:.2} -> {end:.2} ({:+.1}%), low {low:.2} ({:+.1}%); {} close-outs, {:.0} notional",
            m.symbol,
            pct(start, end),
            pct(start, low),
            m.liquidations,
            m.liquidated_notional
        );
    }
    match s.peak_liquidation_tick {
        Some(peak) => println!(
            "  liquidations    {} close-outs of {} accounts, {:.0} notional; peak {} in tick {peak}; {} ticks with liquidations",
            s.liquidations,
            s.accounts_liquidated,
            s.liquidated_notional,
            s.peak_liquidations_per_tick,
            s.ticks_with_liquidations
        ),
        None => println!("  liquidations    none"),
    }
    println!(
        "  insurance fund  {:.0} -> {:.0} (low {:.0}); shortfalls {:.2}; bad debt {:.2}",
        s.insurance_fund_start, s.insurance_fund_end, s.insurance_fund_min, s.shortfall, s.bad_debt
    );
    if s.backstop_notional > Decimal::ZERO
        || s.deleveraged_notional > Decimal::ZERO
        || s.socialized_loss > Decimal::ZERO
    {
        println!(
            "  absorbers       backstop took {:.0} notional; deleveraged {:.0} notional from {} winners (loss {:.2}, at most {:.1}% of a winner's profit); socialized {:.2}",
            s.backstop_notional,
            s.deleveraged_notional,
            s.loss_allocation.winners_hit,
            s.loss_allocation.loss_taken,
            100.0 * s.loss_allocation.max_share_of_profit,
            s.socialized_loss
        );
    }
    if s.oracle_stale_ticks > 0 || s.oracle_rejections > 0 {
        println!(
            "  oracle          stale for {} ticks; {} prints rejected by the deviation guard",
            s.oracle_stale_ticks, s.oracle_rejections
        );
    }
    let netted = if s.margin_locked_standalone_mean == s.margin_locked_mean {
        String::new()
    } else {
        format!(" (stand-alone {:.0})", s.margin_locked_standalone_mean)
    };
    println!(
        "  margin          {:.0} locked on average{netted}, {:.0} at peak{}",
        s.margin_locked_mean,
        s.margin_locked_peak,
        s.backtest.map_or(String::new(), |b| format!(
            "; backtest vs 1-tick moves: {} / {} exceptions in {} (zone {:?})",
            b.long_exceptions, b.short_exceptions, b.observations, b.zone
        ))
    );
    println!(
        "  volume          {:.0} notional; fees {:.2}; orders rejected at initial margin {}",
        s.notional_volume, s.fees, s.rejected_orders
    );
    let markets = if s.markets.is_empty() { "" } else { ", markets.csv" };
    println!(
        "  output          {}/{{timeseries.csv, events.csv, summary.json, manifest.json{markets}}}",
        out.display()
    );
}

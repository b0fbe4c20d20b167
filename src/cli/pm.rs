//! `cascade pm`: the scenario-grid portfolio margin of a book on one underlying (perpetuals, futures and options),
//! under a venue's grid or one written in RON (`cascade_core::option::grid::ScenarioGrid`).

use anyhow::{Context, Result, bail};
use cascade_core::option::OptionKind;
use cascade_core::option::grid::presets::{self, OkxTier};
use cascade_core::option::grid::{GridMargin, Leg, ScenarioGrid};

/// The shipped grids `--grid` takes by name.
const GRIDS: [&str; 5] = ["deribit", "okx-btc-eth", "okx-major", "okx-other", "paradex"];

/// Arguments of `cascade pm`.
#[derive(Debug, clap::Args)]
pub struct PmArgs {
    /// The grid: deribit, okx-btc-eth, okx-major, okx-other, paradex, or a RON file holding a `ScenarioGrid`.
    #[arg(long, default_value = "deribit")]
    grid: String,
    /// The underlying's price (the forward the options are valued on), quote per unit.
    #[arg(long, allow_hyphen_values = true)]
    underlying: f64,
    /// Interest rate, annual, continuously compounded (discounts the options' payoffs).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    rate: f64,
    /// An option leg, TYPE,STRIKE,DAYS,VOL,QUANTITY (e.g. put,90,10,0.6,-1: short one 10-day put struck at 90 at
    /// 60% volatility); repeat for more.
    #[arg(long = "option", allow_hyphen_values = true)]
    options: Vec<String>,
    /// A perpetual or futures leg: its signed quantity, units of the underlying; repeat for more.
    #[arg(long = "linear", allow_hyphen_values = true)]
    linears: Vec<f64>,
    /// Print JSON (the fields of `GridMargin`, quote currency) instead of text.
    #[arg(long)]
    json: bool,
}

/// Values the book under the grid and prints its requirement.
pub fn pm(args: &PmArgs) -> Result<()> {
    let grid = grid(&args.grid)?;
    let mut legs: Vec<Leg> = args.options.iter().map(|spec| option_leg(spec)).collect::<Result<_>>()?;
    legs.extend(args.linears.iter().map(|&quantity| Leg::Linear { quantity }));
    if legs.is_empty() {
        bail!("no legs: give --option TYPE,STRIKE,DAYS,VOL,QUANTITY or --linear QUANTITY at least once");
    }
    let margin = grid.margin(&legs, args.underlying, args.rate)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "grid": args.grid, "margin": margin }))?);
    } else {
        print_text(&args.grid, &grid, &margin);
    }
    Ok(())
}

fn grid(name: &str) -> Result<ScenarioGrid> {
    let grid = match name {
        "deribit" => presets::deribit(),
        "okx-btc-eth" => presets::okx(OkxTier::BtcEth),
        "okx-major" => presets::okx(OkxTier::Major),
        "okx-other" => presets::okx(OkxTier::Other),
        "paradex" => presets::paradex(),
        path => {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("--grid {path}: not a shipped grid ({}) nor a readable file", GRIDS.join(", "))
            })?;
            cascade_scenario::parse_as::<ScenarioGrid>(path, &text)?
        }
    };
    grid.validate().with_context(|| format!("grid {name}"))?;
    Ok(grid)
}

/// Parses `TYPE,STRIKE,DAYS,VOL,QUANTITY`.
fn option_leg(spec: &str) -> Result<Leg> {
    let usage = "expected TYPE,STRIKE,DAYS,VOL,QUANTITY (e.g. put,90,10,0.6,-1)";
    let fields: Vec<&str> = spec.split(',').map(str::trim).collect();
    let [kind, strike, days, vol, quantity] = fields[..] else {
        bail!("--option {spec}: {usage}, found {} fields", fields.len());
    };
    let kind = match kind {
        "call" => OptionKind::Call,
        "put" => OptionKind::Put,
        other => bail!("--option {spec}: TYPE is call or put, found {other:?}"),
    };
    let number = |name: &str, text: &str| -> Result<f64> {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .with_context(|| format!("--option {spec}: {name} must be a number, found {text:?}"))
    };
    Ok(Leg::Option {
        kind,
        strike: number("STRIKE", strike)?,
        expiry: number("DAYS", days)? / 365.0,
        vol: number("VOL", vol)?,
        quantity: number("QUANTITY", quantity)?,
    })
}

fn print_text(name: &str, grid: &ScenarioGrid, m: &GridMargin) {
    let scenarios = grid.price_moves.len() * grid.vol_moves.len();
    println!("grid {name}: {scenarios} scenarios and {} extreme", grid.extremes.len());
    let w = &m.worst;
    println!(
        "worst scenario  price {:+.2}%  vol {:+.0}%  loss {:.6}",
        w.price_move * 100.0,
        w.vol_move * 100.0,
        w.loss
    );
    println!("short options   {:.6}", m.short_option);
    println!("net delta       {:.6}", m.net_delta);
    println!("initial         {:.6}", m.initial);
    println!("maintenance     {:.6}", m.maintenance);
}

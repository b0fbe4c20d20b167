//! `cascade greeks`: an option's value and every Greek, Black-76 on a forward or Black-Scholes on a spot, in the
//! conventions of `cascade_core::option` (vega per 1.00 of volatility, theta per year).

use anyhow::Result;
use cascade_core::option::{Greeks, OptionKind, black_scholes, black76};

/// What the underlying price is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Model {
    /// A forward or futures price (Black-76; delta with respect to the forward, discounted).
    Forward,
    /// A spot price without dividends (Black-Scholes; delta with respect to the spot).
    Spot,
}

/// Arguments of `cascade greeks`.
#[derive(Debug, clap::Args)]
pub struct GreeksArgs {
    /// call or put.
    #[arg(long = "type", value_enum)]
    kind: Kind,
    /// The underlying's price: the forward (default) or the spot (--model spot), quote per unit.
    #[arg(long, allow_hyphen_values = true)]
    underlying: f64,
    /// Strike, quote per unit.
    #[arg(long, allow_hyphen_values = true)]
    strike: f64,
    /// Volatility, annual, as a fraction (0.6 = 60%).
    #[arg(long, allow_hyphen_values = true)]
    vol: f64,
    /// Time to expiry, years (7 days: 0.019178).
    #[arg(long, allow_hyphen_values = true)]
    expiry: f64,
    /// Interest rate, annual, continuously compounded (discounts the payoff; with --model spot also the drift).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    rate: f64,
    /// Whether --underlying is a forward (Black-76) or a spot (Black-Scholes).
    #[arg(long, value_enum, default_value_t = Model::Forward)]
    model: Model,
    /// Print JSON (the fields of `Greeks`, with the conventions) instead of text.
    #[arg(long)]
    json: bool,
}

/// `--type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A call.
    Call,
    /// A put.
    Put,
}

/// Values the option and prints its Greeks.
pub fn greeks(args: &GreeksArgs) -> Result<()> {
    let kind = match args.kind {
        Kind::Call => OptionKind::Call,
        Kind::Put => OptionKind::Put,
    };
    let value = match args.model {
        Model::Forward => black76(kind, args.underlying, args.strike, args.vol, args.expiry, args.rate),
        Model::Spot => black_scholes(kind, args.underlying, args.strike, args.vol, args.expiry, args.rate),
    }?;
    if args.json {
        let conventions = serde_json::json!({
            "model": if args.model == Model::Forward { "black76" } else { "black_scholes" },
            "delta": if args.model == Model::Forward { "d price / d forward (discounted)" } else { "d price / d spot" },
            "vega": "per 1.00 of volatility", "vanna": "d delta / d volatility, per 1.00",
            "volga": "d vega / d volatility, per 1.00", "theta": "per year of calendar time",
        });
        let out = serde_json::json!({ "greeks": value, "conventions": conventions });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(&value, args.model);
    }
    Ok(())
}

fn print_text(g: &Greeks, model: Model) {
    let on = if model == Model::Forward { "forward" } else { "spot" };
    println!("price  {:>14.6}", g.price);
    println!("delta  {:>14.6}   d price / d {on}", g.delta);
    println!("gamma  {:>14.6e}   d delta / d {on}", g.gamma);
    println!("vega   {:>14.6}   per 1.00 of volatility ({:.6} per point)", g.vega, g.vega / 100.0);
    println!("theta  {:>14.6}   per year ({:.6} per day of 365)", g.theta, g.theta / 365.0);
    println!("vanna  {:>14.6}   d delta / d volatility", g.vanna);
    println!("volga  {:>14.6}   d vega / d volatility", g.volga);
}

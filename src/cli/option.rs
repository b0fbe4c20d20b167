//! The option calculators: `cascade greeks` (an option's value and every Greek) and `cascade iv` (the inverse,
//! premium to implied volatility), Black-76 on a forward or Black-Scholes on a spot, in the conventions of
//! `cascade_core::option` (vega per 1.00 of volatility, theta per year).

use anyhow::Result;
use cascade_core::option::{Greeks, OptionKind, black_scholes, black76, implied_vol, implied_vol_spot};

/// What the underlying price is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Model {
    /// A forward or futures price (Black-76; delta with respect to the forward, discounted).
    Forward,
    /// A spot price without dividends (Black-Scholes; delta with respect to the spot).
    Spot,
}

/// The option's terms, shared by `cascade greeks` and `cascade iv`.
#[derive(Debug, clap::Args)]
pub struct Contract {
    /// call or put.
    #[arg(long = "type", value_enum)]
    kind: Kind,
    /// The underlying's price: the forward (default) or the spot (--model spot), quote per unit.
    #[arg(long, allow_hyphen_values = true)]
    underlying: f64,
    /// Strike, quote per unit.
    #[arg(long, allow_hyphen_values = true)]
    strike: f64,
    /// Time to expiry, years (7 days: 0.019178; one hour: 0.000114).
    #[arg(long, allow_hyphen_values = true)]
    expiry: f64,
    /// Interest rate, annual, continuously compounded (discounts the payoff; with --model spot also the drift).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    rate: f64,
    /// Whether --underlying is a forward (Black-76) or a spot (Black-Scholes).
    #[arg(long, value_enum, default_value_t = Model::Forward)]
    model: Model,
}

impl Contract {
    fn model_name(&self) -> &'static str {
        if self.model == Model::Forward { "black76" } else { "black_scholes" }
    }
}

/// Arguments of `cascade greeks`.
#[derive(Debug, clap::Args)]
pub struct GreeksArgs {
    #[command(flatten)]
    contract: Contract,
    /// Volatility, annual, as a fraction (0.6 = 60%).
    #[arg(long, allow_hyphen_values = true)]
    vol: f64,
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

impl From<Kind> for OptionKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Call => OptionKind::Call,
            Kind::Put => OptionKind::Put,
        }
    }
}

/// Values the option and prints its Greeks.
pub fn greeks(args: &GreeksArgs) -> Result<()> {
    let c = &args.contract;
    let kind = c.kind.into();
    let value = match c.model {
        Model::Forward => black76(kind, c.underlying, c.strike, args.vol, c.expiry, c.rate),
        Model::Spot => black_scholes(kind, c.underlying, c.strike, args.vol, c.expiry, c.rate),
    }?;
    if args.json {
        let conventions = serde_json::json!({
            "model": c.model_name(),
            "delta": if c.model == Model::Forward { "d price / d forward (discounted)" } else { "d price / d spot" },
            "vega": "per 1.00 of volatility", "vanna": "d delta / d volatility, per 1.00",
            "volga": "d vega / d volatility, per 1.00", "theta": "per year of calendar time",
        });
        let out = serde_json::json!({ "greeks": value, "conventions": conventions });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(&value, c.model);
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

/// Arguments of `cascade iv`.
#[derive(Debug, clap::Args)]
pub struct IvArgs {
    #[command(flatten)]
    contract: Contract,
    /// The option's premium: present value, quote per unit of underlying.
    #[arg(long, allow_hyphen_values = true)]
    price: f64,
    /// Print JSON (`implied_vol`, annual, as a fraction) instead of text.
    #[arg(long)]
    json: bool,
}

/// Inverts the premium to the implied volatility (Jäckel's "Let's Be Rational") and prints it.
pub fn iv(args: &IvArgs) -> Result<()> {
    let c = &args.contract;
    let kind = c.kind.into();
    let sigma = match c.model {
        Model::Forward => implied_vol(kind, args.price, c.underlying, c.strike, c.expiry, c.rate),
        Model::Spot => implied_vol_spot(kind, args.price, c.underlying, c.strike, c.expiry, c.rate),
    }?;
    if args.json {
        let out = serde_json::json!({
            "implied_vol": sigma, "units": "annual, as a fraction",
            "model": c.model_name(),
            "method": "Jaeckel, Let's Be Rational (2015)",
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("implied volatility {sigma:.6} ({:.4}% annual)", sigma * 100.0);
    }
    Ok(())
}

//! `cascade liq-price`: the liquidation price of a position, isolated or one leg of a cross account.

use anyhow::{Context, Result, bail};
use cascade_core::Decimal;
use cascade_core::margin::{MarginRates, MarginSchedule, Trigger};
use cascade_scenario::library;

#[derive(Debug, clap::Args)]
pub struct LiqPriceArgs {
    /// long or short.
    #[arg(long, value_parser = ["long", "short"])]
    side: String,
    /// Average entry price.
    #[arg(long, allow_hyphen_values = true)]
    entry: Decimal,
    /// Position size in base units (positive; the direction is --side).
    #[arg(long, allow_hyphen_values = true)]
    size: Decimal,
    /// Collateral: posted for the position (isolated), or the account's (cross), quote; not negative (the other
    /// legs' losses of a cross account are --other-pnl).
    #[arg(long, allow_hyphen_values = true)]
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
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    other_maintenance: Decimal,
}

/// Solves `collateral + other PnL - other maintenance + q P - B = maintenance(q, P)` for the mark `P`.
pub fn liq_price(args: &LiqPriceArgs) -> Result<()> {
    let LiqPriceArgs { entry, size, collateral, maintenance, .. } = *args;
    if size <= Decimal::ZERO || entry <= Decimal::ZERO {
        bail!("--size and --entry must be positive (the direction is --side), found size {size} and entry {entry}");
    }
    if collateral < Decimal::ZERO {
        bail!(
            "--collateral must not be negative, found {collateral}: a negative balance is a shortfall already; the \
             losses of a cross account's other legs are --other-pnl"
        );
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
        // A trigger on the far side of entry: at its own entry price the account is already below maintenance.
        Trigger::Below(price) | Trigger::Above(price)
            if (quantity > Decimal::ZERO && price >= entry) || (quantity < Decimal::ZERO && price <= entry) =>
        {
            let requirement = schedule.requirement(quantity, entry)?.maintenance + args.other_maintenance;
            println!(
                "now: liquidatable at its entry price (equity {} is not above the maintenance requirement {})",
                (collateral + args.other_pnl).round_dp(2),
                requirement.round_dp(2)
            );
        }
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

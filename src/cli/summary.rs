//! The summary `cascade run` prints.

use cascade_core::Decimal;
use cascade_scenario::Scenario;
use cascade_sim::summary::Summary;
use std::path::Path;

/// Prints the headline figures of a finished run of `scenario` (named `path`) written to `out`.
pub fn print_summary(s: &Summary, scenario: &Scenario, path: &str, out: &Path) {
    let hours = s.ticks as f64 * scenario.tick_seconds / 3600.0;
    let pct = |a: f64, b: f64| 100.0 * (b / a - 1.0);
    let to_f64 = cascade_core::money::to_f64;
    println!(
        "cascade {} | scenario {:?} ({path}) | seed {} | {} ticks ({hours:.1} h)",
        env!("CARGO_PKG_VERSION"),
        s.scenario,
        s.seed,
        s.ticks
    );
    if let Some(m) = s.sole_market() {
        let (mark_start, mark_min, mark_end) = (to_f64(m.mark_start), to_f64(m.mark_min), to_f64(m.mark_end));
        println!(
            "  mark price      {mark_start:.1} -> {mark_end:.1} ({:+.1}%), low {mark_min:.1} ({:+.1}%), max drawdown {:.1}%",
            pct(mark_start, mark_end),
            pct(mark_start, mark_min),
            100.0 * m.mark_max_drawdown
        );
        println!("  reference       {:.1} -> {:.1}, low {:.1}", m.reference_start, m.reference_end, m.reference_min);
    } else {
        for m in &s.markets {
            let (start, end, low) = (to_f64(m.mark_start), to_f64(m.mark_end), to_f64(m.mark_min));
            println!(
                "  {:<15} {start:.2} -> {end:.2} ({:+.1}%), low {low:.2} ({:+.1}%); {} close-outs, {} notional",
                m.symbol,
                pct(start, end),
                pct(start, low),
                m.liquidations,
                amount(m.liquidated_notional, 0)
            );
        }
    }
    match s.peak_liquidation_tick {
        Some(peak) => println!(
            "  liquidations    {} close-outs of {} accounts, {} notional; peak {} in tick {peak}; {} ticks with liquidations",
            s.liquidations,
            s.accounts_liquidated,
            amount(s.liquidated_notional, 0),
            s.peak_liquidations_per_tick,
            s.ticks_with_liquidations
        ),
        None => println!("  liquidations    none"),
    }
    println!(
        "  insurance fund  {} -> {} (low {}); shortfalls {}; bad debt {}",
        amount(s.insurance_fund_start, 0),
        amount(s.insurance_fund_end, 0),
        amount(s.insurance_fund_min, 0),
        amount(s.shortfall, 2),
        amount(s.bad_debt, 2)
    );
    if s.underwater.accounts > 0 {
        println!(
            "  underwater      {} accounts still open with negative equity, short {} (not in the bad debt)",
            s.underwater.accounts,
            amount(s.underwater.shortfall, 2)
        );
    }
    if let Some(k) = &s.keepers {
        println!(
            "  keepers         {} liquidation transactions; gas {} paid to the chain; rewards {}",
            k.transactions,
            amount(k.gas, 2),
            amount(k.rewards, 2)
        );
    }
    if let Some(o) = &s.orders {
        println!(
            "  order txs       {} landed; gas {} paid to the chain; orders waited at {} ticks, at most {} at once",
            o.landed,
            amount(o.gas, 2),
            o.ticks_with_waiting,
            o.most_waiting
        );
    }
    for p in &s.pools {
        println!(
            "  pool {:<10} {} -> {} (low {}, max drawdown {:.1}%); LPs {}: fees {}, borrowing {}, funding {}, shortfalls paid {}; {} orders capped",
            p.symbol,
            amount(p.value_start, 0),
            amount(p.value_end, 0),
            amount(p.value_min, 0),
            100.0 * to_f64(p.max_drawdown),
            amount(p.lp_pnl, 0),
            amount(p.fees, 0),
            amount(p.borrowing_fees, 0),
            amount(p.funding, 0),
            amount(p.absorbed_shortfall, 2),
            p.capped_orders
        );
    }
    if s.backstop_notional > Decimal::ZERO
        || s.deleveraged_notional > Decimal::ZERO
        || s.socialized_loss > Decimal::ZERO
    {
        let l = &s.loss_allocation;
        println!(
            "  absorbers       backstop took {} notional; deleveraged {} notional from {} winners (loss {}; a winner lost at most {:.1}% of its profit in all, mean {:.1}%, over up to {} hits, at most {:.1}% in one); socialized {}",
            amount(s.backstop_notional, 0),
            amount(s.deleveraged_notional, 0),
            l.winners_hit,
            amount(l.loss_taken, 2),
            100.0 * l.max_share_of_profit_per_winner,
            100.0 * l.mean_share_of_profit_per_winner,
            l.max_hits_per_winner,
            100.0 * l.max_share_of_profit_per_event,
            amount(s.socialized_loss, 2)
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
        format!(" (stand-alone {})", amount(s.margin_locked_standalone_mean, 0))
    };
    println!(
        "  margin          {} locked on average{netted}, {} at peak{}",
        amount(s.margin_locked_mean, 0),
        amount(s.margin_locked_peak, 0),
        s.sole_market().and_then(|m| m.backtest.as_ref()).map_or(String::new(), |b| format!(
            "; backtest vs 1-tick moves: {} / {} exceptions in {} (zone {})",
            b.long_exceptions, b.short_exceptions, b.observations, b.zone
        ))
    );
    println!(
        "  volume          {} notional; fees {}; orders rejected at initial margin {}",
        amount(s.notional_volume, 0),
        amount(s.fees, 2),
        s.rejected_orders
    );
    let markets = if s.markets.len() > 1 { ", markets.csv" } else { "" };
    println!(
        "  output          {}/{{timeseries.csv, events.csv, summary.json, manifest.json{markets}}}",
        out.display()
    );
}

/// A quote amount rounded to `dp` decimals, except that an amount that is not zero never prints as zero: it is
/// then shown to two significant digits (a bad debt of 0.0018 is "0.0018", not "0.00").
fn amount(value: Decimal, dp: u32) -> String {
    // Rounded first: a decimal's `{:.N}` alone truncates (rust_decimal), so 614,163.67 would print as 614163.
    let shown = format!("{:.prec$}", value.round_dp(dp), prec = dp as usize);
    if !value.is_zero() && shown.chars().all(|c| matches!(c, '0' | '.' | '-')) {
        value.round_sf(2).unwrap_or(value).normalize().to_string()
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::amount;
    use cascade_core::Decimal;
    use std::str::FromStr;

    #[test]
    fn a_non_zero_amount_never_prints_as_zero() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(amount(d("272.572307"), 2), "272.57");
        assert_eq!(amount(d("0.0018"), 2), "0.0018");
        assert_eq!(amount(d("0.000000000406"), 0), "0.00000000041");
        assert_eq!(amount(d("0"), 2), "0.00");
        assert_eq!(amount(d("1386.4"), 0), "1386");
        assert_eq!(amount(d("614163.67"), 0), "614164", "rounded, not truncated");
        assert_eq!(amount(d("272.575"), 2), "272.58");
    }
}

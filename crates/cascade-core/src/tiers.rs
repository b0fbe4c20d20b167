//! Tiered margin by position size, as large perpetual venues publish it.
//!
//! Brackets of position notional carry rising maintenance rates and falling maximum leverage. Within bracket `k`
//! (notional up to `max_notional_k`), maintenance is `notional x rate_k - amount_k`, where the *maintenance amount*
//! `amount_k = amount_(k-1) + max_notional_(k-1) x (rate_k - rate_(k-1))` keeps the requirement continuous across
//! brackets; initial margin is `notional / max_leverage_k`. This is the engine-independent arithmetic: the
//! liquidation-price calculator uses it today, the margin engine will select it from scenarios.

use rust_decimal::Decimal;
use rust_decimal::dec;

/// One bracket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    /// Upper bound of the bracket's position notional (quote); the last bracket's bounds the largest position.
    pub max_notional: Decimal,
    /// Maintenance margin rate in the bracket.
    pub maintenance_rate: Decimal,
    /// Maximum leverage in the bracket (initial margin is notional over it).
    pub max_leverage: Decimal,
}

/// Brackets with their maintenance amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierTable {
    tiers: Vec<(Tier, Decimal)>,
}

/// Why a table is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tiers: {0}")]
pub struct TierError(pub String);

impl TierTable {
    /// A table from brackets in increasing notional; rates must not decrease and leverage must be at least 1.
    pub fn new(tiers: &[Tier]) -> Result<Self, TierError> {
        if tiers.is_empty() {
            return Err(TierError("expected at least one bracket".into()));
        }
        let mut out: Vec<(Tier, Decimal)> = Vec::with_capacity(tiers.len());
        for (i, tier) in tiers.iter().enumerate() {
            if tier.max_leverage < Decimal::ONE || tier.maintenance_rate <= Decimal::ZERO {
                return Err(TierError(format!("bracket {}: leverage must be >= 1 and the rate positive", i + 1)));
            }
            let amount = match out.last() {
                None => Decimal::ZERO,
                Some((previous, amount)) => {
                    if tier.max_notional <= previous.max_notional || tier.maintenance_rate < previous.maintenance_rate {
                        return Err(TierError(format!(
                            "bracket {}: notional must rise and rates must not fall",
                            i + 1
                        )));
                    }
                    amount + previous.max_notional * (tier.maintenance_rate - previous.maintenance_rate)
                }
            };
            out.push((*tier, amount));
        }
        Ok(Self { tiers: out })
    }

    /// The bracket of `notional` and its maintenance amount (the last bracket beyond the table).
    pub fn bracket(&self, notional: Decimal) -> (Tier, Decimal) {
        self.tiers.iter().find(|(t, _)| notional <= t.max_notional).copied().unwrap_or(self.tiers[self.tiers.len() - 1])
    }

    /// Every bracket with its maintenance amount.
    pub fn brackets(&self) -> &[(Tier, Decimal)] {
        &self.tiers
    }

    /// Maintenance requirement of a position of absolute `notional` (quote).
    pub fn maintenance(&self, notional: Decimal) -> Decimal {
        let (tier, amount) = self.bracket(notional);
        notional * tier.maintenance_rate - amount
    }

    /// Initial requirement of a position of absolute `notional` (quote).
    pub fn initial(&self, notional: Decimal) -> Decimal {
        notional / self.bracket(notional).0.max_leverage
    }

    /// The mark price at which an isolated position of signed `quantity`, `cost_basis` and `collateral` reaches its
    /// maintenance requirement. For each bracket `k`, equity `C + qP - B` equals `rate_k |q| P - amount_k` at
    /// `P = (B - C - amount_k) / (q - rate_k |q|)`; the answer is the one whose notional `|q| P` lies in bracket `k`.
    /// `None` when flat or when no positive price liquidates the position.
    pub fn liquidation_price(&self, quantity: Decimal, cost_basis: Decimal, collateral: Decimal) -> Option<Decimal> {
        if quantity.is_zero() {
            return None;
        }
        let size = quantity.abs();
        let mut lower = Decimal::ZERO;
        for (tier, amount) in &self.tiers {
            let price = (cost_basis - collateral - amount).checked_div(quantity - tier.maintenance_rate * size)?;
            let notional = size * price;
            let last = tier.max_notional == self.tiers[self.tiers.len() - 1].0.max_notional;
            if price > Decimal::ZERO && notional >= lower && (notional <= tier.max_notional || last) {
                return Some(price);
            }
            lower = tier.max_notional;
        }
        None
    }
}

/// The first five brackets of a BTC perpetual as Binance USD-M publishes them for BTCUSDT (its "Leverage and
/// Margin" page): 0.40% to 300k at 125x, 0.50% to 800k at 100x, 0.65% to 3M at 75x, 1% to 12M at 50x, 2% to 70M
/// at 25x. The continuity formula gives maintenance amounts 0, 300, 1,500, 12,000 and 132,000.
pub fn binance_btcusdt() -> TierTable {
    let tier = |max_notional, maintenance_rate, max_leverage| Tier { max_notional, maintenance_rate, max_leverage };
    let tiers = [
        tier(dec!(300000), dec!(0.004), dec!(125)),
        tier(dec!(800000), dec!(0.005), dec!(100)),
        tier(dec!(3000000), dec!(0.0065), dec!(75)),
        tier(dec!(12000000), dec!(0.01), dec!(50)),
        tier(dec!(70000000), dec!(0.02), dec!(25)),
    ];
    TierTable::new(&tiers).unwrap_or_else(|_| unreachable!("the preset's brackets are ordered"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_amounts_follow_the_formula_and_keep_the_requirement_continuous() {
        let t = binance_btcusdt();
        let amounts: Vec<Decimal> = t.brackets().iter().map(|(_, a)| *a).collect();
        assert_eq!(amounts, vec![dec!(0), dec!(300), dec!(1500), dec!(12000), dec!(132000)]);
        // Continuity at each boundary: 300k x 0.4% = 1,200 = 300k x 0.5% - 300.
        for (tier, amount) in t.brackets() {
            let at = tier.max_notional;
            let inside = at * tier.maintenance_rate - amount;
            assert_eq!(t.maintenance(at), inside);
        }
        assert_eq!(t.maintenance(dec!(300000)), dec!(1200));
        assert_eq!(t.maintenance(dec!(300001)), dec!(300001) * dec!(0.005) - dec!(300));
        // 1M notional: bracket 3, 1,000,000 x 0.65% - 1,500 = 5,000; initial 1M / 75.
        assert_eq!(t.maintenance(dec!(1000000)), dec!(5000));
        assert_eq!(t.initial(dec!(1000000)).round_dp(2), dec!(13333.33));
    }

    #[test]
    fn tiered_liquidation_price_by_hand() {
        let t = binance_btcusdt();
        // Long 10 BTC at 50,000 (500k notional, bracket 2) with 25,000 collateral (20x):
        // P = (500,000 - 25,000 - 300) / (10 - 0.005 x 10) = 474,700 / 9.95 = 47,708.54...; notional 477k in bracket 2.
        let p = t.liquidation_price(dec!(10), dec!(500000), dec!(25000)).unwrap();
        assert_eq!(p.round_dp(2), dec!(47708.54));
        // At that price equity equals the tiered requirement.
        let equity = dec!(25000) + dec!(10) * p - dec!(500000);
        assert!((equity - t.maintenance(dec!(10) * p)).abs() < dec!(0.000001));
        // Short 10 at 50,000 with 25,000: P = (-500,000 - 25,000 - 300) / (-10 - 0.05) = 52,268.66.
        let s = t.liquidation_price(dec!(-10), dec!(-500000), dec!(25000)).unwrap();
        assert_eq!(s.round_dp(2), dec!(52268.66));
        // A fully collateralized long is never liquidated.
        assert_eq!(t.liquidation_price(dec!(1), dec!(50000), dec!(60000)), None);
    }

    #[test]
    fn malformed_tables_are_errors() {
        let tier = |n, r, l| Tier { max_notional: n, maintenance_rate: r, max_leverage: l };
        assert!(TierTable::new(&[]).is_err());
        assert!(TierTable::new(&[tier(dec!(100), dec!(0.01), dec!(10)), tier(dec!(50), dec!(0.02), dec!(5))]).is_err());
        assert!(
            TierTable::new(&[tier(dec!(100), dec!(0.02), dec!(10)), tier(dec!(200), dec!(0.01), dec!(5))]).is_err()
        );
        assert!(TierTable::new(&[tier(dec!(100), dec!(0.02), dec!(0.5))]).is_err());
    }
}

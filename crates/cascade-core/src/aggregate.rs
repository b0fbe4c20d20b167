//! A pull oracle's aggregate price and confidence interval from its publishers' prints (Pyth's algorithm, "Pyth
//! Price Aggregation Proposal", Pyth Network, November 2021): each publisher casts three votes, at its price and at
//! its price plus and minus its confidence; the aggregate price is the median of the votes, and the aggregate
//! confidence the larger distance from it to the votes' 25th and 75th percentiles. It widens when publishers
//! disagree, as well as when each is unsure. Prices and confidences are quote per base unit.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// An aggregate price with its confidence interval, `price +- confidence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aggregate {
    /// The median of the votes.
    pub price: Decimal,
    /// The half-width of the interval, >= 0.
    pub confidence: Decimal,
}

impl Aggregate {
    /// The confidence as a fraction of the price (0 for a price that is not positive).
    pub fn relative_confidence(&self) -> Decimal {
        if self.price > Decimal::ZERO { self.confidence / self.price } else { Decimal::ZERO }
    }
}

/// The aggregate of `prints`, each a publisher's (price, confidence); `None` without prints. Percentiles
/// interpolate linearly between the sorted votes.
pub fn aggregate(prints: &[(Decimal, Decimal)]) -> Option<Aggregate> {
    let mut votes: Vec<Decimal> = prints.iter().flat_map(|&(p, c)| [p - c, p, p + c]).collect();
    votes.sort();
    let price = percentile(&votes, Decimal::new(5, 1))?;
    let low = percentile(&votes, Decimal::new(25, 2))?;
    let high = percentile(&votes, Decimal::new(75, 2))?;
    Some(Aggregate { price, confidence: (price - low).max(high - price) })
}

/// The `q` quantile of sorted `values`, interpolating linearly at position `(n - 1) q`.
fn percentile(values: &[Decimal], q: Decimal) -> Option<Decimal> {
    let last = values.len().checked_sub(1)?;
    let position = Decimal::from(last) * q;
    let below = position.floor();
    let i = below.to_usize()?;
    let next = values.get(i + 1).unwrap_or(&values[i]);
    Some(values[i] + (next - values[i]) * (position - below))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn the_blogs_two_publishers() {
        // Pyth's example: 52,000 +- 10 and 53,000 +- 20 aggregate to about 52,500 +- 500. Votes 51,990, 52,000,
        // 52,010, 52,980, 53,000, 53,020: the median 52,495; the quartiles at positions 1.25 and 3.75, 52,002.5 and
        // 52,995; the larger distance 500.
        let a = aggregate(&[(dec!(52000), dec!(10)), (dec!(53000), dec!(20))]).unwrap();
        assert_eq!(a, Aggregate { price: dec!(52495), confidence: dec!(500) });
    }

    #[test]
    fn an_outlier_moves_the_price_little_and_agreement_keeps_the_interval_narrow() {
        let agreed = [(dec!(100), dec!(0.1)), (dec!(100.05), dec!(0.1)), (dec!(99.95), dec!(0.1))];
        let a = aggregate(&agreed).unwrap();
        assert_eq!(a.price, dec!(100));
        assert!(a.confidence <= dec!(0.1), "{a:?}");
        let mut outlier = agreed.to_vec();
        outlier.push((dec!(80), dec!(0.1)));
        let b = aggregate(&outlier).unwrap();
        assert!(b.price > dec!(99.9), "{b:?}");
        // Disagreement widens the interval: three sources a percent apart.
        let apart = aggregate(&[(dec!(99), dec!(0.1)), (dec!(100), dec!(0.1)), (dec!(101), dec!(0.1))]).unwrap();
        // Votes 98.9 ... 101.1: the 25th percentile is the third, 99.1, 0.9 from the median.
        assert_eq!((apart.price, apart.confidence, apart.relative_confidence()), (dec!(100), dec!(0.9), dec!(0.009)));
        assert_eq!(aggregate(&[]), None);
    }
}

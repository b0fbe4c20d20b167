//! Semantic checks of a parsed scenario. Every problem is collected, so one pass reports them all.

use crate::model::{LiquidationMode, MarginMode, RawScenario, ReferenceModel, ShockKind};
use rust_decimal::Decimal;

mod agents;
mod chain;
mod margin;
mod options;
mod pool;

/// Where a field is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (the scenario itself or one of its bases).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One thing wrong with a scenario: the path of the field, what was expected, and where the field is written (when
/// it is written at all rather than defaulted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path of the field, e.g. `margin.maintenance` or `shocks[1].at`.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// Where the field (or its nearest written parent) is, if anywhere.
    pub location: Option<Location>,
    /// The command-line override that set the field (`--set margin.maintenance=0.12`), when one did: the problem
    /// comes from there, not from the file.
    pub origin: Option<String>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl Problem {
    /// `file:line:column: path: message` when located in `file` or another file; `path: message` otherwise.
    pub fn display_in(&self, file: &str) -> String {
        match (&self.origin, &self.location) {
            (Some(origin), _) => format!("{file}: {origin}: {self}"),
            (None, Some(l)) => format!("{}:{}:{}: {self}", l.file, l.line, l.column),
            (None, None) => format!("{file}: {self}"),
        }
    }
}

/// The problems found so far, and what the checks built on the way (kept, so nothing is built twice).
#[derive(Default)]
struct Checker(Vec<Problem>, Built);

/// What checking a scenario builds: the correlation factor and the replayed series, one per market (`None`: the
/// market's reference is not replayed).
#[derive(Debug, Clone, Default)]
pub(crate) struct Built {
    /// The scenario's correlation matrix, factorized (`None` when none is given, or it is unusable).
    pub correlation: Option<cascade_core::correlation::Correlation>,
    /// Each market's replayed series, in market order.
    pub replays: Vec<Option<std::sync::Arc<crate::replay::Series>>>,
}

impl Checker {
    fn require(&mut self, ok: bool, path: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.0.push(Problem { path: path.into(), message: message.into(), location: None, origin: None });
        }
    }

    fn positive(&mut self, value: f64, path: &str) {
        self.require(value.is_finite() && value > 0.0, path, format!("expected a finite number > 0, found {value}"));
    }

    fn non_negative(&mut self, value: f64, path: &str) {
        self.require(value.is_finite() && value >= 0.0, path, format!("expected a finite number >= 0, found {value}"));
    }

    fn unit_interval(&mut self, value: f64, path: &str) {
        self.require((0.0..=1.0).contains(&value), path, format!("expected a probability in [0, 1], found {value}"));
    }

    fn positive_decimal(&mut self, value: Decimal, path: &str) {
        self.require(value > Decimal::ZERO, path, format!("expected an amount > 0, found {value}"));
    }
}

/// Shocks that start at or after the last tick, and so never happen: `shocks[i].at` problems. In a scenario as
/// written they are errors (a mistake in the file); when the run length is overridden (`--ticks`, `--set ticks`) a
/// shorter run drops them, and a front end says so.
pub fn late_shocks(s: &RawScenario) -> Vec<Problem> {
    let mut c = Checker::default();
    for (i, shock) in s.shocks.iter().enumerate() {
        c.require(
            shock.at < s.ticks,
            format!("shocks[{i}].at"),
            format!("expected a tick inside the run (< ticks = {}), found {}", s.ticks, shock.at),
        );
    }
    c.0
}

/// Checks the meaning of a parsed scenario (shocks after the run included); an empty list means it is valid.
pub fn validate(s: &RawScenario) -> Vec<Problem> {
    let mut problems = late_shocks(s);
    problems.extend(check(s).0);
    problems
}

/// Every check but [`late_shocks`], and what the checks built.
pub(crate) fn check(s: &RawScenario) -> (Vec<Problem>, Built) {
    let mut c = Checker::default();
    c.require(s.ticks > 0, "ticks", "expected at least 1 tick");
    c.positive(s.tick_seconds, "tick_seconds");
    c.positive(s.procyclicality_window_hours, "procyclicality_window_hours");

    check_market(&mut c, &s.market, "");
    check_reference(&mut c, &s.reference, "", s);

    c.require(s.oracle.sources >= 1, "oracle.sources", "expected at least 1 source");
    c.require(s.oracle.update_interval_ticks >= 1, "oracle.update_interval_ticks", "expected at least 1 tick");
    c.require(
        (0.0..0.5).contains(&s.oracle.noise),
        "oracle.noise",
        format!("expected a fraction in [0, 0.5), found {}", s.oracle.noise),
    );

    c.require(
        (0.0..1.0).contains(&s.oracle.max_deviation),
        "oracle.max_deviation",
        format!("expected a fraction in [0, 1) (0 disables), found {}", s.oracle.max_deviation),
    );
    c.non_negative(s.oracle.max_confidence, "oracle.max_confidence");
    c.require(s.oracle.twap_ticks >= 1, "oracle.twap_ticks", "expected at least 1 tick");
    if let Some(push) = s.oracle.push {
        c.non_negative(push.deviation, "oracle.push.deviation");
        c.require(push.heartbeat_ticks >= 1, "oracle.push.heartbeat_ticks", "expected at least 1 tick");
        if let Some(max) = push.max_gas_cost {
            c.require(
                max >= Decimal::ZERO,
                "oracle.push.max_gas_cost",
                format!("expected an amount >= 0, found {max}"),
            );
        }
    }

    if let Some(pull) = s.oracle.pull {
        c.require(s.oracle.push.is_none(), "oracle.pull", "an oracle is pushed or pulled, not both: remove `push`");
        c.require(
            pull.update_cost >= Decimal::ZERO,
            "oracle.pull.update_cost",
            format!("expected an amount >= 0, found {}", pull.update_cost),
        );
        c.require(
            (0.0..1.0).contains(&pull.max_confidence),
            "oracle.pull.max_confidence",
            format!("expected a fraction in [0, 1) (0 disables), found {}", pull.max_confidence),
        );
    }

    margin::check_margin(&mut c, &s.margin);

    let l = &s.liquidation;
    c.require(
        (Decimal::ZERO..Decimal::ONE).contains(&l.fee),
        "liquidation.fee",
        format!("expected a fraction in [0, 1), found {}", l.fee),
    );
    c.require(
        l.insurance_fund >= Decimal::ZERO,
        "liquidation.insurance_fund",
        format!("expected an amount >= 0, found {}", l.insurance_fund),
    );
    c.require(
        s.funding.cap >= Decimal::ZERO,
        "funding.cap",
        format!("expected a fraction >= 0, found {}", s.funding.cap),
    );

    let unit = |d: Decimal| (Decimal::ZERO..=Decimal::ONE).contains(&d);
    c.require(
        unit(l.liquidator_share),
        "liquidation.liquidator_share",
        format!("expected a fraction in [0, 1], found {}", l.liquidator_share),
    );
    c.require(
        l.max_notional_per_tick >= Decimal::ZERO,
        "liquidation.max_notional_per_tick",
        "expected an amount >= 0 (0: no limit)",
    );
    c.require(
        l.max_notional_per_account >= Decimal::ZERO,
        "liquidation.max_notional_per_account",
        "expected an amount >= 0 (0: no limit)",
    );
    if let LiquidationMode::Partial { target, slice_fraction, slice_min_notional, .. } = l.mode {
        c.require(
            target >= Decimal::ONE,
            "liquidation.mode.target",
            format!("expected a multiple of initial margin >= 1, found {target}"),
        );
        c.require(
            slice_fraction > Decimal::ZERO && slice_fraction <= Decimal::ONE,
            "liquidation.mode.slice_fraction",
            format!("expected a fraction in (0, 1], found {slice_fraction}"),
        );
        c.require(
            slice_min_notional >= Decimal::ZERO,
            "liquidation.mode.slice_min_notional",
            "expected an amount >= 0",
        );
    }

    agents::check_agents(&mut c, &s.agents, "");

    let symbols: Vec<&str> = std::iter::once(s.market.symbol.as_str())
        .chain(s.other_markets.iter().map(|o| o.market.symbol.as_str()))
        .collect();
    for (i, other) in s.other_markets.iter().enumerate() {
        let prefix = format!("other_markets[{i}].");
        check_market(&mut c, &other.market, &prefix);
        check_reference(&mut c, &other.reference, &prefix, s);
        if let Some(agents) = &other.agents {
            agents::check_agents(&mut c, agents, &prefix);
            c.require(
                agents.pair_traders.count == 0,
                format!("{prefix}agents.pair_traders.count"),
                "pair traders trade the first two markets: set them in the first market's `agents`",
            );
        }
        c.require(
            !symbols[..=i].contains(&other.market.symbol.as_str()),
            format!("{prefix}market.symbol"),
            format!("expected a symbol no other market has, found `{}` again", other.market.symbol),
        );
    }
    if !s.correlation.is_empty() {
        match cascade_core::correlation::Correlation::new(s.correlation.clone()) {
            Err(e) => c.require(
                false,
                "correlation",
                format!("expected a correlation matrix over the {} markets: {}", symbols.len(), e.0),
            ),
            Ok(correlation) => {
                c.1.correlation = Some(correlation);
                c.require(
                    s.correlation.len() == symbols.len(),
                    "correlation",
                    format!("expected {} rows, one per market, found {}", symbols.len(), s.correlation.len()),
                );
            }
        }
    }
    if let MarginMode::Portfolio { max_offset } = s.margin.mode {
        c.require(
            (Decimal::ZERO..=Decimal::ONE).contains(&max_offset),
            "margin.mode.max_offset",
            format!("expected a fraction in [0, 1], found {max_offset}"),
        );
    }
    let pt = &s.agents.pair_traders;
    if pt.count > 0 {
        c.require(symbols.len() >= 2, "agents.pair_traders.count", "pair traders need a second market (other_markets)");
        c.positive(pt.capital, "agents.pair_traders.capital");
        c.require(
            pt.leverage.is_finite() && pt.leverage >= 1.0,
            "agents.pair_traders.leverage",
            format!("expected a gross leverage >= 1, found {}", pt.leverage),
        );
        c.require(pt.entry_window_ticks >= 1, "agents.pair_traders.entry_window_ticks", "expected at least 1 tick");
        c.unit_interval(pt.long_fraction, "agents.pair_traders.long_fraction");
    }

    for (i, shock) in s.shocks.iter().enumerate() {
        let path = |field: &str| format!("shocks[{i}].{field}");
        if !shock.kind.is_instantaneous() {
            c.require(shock.duration >= 1, path("duration"), format!("a {} lasts at least 1 tick", shock.kind.name()));
        }
        match shock.kind {
            ShockKind::PriceGap { change, ref market } | ShockKind::PriceCrash { change, ref market } => {
                c.require(
                    change.is_finite() && change > -1.0,
                    path("kind.change"),
                    format!("expected a relative change greater than -1, found {change}"),
                );
                if let Some(symbol) = market {
                    c.require(
                        symbols.contains(&symbol.as_str()),
                        path("kind.market"),
                        format!("expected the symbol of a market ({}), found `{symbol}`", symbols.join(", ")),
                    );
                }
            }
            ShockKind::CorrelationBreak { correlation } => {
                let n = symbols.len();
                c.require(n >= 2, path("kind"), "a correlation break needs at least two markets (other_markets)");
                if n >= 2 {
                    c.require(
                        cascade_core::correlation::Correlation::uniform(n, correlation).is_ok(),
                        path("kind.correlation"),
                        format!(
                            "expected a correlation in [{:.4}, 1] for {n} markets, found {correlation}",
                            -1.0 / (n as f64 - 1.0)
                        ),
                    );
                }
            }
            ShockKind::SpreadWidening { multiplier } => c.require(
                multiplier.is_finite() && multiplier >= 1.0,
                path("kind.multiplier"),
                format!("expected a multiplier >= 1, found {multiplier}"),
            ),
            ShockKind::ArbitrageWithdrawal { fraction } => c.unit_interval(fraction, &path("kind.fraction")),
            ShockKind::FundingSpike { rate } => c.require(
                rate.abs() < Decimal::ONE,
                path("kind.rate"),
                format!("expected a rate between -1 and 1, found {rate}"),
            ),
            ShockKind::LeverageWave { count, capital, leverage, long_fraction } => {
                c.require(count >= 1, path("kind.count"), "expected at least 1 account");
                c.positive(capital, &path("kind.capital"));
                c.require(
                    leverage.is_finite() && leverage >= 1.0,
                    path("kind.leverage"),
                    format!("expected a leverage >= 1, found {leverage}"),
                );
                c.unit_interval(long_fraction, &path("kind.long_fraction"));
            }
            ShockKind::DepthWithdrawal { fraction } => c.unit_interval(fraction, &path("kind.fraction")),
            ShockKind::VolatilitySpike { multiplier } => c.positive(multiplier, &path("kind.multiplier")),
            ShockKind::OracleFreeze | ShockKind::OracleLag { .. } => {}
            // Checked with the options or the chain they move.
            ShockKind::VolSurfaceShift { .. }
            | ShockKind::SkewSteepening { .. }
            | ShockKind::TermInversion { .. }
            | ShockKind::Congestion { .. } => {}
            ShockKind::OracleUncertainty { multiplier } => c.positive(multiplier, &path("kind.multiplier")),
            ShockKind::OracleBadPrint { change, sources } => {
                c.require(
                    change.is_finite() && change > -1.0,
                    path("kind.change"),
                    format!("expected a relative error greater than -1, found {change}"),
                );
                c.require(
                    sources >= 1 && sources <= s.oracle.sources,
                    path("kind.sources"),
                    format!("expected between 1 and oracle.sources ({}) sources, found {sources}", s.oracle.sources),
                );
            }
        }
    }
    options::check_options(&mut c, s);
    chain::check_chain(&mut c, s);
    pool::check_pools(&mut c, s);
    (c.0, c.1)
}

/// The longest basis average a mark may take, ticks (a day of one-second ticks).
const MAX_BASIS_AVERAGE_TICKS: u32 = 86_400;

/// The checks of a market's contract; `prefix` locates it (`""` or `other_markets[i].`).
fn check_market(c: &mut Checker, m: &crate::model::Market, prefix: &str) {
    let at = |f: &str| format!("{prefix}{f}");
    c.positive_decimal(m.tick_size, &at("market.tick_size"));
    c.positive_decimal(m.lot_size, &at("market.lot_size"));
    c.positive_decimal(m.initial_price, &at("market.initial_price"));
    if m.tick_size > Decimal::ZERO {
        c.require(
            (m.initial_price % m.tick_size).is_zero(),
            at("market.initial_price"),
            format!("expected a multiple of market.tick_size ({}), found {}", m.tick_size, m.initial_price),
        );
    }
    c.require(
        cascade_core::money::is_booked(m.tick_size * m.lot_size),
        at("market.lot_size"),
        format!(
            "expected market.tick_size x market.lot_size on the booking grid of 1e-8 quote (together at most 8 \
             decimal places), found {} x {}",
            m.tick_size, m.lot_size
        ),
    );
    c.require(
        (Decimal::ZERO..Decimal::ONE).contains(&m.taker_fee),
        at("market.taker_fee"),
        format!("expected a fraction in [0, 1), found {}", m.taker_fee),
    );
    c.require(
        m.maker_fee > -m.taker_fee && m.maker_fee < Decimal::ONE,
        at("market.maker_fee"),
        format!("expected a fraction below 1 whose rebate is smaller than the taker fee, found {}", m.maker_fee),
    );

    c.require(
        m.price_band > Decimal::ZERO && m.price_band < Decimal::ONE,
        at("market.price_band"),
        format!("expected a fraction in (0, 1), found {}", m.price_band),
    );

    c.require(
        m.mark_band >= Decimal::ZERO && m.mark_band < Decimal::ONE,
        at("market.mark_band"),
        format!("expected a fraction in [0, 1), found {}", m.mark_band),
    );
    c.require(
        m.basis_average_ticks <= MAX_BASIS_AVERAGE_TICKS,
        at("market.basis_average_ticks"),
        format!("expected at most {MAX_BASIS_AVERAGE_TICKS} ticks, found {}", m.basis_average_ticks),
    );
}

/// The checks of a reference price.
fn check_reference(c: &mut Checker, r: &crate::model::Reference, prefix: &str, s: &RawScenario) {
    let at = |f: &str| format!("{prefix}{f}");
    c.non_negative(r.volatility, &at("reference.volatility"));
    c.require(r.drift.is_finite(), at("reference.drift"), "expected a finite number");
    c.non_negative(r.jumps_per_day, &at("reference.jumps_per_day"));
    c.require(r.jump_mean.is_finite(), at("reference.jump_mean"), "expected a finite number");
    c.non_negative(r.jump_stdev, &at("reference.jump_stdev"));
    c.non_negative(r.flow_impact, &at("reference.flow_impact"));
    if let Some(h) = r.impact_half_life_ticks {
        c.positive(h, &at("reference.impact_half_life_ticks"));
    }
    match &r.model {
        ReferenceModel::Gbm | ReferenceModel::Replay { .. } => {}
        &ReferenceModel::Herding { phi, chi, sigma_f, sigma_c, alpha_0, alpha_n, alpha_p, beta, mu, tail_dof } => {
            for (value, field) in
                [(phi, "phi"), (chi, "chi"), (alpha_n, "alpha_n"), (alpha_p, "alpha_p"), (beta, "beta")]
            {
                c.non_negative(value, &at(&format!("reference.model.{field}")));
            }
            for (value, field) in [(sigma_f, "sigma_f"), (sigma_c, "sigma_c"), (mu, "mu")] {
                c.positive(value, &at(&format!("reference.model.{field}")));
            }
            c.require(alpha_0.is_finite(), at("reference.model.alpha_0"), "expected a finite number");
            if let Some(nu) = tail_dof {
                c.require(
                    nu > 2.0 && nu.is_finite(),
                    at("reference.model.tail_dof"),
                    format!("expected more than 2 degrees of freedom (a finite variance), found {nu}"),
                );
            }
        }
        ReferenceModel::Garch { alpha, beta } => {
            c.non_negative(*alpha, &at("reference.model.alpha"));
            c.non_negative(*beta, &at("reference.model.beta"));
            c.require(
                alpha + beta < 1.0,
                at("reference.model.beta"),
                format!("expected alpha + beta < 1 (a stationary GARCH), found {}", alpha + beta),
            );
        }
        ReferenceModel::RegimeSwitching { regimes } => {
            c.require(!regimes.is_empty(), at("reference.model.regimes"), "expected at least one regime");
            for (i, regime) in regimes.iter().enumerate() {
                c.positive(regime.multiplier, &format!("{prefix}reference.model.regimes[{i}].multiplier"));
                c.require(
                    regime.mean_duration_ticks >= 1.0,
                    format!("{prefix}reference.model.regimes[{i}].mean_duration_ticks"),
                    format!("expected at least 1 tick, found {}", regime.mean_duration_ticks),
                );
            }
        }
    }
    let mut replay = None;
    if let ReferenceModel::Replay { file } = &r.model {
        match crate::replay::load(std::path::Path::new(file)) {
            Ok(series) => {
                let covered = series.duration_seconds() / s.tick_seconds;
                c.require(
                    covered + 1.0 >= s.ticks as f64,
                    at("reference.model.file"),
                    format!(
                        "the series covers {:.0} ticks of {} s, fewer than the run's {} ticks",
                        covered, s.tick_seconds, s.ticks
                    ),
                );
                replay = Some(std::sync::Arc::new(series));
            }
            Err(e) => c.require(false, at("reference.model.file"), e.to_string()),
        }
    }
    c.1.replays.push(replay);
}

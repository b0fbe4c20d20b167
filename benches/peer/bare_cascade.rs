//! The peer benchmark's reference cascade model as a bare loop: the arithmetic of `mesa_cascade.py`, step for step,
//! in `f64`, with nothing else (no framework, no ledger, no order book, no records, no agent shuffle, whose order the
//! model's outcome does not depend on). It is the floor under any tool's time on this model, against which
//! cascade's time and Mesa's are read (see README.md here). Draws through `libm`, as cascade's are. Run:
//!
//!     cargo run --profile release-lto --example bare_cascade -- [N] [STEPS]

use std::f64::consts::TAU;

const IMPACT: f64 = 0.004 / 1_000_000.0;
const MAINTENANCE: f64 = 0.025;
const GAP_STEP: u64 = 200;
const GAP: f64 = -0.30;

/// SplitMix64 with Box-Muller normals: the draws Mesa takes from Python's `random`, from another generator.
struct Draws(u64);

impl Draws {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal.
    fn gauss(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        libm::sqrt(-2.0 * libm::log(u)) * libm::cos(TAU * self.uniform())
    }
}

/// A leveraged long: its collateral, entry step, and once open its quantity and entry price.
struct Long {
    collateral: f64,
    leverage: f64,
    entry_step: u64,
    quantity: f64,
    entry_price: f64,
}

fn main() -> std::process::ExitCode {
    let args: Result<Vec<u64>, _> = std::env::args().skip(1).map(|a| a.parse::<u64>()).collect();
    let (n, steps) = match args.as_deref() {
        Ok([]) => (20_000, 1_000),
        Ok([n]) => (*n, 1_000),
        Ok([n, steps]) => (*n, *steps),
        _ => {
            eprintln!("usage: bare_cascade [N] [STEPS] (whole numbers; 20000 and 1000 by default)");
            return std::process::ExitCode::FAILURE;
        }
    };
    run(n, steps);
    std::process::ExitCode::SUCCESS
}

/// The model: `n` longs and `n / 10` noise traders over `steps` one-minute steps; prints what Mesa's version prints.
fn run(n: u64, steps: u64) {
    let step_volatility = 0.6 / libm::sqrt(365.0 * 24.0 * 60.0);
    let mut draws = Draws(1);
    let mut longs: Vec<Long> = (0..n)
        .map(|_| Long {
            collateral: 300.0 * libm::exp(0.8 * draws.gauss()),
            leverage: (5.0 * libm::exp(0.5 * draws.gauss())).max(1.0),
            entry_step: draws.next() % 200,
            quantity: 0.0,
            entry_price: 0.0,
        })
        .collect();
    let noise_traders = n / 10;
    let (mut price, mut insurance_fund, mut liquidations) = (30_000.0f64, 250_000.0f64, 0u64);
    for step in 0..steps {
        let mut flow = 0.0;
        longs.retain_mut(|long| {
            if long.quantity == 0.0 {
                if step == long.entry_step {
                    long.quantity = long.collateral * long.leverage / price;
                    long.entry_price = price;
                    flow += long.quantity * price;
                }
                return true;
            }
            let equity = long.collateral + long.quantity * (price - long.entry_price);
            if equity < MAINTENANCE * long.quantity * price {
                flow -= long.quantity * price;
                insurance_fund += equity.min(0.0);
                liquidations += 1;
                return false;
            }
            true
        });
        for _ in 0..noise_traders {
            if draws.uniform() < 0.2 {
                let notional = 10_000.0 * libm::exp(draws.gauss());
                flow += if draws.uniform() < 0.5 { notional } else { -notional };
            }
        }
        let shock = if step == GAP_STEP { GAP } else { 0.0 };
        price *= libm::exp(step_volatility * draws.gauss() + IMPACT * flow) * (1.0 + shock);
    }
    println!(
        "{n} longs, {steps} steps: {liquidations} liquidations, price {price:.1}, insurance fund {insurance_fund:.0}"
    );
}

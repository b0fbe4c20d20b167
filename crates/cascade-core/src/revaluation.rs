//! Full revaluation: which of many cross-margined accounts fall below maintenance under new marks and new
//! maintenance fractions (a margin policy change, or a stress scenario applied to the whole venue), exactly, at
//! about the speed at which memory delivers the accounts.
//!
//! A [`Revaluation`] is a snapshot of accounts holding linear instruments. It groups the accounts by the set of
//! instruments they hold, and keeps each group as columns of `f64`: each account's cash (collateral minus the cost
//! bases of its positions) and one column of quantities per instrument of the set. Accounts that hold the same
//! instruments share one set of marks and fractions, so a group's pass is a dense product with no lookups, which
//! the compiler vectorizes. Per account, with `c` its cash, `q_k` its quantities, `m_k` the marks and `r_k` the
//! maintenance fractions:
//!
//! ```text
//! equity = c + sum q_k m_k          requirement = sum |q_k| m_k r_k          gross = |c| + sum |q_k| m_k (1 + r_k)
//! ```
//!
//! **Exact, by a filter.** Every input reaches `f64` with one correctly rounded division (at most 3 units in the
//! last place, `u = 2^-53`, of relative error with the power of ten), every product and sum adds one rounding, so
//! for an account of `n` positions the computed `equity - requirement` is within `(2n + 10) u gross` of the exact
//! one (the standard bound on a floating-point sum, Higham 2002, ch. 4). Where the two are further apart than
//! `2^-40 gross` (over 15 times that bound for `n` up to [`MAX_POSITIONS`]), the sign of the computed difference is
//! the exact sign. The few accounts inside that band are decided again in `Decimal` by
//! [`crate::margin::health`], as are accounts with more than [`MAX_POSITIONS`] open positions. The answer is
//! therefore exactly `health`'s: equity below the maintenance requirement, with a position open.

use crate::account::Portfolio;
use crate::ids::{InstrumentId, UnderlyingId};
use crate::instrument::Valuation;
use crate::margin::{Requirement, health};
use crate::money::{self, MoneyError, approximate};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Accounts with more open positions than this are always decided in `Decimal` (the filter's bound is proved for
/// at most this many).
pub const MAX_POSITIONS: usize = 256;

/// Half-width of the band the floating-point pass leaves undecided, relative to the account's gross magnitude:
/// `2^-40`, about 9.1e-13.
const BAND: f64 = 1.0 / (1u64 << 40) as f64;

/// Accounts decided per block: their verdicts stay in a buffer in the first-level cache.
const BLOCK: usize = 1024;

/// Why a revaluation could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RevaluationError {
    /// A held instrument has no mark or no maintenance fraction.
    #[error("no mark or maintenance fraction for instrument {instrument}, which account {account} holds")]
    MissingPrice {
        /// The instrument without a price.
        instrument: u16,
        /// An account (index into the snapshot's portfolios) that holds it.
        account: u32,
    },
    /// The exact decision of an account, or its cash, overflowed.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// More accounts than an index of 32 bits can name.
    #[error("{0} accounts: a snapshot holds at most 4,294,967,295")]
    TooManyAccounts(usize),
}

/// A snapshot of accounts for full revaluations; borrows them, so they cannot change while it lives. Every
/// instrument is valued as a linear perpetual (value `quantity x mark`).
#[derive(Debug)]
pub struct Revaluation<'a> {
    portfolios: &'a [Portfolio],
    groups: Vec<Group>,
    /// Accounts with more than [`MAX_POSITIONS`] open positions.
    exact: Vec<u32>,
}

/// Accounts holding the same instruments, as columns.
#[derive(Debug)]
struct Group {
    /// The instruments held, ascending.
    instruments: Vec<InstrumentId>,
    /// Index of each account in the snapshot's portfolios.
    account: Vec<u32>,
    /// Collateral minus the cost bases of all positions, quote currency.
    cash: Vec<f64>,
    /// One column per instrument: each account's signed quantity in it.
    quantity: Vec<Vec<f64>>,
}

impl<'a> Revaluation<'a> {
    /// The snapshot of `portfolios` (account `i` is `portfolios[i]`; at most `u32::MAX` of them, else an error).
    /// Accounts without an open position are left out: they are never below maintenance.
    pub fn new(portfolios: &'a [Portfolio]) -> Result<Self, RevaluationError> {
        if u32::try_from(portfolios.len()).is_err() {
            return Err(RevaluationError::TooManyAccounts(portfolios.len()));
        }
        let mut groups: BTreeMap<Vec<InstrumentId>, Group> = BTreeMap::new();
        let mut exact = Vec::new();
        for (account, portfolio) in (0u32..).zip(portfolios) {
            let mut open: Vec<_> = portfolio.positions.iter().filter(|p| !p.quantity.is_zero()).collect();
            if open.is_empty() {
                continue;
            }
            if open.len() > MAX_POSITIONS {
                exact.push(account);
                continue;
            }
            open.sort_by_key(|p| p.instrument);
            let cash = portfolio.positions.iter().try_fold(portfolio.collateral, |c, p| money::sub(c, p.cost_basis))?;
            let instruments: Vec<InstrumentId> = open.iter().map(|p| p.instrument).collect();
            let group = groups.entry(instruments).or_insert_with_key(|set| Group {
                instruments: set.clone(),
                account: Vec::new(),
                cash: Vec::new(),
                quantity: vec![Vec::new(); set.len()],
            });
            group.account.push(account);
            group.cash.push(approximate(cash));
            for (column, p) in group.quantity.iter_mut().zip(&open) {
                column.push(approximate(p.quantity));
            }
        }
        Ok(Self { portfolios, groups: groups.into_values().collect(), exact })
    }

    /// Bytes one revaluation reads from the columns: each account's cash and quantities (8 bytes each).
    pub fn bytes_read(&self) -> usize {
        self.groups.iter().map(|g| g.cash.len() * (1 + g.instruments.len()) * size_of::<f64>()).sum()
    }

    /// Which accounts have equity below their maintenance requirement when instrument `i` is marked at `marks[i]`
    /// with maintenance fraction `maintenance[i]`: exactly those [`crate::margin::health`] finds liquidatable under a
    /// flat schedule. The answer is a bitmap in the snapshot's order ([`Below::accounts`] lists them).
    pub fn below_maintenance<'r>(
        &'r self,
        marks: &[Decimal],
        maintenance: &[Decimal],
    ) -> Result<Below<'r, 'a>, RevaluationError> {
        let priced = |instrument: InstrumentId, account: u32| {
            let i = usize::from(instrument.0);
            match (marks.get(i), maintenance.get(i)) {
                (Some(&m), Some(&r)) => Ok((approximate(m), approximate(r))),
                _ => Err(RevaluationError::MissingPrice { instrument: instrument.0, account }),
            }
        };
        let mut bits = Vec::with_capacity(self.groups.len());
        let mut undecided = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            let Some(&first) = group.account.first() else { continue };
            let prices = group.instruments.iter().map(|&i| priced(i, first)).collect::<Result<Vec<_>, _>>()?;
            let mark: Vec<f64> = prices.iter().map(|&(m, _)| m).collect();
            let per_unit: Vec<f64> = prices.iter().map(|&(m, r)| m * r).collect();
            let mut found =
                Found { below: vec![0; group.cash.len().div_ceil(64)], group: g, undecided: &mut undecided };
            match group.instruments.len() {
                1 => group.pass::<1>(&mark, &per_unit, &mut found),
                2 => group.pass::<2>(&mark, &per_unit, &mut found),
                3 => group.pass::<3>(&mark, &per_unit, &mut found),
                _ => group.pass_any(&mark, &per_unit, &mut found),
            }
            bits.push(found.below);
        }
        for (g, i) in undecided {
            let account = self.groups[g].account[i];
            if self.exactly_below(account, marks, maintenance)? {
                bits[g][i / 64] |= 1 << (i % 64);
            }
        }
        let mut exact = Vec::new();
        for &account in &self.exact {
            for p in self.portfolios[account as usize].positions.iter().filter(|p| !p.quantity.is_zero()) {
                priced(p.instrument, account)?;
            }
            if self.exactly_below(account, marks, maintenance)? {
                exact.push(account);
            }
        }
        Ok(Below { snapshot: self, bits, exact })
    }

    /// `health`'s verdict on one account, in `Decimal`.
    fn exactly_below(&self, account: u32, marks: &[Decimal], maintenance: &[Decimal]) -> Result<bool, MoneyError> {
        let price = |i: InstrumentId, of: &[Decimal]| of.get(usize::from(i.0)).copied().unwrap_or_default();
        let value = |i: InstrumentId| Valuation::linear(UnderlyingId(i.0), price(i, marks));
        let h = health(&self.portfolios[account as usize], value, |p, mark| {
            let r = money::mul(money::mul(p.quantity.abs(), mark)?, price(p.instrument, maintenance))?;
            Ok(Requirement { initial: r, maintenance: r })
        })?;
        Ok(h.is_liquidatable())
    }
}

/// The answer of a revaluation: which accounts are below maintenance, as one bit per account in the snapshot's
/// order (its groups), and the accounts decided apart.
#[derive(Debug)]
pub struct Below<'r, 'a> {
    snapshot: &'r Revaluation<'a>,
    /// Per group, bit `i` set when its `i`-th account is below maintenance.
    bits: Vec<Vec<u64>>,
    /// Accounts with more than [`MAX_POSITIONS`] open positions found below maintenance.
    exact: Vec<u32>,
}

impl Below<'_, '_> {
    /// Number of accounts below maintenance.
    pub fn count(&self) -> usize {
        let set: u32 = self.bits.iter().flatten().map(|w| w.count_ones()).sum();
        set as usize + self.exact.len()
    }

    /// The accounts below maintenance: indices into the snapshot's portfolios, ascending.
    pub fn accounts(&self) -> Vec<u32> {
        let mut all = vec![0u64; self.snapshot.portfolios.len().div_ceil(64)];
        for (group, bits) in self.snapshot.groups.iter().zip(&self.bits) {
            for (w, &word) in bits.iter().enumerate() {
                let mut rest = word;
                while rest != 0 {
                    let account = group.account[w * 64 + rest.trailing_zeros() as usize];
                    all[account as usize / 64] |= 1 << (account % 64);
                    rest &= rest - 1;
                }
            }
        }
        for &account in &self.exact {
            all[account as usize / 64] |= 1 << (account % 64);
        }
        let mut accounts = Vec::with_capacity(self.count());
        for (w, &word) in (0u32..).zip(&all) {
            let mut rest = word;
            while rest != 0 {
                accounts.push(w * 64 + rest.trailing_zeros());
                rest &= rest - 1;
            }
        }
        accounts
    }
}

/// What a group's pass finds: its bitmap of accounts below maintenance, and (group, position) of the undecided.
struct Found<'u> {
    below: Vec<u64>,
    group: usize,
    undecided: &'u mut Vec<(usize, usize)>,
}

impl Group {
    /// The pass over a group of `N` instruments, `N` known to the compiler so that it vectorizes across accounts.
    fn pass<const N: usize>(&self, mark: &[f64], per_unit: &[f64], found: &mut Found<'_>) {
        let m: [f64; N] = std::array::from_fn(|k| mark[k]);
        let mr: [f64; N] = std::array::from_fn(|k| per_unit[k]);
        let mut verdicts = [0u8; BLOCK];
        for start in (0..self.cash.len()).step_by(BLOCK) {
            let cash = &self.cash[start..(start + BLOCK).min(self.cash.len())];
            let columns: [&[f64]; N] = std::array::from_fn(|k| &self.quantity[k][start..start + cash.len()]);
            for (i, (verdict, &c)) in verdicts.iter_mut().zip(cash).enumerate() {
                *verdict = account_verdict(c, (0..N).map(|k| (columns[k][i], m[k], mr[k])));
            }
            found.record(start, &verdicts[..cash.len()]);
        }
    }

    /// The pass over a group of more than three instruments.
    fn pass_any(&self, mark: &[f64], per_unit: &[f64], found: &mut Found<'_>) {
        let verdicts: Vec<u8> = (0..self.cash.len())
            .map(|i| {
                let positions =
                    self.quantity.iter().zip(mark).zip(per_unit).map(|((column, &m), &mr)| (column[i], m, mr));
                account_verdict(self.cash[i], positions)
            })
            .collect();
        found.record(0, &verdicts);
    }
}

impl Found<'_> {
    /// Records the verdicts of the accounts from position `start` (a multiple of 64): sixty-four to a word of the
    /// bitmap, and the undecided in the list.
    fn record(&mut self, start: usize, verdicts: &[u8]) {
        for (w, chunk) in verdicts.chunks(64).enumerate() {
            // A verdict's low bit says below (`BELOW` is 1, `UNDECIDED` 2). Eight verdicts read as one `u64` hold
            // those bits at bits 0, 8, ..., 56; the multiplication moves bit `8j` to bit `56 + j` (no carries, as
            // the partial products do not overlap), so the top byte is the eight accounts' bits in order.
            let mut word = 0;
            for (k, eight) in chunk.chunks(8).enumerate() {
                let mut bytes = [0u8; 8];
                bytes[..eight.len()].copy_from_slice(eight);
                let low_bits = u64::from_le_bytes(bytes) & 0x0101_0101_0101_0101;
                word |= (low_bits.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
            }
            self.below[start / 64 + w] = word;
            if chunk.contains(&UNDECIDED) {
                let undecided = chunk.iter().enumerate().filter(|&(_, &v)| v == UNDECIDED);
                self.undecided.extend(undecided.map(|(j, _)| (self.group, start + 64 * w + j)));
            }
        }
    }
}

/// Verdict of the floating-point pass (0: certainly not): certainly below maintenance.
const BELOW: u8 = 1;
/// Within the band: decided in `Decimal`.
const UNDECIDED: u8 = 2;

/// One account's verdict from its cash and its positions `(quantity, mark, mark x maintenance fraction)`.
#[inline(always)]
fn account_verdict(cash: f64, positions: impl Iterator<Item = (f64, f64, f64)>) -> u8 {
    gap_verdict(cash, positions.map(|(q, m, mr)| (q, m, q, mr)))
}

/// The verdict on `equity - requirement` from the cash and the positions `(quantity valued, mark, quantity charged,
/// mark x fraction)`: `equity = cash + sum quantity x mark`, `requirement = sum |charged| x mark x fraction`.
#[inline(always)]
fn gap_verdict(cash: f64, positions: impl Iterator<Item = (f64, f64, f64, f64)>) -> u8 {
    let (mut equity, mut requirement, mut gross) = (cash, 0.0, cash.abs());
    for (q, m, charged, mr) in positions {
        let (value, r) = (q * m, charged.abs() * mr);
        equity += value;
        requirement += r;
        gross += value.abs() + r;
    }
    judge(equity - requirement, gross)
}

/// Whether equity covers a requirement, when `f64` settles it: for an account of `cash` (collateral less the cost
/// bases of all its positions) and open positions `(quantity, mark, quantity charged, fraction)`, whether
/// `cash + sum quantity x mark >= sum |charged| x mark x fraction`. The charged quantity may differ from the held
/// one: the initial-margin check charges a position at its size after the order, against the equity before it.
/// The module's bound holds as it is (each term has the same roundings). `None` when the answer lies within the band
/// or there are more than [`MAX_POSITIONS`] positions: the caller decides it in `Decimal`.
pub fn covers(cash: Decimal, positions: impl Iterator<Item = (Decimal, Decimal, Decimal, Decimal)>) -> Option<bool> {
    Approximation::of(cash, positions)?.covers()
}

/// An account's standing computed in `f64` from its exact `cash` and positions, taken as [`covers`] takes them.
/// Each figure is within [`Approximation::band`] of its exact value: each is a sum of some of the terms of the
/// gross magnitude, with no more roundings, so the module's bound holds for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Approximation {
    /// `cash + sum quantity x mark`, quote currency.
    pub equity: f64,
    /// `sum |charged| x mark x fraction`, quote currency.
    pub requirement: f64,
    /// `sum |quantity| x mark`, quote currency.
    pub notional: f64,
    /// `|cash| + sum (|quantity x mark| + |charged| x mark x fraction)`, quote currency.
    gross: f64,
}

impl Approximation {
    /// The approximation of an account of `cash` and `positions`; `None` with more than [`MAX_POSITIONS`].
    pub fn of(cash: Decimal, positions: impl Iterator<Item = (Decimal, Decimal, Decimal, Decimal)>) -> Option<Self> {
        let cash = approximate(cash);
        let mut account = Self { equity: cash, requirement: 0.0, notional: 0.0, gross: cash.abs() };
        for (count, (q, m, charged, fraction)) in positions.enumerate() {
            if count == MAX_POSITIONS {
                return None;
            }
            let m = approximate(m);
            let (value, r) = (approximate(q) * m, approximate(charged).abs() * (m * approximate(fraction)));
            account.equity += value;
            account.requirement += r;
            account.notional += value.abs();
            account.gross += value.abs() + r;
        }
        Some(account)
    }

    /// How far any of the figures may lie from its exact value, quote currency.
    pub fn band(&self) -> f64 {
        BAND * self.gross
    }

    /// Whether equity covers the requirement, `None` within the band: as [`covers`].
    pub fn covers(&self) -> Option<bool> {
        match judge(self.equity - self.requirement, self.gross) {
            BELOW => Some(false),
            UNDECIDED => None,
            _ => Some(true),
        }
    }

    /// The margin ratio `equity / requirement` and a bound on its distance from the exact quotient (which
    /// `Decimal` rounds within `1e-27` of itself, relative). With `b` the band, `|e' - e| <= b` and
    /// `|r' - r| <= b`, so `|e'/r' - e/r| <= (b r + |e| b) / (r' r)`, at most `b / r' + 2 (|e'| + b) b / r'^2` for
    /// `r >= r' / 2`, plus the quotient's own rounding; doubled. `None` unless the requirement clears twice the
    /// band.
    pub fn margin_ratio(&self) -> Option<(f64, f64)> {
        let (b, r) = (self.band(), self.requirement);
        if r <= 2.0 * b {
            return None;
        }
        let ratio = self.equity / r;
        let error = b / r + 2.0 * (self.equity.abs() + b) * b / (r * r) + 1e-15 * ratio.abs();
        Some((ratio, 2.0 * error))
    }
}

/// The verdict on a computed `equity - requirement` of an account of gross magnitude `gross`, branch-free.
fn judge(gap: f64, gross: f64) -> u8 {
    let band = BAND * gross;
    u8::from(gap < -band) * BELOW + u8::from(gap.abs() <= band) * UNDECIDED
}

#[cfg(test)]
mod tests;

//! The margin check: finds accounts below maintenance margin, through an index of liquidation prices when it can.
//!
//! Per instrument and tick, one of three paths:
//! - the schedule has no closed-form liquidation price (the liquidity add-on), or it moved this tick in a way the
//!   index cannot follow (tiers or a size premium under a moving policy): check every account of the instrument;
//! - the schedule stopped moving but the index was built under another one (or funding touched every account):
//!   rebuild the index, `O(n log n)` once;
//! - otherwise re-price only the accounts touched since the last check and take the index's candidates,
//!   `O(t log n + k)` for `t` touched accounts and `k` candidates. A touched account's entry is only widened when
//!   its trigger moved away from the mark ([`Refresh::Widen`]); a candidate the exact check finds healthy is then set
//!   exactly.
//!
//! A flat schedule (one maintenance fraction for every position) is indexed at a zero fraction and queried at the
//! mark scaled by the fraction in force, so an adaptive policy moving its fraction every tick keeps the index.
//!
//! Accounts holding options have no liquidation price: their requirement moves with the surface and time. They are
//! grouped by book instead ([`BookGroups`]): each check computes one health per distinct book and takes the holders
//! whose offset is below the book's threshold, `O(b + log n + k)` for `b` books; touched accounts are re-grouped.
//!
//! Candidates are confirmed with the exact health check, so both ways queue exactly the same accounts; with the
//! ledger audit on (debug builds, tests), every indexed check is compared with a full scan.

use crate::SimError;
use crate::components::{Account, Agent};
use crate::health::{account_health, maintenance_approximation};
use crate::options::holds_options;
use crate::pool::LiquidityPool;
use crate::resources::{
    AgentIndex, Audit, Faults, Instruments, LiquidationQueue, LiquidationRules, MarginIndex, MarginState,
};
use bevy_ecs::prelude::*;
use cascade_core::book_groups::BookGroups;
use cascade_core::margin::{Health, Trigger};
use cascade_core::ranking::{Ranked, rank};
use cascade_core::trigger_index::{Refresh, TriggerIndex};
use cascade_core::{AgentId, Decimal, InstrumentId};
use cascade_scenario::LiquidationOrder;

/// The accounts the margin check sees: every one but the pools' (a pool is a counterparty, not a trader).
type Margined<'w, 's> = Query<'w, 's, (&'static Agent, &'static Account), Without<LiquidityPool>>;

/// Checks accounts against maintenance margin at the mark and queues those below it in the configured order: worst
/// margin ratio (equity / maintenance requirement) first, or largest notional first; ties by agent id.
#[allow(clippy::too_many_arguments)] // a system: each parameter is a resource it reads or writes
pub fn check_margin(
    instruments: Res<Instruments>,
    engine: Res<MarginState>,
    rules: Res<LiquidationRules>,
    audit: Res<Audit>,
    accounts: Margined,
    mut agents: ResMut<AgentIndex>,
    mut index: ResMut<MarginIndex>,
    mut queue: ResMut<LiquidationQueue>,
    mut faults: ResMut<Faults>,
    mut seen: Local<Vec<bool>>,
) {
    queue.0.clear();
    // An account touched by many fills (a market maker's, every fill of the tick) is re-priced once.
    let touched = once_each(std::mem::take(&mut agents.touched), &mut seen);
    let all_touched = std::mem::take(&mut agents.all_touched);
    let count = instruments.0.len();
    index.instruments.resize_with(count, TriggerIndex::default);
    index.built_with.resize(count, None);
    index.previous.resize(count, None);
    let mut candidates = Vec::new();
    if engine.options.is_some() {
        regroup(&instruments, &accounts, &agents, &touched, all_touched, &mut index, &mut faults);
    }
    for instrument in &instruments.0 {
        let m = usize::from(instrument.id.0);
        let schedule = &instrument.margin;
        let closed_form = schedule.liquidity.is_none();
        let settled = closed_form && index.previous[m].as_ref().is_some_and(|p| same_index(p, schedule));
        index.previous[m] = Some(schedule.clone());
        if !settled {
            index.built_with[m] = None;
            index.full_scans += 1;
            for (agent, _) in accounts.iter().filter(|(a, _)| a.instrument == instrument.id) {
                candidates.push(agent.id);
            }
            continue;
        }
        let fresh = !all_touched && index.built_with[m].as_ref().is_some_and(|b| same_index(b, schedule));
        if fresh {
            for &agent in &touched {
                if let Ok((a, account)) = accounts.get(agents.entity(agent))
                    && a.instrument == instrument.id
                {
                    place(&mut index.instruments[m], &instruments, instrument.id, agent, account, Refresh::Widen);
                }
            }
        } else {
            index.instruments[m].clear();
            for (agent, account) in accounts.iter().filter(|(a, _)| a.instrument == instrument.id) {
                place(&mut index.instruments[m], &instruments, instrument.id, agent.id, account, Refresh::Exact);
            }
            index.built_with[m] = Some(schedule.clone());
        }
        index.indexed_checks += 1;
        let before = candidates.len();
        index.instruments[m].candidates(schedule.index_marks(instrument.mark_price), &mut candidates);
        if audit.every_tick {
            let from_index =
                queue_of(&instruments, &engine, &rules, &accounts, &agents, &candidates[before..], &mut faults);
            let everyone: Vec<AgentId> = accounts
                .iter()
                .filter(|(a, account)| a.instrument == instrument.id && !holds_options(&instruments, &account.0))
                .map(|(a, _)| a.id)
                .collect();
            let from_scan = queue_of(&instruments, &engine, &rules, &accounts, &agents, &everyone, &mut faults);
            let (from_index, from_scan) = (agents_of(&from_index), agents_of(&from_scan));
            if from_index != from_scan {
                debug_assert!(false, "margin index missed accounts in instrument {m}: {from_index:?} vs {from_scan:?}");
                faults.0.push(SimError::IndexMismatch { instrument: instrument.id });
            }
        }
    }
    if let Some(books) = &index.books {
        let before = candidates.len();
        book_candidates(&instruments, &engine, &accounts, &agents, books, &mut candidates, &mut faults);
        if audit.every_tick {
            let from_books =
                queue_of(&instruments, &engine, &rules, &accounts, &agents, &candidates[before..], &mut faults);
            let holders: Vec<AgentId> =
                accounts.iter().filter(|(_, a)| holds_options(&instruments, &a.0)).map(|(a, _)| a.id).collect();
            let from_scan = queue_of(&instruments, &engine, &rules, &accounts, &agents, &holders, &mut faults);
            let (mut from_books, from_scan) = (agents_of(&from_books), agents_of(&from_scan));
            from_books.dedup();
            if from_books != from_scan {
                debug_assert!(false, "book groups missed option accounts: {from_books:?} vs {from_scan:?}");
                faults.0.push(SimError::IndexMismatch { instrument: InstrumentId(0) });
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let entries = queue_of(&instruments, &engine, &rules, &accounts, &agents, &candidates, &mut faults);
    let key = |agent| exact_key(&instruments, &engine, &rules, &accounts, &agents, agent);
    match rank(entries, key) {
        Ok(ranked) => queue.0 = ranked,
        Err(e) => faults.0.push(e),
    }
    narrow(&instruments, &accounts, &agents, &candidates, &queue.0, &mut index);
}

/// Sets exactly in their instrument's index the `candidates` that the exact check found healthy (not in `queue`):
/// a widened entry ([`Refresh::Widen`]) made them candidates early, and would again every tick.
fn narrow(
    instruments: &Instruments,
    accounts: &Margined,
    agents: &AgentIndex,
    candidates: &[AgentId],
    queue: &[AgentId],
    index: &mut MarginIndex,
) {
    let mut queued = queue.to_vec();
    queued.sort_unstable();
    for &agent in candidates.iter().filter(|a| queued.binary_search(a).is_err()) {
        let Ok((a, account)) = accounts.get(agents.entity(agent)) else { continue };
        let m = usize::from(a.instrument.0);
        // An instrument checked by a full scan has no index in force; its next build sets every entry exactly.
        if index.built_with.get(m).is_some_and(Option::is_some) {
            place(&mut index.instruments[m], instruments, a.instrument, agent, account, Refresh::Exact);
        }
    }
}

/// The agents of `log` once each, in the order of their first appearance (`seen` is scratch, all `false` between
/// calls). The index's entries do not depend on the order in which they are set.
fn once_each(log: Vec<AgentId>, seen: &mut Vec<bool>) -> Vec<AgentId> {
    let mut once = Vec::with_capacity(log.len());
    for agent in log {
        let slot = agent.0 as usize;
        if seen.len() <= slot {
            seen.resize(slot + 1, false);
        }
        if !std::mem::replace(&mut seen[slot], true) {
            once.push(agent);
        }
    }
    for agent in &once {
        seen[agent.0 as usize] = false;
    }
    once
}

/// Re-groups the accounts holding options by book: every account when the groups are not built or every account
/// may have changed, else the touched ones.
fn regroup(
    instruments: &Instruments,
    accounts: &Margined,
    agents: &AgentIndex,
    touched: &[AgentId],
    all_touched: bool,
    index: &mut MarginIndex,
    faults: &mut Faults,
) {
    let books = match &mut index.books {
        Some(books) if !all_touched => {
            for &agent in touched {
                if let Ok((_, account)) = accounts.get(agents.entity(agent)) {
                    let holder = holds_options(instruments, &account.0).then_some(&account.0);
                    books.set(agent, holder).unwrap_or_else(|e| faults.0.push(e.into()));
                }
            }
            return;
        }
        books => books.insert(BookGroups::default()),
    };
    books.clear();
    for (agent, account) in accounts.iter().filter(|(_, a)| holds_options(instruments, &a.0)) {
        books.set(agent.id, Some(&account.0)).unwrap_or_else(|e| faults.0.push(e.into()));
    }
}

/// The option holders that may be below maintenance: for each book, one holder's health gives the threshold
/// `M - V` (its maintenance requirement less its equity net of its offset), and the book's holders at or below it
/// are candidates.
fn book_candidates(
    instruments: &Instruments,
    engine: &MarginState,
    accounts: &Margined,
    agents: &AgentIndex,
    books: &BookGroups,
    out: &mut Vec<AgentId>,
    faults: &mut Faults,
) {
    for (book, agent, offset) in books.representatives() {
        let Ok((_, account)) = accounts.get(agents.entity(agent)) else { continue };
        let threshold = account_health(instruments, engine, &account.0).and_then(|h| {
            cascade_core::money::sub(h.maintenance_requirement, cascade_core::money::sub(h.equity, offset)?)
        });
        match threshold {
            Ok(threshold) => books.below(book, threshold, out),
            Err(e) => faults.0.push(e.into()),
        }
    }
}

/// Whether an index built under schedule `a` serves schedule `b`: both flat (its triggers are rate-free, whatever
/// the fraction), or both giving every position the same maintenance requirement at every mark (the index depends
/// on nothing else: open-interest scaling moves only initial margin).
fn same_index(a: &cascade_core::margin::MarginSchedule, b: &cascade_core::margin::MarginSchedule) -> bool {
    (a.is_flat() && b.is_flat())
        || (a.rates.maintenance == b.rates.maintenance
            && a.size_premium == b.size_premium
            && a.tiers == b.tiers
            && a.liquidity.is_none()
            && b.liquidity.is_none())
}

/// Sets in `index` where `agent`'s `account` (homed in instrument `id`) is liquidated, in that instrument's prices:
/// the closed form for a single position in a linear instrument (a flat schedule's keyed in integers,
/// [`TriggerIndex::set_rate_free`]); [`Trigger::Unknown`] for several positions, or one in another instrument (its
/// trigger moves with that instrument's mark and schedule, which this index does not follow); [`Trigger::Never`]
/// for a holder of options, whom the book groups check. `how` says whether a standing entry that covers the new one
/// stays ([`Refresh`]).
fn place(
    index: &mut TriggerIndex,
    instruments: &Instruments,
    id: InstrumentId,
    agent: AgentId,
    account: &Account,
    how: Refresh,
) {
    let mut open = account.0.positions.iter().filter(|p| !p.quantity.is_zero());
    let instrument = instruments.get(id);
    let trigger = match (open.next(), open.next()) {
        (None, _) => Trigger::Never,
        (Some(p), None) if p.instrument == id && instrument.kind.is_linear() => {
            if instrument.margin.is_flat() {
                return index.set_rate_free(agent, (p.quantity, p.cost_basis, account.0.collateral), how);
            }
            instrument.margin.rate_free_trigger(p.quantity, p.cost_basis, account.0.collateral)
        }
        // Options' holders are grouped by book instead.
        _ if holds_options(instruments, &account.0) => Trigger::Never,
        _ => Trigger::Unknown,
    };
    index.set(agent, trigger, how);
}

/// The liquidatable accounts among `agents`, each with its sort key ([`sort_key`]) or, for an account whose `f64`
/// standing settles both its liquidation and its rank's neighbourhood ([`maintenance_approximation`]), with an
/// estimate of the key and its error bound: the exact health and the key's division are then left out unless
/// the ranking needs them ([`exact_key`]).
fn queue_of(
    instruments: &Instruments,
    engine: &MarginState,
    rules: &LiquidationRules,
    accounts: &Margined,
    index: &AgentIndex,
    agents: &[AgentId],
    faults: &mut Faults,
) -> Vec<Ranked<AgentId>> {
    let mut out = Vec::new();
    for &id in agents {
        let Ok((_, account)) = accounts.get(index.entity(id)) else { continue };
        if account.0.positions.iter().all(|p| p.quantity.is_zero()) {
            continue;
        }
        // A requirement clear of the band (a margin ratio to estimate) is a position open at a positive mark.
        if let Some(approximation) = maintenance_approximation(instruments, engine, &account.0)
            && let Some((ratio, error)) = approximation.margin_ratio()
        {
            match approximation.covers() {
                Some(true) => continue,
                Some(false) => {
                    let (key, error) = match rules.0.order {
                        LiquidationOrder::MarginRatio => (ratio, error),
                        LiquidationOrder::Notional => (-approximation.notional, 2.0 * approximation.band()),
                    };
                    if let Some(ranked) = Ranked::estimated(key, error, id) {
                        out.push(ranked);
                        continue;
                    }
                }
                None => {}
            }
        }
        match account_health(instruments, engine, &account.0) {
            Ok(h) if h.is_liquidatable() => out.push(Ranked::exact(sort_key(rules, &h), id)),
            Ok(_) => {}
            Err(e) => faults.0.push(e.into()),
        }
    }
    out
}

/// The liquidation queue's sort key of an account of health `h`: its margin ratio, or its notional negated.
fn sort_key(rules: &LiquidationRules, h: &Health) -> Decimal {
    match rules.0.order {
        LiquidationOrder::MarginRatio => h.margin_ratio().unwrap_or_default(),
        LiquidationOrder::Notional => -h.notional,
    }
}

/// The exact sort key of the account of `agent`, for the ranking of an estimated one.
fn exact_key(
    instruments: &Instruments,
    engine: &MarginState,
    rules: &LiquidationRules,
    accounts: &Margined,
    index: &AgentIndex,
    agent: AgentId,
) -> Result<Decimal, SimError> {
    let (_, account) = accounts.get(index.entity(agent)).map_err(|_| SimError::UnknownAgent(agent))?;
    Ok(sort_key(rules, &account_health(instruments, engine, &account.0)?))
}

/// The agents of a set of ranked entries, in agent order (what the audit compares).
fn agents_of(entries: &[Ranked<AgentId>]) -> Vec<AgentId> {
    let mut agents: Vec<AgentId> = entries.iter().map(|e| *e.item()).collect();
    agents.sort_unstable();
    agents
}

//! How much memory a world needs, estimated from its scenario before anything is built, so that a scenario too
//! large for the machine is refused up front with the estimate instead of grinding through swap or being killed.
//!
//! The estimate is linear in the accounts: what a world holds per account (its components, portfolio, margin
//! index and ADL queue entries) dominates, and recording streams to files or keeps only the summary (the GUI's
//! in-memory recording grows with the ticks and is not counted).

use cascade_scenario::Scenario;

/// Peak resident memory per account, bytes: `cascade run default --ticks 20` with 1,000,000 leveraged traders peaks
/// at 204,044 KiB and with none at 9,412 KiB (release build, 2026-12-06), 199 bytes an account; the whole calm day
/// of `scenarios/bench/scale.ron` at a million peaks at 210,784 KiB, 216 bytes an account. Rounded up.
pub const BYTES_PER_ACCOUNT: u64 = 230;

/// What a world needs besides its accounts (books, processes, buffers, the program), bytes.
pub const BASE_BYTES: u64 = 16 << 20;

/// A world that would not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{worlds} world(s) of {accounts} accounts would need about {} of memory ({BYTES_PER_ACCOUNT} bytes an account, \
     measured), and {} is available: fewer accounts, or fewer at once (--jobs)",
    gib(*needed),
    gib(*available)
)]
pub struct TooLarge {
    /// Accounts in the largest world.
    pub accounts: u64,
    /// Worlds held at once.
    pub worlds: u64,
    /// Bytes they need.
    pub needed: u64,
    /// Bytes available.
    pub available: u64,
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

/// The estimated peak memory of a world of `scenario`, bytes.
pub fn estimate(scenario: &Scenario) -> u64 {
    scenario.accounts().saturating_mul(BYTES_PER_ACCOUNT).saturating_add(BASE_BYTES)
}

/// Memory the system can give a new process without swapping, bytes (Linux: `MemAvailable` of `/proc/meminfo`);
/// `None` where it cannot be read (then nothing is refused).
pub fn available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_available(&text)
}

fn parse_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Fails when `worlds` worlds of the largest of `scenarios` would need more memory than is `available`.
pub fn check<'a>(
    scenarios: impl IntoIterator<Item = &'a Scenario>,
    worlds: usize,
    available: Option<u64>,
) -> Result<(), TooLarge> {
    let Some(available) = available else { return Ok(()) };
    let largest = scenarios.into_iter().max_by_key(|s| s.accounts());
    let Some(scenario) = largest else { return Ok(()) };
    let worlds = worlds.max(1) as u64;
    let needed = estimate(scenario).saturating_mul(worlds);
    if needed > available {
        return Err(TooLarge { accounts: scenario.accounts(), worlds, needed, available });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn available_memory_is_read_from_meminfo() {
        let meminfo = "MemTotal:       24683520 kB\nMemFree:        16467456 kB\nMemAvailable:   24199872 kB\n";
        assert_eq!(parse_available(meminfo), Some(24_199_872 * 1024));
        assert_eq!(parse_available("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn a_world_too_large_for_the_memory_is_refused_with_the_estimate() {
        let scenario = cascade_scenario::library::load("default", &Default::default()).unwrap().unwrap();
        let base = scenario.accounts();
        let big = scenario.edit(|raw| raw.agents.leveraged_traders.count = 4_000_000_000).unwrap();
        assert_eq!(big.accounts(), base - u64::from(scenario.raw().agents.leveraged_traders.count) + 4_000_000_000);
        assert_eq!(estimate(&big), big.accounts() * BYTES_PER_ACCOUNT + BASE_BYTES);
        let err = check([&big], 1, Some(24 << 30)).unwrap_err();
        assert!(
            err.to_string().contains("would need about 856.8 GiB") && err.to_string().contains("24.0 GiB"),
            "{err}"
        );
        assert!(check([&scenario], 2, Some(24 << 30)).is_ok());
        // Two at once need twice as much; nothing is refused when the memory is unknown.
        let fits_once = estimate(&scenario) + 1;
        assert!(check([&scenario], 1, Some(fits_once)).is_ok() && check([&scenario], 2, Some(fits_once)).is_err());
        assert!(check([&big], 1, None).is_ok());
    }
}

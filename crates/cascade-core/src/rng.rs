//! Deterministic random streams.
//!
//! Every consumer of randomness (the reference process, each oracle, each agent) draws from its own stream,
//! derived from the scenario seed, a domain tag and a stable id. Streams do not depend on how many other streams
//! exist or in what order they are used, so adding an agent does not change another agent's draws, and runs are
//! reproducible at any thread count. The generator is PCG-64 (MCG), whose output is specified and portable.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

/// The generator behind every stream.
pub type StreamRng = Pcg64Mcg;

/// Domain tags keep streams of different kinds apart even when their ids coincide.
pub mod domain {
    /// The reference-price process of a market (id: market).
    pub const REFERENCE: u64 = 1;
    /// An oracle (id: oracle index).
    pub const ORACLE: u64 = 2;
    /// An agent (id: agent id).
    pub const AGENT: u64 = 3;
    /// Drawing the population at world build (id: population index).
    pub const POPULATION: u64 = 4;
}

/// SplitMix64 finalizer: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream for (`seed`, `domain`, `id`).
pub fn stream(seed: u64, domain: u64, id: u64) -> StreamRng {
    StreamRng::seed_from_u64(mix(mix(mix(seed) ^ domain) ^ id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(42, domain::AGENT, 7).next_u64();
        assert_eq!(a, stream(42, domain::AGENT, 7).next_u64());
        assert_ne!(a, stream(42, domain::AGENT, 8).next_u64());
        assert_ne!(a, stream(42, domain::ORACLE, 7).next_u64());
        assert_ne!(a, stream(43, domain::AGENT, 7).next_u64());
    }
}

#[cfg(test)]
mod golden {
    use super::*;
    use rand::Rng;
    use rand_distr::{Distribution, StandardNormal};

    /// Outputs are part of the reproducibility contract: a change in the generator, the seeding or the normal
    /// sampler (a dependency upgrade, `rand_distr` built with `std_math`) changes every run. This pins them.
    #[test]
    fn streams_and_normal_draws_are_pinned() {
        let mut rng = stream(42, domain::AGENT, 0);
        let first = rng.next_u64();
        let normals: Vec<f64> = (0..1000).map(|_| StandardNormal.sample(&mut rng)).collect();
        let sum: f64 = normals.iter().sum();
        assert_eq!(first, 10_388_021_983_793_081_158);
        assert_eq!(sum, 18.90859739309707);
    }
}

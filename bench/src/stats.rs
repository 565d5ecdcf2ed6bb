//! Order statistics over timings, and number formatting for the table.

use std::time::Duration;

/// Sorted samples.
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn new(mut v: Vec<Duration>) -> Samples {
        v.sort();
        Samples(v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The `q` quantile (0..=1), nearest rank; zero when empty.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.0.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.0.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        self.0[i.min(self.0.len() - 1)]
    }

    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }
}

/// The median of a few values (lower middle for an even count).
pub fn median<T: Copy + PartialOrd>(values: &[T]) -> Option<T> {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v.get((v.len().max(1) - 1) / 2).copied()
}

/// Milliseconds with a sensible number of decimals.
pub fn ms(d: Duration) -> String {
    let m = d.as_secs_f64() * 1e3;
    if m < 1.0 {
        format!("{m:.3} ms")
    } else if m < 100.0 {
        format!("{m:.1} ms")
    } else {
        format!("{} ms", group(m.round() as u64))
    }
}

/// Bytes as MiB, two decimals.
pub fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Thousands separated by commas.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_formatting() {
        let s = Samples::new((1..=101).rev().map(Duration::from_micros).collect());
        assert_eq!(s.median(), Duration::from_micros(51));
        assert_eq!(s.quantile(1.0), Duration::from_micros(101));
        assert_eq!(median(&[3, 1, 2]), Some(2));
        assert_eq!(median(&[4, 1, 3, 2]), Some(2));
        assert_eq!(median::<u32>(&[]), None);
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(group(999), "999");
        assert_eq!(ms(Duration::from_micros(250)), "0.250 ms");
        assert_eq!(ms(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(mib(3 << 20), "3.00 MiB");
    }
}

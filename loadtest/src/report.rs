//! Results as JSON lines (one object per line on stdout, progress on stderr) and the summary of an
//! HDR latency histogram. Histograms record microseconds; summaries show milliseconds.

use std::io::Write as _;

use hdrhistogram::Histogram;
use serde::Serialize;

/// A histogram of microseconds from 1 µs to 10 minutes with 3 significant digits.
pub fn new_histogram() -> Result<Histogram<u64>, String> {
    Histogram::new_with_bounds(1, 600_000_000, 3).map_err(|error| error.to_string())
}

/// Records `micros`, clamped into the histogram's range.
pub fn record(histogram: &mut Histogram<u64>, micros: u64) {
    let value = micros.clamp(1, histogram.high());
    let _ = histogram.record(value);
}

/// Percentiles of a histogram, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

pub fn summarize(histogram: &Histogram<u64>) -> LatencySummary {
    if histogram.is_empty() {
        return LatencySummary::default();
    }
    let ms = |micros: u64| round3(micros as f64 / 1000.0);
    LatencySummary {
        count: histogram.len(),
        p50_ms: ms(histogram.value_at_quantile(0.50)),
        p90_ms: ms(histogram.value_at_quantile(0.90)),
        p99_ms: ms(histogram.value_at_quantile(0.99)),
        p999_ms: ms(histogram.value_at_quantile(0.999)),
        max_ms: ms(histogram.max()),
        mean_ms: round3(histogram.mean() / 1000.0),
    }
}

/// Rounds to three decimals (keeps the JSON lines short and readable).
pub fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Writes one result as a single JSON line on stdout.
pub fn emit<T: Serialize>(result: &T) -> Result<(), String> {
    let line = serde_json::to_string(result).map_err(|error| error.to_string())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{line}").map_err(|error| error.to_string())?;
    out.flush().map_err(|error| error.to_string())
}

/// Progress for people, on stderr (never mixed into the JSON lines).
pub fn progress(message: &str) {
    eprintln!("[loadtest] {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_values() {
        let mut histogram = new_histogram().unwrap();
        for micros in 1..=1000 {
            record(&mut histogram, micros * 10);
        }
        let summary = summarize(&histogram);
        assert_eq!(summary.count, 1000);
        assert!((summary.p50_ms - 5.0).abs() < 0.01, "{summary:?}");
        assert!((summary.p99_ms - 9.9).abs() < 0.01, "{summary:?}");
        assert!((summary.max_ms - 10.0).abs() < 0.01, "{summary:?}");
        assert!((summary.mean_ms - 5.005).abs() < 0.01, "{summary:?}");
    }

    #[test]
    fn empty_histograms_summarize_to_zero_and_values_are_clamped() {
        assert_eq!(summarize(&new_histogram().unwrap()), LatencySummary::default());
        let mut histogram = new_histogram().unwrap();
        record(&mut histogram, 0);
        record(&mut histogram, u64::MAX);
        assert_eq!(histogram.len(), 2);
        assert!(summarize(&histogram).max_ms >= 599_000.0);
    }

    #[test]
    fn results_are_single_lines() {
        #[derive(Serialize)]
        struct Line {
            text: &'static str,
        }
        let json = serde_json::to_string(&Line { text: "a\nb" }).unwrap();
        assert!(!json.contains('\n'));
    }
}

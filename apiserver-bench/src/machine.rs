//! Facts about the machine, and the CPU time processes have used.

use std::path::PathBuf;

use serde::Serialize;

/// Clock ticks per second of the times in `/proc/<pid>/stat`. The kernel reports them in
/// `USER_HZ`, which is 100 on every Linux architecture this runs on (it is fixed in the ABI,
/// whatever the kernel's own `HZ`).
const USER_HZ: f64 = 100.0;

/// The machine facts printed above the tables.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Machine {
    /// CPUs this process may use.
    pub(crate) cores: usize,
    /// The etcd binary run.
    pub(crate) etcd_binary: PathBuf,
    /// Its version (`etcd --version`).
    pub(crate) etcd_version: String,
    /// One-minute load average when the run started (other work on the machine skews figures).
    pub(crate) loadavg_start: Option<f64>,
    /// One-minute load average when the run ended.
    pub(crate) loadavg_end: Option<f64>,
}

/// The one-minute load average from `/proc/loadavg` (`None` where there is none).
pub(crate) fn loadavg() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat`; `None` when
/// the process is gone or the file cannot be read.
pub(crate) fn cpu_seconds(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat_cpu(&text)
}

/// CPU seconds this benchmark process has used so far (the load generator shares the machine
/// with the servers: its own cost shows how much it took from them).
pub(crate) fn own_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat_cpu(&text)
}

/// `utime + stime` of a `/proc/<pid>/stat` line, in seconds. The command name (field 2) is in
/// parentheses and may itself hold spaces and parentheses, so fields are counted after the
/// last `)`: utime and stime are fields 14 and 15 of the line, the 12th and 13th after it.
fn parse_stat_cpu(stat: &str) -> Option<f64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / USER_HZ)
}

/// The resident set size of a process in bytes, from `/proc/<pid>/status` (`VmRSS`).
pub(crate) fn rss_bytes(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_cpu_counts_after_the_last_parenthesis() {
        // A command name with a space and a parenthesis, utime 250 and stime 50 ticks.
        let line = "1234 (we ird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0 \
                    100 1000 200 18446744073709551615";
        assert_eq!(parse_stat_cpu(line), Some(3.0));
        assert_eq!(parse_stat_cpu("1 (x) S 1 2"), None);
        assert_eq!(parse_stat_cpu("no parenthesis"), None);
    }

    #[test]
    fn own_process_has_cpu_time_and_memory() {
        assert!(own_cpu_seconds().is_some_and(|s| s >= 0.0));
        let pid = std::process::id();
        assert!(cpu_seconds(pid).is_some());
        assert!(rss_bytes(pid).is_some_and(|rss| rss > 0));
    }
}

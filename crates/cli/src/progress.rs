//! Progress bars (indicatif) for long steps: a spinner for loading, a bar for downloads and
//! a [`FitObserver`] that shows epochs and the running loss. Hidden with `--quiet`/`--json`
//! and when stderr is not a terminal.

use cinerec_core::{EpochReport, FitObserver};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// A spinner with a message; finish it with [`ProgressBar::finish_and_clear`].
pub fn spinner(enabled: bool, msg: impl Into<String>) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, target(enabled));
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.into());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// A byte-count bar for downloads.
pub fn bytes(enabled: bool, msg: impl Into<String>) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(None, target(enabled));
    pb.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_message(msg.into());
    pb
}

fn target(enabled: bool) -> ProgressDrawTarget {
    if enabled {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}

/// Shows fitting progress: one bar over epochs with the latest loss, plus a log line per
/// epoch (kept in `history` for reports).
pub struct FitProgress {
    bar: ProgressBar,
    log_epochs: bool,
    /// Every epoch report received, in order.
    pub history: Vec<EpochReport>,
}

impl FitProgress {
    /// A fit observer for model `name`.
    pub fn new(enabled: bool, name: &str) -> Self {
        let bar = ProgressBar::with_draw_target(None, target(enabled));
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("fit {name}"));
        FitProgress {
            bar,
            log_epochs: enabled,
            history: Vec::new(),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl FitObserver for FitProgress {
    fn on_epoch(&mut self, r: &EpochReport) {
        self.bar.set_length(r.epochs as u64);
        self.bar.set_position(r.epoch as u64);
        let extra: String = r
            .metrics
            .iter()
            .map(|(k, v)| format!(" {k} {v:.4}"))
            .collect();
        self.bar
            .set_message(format!("loss {:.4}{extra}", r.train_loss));
        if self.log_epochs {
            self.bar.println(format!(
                "  epoch {}/{}: loss {:.4}{extra}",
                r.epoch, r.epochs, r.train_loss
            ));
        }
        self.history.push(r.clone());
    }

    fn on_batch(&mut self, epoch: usize, done: u64, total: u64, running_loss: f64) {
        self.bar.set_length(total);
        self.bar.set_position(done);
        self.bar
            .set_message(format!("epoch {epoch} running loss {running_loss:.4}"));
    }

    fn on_progress(&mut self, done: u64, total: u64) {
        if self.history.is_empty() {
            self.bar.set_length(total);
            self.bar.set_position(done);
        }
    }
}

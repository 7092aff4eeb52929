//! Classification metrics (accuracy, macro-F1, per-class precision/recall/F1).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Number of gold examples of this class.
    pub support: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// What was measured, e.g. "5-fold cross-validation" or "training set".
    pub kind: String,
    /// Number of evaluated examples.
    pub n: usize,
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1 (the govmsg / TipDM "F-Score").
    pub macro_f1: f64,
    pub per_class: Vec<ClassMetrics>,
    /// confusion[gold][predicted], in `per_class` label order.
    #[serde(default)]
    pub confusion: Vec<Vec<usize>>,
}

impl Metrics {
    /// Computes metrics from gold and predicted labels. Classes are the union
    /// of `labels` (in that order) and any label seen in `gold` or `pred`.
    pub fn from_predictions<S: AsRef<str>, T: AsRef<str>>(
        kind: &str,
        labels: &[String],
        gold: &[S],
        pred: &[T],
    ) -> Metrics {
        assert_eq!(gold.len(), pred.len(), "gold and predicted lengths differ");
        let mut classes: Vec<String> = labels.to_vec();
        for l in gold
            .iter()
            .map(|s| s.as_ref())
            .chain(pred.iter().map(|s| s.as_ref()))
        {
            if !classes.iter().any(|c| c == l) {
                classes.push(l.to_string());
            }
        }
        let k = classes.len();
        // Every gold and predicted label was added to `classes` above.
        let index: std::collections::HashMap<&str, usize> = classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let mut confusion = vec![vec![0usize; k]; k];
        for (g, p) in gold.iter().zip(pred) {
            if let (Some(&gi), Some(&pi)) = (index.get(g.as_ref()), index.get(p.as_ref())) {
                confusion[gi][pi] += 1;
            }
        }
        let n = gold.len();
        let correct: usize = (0..k).map(|i| confusion[i][i]).sum();
        let mut per_class = Vec::with_capacity(k);
        for (i, label) in classes.iter().enumerate() {
            let tp = confusion[i][i] as f64;
            let support: usize = confusion[i].iter().sum();
            let predicted: usize = (0..k).map(|g| confusion[g][i]).sum();
            let precision = if predicted > 0 {
                tp / predicted as f64
            } else {
                0.0
            };
            let recall = if support > 0 {
                tp / support as f64
            } else {
                0.0
            };
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            per_class.push(ClassMetrics {
                label: label.clone(),
                precision,
                recall,
                f1,
                support,
            });
        }
        // Macro average over classes that occur in the gold data.
        let present: Vec<&ClassMetrics> = per_class.iter().filter(|c| c.support > 0).collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|c| c.f1).sum::<f64>() / present.len() as f64
        };
        Metrics {
            kind: kind.to_string(),
            n,
            accuracy: if n > 0 {
                correct as f64 / n as f64
            } else {
                0.0
            },
            macro_f1,
            per_class,
            confusion,
        }
    }
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: n={} accuracy={:.4} macro-F1={:.4}",
            self.kind, self.n, self.accuracy, self.macro_f1
        )?;
        writeln!(
            f,
            "  {:<16} {:>9} {:>9} {:>9} {:>8}",
            "label", "precision", "recall", "F1", "support"
        )?;
        for c in &self.per_class {
            // pad by display width: CJK characters are two columns wide
            let width: usize = c
                .label
                .chars()
                .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                .sum();
            let pad = 16usize.saturating_sub(width);
            writeln!(
                f,
                "  {}{} {:>9.4} {:>9.4} {:>9.4} {:>8}",
                c.label,
                " ".repeat(pad),
                c.precision,
                c.recall,
                c.f1,
                c.support
            )?;
        }
        Ok(())
    }
}

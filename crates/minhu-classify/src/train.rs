//! TF-IDF weighting and a one-vs-rest L2-regularised L2-loss linear SVM
//! trained by dual coordinate descent (the LIBLINEAR default solver).

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::features::{FeatureConfig, Scratch, WordSet, extract_buckets, tf_weight};

/// Sparse term counts of one document: (bucket, count), buckets ascending.
pub(crate) type Counts = Vec<(u32, u32)>;

pub(crate) fn n_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

/// Runs `f(i)` for i in 0..n on all cores, returning results in order.
pub(crate) fn par_map<T: Send, F: Fn(usize, &mut Scratch) -> T + Sync>(n: usize, f: F) -> Vec<T> {
    let threads = n_threads().min(n.max(1));
    if threads <= 1 || n < 64 {
        let mut s = Scratch::default();
        return (0..n).map(|i| f(i, &mut s)).collect();
    }
    let chunk = n.div_ceil(threads);
    let mut parts: Vec<Vec<T>> = Vec::new();
    std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                sc.spawn(move || {
                    let mut s = Scratch::default();
                    (t * chunk..((t + 1) * chunk).min(n))
                        .map(|i| f(i, &mut s))
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        parts = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
    });
    parts.into_iter().flatten().collect()
}

pub(crate) fn count_docs<S: AsRef<str> + Sync>(
    cfg: &FeatureConfig,
    words: &WordSet,
    texts: &[S],
) -> Vec<Counts> {
    par_map(texts.len(), |i, s| {
        extract_buckets(cfg, words, texts[i].as_ref(), s);
        s.counts.clone()
    })
}

/// Options of the linear model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainOptions {
    pub features: FeatureConfig,
    /// SVM cost parameter C.
    pub c: f32,
    /// Weight classes inversely to their frequency ("balanced").
    pub class_weight: bool,
    /// Maximum passes over the data per class.
    pub max_epochs: usize,
    /// Stopping tolerance on the projected gradient spread.
    pub tol: f32,
    /// Value of the constant bias feature.
    pub bias: f32,
    /// Shuffling seed (training is deterministic for a given seed).
    pub seed: u64,
    /// NB-SVM: scale each feature, per class, by its smoothed log-count
    /// ratio (Wang & Manning 2012) before training the class's SVM.
    pub nb_scale: bool,
    /// Additive smoothing of the NB ratio (document counts).
    pub nb_alpha: f32,
    /// Scale applied to decision values before the softmax that turns them
    /// into confidences.
    pub confidence_scale: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureConfig::default(),
            c: 2.0,
            class_weight: true,
            max_epochs: 30,
            tol: 0.1,
            bias: 1.0,
            seed: 0x5eed,
            nb_scale: true,
            nb_alpha: 1.0,
            confidence_scale: 4.0,
        }
    }
}

pub(crate) struct Trained {
    /// bucket-major: [idf, w_0 .. w_{k-1}] per bucket
    pub table: Vec<f32>,
    pub bias: Vec<f32>,
}

struct Csr {
    indptr: Vec<usize>,
    idx: Vec<u32>,
    val: Vec<f32>,
}

impl Csr {
    #[inline]
    fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.idx[a..b], &self.val[a..b])
    }
}

pub(crate) fn compute_idf(cfg: &FeatureConfig, docs: &[&Counts]) -> Vec<f32> {
    let nb = 1usize << cfg.hash_bits;
    let mut df = vec![0u32; nb];
    for d in docs {
        for &(b, _) in d.iter() {
            df[b as usize] += 1;
        }
    }
    let n = docs.len() as f32;
    df.iter()
        .map(|&d| {
            if d >= cfg.min_df.max(1) {
                ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0
            } else {
                0.0
            }
        })
        .collect()
}

fn build_csr(cfg: &FeatureConfig, docs: &[&Counts], idf: &[f32]) -> Csr {
    let mut indptr = Vec::with_capacity(docs.len() + 1);
    indptr.push(0);
    let total: usize = docs.iter().map(|d| d.len()).sum();
    let mut idx = Vec::with_capacity(total);
    let mut val = Vec::with_capacity(total);
    for d in docs {
        let start = idx.len();
        let mut norm = 0.0f32;
        for &(b, c) in d.iter() {
            let w = idf[b as usize];
            if w > 0.0 {
                let v = tf_weight(cfg, c) * w;
                norm += v * v;
                idx.push(b);
                val.push(v);
            }
        }
        if norm > 0.0 {
            let inv = 1.0 / norm.sqrt();
            val[start..].iter_mut().for_each(|v| *v *= inv);
        }
        indptr.push(idx.len());
    }
    Csr { indptr, idx, val }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        crate::features::mix64(self.0)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Binary L2-loss SVM, dual coordinate descent (Hsieh et al. 2008).
/// Returns (w, bias weight).
fn solve_binary(
    x: &Csr,
    r: Option<&[f32]>,
    y: &[f32],
    cost: &[f32],
    dim: usize,
    opts: &TrainOptions,
    seed: u64,
) -> (Vec<f32>, f32) {
    // With a per-feature scale r, the effective data value is x_ij * r_j; we
    // solve in the scaled space and return w already multiplied by r, so that
    // prediction uses the unscaled features.
    let scaled;
    let x = match r {
        Some(r) => {
            scaled = Csr {
                indptr: x.indptr.clone(),
                idx: x.idx.clone(),
                val: x
                    .idx
                    .iter()
                    .zip(&x.val)
                    .map(|(j, v)| v * r[*j as usize])
                    .collect(),
            };
            &scaled
        }
        None => x,
    };
    let n = y.len();
    let mut w = vec![0.0f32; dim];
    let mut wb = 0.0f32;
    let b = opts.bias;
    let mut alpha = vec![0.0f32; n];
    let diag: Vec<f32> = cost.iter().map(|c| 0.5 / c).collect();
    let qd: Vec<f32> = (0..n)
        .map(|i| {
            let (_, v) = x.row(i);
            diag[i] + v.iter().map(|a| a * a).sum::<f32>() + b * b
        })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng(seed);
    for _epoch in 0..opts.max_epochs {
        for i in (1..n).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let (mut pg_max, mut pg_min) = (f32::NEG_INFINITY, f32::INFINITY);
        for &i in &order {
            let (ix, vx) = x.row(i);
            let mut dot = wb * b;
            for (j, v) in ix.iter().zip(vx) {
                dot += w[*j as usize] * v;
            }
            let yi = y[i];
            let g = yi * dot - 1.0 + alpha[i] * diag[i];
            let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                let d = (alpha[i] - old) * yi;
                if d != 0.0 {
                    for (j, v) in ix.iter().zip(vx) {
                        w[*j as usize] += d * v;
                    }
                    wb += d * b;
                }
            }
        }
        if pg_max - pg_min <= opts.tol {
            break;
        }
    }
    if let Some(r) = r {
        w.iter_mut().zip(r).for_each(|(w, r)| *w *= r);
    }
    (w, wb * b)
}

/// Per-feature log-count ratio for class `k` vs the rest (document counts).
fn nb_ratio(x: &Csr, y: &[usize], k: usize, dim: usize, alpha: f32) -> Vec<f32> {
    let mut p = vec![alpha; dim];
    let mut q = vec![alpha; dim];
    for (i, &yi) in y.iter().enumerate() {
        let (ix, _) = x.row(i);
        let t = if yi == k { &mut p } else { &mut q };
        for &j in ix {
            t[j as usize] += 1.0;
        }
    }
    let sp: f32 = p.iter().sum();
    let sq: f32 = q.iter().sum();
    p.iter()
        .zip(&q)
        .map(|(a, b)| ((a / sp) / (b / sq)).ln())
        .collect()
}

/// Trains on pre-counted documents. `y` are class indices into `n_classes`.
pub(crate) fn train_counts(
    docs: &[&Counts],
    y: &[usize],
    n_classes: usize,
    opts: &TrainOptions,
) -> Trained {
    let cfg = &opts.features;
    let dim = 1usize << cfg.hash_bits;
    let idf = compute_idf(cfg, docs);
    let x = build_csr(cfg, docs, &idf);
    let n = docs.len();
    let mut freq = vec![0usize; n_classes];
    for &c in y {
        freq[c] += 1;
    }
    let class_w: Vec<f32> = freq
        .iter()
        .map(|&f| {
            if opts.class_weight && f > 0 {
                n as f32 / (n_classes as f32 * f as f32)
            } else {
                1.0
            }
        })
        .collect();
    let cost: Vec<f32> = y.iter().map(|&c| opts.c * class_w[c]).collect();

    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Vec<f32>, f32)> = Vec::new();
    let threads = n_threads().min(n_classes.max(1));
    std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (x, cost, next) = (&x, &cost, &next);
                sc.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= n_classes {
                            break;
                        }
                        let yk: Vec<f32> =
                            y.iter().map(|&c| if c == k { 1.0 } else { -1.0 }).collect();
                        let r = opts.nb_scale.then(|| nb_ratio(x, y, k, dim, opts.nb_alpha));
                        let (w, b) = solve_binary(
                            x,
                            r.as_deref(),
                            &yk,
                            cost,
                            dim,
                            opts,
                            opts.seed ^ (k as u64 + 1),
                        );
                        out.push((k, w, b));
                    }
                    out
                })
            })
            .collect();
        for h in handles {
            results.extend(
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
    });
    results.sort_by_key(|r| r.0);
    let stride = n_classes + 1;
    let mut table = vec![0.0f32; dim * stride];
    for j in 0..dim {
        table[j * stride] = idf[j];
    }
    let mut bias = vec![0.0f32; n_classes];
    for (k, w, b) in results {
        bias[k] = b;
        for j in 0..dim {
            table[j * stride + 1 + k] = w[j];
        }
    }
    Trained { table, bias }
}

//! Hot spots (热点): recurring topics per community × category × period, ranked.
//!
//! The requests of a period are grouped by community (the jurisdiction itself when the
//! request sits above communities) and category (its first two levels); within a group,
//! each request joins the topic of the pair of its keywords (jieba TF-IDF, stop words
//! removed; `minhu_classify::keywords_top`) that most requests of the group share, a stray
//! one or two join a larger topic through an uncommon shared keyword, and near-identical
//! texts (character-bigram Jaccard ≥ [`SIMILAR`], MinHash LSH for large groups) that no pair
//! placed form their own. Each topic of two or more requests is shown with the keywords
//! most of its requests share, its size and a few request codes, largest first.

use std::collections::{BTreeMap, HashMap, HashSet};

use minhu_domain::org::{Level, Org};
use serde::Serialize;

/// Texts at least this similar (character bigrams, Jaccard) are on the same topic.
pub const SIMILAR: f32 = 0.4;

/// A keyword in more texts of a group than this (or than a hundredth of a large group) is
/// common there: a pair of two common keywords is no topic.
const COMMON_MIN: usize = 30;
/// Keywords taken from each text.
const PER_TEXT: usize = 6;
/// Above this many requests a group's similar pairs come from MinHash LSH, not all pairs.
const ALL_PAIRS_MAX: usize = 300;
/// Request codes shown per hot spot.
const SAMPLES: usize = 5;

// `TopicRow` moved to the domain (`minhu_domain::ledger::rows`): storage reads it.
pub use minhu_domain::ledger::rows::TopicRow;

/// One recurring topic of a community and category in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotSpot {
    /// The community's code (or the jurisdiction's, for requests located above any).
    pub community: String,
    pub community_name: String,
    /// The category's first two levels (`未分类` without one).
    pub category: String,
    /// The keywords most requests of the topic share, most shared first.
    pub keywords: Vec<String>,
    /// Requests on the topic.
    pub count: i64,
    /// Codes of some of them (the earliest, confidential ones left out).
    pub samples: Vec<String>,
}

fn category2(c: Option<&str>) -> String {
    match c {
        Some(c) if !c.trim().is_empty() => c
            .split('/')
            .filter(|p| !p.is_empty())
            .take(2)
            .collect::<Vec<_>>()
            .join("/"),
        _ => "未分类".into(),
    }
}

fn text_of(r: &TopicRow) -> String {
    match r.subject.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() && !r.content.contains(s) => format!("{s}。{}", r.content),
        _ => r.content.clone(),
    }
}

/// The topics of one group of texts: clusters (indices, ascending) with their keywords.
pub fn topics(texts: &[String]) -> Vec<(Vec<usize>, Vec<String>)> {
    let n = texts.len();
    if n < 2 {
        return Vec::new();
    }
    let kws: Vec<Vec<String>> = texts
        .iter()
        .map(|t| {
            let mut k = minhu_classify::keywords_top(t, PER_TEXT);
            let mut seen = HashSet::new();
            k.retain(|w| seen.insert(w.clone()));
            k
        })
        .collect();
    // Each text joins the topic of the keyword pair it shares with the most other texts
    // (a text belongs to one topic, so topics cannot chain into one another). A pair of
    // two words common in the group (小区, 业主) is no topic: measured on 4,326 real
    // messages (hot.csv as one group), linking every two texts that shared two keywords
    // chained 2,918 of them into one "topic".
    let mut df: HashMap<&str, usize> = HashMap::new();
    for k in &kws {
        for w in k {
            *df.entry(w.as_str()).or_default() += 1;
        }
    }
    let common = COMMON_MIN.max(n / 100);
    let is_common = |w: &str| df.get(w).copied().unwrap_or(0) > common;
    let text_pairs: Vec<Vec<(&str, &str)>> = kws
        .iter()
        .map(|k| {
            let mut out = Vec::new();
            for a in 0..k.len() {
                for b in a + 1..k.len() {
                    let (x, y) = if k[a] <= k[b] {
                        (&k[a], &k[b])
                    } else {
                        (&k[b], &k[a])
                    };
                    if !(is_common(x) && is_common(y)) {
                        out.push((x.as_str(), y.as_str()));
                    }
                }
            }
            out
        })
        .collect();
    let mut support: HashMap<(&str, &str), u32> = HashMap::new();
    for pairs in &text_pairs {
        for p in pairs {
            *support.entry(*p).or_default() += 1;
        }
    }
    let mut leader: Vec<Option<(&str, &str)>> = text_pairs
        .iter()
        .map(|pairs| {
            pairs
                .iter()
                .map(|p| (support[p], *p))
                .filter(|(s, _)| *s >= 2)
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
                .map(|(_, p)| p)
        })
        .collect();
    // Near-identical texts (a resubmitted complaint) share a topic even without a pair.
    let similar: Vec<(usize, usize, f32)> = if n <= ALL_PAIRS_MAX {
        let sh: Vec<Vec<u64>> = texts.iter().map(|t| minhu_classify::shingles(t)).collect();
        let mut v = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                if !sh[a].is_empty() && minhu_classify::jaccard(&sh[a], &sh[b]) >= SIMILAR {
                    v.push((a, b, 1.0));
                }
            }
        }
        v
    } else {
        minhu_classify::near_duplicates(texts, SIMILAR)
    };
    for &(a, b, _) in &similar {
        match (leader[a], leader[b]) {
            (Some(p), None) => leader[b] = Some(p),
            (None, Some(p)) => leader[a] = Some(p),
            _ => {}
        }
    }
    // A stray text or two whose best pair differs (电动车+充电桩 beside 电动车+充电) joins the
    // largest topic of three or more whose pair shares a keyword with it that is not common
    // in the group. One step only: bigger topics never join, so topics do not chain.
    let mut size: HashMap<(&str, &str), usize> = HashMap::new();
    for p in leader.iter().flatten() {
        *size.entry(*p).or_default() += 1;
    }
    let mut big: Vec<((&str, &str), usize)> = size
        .iter()
        .filter(|(_, n)| **n >= 3)
        .map(|(p, n)| (*p, *n))
        .collect();
    big.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let absorb: HashMap<(&str, &str), (&str, &str)> = size
        .iter()
        .filter(|(_, n)| **n <= 2)
        .filter_map(|(p, _)| {
            big.iter()
                .find(|(q, _)| {
                    [p.0, p.1]
                        .iter()
                        .any(|w| !is_common(w) && (q.0 == *w || q.1 == *w))
                })
                .map(|(q, _)| (*p, *q))
        })
        .collect();
    for l in leader.iter_mut() {
        if let Some(p) = l
            && let Some(q) = absorb.get(p)
        {
            *l = Some(*q);
        }
    }
    let mut by_pair: HashMap<(&str, &str), usize> = HashMap::new();
    let mut pairs: Vec<(usize, usize, f32)> = Vec::new();
    for (i, l) in leader.iter().enumerate() {
        if let Some(p) = l {
            match by_pair.get(p) {
                Some(&first) => pairs.push((first, i, 1.0)),
                None => {
                    by_pair.insert(*p, i);
                }
            }
        }
    }
    // Near-identical texts that no pair placed form their own topic.
    pairs.extend(
        similar
            .into_iter()
            .filter(|&(a, b, _)| leader[a].is_none() && leader[b].is_none()),
    );
    minhu_classify::clusters(n, &pairs)
        .into_iter()
        .map(|members| {
            let mut freq: HashMap<&str, (usize, usize)> = HashMap::new();
            for &m in &members {
                for (rank, w) in kws[m].iter().enumerate() {
                    let e = freq.entry(w.as_str()).or_insert((0, 0));
                    e.0 += 1;
                    e.1 += rank;
                }
            }
            let need = 2.max(members.len().div_ceil(2));
            let mut words: Vec<(&str, (usize, usize))> = freq.into_iter().collect();
            // Most shared first; then the better ranked within their texts.
            words.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)).then(a.0.cmp(b.0)));
            let mut keywords: Vec<String> = words
                .iter()
                .filter(|(_, (c, _))| *c >= need)
                .take(5)
                .map(|(w, _)| w.to_string())
                .collect();
            if keywords.is_empty() {
                keywords = words.iter().take(3).map(|(w, _)| w.to_string()).collect();
            }
            (members, keywords)
        })
        .collect()
}

/// The hot spots of a set of requests (typically one jurisdiction's period), ranked by size,
/// at most `limit`.
pub fn hot_spots(rows: &[TopicRow], org: &Org, limit: usize) -> Vec<HotSpot> {
    let mut groups: BTreeMap<(String, String), Vec<&TopicRow>> = BTreeMap::new();
    for r in rows {
        let place = org
            .ancestor_at(&r.jurisdiction, Level::Community)
            .map(|j| j.code.clone())
            .unwrap_or_else(|| r.jurisdiction.clone());
        groups
            .entry((place, category2(r.category.as_deref())))
            .or_default()
            .push(r);
    }
    let mut out = Vec::new();
    for ((place, category), mut members) in groups {
        if members.len() < 2 {
            continue;
        }
        members.sort_by_key(|r| r.id);
        let texts: Vec<String> = members.iter().map(|r| text_of(r)).collect();
        for (idx, keywords) in topics(&texts) {
            out.push(HotSpot {
                community_name: org
                    .jurisdiction(&place)
                    .map(|j| j.name.clone())
                    .unwrap_or_else(|| place.clone()),
                community: place.clone(),
                category: category.clone(),
                keywords,
                count: idx.len() as i64,
                samples: idx
                    .iter()
                    .map(|&i| members[i])
                    .filter(|r| !r.confidential)
                    .take(SAMPLES)
                    .map(|r| r.code.clone())
                    .collect(),
            });
        }
    }
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.community.cmp(&b.community))
            .then(a.category.cmp(&b.category))
            .then(a.samples.cmp(&b.samples))
    });
    out.truncate(limit);
    out
}

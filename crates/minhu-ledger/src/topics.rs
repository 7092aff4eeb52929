//! Hot spots (热点): recurring topics per community × category × period, ranked.
//!
//! The requests of a period are grouped by community (the jurisdiction itself when the
//! request sits above communities) and category (its first two levels); within a group,
//! two requests are on the same topic when their texts share at least two keywords (jieba
//! TF-IDF, stop words removed; `minhu_classify::keywords_top`) or their character-bigram
//! Jaccard similarity reaches [`SIMILAR`] (MinHash LSH for large groups,
//! `minhu_classify::near_duplicates`). Topics are the connected groups of two or more
//! requests; each is shown with the keywords most of its requests share, its size and a
//! few request codes, largest first.

use std::collections::{BTreeMap, HashMap, HashSet};

use minhu_domain::org::{Level, Org};
use serde::Serialize;

/// Texts at least this similar (character bigrams, Jaccard) are on the same topic.
pub const SIMILAR: f32 = 0.4;
/// Keywords taken from each text.
const PER_TEXT: usize = 6;
/// Above this many requests a group's similar pairs come from MinHash LSH, not all pairs.
const ALL_PAIRS_MAX: usize = 300;
/// Request codes shown per hot spot.
const SAMPLES: usize = 5;

/// A request as topic detection needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRow {
    pub id: i64,
    pub code: String,
    pub jurisdiction: String,
    pub category: Option<String>,
    pub subject: Option<String>,
    pub content: String,
    /// Confidential requests count but are never shown as samples.
    pub confidential: bool,
}

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
    // Pairs sharing two keywords, through an inverted index.
    let mut postings: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, k) in kws.iter().enumerate() {
        for w in k {
            postings.entry(w.as_str()).or_default().push(i as u32);
        }
    }
    let mut shared: HashMap<(u32, u32), u8> = HashMap::new();
    for list in postings.values() {
        // A word in (nearly) every text of a large group links nothing by itself.
        if list.len() > 1000 {
            continue;
        }
        for a in 0..list.len() {
            for b in a + 1..list.len() {
                *shared.entry((list[a], list[b])).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<(usize, usize, f32)> = shared
        .into_iter()
        .filter(|(_, s)| *s >= 2)
        .map(|((a, b), _)| (a as usize, b as usize, 1.0))
        .collect();
    // Pairs of similar texts.
    if n <= ALL_PAIRS_MAX {
        let sh: Vec<Vec<u64>> = texts.iter().map(|t| minhu_classify::shingles(t)).collect();
        for a in 0..n {
            for b in a + 1..n {
                if !sh[a].is_empty() && minhu_classify::jaccard(&sh[a], &sh[b]) >= SIMILAR {
                    pairs.push((a, b, 1.0));
                }
            }
        }
    } else {
        pairs.extend(minhu_classify::near_duplicates(texts, SIMILAR));
    }
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

//! Chinese word segmentation (jieba, loaded once per process), a stop-word
//! list and keyword extraction for hot-topic analysis.

use std::collections::{BTreeSet, HashMap};
use std::sync::{LazyLock, RwLock};

use jieba_rs::{Jieba, KeywordExtract, KeywordExtractConfig, TfIdf};

/// The process-wide jieba instance. Loading the default dictionary takes a
/// noticeable fraction of a second, so it happens at most once, on first use.
static JIEBA: LazyLock<RwLock<Jieba>> = LazyLock::new(|| RwLock::new(Jieba::new()));

/// TF-IDF keyword extractor with jieba's bundled IDF table and our stop words.
static TFIDF: LazyLock<TfIdf> = LazyLock::new(|| {
    let mut tfidf = TfIdf::default();
    let cfg = KeywordExtractConfig::builder()
        .set_stop_words(STOP_WORDS.iter().map(|s| s.to_string()).collect())
        .min_keyword_length(2)
        .use_hmm(true)
        .build();
    *tfidf.config_mut() = cfg;
    tfidf
});

static STOP_SET: LazyLock<BTreeSet<&'static str>> =
    LazyLock::new(|| STOP_WORDS.iter().copied().collect());

/// Function words plus the formulaic words of citizens' letters
/// (salutations, "please", "problem", administrative place words ...).
/// They carry no topic, so they are dropped from keywords.
pub const STOP_WORDS: &[&str] = &[
    // function words
    "的",
    "了",
    "和",
    "是",
    "就",
    "都",
    "而",
    "及",
    "与",
    "着",
    "或",
    "一个",
    "没有",
    "我们",
    "你们",
    "他们",
    "她们",
    "它们",
    "我",
    "你",
    "他",
    "她",
    "它",
    "这",
    "那",
    "这个",
    "那个",
    "这些",
    "那些",
    "这样",
    "那样",
    "因为",
    "所以",
    "但是",
    "但",
    "而且",
    "并且",
    "如果",
    "虽然",
    "可以",
    "可是",
    "还是",
    "已经",
    "还",
    "也",
    "又",
    "在",
    "从",
    "对",
    "对于",
    "把",
    "被",
    "让",
    "给",
    "向",
    "到",
    "为",
    "为了",
    "由于",
    "以及",
    "等",
    "等等",
    "之",
    "其",
    "其中",
    "此",
    "该",
    "本",
    "各",
    "每",
    "什么",
    "怎么",
    "怎样",
    "如何",
    "为什么",
    "哪里",
    "多少",
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "哦",
    "么",
    "很",
    "非常",
    "十分",
    "特别",
    "比较",
    "更",
    "最",
    "太",
    "不",
    "不是",
    "没",
    "有",
    "要",
    "会",
    "能",
    "能否",
    "是否",
    "应该",
    "应当",
    "需要",
    "进行",
    "现在",
    "目前",
    "今年",
    "去年",
    "一直",
    "一些",
    "一下",
    "一样",
    "自己",
    "大家",
    "有关",
    "相关",
    "关于",
    "通过",
    "根据",
    "按照",
    "以上",
    "以下",
    "之后",
    "之前",
    "以后",
    "以前",
    "时候",
    "情况",
    "方面",
    "这里",
    "那里",
    "里面",
    "上面",
    "下面",
    "其他",
    "其它",
    "另外",
    "然后",
    "而是",
    "只是",
    "只有",
    "就是",
    "还有",
    "不能",
    "不会",
    "不要",
    "不仅",
    "导致",
    "造成",
    "出现",
    "存在",
    "同时",
    "并",
    "且",
    "即",
    "则",
    "却",
    "再",
    "才",
    "可",
    "将",
    "已",
    "于",
    "以",
    "及其",
    "之间",
    "当中",
    "时",
    "后",
    "前",
    "中",
    "上",
    "下",
    "里",
    "内",
    "外",
    "个",
    "们",
    "次",
    "年",
    "月",
    "日",
    "号",
    "点",
    "多",
    "少",
    "大",
    "小",
    // letter formulas and generic administrative words
    "您好",
    "你好",
    "尊敬",
    "尊敬的",
    "领导",
    "各位",
    "谢谢",
    "感谢",
    "请问",
    "请",
    "希望",
    "恳请",
    "麻烦",
    "问题",
    "反映",
    "反应",
    "投诉",
    "咨询",
    "建议",
    "关注",
    "政府",
    "部门",
    "相关部门",
    "有关部门",
    "市",
    "区",
    "县",
    "镇",
    "乡",
    "村",
    "街道",
    "社区",
    "西地省",
    "市民",
    "居民",
    "百姓",
    "老百姓",
    "群众",
    "本人",
    "我家",
    "处理",
    "解决",
    "尽快",
    "及时",
    "给予",
    "答复",
    "回复",
    "网友",
    "留言",
    "情况反映",
    "一下子",
    "真的",
    "确实",
    "已经",
    "严重",
    "影响",
    "要求",
    "事情",
    // Boilerplate of registered requests (hot-topic keywords, not topics).
    "联系电话",
    "联系方式",
    "电话",
];

/// Runs `f` with the shared jieba instance (read lock).
pub fn with_jieba<R>(f: impl FnOnce(&Jieba) -> R) -> R {
    let guard = JIEBA.read().unwrap_or_else(|e| e.into_inner());
    f(&guard)
}

/// Adds words to the process-wide jieba dictionary (frequency suggested by
/// jieba so that the word is kept whole). Affects later segmentation,
/// keyword extraction and word features; add words before training and use
/// the same words when predicting.
pub fn add_user_words(words: &[&str]) {
    let mut guard = JIEBA.write().unwrap_or_else(|e| e.into_inner());
    for w in words {
        let w = w.trim();
        if !w.is_empty() {
            guard.add_word(w, None, None);
        }
    }
}

/// Segments `text` into words (jieba precise mode with HMM for unknown words).
pub fn cut(text: &str) -> Vec<String> {
    with_jieba(|j| {
        j.cut(text, true)
            .into_iter()
            .map(|t| t.word.to_string())
            .collect()
    })
}

/// True for stop words (see [`STOP_WORDS`]).
pub fn is_stop_word(word: &str) -> bool {
    STOP_SET.contains(word)
}

fn is_content_word(w: &str) -> bool {
    let n = w.chars().count();
    n >= 2
        && !is_stop_word(w)
        && w.chars().any(|c| c.is_alphabetic())
        && !w.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The keywords of one text, best first (at most 8): jieba TF-IDF ranking
/// with the stop words removed, words of two or more characters that are not
/// pure numbers or codes.
pub fn keywords(text: &str) -> Vec<String> {
    keywords_top(text, 8)
}

/// Like [`keywords`] with a chosen maximum count.
pub fn keywords_top(text: &str, top_k: usize) -> Vec<String> {
    with_jieba(|j| {
        TFIDF
            .extract_keywords(j, text, top_k * 2 + 4, vec![])
            .into_iter()
            .map(|k| k.keyword)
            .filter(|w| is_content_word(w))
            .take(top_k)
            .collect()
    })
}

/// Hot-topic helper: counts in how many of `texts` each keyword occurs
/// (keywords per text from [`keywords_top`] with `per_text` keywords) and
/// returns the `top_n` most frequent, ties broken alphabetically.
pub fn hot_keywords<S: AsRef<str>>(
    texts: &[S],
    per_text: usize,
    top_n: usize,
) -> Vec<(String, usize)> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for t in texts {
        for k in keywords_top(t.as_ref(), per_text) {
            *counts.entry(k).or_default() += 1;
        }
    }
    let mut v: Vec<(String, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(top_n);
    v
}

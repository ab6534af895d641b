//! "Did you mean" suggestions for misspelt keys and options (edit distance).

/// Levenshtein edit distance between two strings (by characters).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `key`, if within edit distance 3 (after treating
/// `-` and `_` alike, so `export-path` in YAML suggests `export_path`).
pub fn suggest<'a>(key: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let norm = |s: &str| s.replace('-', "_").to_ascii_lowercase();
    let nkey = norm(key);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(&nkey, &norm(c));
        if d <= 3 && d < nkey.chars().count().max(1) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

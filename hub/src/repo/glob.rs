//! The two path pattern dialects Argo CD uses: Go's `path.Match` for git
//! directory generators, and git pathspecs (`git ls-files -- PATTERN`) for
//! git file generators.

/// Go's `path.Match`: `*` matches any run of non-`/` characters, `?` one
/// non-`/` character, `[...]` a class (with `^` negation and ranges), `\`
/// escapes. A malformed pattern matches nothing.
pub fn path_match(pattern: &str, name: &str) -> bool {
    matches(pattern.as_bytes(), name.as_bytes(), false).unwrap_or(false)
}

/// A git pathspec without magic: a pattern with no wildcard matches the path
/// itself or anything below it as a directory; otherwise it is a wildmatch
/// in which `*` also matches `/`.
pub fn pathspec_match(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./");
    if !pattern.contains(['*', '?', '[']) {
        let p = pattern.trim_end_matches('/');
        return p.is_empty() || path == p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/'));
    }
    matches(pattern.as_bytes(), path.as_bytes(), true).unwrap_or(false)
}

/// gobwas/glob with `/` as separator, as AppProject `sourceRepos` match:
/// `*` stops at `/`, `**` crosses it.
pub fn gobwas_match_paths(pattern: &str, text: &str) -> bool {
    expand_braces(pattern).iter().any(|p| matches(p.as_bytes(), text.as_bytes(), false).unwrap_or(false))
}

/// gobwas/glob without separators, as Argo CD matches `directory.include`
/// and `exclude`: `*` matches anything (`/` too), `{a,b}` alternatives.
pub fn gobwas_match(pattern: &str, text: &str) -> bool {
    expand_braces(pattern).iter().any(|p| matches(p.as_bytes(), text.as_bytes(), true).unwrap_or(false))
}

/// Expands `{a,b}` alternatives (nested too) into plain patterns.
fn expand_braces(pattern: &str) -> Vec<String> {
    let bytes = pattern.as_bytes();
    let Some(open) = bytes.iter().position(|&b| b == b'{') else { return vec![pattern.to_string()] };
    let mut depth = 0;
    let mut parts = Vec::new();
    let mut start = open + 1;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    parts.push(&pattern[start..i]);
                    let (head, tail) = (&pattern[..open], &pattern[i + 1..]);
                    return parts.iter().flat_map(|alt| expand_braces(&format!("{head}{alt}{tail}"))).collect();
                }
            }
            b',' if depth == 1 => {
                parts.push(&pattern[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    // An unclosed brace is a literal.
    vec![pattern.to_string()]
}

/// Backtracking matcher; `star_crosses_slash` selects the dialect.
/// `None` when the pattern is malformed.
fn matches(p: &[u8], s: &[u8], star_crosses_slash: bool) -> Option<bool> {
    let (mut pi, mut si) = (0, 0);
    // (pattern index after the star, text index, whether the star crosses '/')
    let mut backtrack: Option<(usize, usize, bool)> = None;
    while si < s.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    let stars = p[pi..].iter().take_while(|&&c| c == b'*').count();
                    pi += stars;
                    backtrack = Some((pi, si, star_crosses_slash || stars > 1));
                    continue;
                }
                b'?' if star_crosses_slash || s[si] != b'/' => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                b'[' => {
                    let (hit, next) = class(p, pi, s[si])?;
                    if hit && (star_crosses_slash || s[si] != b'/') {
                        pi = next;
                        si += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() && p[pi + 1] == s[si] => {
                    pi += 2;
                    si += 1;
                    continue;
                }
                b'\\' if pi + 1 < p.len() => {}
                c if c != b'?' && c == s[si] => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
        }
        match backtrack {
            Some((bp, bs, crosses)) if crosses || s[bs] != b'/' => {
                backtrack = Some((bp, bs + 1, crosses));
                pi = bp;
                si = bs + 1;
            }
            _ => return Some(false),
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    Some(pi == p.len())
}

/// Matches `c` against the class starting at `p[start] == '['`; returns
/// whether it matched and the index after the class.
fn class(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some(b'^') | Some(b'!'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let lo = *p.get(i)?;
        if lo == b']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        let lo = if lo == b'\\' {
            i += 1;
            *p.get(i)?
        } else {
            lo
        };
        i += 1;
        if p.get(i) == Some(&b'-') && p.get(i + 1).is_some_and(|&h| h != b']') {
            let hi = if p[i + 1] == b'\\' { *p.get(i + 2)? } else { p[i + 1] };
            i += if p[i + 1] == b'\\' { 3 } else { 2 };
            hit |= lo <= c && c <= hi;
        } else {
            hit |= lo == c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_match() {
        assert!(path_match("apps/*", "apps/web"));
        assert!(!path_match("apps/*", "apps/web/base"));
        assert!(path_match("apps/*/overlays/production", "apps/web/overlays/production"));
        assert!(path_match("a?c", "abc") && !path_match("a?c", "a/c"));
        assert!(path_match("[a-c]x", "bx") && !path_match("[^a-c]x", "bx"));
        assert!(path_match("*", "web") && path_match("*", ""), "Go's * matches the empty string");
        assert!(!path_match("[", "["), "malformed patterns match nothing");
    }

    #[test]
    fn source_repo_globs_stop_at_slashes() {
        assert!(gobwas_match_paths("https://github.com/myorg/*", "https://github.com/myorg/k8s-config"));
        assert!(!gobwas_match_paths("https://github.com/myorg/*", "https://github.com/myorg/team/repo"));
        assert!(gobwas_match_paths("https://github.com/myorg/**", "https://github.com/myorg/team/repo"));
    }

    #[test]
    fn gobwas_globs() {
        assert!(gobwas_match("*.yaml", "sub/dir/a.yaml"));
        assert!(gobwas_match("{config,secrets}/*", "secrets/x.yaml"));
        assert!(!gobwas_match("{config,secrets}/*", "other/x.yaml"));
        assert!(gobwas_match("*.{yaml,yml}", "a.yml"));
        assert!(gobwas_match("{a", "{a"), "an unclosed brace is literal");
    }

    #[test]
    fn git_pathspecs() {
        assert!(pathspec_match("clusters/*.yaml", "clusters/a.yaml"));
        assert!(pathspec_match("clusters/*.yaml", "clusters/eu/a.yaml"), "* crosses / in pathspecs");
        assert!(pathspec_match("**/config.json", "apps/x/config.json"));
        assert!(pathspec_match("config", "config/a.json"), "a plain pathspec names a directory too");
        assert!(!pathspec_match("config", "configs/a.json"));
        assert!(!pathspec_match("clusters/*.yaml", "other/a.yaml"));
    }
}

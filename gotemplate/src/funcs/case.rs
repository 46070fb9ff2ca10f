//! huandu/xstrings word splitting used by sprig's `snakecase`/`kebabcase`
//! (`camelCaseToLowerCase`): words are runs of upper/alphabet/number/
//! connector/punctuation characters; `HTTPServer` → `http_server`.

use super::strings::go_space;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Wt {
    Invalid,
    Number,
    Upper,
    Alpha,
    Connector,
    Punct,
    Other,
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || go_space(c)
}

fn is_alpha(c: char) -> bool {
    c.is_alphabetic()
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~')
        || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control())
}

fn is_number(c: char) -> bool {
    c.is_numeric()
}

/// Returns (type, word, remaining).
fn next_word(s: &str) -> (Wt, &str, &str) {
    let mut chars = s.char_indices().peekable();
    let Some((_, r)) = chars.next() else { return (Wt::Invalid, "", "") };
    let mut end = r.len_utf8();
    let take_while = |end: &mut usize, pred: &dyn Fn(char) -> bool| {
        for c in s[*end..].chars() {
            if !pred(c) {
                break;
            }
            *end += c.len_utf8();
        }
    };
    let wt = if is_connector(r) {
        take_while(&mut end, &is_connector);
        Wt::Connector
    } else if is_punct(r) {
        take_while(&mut end, &is_punct);
        Wt::Punct
    } else if r.is_uppercase() {
        if let Some(c) = s[end..].chars().next() {
            if c.is_uppercase() {
                let mut prev_size = c.len_utf8();
                end += c.len_utf8();
                let mut last = None;
                for c in s[end..].chars() {
                    if !c.is_uppercase() {
                        last = Some(c);
                        break;
                    }
                    prev_size = c.len_utf8();
                    end += c.len_utf8();
                }
                if last.is_some_and(is_alpha) {
                    end -= prev_size;
                }
            } else if is_alpha(c) {
                end += c.len_utf8();
                take_while(&mut end, &|c| is_alpha(c) && !c.is_uppercase());
            }
        }
        Wt::Upper
    } else if is_alpha(r) {
        take_while(&mut end, &|c| is_alpha(c) && !c.is_uppercase());
        Wt::Alpha
    } else if is_number(r) {
        take_while(&mut end, &is_number);
        Wt::Number
    } else {
        take_while(&mut end, &|c| !(is_connector(c) || is_alpha(c) || is_number(c) || is_punct(c)));
        Wt::Other
    };
    (wt, &s[..end], &s[end..])
}

fn to_lower(out: &mut String, wt: Wt, w: &str, conn: char) {
    if wt != Wt::Upper && wt != Wt::Connector {
        out.push_str(w);
        return;
    }
    for c in w.chars() {
        if is_connector(c) {
            out.push(conn);
        } else if c.is_uppercase() {
            out.push(super::strings::go_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings `camelCaseToLowerCase(s, connector)`.
pub fn case_words(s: &str, conn: char) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    if s.is_empty() {
        return out;
    }
    let (mut wt, mut word, mut rem) = next_word(s);
    while !rem.is_empty() {
        if wt != Wt::Connector {
            to_lower(&mut out, wt, word, conn);
        }
        let (prev, last) = (wt, word);
        (wt, word, rem) = next_word(rem);
        match prev {
            Wt::Number => {
                while wt == Wt::Alpha || wt == Wt::Number {
                    to_lower(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if !matches!(wt, Wt::Invalid | Wt::Punct | Wt::Connector) {
                    out.push(conn);
                }
            }
            Wt::Connector => to_lower(&mut out, prev, last, conn),
            Wt::Punct => {}
            _ => {
                if wt != Wt::Number {
                    if wt != Wt::Connector && wt != Wt::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                if rem.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, rem) = next_word(rem);
                if wt != Wt::Alpha {
                    to_lower(&mut out, Wt::Number, last, conn);
                    if wt != Wt::Connector && wt != Wt::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                out.push(conn);
                to_lower(&mut out, Wt::Number, last, conn);
                while wt == Wt::Alpha || wt == Wt::Number {
                    to_lower(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if !matches!(wt, Wt::Invalid | Wt::Connector | Wt::Punct) {
                    out.push(conn);
                }
            }
        }
    }
    to_lower(&mut out, wt, word, conn);
    out
}

#[cfg(test)]
mod tests {
    use super::case_words;

    #[test]
    fn snake() {
        assert_eq!(case_words("FirstName", '_'), "first_name");
        assert_eq!(case_words("HTTPServer", '_'), "http_server");
        assert_eq!(case_words("NoHTTPS", '_'), "no_https");
        assert_eq!(case_words("GO_PATH", '_'), "go_path");
        assert_eq!(case_words("GO PATH", '_'), "go_path");
        assert_eq!(case_words("GO-PATH", '_'), "go_path");
        assert_eq!(case_words("helloWorld", '-'), "hello-world");
    }
}

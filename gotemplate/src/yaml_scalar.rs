//! String scalar style selection and writing, after yaml.v2's encoder
//! (`stringv` + implicit tag resolution) and libyaml's emitter
//! (`analyze_scalar`, `select_scalar_style`, plain/single/double/literal
//! writers with folding at column 80).

use crate::yaml::Out;
use crate::yaml_resolve::{is_base60_float, resolves_non_string};

const BEST_WIDTH: usize = 80;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || c == '\0' || is_break(c),
    }
}

struct Analysis {
    flow_plain: bool,
    block_plain: bool,
    single: bool,
    block: bool,
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis { flow_plain: false, block_plain: true, single: true, block: false };
    }
    let chars: Vec<char> = s.chars().collect();
    let (mut flow_ind, mut block_ind) = (false, false);
    if s.starts_with("---") || s.starts_with("...") {
        flow_ind = true;
        block_ind = true;
    }
    let (mut line_breaks, mut special) = (false, false);
    let (mut lead_space, mut lead_break, mut trail_space, mut trail_break) = (false, false, false, false);
    let (mut break_space, mut space_break, mut prev_space, mut prev_break) = (false, false, false, false);
    let mut preceded_ws = true;
    let n = chars.len();
    for i in 0..n {
        let c = chars[i];
        let followed_ws = is_blankz(chars.get(i + 1).copied());
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                flow_ind = true;
                block_ind = true;
            }
            if c == '?' || c == ':' {
                flow_ind = true;
                if followed_ws {
                    block_ind = true;
                }
            }
            if c == '-' && followed_ws {
                flow_ind = true;
                block_ind = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_ind = true;
            }
            if c == ':' {
                flow_ind = true;
                if followed_ws {
                    block_ind = true;
                }
            }
            if c == '#' && preceded_ws {
                flow_ind = true;
                block_ind = true;
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 {
                lead_space = true;
            }
            if i == n - 1 {
                trail_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            if i == 0 {
                lead_break = true;
            }
            if i == n - 1 {
                trail_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_break = true;
            prev_space = false;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_ws = is_blankz(Some(c));
    }
    let mut a = Analysis { flow_plain: true, block_plain: true, single: true, block: true };
    if lead_space || lead_break || trail_space || trail_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if trail_space {
        a.block = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a = Analysis { flow_plain: false, block_plain: false, single: false, block: false };
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_ind {
        a.flow_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}

/// The style yaml.v2 ends up using for string `s` (`key`: a simple mapping key).
pub fn choose_style(s: &str, key: bool) -> Style {
    let can_plain = !resolves_non_string(s) && !is_base60_float(s);
    let mut style = if s.contains('\n') {
        Style::Literal
    } else if can_plain {
        Style::Plain
    } else {
        Style::Double
    };
    let a = analyze(s);
    if style == Style::Plain && (!a.block_plain || (s.is_empty() && key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block || key) {
        style = Style::Double;
    }
    style
}

fn escape(c: char) -> Option<String> {
    Some(match c {
        '\0' => "\\0".into(),
        '\x07' => "\\a".into(),
        '\x08' => "\\b".into(),
        '\t' => "\\t".into(),
        '\n' => "\\n".into(),
        '\x0b' => "\\v".into(),
        '\x0c' => "\\f".into(),
        '\r' => "\\r".into(),
        '\x1b' => "\\e".into(),
        '"' => "\\\"".into(),
        '\\' => "\\\\".into(),
        '\u{85}' => "\\N".into(),
        '\u{a0}' => "\\_".into(),
        '\u{2028}' => "\\L".into(),
        '\u{2029}' => "\\P".into(),
        c if (c as u32) <= 0xFF => format!("\\x{:02X}", c as u32),
        c if (c as u32) <= 0xFFFF => format!("\\u{:04X}", c as u32),
        c => format!("\\U{:08X}", c as u32),
    })
}

/// Writes `s` in `style`; `indent` is the continuation indentation and
/// `allow_breaks` false for simple keys.
pub fn write_scalar(out: &mut Out, s: &str, style: Style, indent: usize, allow_breaks: bool) {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let mut buf = [0u8; 4];
    match style {
        Style::Plain | Style::Single => {
            let q = style == Style::Single;
            if q {
                out.push("'");
            }
            let (mut spaces, mut breaks) = (false, false);
            for i in 0..n {
                let c = chars[i];
                if c == ' ' {
                    let fold = allow_breaks
                        && !spaces
                        && out.col > BEST_WIDTH
                        && chars.get(i + 1) != Some(&' ')
                        && (!q || (i != 0 && i != n - 1));
                    if fold {
                        out.newline_indent(indent);
                    } else {
                        out.push(" ");
                    }
                    spaces = true;
                } else if is_break(c) {
                    // libyaml: a '\n' after non-break text is doubled; other
                    // breaks are copied and restart the column.
                    if !breaks && c == '\n' {
                        out.push("\n");
                    }
                    out.push(c.encode_utf8(&mut buf));
                    out.col = 0;
                    breaks = true;
                } else {
                    if breaks {
                        for _ in out.col..indent {
                            out.push(" ");
                        }
                    }
                    if q && c == '\'' {
                        out.push("'");
                    }
                    out.push(c.encode_utf8(&mut buf));
                    spaces = false;
                    breaks = false;
                }
            }
            if q {
                out.push("'");
            }
        }
        Style::Double => {
            out.push("\"");
            let mut spaces = false;
            for i in 0..n {
                let c = chars[i];
                if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                    out.push(&escape(c).unwrap_or_default());
                    spaces = false;
                } else if c == ' ' {
                    if allow_breaks && !spaces && out.col > BEST_WIDTH && i != 0 && i != n - 1 {
                        out.newline_indent(indent);
                        if chars.get(i + 1) == Some(&' ') {
                            out.push("\\");
                        }
                    } else {
                        out.push(" ");
                    }
                    spaces = true;
                } else {
                    out.push(c.encode_utf8(&mut buf));
                    spaces = false;
                }
            }
            out.push("\"");
        }
        Style::Literal => {
            out.push("|");
            if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
                out.push("2");
            }
            let last_break = chars.last().is_some_and(|&c| is_break(c));
            if !last_break {
                out.push("-");
            } else if n == 1 || chars.get(n.wrapping_sub(2)).is_some_and(|&c| is_break(c)) {
                out.push("+");
            }
            out.push("\n");
            let mut breaks = true;
            for &c in &chars {
                if is_break(c) {
                    out.push("\n");
                    breaks = true;
                } else {
                    if breaks {
                        for _ in 0..indent {
                            out.push(" ");
                        }
                        breaks = false;
                    }
                    out.push(c.encode_utf8(&mut buf));
                }
            }
            // The emitter ends the line itself; drop our final newline so the
            // caller's next line break is the only one.
            if out.s.ends_with('\n') {
                out.s.pop();
                out.col = out.s.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0);
            }
        }
    }
}

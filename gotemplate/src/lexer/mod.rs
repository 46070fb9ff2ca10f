//! Tokenizer for template text, following Go's `text/template/parse` lexer:
//! delimiters (custom ones too), trim markers `{{- ` / ` -}}`, comments
//! `{{/* */}}`, and the tokens inside actions. Produces the whole token list
//! up front; a lexical error becomes a final [`Tok::Error`] token.

mod operands;

/// Token kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Text,
    LeftDelim,
    RightDelim,
    Space,
    Field,
    Variable,
    Dot,
    Ident,
    Bool,
    Nil,
    Number,
    Str,
    RawStr,
    CharConst,
    Char,
    Pipe,
    LeftParen,
    RightParen,
    Declare,
    Assign,
    Keyword(Kw),
    Eof,
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kw {
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Range,
    Template,
    With,
}

/// A token: kind, text, byte offset and (1-based) line where it starts.
#[derive(Clone, Debug)]
pub struct Item {
    pub tok: Tok,
    pub val: String,
    pub pos: usize,
    pub line: usize,
}

impl std::fmt::Display for Item {
    /// Go's `item.String()`, used in "unexpected ..." parse errors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.tok {
            Tok::Eof => write!(f, "EOF"),
            Tok::Error => write!(f, "{}", self.val),
            Tok::Keyword(_) => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let short: String = self.val.chars().take(10).collect();
                write!(f, "{}...", crate::printf::quote_go(&short))
            }
            _ => write!(f, "{}", crate::printf::quote_go(&self.val)),
        }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

struct Lexer<'a> {
    input: &'a str,
    left: &'a str,
    right: &'a str,
    pos: usize,
    start: usize,
    items: Vec<Item>,
    paren_depth: i32,
}

/// Tokenizes `input` with the given delimiters.
pub fn lex(input: &str, left: &str, right: &str) -> Vec<Item> {
    let mut l = Lexer { input, left, right, pos: 0, start: 0, items: Vec::new(), paren_depth: 0 };
    l.run();
    l.items
}

impl<'a> Lexer<'a> {
    fn line_at(&self, pos: usize) -> usize {
        1 + self.input.as_bytes()[..pos].iter().filter(|&&b| b == b'\n').count()
    }

    fn emit(&mut self, tok: Tok) {
        let val = self.input[self.start..self.pos].to_string();
        self.emit_val(tok, val, self.start);
        self.start = self.pos;
    }

    fn emit_val(&mut self, tok: Tok, val: String, pos: usize) {
        // Line counting is incremental: the previous item's line plus newlines between.
        let line = match self.items.last() {
            Some(prev) if prev.pos <= pos => {
                prev.line + self.input.as_bytes()[prev.pos..pos].iter().filter(|&&b| b == b'\n').count()
            }
            _ => self.line_at(pos),
        };
        self.items.push(Item { tok, val, pos, line });
    }

    fn error(&mut self, msg: String) {
        let pos = self.start;
        self.emit_val(Tok::Error, msg, pos);
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn has_left_trim(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() >= 2 && b[0] == b'-' && is_space(b[1])
    }

    fn has_right_trim(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() >= 2 && is_space(b[0]) && b[1] == b'-'
    }

    /// (at right delimiter, with trim marker)
    fn at_right_delim(&self) -> (bool, bool) {
        let r = self.rest();
        if Self::has_right_trim(r) && r[2..].starts_with(self.right) {
            return (true, true);
        }
        (r.starts_with(self.right), false)
    }

    fn run(&mut self) {
        loop {
            // Text state.
            match self.rest().find(self.left) {
                Some(x) => {
                    if x > 0 {
                        self.pos += x;
                        let mut end = self.pos;
                        if Self::has_left_trim(&self.input[self.pos + self.left.len()..]) {
                            end =
                                self.input[..self.pos].trim_end_matches([' ', '\t', '\r', '\n']).len().max(self.start);
                        }
                        if end > self.start {
                            let val = self.input[self.start..end].to_string();
                            self.emit_val(Tok::Text, val, self.start);
                        }
                        self.start = self.pos;
                    }
                    if !self.left_delim() {
                        return;
                    }
                }
                None => {
                    self.pos = self.input.len();
                    if self.pos > self.start {
                        self.emit(Tok::Text);
                    }
                    self.emit(Tok::Eof);
                    return;
                }
            }
        }
    }

    /// Lexes from a left delimiter through the matching right one. Returns false on error.
    fn left_delim(&mut self) -> bool {
        self.pos += self.left.len();
        let trim = Self::has_left_trim(self.rest());
        let after = if trim { 2 } else { 0 };
        if self.rest()[after..].starts_with("/*") {
            self.pos += after;
            self.start = self.pos;
            return self.comment();
        }
        self.emit(Tok::LeftDelim);
        self.pos += after;
        self.start = self.pos;
        self.paren_depth = 0;
        self.inside_action()
    }

    fn comment(&mut self) -> bool {
        self.pos += 2;
        let Some(x) = self.rest().find("*/") else {
            self.error("unclosed comment".into());
            return false;
        };
        self.pos += x + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            self.error("comment ends before closing delimiter".into());
            return false;
        }
        if trim {
            self.pos += 2;
        }
        self.pos += self.right.len();
        if trim {
            self.skip_leading_space();
        }
        self.start = self.pos;
        true
    }

    fn skip_leading_space(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start_matches([' ', '\t', '\r', '\n']).len();
    }

    fn inside_action(&mut self) -> bool {
        loop {
            let (delim, trim) = self.at_right_delim();
            if delim {
                if self.paren_depth > 0 {
                    self.error("unclosed left paren".into());
                    return false;
                }
                if trim {
                    self.pos += 2;
                    self.start = self.pos;
                }
                self.pos += self.right.len();
                self.emit(Tok::RightDelim);
                if trim {
                    self.skip_leading_space();
                }
                self.start = self.pos;
                return true;
            }
            let Some(c) = self.next() else {
                self.error("unclosed action".into());
                return false;
            };
            let ok = match c {
                c if c.is_ascii() && is_space(c as u8) => {
                    self.space();
                    true
                }
                '=' => {
                    self.emit(Tok::Assign);
                    true
                }
                ':' => {
                    if self.next() != Some('=') {
                        self.error("expected :=".into());
                        return false;
                    }
                    self.emit(Tok::Declare);
                    true
                }
                '|' => {
                    self.emit(Tok::Pipe);
                    true
                }
                '"' => self.quote(),
                '`' => self.raw_quote(),
                '\'' => self.char_const(),
                '$' => self.field_or_var(Tok::Variable),
                '.' if self.peek().is_some_and(|d| !d.is_ascii_digit()) => self.field_or_var(Tok::Field),
                '.' | '+' | '-' | '0'..='9' => {
                    self.pos -= 1;
                    self.number()
                }
                c if is_alnum(c) => {
                    self.pos -= c.len_utf8();
                    self.identifier()
                }
                '(' => {
                    self.emit(Tok::LeftParen);
                    self.paren_depth += 1;
                    true
                }
                ')' => {
                    self.emit(Tok::RightParen);
                    self.paren_depth -= 1;
                    if self.paren_depth < 0 {
                        self.error("unexpected right paren U+0029 ')'".into());
                        return false;
                    }
                    true
                }
                c if c.is_ascii() && !c.is_ascii_control() => {
                    self.emit(Tok::Char);
                    true
                }
                c => {
                    self.error(format!("unrecognized character in action: {}", crate::printf::unicode_u(c)));
                    false
                }
            };
            if !ok {
                return false;
            }
        }
    }

    fn space(&mut self) {
        let mut n = 1;
        while self.peek().is_some_and(|c| c.is_ascii() && is_space(c as u8)) {
            self.pos += 1;
            n += 1;
        }
        let r = &self.input[self.pos - 1..];
        if Self::has_right_trim(r) && r[2..].starts_with(self.right) {
            self.pos -= 1;
            if n == 1 {
                return;
            }
        }
        self.emit(Tok::Space);
    }
}

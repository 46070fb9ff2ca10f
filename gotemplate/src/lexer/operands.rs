//! Lexing of operands inside actions: fields/variables, identifiers and
//! keywords, numbers, quoted/raw strings and character constants.

use super::{Kw, Lexer, Tok, is_alnum, is_space};

impl Lexer<'_> {
    pub(super) fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if c.is_ascii() && is_space(c as u8) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(self.right),
        }
    }

    pub(super) fn field_or_var(&mut self, tok: Tok) -> bool {
        if self.at_terminator() {
            self.emit(if tok == Tok::Variable { Tok::Variable } else { Tok::Dot });
            return true;
        }
        while let Some(c) = self.peek() {
            if !is_alnum(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or(' ');
            self.error(format!("bad character {}", crate::printf::unicode_u(c)));
            return false;
        }
        self.emit(tok);
        true
    }

    pub(super) fn identifier(&mut self) -> bool {
        while let Some(c) = self.peek() {
            if !is_alnum(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or(' ');
            self.error(format!("bad character {}", crate::printf::unicode_u(c)));
            return false;
        }
        let word = &self.input[self.start..self.pos];
        let tok = match word {
            "block" => Tok::Keyword(Kw::Block),
            "break" => Tok::Keyword(Kw::Break),
            "continue" => Tok::Keyword(Kw::Continue),
            "define" => Tok::Keyword(Kw::Define),
            "else" => Tok::Keyword(Kw::Else),
            "end" => Tok::Keyword(Kw::End),
            "if" => Tok::Keyword(Kw::If),
            "range" => Tok::Keyword(Kw::Range),
            "template" => Tok::Keyword(Kw::Template),
            "with" => Tok::Keyword(Kw::With),
            "nil" => Tok::Nil,
            "true" | "false" => Tok::Bool,
            _ => Tok::Ident,
        };
        self.emit(tok);
        true
    }

    fn accept_run(&mut self, valid: &str) {
        while self.peek().is_some_and(|c| valid.contains(c)) {
            self.pos += 1;
        }
    }

    fn accept(&mut self, valid: &str) -> bool {
        if self.peek().is_some_and(|c| valid.contains(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(super) fn number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alnum) {
            self.next();
            let text = self.input[self.start..self.pos].to_string();
            self.error(format!("bad number syntax: {}", crate::printf::quote_go(&text)));
            return false;
        }
        self.emit(Tok::Number);
        true
    }

    pub(super) fn quote(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if matches!(self.next(), None | Some('\n')) {
                        self.error("unterminated quoted string".into());
                        return false;
                    }
                }
                None | Some('\n') => {
                    self.error("unterminated quoted string".into());
                    return false;
                }
                Some('"') => break,
                _ => {}
            }
        }
        self.emit(Tok::Str);
        true
    }

    pub(super) fn raw_quote(&mut self) -> bool {
        match self.rest().find('`') {
            Some(x) => {
                self.pos += x + 1;
                self.emit(Tok::RawStr);
                true
            }
            None => {
                self.error("unterminated raw quoted string".into());
                false
            }
        }
    }

    pub(super) fn char_const(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if matches!(self.next(), None | Some('\n')) {
                        self.error("unterminated character constant".into());
                        return false;
                    }
                }
                None | Some('\n') => {
                    self.error("unterminated character constant".into());
                    return false;
                }
                Some('\'') => break,
                _ => {}
            }
        }
        self.emit(Tok::CharConst);
        true
    }
}

//! Parser from tokens ([`crate::lexer`]) to trees ([`ast`]), mirroring Go's
//! `text/template/parse`: the same grammar, the same variable scoping checks,
//! function-existence checks and the same error texts
//! (`template: NAME:LINE: unexpected ...`).
//!
//! [`parse`] returns every template found in the text: the top-level one
//! (named by the caller) plus each `{{define}}`/`{{block}}`.

pub mod ast;
mod number;
mod pipeline;

use std::sync::Arc;

use crate::error::Error;
use crate::lexer::{Item, Kw, Tok, lex};
use ast::{Branch, List, Node, Tree};

/// Delimiters and function-name lookup used while parsing.
pub struct ParseConfig<'a> {
    pub left: &'a str,
    pub right: &'a str,
    /// Returns true if a function of that name exists (Go checks at parse time).
    pub has_func: &'a dyn Fn(&str) -> bool,
}

enum End {
    End,
    Else,
}

struct Parser<'a> {
    name: String,
    source: Arc<str>,
    items: Vec<Item>,
    i: usize,
    vars: Vec<String>,
    range_depth: usize,
    cfg: &'a ParseConfig<'a>,
    out: Vec<Tree>,
    stack_base: usize,
}

/// Native stack the parser may use for nesting (parens, blocks) before failing.
const PARSE_STACK: usize = 512 << 10;

type PResult<T> = Result<T, Error>;

/// Parses `text` as template `name`. Returns the top-level tree first, then
/// the defined ones.
pub fn parse(name: &str, text: &str, cfg: &ParseConfig<'_>) -> Result<Vec<Tree>, Error> {
    let items = lex(text, cfg.left, cfg.right);
    let source: Arc<str> = Arc::from(text);
    let mut p = Parser {
        name: name.to_string(),
        source,
        items,
        i: 0,
        vars: vec!["$".into()],
        range_depth: 0,
        cfg,
        out: Vec::new(),
        stack_base: crate::exec::stack_pos(),
    };
    let root = p.top()?;
    let top = Tree { name: name.to_string(), parse_name: name.to_string(), source: p.source.clone(), root };
    let mut out = vec![top];
    out.append(&mut p.out);
    Ok(out)
}

impl Parser<'_> {
    fn err<T>(&self, msg: impl Into<String>) -> PResult<T> {
        let line = self.items.get(self.i.saturating_sub(1)).map(|t| t.line).unwrap_or(1);
        Err(Error::Parse { name: self.name.clone(), line, msg: msg.into() })
    }

    fn err_at<T>(&self, line: usize, msg: impl Into<String>) -> PResult<T> {
        Err(Error::Parse { name: self.name.clone(), line, msg: msg.into() })
    }

    fn eof_item(&self) -> Item {
        Item { tok: Tok::Eof, val: String::new(), pos: self.source.len(), line: 1 }
    }

    fn next(&mut self) -> Item {
        let it = self.items.get(self.i).cloned().unwrap_or_else(|| self.eof_item());
        if self.i < self.items.len() {
            self.i += 1;
        }
        it
    }

    fn peek(&self) -> Item {
        self.items.get(self.i).cloned().unwrap_or_else(|| self.eof_item())
    }

    fn peek_tok(&self) -> Tok {
        self.items.get(self.i).map(|t| t.tok.clone()).unwrap_or(Tok::Eof)
    }

    fn backup(&mut self) {
        self.i = self.i.saturating_sub(1);
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let it = self.next();
            if it.tok != Tok::Space {
                return it;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let it = self.next_non_space();
        self.backup();
        it
    }

    fn unexpected<T>(&self, it: &Item, context: &str) -> PResult<T> {
        if it.tok == Tok::Error {
            return self.err_at(it.line, it.val.clone());
        }
        self.err_at(it.line, format!("unexpected {it} in {context}"))
    }

    fn expect(&mut self, tok: Tok, context: &str) -> PResult<Item> {
        let it = self.next_non_space();
        if it.tok != tok {
            return self.unexpected(&it, context);
        }
        Ok(it)
    }

    fn top(&mut self) -> PResult<List> {
        let mut list = Vec::new();
        loop {
            match self.peek_tok() {
                Tok::Eof => return Ok(list),
                Tok::LeftDelim => {
                    let save = self.i;
                    self.next();
                    if self.next_non_space().tok == Tok::Keyword(Kw::Define) {
                        self.definition()?;
                        continue;
                    }
                    self.i = save;
                }
                _ => {}
            }
            match self.text_or_action()? {
                Ok(n) => list.push(n),
                Err(End::End) => return self.err("unexpected {{end}}"),
                Err(End::Else) => return self.err("unexpected {{else}}"),
            }
        }
    }

    fn definition(&mut self) -> PResult<()> {
        let ctx = "define clause";
        let it = self.next_non_space();
        if !matches!(it.tok, Tok::Str | Tok::RawStr) {
            return self.unexpected(&it, ctx);
        }
        let name = number::unquote(&it.val).map_err(|m| self.err::<()>(m).unwrap_err())?;
        self.expect(Tok::RightDelim, ctx)?;
        let saved = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (root, end) = self.item_list()?;
        self.vars = saved;
        if let End::Else = end {
            return self.err(format!("unexpected {{{{else}}}} in {ctx}"));
        }
        self.add_tree(name, root);
        Ok(())
    }

    fn add_tree(&mut self, name: String, root: List) {
        self.out.push(Tree { name, parse_name: self.name.clone(), source: self.source.clone(), root });
    }

    fn item_list(&mut self) -> PResult<(List, End)> {
        let mut list = Vec::new();
        while self.peek_non_space().tok != Tok::Eof {
            match self.text_or_action()? {
                Ok(n) => list.push(n),
                Err(end) => return Ok((list, end)),
            }
        }
        let line = self.peek_non_space().line;
        self.err_at(line, "unexpected EOF")
    }

    fn text_or_action(&mut self) -> PResult<Result<Node, End>> {
        let it = self.next_non_space();
        match it.tok {
            Tok::Text => Ok(Ok(Node::Text(Arc::from(it.val.as_str())))),
            Tok::LeftDelim => self.action(),
            _ => self.unexpected(&it, "input"),
        }
    }

    fn action(&mut self) -> PResult<Result<Node, End>> {
        let it = self.next_non_space();
        let node = match it.tok {
            Tok::Keyword(Kw::Block) => self.block()?,
            Tok::Keyword(Kw::Break) | Tok::Keyword(Kw::Continue) => {
                let brk = it.tok == Tok::Keyword(Kw::Break);
                let label = if brk { "{{break}}" } else { "{{continue}}" };
                let t = self.next_non_space();
                if t.tok != Tok::RightDelim {
                    return self.unexpected(&t, label);
                }
                if self.range_depth == 0 {
                    return self.err(format!("{label} outside {{{{range}}}}"));
                }
                if brk { Node::Break(it.pos) } else { Node::Continue(it.pos) }
            }
            Tok::Keyword(Kw::Else) => {
                let p = self.peek_non_space();
                if matches!(p.tok, Tok::Keyword(Kw::If) | Tok::Keyword(Kw::With)) {
                    return Ok(Err(End::Else));
                }
                self.expect(Tok::RightDelim, "else")?;
                return Ok(Err(End::Else));
            }
            Tok::Keyword(Kw::End) => {
                self.expect(Tok::RightDelim, "end")?;
                return Ok(Err(End::End));
            }
            Tok::Keyword(Kw::If) => Node::If(self.control("if", Some(Kw::If))?),
            Tok::Keyword(Kw::Range) => Node::Range(self.control("range", None)?),
            Tok::Keyword(Kw::With) => Node::With(self.control("with", Some(Kw::With))?),
            Tok::Keyword(Kw::Template) => {
                let ctx = "template clause";
                let t = self.next_non_space();
                let name = self.template_name(&t, ctx)?;
                let pipe = if self.next_non_space().tok != Tok::RightDelim {
                    self.backup();
                    Some(self.pipeline(ctx, Tok::RightDelim)?)
                } else {
                    None
                };
                Node::Template { pos: t.pos, name, pipe }
            }
            _ => {
                self.backup();
                Node::Action(self.pipeline("command", Tok::RightDelim)?)
            }
        };
        Ok(Ok(node))
    }

    fn template_name(&self, it: &Item, ctx: &str) -> PResult<String> {
        match it.tok {
            Tok::Str | Tok::RawStr => number::unquote(&it.val).or_else(|m| self.err(m)),
            _ => self.unexpected(it, ctx),
        }
    }

    fn block(&mut self) -> PResult<Node> {
        let ctx = "block clause";
        let t = self.next_non_space();
        let name = self.template_name(&t, ctx)?;
        let pipe = self.pipeline(ctx, Tok::RightDelim)?;
        let saved = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let (root, end) = self.item_list()?;
        self.vars = saved;
        self.range_depth = saved_depth;
        if let End::Else = end {
            return self.err(format!("unexpected {{{{else}}}} in {ctx}"));
        }
        self.add_tree(name.clone(), root);
        Ok(Node::Template { pos: t.pos, name, pipe: Some(pipe) })
    }

    /// if / range / with. `else_kw` is the keyword allowed after `else` for chaining.
    fn control(&mut self, ctx: &str, else_kw: Option<Kw>) -> PResult<Branch> {
        let nvars = self.vars.len();
        let pipe = self.pipeline(ctx, Tok::RightDelim)?;
        if ctx == "range" {
            self.range_depth += 1;
        }
        let (list, end) = self.item_list()?;
        if ctx == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if let End::Else = end {
            let chained = else_kw.filter(|k| self.peek_tok() == Tok::Keyword(*k));
            if let Some(kw) = chained {
                self.next();
                let b = self.control(ctx, Some(kw))?;
                else_list = Some(vec![if kw == Kw::If { Node::If(b) } else { Node::With(b) }]);
            } else {
                let (l, end2) = self.item_list()?;
                if let End::Else = end2 {
                    return self.err("expected end; found {{else}}");
                }
                else_list = Some(l);
            }
        }
        self.vars.truncate(nvars);
        Ok(Branch { pos: pipe.pos, pipe, list, else_list })
    }
}

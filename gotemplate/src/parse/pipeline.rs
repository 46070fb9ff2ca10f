//! Parsing of pipelines, commands and operands (Go's `pipeline`,
//! `command`, `operand`, `term`), including declarations and the
//! function-existence and variable-scope checks.

use std::sync::Arc;

use super::ast::{Arg, Command, Pipe};
use super::{PARSE_STACK, PResult, Parser, number};
use crate::lexer::Tok;

impl Parser<'_> {
    pub(super) fn pipeline(&mut self, ctx: &str, end: Tok) -> PResult<Pipe> {
        if self.stack_base.abs_diff(crate::exec::stack_pos()) > PARSE_STACK {
            return self.err("template nested too deeply");
        }
        let first = self.peek_non_space();
        let mut pipe = Pipe { pos: first.pos, is_assign: false, decl: Vec::new(), cmds: Vec::new() };
        loop {
            // Declarations.
            let v = self.peek_non_space();
            if v.tok != Tok::Variable {
                break;
            }
            let save = self.i;
            self.next_non_space();
            let next = self.peek_non_space();
            match next.tok {
                Tok::Assign | Tok::Declare => {
                    pipe.is_assign = next.tok == Tok::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    break;
                }
                Tok::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    if ctx == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().tok {
                            Tok::Variable | Tok::RightDelim | Tok::RightParen => continue,
                            _ => return self.err("range can only initialize variables"),
                        }
                    }
                    return self.err(format!("too many declarations in {ctx}"));
                }
                _ => {
                    self.i = save;
                    break;
                }
            }
        }
        loop {
            let t = self.next_non_space();
            if t.tok == end {
                if pipe.cmds.is_empty() {
                    return self.err(format!("missing value for {ctx}"));
                }
                for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
                    if matches!(
                        c.args[0],
                        Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number { .. } | Arg::Str { .. }
                    ) {
                        return self.err(format!("non executable command in pipeline stage {}", i + 1));
                    }
                }
                return Ok(pipe);
            }
            match t.tok {
                Tok::Bool
                | Tok::CharConst
                | Tok::Dot
                | Tok::Field
                | Tok::Ident
                | Tok::Number
                | Tok::Nil
                | Tok::RawStr
                | Tok::Str
                | Tok::Variable
                | Tok::LeftParen => {
                    self.backup();
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                _ => return self.unexpected(&t, ctx),
            }
        }
    }

    fn command(&mut self) -> PResult<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command { pos, args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                cmd.args.push(op);
            }
            let t = self.next();
            match t.tok {
                Tok::Space => continue,
                Tok::RightDelim | Tok::RightParen => self.backup(),
                Tok::Pipe => {}
                _ => return self.unexpected(&t, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.err("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> PResult<Option<Arg>> {
        let Some(node) = self.term()? else { return Ok(None) };
        if self.peek_tok() != Tok::Field {
            return Ok(Some(node));
        }
        // Go positions a chained field at its second element.
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek_tok() == Tok::Field {
            fields.push(self.next().val[1..].to_string());
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field { pos: chain_pos, idents }
            }
            Arg::Variable { name, mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable { pos: chain_pos, name, idents }
            }
            Arg::Bool(..) | Arg::Str { .. } | Arg::Number { .. } | Arg::Nil(_) | Arg::Dot(_) => {
                return self.err(format!("unexpected . after term {}", crate::printf::quote_go(&node.to_string())));
            }
            other => Arg::Chain { pos: chain_pos, node: Box::new(other), fields },
        }))
    }

    fn term(&mut self) -> PResult<Option<Arg>> {
        let t = self.next_non_space();
        Ok(Some(match t.tok {
            Tok::Ident => {
                if !(self.cfg.has_func)(&t.val) {
                    return self.err(format!("function {} not defined", crate::printf::quote_go(&t.val)));
                }
                Arg::Ident { pos: t.pos, name: t.val }
            }
            Tok::Dot => Arg::Dot(t.pos),
            Tok::Nil => Arg::Nil(t.pos),
            Tok::Variable => {
                let mut parts = t.val.split('.');
                let name = parts.next().unwrap_or("$").to_string();
                if !self.vars.contains(&name) {
                    return self.err(format!("undefined variable {}", crate::printf::quote_go(&name)));
                }
                Arg::Variable { pos: t.pos, name, idents: parts.map(String::from).collect() }
            }
            Tok::Field => Arg::Field { pos: t.pos, idents: vec![t.val[1..].to_string()] },
            Tok::Bool => Arg::Bool(t.pos, t.val == "true"),
            Tok::CharConst | Tok::Number => {
                let num = number::parse_number(&t.val, t.tok == Tok::CharConst).or_else(|m| self.err(m))?;
                Arg::Number { pos: t.pos, text: t.val, num }
            }
            Tok::LeftParen => Arg::Pipe(Box::new(self.pipeline("parenthesized pipeline", Tok::RightParen)?)),
            Tok::Str | Tok::RawStr => {
                let s = number::unquote(&t.val).or_else(|m| self.err(m))?;
                Arg::Str { pos: t.pos, quoted: t.val, value: Arc::from(s) }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

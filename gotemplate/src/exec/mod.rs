//! Template execution: walks a parsed [`Tree`] against a [`Value`], with Go's
//! semantics for control structures, variables, truthiness, missing keys and
//! errors (`template: NAME:LINE:COL: executing "NAME" at <NODE>: MSG`), and
//! with resource limits (template depth, evaluation steps, output size).

pub mod builtins;
mod eval;

use crate::error::Error;
use crate::parse::ast::{Branch, List, Node, Tree};
use crate::template::{Options, TemplateSet};
use crate::value::Value;

/// Shared counters for one top-level execution (nested executions included).
#[derive(Default, Debug)]
pub struct Budget {
    pub steps: u64,
    pub output: usize,
    /// Address of a local in the outermost execution frame (0 = unset).
    pub stack_base: usize,
}

/// Approximate current stack position (address of a local).
#[inline(always)]
pub(crate) fn stack_pos() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Control flow out of a list walk.
#[derive(PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

pub(crate) struct State<'a> {
    set: &'a TemplateSet,
    opts: &'a Options,
    tree: &'a Tree,
    vars: Vec<(&'a str, Value)>,
    depth: usize,
    budget: &'a mut Budget,
}

type R<T> = Result<T, Error>;

/// Executes `tree` with `data` as dot, appending to `out`.
pub(crate) fn execute_tree(
    set: &TemplateSet,
    tree: &Tree,
    data: &Value,
    opts: &Options,
    budget: &mut Budget,
    depth: usize,
    out: &mut String,
) -> Result<(), Error> {
    // Go's Execute takes `any`: a nil datum is an invalid value ("no value").
    let data = if let Value::Nil = data { &Value::Missing } else { data };
    if budget.stack_base == 0 {
        budget.stack_base = stack_pos();
    }
    let mut s = State { set, opts, tree, vars: vec![("$", data.clone())], depth, budget };
    s.walk_list(data, &tree.root, out)?;
    Ok(())
}

impl<'a> State<'a> {
    /// An execution error located at `pos`, showing `ctx` (a node's text).
    pub(crate) fn error_at(&self, pos: usize, ctx: &str, msg: impl std::fmt::Display) -> Error {
        let loc = self.tree.location(pos);
        let name = &self.tree.name;
        Error::Exec {
            message: format!("template: {loc}: executing {} at <{}>: {msg}", crate::printf::quote_go(name), ctx),
        }
    }

    fn step(&mut self, pos: usize, ctx: &dyn Fn() -> String) -> R<()> {
        self.budget.steps += 1;
        if self.budget.stack_base.abs_diff(stack_pos()) > self.opts.max_stack {
            return Err(self.error_at(
                pos,
                &ctx(),
                format!("exceeded maximum nesting (stack budget {} bytes)", self.opts.max_stack),
            ));
        }
        if self.budget.steps > self.opts.max_steps {
            return Err(self.error_at(
                pos,
                &ctx(),
                format!("exceeded maximum execution steps ({})", self.opts.max_steps),
            ));
        }
        Ok(())
    }

    fn write(&mut self, out: &mut String, s: &str, pos: usize) -> R<()> {
        self.budget.output += s.len();
        if self.budget.output > self.opts.max_output {
            return Err(Error::Exec {
                message: format!(
                    "template: {}: exceeded maximum output size ({} bytes)",
                    self.tree.location(pos),
                    self.opts.max_output
                ),
            });
        }
        out.push_str(s);
        Ok(())
    }

    fn walk_list(&mut self, dot: &Value, list: &'a List, out: &mut String) -> R<Flow> {
        for node in list {
            let f = self.walk(dot, node, out)?;
            if f != Flow::Normal {
                return Ok(f);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Value, node: &'a Node, out: &mut String) -> R<Flow> {
        self.step(node.pos(), &|| node.to_string())?;
        match node {
            Node::Text(t) => self.write(out, t, 0)?,
            Node::Action(pipe) => {
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    match &v {
                        Value::Missing => self.write(out, "<no value>", pipe.pos)?,
                        Value::Str(s) => self.write(out, s, pipe.pos)?,
                        other => {
                            let mut buf = String::new();
                            other.fmt_v(&mut buf);
                            self.write(out, &buf, pipe.pos)?;
                        }
                    }
                }
            }
            Node::If(b) => return self.walk_if_with(dot, b, false, out),
            Node::With(b) => return self.walk_if_with(dot, b, true, out),
            Node::Range(b) => return self.walk_range(dot, b, out),
            Node::Template { pos, name, pipe } => {
                let Some(tree) = self.set.templates.get(name) else {
                    return Err(self.error_at(
                        *pos,
                        &node.to_string(),
                        format!("template {} not defined", crate::printf::quote_go(name)),
                    ));
                };
                let new_dot = match pipe {
                    Some(p) => self.eval_pipeline(dot, p)?,
                    None => Value::Missing,
                };
                if self.depth + 1 > self.opts.max_depth {
                    return Err(self.error_at(
                        *pos,
                        &node.to_string(),
                        format!("exceeded maximum template depth ({})", self.opts.max_depth),
                    ));
                }
                let mut sub = State {
                    set: self.set,
                    opts: self.opts,
                    tree,
                    vars: vec![("$", new_dot.clone())],
                    depth: self.depth + 1,
                    budget: self.budget,
                };
                sub.walk_list(&new_dot, &tree.root, out)?;
            }
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_if_with(&mut self, dot: &Value, b: &'a Branch, is_with: bool, out: &mut String) -> R<Flow> {
        let mark = self.vars.len();
        let v = self.eval_pipeline(dot, &b.pipe)?;
        let flow = if v.truthy() {
            if is_with { self.walk_list(&v, &b.list, out)? } else { self.walk_list(dot, &b.list, out)? }
        } else if let Some(e) = &b.else_list {
            self.walk_list(dot, e, out)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn range_iteration(&mut self, b: &'a Branch, index: Value, elem: Value, out: &mut String) -> R<Flow> {
        let n = self.vars.len();
        let decl = &b.pipe.decl;
        if !decl.is_empty() {
            if b.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(&decl[0], index.clone());
                    self.set_var(&decl[1], elem.clone());
                } else {
                    self.set_var(&decl[0], elem.clone());
                }
            } else {
                self.vars[n - 1].1 = elem.clone();
                if decl.len() > 1 {
                    self.vars[n - 2].1 = index;
                }
            }
        }
        let f = self.walk_list(&elem, &b.list, out)?;
        self.vars.truncate(n);
        Ok(f)
    }

    fn walk_range(&mut self, dot: &Value, b: &'a Branch, out: &mut String) -> R<Flow> {
        let mark = self.vars.len();
        let v = self.eval_pipeline(dot, &b.pipe)?;
        let ctx = || format!("{{{{range {}}}}}", b.pipe);
        let mut ran = false;
        match &v {
            Value::List(l) => {
                for (i, e) in l.iter().enumerate() {
                    ran = true;
                    self.step(b.pos, &ctx)?;
                    if self.range_iteration(b, Value::Int(i as i64), e.clone(), out)? == Flow::Break {
                        break;
                    }
                }
            }
            Value::Map(m) => {
                for (k, e) in m.snapshot() {
                    ran = true;
                    self.step(b.pos, &ctx)?;
                    if self.range_iteration(b, Value::string(k), e, out)? == Flow::Break {
                        break;
                    }
                }
            }
            Value::Int(n) | Value::Int64(n) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.error_at(
                        b.pos,
                        &b.pipe.to_string(),
                        format!("can't use {n} to iterate over more than one variable"),
                    ));
                }
                let int = |i| if matches!(v, Value::Int(_)) { Value::Int(i) } else { Value::Int64(i) };
                for i in 0..*n {
                    ran = true;
                    self.step(b.pos, &ctx)?;
                    if self.range_iteration(b, int(i), int(i), out)? == Flow::Break {
                        break;
                    }
                }
            }
            Value::Missing | Value::Nil => {}
            other => {
                let mut s = String::new();
                other.fmt_v(&mut s);
                return Err(self.error_at(b.pos, &b.pipe.to_string(), format!("range can't iterate over {s}")));
            }
        }
        if !ran && let Some(e) = &b.else_list {
            let f = self.walk_list(dot, e, out)?;
            self.vars.truncate(mark);
            return Ok(f);
        }
        self.vars.truncate(mark);
        Ok(Flow::Normal)
    }

    fn set_var(&mut self, name: &str, v: Value) {
        if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| *n == name) {
            slot.1 = v;
        }
    }
}

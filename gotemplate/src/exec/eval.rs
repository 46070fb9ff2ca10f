//! Evaluation of pipelines, commands, fields, variables and function calls,
//! following Go's `evalPipeline`/`evalCommand`/`evalField`/`evalCall`.

use super::{R, State, builtins};
use crate::error::FuncError;
use crate::funcs::{Arity, Ctx};
use crate::parse::ast::{Arg, Command, Pipe};
use crate::printf::quote_go;
use crate::template::MissingKey;
use crate::value::Value;

impl<'a> State<'a> {
    pub(super) fn eval_pipeline(&mut self, dot: &Value, pipe: &'a Pipe) -> R<Value> {
        self.step(pipe.pos, &|| pipe.to_string())?;
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            // Go unwraps interface values: a nil interface becomes "no value".
            value = Some(if let Value::Nil = v { Value::Missing } else { v });
        }
        let value = value.unwrap_or(Value::Missing);
        for name in &pipe.decl {
            if pipe.is_assign {
                if !self.vars.iter().any(|(n, _)| n == name) {
                    let last = pipe.cmds.last().and_then(|c| c.args.last());
                    let (pos, ctx) = last.map(|a| (a.pos(), a.to_string())).unwrap_or((pipe.pos, String::new()));
                    return Err(self.error_at(pos, &ctx, format!("undefined variable: {name}")));
                }
                self.set_var(name, value.clone());
            } else {
                self.vars.push((name.as_str(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, cmd: &Command, final_: &Option<Value>) -> R<()> {
        if cmd.args.len() > 1 || final_.is_some() {
            let a = &cmd.args[0];
            return Err(self.error_at(a.pos(), &a.to_string(), format!("can't give argument to non-function {a}")));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Value, cmd: &'a Command, final_: Option<Value>) -> R<Value> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { pos, idents } => {
                self.eval_field_chain(dot, dot.clone(), first, *pos, idents, &cmd.args, final_)
            }
            Arg::Chain { node, fields, .. } => {
                let v = self.eval_arg(dot, node)?;
                let v = if let Value::Nil = v { Value::Missing } else { v };
                // Go reports chain errors at the last node evaluated inside it.
                let at = last_evaluated(node);
                self.eval_field_chain(dot, v, at, at.pos(), fields, &cmd.args, final_)
            }
            Arg::Variable { pos, name, idents } => {
                let v = self.var(name);
                if idents.is_empty() {
                    self.not_a_function(cmd, &final_)?;
                    return Ok(v);
                }
                self.eval_field_chain(dot, v, first, *pos, idents, &cmd.args, final_)
            }
            Arg::Ident { pos, name } => self.eval_function(dot, cmd, *pos, name, final_),
            Arg::Pipe(p) => {
                self.not_a_function(cmd, &final_)?;
                self.eval_pipeline(dot, p)
            }
            Arg::Nil(pos) => Err(self.error_at(*pos, "nil", "nil is not a command")),
            _ => {
                self.not_a_function(cmd, &final_)?;
                self.eval_arg(dot, first)
            }
        }
    }

    pub(super) fn var(&self, name: &str) -> Value {
        self.vars.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or(Value::Missing)
    }

    /// Evaluates an argument as Go's `evalEmptyInterface` would.
    fn eval_arg(&mut self, dot: &Value, arg: &'a Arg) -> R<Value> {
        Ok(match arg {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => Value::Nil,
            Arg::Bool(_, b) => Value::Bool(*b),
            Arg::Str { value, .. } => Value::Str(value.clone()),
            Arg::Number { num, text, pos } => match num.ideal() {
                Some(v) => v,
                None => return Err(self.error_at(*pos, text, format!("{text} overflows int"))),
            },
            Arg::Field { pos, idents } => self.eval_field_chain(dot, dot.clone(), arg, *pos, idents, &[], None)?,
            Arg::Variable { pos, name, idents } => {
                let v = self.var(name);
                if idents.is_empty() { v } else { self.eval_field_chain(dot, v, arg, *pos, idents, &[], None)? }
            }
            Arg::Chain { node, fields, .. } => {
                let v = self.eval_arg(dot, node)?;
                let v = if let Value::Nil = v { Value::Missing } else { v };
                let at = last_evaluated(node);
                self.eval_field_chain(dot, v, at, at.pos(), fields, &[], None)?
            }
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?,
            Arg::Ident { pos, name } => {
                let cmd_args = std::slice::from_ref(arg);
                self.call_function(dot, *pos, arg, name, cmd_args, None)?
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_field_chain(
        &mut self,
        dot: &Value,
        mut receiver: Value,
        node: &Arg,
        pos: usize,
        idents: &[String],
        args: &'a [Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        let has_args = args.len() > 1 || final_.is_some();
        let n = idents.len();
        for (i, name) in idents.iter().enumerate() {
            let last = i + 1 == n;
            if last
                && has_args
                && let Value::Object(o) = &receiver
            {
                // A method call with arguments: `.Files.Get "x"`.
                let o = o.clone();
                let mut vals = Vec::with_capacity(args.len());
                for a in args.iter().skip(1) {
                    vals.push(self.eval_arg(dot, a)?);
                }
                vals.extend(final_);
                return match o.call(name, &vals) {
                    Some(Ok(v)) => Ok(v),
                    Some(Err(e)) => {
                        Err(self.error_at(pos, &node.to_string(), format!("error calling {name}: {}", e.msg)))
                    }
                    None if o.field(name).is_some() => {
                        Err(self.error_at(pos, &node.to_string(), format!("{name} is not a method but has arguments")))
                    }
                    None => Err(self.error_at(
                        pos,
                        &node.to_string(),
                        format!("can't evaluate field {name} in type {}", o.type_name()),
                    )),
                };
            }
            receiver = self.eval_field(node, pos, name, receiver, last && has_args, i > 0)?;
        }
        Ok(receiver)
    }

    /// `boxed`: the receiver came out of a map, so Go sees static type `interface {}`.
    fn eval_field(
        &mut self,
        node: &Arg,
        pos: usize,
        name: &str,
        receiver: Value,
        has_args: bool,
        boxed: bool,
    ) -> R<Value> {
        let ctx = || node.to_string();
        match receiver {
            Value::Missing => {
                if self.opts.missing_key == MissingKey::Error {
                    return Err(self.error_at(pos, &ctx(), format!("nil data; no entry for key {}", quote_go(name))));
                }
                Ok(Value::Missing)
            }
            Value::Nil => Err(self.error_at(pos, &ctx(), format!("nil pointer evaluating interface {{}}.{name}"))),
            Value::Map(m) => {
                if has_args {
                    return Err(self.error_at(pos, &ctx(), format!("{name} is not a method but has arguments")));
                }
                match m.get(name) {
                    Some(v) => Ok(v.clone()),
                    None => match self.opts.missing_key {
                        MissingKey::Default => Ok(Value::Missing),
                        MissingKey::Zero => Ok(Value::Nil),
                        MissingKey::Error => {
                            Err(self.error_at(pos, &ctx(), format!("map has no entry for key {}", quote_go(name))))
                        }
                    },
                }
            }
            Value::Object(o) => {
                if let Some(v) = o.field(name) {
                    return Ok(v);
                }
                match o.call(name, &[]) {
                    Some(Ok(v)) => Ok(v),
                    Some(Err(e)) => Err(self.error_at(pos, &ctx(), format!("error calling {name}: {}", e.msg))),
                    None => Err(self.error_at(
                        pos,
                        &ctx(),
                        format!("can't evaluate field {name} in type {}", o.type_name()),
                    )),
                }
            }
            other => Err(self.error_at(
                pos,
                &ctx(),
                format!(
                    "can't evaluate field {name} in type {}",
                    if boxed { "interface {}" } else { other.type_name() }
                ),
            )),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        cmd: &'a Command,
        pos: usize,
        name: &str,
        final_: Option<Value>,
    ) -> R<Value> {
        self.call_function(dot, pos, &cmd.args[0], name, &cmd.args, final_)
    }
}

impl<'a> State<'a> {
    /// Calls function `name` with the command's arguments (`args[0]` is the
    /// function name node) plus the piped `final_` value.
    fn call_function(
        &mut self,
        dot: &Value,
        pos: usize,
        ident: &Arg,
        name: &str,
        args: &'a [Arg],
        final_: Option<Value>,
    ) -> R<Value> {
        let user = self.set.funcs.get(name).cloned();
        let arity = match &user {
            Some(f) => f.arity,
            None => match builtins::arity(name) {
                Some(a) => a,
                None => {
                    return Err(self.error_at(pos, name, format!("{} is not a defined function", quote_go(name))));
                }
            },
        };
        let argn = args.len().saturating_sub(1);
        let num_in = argn + final_.is_some() as usize;
        match arity {
            Arity::Fixed(n) if num_in != n => {
                return Err(self.error_at(
                    pos,
                    &ident.to_string(),
                    format!("wrong number of args for {name}: want {n} got {num_in}"),
                ));
            }
            Arity::AtLeast(n) if num_in < n => {
                return Err(self.error_at(
                    pos,
                    &ident.to_string(),
                    format!("wrong number of args for {name}: want at least {n} got {argn}"),
                ));
            }
            _ => {}
        }
        let cmd_ctx = || {
            let c = Command { pos, args: args.to_vec() };
            c.to_string()
        };
        self.step(pos, &cmd_ctx)?;
        // and / or short-circuit (unless overridden).
        if user.is_none() && (name == "and" || name == "or") {
            let want = name == "or";
            let mut v = Value::Missing;
            for a in &args[1..] {
                v = self.eval_arg(dot, a)?;
                if let Value::Nil = v {
                    v = Value::Missing;
                }
                if v.truthy() == want {
                    return Ok(v);
                }
            }
            if let Some(f) = final_ {
                v = f;
            }
            return Ok(v);
        }
        let mut vals = Vec::with_capacity(num_in);
        for a in &args[1..] {
            vals.push(self.eval_arg(dot, a)?);
        }
        if let Some(f) = final_ {
            vals.push(f);
        }
        let res = match &user {
            Some(f) => {
                let mut ctx = Ctx {
                    set: self.set,
                    opts: self.opts,
                    budget: self.budget,
                    depth: self.depth,
                    name: &self.tree.name,
                };
                f.call(&mut ctx, &vals)
            }
            None => builtins::call(name, &vals),
        };
        res.map_err(|e: FuncError| match e.arg {
            Some(i) => match args.get(i + 1) {
                Some(a) => {
                    let at = last_evaluated(a);
                    self.error_at(at.pos(), &at.to_string(), literal_arg_error(a, e.msg))
                }
                None => self.error_at(pos, &cmd_ctx(), e.msg),
            },
            None => self.error_at(pos, &cmd_ctx(), format!("error calling {name}: {}", e.msg)),
        })
    }
}

/// Go checks literal arguments against the parameter type with its own
/// messages (`expected string; found 1`, `cannot assign nil to string`).
fn literal_arg_error(a: &Arg, msg: String) -> String {
    let Some(rest) = msg.strip_prefix("wrong type for value; expected ") else { return msg };
    let want = rest.split(';').next().unwrap_or("");
    match a {
        Arg::Nil(_) => format!("cannot assign nil to {want}"),
        Arg::Number { .. } | Arg::Bool(..) | Arg::Str { .. } => {
            let what = match want {
                "string" => "string",
                "int" | "int64" => "integer",
                "bool" => "bool",
                "float64" => "float",
                _ => return msg,
            };
            format!("expected {what}; found {a}")
        }
        _ => msg,
    }
}

/// The node Go's executor last pointed at (`s.at`) after evaluating `a`: for
/// a parenthesized pipeline, the last argument evaluated inside it.
fn last_evaluated(a: &Arg) -> &Arg {
    match a {
        Arg::Pipe(p) => match p.cmds.last() {
            Some(c) if matches!(c.args[0], Arg::Ident { .. }) && c.args.len() > 1 => {
                last_evaluated(&c.args[c.args.len() - 1])
            }
            Some(c) => last_evaluated(&c.args[0]),
            None => a,
        },
        _ => a,
    }
}

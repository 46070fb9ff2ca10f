//! The list generator: one parameter set per element (`elements`, then the
//! YAML list in `elementsYaml`). Without Go templating every element value
//! must be a string, and a `values` map becomes `values.<key>` parameters.

use super::Context;
use crate::appset::params::Params;
use serde_json::Value;

pub fn generate(spec: &Value, ctx: &Context) -> Result<Vec<Params>, String> {
    let mut out = Vec::new();
    let elements = match spec.get("elements") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err("elements must be a list".into()),
    };
    for (i, element) in elements.iter().enumerate() {
        let Value::Object(element) = element else { return Err(format!("elements[{i}] must be a map")) };
        if ctx.go_template {
            out.push(element.clone());
            continue;
        }
        let mut params = Params::new();
        for (k, v) in element {
            match (k.as_str(), v) {
                ("values", Value::Object(values)) => {
                    for (vk, vv) in values {
                        let s = vv
                            .as_str()
                            .ok_or_else(|| format!("elements[{i}].values.{vk}: error parsing value as string"))?;
                        params.insert(format!("values.{vk}"), s.into());
                    }
                }
                ("values", _) => return Err(format!("elements[{i}].values: error parsing values map")),
                (_, Value::String(s)) => {
                    params.insert(k.clone(), s.clone().into());
                }
                (_, other) => {
                    return Err(format!(
                        "elements[{i}].{k}: error parsing value as string (got {}); quote it, or use goTemplate",
                        crate::manifest::kind(other)
                    ));
                }
            }
        }
        out.push(params);
    }
    if let Some(yaml) = spec.get("elementsYaml").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        let parsed: Vec<Params> =
            serde_norway::from_str(yaml).map_err(|e| format!("error unmarshling decoded ElementsYaml {e}"))?;
        out.extend(parsed);
    }
    Ok(out)
}

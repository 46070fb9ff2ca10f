//! How stored objects go on the wire. Inside the store each managedFields
//! entry keeps its `fieldsV1` as compact JSON text, because a parsed tree
//! of tiny maps costs several times the memory and a thousand clusters hold
//! a lot of them; `Wire` writes that text back out as the JSON object
//! clients expect.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

pub struct Wire<'a>(pub &'a Value);

impl Serialize for Wire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    if let (true, Value::String(text)) = (k == "fieldsV1", v)
                        && let Ok(raw) = serde_json::from_str::<&RawValue>(text)
                    {
                        map.serialize_entry(k, raw)?;
                        continue;
                    }
                    map.serialize_entry(k, &Wire(v))?;
                }
                map.end()
            }
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(&Wire(v))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_v1_text_is_written_as_an_object() {
        let stored = json!({"metadata": {"managedFields": [{"manager": "m", "fieldsV1": "{\"f:data\":{}}"}]}, "data": {"fieldsV1": "plain"}});
        let out: Value = serde_json::from_slice(&serde_json::to_vec(&Wire(&stored)).unwrap()).unwrap();
        assert_eq!(out["metadata"]["managedFields"][0]["fieldsV1"], json!({"f:data": {}}));
        assert_eq!(out["data"]["fieldsV1"], "plain", "only valid JSON text is expanded");
    }
}

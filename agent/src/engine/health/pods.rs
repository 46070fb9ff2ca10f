//! Pods, Jobs and CronJobs.

use super::{Health, condition, str_at};
use convoy_protocol::status::HealthState::{Degraded, Healthy, Progressing, Suspended, Unknown};
use serde_json::Value;

fn list<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

pub fn pod(p: &Value) -> Health {
    let policy = p.pointer("/spec/restartPolicy").and_then(Value::as_str).unwrap_or("Always");
    let message = str_at(p, "/status/message").to_string();
    if policy == "Always" {
        // A container stuck in an error or back-off is Degraded at once.
        let stuck: Vec<&str> = list(p, "/status/containerStatuses")
            .iter()
            .filter_map(|c| c.pointer("/state/waiting"))
            .filter(|w| {
                let reason = w["reason"].as_str().unwrap_or_default();
                reason.starts_with("Err") || reason.ends_with("Error") || reason.ends_with("BackOff")
            })
            .map(|w| w["message"].as_str().unwrap_or_default())
            .collect();
        if !stuck.is_empty() {
            return Health::new(Degraded, stuck.join(", "));
        }
    }
    match str_at(p, "/status/phase") {
        "Pending" => Health::new(Progressing, message),
        "Succeeded" => Health::new(Healthy, message),
        "Failed" => {
            if !message.is_empty() {
                return Health::new(Degraded, message);
            }
            let statuses = list(p, "/status/initContainerStatuses").iter().chain(list(p, "/status/containerStatuses"));
            for c in statuses {
                if let Some(t) = c.pointer("/state/terminated") {
                    let (msg, reason, code) = (
                        t["message"].as_str().unwrap_or_default(),
                        t["reason"].as_str().unwrap_or_default(),
                        t["exitCode"].as_i64().unwrap_or(0),
                    );
                    if !msg.is_empty() {
                        return Health::new(Degraded, msg);
                    }
                    if reason == "OOMKilled" {
                        return Health::new(Degraded, reason);
                    }
                    if code != 0 {
                        return Health::new(
                            Degraded,
                            format!(
                                "container {:?} failed with exit code {code}",
                                c["name"].as_str().unwrap_or_default()
                            ),
                        );
                    }
                }
            }
            Health::new(Degraded, "")
        }
        "Running" if policy == "Always" => {
            if condition(p, "Ready").is_some_and(|c| c["status"] == "True") {
                return Health::new(Healthy, message);
            }
            if list(p, "/status/containerStatuses")
                .iter()
                .any(|c| c.pointer("/lastState/terminated").is_some_and(|t| !t.is_null()))
            {
                return Health::new(Degraded, message);
            }
            Health::new(Progressing, message)
        }
        "Running" => Health::new(Progressing, message),
        _ => Health::new(Unknown, message),
    }
}

pub fn job(j: &Value) -> Health {
    let (mut failed, mut complete, mut suspended) = (false, false, false);
    let (mut fail_message, mut message) = (String::new(), String::new());
    for c in list(j, "/status/conditions") {
        let msg = c["message"].as_str().unwrap_or_default().to_string();
        match c["type"].as_str().unwrap_or_default() {
            "Failed" => {
                failed = true;
                complete = true;
                fail_message = msg;
            }
            "Complete" => {
                complete = true;
                message = msg;
            }
            "Suspended" => {
                complete = true;
                message = msg;
                suspended |= c["status"] == "True";
            }
            _ => {}
        }
    }
    match () {
        _ if !complete => Health::new(Progressing, message),
        _ if failed => Health::new(Degraded, fail_message),
        _ if suspended => Health::new(Suspended, message),
        _ => Health::new(Healthy, message),
    }
}

/// Argo CD's bundled CronJob rule.
pub fn cronjob(c: &Value) -> Health {
    if c.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        return Health::new(Healthy, "CronJob is Suspended");
    }
    let Some(status) = c.get("status").filter(|s| !s.is_null()) else {
        return Health::new(Progressing, "Waiting for CronJob");
    };
    let Some(scheduled) = status.get("lastScheduleTime").and_then(Value::as_str) else {
        return Health::new(Healthy, "CronJob has not been scheduled yet");
    };
    let Some(succeeded) = status.get("lastSuccessfulTime").and_then(Value::as_str) else {
        return Health::new(Healthy, "The CronJob never completed successfully. It may not be healthy");
    };
    if status.get("active").and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
        return Health::new(Healthy, "The job is running. Its last execution may not have been successful");
    }
    // RFC 3339 times in UTC compare as strings, as the Lua rule does.
    if succeeded < scheduled {
        return Health::new(Degraded, "CronJob has not completed its last execution successfully");
    }
    Health::new(Healthy, "CronJob has completed its last execution successfully")
}

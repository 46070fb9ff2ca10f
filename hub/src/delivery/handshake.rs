//! Judging an agent's first message, without I/O.
//!
//! The hub trusts only the cluster name in the agent's verified certificate;
//! the `Hello` must agree with it. Versions are compared before the rest of
//! the `Hello` is decoded, so an agent from another major version, whose
//! `Hello` may be laid out differently, is still told exactly what is wrong.

use convoy_protocol::frame::decode_body;
use convoy_protocol::messages::{Hello, Reject, RejectCode, Welcome, peek_hello_version};
use convoy_protocol::{ClusterIdentity, Message, PROTOCOL_VERSION};

/// What the hub tells an agent about itself in `Welcome`.
#[derive(Debug, Clone)]
pub struct HubGreeting {
    pub hub_version: String,
    pub heartbeat_interval_ms: u64,
    pub max_frame_len: u32,
}

#[derive(Debug)]
pub enum HelloVerdict {
    Accept { hello: Hello, welcome: Welcome },
    Reject(Reject),
}

pub fn judge_hello(body: &[u8], identity: &ClusterIdentity, greeting: &HubGreeting) -> HelloVerdict {
    let reject = |code, reason: String| HelloVerdict::Reject(Reject { code, reason });
    if let Some(version) = peek_hello_version(body)
        && !PROTOCOL_VERSION.is_compatible_with(version)
    {
        return reject(
            RejectCode::UnsupportedVersion,
            format!(
                "agent speaks convoy protocol {version} but this hub speaks {PROTOCOL_VERSION}; \
                 run an agent and hub of the same major version ({})",
                PROTOCOL_VERSION.major
            ),
        );
    }
    let hello = match decode_body(body) {
        Ok(Message::Hello(hello)) => hello,
        Ok(other) => {
            return reject(
                RejectCode::ProtocolViolation,
                format!("the first message must be Hello, got {}", other.kind()),
            );
        }
        Err(e) => return reject(RejectCode::ProtocolViolation, format!("cannot decode Hello: {e}")),
    };
    if hello.cluster != identity.cluster.as_str() {
        return reject(
            RejectCode::IdentityMismatch,
            format!(
                "the agent's certificate identifies cluster {:?} but its Hello claims {:?}; \
                 an agent may only speak for the cluster its certificate names",
                identity.cluster.as_str(),
                hello.cluster
            ),
        );
    }
    let welcome = Welcome {
        protocol: PROTOCOL_VERSION,
        hub_version: greeting.hub_version.clone(),
        cluster: identity.cluster.to_string(),
        heartbeat_interval_ms: greeting.heartbeat_interval_ms,
        max_frame_len: greeting.max_frame_len,
    };
    HelloVerdict::Accept { hello, welcome }
}

#[cfg(test)]
mod tests {
    use super::*;
    use convoy_protocol::{ClusterName, ProtocolVersion};

    fn identity(name: &str) -> ClusterIdentity {
        ClusterIdentity { cluster: ClusterName::new(name).unwrap(), serial: vec![1], not_after: 0 }
    }

    fn greeting() -> HubGreeting {
        HubGreeting { hub_version: "test".into(), heartbeat_interval_ms: 1000, max_frame_len: 1 << 20 }
    }

    fn hello(cluster: &str, protocol: ProtocolVersion) -> Vec<u8> {
        postcard::to_stdvec(&Message::Hello(Hello {
            protocol,
            cluster: cluster.into(),
            agent_version: "x".into(),
            last_applied: None,
            capabilities: vec![],
        }))
        .unwrap()
    }

    #[test]
    fn matching_hello_is_welcomed() {
        let v = judge_hello(&hello("a", PROTOCOL_VERSION), &identity("a"), &greeting());
        let HelloVerdict::Accept { welcome, .. } = v else { panic!("{v:?}") };
        assert_eq!(welcome.cluster, "a");
    }

    #[test]
    fn claiming_another_cluster_is_rejected() {
        let v = judge_hello(&hello("b", PROTOCOL_VERSION), &identity("a"), &greeting());
        let HelloVerdict::Reject(r) = v else { panic!("{v:?}") };
        assert_eq!(r.code, RejectCode::IdentityMismatch);
        assert!(r.reason.contains("\"a\"") && r.reason.contains("\"b\""), "{}", r.reason);
    }

    #[test]
    fn another_major_version_is_rejected_even_if_the_rest_is_garbage() {
        let mut body = hello("a", ProtocolVersion { major: 2, minor: 0 });
        body.truncate(4);
        body.extend_from_slice(&[0xff; 9]);
        let HelloVerdict::Reject(r) = judge_hello(&body, &identity("a"), &greeting()) else { panic!() };
        assert_eq!(r.code, RejectCode::UnsupportedVersion);
        assert!(r.reason.contains("2.0") && r.reason.contains("1.0"), "{}", r.reason);
    }

    #[test]
    fn a_newer_minor_version_is_fine() {
        let v = judge_hello(&hello("a", ProtocolVersion { major: 1, minor: 9 }), &identity("a"), &greeting());
        assert!(matches!(v, HelloVerdict::Accept { .. }));
    }

    #[test]
    fn non_hello_first_messages_are_protocol_violations() {
        let body =
            postcard::to_stdvec(&Message::Goodbye(convoy_protocol::messages::Goodbye { reason: "x".into() })).unwrap();
        let HelloVerdict::Reject(r) = judge_hello(&body, &identity("a"), &greeting()) else { panic!() };
        assert_eq!(r.code, RejectCode::ProtocolViolation);
        let HelloVerdict::Reject(r) = judge_hello(&[0xff, 0xff], &identity("a"), &greeting()) else { panic!() };
        assert_eq!(r.code, RejectCode::ProtocolViolation);
    }
}

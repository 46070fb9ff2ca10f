//! Mutual TLS over real QUIC on loopback: who gets in and who does not.

use convoy_agent::identity::AgentIdentity;
use convoy_agent::uplink::dial::endpoint_with;
use convoy_agent::uplink::{Uplink, UplinkError};
use convoy_certs::{CaDir, Validity};
use convoy_hub::delivery::HubEvent;
use convoy_protocol::frame::io::{read_message, write_message};
use convoy_protocol::messages::{Hello, RejectCode, close};
use convoy_protocol::tls::anonymous_client_config;
use convoy_protocol::{ClusterName, IdentityDir, Message, PROTOCOL_VERSION, ProtocolVersion};
use convoy_tests::{HubFixture, wait_for};
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_valid_agent_certificate_is_welcomed() {
    let f = HubFixture::start();
    let mut events = f.events();
    let uplink = Uplink::connect(f.uplink(), f.agent("prod-1"), None).await.expect("connect");
    assert_eq!(uplink.welcome().cluster, "prod-1");
    assert_eq!(uplink.welcome().protocol, PROTOCOL_VERSION);
    let cluster = wait_for(&mut events, WAIT, |e| match e {
        HubEvent::Connected { cluster, .. } => Some(cluster.clone()),
        _ => None,
    })
    .await;
    assert_eq!(cluster, "prod-1");
    assert_eq!(f.hub.connected_clusters(), vec!["prod-1".to_string()]);
    uplink.close("test done").await;
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let f = HubFixture::start();
    let other = tempfile::tempdir().unwrap();
    let rogue = CaDir::new(other.path().join("ca"));
    rogue.init(&["localhost".to_string()], false).unwrap();
    let out = other.path().join("agent");
    rogue.issue_agent(&ClusterName::new("prod-1").unwrap(), Validity::days_from_now(1), &out, false).unwrap();
    // The rogue agent trusts the real hub's CA, so only its own certificate is wrong.
    std::fs::copy(f.ca.ca_cert(), out.join("ca.crt")).unwrap();
    let identity = Arc::new(AgentIdentity::load(&IdentityDir::new(&out)).unwrap());
    let err = Uplink::connect(f.uplink(), identity, None).await.err().expect("must be refused");
    assert!(matches!(err, UplinkError::CertificateRefused(_)), "{err}");
    assert!(err.to_string().contains("CA") || err.to_string().contains("bad certificate"), "{err}");
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    let f = HubFixture::start();
    let now = time::OffsetDateTime::now_utc();
    let expired = Validity { not_before: now - time::Duration::days(10), not_after: now - time::Duration::days(1) };
    let err = Uplink::connect(f.uplink(), f.agent_valid("prod-1", expired), None).await.err().expect("must be refused");
    assert!(matches!(&err, UplinkError::CertificateRefused(m) if m.contains("expired")), "{err}");
}

#[tokio::test]
async fn a_revoked_certificate_is_refused_without_a_hub_restart() {
    let f = HubFixture::start();
    let mut events = f.events();
    let identity = f.agent("edge-1");
    let uplink = Uplink::connect(f.uplink(), identity.clone(), None).await.expect("connect before revocation");
    let (tx, _rx) = tokio::sync::mpsc::channel(1);
    let (_stx, srx) = tokio::sync::mpsc::channel(1);
    let session = tokio::spawn(uplink.run(None, tx, srx));

    let revoked = f.ca.revoke(&ClusterName::new("edge-1").unwrap()).unwrap();
    assert_eq!(revoked.len(), 1);

    // The live session is closed by the hub's sweep...
    let end = tokio::time::timeout(WAIT, session).await.expect("session closed after revocation").unwrap();
    assert!(matches!(&end, UplinkError::Closed { code, .. } if *code == u64::from(close::REVOKED)), "{end}");
    assert!(!end.is_retryable());
    wait_for(&mut events, WAIT, |e| matches!(e, HubEvent::Disconnected { .. }).then_some(())).await;
    // ...and new handshakes fail.
    let err = Uplink::connect(f.uplink(), identity, None).await.err().expect("must be refused");
    assert!(matches!(&err, UplinkError::CertificateRefused(m) if m.contains("revoked")), "{err}");
}

#[tokio::test]
async fn no_client_certificate_is_refused() {
    let f = HubFixture::start();
    let tls = anonymous_client_config(&convoy_protocol::tls::load_certs(&f.ca.ca_cert()).unwrap()).unwrap();
    let endpoint = endpoint_with(f.addr, tls, Duration::from_secs(5), Duration::from_secs(10)).unwrap();
    let attempt = async {
        let conn = endpoint.connect(f.addr, "localhost").unwrap().await?;
        let (mut send, mut recv) = conn.open_bi().await?;
        let hello = Message::Hello(Hello {
            protocol: PROTOCOL_VERSION,
            cluster: "prod-1".into(),
            agent_version: "x".into(),
            last_applied: None,
            capabilities: vec![],
        });
        let _ = write_message(&mut send, &hello, 1 << 20).await;
        let _ = read_message(&mut recv, 1 << 20).await;
        Err::<(), _>(conn.closed().await)
    };
    let err = tokio::time::timeout(WAIT, attempt).await.expect("refused in time").unwrap_err();
    let err = UplinkError::from(err);
    assert!(matches!(&err, UplinkError::CertificateRefused(m) if m.contains("required")), "{err}");
}

#[tokio::test]
async fn a_hub_certificate_for_another_name_is_refused_by_the_agent() {
    let f = HubFixture::start();
    let mut config = f.uplink();
    config.server_name = "hub.elsewhere.example".into();
    let err = Uplink::connect(config, f.agent("prod-1"), None).await.err().expect("must be refused");
    assert!(matches!(&err, UplinkError::HubCertificate(m) if m.contains("not valid for name")), "{err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn an_agent_of_another_major_version_is_told_why_on_both_sides() {
    let f = HubFixture::start();
    let mut events = f.events();
    let mut config = f.uplink();
    config.protocol = ProtocolVersion { major: 2, minor: 0 };
    let err = Uplink::connect(config, f.agent("prod-1"), None).await.err().expect("must be rejected");
    let UplinkError::Rejected(reject) = &err else { panic!("{err}") };
    assert_eq!(reject.code, RejectCode::UnsupportedVersion);
    assert!(reject.reason.contains("2.0") && reject.reason.contains("1.0"), "{}", reject.reason);
    let hub_side = wait_for(&mut events, WAIT, |e| match e {
        HubEvent::Rejected { reject, .. } => Some(reject.clone()),
        _ => None,
    })
    .await;
    assert_eq!(hub_side.code, RejectCode::UnsupportedVersion);
}

#[tokio::test]
async fn a_hello_claiming_another_cluster_is_rejected() {
    let f = HubFixture::start();
    let identity = f.agent("cluster-a");
    let endpoint =
        convoy_agent::uplink::dial::client_endpoint(f.addr, &identity, Duration::from_secs(5), Duration::from_secs(10))
            .unwrap();
    let conn = endpoint.connect(f.addr, "localhost").unwrap().await.expect("TLS is fine: the certificate is valid");
    let (mut send, mut recv) = conn.open_bi().await.unwrap();
    let hello = Message::Hello(Hello {
        protocol: PROTOCOL_VERSION,
        cluster: "cluster-b".into(),
        agent_version: "x".into(),
        last_applied: None,
        capabilities: vec![],
    });
    write_message(&mut send, &hello, 1 << 20).await.unwrap();
    let answer = tokio::time::timeout(WAIT, read_message(&mut recv, 1 << 20)).await.unwrap().unwrap();
    let Some(Message::Reject(reject)) = answer else { panic!("expected Reject, got {answer:?}") };
    assert_eq!(reject.code, RejectCode::IdentityMismatch);
    assert!(reject.reason.contains("cluster-a") && reject.reason.contains("cluster-b"), "{}", reject.reason);
}

#[tokio::test]
async fn garbage_on_the_control_stream_is_a_protocol_error_not_a_crash() {
    let f = HubFixture::start();
    let identity = f.agent("prod-1");
    let endpoint =
        convoy_agent::uplink::dial::client_endpoint(f.addr, &identity, Duration::from_secs(5), Duration::from_secs(10))
            .unwrap();
    let conn = endpoint.connect(f.addr, "localhost").unwrap().await.unwrap();
    let (mut send, mut recv) = conn.open_bi().await.unwrap();
    // A frame announcing 2 GiB: refused at the header.
    tokio::io::AsyncWriteExt::write_all(&mut send, &[0x80, 0, 0, 0, 1, 2, 3]).await.unwrap();
    let closed = tokio::time::timeout(WAIT, conn.closed()).await.expect("hub closes the connection");
    let UplinkError::Closed { code, reason } = UplinkError::from(closed) else {
        panic!("expected an application close")
    };
    assert_eq!(code, u64::from(close::PROTOCOL_ERROR));
    assert!(reason.contains("exceeds the maximum"), "{reason}");
    let _ = recv.stop(0u32.into());
    // The hub still serves others.
    let ok = Uplink::connect(f.uplink(), f.agent("prod-2"), None).await.expect("hub still serving");
    ok.close("done").await;
}

//! Bundle signatures: the hub signs, agents verify.
//!
//! The hub signs `DOMAIN || sha256(payload)` with its ed25519 key; the domain
//! prefix keeps a bundle signature from ever being valid for anything else the
//! same key might sign. Agents trust a *set* of keys, so a new hub key can be
//! rolled out to agents before the hub starts signing with it.

use crate::bundle::{Bundle, BundleDigest, EncodeError};
use crate::messages::AppliedBundle;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::fmt;

const DOMAIN: &[u8] = b"convoy-bundle-signature-v1\0";

/// Names a signing key: the first 8 bytes of the sha256 of its public key, in hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KeyId(pub String);

impl KeyId {
    pub fn of(key: &VerifyingKey) -> KeyId {
        let hash = Sha256::digest(key.as_bytes());
        KeyId(hex::encode(&hash[..8]))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bundle as it travels: the exact bytes that were signed, their digest,
/// the signature and the key that made it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedBundle {
    #[serde(with = "serde_bytes")]
    pub payload: Vec<u8>,
    pub digest: BundleDigest,
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
    pub key_id: KeyId,
}

impl fmt::Debug for SignedBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedBundle")
            .field("payload_len", &self.payload.len())
            .field("digest", &self.digest)
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl SignedBundle {
    /// The encoding used for bundle files and chunked transfers.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        Ok(postcard::to_stdvec(self)?)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<SignedBundle, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

/// Key material errors.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not a PKCS#8 ed25519 private key in PEM form: {0}")]
    PrivateKey(String),
    #[error("not an ed25519 public key in PEM (SPKI) form: {0}")]
    PublicKey(String),
}

/// The hub's signing key.
pub struct BundleSigner {
    key: SigningKey,
    key_id: KeyId,
}

impl BundleSigner {
    pub fn new(key: SigningKey) -> BundleSigner {
        let key_id = KeyId::of(&key.verifying_key());
        BundleSigner { key, key_id }
    }

    pub fn generate() -> BundleSigner {
        BundleSigner::new(SigningKey::generate(&mut rand_core::OsRng))
    }

    pub fn from_pkcs8_pem(pem: &str) -> Result<BundleSigner, KeyError> {
        let key = SigningKey::from_pkcs8_pem(pem).map_err(|e| KeyError::PrivateKey(e.to_string()))?;
        Ok(BundleSigner::new(key))
    }

    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        self.key
            .to_pkcs8_pem(Default::default())
            .map(|z| z.to_string())
            .map_err(|e| KeyError::PrivateKey(e.to_string()))
    }

    pub fn public_key_pem(&self) -> Result<String, KeyError> {
        self.key.verifying_key().to_public_key_pem(Default::default()).map_err(|e| KeyError::PublicKey(e.to_string()))
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    /// Encodes, hashes and signs a bundle.
    pub fn sign(&self, bundle: &Bundle) -> Result<SignedBundle, EncodeError> {
        Ok(self.sign_payload(bundle.encode()?))
    }

    /// Signs an already encoded bundle.
    pub fn sign_payload(&self, payload: Vec<u8>) -> SignedBundle {
        let digest = BundleDigest::of(&payload);
        let signature = self.key.sign(&signed_message(&digest));
        SignedBundle { payload, digest, signature: signature.to_bytes().to_vec(), key_id: self.key_id.clone() }
    }
}

fn signed_message(digest: &BundleDigest) -> Vec<u8> {
    let mut msg = Vec::with_capacity(DOMAIN.len() + 32);
    msg.extend_from_slice(DOMAIN);
    msg.extend_from_slice(&digest.0);
    msg
}

/// Why a bundle was refused. Each cause has its own variant so agents can
/// report precisely and tests can tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("bundle is signed with key {key_id}, which this agent does not trust")]
    UnknownKey { key_id: KeyId },
    #[error("bundle payload hashes to {actual} but claims {claimed}: it was altered")]
    DigestMismatch { claimed: BundleDigest, actual: BundleDigest },
    #[error("bundle signature does not verify with key {key_id}")]
    BadSignature { key_id: KeyId },
    #[error("bundle payload cannot be decoded: {0}")]
    Malformed(String),
    #[error("bundle is addressed to cluster {bundle_cluster:?}, this agent is {expected:?}")]
    WrongCluster { expected: String, bundle_cluster: String },
    #[error("bundle generation {generation} is older than the applied generation {applied}: refusing a rollback")]
    Rollback { generation: u64, applied: u64 },
    #[error(
        "bundle generation {generation} was already applied with digest {applied_digest}, this one has {digest}: refusing a replay"
    )]
    GenerationReused { generation: u64, applied_digest: BundleDigest, digest: BundleDigest },
}

/// Whether a verified bundle is news to the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// A newer generation than the last applied one.
    New,
    /// The very bundle the agent already applied (a resend after reconnect).
    AlreadyApplied,
}

/// A bundle whose signature, digest, addressee and generation all checked out.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    pub bundle: Bundle,
    /// The bytes as signed, for storing and re-verifying later.
    pub signed: SignedBundle,
    pub digest: BundleDigest,
    pub key_id: KeyId,
    pub freshness: Freshness,
}

impl VerifiedBundle {
    pub fn applied_marker(&self) -> AppliedBundle {
        AppliedBundle { generation: self.bundle.generation, digest: self.digest }
    }
}

/// The hub keys an agent accepts bundles from.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: BTreeMap<KeyId, VerifyingKey>,
}

impl TrustedKeys {
    pub fn new() -> TrustedKeys {
        TrustedKeys::default()
    }

    pub fn add(&mut self, key: VerifyingKey) -> KeyId {
        let id = KeyId::of(&key);
        self.keys.insert(id.clone(), key);
        id
    }

    /// Adds every public key in a PEM text (one or more `PUBLIC KEY` blocks).
    pub fn add_pem(&mut self, pem: &str) -> Result<Vec<KeyId>, KeyError> {
        let mut ids = Vec::new();
        for block in pem_blocks(pem, "PUBLIC KEY") {
            let key = VerifyingKey::from_public_key_pem(&block).map_err(|e| KeyError::PublicKey(e.to_string()))?;
            ids.push(self.add(key));
        }
        if ids.is_empty() {
            return Err(KeyError::PublicKey("no PUBLIC KEY block found".into()));
        }
        Ok(ids)
    }

    pub fn remove(&mut self, id: &KeyId) -> bool {
        self.keys.remove(id).is_some()
    }

    pub fn ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.keys()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Checks, in order: a trusted key, the digest, the signature, the
    /// encoding, the addressee and the generation against `last_applied`.
    pub fn verify(
        &self,
        signed: SignedBundle,
        cluster: &str,
        last_applied: Option<AppliedBundle>,
    ) -> Result<VerifiedBundle, VerifyError> {
        let key =
            self.keys.get(&signed.key_id).ok_or_else(|| VerifyError::UnknownKey { key_id: signed.key_id.clone() })?;
        let actual = BundleDigest::of(&signed.payload);
        if actual != signed.digest {
            return Err(VerifyError::DigestMismatch { claimed: signed.digest, actual });
        }
        let bad_signature = || VerifyError::BadSignature { key_id: signed.key_id.clone() };
        let signature = Signature::from_slice(&signed.signature).map_err(|_| bad_signature())?;
        key.verify(&signed_message(&signed.digest), &signature).map_err(|_| bad_signature())?;
        let bundle = Bundle::decode(&signed.payload).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        if bundle.cluster != cluster {
            return Err(VerifyError::WrongCluster { expected: cluster.to_string(), bundle_cluster: bundle.cluster });
        }
        let freshness = match last_applied {
            None => Freshness::New,
            Some(last) if bundle.generation > last.generation => Freshness::New,
            Some(last) if bundle.generation == last.generation && last.digest == signed.digest => {
                Freshness::AlreadyApplied
            }
            Some(last) if bundle.generation == last.generation => {
                return Err(VerifyError::GenerationReused {
                    generation: bundle.generation,
                    applied_digest: last.digest,
                    digest: signed.digest,
                });
            }
            Some(last) => {
                return Err(VerifyError::Rollback { generation: bundle.generation, applied: last.generation });
            }
        };
        Ok(VerifiedBundle { bundle, digest: signed.digest, key_id: signed.key_id.clone(), freshness, signed })
    }
}

/// Splits a PEM text into its blocks of one label, each re-wrapped as PEM.
fn pem_blocks(pem: &str, label: &str) -> Vec<String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(&begin) {
        let Some(stop) = rest[start..].find(&end) else { break };
        let stop = start + stop + end.len();
        out.push(rest[start..stop].to_string());
        rest = &rest[stop..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::AppBundle;

    fn bundle(cluster: &str, generation: u64) -> Bundle {
        Bundle {
            cluster: cluster.into(),
            generation,
            source_revision: "abc".into(),
            created_at_ms: 0,
            apps: vec![AppBundle { name: "a".into(), ..Default::default() }],
        }
    }

    fn setup() -> (BundleSigner, TrustedKeys) {
        let signer = BundleSigner::generate();
        let mut trust = TrustedKeys::new();
        trust.add(signer.verifying_key());
        (signer, trust)
    }

    #[test]
    fn valid_bundle_verifies() {
        let (signer, trust) = setup();
        let signed = signer.sign(&bundle("c1", 1)).unwrap();
        let v = trust.verify(signed.clone(), "c1", None).unwrap();
        assert_eq!(v.bundle.generation, 1);
        assert_eq!(v.freshness, Freshness::New);
    }

    #[test]
    fn each_failure_has_its_own_error() {
        let (signer, trust) = setup();
        let signed = signer.sign(&bundle("c1", 5)).unwrap();

        let mut tampered = signed.clone();
        tampered.payload[3] ^= 1;
        assert!(matches!(trust.verify(tampered.clone(), "c1", None), Err(VerifyError::DigestMismatch { .. })));

        let mut resigned = tampered.clone();
        resigned.digest = BundleDigest::of(&resigned.payload);
        assert!(matches!(trust.verify(resigned.clone(), "c1", None), Err(VerifyError::BadSignature { .. })));

        let stranger = BundleSigner::generate().sign(&bundle("c1", 5)).unwrap();
        assert!(matches!(trust.verify(stranger.clone(), "c1", None), Err(VerifyError::UnknownKey { .. })));

        assert!(matches!(trust.verify(signed.clone(), "c2", None), Err(VerifyError::WrongCluster { .. })));

        let applied = AppliedBundle { generation: 6, digest: BundleDigest([0; 32]) };
        assert!(matches!(trust.verify(signed.clone(), "c1", Some(applied)), Err(VerifyError::Rollback { .. })));

        let same_gen = AppliedBundle { generation: 5, digest: BundleDigest([0; 32]) };
        assert!(matches!(
            trust.verify(signed.clone(), "c1", Some(same_gen)),
            Err(VerifyError::GenerationReused { .. })
        ));

        let resend = AppliedBundle { generation: 5, digest: signed.digest };
        assert_eq!(trust.verify(signed.clone(), "c1", Some(resend)).unwrap().freshness, Freshness::AlreadyApplied);
    }

    #[test]
    fn garbage_signed_payload_is_malformed_not_a_panic() {
        let (signer, trust) = setup();
        let signed = signer.sign_payload(vec![0xff; 7]);
        assert!(matches!(trust.verify(signed.clone(), "c1", None), Err(VerifyError::Malformed(_))));
    }

    #[test]
    fn keys_rotate_without_downtime() {
        let old = BundleSigner::generate();
        let new = BundleSigner::generate();
        let mut trust = TrustedKeys::new();
        trust.add_pem(&format!("{}{}", old.public_key_pem().unwrap(), new.public_key_pem().unwrap())).unwrap();
        assert!(trust.verify(old.sign(&bundle("c", 1)).unwrap(), "c", None).is_ok());
        assert!(trust.verify(new.sign(&bundle("c", 2)).unwrap(), "c", None).is_ok());
        trust.remove(old.key_id());
        assert!(trust.verify(old.sign(&bundle("c", 3)).unwrap(), "c", None).is_err());
    }

    #[test]
    fn private_key_pem_round_trips() {
        let s = BundleSigner::generate();
        let back = BundleSigner::from_pkcs8_pem(&s.to_pkcs8_pem().unwrap()).unwrap();
        assert_eq!(back.key_id(), s.key_id());
        assert!(BundleSigner::from_pkcs8_pem("nonsense").is_err());
    }
}

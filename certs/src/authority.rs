//! Issuing certificates: the CA, the hub's server certificate and agent
//! client certificates. ECDSA P-256 throughout, which every TLS 1.3 stack
//! (and ring) supports.

use crate::CertsError;
use convoy_protocol::ClusterName;
use rand_core::RngCore;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use std::net::IpAddr;
use time::{Duration, OffsetDateTime};

/// When a certificate is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From now (less a minute of clock-skew allowance) for `days`.
    pub fn days_from_now(days: i64) -> Validity {
        let now = OffsetDateTime::now_utc();
        Validity { not_before: now - Duration::minutes(1), not_after: now + Duration::days(days) }
    }
}

/// A freshly issued certificate, in PEM, with its private key when the CA
/// generated it.
#[derive(Debug, Clone)]
pub struct IssuedCertificate {
    pub cert_pem: String,
    pub key_pem: Option<String>,
    pub serial_hex: String,
    pub not_after: OffsetDateTime,
}

/// The convoy certificate authority.
pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
    key_pem: String,
}

impl CertificateAuthority {
    /// A new self-signed CA valid for ten years.
    pub fn generate(common_name: &str) -> Result<CertificateAuthority, CertsError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, common_name);
        params.distinguished_name.push(DnType::OrganizationName, "convoy");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let validity = Validity::days_from_now(3650);
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        params.serial_number = Some(random_serial());
        let cert = params.self_signed(&key)?;
        let cert_pem = cert.pem();
        let key_pem = key.serialize_pem();
        Ok(CertificateAuthority { issuer: Issuer::new(params, key), cert_pem, key_pem })
    }

    /// Loads a CA from its PEM certificate and key.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<CertificateAuthority, CertsError> {
        let key = KeyPair::from_pem(key_pem)?;
        let issuer = Issuer::from_ca_cert_pem(cert_pem, key)?;
        Ok(CertificateAuthority { issuer, cert_pem: cert_pem.to_string(), key_pem: key_pem.to_string() })
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// The hub's server certificate, valid for each of `names` (DNS names or
    /// IP addresses), which are what agents dial.
    pub fn issue_server(&self, names: &[String], validity: Validity) -> Result<IssuedCertificate, CertsError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, names.first().map(String::as_str).unwrap_or("convoy-hub"));
        params.distinguished_name.push(DnType::OrganizationName, "convoy");
        for name in names {
            params.subject_alt_names.push(match name.parse::<IpAddr>() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName(name.as_str().try_into()?),
            });
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params, &key, validity, Some(key.serialize_pem()))
    }

    /// An agent's client certificate for `cluster`, with a key made here.
    pub fn issue_agent(&self, cluster: &ClusterName, validity: Validity) -> Result<IssuedCertificate, CertsError> {
        let key = KeyPair::generate()?;
        let params = agent_params(cluster)?;
        self.sign(params, &key, validity, Some(key.serialize_pem()))
    }

    /// An agent's client certificate for `cluster`, for a key the agent made
    /// and keeps: only the public key in the CSR is used. Whatever names the
    /// CSR asks for are ignored; the identity is the one the hub decided.
    pub fn sign_agent_csr(
        &self,
        csr_pem: &str,
        cluster: &ClusterName,
        validity: Validity,
    ) -> Result<IssuedCertificate, CertsError> {
        let csr = CertificateSigningRequestParams::from_pem(csr_pem).map_err(|e| CertsError::Csr(e.to_string()))?;
        let params = agent_params(cluster)?;
        self.sign(params, &csr.public_key, validity, None)
    }

    fn sign(
        &self,
        mut params: CertificateParams,
        public_key: &impl rcgen::PublicKeyData,
        validity: Validity,
        key_pem: Option<String>,
    ) -> Result<IssuedCertificate, CertsError> {
        let serial = random_serial();
        params.serial_number = Some(serial.clone());
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(public_key, &self.issuer)?;
        Ok(IssuedCertificate {
            cert_pem: cert.pem(),
            key_pem,
            serial_hex: hex::encode(serial.to_bytes()),
            not_after: validity.not_after,
        })
    }
}

fn agent_params(cluster: &ClusterName) -> Result<CertificateParams, CertsError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(DnType::CommonName, cluster.as_str());
    params.distinguished_name.push(DnType::OrganizationName, "convoy agents");
    params.subject_alt_names = vec![SanType::URI(cluster.spiffe_uri().as_str().try_into()?)];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    Ok(params)
}

/// 16 random bytes with the top bit clear, so the DER integer stays positive
/// and keeps all 16 bytes (RFC 5280 allows up to 20).
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    SerialNumber::from_slice(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use convoy_protocol::ClusterIdentity;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;

    #[test]
    fn agent_certificates_carry_the_cluster_identity() {
        let ca = CertificateAuthority::generate("test CA").unwrap();
        let cluster = ClusterName::new("edge-7").unwrap();
        let issued = ca.issue_agent(&cluster, Validity::days_from_now(90)).unwrap();
        let der = CertificateDer::from_pem_slice(issued.cert_pem.as_bytes()).unwrap();
        let id = ClusterIdentity::from_certificate_der(&der).unwrap();
        assert_eq!(id.cluster, cluster);
        assert_eq!(id.serial_hex(), issued.serial_hex);
        assert_eq!(id.not_after, issued.not_after.unix_timestamp());
    }

    #[test]
    fn a_ca_reloads_from_pem_and_keeps_issuing() {
        let ca = CertificateAuthority::generate("test CA").unwrap();
        let again = CertificateAuthority::from_pem(ca.cert_pem(), ca.key_pem()).unwrap();
        let cluster = ClusterName::new("c").unwrap();
        assert!(again.issue_agent(&cluster, Validity::days_from_now(1)).is_ok());
    }

    #[test]
    fn csr_subject_is_ignored_in_favour_of_the_assigned_cluster() {
        let ca = CertificateAuthority::generate("test CA").unwrap();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.subject_alt_names = vec![SanType::URI("spiffe://convoy/cluster/someone-else".try_into().unwrap())];
        let csr = params.serialize_request(&key).unwrap().pem().unwrap();
        let cluster = ClusterName::new("mine").unwrap();
        let issued = ca.sign_agent_csr(&csr, &cluster, Validity::days_from_now(1)).unwrap();
        assert!(issued.key_pem.is_none());
        let der = CertificateDer::from_pem_slice(issued.cert_pem.as_bytes()).unwrap();
        assert_eq!(ClusterIdentity::from_certificate_der(&der).unwrap().cluster, cluster);
        assert!(ca.sign_agent_csr("garbage", &cluster, Validity::days_from_now(1)).is_err());
    }

    #[test]
    fn serials_differ() {
        let a = random_serial().to_bytes();
        let b = random_serial().to_bytes();
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
    }
}

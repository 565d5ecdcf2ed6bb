//! A throw-away certificate authority and server certificate for 127.0.0.1 and
//! localhost, made at run time with OpenSSL, valid from now for one day.

use std::io;

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName, SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509NameRef, X509};

/// PEM texts of a fresh CA certificate and of the server certificate it signed.
pub(crate) struct Material {
    /// The CA certificate alone: what a client trusts (`--ca-file`).
    pub ca_pem: Vec<u8>,
    /// The server certificate followed by the CA certificate.
    pub chain_pem: Vec<u8>,
    /// The server's private key, PKCS #8 PEM.
    pub key_pem: Vec<u8>,
}

fn new_key() -> Result<PKey<Private>, ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    PKey::from_ec_key(EcKey::generate(&group)?)
}

fn name(common_name: &str) -> Result<X509Name, ErrorStack> {
    let mut builder = X509NameBuilder::new()?;
    builder.append_entry_by_nid(Nid::ORGANIZATIONNAME, "scanqr-emulator")?;
    builder.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    Ok(builder.build())
}

fn base_builder(subject: &X509NameRef, issuer: &X509NameRef) -> Result<X509Builder, ErrorStack> {
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(subject)?;
    builder.set_issuer_name(issuer)?;
    // A minute of slack for clocks that disagree by a little.
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let not_before = Asn1Time::from_unix(now - 60)?;
    let not_after = Asn1Time::days_from_now(1)?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    Ok(builder)
}

fn generate_inner() -> Result<Material, ErrorStack> {
    // The authority.
    let ca_key = new_key()?;
    let ca_name = name("scanqr-emulator local CA")?;
    let mut ca = base_builder(&ca_name, &ca_name)?;
    ca.set_pubkey(&ca_key)?;
    ca.append_extension(BasicConstraints::new().critical().ca().pathlen(0).build()?)?;
    ca.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build()?)?;
    let ski = SubjectKeyIdentifier::new().build(&ca.x509v3_context(None, None))?;
    ca.append_extension(ski)?;
    ca.sign(&ca_key, MessageDigest::sha256())?;
    let ca = ca.build();

    // The server certificate.
    let key = new_key()?;
    let leaf_name = name("localhost")?;
    let mut leaf = base_builder(&leaf_name, ca.subject_name())?;
    leaf.set_pubkey(&key)?;
    leaf.append_extension(BasicConstraints::new().critical().build()?)?;
    leaf.append_extension(KeyUsage::new().critical().digital_signature().key_agreement().build()?)?;
    leaf.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .ip("127.0.0.1")
        .ip("::1")
        .build(&leaf.x509v3_context(Some(&ca), None))?;
    leaf.append_extension(san)?;
    let ski = SubjectKeyIdentifier::new().build(&leaf.x509v3_context(Some(&ca), None))?;
    leaf.append_extension(ski)?;
    let aki = AuthorityKeyIdentifier::new().keyid(false).build(&leaf.x509v3_context(Some(&ca), None))?;
    leaf.append_extension(aki)?;
    leaf.sign(&ca_key, MessageDigest::sha256())?;
    let leaf = leaf.build();

    let ca_pem = ca.to_pem()?;
    let mut chain_pem = leaf.to_pem()?;
    chain_pem.extend_from_slice(&ca_pem);
    Ok(Material { ca_pem, chain_pem, key_pem: key.private_key_to_pem_pkcs8()? })
}

/// Makes a new CA and server certificate.
pub(crate) fn generate() -> io::Result<Material> {
    generate_inner().map_err(|e| io::Error::other(format!("generating a certificate: {e}")))
}

/// A TLS acceptor serving `material`'s certificate chain.
pub(crate) fn acceptor(material: &Material) -> io::Result<native_tls::TlsAcceptor> {
    let identity = native_tls::Identity::from_pkcs8(&material.chain_pem, &material.key_pem)
        .map_err(|e| io::Error::other(format!("loading the certificate: {e}")))?;
    native_tls::TlsAcceptor::new(identity).map_err(|e| io::Error::other(format!("setting up TLS: {e}")))
}

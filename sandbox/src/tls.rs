//! Certificates the sandbox generates at start: a CA, the HTTPS server certificate
//! (SAN DNS:localhost, signed by the CA), one self-signed certificate per app
//! (PEM + PFX), and the key that signs the tokens it issues.

use std::path::Path;

use anyhow::{Context, Result};
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

/// A certificate with its private key.
pub struct CertKey {
    pub cert: X509,
    pub key: PKey<Private>,
}

impl CertKey {
    pub fn cert_pem(&self) -> String {
        String::from_utf8(self.cert.to_pem().expect("pem")).expect("utf8")
    }
    pub fn key_pem_pkcs8(&self) -> String {
        String::from_utf8(self.key.private_key_to_pem_pkcs8().expect("pem")).expect("utf8")
    }
    pub fn public_key_pem(&self) -> String {
        String::from_utf8(self.key.public_key_to_pem().expect("pem")).expect("utf8")
    }
    pub fn der(&self) -> Vec<u8> {
        self.cert.to_der().expect("der")
    }
    /// Uppercase hex SHA-1 of the DER certificate, as .NET's `X509Certificate2.Thumbprint`.
    pub fn thumbprint(&self) -> String {
        hex_upper(&sha1_of(&self.der()))
    }
    /// base64url SHA-1 of the DER certificate (JWT `x5t`).
    pub fn x5t(&self) -> String {
        b64url(&sha1_of(&self.der()))
    }
    /// base64url SHA-256 of the DER certificate (JWT `x5t#S256`).
    pub fn x5t_s256(&self) -> String {
        use sha2::Digest;
        b64url(&sha2::Sha256::digest(self.der()))
    }
}

pub fn sha1_of(data: &[u8]) -> Vec<u8> {
    use sha1::Digest;
    sha1::Sha1::digest(data).to_vec()
}

pub fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

pub fn b64url(bytes: &[u8]) -> String {
    base64::encode_config(bytes, base64::URL_SAFE_NO_PAD)
}

fn name(cn: &str) -> Result<openssl::x509::X509Name> {
    let mut b = X509NameBuilder::new()?;
    b.append_entry_by_text("CN", cn)?;
    b.append_entry_by_text("O", "ExoNative sandbox")?;
    Ok(b.build())
}

fn builder(subject: &str, key: &PKey<Private>, days: u32) -> Result<X509Builder> {
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    let subject = name(subject)?;
    b.set_subject_name(&subject)?;
    b.set_pubkey(key)?;
    // Back-date a day so clock differences never make a fresh certificate "not yet valid".
    let not_before = Asn1Time::from_unix(chrono::Utc::now().timestamp() - 86_400)?;
    let not_after = Asn1Time::days_from_now(days)?;
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;
    Ok(b)
}

pub fn new_key() -> Result<PKey<Private>> {
    Ok(PKey::from_rsa(Rsa::generate(2048)?)?)
}

/// A self-signed CA certificate.
pub fn make_ca() -> Result<CertKey> {
    let key = new_key()?;
    let mut b = builder("ExoNative Sandbox CA", &key, 3650)?;
    let issuer = name("ExoNative Sandbox CA")?;
    b.set_issuer_name(&issuer)?;
    b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    b.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build()?)?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(&key, MessageDigest::sha256())?;
    Ok(CertKey { cert: b.build(), key })
}

/// The HTTPS server certificate: SAN DNS:localhost (rustls cannot verify IP certificates).
pub fn make_server_cert(ca: &CertKey) -> Result<CertKey> {
    let key = new_key()?;
    let mut b = builder("localhost", &key, 825)?;
    b.set_issuer_name(ca.cert.subject_name())?;
    b.append_extension(BasicConstraints::new().build()?)?;
    b.append_extension(KeyUsage::new().critical().digital_signature().key_encipherment().build()?)?;
    b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .build(&b.x509v3_context(Some(&ca.cert), None))?;
    b.append_extension(san)?;
    let aki = AuthorityKeyIdentifier::new()
        .keyid(false)
        .build(&b.x509v3_context(Some(&ca.cert), None))?;
    b.append_extension(aki)?;
    b.sign(&ca.key, MessageDigest::sha256())?;
    Ok(CertKey { cert: b.build(), key })
}

/// A self-signed certificate an app registration uses for client assertions.
pub fn make_app_cert(cn: &str) -> Result<CertKey> {
    let key = new_key()?;
    let mut b = builder(cn, &key, 730)?;
    let issuer = name(cn)?;
    b.set_issuer_name(&issuer)?;
    b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
    b.sign(&key, MessageDigest::sha256())?;
    Ok(CertKey { cert: b.build(), key })
}

/// Writes `<base>.pfx`, `<base>.crt.pem` and `<base>.key.pem`; returns their paths.
pub fn write_app_files(dir: &Path, base: &str, ck: &CertKey, pfx_password: &str) -> Result<(String, String, String)> {
    let pfx = Pkcs12::builder()
        .build(pfx_password, base, &ck.key, &ck.cert)
        .context("building PFX")?;
    let pfx_path = dir.join(format!("{base}.pfx"));
    let crt_path = dir.join(format!("{base}.crt.pem"));
    let key_path = dir.join(format!("{base}.key.pem"));
    std::fs::write(&pfx_path, pfx.to_der()?)?;
    std::fs::write(&crt_path, ck.cert_pem())?;
    write_private(&key_path, ck.key_pem_pkcs8().as_bytes())?;
    Ok((path_str(&pfx_path), path_str(&crt_path), path_str(&key_path)))
}

pub fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    std::fs::write(path, data)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

pub fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A rustls server configuration presenting `server` (and the CA in the chain).
pub fn server_config(server: &CertKey, ca: &CertKey) -> Result<rustls::ServerConfig> {
    let chain = vec![rustls::Certificate(server.der()), rustls::Certificate(ca.der())];
    let pem = server.key_pem_pkcs8();
    let mut keys = rustls_pemfile::pkcs8_private_keys(&mut pem.as_bytes())?;
    let key = rustls::PrivateKey(keys.remove(0));
    let mut cfg = rustls::ServerConfig::builder()
        .with_safe_defaults()
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

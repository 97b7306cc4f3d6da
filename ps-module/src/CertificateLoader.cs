using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ExoNative
{
    /// <summary>
    /// Reads the app's certificate the .NET way (PFX, PEM, certificate store, or an
    /// X509Certificate2 object) and exports what exo_core needs to sign the client assertion:
    /// the DER certificate and the RSA private key as PKCS#8. Every bad-certificate case
    /// has its own message, raised before any network call.
    /// </summary>
    internal static class CertificateLoader
    {
        /// <summary>DER certificate and PKCS#8 key; the caller zeroes <see cref="PrivateKeyPkcs8"/> after use.</summary>
        internal sealed record Exported(byte[] CertificateDer, byte[] PrivateKeyPkcs8, string Thumbprint);

        internal static X509Certificate2 FromFile(string path, SecureString? password)
        {
            if (!File.Exists(path))
            {
                throw Fail($"The certificate file '{path}' does not exist.", "CertificateFileNotFound", ErrorCategory.ObjectNotFound, path);
            }
            byte[] head = new byte[11];
            using (var stream = File.OpenRead(path))
            {
                stream.ReadExactly(head, 0, (int)Math.Min(head.Length, stream.Length));
            }
            bool isPem = System.Text.Encoding.ASCII.GetString(head).StartsWith("-----BEGIN", StringComparison.Ordinal)
                || path.EndsWith(".pem", StringComparison.OrdinalIgnoreCase);
            return isPem ? FromPemFile(path, password) : FromPfxFile(path, password, looksLikeDer: head[0] == 0x30);
        }

        private static X509Certificate2 FromPfxFile(string path, SecureString? password, bool looksLikeDer)
        {
            try
            {
                // Ephemeral: the key is never written to a key store on disk; Exportable: so it can go to exo_core as PKCS#8.
                return new X509Certificate2(path, password, X509KeyStorageFlags.EphemeralKeySet | X509KeyStorageFlags.Exportable);
            }
            catch (CryptographicException ex) when (looksLikeDer)
            {
                string why = password == null || password.Length == 0
                    ? "it is protected by a password: pass it with -CertificatePassword"
                    : "the password given with -CertificatePassword is wrong";
                throw Fail($"The certificate file '{path}' could not be opened: {why}.", "CertificatePasswordIncorrect",
                    ErrorCategory.AuthenticationError, path, ex);
            }
            catch (CryptographicException ex)
            {
                throw Fail($"The file '{path}' is not a PFX (PKCS#12) or PEM certificate: {ex.Message}", "CertificateFileUnreadable",
                    ErrorCategory.InvalidData, path, ex);
            }
        }

        private static X509Certificate2 FromPemFile(string path, SecureString? password)
        {
            try
            {
                if (password != null && password.Length > 0)
                {
                    return SecureText.Use(password, chars => X509Certificate2.CreateFromEncryptedPemFile(path, chars));
                }
                return X509Certificate2.CreateFromPemFile(path);
            }
            catch (CryptographicException ex) when (password == null && ex.Message.Contains("encrypted", StringComparison.OrdinalIgnoreCase))
            {
                throw Fail($"The private key in '{path}' is encrypted: pass its password with -CertificatePassword.",
                    "CertificatePasswordIncorrect", ErrorCategory.AuthenticationError, path, ex);
            }
            catch (CryptographicException ex) when (password != null)
            {
                throw Fail($"The certificate file '{path}' could not be opened: the password given with -CertificatePassword is wrong, or the file does not hold a certificate and its private key ({ex.Message}).",
                    "CertificatePasswordIncorrect", ErrorCategory.AuthenticationError, path, ex);
            }
            catch (CryptographicException ex)
            {
                throw Fail($"The PEM file '{path}' must hold both the certificate and its private key (PKCS#8 or RSA): {ex.Message}",
                    "CertificateFileUnreadable", ErrorCategory.InvalidData, path, ex);
            }
        }

        /// <summary>Looks in CurrentUser\My, then LocalMachine\My, on every OS (.NET has both stores on Linux and macOS too).</summary>
        internal static X509Certificate2 FromStore(string thumbprint)
        {
            string wanted = thumbprint.Replace(" ", "", StringComparison.Ordinal).Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
            foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                try
                {
                    using var store = new X509Store(StoreName.My, location);
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                    var found = store.Certificates.Find(X509FindType.FindByThumbprint, wanted, validOnly: false);
                    if (found.Count > 0)
                    {
                        return found[0];
                    }
                }
                catch (CryptographicException)
                {
                    // The store does not exist here (e.g. LocalMachine\My on Linux): keep looking.
                }
            }
            throw Fail($"No certificate with thumbprint {wanted} was found in CurrentUser\\My or LocalMachine\\My. " +
                       "Import it there, or use -CertificateFilePath or -Certificate.", "CertificateNotFound", ErrorCategory.ObjectNotFound, thumbprint);
        }

        /// <summary>Checks the certificate can sign an assertion and exports it.</summary>
        internal static Exported Export(X509Certificate2 certificate)
        {
            string name = $"'{certificate.Subject}' ({certificate.Thumbprint})";
            if (!certificate.HasPrivateKey)
            {
                throw Fail($"The certificate {name} has no private key. App-only sign-in signs with the certificate's private key: " +
                           "use the PFX (or PEM with key) the app's certificate was created with.", "CertificateWithoutPrivateKey",
                           ErrorCategory.SecurityError, certificate.Thumbprint);
            }
            DateTime now = DateTime.Now;
            if (certificate.NotAfter < now)
            {
                throw Fail($"The certificate {name} expired on {certificate.NotAfter:u}. Upload a new certificate to the app registration and use it.",
                           "CertificateExpired", ErrorCategory.SecurityError, certificate.Thumbprint);
            }
            if (certificate.NotBefore > now)
            {
                throw Fail($"The certificate {name} is not valid before {certificate.NotBefore:u}.", "CertificateNotYetValid",
                           ErrorCategory.SecurityError, certificate.Thumbprint);
            }
            using RSA? rsa = certificate.GetRSAPrivateKey();
            if (rsa == null)
            {
                string keyType = certificate.GetKeyAlgorithm() switch
                {
                    "1.2.840.10045.2.1" => "an ECDSA key",
                    "1.3.101.112" => "an Ed25519 key",
                    var oid => $"a key of type {oid}",
                };
                throw Fail($"The certificate {name} has {keyType}. Exchange Online app-only sign-in needs an RSA key (RS256/PS256).",
                           "CertificateKeyNotSupported", ErrorCategory.SecurityError, certificate.Thumbprint);
            }
            byte[] pkcs8;
            try
            {
                pkcs8 = rsa.ExportPkcs8PrivateKey();
            }
            catch (CryptographicException ex)
            {
                throw Fail($"The private key of certificate {name} cannot be exported (it was imported as non-exportable). " +
                           "Re-import it as exportable, or use -CertificateFilePath.", "CertificateKeyNotExportable",
                           ErrorCategory.SecurityError, certificate.Thumbprint, ex);
            }
            return new Exported(certificate.RawData, pkcs8, certificate.Thumbprint);
        }

        private static ParameterValidationFailure Fail(string message, string id, ErrorCategory category, object? target, Exception? inner = null) =>
            new(ErrorFactory.Create(message, "ExoNative." + id, category, target, inner));
    }

    /// <summary>A parameter or input problem found before any native call; carries the ErrorRecord to throw.</summary>
    internal sealed class ParameterValidationFailure : Exception
    {
        internal ParameterValidationFailure(ErrorRecord record) : base(record.Exception.Message, record.Exception) => Record = record;

        internal ErrorRecord Record { get; }
    }
}

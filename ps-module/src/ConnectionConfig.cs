using System;
using System.Buffers;
using System.Security;
using System.Text.Json;

namespace ExoNative
{
    /// <summary>
    /// The JSON configuration handed to exo_connection_open / exo_signin_begin. Secrets (the
    /// private key, password, access token) are written straight into one buffer that is
    /// zeroed as soon as the native call has returned.
    /// </summary>
    internal sealed class ConnectionConfig : IDisposable
    {
        internal string Flow = "interactive";
        internal string? AppId, Organization, DelegatedOrganization, UserPrincipalName, ExchangeEnvironmentName,
            ConnectionUri, AzureAdAuthorizationEndpointUri, ManagedIdentityAccountId, Prefix, LogDirectoryPath, LogLevel;
        internal int PageSize = 1000;
        internal CertificateLoader.Exported? Certificate;
        internal string? AccessToken;
        internal SecureString? Password;

        private ArrayBufferWriter<byte>? _buffer;

        /// <summary>The UTF-8 JSON; valid until Dispose.</summary>
        internal ReadOnlySpan<byte> ToUtf8()
        {
            // Sized up front for the worst case of every secret (base64 grows by 4/3, JSON
            // escaping by up to 6 bytes a character), so the buffer never grows and leaves an
            // unzeroed copy of a key or password behind.
            int secrets = (AccessToken?.Length ?? 0) * 6
                + (Certificate == null ? 0 : (Certificate.CertificateDer.Length + Certificate.PrivateKeyPkcs8.Length) * 2)
                + (Password?.Length ?? 0) * 6;
            _buffer = new ArrayBufferWriter<byte>(16 * 1024 + secrets);
            using (var w = new Utf8JsonWriter(_buffer))
            {
                w.WriteStartObject();
                w.WriteString("flow", Flow);
                Write(w, "appId", AppId);
                Write(w, "organization", Organization);
                Write(w, "delegatedOrganization", DelegatedOrganization);
                Write(w, "userPrincipalName", UserPrincipalName);
                Write(w, "exchangeEnvironmentName", ExchangeEnvironmentName);
                Write(w, "connectionUri", ConnectionUri);
                Write(w, "azureAdAuthorizationEndpointUri", AzureAdAuthorizationEndpointUri);
                w.WriteNumber("pageSize", PageSize);
                if (Certificate != null)
                {
                    w.WriteStartObject("certificate");
                    w.WriteBase64String("certificateDer", Certificate.CertificateDer);
                    w.WriteBase64String("privateKeyPkcs8", Certificate.PrivateKeyPkcs8);
                    w.WriteEndObject();
                }
                Write(w, "accessToken", AccessToken);
                Write(w, "managedIdentityAccountId", ManagedIdentityAccountId);
                if (Password != null)
                {
                    SecureText.Use(Password, chars =>
                    {
                        w.WriteString("password", chars);
                        return true;
                    });
                }
                Write(w, "prefix", Prefix);
                Write(w, "logDirectoryPath", LogDirectoryPath);
                Write(w, "logLevel", LogLevel);
                WriteEnvironment(w);
                w.WriteEndObject();
            }
            return _buffer.WrittenSpan;
        }

        /// <summary>
        /// The variables the core reads (sandbox overrides, managed-identity hosts), as this
        /// process sees them: on Unix, .NET keeps <c>$env:X = ...</c> in a managed copy that
        /// native code's getenv never sees.
        /// </summary>
        private static readonly string[] s_environmentVariables =
        {
            "EXONATIVE_CONNECTION_URI", "EXONATIVE_AUTHORITY_URI", "EXONATIVE_TRUSTED_CA",
            "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        };

        private static void WriteEnvironment(Utf8JsonWriter w)
        {
            w.WriteStartObject("environment");
            foreach (string name in s_environmentVariables)
            {
                Write(w, name, Environment.GetEnvironmentVariable(name));
            }
            w.WriteEndObject();
        }

        private static void Write(Utf8JsonWriter w, string name, string? value)
        {
            if (value != null)
            {
                w.WriteString(name, value);
            }
        }

        public void Dispose()
        {
            _buffer?.Clear(); // ArrayBufferWriter.Clear zeroes what was written
            if (Certificate != null)
            {
                Array.Clear(Certificate.PrivateKeyPkcs8);
            }
        }
    }
}

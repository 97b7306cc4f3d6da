using System;
using System.Globalization;
using System.Text.Json;
using ExoNative.Native;

namespace ExoNative
{
    /// <summary>
    /// One signed-in connection: the native handle plus what PowerShell needs to know about it
    /// (its number, name, prefix, the options given to Connect-ExchangeOnline). The token and
    /// everything about the protocol stay inside the native handle.
    /// </summary>
    internal sealed class Connection
    {
        internal Connection(int id, ExoConnectionHandle handle, string? prefix, bool showProgress)
        {
            Id = id;
            Handle = handle;
            Prefix = prefix;
            ShowProgress = showProgress;
            Info = NativeConnectionInfo.Parse(ExoApi.ConnectionInfo(handle));
            ConnectionId = string.IsNullOrEmpty(Info.ConnectionId) ? Guid.NewGuid().ToString() : Info.ConnectionId!;
        }

        internal int Id { get; }
        internal string Name => "ExchangeOnline_" + Id.ToString(CultureInfo.InvariantCulture);
        internal string ConnectionId { get; }
        internal ExoConnectionHandle Handle { get; }
        internal string? Prefix { get; }
        internal bool ShowProgress { get; }

        /// <summary>The in-memory module holding Get-&lt;Prefix&gt;Mailbox and friends, when a prefix was given.</summary>
        internal string? PrefixModuleName { get; set; }

        /// <summary>What exo_connection_info said last; token fields change as the token is renewed.</summary>
        internal NativeConnectionInfo Info { get; private set; }

        internal NativeConnectionInfo Refresh()
        {
            if (!Handle.IsClosed)
            {
                Info = NativeConnectionInfo.Parse(ExoApi.ConnectionInfo(Handle));
            }
            return Info;
        }
    }

    /// <summary>The JSON of exo_connection_info, read by hand (no reflection-based serializer on the connect path).</summary>
    internal sealed class NativeConnectionInfo
    {
        internal string? ConnectionId, UserPrincipalName, Organization, TenantId, ConnectionUri,
            AzureAdAuthorizationEndpointUri, TokenStatus, AppId, DelegatedOrganization, Flow;
        internal DateTime? TokenExpiryTimeUtc;
        internal bool CertificateAuthentication;
        internal int PageSize = 1000;

        internal static NativeConnectionInfo Parse(ReadOnlySpan<byte> json)
        {
            var info = new NativeConnectionInfo();
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return info;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                switch (name)
                {
                    case "connectionId": info.ConnectionId = Text(ref reader); break;
                    case "userPrincipalName": info.UserPrincipalName = Text(ref reader); break;
                    case "organization": info.Organization = Text(ref reader); break;
                    case "tenantId": info.TenantId = Text(ref reader); break;
                    case "connectionUri": info.ConnectionUri = Text(ref reader); break;
                    case "azureAdAuthorizationEndpointUri": info.AzureAdAuthorizationEndpointUri = Text(ref reader); break;
                    case "tokenStatus": info.TokenStatus = Text(ref reader); break;
                    case "appId": info.AppId = Text(ref reader); break;
                    case "delegatedOrganization": info.DelegatedOrganization = Text(ref reader); break;
                    case "flow": info.Flow = Text(ref reader); break;
                    case "certificateAuthentication":
                        info.CertificateAuthentication = reader.TokenType == JsonTokenType.True;
                        break;
                    case "pageSize" when reader.TokenType == JsonTokenType.Number:
                        info.PageSize = reader.GetInt32();
                        break;
                    case "tokenExpiryTimeUtc" when reader.TokenType == JsonTokenType.String:
                        info.TokenExpiryTimeUtc = reader.TryGetDateTimeOffset(out var expiry) ? expiry.UtcDateTime : null;
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            return info;
        }

        private static string? Text(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                return reader.GetString();
            }
            reader.Skip();
            return null;
        }
    }
}

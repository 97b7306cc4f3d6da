using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using ExoNative.Cmdlets;

namespace ExoNative
{
    /// <summary>
    /// Checks Connect-ExchangeOnline's parameters and turns them into the native configuration.
    /// Everything here runs before any native call, so a mistake in the parameters never
    /// reaches the network and always comes back as a PowerShell error that says what to do.
    /// </summary>
    internal static class ConnectRequest
    {
        private static readonly Regex s_prefix = new("^[A-Za-z0-9]+$", RegexOptions.CultureInvariant);
        private static readonly Regex s_upn = new(@"^[^@\s]+@[^@\s]+\.[^@\s.]+$", RegexOptions.CultureInvariant);
        private static readonly Regex s_domain = new(@"^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]+$", RegexOptions.CultureInvariant);

        internal static ConnectionConfig Build(ConnectExchangeOnlineCommand p, PSCredential? credential)
        {
            Reject(p.UseRPSSession.IsPresent, "-UseRPSSession is not supported: ExoNative uses only the Exchange Online REST API (Remote PowerShell is retired). Remove the parameter.", "UseRPSSessionNotSupported", ErrorCategory.NotImplemented);
            Reject(p.PSSessionOption != null, "-PSSessionOption applies only to Remote PowerShell sessions, which ExoNative does not use. Remove the parameter; a proxy can be set with the HTTPS_PROXY environment variable.", "PSSessionOptionNotSupported", ErrorCategory.NotImplemented);

            if (p.Prefix != null)
            {
                Reject(!s_prefix.IsMatch(p.Prefix), "Use of any special characters in the Prefix string is not supported.", "InvalidPrefix", ErrorCategory.InvalidArgument);
                Reject(string.Equals(p.Prefix, "EXO", StringComparison.OrdinalIgnoreCase), "Prefix 'EXO' is a reserved Prefix, please use a different prefix.", "ReservedPrefix", ErrorCategory.InvalidArgument);
            }
            CheckHttpsUri(p.ConnectionUri, "ConnectionUri");
            CheckHttpsUri(p.AzureADAuthorizationEndpointUri, "AzureADAuthorizationEndpointUri");
            string? upn = p.UserPrincipalName ?? credential?.UserName;
            Reject(upn != null && !s_upn.IsMatch(upn), $"'{upn}' is not a valid user principal name. Give it as user@domain, for example admin@contoso.onmicrosoft.com.", "InvalidUserPrincipalName", ErrorCategory.InvalidArgument);
            CheckOrganization(p.Organization, "Organization");
            CheckOrganization(p.DelegatedOrganization, "DelegatedOrganization");
            CheckGuid(p.AppId, "AppId", "the application (client) id of the app registration");
            CheckGuid(p.ManagedIdentityAccountId, "ManagedIdentityAccountId", "the client id of the user-assigned managed identity");

            string flow = ChooseFlow(p, credential);
            bool appOnly = flow is "certificate" or "managedIdentity";
            Reject(appOnly && p.Organization == null,
                "App-only sign-in (certificate or managed identity) needs -Organization: the tenant's primary domain, for example -Organization contoso.onmicrosoft.com.",
                "OrganizationRequired", ErrorCategory.InvalidArgument);
            Reject(flow == "certificate" && p.AppId == null,
                "Certificate sign-in needs -AppId: the application (client) id of the app registration that holds the certificate.",
                "AppIdRequired", ErrorCategory.InvalidArgument);
            Reject(p.ManagedIdentityAccountId != null && flow != "managedIdentity",
                "-ManagedIdentityAccountId is used only with -ManagedIdentity.", "ManagedIdentityAccountIdWithoutManagedIdentity", ErrorCategory.InvalidArgument);
            Reject(p.CertificatePassword != null && p.CertificateFilePath == null,
                "-CertificatePassword is used only with -CertificateFilePath.", "CertificatePasswordWithoutFile", ErrorCategory.InvalidArgument);

            var config = new ConnectionConfig
            {
                Flow = flow,
                AppId = p.AppId,
                Organization = p.Organization,
                DelegatedOrganization = p.DelegatedOrganization,
                UserPrincipalName = upn,
                ExchangeEnvironmentName = p.ExchangeEnvironmentName.ToString(),
                ConnectionUri = p.ConnectionUri,
                AzureAdAuthorizationEndpointUri = p.AzureADAuthorizationEndpointUri,
                ManagedIdentityAccountId = p.ManagedIdentityAccountId,
                PageSize = p.PageSize,
                Prefix = p.Prefix,
                LogDirectoryPath = p.LogDirectoryPath == null ? null : p.SessionState.Path.GetUnresolvedProviderPathFromPSPath(p.LogDirectoryPath),
                LogLevel = p.LogLevel,
                AccessToken = p.AccessToken,
                Password = credential?.Password,
            };
            if (flow == "certificate")
            {
                config.Certificate = CertificateLoader.Export(LoadCertificate(p));
            }
            return config;
        }

        private static string ChooseFlow(ConnectExchangeOnlineCommand p, PSCredential? credential)
        {
            var given = new List<(string Parameter, string Flow)>();
            if (p.AccessToken != null) given.Add(("-AccessToken", "accessToken"));
            if (p.ManagedIdentity.IsPresent) given.Add(("-ManagedIdentity", "managedIdentity"));
            if (p.Certificate != null) given.Add(("-Certificate", "certificate"));
            if (p.CertificateFilePath != null) given.Add(("-CertificateFilePath", "certificate"));
            if (p.CertificateThumbprint != null) given.Add(("-CertificateThumbprint", "certificate"));
            if (credential != null) given.Add((p.InlineCredential.IsPresent ? "-InlineCredential" : "-Credential", "password"));
            if (p.Device.IsPresent) given.Add(("-Device", "device"));
            if (given.Count > 1)
            {
                Reject(true, $"{string.Join(" and ", given.Select(g => g.Parameter))} cannot be used together: choose one way to sign in.",
                    "ConflictingSignInParameters", ErrorCategory.InvalidArgument);
            }
            return given.Count == 1 ? given[0].Flow : "interactive";
        }

        private static X509Certificate2 LoadCertificate(ConnectExchangeOnlineCommand p)
        {
            if (p.Certificate != null)
            {
                return p.Certificate;
            }
            if (p.CertificateFilePath != null)
            {
                string path = p.SessionState.Path.GetUnresolvedProviderPathFromPSPath(p.CertificateFilePath);
                return CertificateLoader.FromFile(path, p.CertificatePassword);
            }
            return CertificateLoader.FromStore(p.CertificateThumbprint!);
        }

        private static void CheckHttpsUri(string? value, string parameter)
        {
            if (value != null && !(Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme == Uri.UriSchemeHttps))
            {
                Reject(true, $"Invalid {parameter} parameter '{value}'", "Invalid" + parameter, ErrorCategory.InvalidArgument);
            }
        }

        private static void CheckOrganization(string? value, string parameter)
        {
            Reject(value != null && !Guid.TryParse(value, out _) && !s_domain.IsMatch(value),
                $"'{value}' is not a valid -{parameter}: give the tenant's domain (for example contoso.onmicrosoft.com) or its tenant id (a GUID).",
                "Invalid" + parameter, ErrorCategory.InvalidArgument);
        }

        private static void CheckGuid(string? value, string parameter, string what)
        {
            Reject(value != null && !Guid.TryParse(value, out _),
                $"'{value}' is not a valid -{parameter}: it must be a GUID, {what}.", "Invalid" + parameter, ErrorCategory.InvalidArgument);
        }

        private static void Reject(bool condition, string message, string id, ErrorCategory category)
        {
            if (condition)
            {
                throw new ParameterValidationFailure(ErrorFactory.Create(message, "ExoNative." + id, category));
            }
        }
    }
}

using System;

namespace ExoNative
{
    /// <summary>
    /// What Get-ConnectionInformation returns: the documented properties of Microsoft's
    /// module, in its order, so scripts that read them work unchanged.
    /// </summary>
    public sealed class ConnectionInformation
    {
        public string ConnectionId { get; init; } = "";
        public string State { get; init; } = "Connected";
        public int Id { get; init; }
        public string Name { get; init; } = "";
        public string? UserPrincipalName { get; init; }
        public string? ConnectionUri { get; init; }
        public string? AzureAdAuthorizationEndpointUri { get; init; }
        public DateTime? TokenExpiryTimeUTC { get; init; }
        public bool CertificateAuthentication { get; init; }
        public string ModuleName { get; init; } = "ExoNative";
        public string ModulePrefix { get; init; } = "";
        public string? Organization { get; init; }
        public string? DelegatedOrganization { get; init; }
        public string? AppId { get; init; }
        public int PageSize { get; init; }
        public string? TenantID { get; init; }
        public string? TokenStatus { get; init; }
        public bool ConnectionUsedForInbuiltCmdlets { get; init; }
        public bool IsEopSession { get; init; }

        internal static ConnectionInformation From(Connection c, bool usedForInbuiltCmdlets)
        {
            var info = c.Info;
            return new ConnectionInformation
            {
                ConnectionId = c.ConnectionId,
                Id = c.Id,
                Name = c.Name,
                UserPrincipalName = info.UserPrincipalName,
                ConnectionUri = info.ConnectionUri,
                AzureAdAuthorizationEndpointUri = info.AzureAdAuthorizationEndpointUri,
                TokenExpiryTimeUTC = info.TokenExpiryTimeUtc,
                CertificateAuthentication = info.CertificateAuthentication,
                ModuleName = c.PrefixModuleName ?? "ExoNative",
                ModulePrefix = c.Prefix ?? "",
                Organization = info.Organization,
                DelegatedOrganization = info.DelegatedOrganization,
                AppId = info.AppId,
                PageSize = info.PageSize,
                TenantID = info.TenantId,
                TokenStatus = info.TokenStatus,
                ConnectionUsedForInbuiltCmdlets = usedForInbuiltCmdlets,
                IsEopSession = false,
            };
        }
    }
}

using System;
using System.Management.Automation;
using System.Management.Automation.Remoting;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using ExoNative.Native;

namespace ExoNative.Cmdlets
{
    /// <summary>
    /// Connect-ExchangeOnline with Microsoft's parameters. Parameters are checked in
    /// <see cref="ConnectRequest"/>; sign-in itself happens in exo_core. This cmdlet shows
    /// what the user must see (browser, device code, banner) and registers the connection.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "ExchangeOnline")]
    [OutputType(typeof(void))]
    public sealed class ConnectExchangeOnlineCommand : ExoCmdlet
    {
        [Parameter(Position = 0)] public string? ConnectionUri { get; set; }
        [Parameter(Position = 1)] public string? AzureADAuthorizationEndpointUri { get; set; }
        [Parameter(Position = 2)] public ExchangeEnvironment ExchangeEnvironmentName { get; set; } = ExchangeEnvironment.O365Default;
        [Parameter(Position = 3)] public PSSessionOption? PSSessionOption { get; set; }
        [Parameter(Position = 4)] public string? DelegatedOrganization { get; set; }
        [Parameter(Position = 5)] public string? Prefix { get; set; }
        [Parameter(Position = 6)] public string[]? CommandName { get; set; }
        [Parameter(Position = 7)] public string[]? FormatTypeName { get; set; }
        [Parameter] public string? AccessToken { get; set; }
        [Parameter] public string? AppId { get; set; }
        [Parameter] public SwitchParameter BypassMailboxAnchoring { get; set; }
        [Parameter] public X509Certificate2? Certificate { get; set; }
        [Parameter] public string? CertificateFilePath { get; set; }
        [Parameter] public SecureString? CertificatePassword { get; set; }
        [Parameter] public string? CertificateThumbprint { get; set; }
        [Parameter] public PSCredential? Credential { get; set; }
        [Parameter] public SwitchParameter Device { get; set; }
        [Parameter] public SwitchParameter DisableWAM { get; set; }
        [Parameter] public SwitchParameter EnableErrorReporting { get; set; }
        [Parameter] public string? EXOModuleBasePath { get; set; }
        [Parameter] public SwitchParameter InlineCredential { get; set; }
        [Parameter] public SwitchParameter LoadCmdletHelp { get; set; }
        [Parameter] public string? LogDirectoryPath { get; set; }
        [Parameter, ValidateSet("Default", "All")] public string? LogLevel { get; set; }
        [Parameter] public SwitchParameter ManagedIdentity { get; set; }
        [Parameter] public string? ManagedIdentityAccountId { get; set; }
        [Parameter] public string? Organization { get; set; }
        [Parameter, ValidateRange(1, 1000)] public int PageSize { get; set; } = 1000;
        [Parameter] public SwitchParameter ShowBanner { get; set; } = true;
        [Parameter] public bool ShowProgress { get; set; }
        [Parameter] public X509Certificate2? SigningCertificate { get; set; }
        [Parameter] public SwitchParameter SkipLoadingCmdletHelp { get; set; }
        [Parameter] public SwitchParameter SkipLoadingFormatData { get; set; }
        [Parameter] public bool TrackPerformance { get; set; }
        [Parameter] public bool UseMultithreading { get; set; }
        [Parameter] public string? UserPrincipalName { get; set; }
        [Parameter] public SwitchParameter UseRPSSession { get; set; }

        /// <summary>Accepted so Microsoft's scripts run, but meaningless for an in-process REST client.</summary>
        private static readonly string[] s_noEffect =
        {
            nameof(BypassMailboxAnchoring), nameof(DisableWAM), nameof(EnableErrorReporting), nameof(EXOModuleBasePath),
            nameof(FormatTypeName), nameof(LoadCmdletHelp), nameof(SigningCertificate), nameof(SkipLoadingCmdletHelp),
            nameof(SkipLoadingFormatData), nameof(TrackPerformance), nameof(UseMultithreading),
        };

        protected override void EndProcessing()
        {
            foreach (string name in s_noEffect)
            {
                if (MyInvocation.BoundParameters.ContainsKey(name))
                {
                    WriteVerbose($"-{name} has no effect in ExoNative and is ignored.");
                }
            }
            PSCredential? credential = InlineCredential.IsPresent
                ? Host.UI.PromptForCredential("Connect-ExchangeOnline", "Enter your Exchange Online credentials.", UserPrincipalName ?? "", "")
                : Credential;

            ExoConnectionHandle handle;
            try
            {
                using ConnectionConfig config = ConnectRequest.Build(this, credential);
                WriteVerbose($"Signing in with the {config.Flow} flow.");
                handle = config.Flow is "interactive" or "device" ? SignIn(config) : ExoApi.OpenConnection(config.ToUtf8(), Cancel);
            }
            catch (ParameterValidationFailure failure)
            {
                ThrowTerminatingError(failure.Record);
                return;
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                ThrowTerminatingError(ToErrorRecord(ex));
                return;
            }
            Register(handle);
        }

        /// <summary>Interactive and device sign-in: start it, show the prompt, wait for the user (Ctrl+C cancels).</summary>
        private ExoConnectionHandle SignIn(ConnectionConfig config)
        {
            if (config.Flow == "interactive" && BrowserLauncher.CannotOpenReason() is string why)
            {
                throw new ParameterValidationFailure(ErrorFactory.Create(why, "ExoNative.NoBrowser", ErrorCategory.ResourceUnavailable));
            }
            using ExoSignInHandle signIn = ExoApi.BeginSignIn(config.ToUtf8(), out byte[] promptJson);
            config.Dispose();
            using (var prompt = JsonDocument.Parse(promptJson))
            {
                JsonElement root = prompt.RootElement;
                string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                if (Text("kind") == "deviceCode")
                {
                    var message = new DeviceCodeMessage
                    {
                        Message = Text("message") ?? "",
                        UserCode = Text("userCode"),
                        VerificationUri = Text("verificationUri"),
                        ExpiresIn = root.TryGetProperty("expiresIn", out var e) && e.TryGetInt32(out int s) ? s : null,
                    };
                    WriteWarning(message.Message);
                    WriteInformation(new InformationRecord(message, "Connect-ExchangeOnline") { Tags = { "DeviceCode" } });
                }
                else
                {
                    try
                    {
                        BrowserLauncher.Open(Text("url") ?? "");
                    }
                    catch (InvalidOperationException ex)
                    {
                        throw new ParameterValidationFailure(new ErrorRecord(ex, "ExoNative.BrowserNotStarted", ErrorCategory.ResourceUnavailable, null));
                    }
                    WriteVerbose("Waiting for the sign-in to complete in the browser (Ctrl+C cancels).");
                }
            }
            return ExoApi.CompleteSignIn(signIn, Cancel);
        }

        private void Register(ExoConnectionHandle handle)
        {
            var connection = new Connection(ConnectionRegistry.NextId(), handle, Prefix, ShowProgress);
            if (Prefix != null && ConnectionRegistry.FindByPrefix(Prefix) is Connection previous)
            {
                // Connecting again with the same prefix replaces the old connection and its commands.
                WriteVerbose($"Replacing {previous.Name}, which used the prefix '{Prefix}'.");
                if (previous.PrefixModuleName != null)
                {
                    PrefixModule.Remove(this, previous.PrefixModuleName);
                }
                ConnectionRegistry.Remove(previous);
            }
            ConnectionRegistry.Add(connection);
            NativeConnectionInfo connected = connection.Info;
            WriteVerbose($"{connection.Name} ({connected.ConnectionId}): admin API {connected.ConnectionUri}, authority {connected.AzureAdAuthorizationEndpointUri}, tenant {connected.TenantId}, token valid until {connected.TokenExpiryTimeUtc:u}.");
            if (Prefix != null)
            {
                connection.PrefixModuleName = PrefixModule.Create(this, connection, CommandName);
            }
            if (ShowBanner.IsPresent)
            {
                NativeConnectionInfo info = connection.Info;
                string who = info.UserPrincipalName ?? (info.AppId != null ? $"app {info.AppId}" : "managed identity");
                string commands = Prefix == null ? "Get-Mailbox" : $"Get-{Prefix}Mailbox";
                WriteInformation(new InformationRecord(new HostInformationMessage
                {
                    Message = $"Connected to Exchange Online as {who} ({info.Organization ?? info.TenantId}), connection {connection.Name}: {commands} uses it; Disconnect-ExchangeOnline closes it.",
                }, "Connect-ExchangeOnline") { Tags = { "PSHOST" } });
            }
        }
    }
}

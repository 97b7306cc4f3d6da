using System;
using System.Linq;
using System.Management.Automation;

namespace ExoNative.Cmdlets
{
    /// <summary>
    /// Get-ConnectionInformation: one object per connection, with the token fields read
    /// fresh from exo_core (the token may have been renewed since the last call).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ConnectionInformation", DefaultParameterSetName = "Default")]
    [OutputType(typeof(ConnectionInformation))]
    public sealed class GetConnectionInformationCommand : ExoCmdlet
    {
        [Parameter(ParameterSetName = "ConnectionId", Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public string[]? ConnectionId { get; set; }

        [Parameter(ParameterSetName = "ModulePrefix", Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ModulePrefixCompleter))]
        public string[]? ModulePrefix { get; set; }

        protected override void EndProcessing()
        {
            Connection? inbuilt = ConnectionRegistry.Default;
            foreach (Connection connection in ConnectionRegistry.All)
            {
                if (ConnectionId != null && !ConnectionId.Contains(connection.ConnectionId, StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (ModulePrefix != null && !ModulePrefix.Contains(connection.Prefix ?? "", StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }
                try
                {
                    connection.Refresh();
                }
                catch (ObjectDisposedException)
                {
                    continue; // disconnected meanwhile (another runspace)
                }
                catch (ExoException ex)
                {
                    // Still list the connection, with what was known; say why it could not be refreshed.
                    WriteError(ToErrorRecord(ex, connection.ConnectionId));
                }
                WriteObject(ConnectionInformation.From(connection, connection == inbuilt));
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace ExoNative.Cmdlets
{
    /// <summary>
    /// Disconnect-ExchangeOnline: drops connections (all, by -ConnectionId, or by
    /// -ModulePrefix), frees their native handles and removes their prefixed commands.
    /// No server call is made: the tokens die with the handles.
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "ExchangeOnline", DefaultParameterSetName = "DefaultParameterSet",
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class DisconnectExchangeOnlineCommand : ExoCmdlet
    {
        [Parameter(ParameterSetName = "ConnectionId", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public string[]? ConnectionId { get; set; }

        [Parameter(ParameterSetName = "ModulePrefix", Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ModulePrefixCompleter))]
        public string[]? ModulePrefix { get; set; }

        private int _disconnected;
        private bool _declined;

        protected override void ProcessRecord()
        {
            var targets = new List<Connection>();
            if (ConnectionId != null)
            {
                foreach (string id in ConnectionId)
                {
                    Add(targets, ConnectionRegistry.FindById(id), id, "ConnectionId");
                }
            }
            else if (ModulePrefix != null)
            {
                foreach (string prefix in ModulePrefix)
                {
                    Add(targets, ConnectionRegistry.FindByPrefix(prefix), prefix, "ModulePrefix");
                }
            }
            else
            {
                targets.AddRange(ConnectionRegistry.All);
            }

            foreach (Connection connection in targets.Distinct())
            {
                string who = connection.Info.UserPrincipalName ?? connection.Info.AppId ?? connection.Info.Organization ?? "";
                if (!ShouldProcess($"{connection.Name} ({who}, ConnectionId {connection.ConnectionId})", "Disconnect"))
                {
                    _declined = true;
                    continue;
                }
                if (connection.PrefixModuleName != null)
                {
                    PrefixModule.Remove(this, connection.PrefixModuleName);
                }
                if (ConnectionRegistry.Remove(connection))
                {
                    _disconnected++;
                }
            }
        }

        private void Add(List<Connection> targets, Connection? found, string key, string parameter)
        {
            if (found != null)
            {
                targets.Add(found);
                return;
            }
            WriteError(ErrorFactory.Create($"There is no connection with {parameter} '{key}'. Get-ConnectionInformation lists the connections.",
                "ExoNative.ConnectionNotFound", ErrorCategory.ObjectNotFound, key));
        }

        protected override void EndProcessing()
        {
            // Microsoft's module prints this after every disconnect; scripts and people look for it.
            if (_disconnected > 0 || (!_declined && ConnectionId == null && ModulePrefix == null))
            {
                WriteInformation(new HostInformationMessage { Message = "Disconnected successfully !" }, new[] { "PSHOST" });
            }
        }
    }
}

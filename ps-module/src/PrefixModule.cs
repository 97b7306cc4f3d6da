using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using ExoNative.Cmdlets;

namespace ExoNative
{
    /// <summary>
    /// Connect-ExchangeOnline -Prefix Alpha makes Get-AlphaMailbox, bound to that connection.
    /// Built in memory as a dynamic module of proxy functions (never a temporary file, unlike
    /// Microsoft's tmpEXO_* modules); each proxy forwards to the compiled cmdlet with the
    /// hidden -ConnectionId, so parameters, pipeline input and help stay the cmdlet's own.
    /// </summary>
    internal static class PrefixModule
    {
        /// <summary>The compiled cmdlets that a prefix makes a copy of, by noun.</summary>
        private static readonly (string Verb, string Noun, Type Type)[] s_prefixable =
        {
            ("Get", "Mailbox", typeof(GetMailboxCommand)),
        };

        internal static string ModuleName(Connection connection) => $"ExoNative.{connection.Prefix}.{connection.Id}";

        /// <summary>Creates and imports (globally) the module; -CommandName limits which commands it holds.</summary>
        internal static string Create(PSCmdlet cmdlet, Connection connection, string[]? commandNames)
        {
            var script = new StringBuilder();
            var exported = new List<string>();
            foreach (var (verb, noun, type) in s_prefixable)
            {
                if (commandNames != null && !commandNames.Any(n => string.Equals(n, $"{verb}-{noun}", StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }
                string name = $"{verb}-{connection.Prefix}{noun}";
                exported.Add(name);
                script.Append(ProxyFunction(name, $"{verb}-{noun}", type, connection.ConnectionId));
            }
            script.Append("Export-ModuleMember -Function @(")
                  .Append(string.Join(", ", exported.Select(Quote)))
                  .Append(")\n");

            string moduleName = ModuleName(connection);
            cmdlet.InvokeCommand.InvokeScript(
                "param($name, $body) New-Module -Name $name -ScriptBlock ([scriptblock]::Create($body)) | Import-Module -Global -Force -DisableNameChecking",
                moduleName, script.ToString());
            return moduleName;
        }

        internal static void Remove(PSCmdlet cmdlet, string moduleName)
        {
            cmdlet.InvokeCommand.InvokeScript(
                "param($name) Get-Module -Name $name | Remove-Module -Force", moduleName);
        }

        private static string ProxyFunction(string name, string cmdletName, Type type, string connectionId)
        {
            var metadata = new CommandMetadata(new CmdletInfo(cmdletName, type));
            metadata.Parameters.Remove(nameof(ExoServiceCmdlet.ConnectionId));
            return $@"
function {name} {{
{ProxyCommand.GetCmdletBindingAttribute(metadata)}
param({ProxyCommand.GetParamBlock(metadata)})
begin {{
    $PSBoundParameters['ConnectionId'] = {Quote(connectionId)}
    $cmdlet = [System.Management.Automation.CmdletInfo]::new({Quote(cmdletName)}, [{type.FullName}])
    $steppable = {{ & $cmdlet @PSBoundParameters }}.GetSteppablePipeline($MyInvocation.CommandOrigin)
    $steppable.Begin($PSCmdlet)
}}
process {{ $steppable.Process($_) }}
end {{ $steppable.End() }}
}}
";
        }

        private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace ExoNative
{
    /// <summary>
    /// Tab completion from a fixed list (ArgumentCompletionsAttribute is not in PowerShellStandard 5.1).
    /// -ExchangeEnvironmentName (an enum) and -LogLevel (ValidateSet) need none: PowerShell completes those itself.
    /// </summary>
    public abstract class ListCompleter : IArgumentCompleter
    {
        protected abstract string[] Values { get; }

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Values.Where(v => v.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
                  .Select(v => new CompletionResult(v, v, CompletionResultType.ParameterValue, v));
    }

    public sealed class RecipientTypeDetailsCompleter : ListCompleter
    {
        protected override string[] Values { get; } =
        {
            "UserMailbox", "SharedMailbox", "RoomMailbox", "EquipmentMailbox", "DiscoveryMailbox", "SchedulingMailbox",
            "TeamMailbox", "GroupMailbox", "LinkedMailbox", "LinkedRoomMailbox", "LegacyMailbox", "MailboxPlan",
        };
    }

    public sealed class SortByCompleter : ListCompleter
    {
        protected override string[] Values { get; } = { "Name", "DisplayName", "Alias", "Office", "ServerLegacyDN" };
    }

    /// <summary>The ConnectionId of each live connection, with its name and prefix as the tooltip.</summary>
    public sealed class ConnectionIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            ConnectionRegistry.All
                .Where(c => c.ConnectionId.StartsWith(Unquote(wordToComplete), StringComparison.OrdinalIgnoreCase))
                .Select(c => new CompletionResult(c.ConnectionId, c.ConnectionId, CompletionResultType.ParameterValue,
                    $"{c.Name} ({c.Prefix ?? "no prefix"})"));

        internal static string Unquote(string? word) => (word ?? "").Trim('\'', '"');
    }

    /// <summary>The -Prefix of each live connection that has one.</summary>
    public sealed class ModulePrefixCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            ConnectionRegistry.All
                .Where(c => c.Prefix != null && c.Prefix.StartsWith(ConnectionIdCompleter.Unquote(wordToComplete), StringComparison.OrdinalIgnoreCase))
                .Select(c => new CompletionResult(c.Prefix!, c.Prefix!, CompletionResultType.ParameterValue, $"{c.Name}, ConnectionId {c.ConnectionId}"));
    }
}

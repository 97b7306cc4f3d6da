using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace ExoNative
{
    /// <summary>Tab completion from a fixed list (ArgumentCompletionsAttribute is not in PowerShellStandard 5.1).</summary>
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
}

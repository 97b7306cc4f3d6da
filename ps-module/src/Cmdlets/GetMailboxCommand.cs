using System.Collections.Generic;
using System.Management.Automation;

namespace ExoNative.Cmdlets
{
    /// <summary>
    /// Get-Mailbox with Microsoft's parameter names and sets (Identity, AnrSet, MailboxPlanSet),
    /// plus -Properties to ask the service for just those properties.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "Mailbox", DefaultParameterSetName = IdentitySet)]
    [OutputType("ExoNative.Mailbox")]
    public sealed class GetMailboxCommand : ExoServiceCmdlet
    {
        private const string IdentitySet = "Identity";
        private const string AnrSet = "AnrSet";
        private const string MailboxPlanSet = "MailboxPlanSet";

        [Parameter(ParameterSetName = IdentitySet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Identity { get; set; }

        [Parameter(ParameterSetName = AnrSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? Anr { get; set; }

        [Parameter(ParameterSetName = MailboxPlanSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? MailboxPlan { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Filter { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OrganizationalUnit { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RecipientTypeDetailsCompleter))]
        public string[]? RecipientTypeDetails { get; set; }

        /// <summary>A positive number or Unlimited; 1000 by default, like Microsoft's.</summary>
        [Parameter]
        public ResultSize ResultSize { get; set; } = ResultSize.Default;

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SortByCompleter))]
        public string? SortBy { get; set; }

        /// <summary>Only these properties are requested from the service ($select): faster on large tenants.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Properties { get; set; }

        [Parameter] public SwitchParameter Archive { get; set; }
        [Parameter] public SwitchParameter GroupMailbox { get; set; }
        [Parameter] public SwitchParameter InactiveMailboxOnly { get; set; }
        [Parameter] public SwitchParameter IncludeInactiveMailbox { get; set; }
        [Parameter] public SwitchParameter Migration { get; set; }
        [Parameter] public SwitchParameter PublicFolder { get; set; }
        [Parameter] public SwitchParameter SoftDeletedMailbox { get; set; }
        [Parameter] public SwitchParameter IncludeAcceptMessagesOnlyFromDLMembersWithDisplayNames { get; set; }
        [Parameter] public SwitchParameter IncludeAcceptMessagesOnlyFromSendersOrMembersWithDisplayNames { get; set; }
        [Parameter] public SwitchParameter IncludeAcceptMessagesOnlyFromWithDisplayNames { get; set; }
        [Parameter] public SwitchParameter IncludeEmailAddressDisplayNames { get; set; }
        [Parameter] public SwitchParameter IncludeForwardingAddressWithDisplayNames { get; set; }
        [Parameter] public SwitchParameter IncludeGrantSendOnBehalfToWithDisplayNames { get; set; }

        protected override string ServiceCmdletName => "Get-Mailbox";

        protected override string RecordTypeName => "ExoNative.Mailbox";

        protected override void ProcessRecord()
        {
            var parameters = new List<KeyValuePair<string, object>>();
            void Add(string name, object? value)
            {
                if (value != null)
                {
                    parameters.Add(new(name, value));
                }
            }
            Add(nameof(Identity), Identity);
            Add(nameof(Anr), Anr);
            Add(nameof(MailboxPlan), MailboxPlan);
            Add(nameof(Filter), Filter);
            Add(nameof(OrganizationalUnit), OrganizationalUnit);
            Add(nameof(RecipientTypeDetails), RecipientTypeDetails);
            Add(nameof(SortBy), SortBy);
            // Switches go to the service only when given, as true (Exchange's convention).
            foreach (var (name, value) in MyInvocation.BoundParameters)
            {
                if (value is SwitchParameter { IsPresent: true })
                {
                    parameters.Add(new(name, true));
                }
            }
            RunServiceCommand(parameters, ResultSize, Properties, Identity ?? Anr);
        }
    }
}

# Get-Mailbox without a sandbox: the errors a user meets before any call reaches the service.
# The sandbox-backed behaviour (paging, warnings, faults) is in the scenario and fault suites.
BeforeAll {
    Import-Module ExoNative -Force
}

Describe 'Get-Mailbox before and around connecting' {
    BeforeEach { Disconnect-ExchangeOnline -Confirm:$false 6>$null }

    It 'asks for Connect-ExchangeOnline first' {
        { Get-Mailbox -ErrorAction Stop } | Should -Throw 'You must call the Connect-ExchangeOnline cmdlet before calling any other cmdlets.'
    }

    It 'refuses -ResultSize <Value> as a parameter error' -ForEach @(@{ Value = 0 }, @{ Value = -1 }, @{ Value = 'lots' }) {
        $err = try { Get-Mailbox -ResultSize $Value } catch { $_ }
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*ResultSize must be a whole number greater than 0, or 'Unlimited'*"
    }

    It 'has the Identity and Anr parameter sets, Identity at position 0 from the pipeline' {
        $cmd = Get-Command Get-Mailbox
        $cmd.ParameterSets.Name | Should -Contain 'Identity'
        $cmd.ParameterSets.Name | Should -Contain 'AnrSet'
        $identity = $cmd.Parameters['Identity'].ParameterSets['Identity']
        $identity.Position | Should -Be 0
        $identity.ValueFromPipeline | Should -BeTrue
        $identity.ValueFromPipelineByPropertyName | Should -BeTrue
        { Get-Mailbox -Identity a -Anr b } | Should -Throw -ErrorId 'AmbiguousParameterSet,ExoNative.Cmdlets.GetMailboxCommand'
    }
}

# Tab completion as a user gets it (TabExpansion2): fixed lists, and the connections that exist.
BeforeAll {
    Import-Module ExoNative -Force

    function Get-Completion([string] $Line) {
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText
    }

    function New-TestJwt {
        # An unsigned JWT with the claims exo_core reads; -AccessToken connects without a network call.
        $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $claims = @{ aud = 'https://outlook.office365.com'; tid = [guid]::NewGuid().Guid; upn = 'admin@contoso.onmicrosoft.com'; exp = [DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeSeconds() } | ConvertTo-Json -Compress
        (& $b64 '{"alg":"RS256","typ":"JWT"}') + '.' + (& $b64 $claims) + '.c2ln'
    }
}

Describe 'Completion of fixed values' {
    It 'completes <Line>' -ForEach @(
        @{ Line = 'Connect-ExchangeOnline -ExchangeEnvironmentName O365US'; Expected = @('O365USGovDoD', 'O365USGovGCCHigh') }
        @{ Line = 'Connect-ExchangeOnline -ExchangeEnvironmentName '; Expected = @('O365China', 'O365Default', 'O365GermanyCloud', 'O365USGovDoD', 'O365USGovGCCHigh') }
        @{ Line = 'Connect-ExchangeOnline -LogLevel '; Expected = @('All', 'Default') }
        @{ Line = 'Get-Mailbox -RecipientTypeDetails Sha'; Expected = @('SharedMailbox') }
        @{ Line = 'Get-Mailbox -RecipientTypeDetails UserMailbox, Room'; Expected = @('RoomMailbox') }
        @{ Line = 'Get-Mailbox -SortBy Disp'; Expected = @('DisplayName') }
    ) {
        Get-Completion $Line | Sort-Object | Should -Be $Expected
    }
}

Describe 'Completion from live connections' {
    BeforeAll {
        Disconnect-ExchangeOnline -Confirm:$false 6>$null
        Connect-ExchangeOnline -AccessToken (New-TestJwt) -Organization contoso.onmicrosoft.com -Prefix Alpha -ShowBanner:$false
        Connect-ExchangeOnline -AccessToken (New-TestJwt) -Organization contoso.onmicrosoft.com -Prefix Beta -ShowBanner:$false
        Connect-ExchangeOnline -AccessToken (New-TestJwt) -Organization contoso.onmicrosoft.com -ShowBanner:$false
        $ids = @(Get-ConnectionInformation).ConnectionId
    }
    AfterAll { Disconnect-ExchangeOnline -Confirm:$false 6>$null }

    It 'completes -ModulePrefix of <Command> with the prefixes in use' -ForEach @(@{ Command = 'Disconnect-ExchangeOnline' }, @{ Command = 'Get-ConnectionInformation' }) {
        Get-Completion "$Command -ModulePrefix " | Sort-Object | Should -Be @('Alpha', 'Beta')
        Get-Completion "$Command -ModulePrefix b" | Should -Be @('Beta')
    }

    It 'completes -ConnectionId of <Command> with the live connections' -ForEach @(@{ Command = 'Disconnect-ExchangeOnline' }, @{ Command = 'Get-ConnectionInformation' }) {
        $ids.Count | Should -Be 3
        Get-Completion "$Command -ConnectionId " | Sort-Object | Should -Be ($ids | Sort-Object)
        Get-Completion "$Command -ConnectionId $($ids[1].Substring(0, 8))" | Should -Be @($ids[1])
    }

    It 'forgets a connection once it is disconnected' {
        Disconnect-ExchangeOnline -ModulePrefix Alpha -Confirm:$false 6>$null
        Get-Completion 'Disconnect-ExchangeOnline -ModulePrefix ' | Should -Be @('Beta')
        Get-Completion 'Get-ConnectionInformation -ConnectionId ' | Should -Not -Contain $ids[0]
    }
}

# Turns docs/cmdlets/<Cmdlet>.md into <Output>/ExoNative.dll-Help.xml (MAML) and
# docs/about_ExoNative.md into <Output>/about_ExoNative.help.txt. platyPS is not available
# here, so this is a small converter for the one markdown shape those files use:
#
#   # Verb-Noun
#   ## SYNOPSIS | DESCRIPTION | NOTES            paragraphs (blank-line separated)
#   ## EXAMPLES  then  ### Example N: title      one ```powershell block, then remarks
#   ## PARAMETERS  then  ### -Name               paragraphs
#   ## INPUTS | OUTPUTS  then  ### Type.Name     paragraphs
#   ## RELATED LINKS                             "- text" or "- [text](uri)" lines
#
# Types, positions, sets and pipeline input come from the built cmdlet itself (so help never
# drifts from the code); the prose comes from the markdown. It fails when a public parameter
# has no section, or a section names a parameter the cmdlet does not have. Run it in its own
# pwsh: it imports the module from -ModulePath.
param(
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Read-Sections([string] $Text, [string] $Marker) {
    # Splits text at lines starting with $Marker ('## ' or '### '), outside code fences.
    $sections = [ordered]@{}
    $name = ''; $body = [Text.StringBuilder]::new(); $fence = $false
    foreach ($line in $Text -split "`r?`n") {
        if ($line -match '^```') { $fence = -not $fence }
        if (-not $fence -and $line.StartsWith($Marker)) {
            if ($name) { $sections[$name] = $body.ToString().Trim() }
            $name = $line.Substring($Marker.Length).Trim(); $body.Clear() | Out-Null
        }
        else { $body.AppendLine($line) | Out-Null }
    }
    if ($name) { $sections[$name] = $body.ToString().Trim() }
    $sections
}

function Get-Paragraphs([string] $Text) {
    # Blank-line separated paragraphs, lines joined; list items stay one paragraph each.
    @(($Text -split "(`r?`n){2,}") | Where-Object { $_.Trim() } | ForEach-Object {
            if ($_ -match '^\s*[-*] ') { ($_ -split "`r?`n(?=\s*[-*] )") | ForEach-Object { ($_ -replace '\s*\r?\n\s*', ' ').Trim() } }
            else { ($_ -replace '\s*\r?\n\s*', ' ').Trim() }
        })
}

function Esc([string] $s) { [Security.SecurityElement]::Escape($s) }
function Paras([string] $Text) { (Get-Paragraphs $Text | ForEach-Object { "<maml:para>$(Esc ($_ -replace '`', ''))</maml:para>" }) -join '' }

function Get-PublicParameters($Command) {
    # -WhatIf and -Confirm are documented with the cmdlets that have them.
    $common = [Management.Automation.Cmdlet]::CommonParameters
    $Command.Parameters.Values | Where-Object {
        $_.Name -notin $common -and -not ($_.Attributes | Where-Object { $_ -is [Management.Automation.ParameterAttribute] -and $_.DontShow })
    }
}

function ConvertTo-ParameterMaml($Parameter, [string] $Description, [string] $SetName) {
    $sets = $Parameter.ParameterSets
    $meta = if ($SetName -and $sets.ContainsKey($SetName)) { $sets[$SetName] } elseif ($sets.ContainsKey('__AllParameterSets')) { $sets['__AllParameterSets'] } else { @($sets.Values)[0] }
    $pipeline = @(if ($meta.ValueFromPipeline) { 'True (ByValue)' }; if ($meta.ValueFromPipelineByPropertyName) { 'True (ByPropertyName)' })
    $pipeline = if ($pipeline) { $pipeline -join ', ' } else { 'False' }
    $position = if ($meta.Position -ge 0) { $meta.Position } else { 'named' }
    $aliases = if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }
    $type = $Parameter.ParameterType
    $value = if ($type -eq [Management.Automation.SwitchParameter]) { '' } else { "<command:parameterValue required=`"true`" variableLength=`"false`">$(Esc $type.Name)</command:parameterValue>" }
    "<command:parameter required=`"$($meta.IsMandatory.ToString().ToLower())`" variableLength=`"true`" globbing=`"false`" pipelineInput=`"$pipeline`" position=`"$position`" aliases=`"$aliases`">" +
    "<maml:name>$($Parameter.Name)</maml:name><maml:description>$(Paras $Description)</maml:description>$value" +
    "<dev:type><maml:name>$(Esc $type.FullName)</maml:name><maml:uri /></dev:type><dev:defaultValue>None</dev:defaultValue></command:parameter>"
}

function ConvertTo-CommandMaml([string] $File, $Command) {
    $top = Read-Sections (Get-Content -Raw $File) '## '
    foreach ($required in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'RELATED LINKS') {
        if (-not $top.Contains($required)) { throw "$File has no '## $required' section" }
    }
    $name = $Command.Name
    $public = @(Get-PublicParameters $Command)
    $described = Read-Sections $top['PARAMETERS'] '### '
    foreach ($key in $described.Keys) {
        if ($key.TrimStart('-') -notin $public.Name) { throw "$File describes -$($key.TrimStart('-')), which $name does not have (or hides)" }
    }
    $text = @{}
    foreach ($p in $public) {
        $d = $described["-$($p.Name)"]
        if (-not $d) { throw "$File has no '### -$($p.Name)' section under PARAMETERS" }
        $text[$p.Name] = $d
    }

    $syntax = foreach ($set in $Command.ParameterSets) {
        $items = foreach ($p in $public) { if ($set.Parameters.Name -contains $p.Name) { ConvertTo-ParameterMaml $p $text[$p.Name] $set.Name } }
        "<command:syntaxItem><maml:name>$name</maml:name>$($items -join '')</command:syntaxItem>"
    }
    $parameters = foreach ($p in ($public | Sort-Object Name)) { ConvertTo-ParameterMaml $p $text[$p.Name] $null }

    $examples = foreach ($entry in (Read-Sections $top['EXAMPLES'] '### ').GetEnumerator()) {
        if ($entry.Value -notmatch '(?s)^```powershell\r?\n(.*?)\r?\n```(.*)$') { throw "$File, '$($entry.Key)': an example starts with a ``````powershell block" }
        "<command:example><maml:title>-------------------------- $(Esc $entry.Key) --------------------------</maml:title>" +
        "<dev:code>$(Esc $Matches[1])</dev:code><dev:remarks>$(Paras $Matches[2])</dev:remarks></command:example>"
    }
    $typeList = {
        param([string] $Section, [string] $Outer, [string] $Inner)
        if (-not $top.Contains($Section)) { return '' }
        $entries = foreach ($t in (Read-Sections $top[$Section] '### ').GetEnumerator()) {
            "<$Inner><dev:type><maml:name>$(Esc $t.Key)</maml:name></dev:type><maml:description>$(Paras $t.Value)</maml:description></$Inner>"
        }
        "<$Outer>$($entries -join '')</$Outer>"
    }
    $links = foreach ($line in ($top['RELATED LINKS'] -split "`r?`n" | Where-Object { $_ -match '^\s*- ' })) {
        $link = $line -replace '^\s*- ', ''
        $uri = ''
        if ($link -match '^\[(.+)\]\((.*)\)$') { $link = $Matches[1]; if ($Matches[2] -match '^https?://') { $uri = $Matches[2] } }
        "<maml:navigationLink><maml:linkText>$(Esc $link)</maml:linkText><maml:uri>$(Esc $uri)</maml:uri></maml:navigationLink>"
    }
    $notes = if ($top.Contains('NOTES')) { "<maml:alertSet><maml:alert>$(Paras $top['NOTES'])</maml:alert></maml:alertSet>" } else { '' }

    "<command:command xmlns:maml=`"http://schemas.microsoft.com/maml/2004/10`" xmlns:command=`"http://schemas.microsoft.com/maml/dev/command/2004/10`" xmlns:dev=`"http://schemas.microsoft.com/maml/dev/2004/10`">" +
    "<command:details><command:name>$name</command:name><command:verb>$($Command.Verb)</command:verb><command:noun>$($Command.Noun)</command:noun>" +
    "<maml:description>$(Paras $top['SYNOPSIS'])</maml:description></command:details>" +
    "<maml:description>$(Paras $top['DESCRIPTION'])</maml:description>" +
    "<command:syntax>$($syntax -join '')</command:syntax><command:parameters>$($parameters -join '')</command:parameters>" +
    (& $typeList 'INPUTS' 'command:inputTypes' 'command:inputType') + (& $typeList 'OUTPUTS' 'command:returnValues' 'command:returnValue') +
    $notes + "<command:examples>$($examples -join '')</command:examples><command:relatedLinks>$($links -join '')</command:relatedLinks></command:command>"
}

function ConvertTo-AboutText([string] $File) {
    # Headings become upper-case titles; text is wrapped at 80 columns and indented four
    # spaces (list items hang at six); code is indented eight and never wrapped.
    $out = [Text.StringBuilder]::new(); $fence = $false
    foreach ($line in (Get-Content $File)) {
        if ($line -match '^```') { $fence = -not $fence; continue }
        if ($fence) { $out.AppendLine('        ' + $line) | Out-Null; continue }
        if ($line -match '^#+ (.*)$') { $out.AppendLine($Matches[1].ToUpperInvariant()) | Out-Null; continue }
        $indent = '    '; $next = if ($line -match '^\s*- ') { '      ' } else { '    ' }
        $current = $indent
        foreach ($word in (($line -replace '`', '').Trim() -split ' +' | Where-Object { $_ })) {
            if ($current.Trim() -and $current.Length + 1 + $word.Length -gt 80) { $out.AppendLine($current) | Out-Null; $current = $next }
            $current += $(if ($current.Trim()) { ' ' } else { '' }) + $word
        }
        $out.AppendLine($(if ($current.Trim()) { $current } else { '' })) | Out-Null
    }
    $out.ToString()
}

Import-Module (Resolve-Path $ModulePath).Path -Force
$module = Get-Module ExoNative
New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
$commands = foreach ($name in ($module.ExportedCmdlets.Keys | Sort-Object)) {
    $file = Join-Path $DocsPath "cmdlets/$name.md"
    if (-not (Test-Path $file)) { throw "No help for $name`: write $file" }
    ConvertTo-CommandMaml $file (Get-Command $name -Module ExoNative)
}
$xml = "<?xml version=`"1.0`" encoding=`"utf-8`"?>`n<helpItems schema=`"maml`" xmlns=`"http://msh`">$($commands -join "`n")</helpItems>"
[xml] $xml | Out-Null # fails on malformed output
Set-Content -Path (Join-Path $OutputPath 'ExoNative.dll-Help.xml') -Value $xml -Encoding utf8NoBOM
Set-Content -Path (Join-Path $OutputPath 'about_ExoNative.help.txt') -Value (ConvertTo-AboutText (Join-Path $DocsPath 'about_ExoNative.md')) -Encoding utf8NoBOM
Write-Host "==> help for $(@($commands).Count) cmdlets and about_ExoNative in $OutputPath"

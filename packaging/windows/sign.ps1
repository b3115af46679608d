<#
  Authenticode-sign files with the Tracklens code-signing certificate (SHA-256, RFC 3161 timestamp)
  and verify each signature. Used by the release workflow for the executables, and by makensis
  (through /DSIGN_COMMAND) for the uninstaller and the finished installer.

    powershell -NoProfile -ExecutionPolicy Bypass -File packaging\windows\sign.ps1 FILE [FILE ...]

  Environment (the workflow sets these from secrets; see docs/install.md):
    WINDOWS_CERT_FILE      path to the .pfx certificate
    WINDOWS_CERT_PASSWORD  its password
    WINDOWS_TIMESTAMP_URL  optional; default http://timestamp.digicert.com
#>
param([Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)][string[]]$Files)
$ErrorActionPreference = 'Stop'

if (-not $env:WINDOWS_CERT_FILE -or -not (Test-Path $env:WINDOWS_CERT_FILE)) {
  throw "WINDOWS_CERT_FILE does not name a certificate file"
}
$timestamp = if ($env:WINDOWS_TIMESTAMP_URL) { $env:WINDOWS_TIMESTAMP_URL } else { 'http://timestamp.digicert.com' }

$signtool = (Get-Command signtool.exe -ErrorAction SilentlyContinue).Source
if (-not $signtool) {
  # Not on PATH on GitHub's Windows images: take the newest x64 signtool from the Windows SDK.
  $signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin" -Recurse -Filter signtool.exe |
    Where-Object { $_.FullName -match '\\x64\\' } | Sort-Object FullName -Descending |
    Select-Object -First 1 -ExpandProperty FullName
}
if (-not $signtool) { throw "signtool.exe not found: install the Windows SDK" }

foreach ($file in $Files) {
  & $signtool sign /fd SHA256 /td SHA256 /tr $timestamp /f $env:WINDOWS_CERT_FILE /p $env:WINDOWS_CERT_PASSWORD /d Tracklens $file
  if ($LASTEXITCODE -ne 0) { throw "signtool could not sign $file" }
  & $signtool verify /pa $file
  if ($LASTEXITCODE -ne 0) { throw "the signature of $file does not verify" }
}

; Tracklens Windows installer (NSIS 3.08+, Unicode).
;
; Wraps the PyInstaller one-folder build (dist\Tracklens) in a setup program that installs for the
; current user (no admin rights, into %LOCALAPPDATA%\Programs\Tracklens) or for all users (into
; Program Files), adds a Start-menu shortcut and an optional desktop shortcut, registers the
; uninstaller in Settings > Apps, and registers Tracklens as a handler for saved reports.
;
; Build (from the repository root; the workflow passes the real values):
;   makensis /DVERSION=1.2.3 /DSOURCE_DIR=C:\path\to\dist\Tracklens ^
;            /DOUTFILE=C:\path\to\dist\Tracklens-1.2.3-setup.exe packaging\windows\tracklens.nsi
; makensis changes into this script's folder first, so relative paths (the defaults below) are
; relative to packaging/windows; pass absolute paths for anything else. Forward slashes work on
; every platform, which is why the paths below use them (Linux makensis checks this script in CI).
; Optional: /DSIGN_COMMAND="cmd /c packaging\windows\sign.cmd" signs the embedded uninstaller and
; the finished installer (makensis runs it with the file name appended as %1).
; /DNO_COMPRESSION stores the files uncompressed (a quick compile check, not for release).
; Silent installs: Tracklens-x.y.z-setup.exe /S /CurrentUser   (or /AllUsers, from an admin shell)
;
; Saved reports are named *.tracklens.json. Windows picks a file's type from its last extension
; only, so to Explorer they are .json files: the installer registers a "Tracklens Report" ProgID
; and lists it under .json's OpenWithProgids, which puts Tracklens in "Open with" without taking
; .json away from the user's editor.

Unicode true
ManifestDPIAware true

!ifndef VERSION
  !error "pass the version: makensis /DVERSION=x.y.z ..."
!endif
!ifndef SOURCE_DIR
  !define SOURCE_DIR "../../dist/Tracklens"
!endif
!ifndef VERSION_4PART
  ; Windows version resources need four numbers; pass /DVERSION_4PART for pre-release versions.
  !define VERSION_4PART "${VERSION}.0"
!endif
!ifndef OUTFILE
  !define OUTFILE "Tracklens-${VERSION}-setup.exe"
!endif
!ifndef ICON_FILE
  !define ICON_FILE "../../resources/tracklens.ico"
!endif

!define APP_NAME "Tracklens"
!define APP_EXE "tracklens.exe"
!define CLI_EXE "tracklens-cli.exe"
!define PUBLISHER "Tracklens"
!define APP_URL "https://github.com/tracklens/tracklens"
!define REG_KEY "Software\Tracklens"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Tracklens"
!define PROGID "Tracklens.Report"

; Signing: makensis runs these on the finished files when the workflow has a certificate.
!ifdef SIGN_COMMAND
  !uninstfinalize '${SIGN_COMMAND} "%1"' = 0
  !finalize '${SIGN_COMMAND} "%1"' = 0
!endif

; --- install modes: current user or all users ------------------------------------------------
!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APP_NAME}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${REG_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallDir"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${REG_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallMode"
!include MultiUser.nsh
!include MUI2.nsh
!include FileFunc.nsh
!include LogicLib.nsh
!include x64.nsh

Name "${APP_NAME} ${VERSION}"
OutFile "${OUTFILE}"
BrandingText "${APP_NAME} ${VERSION}"
!ifdef NO_COMPRESSION
  ; Only for checking that the script compiles (packaging/check_linux.sh): LZMA over ~300 MB
  ; takes minutes, storing takes seconds.
  SetCompress off
!else
  SetCompressor /SOLID lzma
!endif
ShowInstDetails show
ShowUninstDetails show

; Properties > Details of the setup program.
VIProductVersion "${VERSION_4PART}"
VIAddVersionKey /LANG=1033 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APP_NAME} Setup"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "MIT License"

!define MUI_ICON "${ICON_FILE}"
!define MUI_UNICON "${ICON_FILE}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP_NAME}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APP_NAME} needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
  ; MultiUser replaces $INSTDIR with its per-mode default; keep a folder given with /D=.
  StrCpy $R9 $INSTDIR
  !insertmacro MULTIUSER_INIT
  ${If} $R9 != ""
    StrCpy $INSTDIR $R9
  ${EndIf}
FunctionEnd

Function un.onInit
  SetRegView 64
  !insertmacro MULTIUSER_UNINIT
FunctionEnd

Section "${APP_NAME} (required)" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the whole bundle: stale files from an older build must not be imported.
  RMDir /r "$INSTDIR\_internal"
  File /r "${SOURCE_DIR}/*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; Start-menu shortcut (no folder: current Windows guidelines).
  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0

  ; Remember where and how we were installed (MultiUser reads these on upgrade and uninstall).
  WriteRegStr SHCTX "${REG_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr SHCTX "${REG_KEY}" "InstallMode" "$MultiUser.InstallMode"
  WriteRegStr SHCTX "${REG_KEY}" "Version" "${VERSION}"

  ; Settings > Apps (Add/Remove Programs).
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr SHCTX "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr SHCTX "${UNINST_KEY}" "URLInfoAbout" "${APP_URL}"
  WriteRegStr SHCTX "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode /S'
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD SHCTX "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Open saved reports (.tracklens.json) with ${APP_NAME}" SecAssoc
  ; HKCU\Software\Classes for a per-user install, HKLM\Software\Classes for all users (SHCTX).
  WriteRegStr SHCTX "Software\Classes\${PROGID}" "" "Tracklens Report"
  WriteRegStr SHCTX "Software\Classes\${PROGID}" "FriendlyTypeName" "Tracklens Report"
  WriteRegStr SHCTX "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\${APP_EXE},0"
  WriteRegStr SHCTX "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\${APP_EXE}" "%1"'
  WriteRegStr SHCTX "Software\Classes\.json\OpenWithProgids" "${PROGID}" ""
  WriteRegStr SHCTX "Software\Classes\Applications\${APP_EXE}" "FriendlyAppName" "${APP_NAME}"
  WriteRegStr SHCTX "Software\Classes\Applications\${APP_EXE}\SupportedTypes" ".json" ""
  WriteRegStr SHCTX "Software\Classes\Applications\${APP_EXE}\shell\open\command" "" '"$INSTDIR\${APP_EXE}" "%1"'
  WriteRegStr SHCTX "${REG_KEY}" "FileAssociation" "1"
  ; Tell Explorer the associations changed (SHCNE_ASSOCCHANGED).
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "The ${APP_NAME} program and its command-line tool (${CLI_EXE})."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecAssoc} "Lists ${APP_NAME} under Open with for saved reports."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "Puts a ${APP_NAME} shortcut on the desktop."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Section "Uninstall"
  ; Only what the installer put there: the folder may hold files the user added.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"

  DeleteRegKey SHCTX "Software\Classes\${PROGID}"
  DeleteRegValue SHCTX "Software\Classes\.json\OpenWithProgids" "${PROGID}"
  DeleteRegKey /ifempty SHCTX "Software\Classes\.json\OpenWithProgids"
  DeleteRegKey /ifempty SHCTX "Software\Classes\.json"
  DeleteRegKey SHCTX "Software\Classes\Applications\${APP_EXE}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  DeleteRegKey SHCTX "${UNINST_KEY}"
  DeleteRegKey SHCTX "${REG_KEY}"
  ; The user's data (demo database, saved reports, settings) lives in their profile and stays.
SectionEnd

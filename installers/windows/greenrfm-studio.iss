; Inno Setup 6 script: Windows installer for the GreenRFM Studio one-folder bundle.
;
; Build the bundle first (pyinstaller installers\pyinstaller\greenrfm-studio.spec), then from the repository root:
;   iscc /DAppVersion=0.1.0 installers\windows\greenrfm-studio.iss
; Optional defines: /DBundleDir=<folder with greenrfm-studio.exe>, /DSetupIcon=<.ico file>.
; Output: dist\greenrfm-studio-<version>-windows-x64-setup.exe
;
; The installer installs for the current user without administrator rights by default; the dialog that
; PrivilegesRequiredOverridesAllowed=dialog adds lets an administrator install for all users instead.

#define AppName "GreenRFM Studio"
#define AppPublisher "GreenRFM"
#define AppExeName "greenrfm-studio.exe"
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\greenrfm-studio"
#endif

[Setup]
; AppId identifies the product to the uninstaller and to upgrades; keep it unchanged between versions.
AppId={{6B1F3C2E-8A4D-4F57-9C0B-2D7E5A91F4C3}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=greenrfm-studio-{#AppVersion}-windows-x64-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExeName}
#ifdef SetupIcon
SetupIconFile={#SetupIcon}
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Simplified Chinese ships with newer Inno Setup releases only; older compilers build an English-only setup.
#if FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller folder: greenrfm-studio.exe (GUI), greenrfm.exe (command line) and _internal\.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExeName}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent


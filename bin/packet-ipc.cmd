@echo off
rem The packet-ipc command for Windows. Builds cli\target\packet-ipc.jar with the Maven wrapper on first use (needs
rem only a JDK 17 or later), then runs it with the JVM flags the transports need.
setlocal EnableExtensions EnableDelayedExpansion
set "ROOT=%~dp0.."
for %%I in ("%ROOT%") do set "ROOT=%%~fI"
set "JAR=%ROOT%\cli\target\packet-ipc.jar"

if defined JAVA_HOME if exist "%JAVA_HOME%\bin\java.exe" (
  set "JAVA=%JAVA_HOME%\bin\java.exe"
  set "JHOME=%JAVA_HOME%"
  goto :found
)
for /f "delims=" %%J in ('where java 2^>nul') do (
  set "JAVA=%%J"
  for %%H in ("%%~dpJ..") do set "JHOME=%%~fH"
  goto :found
)
echo packet-ipc: error: no java found: install a JDK 17 or later, or set JAVA_HOME 1>&2
exit /b 1

:found
if not exist "%JAR%" (
  echo packet-ipc: building %JAR% ^(first use; this takes a minute^)... 1>&2
  pushd "%ROOT%"
  call mvnw.cmd -B -q -ntp package -DskipTests -pl cli -am 1>&2
  set "BUILD=!ERRORLEVEL!"
  popd
  if not "!BUILD!"=="0" (
    echo packet-ipc: error: the build failed; run "mvnw.cmd -B package -DskipTests -pl cli -am" in %ROOT% to see why 1>&2
    exit /b 1
  )
)

rem The JDK's feature version from its release file; flags that have no manifest form.
set "FEATURE=0"
if exist "%JHOME%\release" (
  for /f "tokens=2 delims==." %%V in ('findstr /b "JAVA_VERSION=" "%JHOME%\release"') do set "FEATURE=%%~V"
)
set "FEATURE=%FEATURE:"=%"
set "FLAGS=--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Dchronicle.analytics.disable=true -Dchronicle.announcer.disable=true -Dchronicle.disk.monitor.disable=true"
if %FEATURE% GEQ 23 set "FLAGS=%FLAGS% --sun-misc-unsafe-memory-access=allow"

"%JAVA%" %FLAGS% %PACKET_IPC_JAVA_OPTS% -jar "%JAR%" %*
exit /b %ERRORLEVEL%

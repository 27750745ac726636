#!/usr/bin/env bash
# A local Neo4j 5.26 Community server (Bolt, HTTP, Browser, APOC, GDS) from Maven Central.
#
#   neo4j.sh start            resolve jars (cached in ~/.m2), compile the launcher, start the
#                             server in the background, wait for a Bolt answer, print the URI
#   neo4j.sh stop             stop the server started from this home (by its recorded pid)
#   neo4j.sh status           print the URI and exit 0 when the server answers on Bolt, else 3
#   neo4j.sh admin ARGS...    neo4j-admin on this home, e.g. `admin database import full ...`
#   neo4j.sh uri              print the Bolt URI this home is configured for
#   neo4j.sh build            only resolve the jars and compile the launcher
#
# Environment (all optional):
#   KOLGRAPH_NEO4J_HOME        server home: conf/, data/, logs/, plugins/, import/, run/
#                              (default: tools/neo4j-server/target/home)
#   KOLGRAPH_NEO4J_BOLT_PORT   Bolt port on 127.0.0.1 (default 7687)
#   KOLGRAPH_NEO4J_HTTP_PORT   HTTP port on 127.0.0.1, Browser at /browser/ (default 7474)
#   KOLGRAPH_NEO4J_HEAP        JVM heap, e.g. 1g (default 1g)
#   KOLGRAPH_NEO4J_PAGECACHE   page cache, e.g. 512m (default 512m)
#   KOLGRAPH_NEO4J_START_TIMEOUT  seconds to wait for Bolt (default 180)
# Ports and memory are read when the server starts; a running server keeps its own.
set -euo pipefail

TOOL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGET="$TOOL_DIR/target"
LIB="$TARGET/lib"
CLASSES="$TARGET/classes"
HOME_DIR="$(mkdir -p "${KOLGRAPH_NEO4J_HOME:-$TARGET/home}" && cd "${KOLGRAPH_NEO4J_HOME:-$TARGET/home}" && pwd)"
CONF_DIR="$HOME_DIR/conf"
PID_FILE="$HOME_DIR/run/neo4j.pid"
CONSOLE_LOG="$HOME_DIR/logs/console.log"

die() { echo "neo4j.sh: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"
}

build() {
  need java "install OpenJDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
  need javac "install OpenJDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
  need mvn "install Maven 3.8+ (Debian: apt-get install maven)"
  local stamp="$LIB/.resolved"
  if [[ ! -f "$stamp" || "$TOOL_DIR/pom.xml" -nt "$stamp" ]]; then
    echo "neo4j.sh: resolving the Neo4j, APOC, GDS and Browser jars with Maven..." >&2
    rm -rf "$LIB"
    mvn -q -B -f "$TOOL_DIR/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$LIB" -DincludeScope=runtime >&2 \
      || die "Maven could not resolve the jars in $TOOL_DIR/pom.xml (is Maven Central reachable?)"
    touch "$stamp"
  fi
  if [[ ! -f "$CLASSES/Launcher.class" || "$TOOL_DIR/src/Launcher.java" -nt "$CLASSES/Launcher.class" ]]; then
    mkdir -p "$CLASSES"
    javac -nowarn -cp "$LIB/*" -d "$CLASSES" "$TOOL_DIR/src/Launcher.java" >&2 \
      || die "could not compile $TOOL_DIR/src/Launcher.java"
  fi
}

# Plugin jars: Neo4j registers procedures only from jars in the plugins folder. The same jars
# are on the classpath too (the GDS extension is found there), so both load the same classes.
plugins() {
  local dir="$HOME_DIR/plugins" gds_version apoc_version
  gds_version="$(sed -n 's:.*<gds.version>\(.*\)</gds.version>.*:\1:p' "$TOOL_DIR/pom.xml")"
  apoc_version="$(sed -n 's:.*<apoc.version>\(.*\)</apoc.version>.*:\1:p' "$TOOL_DIR/pom.xml")"
  mkdir -p "$dir"
  rm -f "$dir"/*.jar
  cp "$LIB/apoc-core-$apoc_version.jar" "$LIB/apoc-common-$apoc_version.jar" "$dir/"
  cp "$LIB"/*-"$gds_version".jar "$dir/"
}

configured_port() { # NAME DEFAULT: the port in the written config, else the environment's
  local key="$1" fallback="$2" conf="$CONF_DIR/neo4j.conf"
  if [[ -f "$conf" ]]; then
    local v
    v="$(sed -n "s/^server\.$key\.listen_address=127\.0\.0\.1:\([0-9]*\)$/\1/p" "$conf")"
    [[ -n "$v" ]] && { echo "$v"; return; }
  fi
  echo "$fallback"
}

bolt_uri() { echo "bolt://127.0.0.1:$(configured_port bolt "${KOLGRAPH_NEO4J_BOLT_PORT:-7687}")"; }

write_conf() {
  local bolt="${KOLGRAPH_NEO4J_BOLT_PORT:-7687}" http="${KOLGRAPH_NEO4J_HTTP_PORT:-7474}"
  mkdir -p "$CONF_DIR" "$HOME_DIR/data" "$HOME_DIR/logs" "$HOME_DIR/import" "$HOME_DIR/run"
  cat >"$CONF_DIR/neo4j.conf" <<EOF
# Written by neo4j.sh on each start; edit neo4j.sh (or its environment), not this file.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$bolt
server.bolt.advertised_address=127.0.0.1:$bolt
server.http.enabled=true
server.http.listen_address=127.0.0.1:$http
server.http.advertised_address=127.0.0.1:$http
server.https.enabled=false
dbms.security.auth_enabled=false
dbms.usage_report.enabled=false
server.memory.pagecache.size=${KOLGRAPH_NEO4J_PAGECACHE:-512m}
dbms.memory.transaction.total.max=0
server.directories.data=$HOME_DIR/data
server.directories.logs=$HOME_DIR/logs
server.directories.plugins=$HOME_DIR/plugins
server.directories.import=$HOME_DIR/import
server.directories.run=$HOME_DIR/run
dbms.security.procedures.unrestricted=apoc.*,gds.*
dbms.security.procedures.allowlist=apoc.*,gds.*
EOF
}

java_opts() {
  local heap="${KOLGRAPH_NEO4J_HEAP:-1g}"
  echo "-Xms$heap -Xmx$heap -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+ExitOnOutOfMemoryError" \
    "-Dio.netty.tryReflectionSetAccessible=true -Dlog4j2.disable.jmx=true" \
    "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED" \
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED"
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q Launcher "/proc/$pid/cmdline" 2>/dev/null \
    && { echo "$pid"; return 0; }
  return 1
}

# A real Bolt answer: the handshake (magic 0x6060B017, four proposals) agrees on a version.
bolt_answers() {
  python3 - "$1" <<'PY'
import socket, sys
port = int(sys.argv[1])
try:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(bytes.fromhex("6060b017" "00080805" "00000404" "00000004" "00000003"))
        s.settimeout(5)
        answer = s.recv(4)
except OSError:
    sys.exit(1)
sys.exit(0 if len(answer) == 4 and answer != b"\x00\x00\x00\x00" else 1)
PY
}

start() {
  local pid
  if pid="$(running_pid)"; then
    bolt_uri
    return 0
  fi
  build
  write_conf
  plugins
  local bolt
  bolt="$(configured_port bolt 7687)"
  if bolt_answers "$bolt"; then
    die "something else already answers Bolt on 127.0.0.1:$bolt; set KOLGRAPH_NEO4J_BOLT_PORT"
  fi
  # shellcheck disable=SC2046
  nohup java $(java_opts) -cp "$LIB/*:$CLASSES" Launcher "$HOME_DIR" "$CONF_DIR/neo4j.conf" \
    >"$CONSOLE_LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + ${KOLGRAPH_NEO4J_START_TIMEOUT:-180}))
  until bolt_answers "$bolt"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 30 "$CONSOLE_LOG" >&2 || true
      die "Neo4j exited during start; full log: $CONSOLE_LOG and $HOME_DIR/logs/"
    fi
    if ((SECONDS > deadline)); then
      kill "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      die "no Bolt answer on 127.0.0.1:$bolt after ${KOLGRAPH_NEO4J_START_TIMEOUT:-180} s; log: $CONSOLE_LOG"
    fi
    sleep 0.5
  done
  bolt_uri
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    echo "neo4j.sh: not running ($HOME_DIR)" >&2
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; echo "neo4j.sh: stopped" >&2; return 0; }
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  echo "neo4j.sh: killed after 60 s" >&2
}

status() {
  if running_pid >/dev/null && bolt_answers "$(configured_port bolt 7687)"; then
    bolt_uri
    return 0
  fi
  echo "neo4j.sh: not running ($HOME_DIR)" >&2
  return 3
}

admin() {
  build
  [[ -f "$CONF_DIR/neo4j.conf" ]] || write_conf
  # shellcheck disable=SC2046
  NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$CONF_DIR" \
    java $(java_opts) -cp "$LIB/*:$CLASSES" org.neo4j.cli.AdminTool "$@"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  admin) admin "$@" ;;
  uri) bolt_uri ;;
  build) build ;;
  *) echo "usage: neo4j.sh start|stop|status|admin ARGS...|uri|build" >&2; exit 2 ;;
esac

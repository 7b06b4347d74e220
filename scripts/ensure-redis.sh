#!/usr/bin/env bash
# Starts the local Redis the tests use (127.0.0.1:6379, nothing on disk) when it is not running.
set -euo pipefail
# The redis-ioredis TLS tests make their certificates with the openssl CLI.
if ! command -v openssl >/dev/null 2>&1; then
  echo "ensure-redis: installing openssl"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi
# The bench's shaper test shapes the loopback of a private network namespace with tc and ip.
if ! command -v tc >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
  echo "ensure-redis: installing iproute2"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
fi
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then exit 0; fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "ensure-redis: installing redis-server"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >/dev/null
fi
mkdir -p /var/lib/redis /var/log/redis
redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
  --dir /var/lib/redis --logfile /var/log/redis/ci.log
for _ in $(seq 1 50); do
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0
  sleep 0.1
done
echo "ensure-redis: Redis did not start" >&2
exit 1

#!/usr/bin/env bash
# Smoke test of the docker-compose topology on a machine without a registry and without bridge networking:
#   - installs Docker Engine and docker-compose from Debian's packages when missing, starts a private dockerd (bridge
#     networking off, everything under a temp directory);
#   - builds the images locally: a base of the host's shared libraries (FROM scratch, no registry), the emulator
#     published on the host and copied onto it (docker/Dockerfile, APP=prebuilt), and PostgreSQL from the host's
#     Debian package the same way;
#   - brings docker-compose.yml up with docker/compose.loopback.yml (host networking, each service on its own
#     127.x.y.z address), applies a Deployment with kubectl, SIGKILLs a worker's emulator process from the host, waits
#     for its pods to be replaced on the other workers' nodes, restarts the worker and waits for its nodes to be Ready;
#   - brings everything down and removes what it made, whatever happens (EXIT trap). Exits non-zero on any failure.
# Needs root (apt-get, dockerd), the .NET SDK and kubectl. Usage: docker/smoke.sh (SMOKE_KEEP_LOGS=1 keeps the logs).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

started=$(date +%s%N)
elapsed() { echo $((($(date +%s%N) - started) / 1000000)) | awk '{ printf "%.1f", $1 / 1000 }'; }
log() { echo "smoke [$(elapsed) s] $*"; }
fail() {
  echo "smoke [$(elapsed) s] FAILED: $*" >&2
  exit 1
}
declare -a timings=()
mark() { timings+=("$(printf '%-48s %6s s' "$1" "$2")"); }

# --- Docker Engine ---------------------------------------------------------------------------------------------

if ! dpkg -s docker.io >/dev/null 2>&1 || ! command -v docker-compose >/dev/null 2>&1; then
  log "installing docker.io and docker-compose with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io docker-compose >/dev/null
fi
# PostgreSQL's binaries, for the local postgres image (no cluster created on the host).
find_postgres_bin() {
  local initdb
  initdb=$( (ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null || true) | sort -V | tail -n 1)
  [[ -n "$initdb" ]] || return 1
  dirname "$initdb"
}
if ! pg_bin=$(find_postgres_bin); then
  log "installing postgresql with apt-get"
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/emulator-smoke.conf
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  pg_bin=$(find_postgres_bin) || fail "initdb not found after installing postgresql"
fi
# The client of the docker.io package: a newer static client may come first on the PATH.
docker_cli=$(dpkg -L docker.io | grep -E '/bin/docker$' | head -n 1)
kubectl_cli=$(command -v kubectl) || fail "kubectl is required"
if [[ -x "$(dirname "$(readlink -f "$kubectl_cli")")/kubectl.1.33" ]]; then
  kubectl_cli="$(dirname "$(readlink -f "$kubectl_cli")")/kubectl.1.33"
fi
command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is required"
mark "install check" "$(elapsed)"

work=$(mktemp -d /tmp/emulator-smoke.XXXXXX)
dockerd_pid=""
compose_up=false
export DOCKER_HOST="unix://$work/docker.sock"
export COMPOSE_PROJECT_NAME=emulatorsmoke
# docker-compose 1.29 refuses published ports with host networking (Compose v2 ignores them with a warning), and an
# override cannot remove a list entry: the merged configuration is rendered once and run without its ports.
compose() { docker-compose -f "$work/compose.yml" "$@"; }
docker() { "$docker_cli" "$@"; }

cleanup() {
  local status=$?
  set +e
  if [[ $status -ne 0 && -S "$work/docker.sock" ]]; then
    echo "--- container logs (last 30 lines each) ---" >&2
    for c in $(docker ps -aq 2>/dev/null); do
      echo "--- $(docker inspect -f '{{.Name}} {{.State.Status}} exit={{.State.ExitCode}}' "$c")" >&2
      docker logs --tail 30 "$c" 2>&1 | sed 's/^/    /' >&2
    done
  fi
  if $compose_up; then
    compose down -v --timeout 5 >/dev/null 2>&1
  fi
  if [[ -n "$dockerd_pid" ]] && kill -0 "$dockerd_pid" 2>/dev/null; then
    kill "$dockerd_pid"
    for _ in $(seq 1 100); do
      kill -0 "$dockerd_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$dockerd_pid" 2>/dev/null
  fi
  # dockerd leaves its network namespace mounted; containerd-shims of killed containers may linger on the mounts.
  for m in $(grep -o " $work/[^ ]*" /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  if [[ $status -ne 0 || -n "${SMOKE_KEEP_LOGS:-}" ]]; then
    cp "$work/dockerd.log" "/tmp/emulator-smoke-dockerd.log" 2>/dev/null && echo "smoke: dockerd log in /tmp/emulator-smoke-dockerd.log" >&2
  fi
  rm -rf "$work"
  echo "smoke: cleaned up ($work)" >&2
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "starting dockerd in $work"
setsid dockerd --bridge=none --iptables=false --ip6tables=false --ip-masq=false --storage-driver=overlay2 \
  --data-root="$work/data" --exec-root="$work/exec" --pidfile="$work/dockerd.pid" -H "$DOCKER_HOST" \
  >"$work/dockerd.log" 2>&1 </dev/null &
dockerd_pid=$!
for _ in $(seq 1 100); do
  docker info >/dev/null 2>&1 && break
  kill -0 "$dockerd_pid" 2>/dev/null || { tail -n 20 "$work/dockerd.log" >&2; fail "dockerd exited"; }
  sleep 0.2
done
docker info >/dev/null 2>&1 || fail "dockerd did not answer within 20 s"
mark "dockerd ready" "$(elapsed)"

# --- Images ----------------------------------------------------------------------------------------------------

# Copies files (following links) and every shared library ldd lists for them into the root $1, at the same paths.
add_with_libraries() {
  local root=$1
  shift
  cp -L --parents "$@" "$root"
  { ldd "$@" 2>/dev/null || true; } | awk '/=> \/(usr\/)?lib/ { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }' | sort -u |
    while read -r library; do
      cp -L --parents "$library" "$root"
    done
}

t=$(date +%s%N)
base="$work/rootfs-base"
mkdir -p "$base/tmp" "$base/etc"
chmod 1777 "$base/tmp"
base_env=()
app=artifacts/docker/emulator
if [[ -n "${SMOKE_SELF_CONTAINED:-}" ]]; then
  # What a user's build does, from the host: a self-contained Release publish (a full compile of its own).
  log "publishing the emulator (self-contained, linux-x64)"
  rm -rf "$app"
  dotnet publish src/Emulator.Cli/Emulator.Cli.csproj -c Release -r linux-x64 --self-contained true -o "$app" \
    -v quiet -nologo >"$work/publish.log" 2>&1 || { tail -n 30 "$work/publish.log" >&2; fail "dotnet publish"; }
  mark "dotnet publish (self-contained)" "$((($(date +%s%N) - t) / 1000000000))"
else
  # The build `dotnet test` made (Debug, framework-dependent; up to date after the tests, so nothing compiles again)
  # on a base that carries the host's .NET runtime.
  log "building the emulator (framework-dependent, as dotnet test builds it)"
  dotnet build src/Emulator.Cli/Emulator.Cli.csproj -v quiet -nologo >"$work/publish.log" 2>&1 || { tail -n 30 "$work/publish.log" >&2; fail "dotnet build"; }
  rm -rf "$app"
  mkdir -p "$app"
  cp -a src/Emulator.Cli/bin/Debug/net10.0/. "$app/"
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  runtime=$( (ls "$dotnet_root/shared/Microsoft.NETCore.App" || true) | sort -V | tail -n 1)
  [[ -n "$runtime" && -d "$dotnet_root/shared/Microsoft.AspNetCore.App/$runtime" ]] || fail "no .NET runtime with ASP.NET Core under $dotnet_root/shared"
  mkdir -p "$base/usr/share/dotnet"
  tar -C "$dotnet_root" -c dotnet host "shared/Microsoft.NETCore.App/$runtime" "shared/Microsoft.AspNetCore.App/$runtime" | tar -C "$base/usr/share/dotnet" -x
  base_env=(-c "ENV DOTNET_ROOT=/usr/share/dotnet")
  mark "dotnet build (framework-dependent)" "$((($(date +%s%N) - t) / 1000000000))"
fi

t=$(date +%s%N)
log "building local/emulator-base (FROM scratch + the host's shared libraries)"
# The app's and the runtime's native libraries need these, and OpenSSL (loaded at run time for TLS). ICU is left
# out: invariant globalization.
add_with_libraries "$base" /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libcrypto.so.3
find "$app" "$base/usr/share/dotnet" -type f \( -name '*.so' -o -name emulator -o -name dotnet \) 2>/dev/null | while read -r f; do
  { ldd "$f" 2>/dev/null || true; } | awk '/=> \/(usr\/)?lib/ { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }'
done | sort -u | while read -r library; do cp -L --parents "$library" "$base"; done
echo "root:x:0:0:root:/root:/sbin/nologin" >"$base/etc/passwd"
echo "root:x:0:" >"$base/etc/group"
tar -C "$base" -c . | docker import "${base_env[@]}" \
  -c "ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1" \
  -c "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" - local/emulator-base:latest >/dev/null
log "building emulator:smoke (docker/Dockerfile, APP=prebuilt)"
DOCKER_BUILDKIT=1 docker build -q -f docker/Dockerfile --build-arg APP=prebuilt --build-arg RUNTIME_IMAGE=local/emulator-base:latest \
  -t emulator:smoke . >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "docker build"; }
docker run --rm --network none emulator:smoke --help >/dev/null || fail "the emulator image does not run"
mark "emulator image (base + build)" "$((($(date +%s%N) - t) / 1000000000))"

t=$(date +%s%N)
log "building local/postgres (FROM scratch + $pg_bin and its libraries)"
pg_root="$work/rootfs-postgres"
pg_version=$(basename "$(dirname "$pg_bin")")
mkdir -p "$pg_root/tmp" "$pg_root/etc" "$pg_root/var/run/postgresql" "$pg_root/var/lib/postgresql/data" "$pg_root/bin"
chmod 1777 "$pg_root/tmp"
add_with_libraries "$pg_root" /bin/sh "$pg_bin"/postgres "$pg_bin"/initdb "$pg_bin"/pg_isready "/usr/lib/postgresql/$pg_version/lib"/*.so
tar -C / -c "usr/share/postgresql/$pg_version" usr/share/zoneinfo "usr/lib/postgresql/$pg_version/lib" | tar -C "$pg_root" -x
echo "postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh" >"$pg_root/etc/passwd"
echo "postgres:x:999:" >"$pg_root/etc/group"
# The official image's interface, as far as the compose files use it: POSTGRES_USER/PASSWORD/DB and postgres flags.
cat >"$pg_root/bin/postgres-entrypoint" <<EOF
#!/bin/sh
set -e
if [ "\$1" = postgres ]; then shift; fi
if [ ! -s "\$PGDATA/PG_VERSION" ]; then
  $pg_bin/initdb -D "\$PGDATA" -U "\${POSTGRES_USER:-postgres}" -A trust -E UTF8 --no-locale --no-sync >/dev/null
  echo "CREATE DATABASE \${POSTGRES_DB:-postgres};" | $pg_bin/postgres --single -D "\$PGDATA" -j postgres >/dev/null
fi
exec $pg_bin/postgres -D "\$PGDATA" -c fsync=off -c synchronous_commit=off "\$@"
EOF
chmod 755 "$pg_root/bin/postgres-entrypoint"
chown -R 999:999 "$pg_root/var/lib/postgresql" "$pg_root/var/run/postgresql"
chmod 700 "$pg_root/var/lib/postgresql/data"
tar -C "$pg_root" -c . | docker import \
  -c "USER postgres" -c "ENV PGDATA=/var/lib/postgresql/data" -c "ENV PATH=$pg_bin:/usr/bin:/bin" \
  -c 'ENTRYPOINT ["/bin/postgres-entrypoint"]' -c 'CMD ["postgres"]' - local/postgres:smoke >/dev/null
mark "postgres image" "$((($(date +%s%N) - t) / 1000000000))"

# --- The topology ----------------------------------------------------------------------------------------------

# Its own block of loopback addresses: another run (or anything on 127.0.0.1) cannot be in the way.
net="127.0.$((20 + RANDOM % 200))"
export EMULATOR_IMAGE=emulator:smoke EMULATOR_POSTGRES_IMAGE=local/postgres:smoke EMULATOR_RESTART=no
export EMULATOR_TIME_SCALE=20 EMULATOR_POSTGRES_ADDRESS="$net.10" EMULATOR_POSTGRES_PORT=5432
export EMULATOR_CP1_ADDRESS="$net.11" EMULATOR_CP2_ADDRESS="$net.12" EMULATOR_W1_ADDRESS="$net.21" EMULATOR_W2_ADDRESS="$net.22" EMULATOR_W3_ADDRESS="$net.23"
export EMULATOR_CLUSTER_PORT=4053 EMULATOR_API_PORT=6443 EMULATOR_CONSOLE_PORT=9110
docker-compose -f docker-compose.yml -f docker/compose.loopback.yml config >"$work/compose.merged.yml" || fail "docker-compose config"
python3 -c '
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
for service in config["services"].values():
    if service.get("network_mode") == "host":
        service.pop("ports", None)
yaml.safe_dump(config, open(sys.argv[2], "w"), sort_keys=False)
' "$work/compose.merged.yml" "$work/compose.yml" || fail "rendering the loopback configuration"

t=$(date +%s%N)
log "docker-compose up (postgres, cp1, then cp2 and w1..w3) on $net.x, time scale $EMULATOR_TIME_SCALE"
compose_up=true
compose up -d >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "docker-compose up"; }
# `up` returns once cp1 is healthy (its store answers) and the others are started.
mark "compose up (cp1 healthy, the others started)" "$((($(date +%s%N) - t) / 1000000000))"

cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: smoke
  cluster:
    server: http://$EMULATOR_CP1_ADDRESS:$EMULATOR_API_PORT
users:
- name: smoke
  user: {}
contexts:
- name: smoke
  context:
    cluster: smoke
    user: smoke
    namespace: default
current-context: smoke
EOF
kubectl() { "$kubectl_cli" --kubeconfig "$work/kubeconfig" --request-timeout=10s "$@"; }

# Polls "$@" every 0.5 s until it succeeds, for at most $1 seconds.
wait_for() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s) < deadline)) || fail "$what: not within $timeout s"
    sleep 0.5
  done
}
ready_nodes() {
  kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name} {range .status.conditions[?(@.type=="Ready")]}{.status}{end}{"\n"}{end}' |
    awk '$2 == "True" { print $1 }'
}
running_pod_nodes() {
  kubectl get pods -l app=web -o jsonpath='{range .items[*]}{.status.phase} {.spec.nodeName} {.metadata.deletionTimestamp}{"\n"}{end}' |
    awk '$1 == "Running" && NF == 2 { print $2 }'
}
nine_ready() { [[ $(ready_nodes | wc -l) -eq 9 ]]; }

t=$(date +%s%N)
wait_for 180 "9 Ready nodes" nine_ready
mark "9 nodes Ready (the workers joined)" "$((($(date +%s%N) - t) / 1000000000))"

t=$(date +%s%N)
log "kubectl apply: Deployment web, 6 replicas"
kubectl apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 6
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
EOF
kubectl wait --for=condition=Available deployment/web --timeout=120s >/dev/null || fail "Deployment web not Available"
six_running() { [[ $(running_pod_nodes | wc -l) -eq 6 ]]; }
wait_for 60 "6 Running pods" six_running
mark "Deployment Available, 6 pods Running" "$((($(date +%s%N) - t) / 1000000000))"
log "pods per node: $(running_pod_nodes | sort | uniq -c | tr -s ' ' | tr '\n' ',')"

# The worker with the most pods dies: SIGKILL of its emulator process, from the host (a crash, not a docker stop).
victim=$(running_pod_nodes | sed 's/-node-.*//' | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
container=$(compose ps -q "$victim")
init_pid=$(docker inspect -f '{{.State.Pid}}' "$container")
emulator_pid=$(pgrep -P "$init_pid" | head -n 1)
[[ -n "$emulator_pid" ]] || fail "no emulator process under $victim's init ($init_pid)"
log "kill -9 $emulator_pid ($victim's emulator; $(running_pod_nodes | grep -c "^$victim-") pods on its nodes)"
t=$(date +%s%N)
kill -9 "$emulator_pid"
victim_not_ready() { ! ready_nodes | grep -q "^$victim-" && [[ $(ready_nodes | wc -l) -eq 6 ]]; }
wait_for 60 "$victim's nodes NotReady" victim_not_ready
mark "$victim's nodes NotReady after SIGKILL" "$((($(date +%s%N) - t) / 1000000000))"
moved() {
  local nodes
  nodes=$(running_pod_nodes)
  [[ $(echo "$nodes" | grep -c .) -eq 6 ]] && ! echo "$nodes" | grep -q "^$victim-"
}
wait_for 120 "6 Running pods off $victim" moved
mark "6 pods Running on the other workers" "$((($(date +%s%N) - t) / 1000000000))"
log "pods per node: $(running_pod_nodes | sort | uniq -c | tr -s ' ' | tr '\n' ',')"

log "restarting $victim (same name: same nodes)"
t=$(date +%s%N)
compose start "$victim" >/dev/null 2>&1 || fail "docker-compose start $victim"
wait_for 90 "$victim's nodes Ready again" nine_ready
mark "$victim restarted, 9 nodes Ready" "$((($(date +%s%N) - t) / 1000000000))"

t=$(date +%s%N)
log "docker-compose down"
compose down -v --timeout 10 >"$work/down.log" 2>&1 || { cat "$work/down.log" >&2; fail "docker-compose down"; }
compose_up=false
mark "compose down" "$((($(date +%s%N) - t) / 1000000000))"

echo
echo "== docker-compose smoke: passed in $(elapsed) s =="
printf '%s\n' "${timings[@]}"

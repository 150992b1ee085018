# lib/stack.sh: the benchmarks' stack of 40 repos, 6 infra and 10 workers.
# Source it after lib/repos.sh; it needs $root, $REPOS, $WORKERS, $FILES,
# $COMMITS and a worker binary built at $work/worker.

# bench_stack WORK PROJECT INFRAPORT WORKERPORT: generates the repos under
# WORK/remote and prints the manifest. The six infra publish INFRAPORT to
# INFRAPORT+5 on 127.0.0.1; worker N listens on WORKERPORT+N. Each worker's
# setup copies the prebuilt worker into its repo (setup_when main.go).
bench_stack() {
	local work=$1 project=$2 infraport=$3 workerport=$4 i n k
	local infra=(rabbitmq mongodb mysql redis ssdb elasticsearch)
	echo "generating $REPOS repos ($WORKERS with a worker)" >&2
	mkdir -p "$work/remote" "$work/workersrc"
	cp "$root/fixtures/worker/main.go" "$work/workersrc/"
	printf 'module bench.example/worker\n\ngo 1.22\n' >"$work/workersrc/go.mod"
	cat <<YAML
version: 1
project: $project
workspace: ./ws
infra:
  rabbitmq:
    image: crispify-local/rabbitmq:3.10
    ports: ["127.0.0.1:$infraport:5672"]
    env: {RABBITMQ_DEFAULT_USER: crisp, RABBITMQ_DEFAULT_PASS: crisp}
    volumes: ["data:/var/lib/rabbitmq"]
    health: {cmd: ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5672"], interval: 1s, retries: 120}
  mongodb:
    image: crispify-local/ferretdb:1.24
    ports: ["127.0.0.1:$((infraport + 1)):27017"]
    volumes: ["data:/data"]
    health: {cmd: ["/ferretdb", "health"], interval: 1s}
  mysql:
    image: crispify-local/mariadb:10.11
    ports: ["127.0.0.1:$((infraport + 2)):3306"]
    env: {MYSQL_ROOT_PASSWORD: crisp, MYSQL_DATABASE: crisp}
    volumes: ["data:/var/lib/mysql"]
    health: {cmd: ["healthcheck.sh", "--connect", "--innodb_initialized"], interval: 1s, retries: 120}
  redis:
    image: crispify-local/redis:7.0
    ports: ["127.0.0.1:$((infraport + 3)):6379"]
    volumes: ["data:/data"]
    health: {cmd: ["redis-cli", "ping"], interval: 1s}
  ssdb:
    image: crispify-fixture/ssdb-standin:1
    ports: ["127.0.0.1:$((infraport + 4)):8888"]
    health: {cmd: ["/standin", "health"], interval: 1s}
  elasticsearch:
    image: crispify-fixture/elasticsearch-standin:8
    ports: ["127.0.0.1:$((infraport + 5)):9200"]
    health: {cmd: ["/standin", "health"], interval: 1s}
services:
YAML
	for i in $(seq -w 1 "$REPOS"); do
		generate_repo "$work/remote/svc$i.git" "svc$i" "$FILES" "$COMMITS"
		printf '  svc%s:\n    repo: file://%s/remote/svc%s.git\n' "$i" "$work" "$i"
		n=$((10#$i))
		if [ "$n" -le "$WORKERS" ]; then
			add_files "$work/remote/svc$i.git" "$work/workersrc"
			k=$(((n - 1) % 6))
			printf '    setup: ["cp --remove-destination %s/worker ./worker"]\n    setup_when: [main.go]\n    run: ./worker\n' "$work"
			printf '    needs: [%s]\n' "${infra[$k]}"
			printf '    env: {WORKER_DIAL: "127.0.0.1:%d", WORKER_LISTEN: "%d"}\n' $((infraport + k)) $((workerport + n))
			printf '    ready: {tcp: %d}\n' $((workerport + n))
		fi
	done
}

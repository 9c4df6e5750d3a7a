#!/usr/bin/env bash
# Checks deploy/ as far as a machine without a container engine or a cluster allows:
#
#   1. every YAML file parses (PyYAML, duplicate keys refused) and every JSON file too;
#      compose.yaml loads as `docker compose` loads it (compose-go) and keeps its
#      promises (hardening, healthcheck, stop_grace_period > shutdown timeout);
#   2. deploy/Dockerfile parses with BuildKit's own frontend and passes its lint rules
#      (non-root USER, VOLUME /data, EXPOSE 8080 9090, an exec-form HEALTHCHECK); forsokd
#      is built exactly as it builds it, from only the files .dockerignore lets into the
#      build context, and so is the HEALTHCHECK probe;
#   3. every FORSOK_* variable the deploy files set is one forsokd knows;
#   4. the Kubernetes manifests render with kustomize and decode strictly into the
#      Kubernetes API types (unknown or misspelt fields fail), and keep their promises:
#      one replica, the security context, probes, grace period > shutdown timeout,
#      every referenced ConfigMap, Secret, volume and port exists;
#   5. the systemd units pass `systemd-analyze verify`;
#   6. that binary runs with the settings of the Kubernetes manifests, of compose.yaml
#      and of the systemd unit (paths moved into a temporary directory, listeners on
#      127.0.0.1 with free ports): /healthz and /readyz answer, the probe passes, and
#      SIGTERM stops it cleanly;
#   7. a backup taken with the backup CronJob's arguments, and with the systemd backup
#      service's command, restores with `forsokd restore` into a server that serves the
#      same case.
#
# What it cannot check here: a docker build or run (no engine: the base images are
# never pulled), a server-side dry run
# or the cluster's admission (no cluster), the units under a running systemd (PID 1
# here is not systemd). Run from anywhere: deploy/check.sh. Needs Go and, if PyYAML is
# missing, apt-get (it installs python3-yaml); systemd-analyze is installed the same way.
set -euo pipefail

deploy="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$deploy/.." && pwd)"
cd "$root"

# Versions of what the checks bring in through the Go module proxy.
k8s_api_version=v0.37.2
kustomize_version=v5.5.0
sigs_yaml_version=v1.6.0
compose_go_version=v2.16.2
buildkit_version=v0.34.2

tmp="$(mktemp -d)"
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
ok() { echo "ok    $*"; }
bad() {
	echo "FAIL  $*"
	failures=$((failures + 1))
}
skip() { echo "skip  $*"; }
step() { printf '\n== %s\n' "$*"; }
indent() { sed 's/^/      /'; }

apt_install() {
	if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
		echo "installing $* with apt-get"
		if ! { apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$@" >/dev/null 2>&1; }; }; then
			echo "apt-get install $* failed" >&2
			return 1
		fi
		return 0
	fi
	return 1
}

# ---- 1. YAML and JSON ---------------------------------------------------------------
step "1. YAML and JSON parse; compose.yaml loads"
python=""
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import yaml' 2>/dev/null; then
		python="$p"
		break
	fi
done
if [[ -z "$python" ]] && apt_install python3-yaml && /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
	python=/usr/bin/python3
fi
[[ -n "$python" ]] || {
	echo "no Python with PyYAML, and python3-yaml could not be installed" >&2
	exit 1
}
cat >"$tmp/parse.py" <<'EOF'
"""Parses YAML (all documents, duplicate keys refused) and JSON files given as arguments."""
import json
import sys

import yaml


class StrictLoader(yaml.SafeLoader):
    pass


def construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)

status = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            if path.endswith((".yaml", ".yml")):
                docs = [d for d in yaml.load_all(f, Loader=StrictLoader) if d is not None]
                print(f"ok    {path}: {len(docs)} document(s)")
            else:
                json.load(f)
                print(f"ok    {path}: JSON")
    except Exception as e:  # noqa: BLE001 - any failure is reported the same way
        print(f"FAIL  {path}: {e}")
        status = 1
sys.exit(status)
EOF
mapfile -t parse_files < <(find deploy -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.json.example' \) | sort)
if "$python" "$tmp/parse.py" "${parse_files[@]}"; then :; else bad "YAML/JSON parse"; fi

# compose.yaml as `docker compose config` would load it (no compose plugin here):
# compose-go, the Compose Specification's own loader and schema, from the Go module proxy.
mkdir -p "$tmp/composecheck"
cat >"$tmp/composecheck/go.mod" <<EOF
module composecheck

go 1.26

require github.com/compose-spec/compose-go/v2 ${compose_go_version}
EOF
cat >"$tmp/composecheck/main.go" <<'EOF'
// Command composecheck loads a compose file as `docker compose config` does
// (compose-go: the Compose Specification's schema, interpolation, profiles) and checks
// what deploy/compose.yaml promises.
package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

var failures int

func fail(format string, args ...any) {
	failures++
	fmt.Printf("FAIL  "+format+"\n", args...)
}

func main() {
	path, _ := filepath.Abs(os.Args[1])
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithProfiles([]string{"backup"}), // every service, the backup one too
	)
	if err != nil {
		fail("%v", err)
		os.Exit(1)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fail("%v", err)
		os.Exit(1)
	}
	for _, name := range slices.Sorted(maps.Keys(project.Services)) {
		s := project.Services[name]
		n := failures
		if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") || !slices.Contains(s.SecurityOpt, "no-new-privileges:true") || s.User == "" {
			fail("service %s: needs read_only, cap_drop ALL, no-new-privileges and a user", name)
		}
		if failures == n {
			fmt.Printf("ok    service %s: image %s, read_only, cap_drop ALL, no-new-privileges, user %s\n", name, s.Image, s.User)
		}
	}
	s, found := project.Services["forsokd"]
	if !found {
		fail("no service forsokd")
		os.Exit(1)
	}
	if s.HealthCheck == nil || !slices.Equal(s.HealthCheck.Test, types.HealthCheckTest{"CMD", "/usr/local/bin/healthprobe"}) {
		fail("forsokd: healthcheck should run /usr/local/bin/healthprobe, as the image's HEALTHCHECK does")
	}
	var timeout string
	if v := s.Environment["FORSOK_SHUTDOWN_TIMEOUT"]; v != nil {
		timeout = *v
	}
	d, err := time.ParseDuration(timeout)
	switch {
	case err != nil:
		fail("forsokd: FORSOK_SHUTDOWN_TIMEOUT %q: %v", timeout, err)
	case s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= d+5*time.Second:
		fail("forsokd: stop_grace_period must exceed FORSOK_SHUTDOWN_TIMEOUT (%s) by more than 5 s", d)
	default:
		fmt.Printf("ok    forsokd: stop_grace_period %s > FORSOK_SHUTDOWN_TIMEOUT %s\n", time.Duration(*s.StopGracePeriod), d)
	}
	if s.Restart == "" || s.Restart == "no" {
		fail("forsokd: needs a restart policy")
	}
	if s.Scale != nil && *s.Scale > 1 {
		fail("forsokd: one replica only (bbolt allows one writer)")
	}
	if failures > 0 {
		os.Exit(1)
	}
}
EOF
echo "compose.yaml with compose-go ${compose_go_version}:"
if (cd "$tmp/composecheck" && go mod tidy >/dev/null 2>&1 && go run . "$deploy/compose.yaml"); then
	ok "compose.yaml loads (schema, interpolation, profiles) and keeps its promises"
else
	bad "compose.yaml (see the FAIL lines above)"
fi

# ---- 2. Build as the Dockerfile does ---------------------------------------------
step "2. build as deploy/Dockerfile does"
build_cmd='CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/forsokd ./cmd/forsokd'
if grep -qF -- "$build_cmd" deploy/Dockerfile; then
	ok "Dockerfile builds with: $build_cmd"
else
	bad "deploy/Dockerfile no longer contains: $build_cmd (update check.sh with it)"
fi
# No Docker engine here, but BuildKit's Dockerfile frontend is a Go module: parse the
# Dockerfile as `docker build` would (heredocs, RUN --mount, HEALTHCHECK flags), run
# BuildKit's lint rules, and check the runtime stage.
mkdir -p "$tmp/dockerfilecheck"
cat >"$tmp/dockerfilecheck/go.mod" <<EOF
module dockerfilecheck

go 1.26

require github.com/moby/buildkit ${buildkit_version}
EOF
cat >"$tmp/dockerfilecheck/main.go" <<'EOF'
// Command dockerfilecheck parses a Dockerfile with BuildKit's own frontend (the parser
// and instruction decoder `docker build` uses, heredocs and RUN --mount included),
// runs its lint rules, and checks the runtime stage's promises.
package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

var failures int

func fail(format string, args ...any) {
	failures++
	fmt.Printf("FAIL  "+format+"\n", args...)
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		fail("%v", err)
		os.Exit(1)
	}
	defer f.Close()
	result, err := parser.Parse(f)
	if err != nil {
		fail("parse: %v", err)
		os.Exit(1)
	}
	for _, w := range result.Warnings {
		fail("parser warning: %s", w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, short, url, msg string, loc []parser.Range) {
		fail("lint %s: %s (line %d)", rule, msg, loc[0].Start.Line)
	}})
	stages, metaArgs, err := instructions.Parse(result.AST, lint)
	if err != nil {
		fail("instructions: %v", err)
		os.Exit(1)
	}
	fmt.Printf("ok    %d stages, %d global ARGs, parsed by BuildKit's frontend\n", len(stages), len(metaArgs))
	final := stages[len(stages)-1]
	var user, entrypoint string
	var volumes, ports []string
	var health *instructions.HealthCheckCommand
	for _, cmd := range final.Commands {
		switch c := cmd.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.VolumeCommand:
			volumes = append(volumes, c.Volumes...)
		case *instructions.ExposeCommand:
			ports = append(ports, c.Ports...)
		case *instructions.HealthCheckCommand:
			health = c
		case *instructions.EntrypointCommand:
			entrypoint = strings.Join(c.CmdLine, " ")
			if c.PrependShell {
				fail("ENTRYPOINT in shell form: the runtime image has no shell")
			}
		}
	}
	if user == "" || strings.HasPrefix(user, "0") || strings.HasPrefix(user, "root") {
		fail("runtime stage: USER %q, want a non-root user", user)
	}
	if !slices.Contains(volumes, "/data") {
		fail("runtime stage: no VOLUME /data")
	}
	if !slices.Contains(ports, "8080") || !slices.Contains(ports, "9090") {
		fail("runtime stage: EXPOSE %v, want 8080 and 9090", ports)
	}
	if health == nil || len(health.Health.Test) < 2 || health.Health.Test[0] != "CMD" {
		fail("runtime stage: want a HEALTHCHECK in exec form (CMD [...]); the image has no shell")
	}
	if failures > 0 {
		os.Exit(1)
	}
	fmt.Printf("ok    runtime %s: USER %s, VOLUME %v, EXPOSE %v, HEALTHCHECK %v, ENTRYPOINT %s\n",
		final.BaseName, user, volumes, ports, health.Health.Test, entrypoint)
}
EOF
echo "deploy/Dockerfile with BuildKit ${buildkit_version}'s frontend:"
if (cd "$tmp/dockerfilecheck" && go mod tidy >/dev/null 2>&1 && go run . "$deploy/Dockerfile"); then
	ok "Dockerfile parses, passes BuildKit's lint rules and keeps its promises"
else
	bad "deploy/Dockerfile (see the FAIL lines above)"
fi
# The build context: only what .dockerignore lets through (its "!path" lines), minus
# the excluded test files and testdata.
ctx="$tmp/context"
mkdir -p "$ctx"
while read -r line; do
	path="${line#!}"
	path="${path%/}"
	[[ -e "$path" ]] && cp -r "$path" "$ctx/"
done < <(grep '^!' .dockerignore)
find "$ctx" \( -name '*_test.go' -o -name testdata \) -prune -exec rm -rf {} +
bin="$tmp/bin"
mkdir -p "$bin"
if (cd "$ctx" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin/forsokd" ./cmd/forsokd); then
	ok "forsokd built from the .dockerignore'd context ($(du -h "$bin/forsokd" | cut -f1))"
else
	bad "go build of ./cmd/forsokd from the Docker build context"
	echo "cannot go on without the binary"
	exit 1
fi
if readelf -l "$bin/forsokd" 2>/dev/null | grep -q INTERP; then
	bad "forsokd is dynamically linked (distroless/static has no libc)"
else
	ok "forsokd is statically linked"
fi
# The HEALTHCHECK probe: the Go source between COPY <<'EOF' /probe/main.go and EOF.
mkdir -p "$tmp/probe"
awk '/^COPY <<.EOF. \/probe\/main.go/{on=1; next} on && /^EOF$/{on=0} on' deploy/Dockerfile >"$tmp/probe/main.go"
if [[ -s "$tmp/probe/main.go" ]] && (
	cd "$tmp/probe" && go mod init healthprobe >/dev/null 2>&1 &&
		test -z "$(gofmt -l main.go)" && go vet . &&
		CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin/healthprobe" .
); then
	ok "healthprobe (the Dockerfile's heredoc) is gofmt'd, vets and builds"
else
	bad "healthprobe source in deploy/Dockerfile"
fi

# ---- 3. FORSOK_* names --------------------------------------------------------------
step "3. every FORSOK_* variable in deploy/ is one forsokd knows"
known="$tmp/known-env"
{
	"$bin/forsokd" -h 2>&1 || true
	for sub in backup restore dev-token; do "$bin/forsokd" "$sub" -h 2>&1 || true; done
	go run ./cmd/forsokctl -h 2>&1 || true # FORSOK_ADDR, FORSOK_TOKEN, named in README.md
} | grep -o 'FORSOK_[A-Z0-9_]*' | sort -u >"$known"
echo "forsokd knows: $(tr '\n' ' ' <"$known")"
used="$(grep -rhoE 'FORSOK_[A-Z0-9_]+' deploy --exclude=check.sh | sort -u)"
for v in $used; do
	case "$v" in
	FORSOK_IMAGE) continue ;; # compose.yaml's own variable: which image to run
	esac
	if grep -qx "$v" "$known"; then ok "$v"; else bad "$v is set in deploy/ but no forsokd flag reads it"; fi
done

# Test material shared by the steps below: a CA-signed-style self-signed certificate
# for 127.0.0.1, localhost and forsokd (Go's own generate_cert, no openssl needed), and
# the public half of a fresh Ed25519 key as the JWKS file the example issuers.json names.
material="$tmp/material"
mkdir -p "$material"
(cd "$material" && go run "$(go env GOROOT)/src/crypto/tls/generate_cert.go" \
	--host 127.0.0.1,localhost,forsokd --ecdsa-curve P256 --ca --duration 24h >/dev/null 2>&1)
mv "$material/cert.pem" "$material/tls.crt"
mv "$material/key.pem" "$material/tls.key"
cp "$material/tls.crt" "$material/ca.crt"
"$bin/forsokd" dev-token -data "$material/devkey" -role admin >/dev/null 2>&1
"$python" - "$material/devkey/dev-signing-key.json" "$material/kdd-jwks.json" <<'EOF'
import json, sys
key = json.load(open(sys.argv[1]))
public = {k: v for k, v in key.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "k")}
json.dump({"keys": [public]}, open(sys.argv[2], "w"))
EOF
echo "admin-token-for-the-render-only" >"$material/admin-token"

# ---- 4. Kubernetes ------------------------------------------------------------------
step "4. Kubernetes: kustomize, strict decoding into the API types, promises"
kdir="$tmp/kubernetes"
cp -r deploy/kubernetes "$kdir"
cp deploy/kubernetes/secrets/issuers.json.example "$kdir/secrets/issuers.json"
cp "$material/tls.crt" "$material/tls.key" "$material/ca.crt" "$material/admin-token" "$kdir/secrets/"
if command -v kubectl >/dev/null; then
	kustomize=(kubectl kustomize)
	echo "rendering with $(kubectl version --client 2>/dev/null | grep -i kustomize || echo kubectl kustomize)"
else
	kustomize=(go run "sigs.k8s.io/kustomize/kustomize/v5@${kustomize_version}" build)
	echo "rendering with kustomize ${kustomize_version} (go run)"
fi
rendered="$tmp/rendered.yaml"
if { "${kustomize[@]}" "$kdir" && echo --- && "${kustomize[@]}" "$kdir/restore"; } >"$rendered"; then
	ok "kustomize build deploy/kubernetes and deploy/kubernetes/restore ($(grep -c '^kind:' "$rendered") objects)"
else
	bad "kustomize build"
fi
# The checker: Kubernetes' own types and strict decoder (sigs.k8s.io/json: case-sensitive,
# unknown and duplicate fields refused), from the Go module proxy. A JSON-schema
# validator such as kubeconform would need its schemas from GitHub, which this
# machine cannot reach.
mkdir -p "$tmp/k8scheck"
cat >"$tmp/k8scheck/go.mod" <<EOF
module k8scheck

go 1.26

require (
	k8s.io/api ${k8s_api_version}
	k8s.io/apimachinery ${k8s_api_version}
	sigs.k8s.io/json v0.0.0-20250730193827-2d320260d730
	sigs.k8s.io/yaml ${sigs_yaml_version}
)
EOF
cat >"$tmp/k8scheck/main.go" <<'EOF'
// Command k8scheck decodes rendered Kubernetes manifests strictly into the API types and
// checks what deploy/kubernetes promises. Usage: k8scheck rendered.yaml
package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

var failures int

func fail(format string, args ...any) {
	failures++
	fmt.Printf("FAIL  "+format+"\n", args...)
}

func ok(format string, args ...any) { fmt.Printf("ok    "+format+"\n", args...) }

func newObject(apiVersion, kind string) any {
	switch apiVersion + "/" + kind {
	case "v1/Namespace":
		return &corev1.Namespace{}
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}
	case "v1/Service":
		return &corev1.Service{}
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}
	case "v1/Secret":
		return &corev1.Secret{}
	case "v1/PersistentVolumeClaim":
		return &corev1.PersistentVolumeClaim{}
	case "apps/v1/StatefulSet":
		return &appsv1.StatefulSet{}
	case "batch/v1/CronJob":
		return &batchv1.CronJob{}
	case "batch/v1/Job":
		return &batchv1.Job{}
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	}
	return nil
}

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	byKind := map[string]map[string]any{}
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			fail("document: %v", err)
			continue
		}
		obj := newObject(tm.APIVersion, tm.Kind)
		if obj == nil {
			fail("%s/%s: a kind this check does not know; add it", tm.APIVersion, tm.Kind)
			continue
		}
		// Kubernetes' own decoder: case-sensitive, unknown and duplicate fields refused.
		js, err := yaml.YAMLToJSONStrict([]byte(doc))
		if err == nil {
			var strict []error
			strict, err = kjson.UnmarshalStrict(js, obj)
			err = errors.Join(append(strict, err)...)
		}
		if err != nil {
			fail("%s: %v", tm.Kind, err)
			continue
		}
		meta := obj.(metav1.ObjectMetaAccessor).GetObjectMeta()
		if byKind[tm.Kind] == nil {
			byKind[tm.Kind] = map[string]any{}
		}
		byKind[tm.Kind][meta.GetName()] = obj
		ok("%s %s/%s decodes strictly into %s", tm.Kind, meta.GetNamespace(), meta.GetName(), tm.APIVersion)
		if tm.Kind != "Namespace" && meta.GetNamespace() != "forsok" {
			fail("%s %s: namespace %q, want forsok", tm.Kind, meta.GetName(), meta.GetNamespace())
		}
	}

	has := func(kind, name string) bool { _, found := byKind[kind][name]; return found }
	if len(byKind["PodDisruptionBudget"]) > 0 {
		fail("a PodDisruptionBudget is rendered; with one replica it blocks every drain (see kustomization.yaml)")
	}

	sts, _ := byKind["StatefulSet"]["forsokd"].(*appsv1.StatefulSet)
	if sts == nil {
		fail("no StatefulSet forsokd")
		os.Exit(1)
	}
	s := sts.Spec
	if s.Replicas == nil || *s.Replicas != 1 {
		fail("StatefulSet replicas must be 1: bbolt allows one writer")
	} else {
		ok("StatefulSet forsokd: replicas 1")
	}
	if s.PodManagementPolicy != appsv1.OrderedReadyPodManagement || s.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType {
		fail("StatefulSet: want podManagementPolicy OrderedReady and updateStrategy RollingUpdate")
	}
	if !has("Service", s.ServiceName) || byKind["Service"][s.ServiceName].(*corev1.Service).Spec.ClusterIP != corev1.ClusterIPNone {
		fail("StatefulSet serviceName %q: no such headless Service", s.ServiceName)
	}

	// The settings forsokd gets from the ConfigMap forsokd-env.
	env := map[string]string{}
	pod := s.Template.Spec
	var server *corev1.Container
	for i := range pod.Containers {
		if pod.Containers[i].Name == "forsokd" {
			server = &pod.Containers[i]
		}
	}
	if server == nil {
		fail("StatefulSet: no container forsokd")
		os.Exit(1)
	}
	for _, from := range server.EnvFrom {
		if from.ConfigMapRef != nil {
			if cm, found := byKind["ConfigMap"][from.ConfigMapRef.Name].(*corev1.ConfigMap); found {
				for k, v := range cm.Data {
					env[k] = v
				}
			}
		}
	}
	for _, e := range server.Env {
		env[e.Name] = e.Value
	}
	if d, err := time.ParseDuration(env["FORSOK_SHUTDOWN_TIMEOUT"]); err != nil {
		fail("FORSOK_SHUTDOWN_TIMEOUT %q: %v", env["FORSOK_SHUTDOWN_TIMEOUT"], err)
	} else if g := pod.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= d+5*time.Second {
		fail("terminationGracePeriodSeconds must exceed FORSOK_SHUTDOWN_TIMEOUT (%s) by more than 5 s", d)
	} else {
		ok("terminationGracePeriodSeconds %d > FORSOK_SHUTDOWN_TIMEOUT %s", *g, d)
	}
	dataMounted := false
	for _, m := range server.VolumeMounts {
		if within(env["FORSOK_DATA"], m.MountPath) && !m.ReadOnly {
			dataMounted = slices.ContainsFunc(s.VolumeClaimTemplates, func(c corev1.PersistentVolumeClaim) bool { return c.Name == m.Name })
		}
	}
	if !dataMounted {
		fail("FORSOK_DATA %q is not on a volumeClaimTemplate's volume", env["FORSOK_DATA"])
	} else {
		ok("FORSOK_DATA %s is on the volumeClaimTemplate's volume", env["FORSOK_DATA"])
	}
	// The claims the StatefulSet creates exist for other pods (a restore) to mount.
	for _, c := range s.VolumeClaimTemplates {
		if byKind["PersistentVolumeClaim"] == nil {
			byKind["PersistentVolumeClaim"] = map[string]any{}
		}
		byKind["PersistentVolumeClaim"][c.Name+"-"+sts.Name+"-0"] = &c
	}
	// Every file setting points into a read-only mount.
	for _, k := range []string{"FORSOK_ISSUERS", "FORSOK_REFERENCE", "FORSOK_TLS_CERT", "FORSOK_TLS_KEY", "FORSOK_TLS_CLIENT_CA"} {
		v, set := env[k]
		if !set {
			continue
		}
		found := false
		for _, m := range server.VolumeMounts {
			if within(v, m.MountPath) && m.ReadOnly {
				found = true
			}
		}
		if !found {
			fail("%s=%s is in no read-only volume mount", k, v)
		}
	}
	probes := map[string]*corev1.Probe{"startup": server.StartupProbe, "liveness": server.LivenessProbe, "readiness": server.ReadinessProbe}
	want := map[string]string{"startup": "/healthz", "liveness": "/healthz", "readiness": "/readyz"}
	for _, name := range []string{"startup", "liveness", "readiness"} {
		p := probes[name]
		switch {
		case p == nil || p.HTTPGet == nil:
			fail("%s probe: want an httpGet probe", name)
		case p.HTTPGet.Path != want[name]:
			fail("%s probe: path %s, want %s", name, p.HTTPGet.Path, want[name])
		case !hasPort(server, p.HTTPGet.Port.String()):
			fail("%s probe: port %s is not a container port", name, p.HTTPGet.Port.String())
		case (env["FORSOK_TLS_CERT"] != "") != (p.HTTPGet.Scheme == corev1.URISchemeHTTPS):
			fail("%s probe: scheme %s does not match TLS (FORSOK_TLS_CERT=%q)", name, p.HTTPGet.Scheme, env["FORSOK_TLS_CERT"])
		default:
			ok("%s probe: %s %s", name, p.HTTPGet.Scheme, p.HTTPGet.Path)
		}
	}

	// Pod templates: the StatefulSet's and the CronJob's.
	templates := map[string]corev1.PodTemplateSpec{"StatefulSet/forsokd": s.Template}
	for name, obj := range byKind["CronJob"] {
		cj := obj.(*batchv1.CronJob)
		templates["CronJob/"+name] = cj.Spec.JobTemplate.Spec.Template
		if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
			fail("CronJob %s: concurrencyPolicy should be Forbid (one backup at a time)", name)
		}
	}
	for name, obj := range byKind["Job"] {
		templates["Job/"+name] = obj.(*batchv1.Job).Spec.Template
	}
	for _, where := range slices.Sorted(maps.Keys(templates)) {
		checkPod(where, templates[where], has, byKind)
	}

	// Services select the server's pods and name its ports.
	for _, name := range slices.Sorted(maps.Keys(byKind["Service"])) {
		svc := byKind["Service"][name].(*corev1.Service)
		for k, v := range svc.Spec.Selector {
			if s.Template.Labels[k] != v {
				fail("Service %s: selector %s=%s does not match the StatefulSet's pods", name, k, v)
			}
		}
		for _, p := range svc.Spec.Ports {
			if !hasPort(server, p.TargetPort.String()) {
				fail("Service %s: targetPort %s is not a container port", name, p.TargetPort.String())
			}
			if p.AppProtocol == nil {
				fail("Service %s port %s: no appProtocol", name, p.Name)
			}
		}
		ok("Service %s: selector and ports match the StatefulSet", name)
	}
	if failures > 0 {
		os.Exit(1)
	}
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	dir = strings.TrimSuffix(dir, "/")
	return path == dir || strings.HasPrefix(path, dir+"/")
}

func hasPort(c *corev1.Container, port string) bool {
	for _, p := range c.Ports {
		if p.Name == port || fmt.Sprint(p.ContainerPort) == port {
			return true
		}
	}
	return false
}

func checkPod(where string, t corev1.PodTemplateSpec, has func(kind, name string) bool, byKind map[string]map[string]any) {
	p := t.Spec
	n := failures
	if p.AutomountServiceAccountToken == nil || *p.AutomountServiceAccountToken {
		fail("%s: automountServiceAccountToken must be false", where)
	}
	if p.ServiceAccountName != "" {
		sa, found := byKind["ServiceAccount"][p.ServiceAccountName].(*corev1.ServiceAccount)
		if !found {
			fail("%s: serviceAccountName %s: no such ServiceAccount", where, p.ServiceAccountName)
		} else if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			fail("ServiceAccount %s: automountServiceAccountToken must be false", sa.Name)
		}
	}
	sc := p.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 ||
		sc.FSGroup == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		fail("%s: pod securityContext needs runAsNonRoot, a non-zero runAsUser, fsGroup and seccompProfile RuntimeDefault", where)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range p.Volumes {
		volumes[v.Name] = v
		switch {
		case v.Secret != nil && !has("Secret", v.Secret.SecretName):
			fail("%s: volume %s: no Secret %s", where, v.Name, v.Secret.SecretName)
		case v.ConfigMap != nil && !has("ConfigMap", v.ConfigMap.Name):
			fail("%s: volume %s: no ConfigMap %s", where, v.Name, v.ConfigMap.Name)
		case v.PersistentVolumeClaim != nil && !has("PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName):
			fail("%s: volume %s: no PersistentVolumeClaim %s", where, v.Name, v.PersistentVolumeClaim.ClaimName)
		}
	}
	claims := map[string]bool{}
	// volumeClaimTemplates are volumes too; the caller passes the StatefulSet's by name.
	if where == "StatefulSet/forsokd" {
		sts := byKind["StatefulSet"]["forsokd"].(*appsv1.StatefulSet)
		for _, c := range sts.Spec.VolumeClaimTemplates {
			claims[c.Name] = true
		}
	}
	all := append(slices.Clone(p.InitContainers), p.Containers...)
	for _, c := range all {
		cs := c.SecurityContext
		if cs == nil || cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
			cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
			cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") {
			fail("%s container %s: needs allowPrivilegeEscalation false, readOnlyRootFilesystem true, capabilities drop ALL", where, c.Name)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			fail("%s container %s: needs cpu and memory requests and a memory limit", where, c.Name)
		}
		for _, m := range c.VolumeMounts {
			if _, found := volumes[m.Name]; !found && !claims[m.Name] {
				fail("%s container %s: volumeMount %s names no volume", where, c.Name, m.Name)
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && !has("Secret", e.ValueFrom.SecretKeyRef.Name) {
				fail("%s container %s: env %s: no Secret %s", where, c.Name, e.Name, e.ValueFrom.SecretKeyRef.Name)
			}
			if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil && !has("ConfigMap", e.ValueFrom.ConfigMapKeyRef.Name) {
				fail("%s container %s: env %s: no ConfigMap %s", where, c.Name, e.Name, e.ValueFrom.ConfigMapKeyRef.Name)
			}
		}
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef != nil && !has("ConfigMap", from.ConfigMapRef.Name) {
				fail("%s container %s: envFrom: no ConfigMap %s", where, c.Name, from.ConfigMapRef.Name)
			}
			if from.SecretRef != nil && !has("Secret", from.SecretRef.Name) {
				fail("%s container %s: envFrom: no Secret %s", where, c.Name, from.SecretRef.Name)
			}
		}
	}
	if failures == n {
		ok("%s: pod and %d container(s) hardened; every volume, ConfigMap and Secret exists", where, len(all))
	}
}
EOF
if (cd "$tmp/k8scheck" && go mod tidy >/dev/null 2>&1 && go run . "$rendered"); then
	ok "manifests decode strictly and keep their promises"
else
	bad "Kubernetes manifests (see the FAIL lines above)"
fi

# ---- 5. systemd ---------------------------------------------------------------------
step "5. systemd units: systemd-analyze verify"
if ! command -v systemd-analyze >/dev/null; then
	apt_install systemd || true
fi
if command -v systemd-analyze >/dev/null; then
	# verify insists that ExecStart's binary exists: point the copies at the one just
	# built (the only change), with the TLS drop-in beside the unit.
	units="$tmp/units"
	mkdir -p "$units"
	cp -r deploy/systemd/. "$units/"
	sed -i "s#/usr/local/bin/forsokd#$bin/forsokd#g" "$units"/*.service "$units"/forsokd.service.d/*.conf
	for unit in forsokd.service forsokd-backup.service forsokd-backup.timer; do
		# Warnings (an unknown or misspelt setting) go to stderr with exit status 0:
		# any output at all counts as a failure.
		if out="$(cd "$units" && systemd-analyze verify "$units/$unit" 2>&1)" && [[ -z "$out" ]]; then
			ok "systemd-analyze verify $unit"
		else
			bad "systemd-analyze verify $unit:"
			indent <<<"$out"
		fi
	done
	# The drop-in is verified as part of a unit that includes it.
	mkdir -p "$units/withtls"
	"$python" - "$units/forsokd.service" "$units/forsokd.service.d/tls.conf" "$units/withtls/forsokd.service" <<'EOF'
import sys
unit, dropin, out = sys.argv[1:]
lines = [l for l in open(dropin) if not l.startswith("[Service]")]
text = open(unit).read().replace("[Install]", "".join(lines) + "\n[Install]", 1)
open(out, "w").write(text)
EOF
	if out="$(systemd-analyze verify "$units/withtls/forsokd.service" 2>&1)" && [[ -z "$out" ]]; then
		ok "systemd-analyze verify forsokd.service with forsokd.service.d/tls.conf"
	else
		bad "systemd-analyze verify forsokd.service with tls.conf:"
		indent <<<"$out"
	fi
	echo "exposure (systemd-analyze security --offline=true, lower is better):"
	for unit in forsokd.service forsokd-backup.service; do
		systemd-analyze security --offline=true "$units/$unit" 2>&1 | grep -E 'Overall exposure' | sed "s/^/      /" || true
	done
else
	skip "systemd-analyze not available and could not be installed"
fi

# ---- 6. the binary with the deploy files' settings -----------------------------------
step "6. forsokd runs with the settings of each deploy file"

# envfile_from_* write KEY=VALUE lines: what a deploy file gives forsokd.
envfile_from_k8s() { grep -E '^FORSOK_' deploy/kubernetes/forsokd.env; }
envfile_from_compose() {
	grep -oE 'FORSOK_[A-Z_]+=[^ \\]+' deploy/Dockerfile # the image's ENV
	"$python" - deploy/compose.yaml <<'EOF'
import sys, yaml
env = yaml.safe_load(open(sys.argv[1]))["services"]["forsokd"]["environment"]
for k, v in env.items():
    print(f"{k}={v}")
EOF
}
envfile_from_systemd() {
	sed -n 's/^Environment=\(FORSOK_[A-Z_]*=.*\)$/\1/p' deploy/systemd/forsokd.service
	grep -E '^FORSOK_' deploy/systemd/forsokd.env.example
}

# start NAME ENVFILE: start forsokd with the environment in ENVFILE; sets $pid,
# $http_addr and $grpc_addr once it serves.
start() {
	local name="$1" envfile="$2" i
	local -a envs
	mapfile -t envs < <(grep -E '^[A-Z_]+=' "$envfile")
	env -i PATH="$PATH" HOME="$HOME" "${envs[@]}" "$bin/forsokd" >"$tmp/$name.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	http_addr="" grpc_addr=""
	for ((i = 0; i < 100; i++)); do
		if grep -q '"forsokd serving"' "$tmp/$name.log"; then
			http_addr="$(grep '"forsokd serving"' "$tmp/$name.log" | grep -o '"http":"[^"]*"' | cut -d'"' -f4)"
			grpc_addr="$(grep '"forsokd serving"' "$tmp/$name.log" | grep -o '"grpc":"[^"]*"' | cut -d'"' -f4)"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "      forsokd did not start; its log:"
	sed 's/^/      /' "$tmp/$name.log"
	return 1
}

# stop NAME: SIGTERM, and a clean exit within the shutdown timeout.
stop() {
	local name="$1" status=0 t0 t1
	t0=$(date +%s)
	kill -TERM "$pid"
	wait "$pid" || status=$?
	t1=$(date +%s)
	if [[ $status -eq 0 ]] && grep -q '"shutting down"' "$tmp/$name.log"; then
		ok "$name: SIGTERM, clean exit 0 after $((t1 - t0)) s"
	else
		bad "$name: exit status $status after SIGTERM"
		sed 's/^/      /' "$tmp/$name.log" | tail -20
	fi
}

# serve_checks NAME SCHEME: /healthz, /readyz, /metrics and the HEALTHCHECK probe.
serve_checks() {
	local name="$1" scheme="$2" tlsenv=() path code
	local -a curlopts=(-s -o "$tmp/body" -w '%{http_code}' --max-time 5)
	if [[ $scheme == https ]]; then
		curlopts+=(--cacert "$material/ca.crt")
		tlsenv=(FORSOK_TLS_CERT=/anything)
	fi
	for path in /healthz /readyz /metrics; do
		code="$(curl "${curlopts[@]}" "$scheme://$http_addr$path" || true)"
		if [[ $code == 200 ]]; then
			ok "$name: $scheme $path 200 $(head -c 40 "$tmp/body" | tr '\n' ' ')"
		else
			bad "$name: $scheme $path answered ${code:-nothing}"
		fi
	done
	grep -q '^forsok_cases{' "$tmp/body" || bad "$name: /metrics has no forsok_cases"
	# The probe as the image runs it: no argument, the URL from FORSOK_HTTP and
	# FORSOK_TLS_CERT (here with the listener's real port).
	if env -i "${tlsenv[@]}" FORSOK_HTTP="$http_addr" "$bin/healthprobe"; then
		ok "$name: healthprobe (no argument) passes"
	else
		bad "$name: healthprobe fails"
	fi
}

# configure NAME: the environment of deploy file NAME with its paths moved under
# $tmp/NAME and the listeners on 127.0.0.1 with free ports; the files they name are
# put in place as the deploy file's mounts would.
configure() {
	local name="$1"
	local dir="$tmp/$name"
	mkdir -p "$dir"
	"envfile_from_$name" |
		sed -e "s#=/etc/forsok/#=$dir/etc/#" -e "s#=/data\$#=$dir/data#" -e "s#=/data/#=$dir/data/#" \
			-e "s#=/var/lib/forsok#=$dir/data#" \
			-e 's#^FORSOK_HTTP=.*#FORSOK_HTTP=127.0.0.1:0#' -e 's#^FORSOK_GRPC=.*#FORSOK_GRPC=127.0.0.1:0#' >"$dir/env"
	case "$name" in
	k8s) # the StatefulSet's mounts: auth/ (Secret forsokd-auth), reference/, tls/
		mkdir -p "$dir/etc/auth" "$dir/etc/reference" "$dir/etc/tls"
		cp deploy/kubernetes/secrets/issuers.json.example "$dir/etc/auth/issuers.json"
		cp "$material/kdd-jwks.json" "$dir/etc/auth/"
		cp deploy/kubernetes/config/reference.json "$dir/etc/reference/"
		cp "$material/tls.crt" "$material/tls.key" "$dir/etc/tls/"
		;;
	compose) # ./config mounted at /etc/forsok
		mkdir -p "$dir/etc"
		cp -r deploy/config/. "$dir/etc/"
		cp deploy/config/issuers.json.example "$dir/etc/issuers.json"
		cp "$material/kdd-jwks.json" "$material/tls.crt" "$material/tls.key" "$dir/etc/"
		;;
	systemd) # /etc/forsok as forsokd.env.example describes it
		mkdir -p "$dir/etc"
		cp deploy/config/issuers.json.example "$dir/etc/issuers.json"
		cp deploy/config/reference.json "$material/kdd-jwks.json" "$dir/etc/"
		;;
	esac
	echo "      $name: $(grep -c . "$dir/env") settings: $(cut -d= -f1 "$dir/env" | tr '\n' ' ')"
}

for name in k8s compose systemd; do
	configure "$name"
	scheme=http
	grep -q '^FORSOK_TLS_CERT=' "$tmp/$name/env" && scheme=https
	if start "$name" "$tmp/$name/env"; then
		mode="$(grep '"forsokd serving"' "$tmp/$name.log" | grep -o '"mode":"[^"]*"' | cut -d'"' -f4)"
		ok "$name: forsokd serves ($mode mode, $scheme) on $http_addr and $grpc_addr"
		[[ $mode == production ]] || bad "$name: want production mode"
		serve_checks "$name" "$scheme"
		stop "$name"
	else
		bad "$name: forsokd does not start with these settings"
	fi
done

# ---- 7. backup and restore ----------------------------------------------------------
step "7. backups as the CronJob, the systemd service and compose take them; restore"
# Development mode (the only one that can mint an admin token here), otherwise the
# Kubernetes settings: TLS, so the backup clients verify the certificate with -ca.
name=backup
dir="$tmp/$name"
mkdir -p "$dir"
grep -v '^FORSOK_ISSUERS=' "$tmp/k8s/env" | sed "s#$tmp/k8s/data#$dir/data#" >"$dir/env"
if start "$name" "$dir/env"; then
	data="$(sed -n 's/^FORSOK_DATA=//p' "$dir/env")"
	muni="$("$bin/forsokd" dev-token -data "$data" -role municipality)"
	export FORSOK_TOKEN
	FORSOK_TOKEN="$("$bin/forsokd" dev-token -data "$data" -role admin)"
	curlopts=(-s --max-time 5 --cacert "$material/ca.crt" -H "Authorization: Bearer $muni")
	case_name="$(curl "${curlopts[@]}" -X POST "https://$http_addr/v1/applications" -d @examples/application.json |
		grep -o '"name":"applications/[0-9-]*"' | head -1 | cut -d'"' -f4)"
	curl "${curlopts[@]}" "https://$http_addr/v1/$case_name" >"$dir/before.json"
	if [[ -n $case_name ]] && grep -q "$case_name" "$dir/before.json"; then
		ok "created $case_name"
	else
		bad "could not create a case to back up"
	fi

	# (a) The CronJob's arguments, from the rendered manifest, with the Service's
	# address and the mounts moved here. $(JOB_NAME) is what Kubernetes substitutes.
	mkdir -p "$dir/k8s-backups"
	mapfile -t args < <("$python" - "$rendered" <<'EOF'
import sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc["kind"] == "CronJob":
        for c in doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]:
            if c["name"] == "backup":
                print("\n".join(c["args"]))
EOF
	)
	for i in "${!args[@]}"; do
		# shellcheck disable=SC2016 # $(JOB_NAME) is Kubernetes' syntax, matched literally
		args[i]="$(sed -e "s#https://forsokd:8080#https://$http_addr#" -e "s#/etc/forsok/backup/#$material/#" \
			-e "s#/backups/#$dir/k8s-backups/#" -e 's#\$(JOB_NAME)#forsokd-backup-29400000#' <<<"${args[i]}")"
	done
	echo "      forsokd ${args[*]}"
	if "$bin/forsokd" "${args[@]}" 2>&1 | sed 's/^/      /' && [[ -s "$dir/k8s-backups/forsok-forsokd-backup-29400000.db" ]]; then
		ok "CronJob backup"
	else
		bad "CronJob backup"
	fi

	# (b) forsokd-backup.service's ExecStart and ExecStartPost, as systemd would run
	# them ($$ → $, %% → %), with its credential and state directories here.
	mkdir -p "$dir/cred" "$dir/sd-backups" "$dir/sd-etc"
	printf '%s' "$FORSOK_TOKEN" >"$dir/cred/admin-token"
	cp "$material/ca.crt" "$dir/sd-etc/"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		touch -d "-$((i + 1)) days" "$dir/sd-backups/forsok-2000010${i}T000000Z.db"
	done
	unit_cmd() {
		"$python" - deploy/systemd/forsokd-backup.service "$1" <<'EOF'
import sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
for line in text.splitlines():
    if line.startswith(sys.argv[2] + "="):
        cmd = line.split("=", 1)[1]
        print(cmd.replace("$$", "$").replace("%%", "%"))
EOF
	}
	for key in ExecStart ExecStartPost; do
		cmd="$(unit_cmd "$key" | sed -e "s#/usr/local/bin/forsokd#$bin/forsokd#g" -e "s#/etc/forsok/#$dir/sd-etc/#g")"
		script="$(eval "set -- $cmd"; [[ $1 == /bin/sh && $2 == -c ]] && echo "$3")"
		if env -i PATH="$PATH" FORSOK_URL="https://$http_addr" CREDENTIALS_DIRECTORY="$dir/cred" STATE_DIRECTORY="$dir/sd-backups" \
			/bin/sh -c "$script" 2>&1 | sed 's/^/      /'; then
			ok "forsokd-backup.service $key"
		else
			bad "forsokd-backup.service $key"
		fi
	done
	n="$(find "$dir/sd-backups" -name 'forsok-*.db' | wc -l)"
	# shellcheck disable=SC2012 # the names are ours; ls -t is what the unit's pruning uses
	newest="$(ls -1t "$dir/sd-backups"/forsok-*.db | head -1)"
	if [[ $n -eq 14 && $(stat -c %s "$newest") -gt 0 ]]; then
		ok "systemd backup: $(basename "$newest") written, 14 kept"
	else
		bad "systemd backup: $n files kept, want 14"
	fi

	# (c) compose's backup service: its environment (the Service name and the mount
	# moved here) and the -out of its comment.
	mkdir -p "$dir/compose-backups"
	mapfile -t cenv < <("$python" - deploy/compose.yaml <<'EOF'
import sys, yaml
env = yaml.safe_load(open(sys.argv[1]))["services"]["backup"]["environment"]
for k, v in env.items():
    if v is not None:
        print(f"{k}={v}")
EOF
	)
	for i in "${!cenv[@]}"; do
		cenv[i]="$(sed -e "s#https://forsokd:8080#https://$http_addr#" -e "s#=/etc/forsok/#=$material/#" <<<"${cenv[i]}")"
	done
	echo "      ${cenv[*]} forsokd backup -out .../forsok-compose.db"
	if env -i PATH="$PATH" FORSOK_TOKEN="$FORSOK_TOKEN" "${cenv[@]}" \
		"$bin/forsokd" backup -out "$dir/compose-backups/forsok-compose.db" 2>&1 | sed 's/^/      /' &&
		[[ -s "$dir/compose-backups/forsok-compose.db" ]]; then
		ok "compose backup"
	else
		bad "compose backup"
	fi
	stop "$name"

	# Restore with the restore Job's arguments into a new data directory, then serve
	# from it: the same case, byte for byte. (The development key is copied in so the
	# same token is accepted; a production server needs nothing but forsok.db.)
	mapfile -t rargs < <("$python" - "$rendered" <<'EOF'
import sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc["kind"] == "Job" and doc["metadata"]["name"] == "forsokd-restore":
        for c in doc["spec"]["template"]["spec"]["containers"]:
            print("\n".join(c["args"]))
EOF
	)
	for i in "${!rargs[@]}"; do
		rargs[i]="$(sed -e "s#/data/db#$dir/restored/db#" -e "s#/backups/\$(BACKUP_FILE)#$dir/k8s-backups/forsok-forsokd-backup-29400000.db#" <<<"${rargs[i]}")"
	done
	echo "      forsokd ${rargs[*]}"
	if "$bin/forsokd" "${rargs[@]}" 2>&1 | sed 's/^/      /' && [[ -f "$dir/restored/db/forsok.db" ]]; then
		ok "restore Job arguments: restored"
	else
		bad "restore"
	fi
	for f in "$newest" "$dir/compose-backups/forsok-compose.db"; do
		if "$bin/forsokd" restore -data "$tmp/restore-$(basename "$f")" -in "$f" >/dev/null 2>&1; then
			ok "$(basename "$f") restores too"
		else
			bad "$(basename "$f") does not restore"
		fi
	done
	head -c 8192 "$dir/k8s-backups/forsok-forsokd-backup-29400000.db" >"$dir/truncated.db"
	if "$bin/forsokd" restore -data "$tmp/restore-truncated" -in "$dir/truncated.db" >/dev/null 2>&1; then
		bad "a truncated backup was restored"
	else
		ok "a truncated backup is refused"
	fi
	cp "$data/dev-signing-key.json" "$dir/restored/db/"
	sed "s#^FORSOK_DATA=.*#FORSOK_DATA=$dir/restored/db#" "$dir/env" >"$dir/env.restored"
	if start restored "$dir/env.restored"; then
		curl "${curlopts[@]}" "https://$http_addr/v1/$case_name" >"$dir/after.json"
		if cmp -s "$dir/before.json" "$dir/after.json"; then
			ok "the restored server serves $case_name as before"
		else
			bad "the restored server's answer differs"
			diff "$dir/before.json" "$dir/after.json" | head -5
		fi
		stop restored
	else
		bad "forsokd does not start on the restored data"
	fi
else
	bad "backup: forsokd does not start"
fi

# ---- summary -------------------------------------------------------------------------
step "not checked here"
echo "      docker build/run and docker compose: no Docker engine on this machine"
echo "      kubectl apply (server-side validation, admission, Pod Security): no cluster"
echo "      the units under a running systemd (sandboxing, credentials, timers): PID 1 is not systemd"
echo
if [[ $failures -eq 0 ]]; then
	echo "deploy/check.sh: all checks passed"
else
	echo "deploy/check.sh: $failures check(s) failed"
	exit 1
fi

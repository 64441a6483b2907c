package web

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"librecours/app/config"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The deployment files (deploy/, Dockerfile) are checked here against the
// code: the variables they set exist and are documented, the metrics their
// alerts and dashboard read are served, every alert is explained in
// docs/operations.md; and with the real tools where they are installed
// (.ci/run installs them): promtool, docker-compose, systemd-analyze, caddy.

// repoFile reads a file of the repository.
func repoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var envVarRE = regexp.MustCompile(`\b(LIBRECOURS_[A-Z0-9_]+|MONGODB_URI)\b`)

// configVars are the variables app/config/config.go reads.
func configVars(t *testing.T) []string {
	t.Helper()
	var vars []string
	for _, m := range regexp.MustCompile(`"((?:LIBRECOURS_[A-Z0-9_]+)|MONGODB_URI)"`).FindAllSubmatch(repoFile(t, "app/config/config.go"), -1) {
		vars = append(vars, string(m[1]))
	}
	slices.Sort(vars)
	return slices.Compact(vars)
}

// readmeVars are the variables README.md's configuration table names.
func readmeVars(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, line := range strings.Split(string(repoFile(t, "README.md")), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.SplitN(line, "|", 3)[1]
		for _, v := range envVarRE.FindAllString(first, -1) {
			out[v] = true
		}
		if strings.Contains(first, "`_FILE`") || strings.Contains(first, "(`_FILE`)") {
			for _, v := range envVarRE.FindAllString(first, -1) {
				out[v+"_FILE"] = true
			}
		}
	}
	return out
}

// TestDeployVariables: every variable the deployment files set is one the
// platform reads (so no typo goes unnoticed), and every variable it reads is
// in README.md's configuration table.
func TestDeployVariables(t *testing.T) {
	t.Parallel()
	known := map[string]bool{
		"LIBRECOURS_DOMAIN": true, // Caddy's site address in deploy/compose.yml
		// The reverse-proxy setting of issue #14, on its way into app/config/config.go.
		"LIBRECOURS_TRUSTED_PROXIES": true,
	}
	for _, v := range configVars(t) {
		known[v] = true
	}
	documented := readmeVars(t)
	for _, v := range configVars(t) {
		if !documented[v] {
			t.Errorf("%s is read by app/config/config.go but not in README.md's configuration table", v)
		}
	}
	for _, name := range []string{"Dockerfile", "deploy/compose.yml", "deploy/librecours.env", "deploy/librecours.service", "deploy/Caddyfile"} {
		for _, v := range envVarRE.FindAllString(string(repoFile(t, name)), -1) {
			if !known[v] {
				t.Errorf("%s sets %s, which the platform does not read", name, v)
			}
		}
	}
	// The example environment file parses as the platform's configuration.
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(repoFile(t, "deploy/librecours.env")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("deploy/librecours.env: %q is not NAME=value", line)
		}
		env[k] = v
	}
	if _, err := config.FromEnv(func(k string) string { return env[k] }); err != nil {
		t.Errorf("deploy/librecours.env: %v", err)
	}
}

// composeFile is what the checks read of deploy/compose.yml.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Profiles    []string          `yaml:"profiles"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		ReadOnly    bool              `yaml:"read_only"`
		Networks    yaml.Node         `yaml:"networks"`
	} `yaml:"services"`
}

// TestDeployCompose: the embedded profile is one platform service with its
// data volume; the replicaset profile has three MongoDB members, two
// platform instances on the replica set that trust only the proxy's address,
// and Caddy (whose Caddyfile names both instances). docker-compose config
// validates each profile where docker-compose or the docker compose plugin
// is installed.
func TestDeployCompose(t *testing.T) {
	t.Parallel()
	var c composeFile
	if err := yaml.Unmarshal(repoFile(t, "deploy/compose.yml"), &c); err != nil {
		t.Fatalf("deploy/compose.yml: %v", err)
	}
	byProfile := map[string][]string{}
	for name, s := range c.Services {
		for _, p := range s.Profiles {
			byProfile[p] = append(byProfile[p], name)
		}
		if len(s.Profiles) == 0 {
			t.Errorf("service %s has no profile: it would start with both", name)
		}
	}
	for _, names := range byProfile {
		slices.Sort(names)
	}
	want := map[string][]string{
		"embedded":   {"librecours"},
		"replicaset": {"caddy", "mongo-init", "mongo1", "mongo2", "mongo3", "web1", "web2"},
	}
	if !equalProfiles(byProfile, want) {
		t.Errorf("profiles %v, want %v", byProfile, want)
	}
	emb := c.Services["librecours"]
	if emb.Environment["MONGODB_URI"] != "" || !emb.ReadOnly || emb.Environment["LIBRECOURS_METRICS_ADDR"] == "" {
		t.Errorf("embedded service: %+v", emb)
	}
	var caddyIP string
	var nets map[string]struct {
		IPv4 string `yaml:"ipv4_address"`
	}
	caddyNets := c.Services["caddy"].Networks
	if err := caddyNets.Decode(&nets); err != nil {
		t.Fatalf("caddy networks: %v", err)
	}
	caddyIP = nets["backend"].IPv4
	caddyfile := string(repoFile(t, "deploy/Caddyfile"))
	for _, name := range []string{"web1", "web2"} {
		s := c.Services[name]
		uri := s.Environment["MONGODB_URI"]
		for _, m := range []string{"mongo1:27017", "mongo2:27017", "mongo3:27017", "replicaSet=rs0"} {
			if !strings.Contains(uri, m) {
				t.Errorf("%s: MONGODB_URI %q lacks %s", name, uri, m)
			}
		}
		if got := s.Environment["LIBRECOURS_TRUSTED_PROXIES"]; caddyIP == "" || got != caddyIP {
			t.Errorf("%s trusts %q, want Caddy's fixed address %q", name, got, caddyIP)
		}
		if len(s.Ports) != 0 {
			t.Errorf("%s publishes %v: only Caddy should", name, s.Ports)
		}
		if !strings.Contains(caddyfile, name+":8080") {
			t.Errorf("the Caddyfile does not proxy to %s:8080", name)
		}
	}

	tool, args := composeTool(t)
	for _, p := range []string{"embedded", "replicaset"} {
		cmd := exec.Command(tool, append(args, "-f", filepath.Join("..", "..", "deploy", "compose.yml"), "--profile", p, "config", "-q")...) // #nosec G204 -- the tool found on PATH
		if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("%s config --profile %s: %v\n%s", tool, p, err, out)
		}
	}
}

func equalProfiles(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// composeTool is docker-compose (Debian's package), or the docker CLI's
// compose plugin.
func composeTool(t *testing.T) (string, []string) {
	t.Helper()
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return p, nil
	}
	if p, err := exec.LookPath("docker"); err == nil {
		if exec.Command(p, "compose", "version").Run() == nil { // #nosec G204 -- the tool found on PATH
			return p, []string{"compose"}
		}
	}
	return lookTool(t, "docker-compose"), nil
}

// TestDeployCaddyfile: caddy validate accepts the Caddyfile, for plain HTTP
// and for a domain.
func TestDeployCaddyfile(t *testing.T) {
	t.Parallel()
	caddy := lookTool(t, "caddy")
	for _, domain := range []string{":80", "cours.example.org"} {
		cmd := exec.Command(caddy, "validate", "--adapter", "caddyfile", "--config", filepath.Join("..", "..", "deploy", "Caddyfile")) // #nosec G204 -- the tool found on PATH
		home := t.TempDir()
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home, "LIBRECOURS_DOMAIN="+domain)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("caddy validate (domain %q): %v\n%s", domain, err, out)
		}
	}
}

// TestDeploySystemd: the unit has a dedicated user, a state directory, the
// hardening the operations guide promises and an environment file; and
// systemd-analyze verify finds nothing to say about it.
func TestDeploySystemd(t *testing.T) {
	t.Parallel()
	unit := string(repoFile(t, "deploy/librecours.service"))
	set := map[string][]string{}
	for _, line := range strings.Split(unit, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(line, "#") {
			set[k] = append(set[k], v)
		}
	}
	for k, want := range map[string]string{
		"User": "librecours", "Group": "librecours", "StateDirectory": "librecours",
		"ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectHome": "yes",
		"EnvironmentFile": "/etc/librecours/librecours.env", "Environment": "LIBRECOURS_DATA=/var/lib/librecours",
		"ExecStart": "/usr/local/bin/librecours serve", "CapabilityBoundingSet": "",
	} {
		if !slices.Contains(set[k], want) {
			t.Errorf("%s=%v, want %q", k, set[k], want)
		}
	}

	analyze := lookTool(t, "systemd-analyze")
	// verify wants ExecStart's binary to exist: any executable will do.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "librecours.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/librecours", self)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput() // #nosec G204 -- the tool found on PATH
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// alertsFile is what the checks read of deploy/prometheus/alerts.yml.
type alertsFile struct {
	Groups []struct {
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestDeployAlerts: the alerts the issue asks for are there, each with a
// severity, a summary and a runbook that is a section of
// docs/operations.md; and promtool checks the rules, runs their unit tests
// (deploy/prometheus/alerts_test.yml) and checks the example configuration
// and the dashboard's queries.
func TestDeployAlerts(t *testing.T) {
	t.Parallel()
	var f alertsFile
	if err := yaml.Unmarshal(repoFile(t, "deploy/prometheus/alerts.yml"), &f); err != nil {
		t.Fatal(err)
	}
	ops := string(repoFile(t, "docs/operations.md"))
	var names []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			names = append(names, r.Alert)
			if r.Labels["severity"] != "critical" && r.Labels["severity"] != "warning" {
				t.Errorf("%s: severity %q", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: no summary or description", r.Alert)
			}
			if want := "docs/operations.md#" + strings.ToLower(r.Alert); r.Annotations["runbook"] != want {
				t.Errorf("%s: runbook %q, want %q", r.Alert, r.Annotations["runbook"], want)
			}
			if !strings.Contains(ops, "\n### "+r.Alert+"\n") {
				t.Errorf("docs/operations.md has no section \"### %s\"", r.Alert)
			}
		}
	}
	for _, want := range []string{"LibrecoursDown", "LibrecoursOutboxStuck", "LibrecoursSchedulerStopped",
		"LibrecoursDiskFull", "LibrecoursServerErrors", "LibrecoursCorrectionQueueStale"} {
		if !slices.Contains(names, want) {
			t.Errorf("no alert %s", want)
		}
	}

	promtool := lookTool(t, "promtool")
	dir := filepath.Join("..", "..", "deploy", "prometheus")
	for _, args := range [][]string{
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
		{"check", "config", "prometheus.yml"},
	} {
		cmd := exec.Command(promtool, args...) // #nosec G204 -- the tool found on PATH
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// The dashboard's queries, as recording rules, so promtool parses them.
	var rules bytes.Buffer
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, q := range dashboardQueries(t) {
		q = strings.ReplaceAll(q, "$instance", ".*")
		fmt.Fprintf(&rules, "      - record: dashboard:query_%d\n        expr: %s\n", i, strconvQuote(q))
	}
	path := filepath.Join(t.TempDir(), "dashboard.yml")
	if err := os.WriteFile(path, rules.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil { // #nosec G204 -- the tool found on PATH
		t.Errorf("the dashboard's queries: %v\n%s", err, out)
	}
}

// strconvQuote quotes s for YAML (a JSON string is a YAML string).
func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// dashboardQueries are the PromQL queries of the Grafana dashboard.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	var d struct {
		Title  string
		Panels []struct {
			Type    string
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(repoFile(t, "deploy/grafana/librecours.json"), &d); err != nil {
		t.Fatalf("deploy/grafana/librecours.json: %v", err)
	}
	var out []string
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			out = append(out, q.Expr)
		}
	}
	if d.Title == "" || len(out) < 10 {
		t.Errorf("dashboard %q has %d queries", d.Title, len(out))
	}
	return out
}

var metricNameRE = regexp.MustCompile(`\b((?:librecours|go|process)_[a-z0-9_]+)\b`)

// TestDeployMetricNames: every metric the alert rules and the dashboard
// read is one /metrics serves (a renamed metric would silence an alert).
func TestDeployMetricNames(t *testing.T) {
	t.Parallel()
	cfg := metricsConfig()
	cfg.DataDir = t.TempDir()
	e, _ := newMetricsEnv(t, cfg)
	f := fixtureOn(t, e)
	f.peerWork(t)
	e.do(httptest.NewRequest("GET", "/healthz", nil))
	fams, _ := e.scrape(t)
	served := map[string]bool{}
	for name, fam := range fams {
		served[name] = true
		if fam.GetType().String() == "HISTOGRAM" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				served[name+s] = true
			}
		}
	}
	var f2 alertsFile
	if err := yaml.Unmarshal(repoFile(t, "deploy/prometheus/alerts.yml"), &f2); err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	for _, g := range f2.Groups {
		for _, r := range g.Rules {
			sources["alert "+r.Alert] = r.Expr
		}
	}
	for i, q := range dashboardQueries(t) {
		sources[fmt.Sprintf("dashboard query %d", i)] = q
	}
	for src, expr := range sources {
		for _, name := range metricNameRE.FindAllString(expr, -1) {
			if !served[name] {
				t.Errorf("%s reads %s, which /metrics does not serve", src, name)
			}
		}
	}
}

// TestDockerfile: a multi-stage build of a static binary onto
// distroless/static (CA certificates and tzdata, no shell), run as a
// non-root user, with /data as a volume and a HEALTHCHECK that runs the
// binary's healthcheck command.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := string(repoFile(t, "Dockerfile"))
	var froms, instr []string
	for _, line := range strings.Split(strings.ReplaceAll(df, "\\\n", " "), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr = append(instr, line)
		if strings.HasPrefix(line, "FROM ") {
			froms = append(froms, line)
		}
	}
	has := func(prefix string) string {
		for _, l := range instr {
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		return ""
	}
	if len(froms) != 2 || !strings.Contains(froms[0], " AS build") || !strings.HasPrefix(froms[1], "FROM gcr.io/distroless/static") {
		t.Errorf("stages: %v", froms)
	}
	for prefix, want := range map[string]string{
		"ENV CGO_ENABLED": "CGO_ENABLED=0",
		"VOLUME":          `"/data"`,
		"HEALTHCHECK":     `CMD ["/librecours", "healthcheck"]`,
		"ENTRYPOINT":      `["/librecours"]`,
		"USER":            "USER 65532:65532",
	} {
		if l := has(prefix); !strings.Contains(l, want) {
			t.Errorf("%s: %q, want it to hold %q", prefix, l, want)
		}
	}
}

// TestStaticBinary builds the binary as the Dockerfile does (CGO_ENABLED=0)
// and runs it as the container would: it has no dynamic loader, serves,
// answers its own healthcheck, serves /metrics on LIBRECOURS_METRICS_ADDR in
// JSON logs, and stops cleanly on SIGTERM.
func TestStaticBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "librecours")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".") // #nosec G204 -- a fixed command
	build.Dir = filepath.Join("..", "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a dynamic loader: not static")
		}
	}
	_ = ef.Close()

	addr, metricsAddr := freeAddr(t), freeAddr(t)
	env := append(os.Environ(), "LIBRECOURS_ADDR="+addr, "LIBRECOURS_DATA="+filepath.Join(dir, "data"),
		"LIBRECOURS_METRICS_ADDR="+metricsAddr, "LIBRECOURS_LOG_FORMAT=json", "MONGODB_URI=")
	var logs bytes.Buffer
	srv := exec.Command(bin, "serve") // #nosec G204 -- the binary just built
	srv.Env, srv.Stderr = env, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill() }()
	healthy := false
	for range 300 { // 30 s at most for the first start on a loaded machine
		hc := exec.Command(bin, "healthcheck") // #nosec G204 -- the binary just built
		hc.Env = env
		if hc.Run() == nil {
			healthy = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !healthy {
		t.Fatalf("healthcheck never passed; log:\n%s", logs.String())
	}
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`librecours_info{store="sqlite"} 1`)) {
		t.Errorf("metrics listener: %d\n%.300s", resp.StatusCode, body)
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(); err != nil {
		t.Errorf("stop: %v\n%s", err, logs.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("not a JSON log line: %q", line)
		}
	}
	hc := exec.Command(bin, "healthcheck") // #nosec G204 -- the binary just built
	hc.Env = env
	if hc.Run() == nil {
		t.Error("healthcheck passes with the server stopped")
	}
}

// freeAddr is a loopback address with a port free now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

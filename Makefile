# Shortcuts for the commands in README.md and docs/performance.md.
.PHONY: test test-short load load-mooc load-history load-smoke bench

# The whole test suite, as CI runs it (the load harness only in its short smoke test).
test:
	go test ./...

# The fast tier: unit, store conformance on SQLite, HTTP (no browser, crash,
# fault or MongoDB-protocol suites).
test-short:
	go test -short ./...

# Load harness at Libre cours scale: 20 closed sessions of 30 and a running session of 100.
load:
	go run ./app/cmd/load

# Load harness at MOOC scale: one running session of 100, 500, 1,000, 5,000 and 20,000.
load-mooc:
	go run ./app/cmd/load -scale mooc

# Load harness against history: 20, then 200 closed sessions beside a running one of 100.
load-history:
	go run ./app/cmd/load -scale history

# A few seconds: checks that every scenario runs.
load-smoke:
	go run ./app/cmd/load -smoke

# Scaling benchmarks (assignment, aggregation, results, certificates); the 1M
# cases take minutes.
bench:
	go test ./grading ./certificates -run '^$$' -bench . -benchmem

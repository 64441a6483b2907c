// Command load seeds a dataset, serves it and measures the platform under
// concurrent clients; see docs/performance.md.
//
//	go run ./app/cmd/load                    # Libre cours scale
//	go run ./app/cmd/load -scale mooc        # 100, 500, 1,000, 5,000 and 20,000 participants
//	go run ./app/cmd/load -scale history     # 20 then 200 closed sessions beside a running one of 100
//	go run ./app/cmd/load -smoke             # seconds: checks that everything runs
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"librecours/app/loadtest"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scale := fs.String("scale", "libre", "libre: 20 closed sessions of 30 and a running session of 100; mooc: one running session of 100, 500, 1000, 5000 and 20000; history: 20 then 200 closed sessions of 30 beside a running session of 100")
	participants := fs.String("participants", "", "running session sizes, comma-separated (overrides the scale's)")
	closed := fs.String("closed", "", "numbers of closed sessions, comma-separated (overrides the scale's)")
	closedSize := fs.Int("closed-size", 30, "participants of each closed session")
	conc := fs.Int("c", 32, "concurrent clients")
	dur := fs.Duration("duration", 10*time.Second, "measured time per scenario")
	warm := fs.Duration("warmup", 2*time.Second, "unmeasured time per scenario before it")
	smoke := fs.Bool("smoke", false, "tiny dataset and short runs: checks the harness, measures nothing")
	data := fs.String("data", "", "folder keeping the seeded databases (reused by later runs); a temporary one by default")
	profile := fs.String("profile", "", "folder receiving a CPU profile per scenario")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o := loadtest.Options{ClosedSize: *closedSize, Concurrency: *conc, Duration: *dur, Warmup: *warm,
		DataDir: *data, ProfileDir: *profile,
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
	switch *scale {
	case "libre":
		o.Closed, o.Participants = []int{20}, []int{100}
	case "mooc":
		o.Closed, o.Participants = []int{0}, []int{100, 500, 1000, 5000, 20000}
	case "history":
		o.Closed, o.Participants = []int{20, 200}, []int{100}
	default:
		fmt.Fprintf(stderr, "load: unknown scale %q (libre, mooc or history)\n", *scale)
		return 2
	}
	if *smoke {
		o.Closed, o.ClosedSize, o.Participants = []int{1}, 8, []int{8}
		o.Concurrency, o.Duration, o.Warmup = 4, 300*time.Millisecond, 0
	}
	var err error
	if *participants != "" {
		if o.Participants, err = ints(*participants); err != nil {
			fmt.Fprintf(stderr, "load: -participants: %v\n", err)
			return 2
		}
	}
	if *closed != "" {
		if o.Closed, err = ints(*closed); err != nil {
			fmt.Fprintf(stderr, "load: -closed: %v\n", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := loadtest.Run(ctx, o, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "load: %v\n", err)
		return 1
	}
	for _, r := range rep.Runs {
		for _, s := range r.Scenarios {
			if s.Errors > 0 {
				fmt.Fprintf(stderr, "load: %d errors in %q\n", s.Errors, s.Name)
				return 1
			}
		}
	}
	return 0
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

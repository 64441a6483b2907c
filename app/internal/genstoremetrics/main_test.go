package main

import (
	"bytes"
	"os"
	"testing"
)

// TestUpToDate fails when a store interface changed and app/metrics/stores.go
// was not generated again (a new method would go untimed).
func TestUpToDate(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../metrics/stores.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("app/metrics/stores.go is out of date: run go generate ./app/metrics")
	}
}

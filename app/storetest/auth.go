package storetest

import "testing"

// Auth is the conformance suite of STUB (to be written).
func Auth(t *testing.T, open Open) {}

package storetest

import "testing"

// Certificates is the conformance suite of STUB (to be written).
func Certificates(t *testing.T, open Open) {}

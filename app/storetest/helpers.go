package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// checkList fails t unless a store read returned want without an error; an
// empty list and nil are alike. what names the read in the message, or is
// empty where the subtest's name says it.
func checkList[T any](t *testing.T, what string, want, got []T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		if what != "" {
			what += " "
		}
		t.Fatalf("%s(-want +got):\n%s", what, diff)
	}
}

// storeRead is a named read of a store S, for checkRestored.
type storeRead[S any] struct {
	name string
	read func(s S) (any, error)
}

// checkRestored runs each read on the store before a backup and on the
// store it was restored into: both must return the same.
func checkRestored[S any](t *testing.T, before, after S, reads []storeRead[S]) {
	t.Helper()
	for _, tc := range reads {
		t.Run(tc.name, func(t *testing.T) {
			want, err := tc.read(before)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tc.read(after)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("after a restore (-before +after):\n%s", diff)
			}
		})
	}
}

// together runs fn in n goroutines started together and waits for them.
func together(n int, fn func(w int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(w)
		}()
	}
	close(start)
	wg.Wait()
}

// wins counts the calls that returned nil among errs, and reports every
// error that is not allowed, the one a losing racer may get.
func wins(t *testing.T, what string, errs []error, allowed error) int {
	t.Helper()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, allowed):
			t.Errorf("%s: %v", what, err)
		}
	}
	return ok
}

// listCall is a named store read and the list it must return.
type listCall[T any] struct {
	name string
	call func() ([]T, error)
	want []T
}

// checkCalls runs each read in a subtest and checks it with checkList.
func checkCalls[T any](t *testing.T, calls []listCall[T]) {
	t.Helper()
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call()
			checkList(t, "", tc.want, got, err)
		})
	}
}

package password

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHashAndCheck(t *testing.T) {
	t.Parallel()
	h, err := Hash("une phrase de passe")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("stored hashes use OWASP's parameters: %s", h)
	}
	for pw, want := range map[string]bool{"une phrase de passe": true, "une phrase de passe ": false, "": false} {
		if ok, err := Check(h, pw); err != nil || ok != want {
			t.Errorf("Check(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	cheap, err := HashWith(Params{Memory: 64, Time: 1, Threads: 1}, "x")
	if err != nil || !strings.Contains(cheap, "$m=64,t=1,p=1$") {
		t.Fatalf("HashWith: %s %v", cheap, err)
	}
	if ok, err := Check(cheap, "x"); !ok || err != nil {
		t.Fatalf("a hash is checked with its own parameters: %v %v", ok, err)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=64,t=99,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$"} {
		if ok, err := Check(bad, "x"); ok || !errors.Is(err, errBadHash) {
			t.Errorf("Check(%q) = %v, %v; want errBadHash", bad, ok, err)
		}
	}
	if ok, err := Check(DummyHash, "x"); ok || err != nil {
		t.Fatalf("the dummy hash is a well-formed hash nobody matches: %v %v", ok, err)
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := NewLimiter(0)
	l.Params = Params{Memory: 64, Time: 1, Threads: 1}
	for range cap(l.Slots) {
		l.Slots <- struct{}{}
	}
	ran := false
	if err := l.Do(context.Background(), func() { ran = true }); !errors.Is(err, ErrBusy) || ran {
		t.Fatalf("every slot taken: %v, ran %v", err, ran)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.Wait = time.Hour
	if err := l.Do(ctx, func() { ran = true }); !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("a cancelled wait: %v", err)
	}
	<-l.Slots
	h, err := l.Hash("y")
	if err != nil || !strings.Contains(h, "$m=64,t=1,p=1$") {
		t.Fatalf("Limiter.Hash uses its Params: %s %v", h, err)
	}
	l.Slots <- struct{}{} // every slot taken again
	if ok, err := l.Check(ctx, h, "y"); err == nil || ok {
		t.Fatalf("Check with a cancelled context and no free slot: %v %v", ok, err)
	}
	<-l.Slots
	if ok, err := l.Check(context.Background(), h, "y"); !ok || err != nil {
		t.Fatalf("Check: %v %v", ok, err)
	}
}

func TestCommon(t *testing.T) {
	t.Parallel()
	c, err := LoadCommon()
	if err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{"password": true, "P@ssw0rd": true, "Soleil123!": true, "motdepasse": true,
		"une phrase de passe solide": false, "abc-98765432": false} {
		if got := c.Has(pw); got != want {
			t.Errorf("Has(%q) = %v, want %v", pw, got, want)
		}
	}
}

package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"librecours/course"
)

func TestAPIAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.user("coord@example.org", "Coord", course.RoleCoordinator)
	ctok := e.token(coord)

	t.Run("register, sign in, me", func(t *testing.T) {
		res := e.api("POST", "/api/v1/auth/register", "", map[string]string{"email": "Ada@Example.org", "name": "Ada", "password": "correct horse"})
		if res.Status != http.StatusAccepted {
			t.Fatalf("register: %d %s", res.Status, res.Body)
		}
		res = e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": "ada@example.org", "password": "correct horse"})
		var tok struct {
			Token string
			User  userJSON
		}
		res.decode(t, &tok)
		u := tok.User
		if res.Status != 200 || tok.Token == "" || u.Email != "ada@example.org" || len(u.Roles) != 1 || u.Roles[0] != "participant" || u.ID == "" {
			t.Fatalf("token: %d %s", res.Status, res.Body)
		}
		res = e.api("GET", "/api/v1/me", tok.Token, nil)
		var me userJSON
		res.decode(t, &me)
		if res.Status != 200 || me.ID != u.ID {
			t.Fatalf("me: %d %s", res.Status, res.Body)
		}
		if res := e.api("DELETE", "/api/v1/auth/token", tok.Token, nil); res.Status != http.StatusNoContent {
			t.Fatalf("revoke: %d", res.Status)
		}
		if res := e.api("GET", "/api/v1/me", tok.Token, nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("me after revoke: %d", res.Status)
		}
	})

	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"me without token", "GET", "/api/v1/me", "", nil, 401, "unauthenticated"},
		{"me with a bad token", "GET", "/api/v1/me", "nope", nil, 401, "unauthenticated"},
		{"wrong password", "POST", "/api/v1/auth/token", "", map[string]string{"email": "coord@example.org", "password": "wrong-password"}, 401, "bad_credentials"},
		{"unknown email", "POST", "/api/v1/auth/token", "", map[string]string{"email": "nobody@example.org", "password": "whatever1"}, 401, "bad_credentials"},
		{"short password", "POST", "/api/v1/auth/register", "", map[string]string{"email": "b@example.org", "name": "B", "password": "short"}, 422, "invalid"},
		{"bad email", "POST", "/api/v1/auth/register", "", map[string]string{"email": "b", "name": "B", "password": "cle-de-test-42"}, 422, "invalid"},
		{"common password", "POST", "/api/v1/auth/register", "", map[string]string{"email": "b@example.org", "name": "B", "password": "password1"}, 422, "invalid"},
		{"common password in capitals", "POST", "/api/v1/auth/register", "", map[string]string{"email": "b@example.org", "name": "B", "password": "PASSWORD1"}, 422, "invalid"},
		{"common password for a coordinator too", "POST", "/api/v1/users", ctok, map[string]any{"email": "c@example.org", "name": "C", "password": "12345678"}, 422, "invalid"},
		{"roles on register", "POST", "/api/v1/auth/register", "", map[string]any{"email": "b@example.org", "name": "B", "password": "cle-de-test-42", "roles": []string{"coordinator"}}, 422, "invalid"},
		{"malformed JSON", "POST", "/api/v1/auth/register", "", `{"email": `, 400, "bad_request"},
		{"empty body", "POST", "/api/v1/auth/register", "", "", 400, "bad_request"},
		{"unknown field", "POST", "/api/v1/auth/register", "", `{"email":"b@example.org","name":"B","password":"cle-de-test-42","admin":true}`, 400, "bad_request"},
		{"wrong type", "POST", "/api/v1/auth/register", "", `{"email":42,"name":"B","password":"cle-de-test-42"}`, 422, "invalid"},
		{"trailing data", "POST", "/api/v1/auth/register", "", `{"email":"b@example.org","name":"B","password":"cle-de-test-42"} {}`, 400, "bad_request"},
		{"body over 1 MiB", "POST", "/api/v1/auth/register", "", `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, 413, "payload_too_large"},
		{"users by anonymous", "POST", "/api/v1/users", "", map[string]any{"email": "c@example.org", "name": "C", "password": "cle-de-test-42"}, 401, "unauthenticated"},
		{"users with a bad role", "POST", "/api/v1/users", ctok, map[string]any{"email": "c@example.org", "name": "C", "password": "cle-de-test-42", "roles": []string{"root"}}, 422, "invalid"},
		{"users duplicate", "POST", "/api/v1/users", ctok, map[string]any{"email": "coord@example.org", "name": "C", "password": "cle-de-test-42"}, 409, "email_taken"},
		{"unknown API route", "GET", "/api/v1/nothing-here", ctok, nil, 404, "not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.api(tc.method, tc.path, tc.token, tc.body)
			if res.Status != tc.status || res.errorCode() != tc.code {
				t.Fatalf("%s %s = %d %s, want %d %s", tc.method, tc.path, res.Status, res.Body, tc.status, tc.code)
			}
			if res.errorMessage() == "" {
				t.Fatal("error without a message")
			}
		})
	}

	t.Run("coordinator creates users with roles; participants cannot", func(t *testing.T) {
		res := e.api("POST", "/api/v1/users", ctok, map[string]any{"email": "anim@example.org", "name": "Anim", "password": "cle-de-test-42", "roles": []string{"animator", "participant"}})
		var u userJSON
		res.decode(t, &u)
		if res.Status != 201 || len(u.Roles) != 2 {
			t.Fatalf("create animator: %d %s", res.Status, res.Body)
		}
		p := e.user("p@example.org", "P", course.RoleParticipant)
		res = e.api("POST", "/api/v1/users", e.token(p), map[string]any{"email": "x@example.org", "name": "X", "password": "cle-de-test-42"})
		if res.Status != 403 || res.errorCode() != "forbidden" {
			t.Fatalf("participant creating a user: %d %s", res.Status, res.Body)
		}
		if res := e.api("GET", "/api/v1/users", e.token(p), nil); res.Status != 403 {
			t.Fatalf("participant listing users: %d", res.Status)
		}
	})

	t.Run("messages are localized", func(t *testing.T) {
		body := map[string]string{"email": "b@example.org", "name": "B", "password": "short"}
		fr := e.api("POST", "/api/v1/auth/register", "", body)
		en := e.api("POST", "/api/v1/auth/register", "", body, "Accept-Language", "en-GB,en;q=0.9")
		if !strings.Contains(fr.errorMessage(), "Mot de passe") || !strings.Contains(fr.errorMessage(), "8 caractères") {
			t.Fatalf("French message = %q", fr.errorMessage())
		}
		if !strings.Contains(en.errorMessage(), "Password") || !strings.Contains(en.errorMessage(), "8 characters") {
			t.Fatalf("English message = %q", en.errorMessage())
		}
		if !strings.Contains(string(fr.Body), `"field":"password"`) {
			t.Fatalf("no field in %s", fr.Body)
		}
	})
}

func TestAPISignInThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("victim@example.org", "Victim", course.RoleParticipant)
	bad := map[string]string{"email": u.Email, "password": "wrong-password"}
	for i := range throttlePerAccount {
		if res := e.api("POST", "/api/v1/auth/token", "", bad); res.Status != 401 {
			t.Fatalf("attempt %d: %d", i+1, res.Status)
		}
	}
	good := map[string]string{"email": u.Email, "password": testPassword(u.Email)}
	res := e.api("POST", "/api/v1/auth/token", "", good)
	if res.Status != http.StatusTooManyRequests || res.errorCode() != "too_many_attempts" {
		t.Fatalf("after %d failures: %d %s, want 429", throttlePerAccount, res.Status, res.Body)
	}
	e.clock.Set(testStart.Add(throttleWindow + time.Minute))
	if res := e.api("POST", "/api/v1/auth/token", "", good); res.Status != 200 {
		t.Fatalf("after the window: %d %s", res.Status, res.Body)
	}

	// Per IP: many accounts from one address.
	for i := 0; i < throttlePerIP; i++ {
		e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": fmt.Sprintf("nobody%d@example.org", i), "password": "wrong-password"})
	}
	if res := e.api("POST", "/api/v1/auth/token", "", good); res.Status != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from one IP: %d", throttlePerIP, res.Status)
	}
}

func TestAPISessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.user("coord@example.org", "Coord", course.RoleCoordinator)
	anim := e.user("anim@example.org", "Anim", course.RoleAnimator)
	other := e.user("other@example.org", "Other", course.RoleAnimator)
	p1 := e.user("p1@example.org", "P1", course.RoleParticipant)
	p2 := e.user("p2@example.org", "P2", course.RoleParticipant)
	p3 := e.user("p3@example.org", "P3", course.RoleParticipant)
	ct, at, ot, t1, t2, t3 := e.token(coord), e.token(anim), e.token(other), e.token(p1), e.token(p2), e.token(p3)

	create := func(format, start string, capacity int) sessionJSON {
		t.Helper()
		res := e.api("POST", "/api/v1/sessions", ct, map[string]any{"format": format, "starts_on": start, "capacity": capacity})
		if res.Status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", format, res.Status, res.Body)
		}
		var s sessionJSON
		res.decode(t, &s)
		return s
	}
	a := create("LCIII", "2026-03-02", 2)
	b := create("LCIII", "2026-05-04", 0)
	c := create("LCVI", "2026-03-02", 0)

	t.Run("codes, parts and dates", func(t *testing.T) {
		for _, tc := range []struct {
			s            sessionJSON
			code, endsOn string
		}{{a, "LCIII-001", "2026-03-22"}, {b, "LCIII-002", "2026-05-24"}, {c, "LCVI-001", "2026-04-12"}} {
			if tc.s.Code != tc.code || tc.s.EndsOn != tc.endsOn || len(tc.s.Parts) != 6 || tc.s.Status != "upcoming" {
				t.Fatalf("session = %+v, want code %s ends %s with 6 parts", tc.s, tc.code, tc.endsOn)
			}
		}
		// LCIII: two parts a week; LCVI: one a week (Paris, UTC+1 in March).
		if a.Parts[0].OpensAt != "2026-03-01T23:00:00Z" || a.Parts[1].OpensAt != "2026-03-04T23:00:00Z" || a.Parts[2].OpensAt != "2026-03-08T23:00:00Z" {
			t.Fatalf("LCIII parts open at %s, %s, %s", a.Parts[0].OpensAt, a.Parts[1].OpensAt, a.Parts[2].OpensAt)
		}
		if c.Parts[1].OpensAt != "2026-03-08T23:00:00Z" || c.Parts[5].ReviewDue != "2026-04-12T21:59:00Z" {
			t.Fatalf("LCVI part 2 opens %s, part 6 reviews due %s", c.Parts[1].OpensAt, c.Parts[5].ReviewDue)
		}
		if a.Evaluation.OpensAt != "2026-03-15T23:00:00Z" || a.Evaluation.Due != "2026-03-22T22:59:00Z" {
			t.Fatalf("evaluation = %+v", a.Evaluation)
		}
		res := e.api("GET", "/api/v1/sessions/"+a.ID, t1, nil)
		var got sessionJSON
		res.decode(t, &got)
		if res.Status != 200 || got.Code != "LCIII-001" {
			t.Fatalf("get: %d %s", res.Status, res.Body)
		}
		res = e.api("GET", "/api/v1/sessions", t1, nil)
		var list []sessionJSON
		res.decode(t, &list)
		if res.Status != 200 || len(list) != 3 {
			t.Fatalf("list: %d, %d sessions", res.Status, len(list))
		}
	})

	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"create by participant", "POST", "/api/v1/sessions", t1, map[string]any{"format": "LCIII", "starts_on": "2026-03-02"}, 403, "forbidden"},
		{"create by animator", "POST", "/api/v1/sessions", at, map[string]any{"format": "LCIII", "starts_on": "2026-03-02"}, 403, "forbidden"},
		{"create anonymously", "POST", "/api/v1/sessions", "", map[string]any{"format": "LCIII", "starts_on": "2026-03-02"}, 401, "unauthenticated"},
		{"bad format", "POST", "/api/v1/sessions", ct, map[string]any{"format": "LCX", "starts_on": "2026-03-02"}, 422, "invalid"},
		{"bad date", "POST", "/api/v1/sessions", ct, map[string]any{"format": "LCVI", "starts_on": "2 mars"}, 422, "invalid"},
		{"negative capacity", "POST", "/api/v1/sessions", ct, map[string]any{"format": "LCVI", "starts_on": "2026-03-02", "capacity": -3}, 422, "invalid"},
		{"huge number", "POST", "/api/v1/sessions", ct, `{"format":"LCVI","starts_on":"2026-03-02","capacity":1e400}`, 422, "invalid"},
		{"list anonymously", "GET", "/api/v1/sessions", "", nil, 401, "unauthenticated"},
		{"unknown session", "GET", "/api/v1/sessions/nope", t1, nil, 404, "not_found"},
		{"animators by animator", "POST", "/api/v1/sessions/" + a.ID + "/animators", at, map[string]string{"user_id": anim.ID}, 403, "forbidden"},
		{"animator unknown user", "POST", "/api/v1/sessions/" + a.ID + "/animators", ct, map[string]string{"user_id": "nobody"}, 422, "invalid"},
		{"enrol someone else as participant", "POST", "/api/v1/sessions/" + a.ID + "/enrolments", t1, map[string]string{"user_id": p2.ID}, 403, "forbidden"},
		{"enrol in unknown session", "POST", "/api/v1/sessions/nope/enrolments", t1, nil, 404, "not_found"},
		{"evaluation by animator", "PATCH", "/api/v1/sessions/" + a.ID + "/evaluation", at, map[string]string{"due": "2026-03-30T10:00:00Z"}, 403, "forbidden"},
		{"part by participant", "PATCH", "/api/v1/sessions/" + a.ID + "/parts/1", t1, map[string]string{"title": "x"}, 403, "forbidden"},
		{"part 7", "PATCH", "/api/v1/sessions/" + a.ID + "/parts/7", ct, map[string]string{"title": "x"}, 404, "not_found"},
		{"capacity by participant", "PATCH", "/api/v1/sessions/" + a.ID, t1, map[string]int{"capacity": 5}, 403, "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.api(tc.method, tc.path, tc.token, tc.body)
			if res.Status != tc.status || res.errorCode() != tc.code {
				t.Fatalf("%s %s = %d %s, want %d %s", tc.method, tc.path, res.Status, res.Body, tc.status, tc.code)
			}
		})
	}

	t.Run("enrolment and capacity", func(t *testing.T) {
		if res := e.api("POST", "/api/v1/sessions/"+a.ID+"/enrolments", t1, nil); res.Status != 201 {
			t.Fatalf("enrol p1: %d %s", res.Status, res.Body)
		}
		if res := e.api("POST", "/api/v1/sessions/"+a.ID+"/enrolments", t1, nil); res.Status != 409 || res.errorCode() != "already_enrolled" {
			t.Fatalf("enrol p1 again: %d %s", res.Status, res.Body)
		}
		if res := e.api("POST", "/api/v1/sessions/"+a.ID+"/enrolments", ct, map[string]string{"user_id": p2.ID}); res.Status != 201 {
			t.Fatalf("coordinator enrols p2: %d %s", res.Status, res.Body)
		}
		if res := e.api("POST", "/api/v1/sessions/"+a.ID+"/enrolments", t3, nil); res.Status != 409 || res.errorCode() != "session_full" {
			t.Fatalf("enrol p3 in a full session: %d %s", res.Status, res.Body)
		}
		if res := e.api("PATCH", "/api/v1/sessions/"+a.ID, ct, map[string]int{"capacity": 1}); res.Status != 422 {
			t.Fatalf("capacity below enrolled: %d %s", res.Status, res.Body)
		}
		res := e.api("PATCH", "/api/v1/sessions/"+a.ID, ct, map[string]int{"capacity": 3})
		var s sessionJSON
		res.decode(t, &s)
		if res.Status != 200 || s.Capacity != 3 || s.Enrolled != 2 {
			t.Fatalf("raise capacity: %d %s", res.Status, res.Body)
		}
		if res := e.api("POST", "/api/v1/sessions/"+a.ID+"/enrolments", t3, nil); res.Status != 201 {
			t.Fatalf("enrol p3 after raising capacity: %d %s", res.Status, res.Body)
		}
		res = e.api("GET", "/api/v1/sessions/"+a.ID+"/enrolments", ct, nil)
		var es []enrolmentJSON
		res.decode(t, &es)
		if res.Status != 200 || len(es) != 3 {
			t.Fatalf("enrolments: %d %s", res.Status, res.Body)
		}
		if res := e.api("GET", "/api/v1/sessions/"+a.ID+"/enrolments", t2, nil); res.Status != 403 {
			t.Fatalf("participant listing participants: %d", res.Status)
		}
	})

	t.Run("animators have powers in their sessions only", func(t *testing.T) {
		if res := e.api("POST", "/api/v1/sessions/"+a.ID+"/animators", ct, map[string]string{"user_id": anim.ID}); res.Status != 201 {
			t.Fatalf("add animator: %d %s", res.Status, res.Body)
		}
		// A participant made animator gets the role.
		if res := e.api("POST", "/api/v1/sessions/"+c.ID+"/animators", ct, map[string]string{"user_id": p3.ID}); res.Status != 201 {
			t.Fatalf("add participant as animator: %d %s", res.Status, res.Body)
		}
		var me userJSON
		e.api("GET", "/api/v1/me", t3, nil).decode(t, &me)
		if strings.Join(me.Roles, ",") != "participant,animator" {
			t.Fatalf("roles after becoming animator: %v", me.Roles)
		}
		res := e.api("PATCH", "/api/v1/sessions/"+a.ID+"/parts/2", at, map[string]string{
			"title": "Les licences libres, pas à pas", "opens_at": "2026-03-01T10:00:00Z", "submission_due": "2026-03-06T18:00:00+01:00"})
		var p partJSON
		res.decode(t, &p)
		if res.Status != 200 || p.Title != "Les licences libres, pas à pas" || p.SubmissionDue != "2026-03-06T17:00:00Z" || p.OpensAt != "2026-03-01T10:00:00Z" {
			t.Fatalf("animator moves part 2: %d %s", res.Status, res.Body)
		}
		if res := e.api("PATCH", "/api/v1/sessions/"+b.ID+"/parts/2", at, map[string]string{"title": "x"}); res.Status != 403 {
			t.Fatalf("animator of another session: %d %s", res.Status, res.Body)
		}
		if res := e.api("PATCH", "/api/v1/sessions/"+a.ID+"/parts/2", ot, map[string]string{"title": "x"}); res.Status != 403 {
			t.Fatalf("animator not of this session: %d %s", res.Status, res.Body)
		}
		res = e.api("PATCH", "/api/v1/sessions/"+a.ID+"/parts/2", at, map[string]string{"review_due": "2026-03-05T00:00:00Z"})
		if res.Status != 422 || !strings.Contains(string(res.Body), `"field":"review_due"`) {
			t.Fatalf("review before submission: %d %s", res.Status, res.Body)
		}
		if res := e.api("PATCH", "/api/v1/sessions/"+a.ID+"/parts/2", at, map[string]string{"opens_at": "yesterday"}); res.Status != 422 {
			t.Fatalf("bad time: %d %s", res.Status, res.Body)
		}
		res = e.api("PATCH", "/api/v1/sessions/"+a.ID+"/evaluation", ct, map[string]string{"opens_at": "2026-03-20T08:00:00Z", "due": "2026-03-27T20:00:00Z"})
		var w windowJSON
		res.decode(t, &w)
		if res.Status != 200 || w.OpensAt != "2026-03-20T08:00:00Z" || w.Due != "2026-03-27T20:00:00Z" {
			t.Fatalf("evaluation window: %d %s", res.Status, res.Body)
		}
		if res := e.api("PATCH", "/api/v1/sessions/"+a.ID+"/evaluation", ct, map[string]string{"due": "2026-03-01T00:00:00Z"}); res.Status != 422 {
			t.Fatalf("evaluation due before open: %d", res.Status)
		}
		var got sessionJSON
		e.api("GET", "/api/v1/sessions/"+a.ID, t1, nil).decode(t, &got)
		if got.Parts[1].Title != "Les licences libres, pas à pas" || got.Evaluation.Due != "2026-03-27T20:00:00Z" {
			t.Fatalf("changes not stored: %+v", got)
		}
	})

	t.Run("enrolment closes with the session", func(t *testing.T) {
		e.clock.Set(time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC)) // LCIII-001 ended on 22 March
		if res := e.api("POST", "/api/v1/sessions/"+a.ID+"/enrolments", t2, nil); res.Status != 409 || res.errorCode() != "session_closed" {
			t.Fatalf("enrol after the end: %d %s", res.Status, res.Body)
		}
		var s sessionJSON
		e.api("GET", "/api/v1/sessions/"+a.ID, t1, nil).decode(t, &s)
		if s.Status != "ended" {
			t.Fatalf("status after the end = %s", s.Status)
		}
	})
}

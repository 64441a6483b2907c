// Package demo seeds the demo data of "librecours demo": a coordinator,
// animators and participants in a running LCIII session and an upcoming
// LCVI one, with part 1 submitted and reviewed.
package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"librecours/app"
	"math/big"
	"time"

	"librecours/course"
	"librecours/grading"
)

// demoPerson is an account of the demo data.
type demoPerson struct {
	Email string
	Name  string
	Role  course.Role
}

var demoPeople = []demoPerson{
	{"coordination@demo.librecours.test", "Dominique Coordination", course.RoleCoordinator},
	{"animation1@demo.librecours.test", "Aurélie Animatrice", course.RoleAnimator},
	{"animation2@demo.librecours.test", "Bastien Animateur", course.RoleAnimator},
	{"camille@demo.librecours.test", "Camille Martin", course.RoleParticipant},
	{"leo@demo.librecours.test", "Léo Bernard", course.RoleParticipant},
	{"ines@demo.librecours.test", "Inès Dubois", course.RoleParticipant},
	{"hugo@demo.librecours.test", "Hugo Thomas", course.RoleParticipant},
	{"chloe@demo.librecours.test", "Chloé Robert", course.RoleParticipant},
	{"nathan@demo.librecours.test", "Nathan Richard", course.RoleParticipant},
	{"zoe@demo.librecours.test", "Zoé Petit", course.RoleParticipant},
	{"lucas@demo.librecours.test", "Lucas Durand", course.RoleParticipant},
	{"manon@demo.librecours.test", "Manon Leroy", course.RoleParticipant},
	{"theo@demo.librecours.test", "Théo Moreau", course.RoleParticipant},
	{"lea@demo.librecours.test", "Léa Simon", course.RoleParticipant},
	{"noah@demo.librecours.test", "Noah Laurent", course.RoleParticipant},
}

type demoMarker struct {
	Sessions []string `bson:"sessions"`
}

const demoKey = "demo"

// Seed creates the demo accounts and sessions once, through p's services:
// accounts that already exist are kept (their passwords were printed when
// they were created), and the sessions are created only if the marker says
// they were not. now is p's clock.
func Seed(ctx context.Context, p *app.Platform, now func() time.Time, out io.Writer) error {
	svc, grad := p.Course, p.Grading
	st := p.Store.Stores()
	store, settings := st.Course, st.Settings
	var marker demoMarker
	err := settings.Get(ctx, demoKey, &marker)
	if err == nil {
		fmt.Fprintln(out, "Demo data is already there; its passwords were printed when it was first seeded.")
		for _, d := range demoPeople {
			fmt.Fprintf(out, "  %-12s %s\n", d.Role, d.Email)
		}
		return nil
	}
	if !errors.Is(err, course.ErrNotFound) {
		return err
	}

	users := make([]*course.User, len(demoPeople))
	fmt.Fprintln(out, "Demo accounts (passwords are shown this once):")
	for i, d := range demoPeople {
		var pw string
		var u *course.User
		for try := 0; ; try++ {
			if pw, err = demoPassword(); err != nil {
				return err
			}
			u, err = svc.Bootstrap(ctx, course.NewUser{Email: d.Email, Name: d.Name, Password: pw, Roles: []course.Role{d.Role}})
			// A random password may hold a short name ("lea"): draw again.
			var ve *course.ValidationError
			if !errors.As(err, &ve) || ve.Field != "password" || try == 10 {
				break
			}
		}
		switch {
		case errors.Is(err, course.ErrEmailTaken):
			if u, err = store.UserByEmail(ctx, d.Email); err != nil {
				return err
			}
			fmt.Fprintf(out, "  %-12s %-38s (already existed)\n", d.Role, d.Email)
		case err != nil:
			return err
		default:
			fmt.Fprintf(out, "  %-12s %-38s %s\n", d.Role, d.Email, pw)
		}
		users[i] = u
	}
	coord := users[0]

	// LCIII started on this week's Monday, so it is running; LCVI starts
	// next Monday, so people can still enrol.
	loc, err := time.LoadLocation(p.Config.TimeZone)
	if err != nil {
		return err
	}
	today := now().In(loc)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	plans := []struct {
		format   course.Format
		start    time.Time
		anims    []*course.User
		students []*course.User
	}{
		{course.LCIII, monday, users[1:3], users[3:11]},
		{course.LCVI, monday.AddDate(0, 0, 7), users[2:3], users[11:]},
	}
	for _, pl := range plans {
		sess, err := svc.CreateSession(ctx, coord, course.NewSession{Format: string(pl.format), StartsOn: pl.start.Format(course.DateLayout), Capacity: 30})
		if err != nil {
			return err
		}
		for _, a := range pl.anims {
			if err := svc.AddAnimator(ctx, coord, sess.ID, a.ID); err != nil {
				return err
			}
		}
		for _, st := range pl.students {
			if err := svc.Enrol(ctx, coord, sess.ID, st.ID); err != nil && !errors.Is(err, course.ErrAlreadyEnrolled) {
				return err
			}
		}
		if err := grad.InitSession(ctx, sess.ID); err != nil {
			return err
		}
		if pl.format == course.LCIII {
			if err := seedPart1(ctx, grad, sess, pl.students, now()); err != nil {
				return err
			}
		}
		marker.Sessions = append(marker.Sessions, sess.ID)
		fmt.Fprintf(out, "Demo session %s starts on %s with %d participants.\n", sess.Code, sess.StartsOn, len(pl.students))
	}
	return settings.Put(ctx, demoKey, marker)
}

var demoTexts = []string{
	"## Mon analyse\n\nLe projet de Camille mêle des **photos prises par elle-même** (elle en est l'autrice, droits moraux et patrimoniaux compris) et des extraits d'un roman encore protégé : l'auteur est mort il y a moins de 70 ans. La courte citation est possible dans un but critique, en citant l'auteur et la source.",
	"## Réponse\n\nLes droits patrimoniaux durent toute la vie de l'auteur et 70 ans après sa mort ; ensuite l'œuvre entre dans le *domaine public*. Les droits moraux, eux, sont perpétuels : il faut toujours citer l'auteur. Pour la musique de la vidéo, il faut une autorisation ou une œuvre sous licence libre.",
	"## Synthèse\n\n1. Les photos de Camille : elle peut les utiliser librement.\n2. Le texte du roman : courte citation seulement.\n3. La carte : les données OpenStreetMap sont sous ODbL, il faut créditer « © les contributeurs d'OpenStreetMap ».",
}

// seedPart1 gives the running LCIII demo session a realistic part 1: work
// submitted, reviews assigned and partly done, graded if its time has come.
func seedPart1(ctx context.Context, grad *grading.Service, sess *course.Session, students []*course.User, now time.Time) error {
	p1 := sess.Parts[0]
	if now.Before(p1.OpensAt) {
		return nil
	}
	clock := earliest(p1.OpensAt.Add(3*time.Hour), now)
	g := &grading.Service{Store: grad.Store, Course: grad.Course, Audit: grad.Audit, Events: grad.Events, Markdown: grad.Markdown,
		IDKey: grad.IDKey, Now: func() time.Time { return clock }}
	for i, st := range students[:len(students)-1] {
		if _, err := g.Submit(ctx, st, sess.ID, 1, demoTexts[i%len(demoTexts)], nil); err != nil {
			return err
		}
	}
	if now.Before(p1.SubmissionDue) {
		return nil
	}
	clock = p1.SubmissionDue.Add(time.Minute)
	if _, err := g.AssignPart(ctx, nil, sess.ID, 1); err != nil {
		return err
	}
	clock = earliest(p1.SubmissionDue.Add(2*time.Hour), now)
	ex := grading.DefaultExercises()[0]
	for i, st := range students[:5] {
		tasks, err := g.MyReviews(ctx, st, sess.ID, 1)
		if err != nil {
			return err
		}
		for j, t := range tasks {
			scores := map[string]int{}
			for _, c := range ex.Rubric {
				scores[c.ID] = max(1, c.MaxPoints-(i+j)%3)
			}
			comment := "Analyse claire et bien argumentée ; pensez à citer l'article du Code de la propriété intellectuelle."
			if _, err := g.SaveReview(ctx, st, t.Review.ID, scores, comment); err != nil {
				return err
			}
		}
	}
	if now.After(p1.ReviewDue) {
		clock = p1.ReviewDue.Add(time.Minute)
		if _, err := g.ClosePart(ctx, nil, sess.ID, 1); err != nil {
			return err
		}
	}
	return nil
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// demoPassword returns a readable random password of 14 characters.
func demoPassword() (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY345679"
	b := make([]byte, 14)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b), nil
}

// Package grading holds the peer exercises: submissions, peer-review assignment,
// reviews, aggregation of peer scores into grades, animator corrections and the
// final evaluation. It depends on course only; it never imports app, fiber or the
// MongoDB driver.
package grading

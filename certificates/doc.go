// Package certificates holds the level rules, certificate codes, the PDF
// certificate, the Open Badges 3.0 credential and the animator commitments.
// It depends on grading and course only; it never imports app, fiber or the
// MongoDB driver.
package certificates

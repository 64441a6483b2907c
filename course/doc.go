// Package course holds sessions (LCIII and LCVI), their six parts and schedules,
// accounts and roles, enrolment and staff. It imports neither app, fiber nor the
// MongoDB driver.
package course

// Package notify tells people what happened on the platform: e-mails to
// participants and animators, posts to a session's Mattermost channel.
//
// Every notification goes through a persistent outbox. An event becomes a
// Message whose ID is deterministic (kind, recipient and day in the platform
// time zone for e-mails; the event itself for Mattermost), so a second event
// the same day joins the message while it waits (a digest) and is dropped
// once the day's message went out: at most one e-mail a day per kind and
// person. A kind told through Outbox.EmailDigest (review_replied) waits
// until the next morning instead, so no event of its day is dropped. A Dispatcher delivers what is due: it claims one message at a time
// with an atomic update that gives it a lease, so across instances each
// delivery is attempted by one worker at a time; a failure goes back to the
// queue with an exponential backoff, and a message is given up after a number
// of attempts. A worker that dies mid-delivery leaves its lease to expire, and
// the message is then delivered by another one: a restart loses nothing.
//
// Delivery is at least once: a crash between the SMTP server's acceptance and
// the "sent" mark sends the mail again after the lease. Every mail carries a
// Message-ID derived from its outbox ID, identical on every attempt, so such a
// redelivery is recognisable (mail clients and list software fold duplicates
// by Message-ID). Mattermost offers no such key: a post may, in that narrow
// case, appear twice.
//
// The package depends on course only; it never imports app, fiber or the
// MongoDB driver. app/mongostore implements its Store; the grading service
// reports its events through grading.Notifier, which app implements with it.
package notify

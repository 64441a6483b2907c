package certificates

import (
	"net/url"
	"strconv"
	"time"
)

// LinkedInAddURL is LinkedIn's "add to profile" link for a certification:
// it opens the holder's profile form with the certification's name, the
// issuing organisation, the issue year and month, the verification URL and
// the certificate's code filled in. Nothing is sent to LinkedIn until the
// holder follows it.
func LinkedInAddURL(name, organisation string, issued time.Time, certURL, certID string) string {
	q := url.Values{}
	q.Set("startTask", "CERTIFICATION_NAME")
	q.Set("name", name)
	q.Set("organizationName", organisation)
	if !issued.IsZero() {
		q.Set("issueYear", strconv.Itoa(issued.Year()))
		q.Set("issueMonth", strconv.Itoa(int(issued.Month())))
	}
	q.Set("certUrl", certURL)
	q.Set("certId", certID)
	return "https://www.linkedin.com/profile/add?" + q.Encode()
}

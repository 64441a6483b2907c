// Package verify is "librecours certificates verify": an Open Badges
// credential checked offline, with no database.
package verify

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"librecours/certificates"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// UsageError is a command line that cannot be run as given.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Run verifies the credential file args name, offline: its signature
// against the issuer's JWKS (--jwks, by default baseURL's) and its status
// against the issuer's status list (--status). It returns an error saying
// why a credential is invalid or revoked; a *UsageError for bad arguments.
func Run(ctx context.Context, baseURL string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("certificates verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	jwksFrom := fs.String("jwks", "", "URL or file of the issuer's JWKS (default: LIBRECOURS_BASE_URL/.well-known/jwks.json)")
	statusFrom := fs.String("status", "", "URL or file of the issuer's status list (default: the badge's statusListCredential)")
	// Accept the file before or after the flags.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return &UsageError{"certificates verify: " + err.Error()}
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		return &UsageError{"certificates verify: give the credential file (.jwt)"}
	}
	token, err := os.ReadFile(file) // #nosec G304 -- the file is the operator's command-line argument
	if err != nil {
		return err
	}
	if strings.HasSuffix(strings.ToLower(file), ".svg") {
		jwt, err := certificates.ExtractSVG(strings.NewReader(string(token)))
		if err != nil {
			return fmt.Errorf("INVALID: %w", err)
		}
		token = []byte(jwt)
	}
	if *jwksFrom == "" {
		*jwksFrom = baseURL + "/.well-known/jwks.json"
	}
	data, err := fetchOrRead(ctx, *jwksFrom)
	if err != nil {
		return fmt.Errorf("JWKS %s: %w", *jwksFrom, err)
	}
	var jwks jose.JSONWebKeySet
	if err := json.Unmarshal(data, &jwks); err != nil {
		return fmt.Errorf("JWKS %s: not a JWKS document", *jwksFrom)
	}
	vc, err := certificates.VerifyCredential(strings.TrimSpace(string(token)), jwks)
	if err != nil {
		return fmt.Errorf("INVALID: %w", err)
	}
	cred := vc.Credential
	status := "no status entry: revocation is shown at the credential's verification URL"
	if entry := cred.CredentialStatus; entry != nil {
		from := *statusFrom
		if from == "" {
			from = entry.StatusListCredential
		}
		data, err := fetchOrRead(ctx, from)
		if err != nil {
			return fmt.Errorf("status list %s: %w (give --status FILE to verify offline)", from, err)
		}
		list, err := certificates.VerifyStatusList(strings.TrimSpace(string(data)), jwks)
		if err != nil {
			return fmt.Errorf("status list %s: %w", from, err)
		}
		switch err := certificates.CheckStatus(cred, list); {
		case errors.Is(err, certificates.ErrBadgeRevoked):
			return fmt.Errorf("REVOKED: %s (bit %s of %s, list of %s)", cred.ID, entry.StatusListIndex, list.ID,
				list.ValidFrom.Format(time.RFC3339))
		case err != nil:
			return fmt.Errorf("status list %s: %w", from, err)
		}
		status = "not revoked (status list of " + list.ValidFrom.Format(time.RFC3339) + ")"
	}
	fmt.Fprintf(stdout, "VALID: signed by %s (key %s, %s)\n", cred.Issuer.Name, vc.KeyID, vc.Algorithm)
	fmt.Fprintf(stdout, "  credential: %s\n  achievement: %s\n  valid from: %s\n  status: %s\n", cred.ID,
		cred.CredentialSubject.Achievement.Name, cred.ValidFrom, status)
	return nil
}

// fetchOrRead returns the document at a URL (1 MiB at most) or in a file.
func fetchOrRead(ctx context.Context, from string) ([]byte, error) {
	var data []byte
	if strings.HasPrefix(from, "http://") || strings.HasPrefix(from, "https://") {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(cctx, http.MethodGet, from, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %d", resp.StatusCode)
		}
		if data, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20)); err != nil {
			return nil, err
		}
		return data, nil
	}
	data, err := os.ReadFile(from) // #nosec G304 -- the file is the operator's command-line argument
	return data, err
}
